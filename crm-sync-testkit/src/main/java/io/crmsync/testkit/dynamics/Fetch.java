package io.crmsync.testkit.dynamics;

import java.io.IOException;
import java.io.StringReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.jspecify.annotations.Nullable;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * The subset of a FetchXml query ({@code GET <set>?fetchXml=...}) the emulator serves: one {@code entity}, its
 * {@code attribute}s (or {@code all-attributes}), {@code count}, {@code page}, {@code paging-cookie}, {@code top} and
 * {@code datasource}. Anything else (filters, link-entities, aggregates, orders) is refused as unsupported, never
 * silently ignored.
 *
 * <p>https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/fetch
 */
final class Fetch {
  /** "The default and maximum page size is 5,000 rows" (fetchxml/page-results). */
  static final int MAX_COUNT = 5_000;
  /** "The total number of rows that can be retrieved using simple paging is 50,000" (fetchxml/page-results). */
  static final int SIMPLE_PAGING_LIMIT = 50_000;

  final String entity;
  final @Nullable List<String> attributes;
  final int count;
  final int page;
  final @Nullable UUID pagingCookieLast;
  final @Nullable Integer top;
  final String datasource;

  private Fetch(String entity, @Nullable List<String> attributes, int count, int page, @Nullable UUID pagingCookieLast,
      @Nullable Integer top, String datasource) {
    this.entity = entity;
    this.attributes = attributes;
    this.count = count;
    this.page = page;
    this.pagingCookieLast = pagingCookieLast;
    this.top = top;
    this.datasource = datasource;
  }

  /**
   * Parses {@code xml} (already URL-decoded) for a table whose primary key is {@code primaryId}.
   *
   * @throws DvError 400 if it is not well-formed FetchXml or uses what the emulator does not serve
   */
  static Fetch parse(String xml, String primaryId) {
    Element fetch = document(xml).getDocumentElement();
    if (!fetch.getTagName().equals("fetch")) {
      throw malformed("the root element is '" + fetch.getTagName() + "', not 'fetch'");
    }
    for (String a : attributeNames(fetch)) {
      if (!List.of("count", "page", "paging-cookie", "top", "datasource", "version", "mapping", "no-lock").contains(a)) {
        throw unsupported("the fetch attribute '" + a + "'");
      }
    }
    List<Element> entities = children(fetch);
    if (entities.size() != 1 || !entities.get(0).getTagName().equals("entity")) {
      throw malformed("a fetch element holds exactly one entity element");
    }
    Element entity = entities.get(0);
    String name = entity.getAttribute("name");
    if (name.isEmpty()) {
      throw malformed("the entity element has no name");
    }
    List<String> attributes = new ArrayList<>();
    boolean all = false;
    for (Element child : children(entity)) {
      switch (child.getTagName()) {
        case "attribute" -> {
          String a = child.getAttribute("name");
          if (a.isEmpty()) {
            throw malformed("an attribute element has no name");
          }
          attributes.add(a);
        }
        case "all-attributes" -> all = true;
        default -> throw unsupported("the element '" + child.getTagName() + "'");
      }
    }
    Integer top = intAttribute(fetch, "top");
    Integer count = intAttribute(fetch, "count");
    Integer page = intAttribute(fetch, "page");
    if (top != null && (count != null || page != null)) {
      // "Don't use the fetch element top attribute with paging" (fetchxml/page-results)
      throw new DvError(400, "0x0", "The top attribute can't be specified with paging attribute page or count.");
    }
    if (top != null && (top < 1 || top > MAX_COUNT)) {
      // top: "This value can't exceed 5,000" (fetchxml/reference/fetch)
      throw new DvError(400, "0x0", "The top attribute must be between 1 and 5000.");
    }
    UUID last = null;
    String cookie = fetch.getAttribute("paging-cookie");
    if (!cookie.isEmpty()) {
      // The cookie names the last row's primary key: <cookie page="1"><contactid last="{GUID}" first="{GUID}" /></cookie>
      Matcher m = Pattern.compile("<" + Pattern.quote(primaryId) + " last=\"\\{?([0-9A-Fa-f-]{36})\\}?\"").matcher(cookie);
      if (!m.find()) {
        throw malformed("the paging-cookie is not one this query returned");
      }
      last = UUID.fromString(m.group(1));
    }
    String datasource = fetch.getAttribute("datasource").toLowerCase(Locale.ROOT);
    return new Fetch(name, all ? null : attributes, count == null ? MAX_COUNT : Math.min(count, MAX_COUNT),
        page == null ? 1 : page, last, top, datasource.isEmpty() ? "live" : datasource);
  }

  /** The inner paging cookie of a page ending at {@code last}, URL-encoded twice as the annotation carries it. */
  static String pagingCookieAnnotation(String primaryId, UUID first, UUID last, int page) {
    String inner = "<cookie page=\"" + page + "\"><" + primaryId + " last=\"{" + last.toString().toUpperCase(Locale.ROOT)
        + "}\" first=\"{" + first.toString().toUpperCase(Locale.ROOT) + "}\" /></cookie>";
    return "<cookie pagenumber=\"" + (page + 1) + "\" pagingcookie=\""
        + Service.Cookie.urlEncodeInner(Service.Cookie.urlEncodeInner(inner)) + "\" istracking=\"False\" />";
  }

  /** Decodes a {@code pagingcookie} attribute value twice, as a client does (fetchxml/page-results, "Following pages"). */
  static String decodeTwice(String s) {
    return URLDecoder.decode(URLDecoder.decode(s, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private static Document document(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      f.setXIncludeAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b.parse(new InputSource(new StringReader(xml)));
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    } catch (SAXException | IOException e) {
      throw malformed("it is not well-formed XML");
    }
  }

  private static List<String> attributeNames(Element e) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < e.getAttributes().getLength(); i++) {
      out.add(e.getAttributes().item(i).getNodeName());
    }
    return out;
  }

  private static List<Element> children(Element e) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = e.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }

  private static @Nullable Integer intAttribute(Element e, String name) {
    String v = e.getAttribute(name);
    if (v.isEmpty()) {
      return null;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < 1) {
        throw malformed("the " + name + " attribute is a positive integer");
      }
      return n;
    } catch (NumberFormatException x) {
      throw malformed("the " + name + " attribute is a positive integer");
    }
  }

  private static DvError malformed(String why) {
    // A 400; the pages consulted document no code for a malformed FetchXml query, so none is invented here
    return new DvError(400, "0x0", "Invalid XML: " + why + ".");
  }

  private static DvError unsupported(String what) {
    return new DvError(400, "0x0", "FetchXml: " + what + " is not supported by the emulator.");
  }
}

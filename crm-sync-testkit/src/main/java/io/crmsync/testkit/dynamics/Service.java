package io.crmsync.testkit.dynamics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.dynamics.Org.Ref;
import io.crmsync.testkit.dynamics.Org.Row;
import io.crmsync.testkit.dynamics.Org.Tombstone;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The Web API's semantics over the {@link Org}: queries with server-driven paging, change tracking, single-row
 * reads and writes (upsert by primary or alternate key, {@code If-Match}/{@code If-None-Match}), deletes, the
 * table definitions, and {@code $batch}. Every rule cites the page it comes from. Not thread-safe: called under the
 * emulator's lock.
 */
final class Service {
  /** The largest page the Web API returns (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results). */
  static final int MAX_PAGE_SIZE = 5_000;
  /** The most operations one {@code $batch} may hold (execute-batch-operations-using-web-api). */
  static final int MAX_BATCH_OPERATIONS = 1_000;
  /** The most rows {@code $count} counts (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows). */
  static final int MAX_COUNT = 5_000;

  private static final Pattern GUID =
      Pattern.compile("\\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\}?");
  private static final Pattern RESOURCE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(\\((.*)\\))?(/.*)?", Pattern.DOTALL);
  private static final DateTimeFormatter TOKEN_TIME = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss", Locale.ROOT);
  /** Characters that make key-based PATCH and upsert fail (define-alternate-keys-entity, "Unicode characters in key value"). */
  private static final String KEY_FORBIDDEN = "<>*%&:\\";

  /** A request, at the Web API's service root. */
  record Req(String method, String path, @Nullable String query, Map<String, String> headers, String body, String version) {
    @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  /** A response under construction. */
  static final class Resp {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    @Nullable String body;

    Resp(int status) {
      this.status = status;
    }

    Resp header(String name, String value) {
      headers.put(name, value);
      return this;
    }
  }

  /** What the emulator counts about the requests it serves. */
  interface Listener {
    /** A write named a column that is not valid for it; Dataverse leaves such values alone. */
    void ignoredReadOnly(String table, String column);

    /** A request inside a {@code $batch} was answered with {@code resp}. */
    void batchPart(String method, String target, Resp resp);
  }

  private final Org org;
  private final ObjectMapper json;
  private final String orgUrl;
  private final Duration deltaTokenLifetime;
  private final Listener listener;

  Service(Org org, ObjectMapper json, String orgUrl, Duration deltaTokenLifetime, Listener listener) {
    this.org = org;
    this.json = json;
    this.orgUrl = orgUrl;
    this.deltaTokenLifetime = deltaTokenLifetime;
    this.listener = listener;
  }

  private String root(Req r) {
    return orgUrl + "/api/data/v" + r.version();
  }

  // ------------------------------------------------------------------------------------------- routing

  Resp handle(Req r) {
    String path = r.path();
    if (path.isEmpty() || path.equals("/")) {
      return serviceDocument(r);
    }
    if (path.equals("$batch")) {
      if (!r.method().equals("POST")) {
        throw new DvError(405, "0x0", "The requested resource does not support http method '" + r.method() + "'.");
      }
      return batch(r);
    }
    if (path.startsWith("EntityDefinitions")) {
      if (!r.method().equals("GET")) {
        throw new DvError(405, "0x0", "The emulator serves table definitions read-only.");
      }
      return metadata(r);
    }
    Matcher m = RESOURCE.matcher(path);
    if (!m.matches()) {
      throw resourceNotFound(path);
    }
    Table t = org.bySet.get(m.group(1));
    if (t == null) {
      throw resourceNotFound(m.group(1));
    }
    String key = m.group(3);
    String tail = m.group(4);
    if (key == null && "/$count".equals(tail) && r.method().equals("GET")) {
      return count(t, r);
    }
    if (tail != null) {
      throw resourceNotFound(path);
    }
    if (key == null) {
      return switch (r.method()) {
        case "GET" -> list(t, r);
        case "POST" -> create(t, r);
        default -> throw new DvError(405, "0x0", "The requested resource does not support http method '" + r.method() + "'.");
      };
    }
    Key k = key(t, decode(key));
    return switch (r.method()) {
      case "GET" -> retrieve(t, k, r);
      case "PATCH" -> upsert(t, k, r);
      case "DELETE" -> delete(t, k);
      default -> throw new DvError(405, "0x0", "The requested resource does not support http method '" + r.method() + "'.");
    };
  }

  private static DvError resourceNotFound(String segment) {
    // https://github.com/verbb/formie/issues/1253
    return new DvError(404, "0x8006088a", "Resource not found for the segment '" + segment + "'.");
  }

  // ------------------------------------------------------------------------------------ query options

  private static Map<String, String> params(@Nullable String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
      if (out.putIfAbsent(name, value) != null) {
        throw new DvError(400, "0x0", "Query option '" + name + "' was specified more than once, but it must be specified at most once.");
      }
    }
    return out;
  }

  /** Percent-decodes a query component; a {@code +} is a space, which is why values must encode it (filter-rows, "URL encode special characters"). */
  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw DvError.syntax();
    }
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw DvError.syntax();
    }
  }

  /** The options of a {@code Prefer} header. */
  record Prefer(@Nullable Integer maxPageSize, boolean trackChanges, boolean representation, boolean continueOnError,
      @Nullable String annotations) {
    static Prefer parse(@Nullable String header) {
      Integer max = null;
      boolean track = false;
      boolean rep = false;
      boolean cont = false;
      String ann = null;
      if (header != null) {
        for (String p : header.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
          String v = p.strip();
          String lower = v.toLowerCase(Locale.ROOT);
          if (lower.startsWith("odata.maxpagesize=")) {
            try {
              max = Integer.parseInt(v.substring("odata.maxpagesize=".length()).strip());
            } catch (NumberFormatException e) {
              max = null;
            }
          } else if (lower.equals("odata.track-changes")) {
            track = true;
          } else if (lower.equals("return=representation")) {
            rep = true;
          } else if (lower.equals("odata.continue-on-error")) {
            cont = true;
          } else if (lower.startsWith("odata.include-annotations=")) {
            ann = v.substring("odata.include-annotations=".length()).replace("\"", "").strip();
          }
        }
      }
      return new Prefer(max, track, rep, cont, ann);
    }

    boolean annotation(String term) {
      if (annotations == null) {
        return false;
      }
      for (String a : annotations.split(",")) {
        String s = a.strip();
        if (s.equals("*") || s.equals(term) || (s.endsWith(".*") && term.startsWith(s.substring(0, s.length() - 1)))) {
          return true;
        }
      }
      return false;
    }
  }

  // -------------------------------------------------------------------------------------------- reads

  private static final Set<String> LIST_OPTIONS =
      Set.of("$select", "$filter", "$orderby", "$top", "$count", "$skiptoken", "$deltatoken");

  private Resp list(Table t, Req r) {
    Map<String, String> p = params(r.query());
    if (p.containsKey("fetchXml")) {
      return fetchXml(t, r, p);
    }
    for (String name : p.keySet()) {
      if (!LIST_OPTIONS.contains(name)) {
        throw unsupportedOption(name);
      }
    }
    Prefer prefer = Prefer.parse(r.header("Prefer"));
    if (p.containsKey("$deltatoken")) {
      return delta(t, r, p, prefer);
    }
    boolean tracking = prefer.trackChanges() && t.changeTracking;
    if (tracking) {
      // https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
      for (String o : List.of("$filter", "$orderby", "$top")) {
        if (p.containsKey(o)) {
          throw new DvError(400, "0x0", "The \"" + o + "\" query parameter isn't supported when Change Tracking is enabled.");
        }
      }
    }
    List<ColumnSpec> select = p.containsKey("$select") ? Query.select(t, p.get("$select")) : null;
    Query.Expr filter = p.containsKey("$filter") ? Query.filter(t, p.get("$filter")) : null;
    List<Query.Order> order = p.containsKey("$orderby") ? Query.orderBy(t, p.get("$orderby")) : List.of();
    Integer top = null;
    if (p.containsKey("$top")) {
      try {
        top = Integer.parseInt(p.get("$top"));
      } catch (NumberFormatException e) {
        throw new DvError(400, "0x0", "Invalid value '" + p.get("$top") + "' for $top query option found.");
      }
      if (top < 0) {
        throw new DvError(400, "0x0", "Invalid value '" + top + "' for $top query option found. The $top query option requires a non-negative integer value.");
      }
    }
    boolean count = "true".equalsIgnoreCase(p.getOrDefault("$count", "false"));
    int pageSize = pageSize(prefer);
    // With odata.maxpagesize the service pages and $top is ignored (page-results; see the transcribed exchange)
    boolean paging = prefer.maxPageSize() != null || top == null;
    Cookie cookie = p.containsKey("$skiptoken") ? Cookie.decode(p.get("$skiptoken"), t, order) : null;
    long snapshot = tracking ? (cookie != null && cookie.snapshot > 0 ? cookie.snapshot : org.version()) : 0;

    List<Row> matching = new ArrayList<>();
    Org.Data d = org.data(t);
    int limit = paging ? pageSize + 1 : Math.min(top, MAX_PAGE_SIZE);
    int total = 0;
    if (order.isEmpty()) {
      Iterable<Row> rows = cookie == null ? d.rows.values() : d.rows.tailMap(cookie.lastId, false).values();
      for (Row row : rows) {
        if (filter == null || Boolean.TRUE.equals(filter.eval(row))) {
          if (matching.size() < limit) {
            matching.add(row);
          } else if (!count) {
            break;
          }
          total++;
        }
      }
      if (count && cookie != null) {
        total = countAll(d, filter);
      }
    } else {
      List<Row> all = new ArrayList<>();
      for (Row row : d.rows.values()) {
        if (filter == null || Boolean.TRUE.equals(filter.eval(row))) {
          all.add(row);
        }
      }
      total = all.size();
      Comparator<Row> cmp = Query.comparator(order);
      all.sort(cmp);
      int start = 0;
      if (cookie != null) {
        Row probe = cookie.probe(t);
        while (start < all.size() && cmp.compare(all.get(start), probe) <= 0) {
          start++;
        }
      }
      for (int k = start; k < all.size() && matching.size() < limit; k++) {
        matching.add(all.get(k));
      }
    }
    boolean more = paging && matching.size() > pageSize;
    if (more) {
      matching = matching.subList(0, pageSize);
    }
    Annotations ann = new Annotations(prefer);
    ObjectNode body = json.createObjectNode();
    body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + selectSuffix(p.get("$select")));
    if (count) {
      body.put("@odata.count", Math.min(total, MAX_COUNT));
      if (total > MAX_COUNT) {
        body.put("@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded", true);
      }
    }
    if (!more && tracking) {
      body.put("@odata.deltaLink", root(r) + "/" + t.entitySetName + "?" + deltaQuery(r.query(), snapshot));
    }
    ArrayNode value = body.putArray("value");
    for (Row row : matching) {
      value.add(rowJson(t, row, select, ann));
    }
    if (more) {
      Row last = matching.get(matching.size() - 1);
      Row first = matching.get(0);
      int page = cookie == null ? 1 : cookie.page + 1;
      String token = Cookie.encode(t, order, first, last, page, tracking, snapshot, 0, 0);
      body.put("@odata.nextLink", root(r) + "/" + t.entitySetName + "?" + withSkipToken(r.query(), token));
    }
    Resp resp = jsonResp(200, body);
    List<String> applied = new ArrayList<>();
    if (prefer.maxPageSize() != null) {
      applied.add("odata.maxpagesize=" + prefer.maxPageSize());
    }
    if (tracking) {
      applied.add("odata.track-changes");
    }
    if (prefer.annotations() != null) {
      applied.add("odata.include-annotations=\"" + prefer.annotations() + "\"");
    }
    if (!applied.isEmpty()) {
      resp.header("Preference-Applied", String.join(",", applied));
    }
    return resp;
  }

  /** Deleted rows stay in the recycle bin for up to 30 days (restore-deleted-records). */
  static final Duration RECYCLE_BIN_RETENTION = Duration.ofDays(30);

  /**
   * A FetchXml query, {@code GET <set>?fetchXml=<fetch ...>}: live rows, or with {@code datasource='bin'} the rows in
   * the table's recycle bin ("Currently, you can only retrieve deleted records using FetchXml";
   * https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records). A table without the
   * recycle bin has no rows there ("If the recycle bin isn't enabled for a table, you won't find any records eligible
   * to be restored"). Paging by {@code count}, {@code page} and {@code paging-cookie}, with the
   * {@code fetchxmlpagingcookie} and {@code morerecords} annotations when the {@code Prefer} header asks for them
   * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results).
   */
  private Resp fetchXml(Table t, Req r, Map<String, String> p) {
    for (String name : p.keySet()) {
      if (!name.equals("fetchXml")) {
        throw unsupportedOption(name);
      }
    }
    Fetch f = Fetch.parse(p.get("fetchXml"), t.primaryId);
    if (!f.entity.equals(t.logicalName)) {
      throw new DvError(400, "0x0", "The entity name '" + f.entity + "' of the FetchXml query is not the entity of the entity set '"
          + t.entitySetName + "'.");
    }
    List<ColumnSpec> select = null;
    if (f.attributes != null) {
      select = new ArrayList<>();
      for (String a : f.attributes) {
        ColumnSpec c = t.column(a);
        if (c == null) {
          // FetchXml names columns by logical name; an unknown one is refused as QueryBuilderNoAttribute
          // (org-service/web-service-error-codes), message as quoted in https://github.com/khoait/DCE.PCF/issues/216
          throw new DvError(400, "0x80041103", "'" + t.logicalName + "' entity doesn't contain attribute with Name = '" + a
              + "' and NameMapping = 'Logical' (look up attribute by name is case-sensitive).");
        }
        select.add(c);
      }
    }
    Org.Data d = org.data(t);
    Collection<Row> source;
    switch (f.datasource) {
      case "live" -> source = d.rows.values();
      case "bin" -> {
        Instant oldest = org.now().minus(RECYCLE_BIN_RETENTION);
        d.bin.values().removeIf(b -> b.deletedAt().isBefore(oldest));
        List<Row> binned = new ArrayList<>();
        for (Org.Binned b : (f.pagingCookieLast == null ? d.bin : d.bin.tailMap(f.pagingCookieLast, false)).values()) {
          binned.add(b.row());
        }
        source = binned;
      }
      default -> throw new DvError(400, "0x0", "The FetchXml datasource '" + f.datasource + "' is not supported by the emulator.");
    }
    Iterable<Row> rows = source;
    if (f.datasource.equals("live") && f.pagingCookieLast != null) {
      rows = d.rows.tailMap(f.pagingCookieLast, false).values();
    }
    int limit = f.top != null ? f.top : f.count;
    int skip = f.pagingCookieLast == null && f.top == null ? (f.page - 1) * f.count : 0;
    if (skip + limit > Fetch.SIMPLE_PAGING_LIMIT && f.pagingCookieLast == null && f.page > 1) {
      // "The total number of rows that can be retrieved using simple paging is 50,000" (fetchxml/page-results)
      throw new DvError(400, "0x0", "Simple paging (page without paging-cookie) cannot go past 50,000 rows; use the paging cookie.");
    }
    List<Row> page = new ArrayList<>();
    boolean more = false;
    for (Row row : rows) {
      if (skip > 0) {
        skip--;
        continue;
      }
      if (page.size() == limit) {
        more = f.top == null;
        break;
      }
      page.add(row);
    }
    Prefer prefer = Prefer.parse(r.header("Prefer"));
    Annotations ann = new Annotations(prefer);
    ObjectNode body = json.createObjectNode();
    List<ColumnSpec> cols = select != null ? select : new ArrayList<>(t.columns.values());
    StringBuilder context = new StringBuilder();
    for (ColumnSpec c : cols) {
      context.append(context.length() == 0 ? "" : ",").append(c.property());
    }
    if (select != null) {
      context.append(context.length() == 0 ? "" : ",").append(t.primaryId);
    }
    body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + "(" + context + ")");
    if (prefer.annotation("Microsoft.Dynamics.CRM.fetchxmlpagingcookie") && more) {
      body.put("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie",
          Fetch.pagingCookieAnnotation(t.primaryId, page.get(0).id, page.get(page.size() - 1).id, f.page));
    }
    if (prefer.annotation("Microsoft.Dynamics.CRM.morerecords")) {
      body.put("@Microsoft.Dynamics.CRM.morerecords", more);
    }
    ArrayNode value = body.putArray("value");
    for (Row row : page) {
      value.add(rowJson(t, row, select, ann));
    }
    Resp resp = jsonResp(200, body);
    if (prefer.annotations() != null) {
      resp.header("Preference-Applied", "odata.include-annotations=\"" + prefer.annotations() + "\"");
    }
    return resp;
  }

  private static int countAll(Org.Data d, Query.@Nullable Expr filter) {
    int n = 0;
    for (Row row : d.rows.values()) {
      if (filter == null || Boolean.TRUE.equals(filter.eval(row))) {
        n++;
      }
    }
    return n;
  }

  private static int pageSize(Prefer prefer) {
    Integer max = prefer.maxPageSize();
    // "Max page size requests larger than 5,000 are ignored" (page-results)
    return max == null || max <= 0 || max > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : max;
  }

  private static DvError unsupportedOption(String name) {
    if (name.startsWith("$")) {
      return new DvError(400, "0x0", "The query parameter " + name + " is not supported by the emulator.");
    }
    return new DvError(400, "0x0", "The query parameter '" + name + "' is not supported.");
  }

  private static String selectSuffix(@Nullable String select) {
    return select == null ? "" : "(" + select.replace(" ", "") + ")";
  }

  /** The request's query string with {@code $skiptoken} replaced. */
  private static String withSkipToken(@Nullable String query, String cookie) {
    StringBuilder sb = new StringBuilder();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty() || pair.startsWith("$skiptoken=") || pair.startsWith("%24skiptoken=")) {
          continue;
        }
        sb.append(sb.length() == 0 ? "" : "&").append(pair);
      }
    }
    return sb.append(sb.length() == 0 ? "" : "&").append("$skiptoken=").append(Cookie.urlEncodeOuter(cookie)).toString();
  }

  /** The delta link's query: the request's options without paging tokens, plus {@code $deltatoken}. */
  private String deltaQuery(@Nullable String query, long version) {
    StringBuilder sb = new StringBuilder();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty() || pair.matches("(\\$|%24)(skiptoken|deltatoken)=.*")) {
          continue;
        }
        sb.append(sb.length() == 0 ? "" : "&").append(pair);
      }
    }
    return sb.append(sb.length() == 0 ? "" : "&").append("$deltatoken=").append(deltaToken(version)).toString();
  }

  /**
   * A delta token as the transcribed exchange shows it, {@code 919042!08/22/2017 08:10:44}, percent-encoded in
   * lower case ({@code 919042%2108%2f22%2f2017%2008%3a10%3a44}).
   */
  private String deltaToken(long version) {
    String raw = version + "!" + TOKEN_TIME.format(LocalDateTime.ofInstant(org.now(), ZoneOffset.UTC));
    return raw.replace("!", "%21").replace("/", "%2f").replace(" ", "%20").replace(":", "%3a");
  }

  private Resp delta(Table t, Req r, Map<String, String> p, Prefer prefer) {
    if (!t.changeTracking) {
      throw new DvError(400, "0x0", "Change tracking is not enabled for the table '" + t.logicalName + "'.");
    }
    for (String o : List.of("$filter", "$orderby", "$top")) {
      if (p.containsKey(o)) {
        throw new DvError(400, "0x0", "The \"" + o + "\" query parameter isn't supported when Change Tracking is enabled.");
      }
    }
    long since = parseDeltaToken(p.get("$deltatoken"));
    List<ColumnSpec> select = p.containsKey("$select") ? Query.select(t, p.get("$select")) : null;
    DeltaCookie cookie = p.containsKey("$skiptoken") ? DeltaCookie.decode(p.get("$skiptoken")) : null;
    long after = cookie != null ? cookie.after : since;
    long to = cookie != null ? cookie.to : org.version();
    int pageSize = pageSize(prefer);
    List<Object> changes = deltaEntries(t, after, to);
    boolean more = changes.size() > pageSize;
    List<Object> page = more ? changes.subList(0, pageSize) : changes;
    Annotations ann = new Annotations(prefer);
    ObjectNode body = json.createObjectNode();
    body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + selectSuffix(p.get("$select")) + "/$delta");
    if (!more) {
      body.put("@odata.deltaLink", root(r) + "/" + t.entitySetName + "?" + deltaQuery(r.query(), to));
    }
    ArrayNode value = body.putArray("value");
    long lastVersion = after;
    for (Object o : page) {
      if (o instanceof Row row) {
        value.add(rowJson(t, row, select, ann));
        lastVersion = row.version;
      } else {
        Tombstone tomb = (Tombstone) o;
        ObjectNode del = value.addObject();
        del.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + "/$deletedEntity");
        del.put("id", tomb.id().toString());
        del.put("reason", "deleted");
        lastVersion = tomb.version();
      }
    }
    if (more) {
      String token = new DeltaCookie(lastVersion, to).encode();
      body.put("@odata.nextLink", root(r) + "/" + t.entitySetName + "?" + withSkipToken(r.query(), token));
    }
    return jsonResp(200, body);
  }

  /** Changed rows and tombstones with versions in {@code (after, to]}, in version order. */
  private List<Object> deltaEntries(Table t, long after, long to) {
    Org.Data d = org.data(t);
    List<Object> out = new ArrayList<>();
    for (Row row : d.rows.values()) {
      if (row.version > after && row.version <= to) {
        out.add(row);
      }
    }
    for (Tombstone tomb : d.tombstones) {
      if (tomb.version() > after && tomb.version() <= to && !d.rows.containsKey(tomb.id())) {
        out.add(tomb);
      }
    }
    out.sort(Comparator.comparingLong(o -> o instanceof Row row ? row.version : ((Tombstone) o).version()));
    return out;
  }

  private long parseDeltaToken(String token) {
    int bang = token.indexOf('!');
    if (bang <= 0) {
      throw DvError.syntax();
    }
    long version;
    Instant issued;
    try {
      version = Long.parseLong(token.substring(0, bang));
      issued = LocalDateTime.parse(token.substring(bang + 1), TOKEN_TIME).toInstant(ZoneOffset.UTC);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw DvError.syntax();
    }
    if (version > org.version()) {
      throw DvError.syntax();
    }
    if (Duration.between(issued, org.now()).compareTo(deltaTokenLifetime) > 0) {
      // https://github.com/MicrosoftDocs/powerapps-docs/issues/3845 (the org's ExpireChangeTrackingInDays)
      throw new DvError(400, "0x80044352", "Version stamp associated with the client has expired. Please perform a full sync.");
    }
    return version;
  }

  private Resp count(Table t, Req r) {
    Map<String, String> p = params(r.query());
    int n;
    if (p.containsKey("$deltatoken")) {
      n = deltaEntries(t, parseDeltaToken(p.get("$deltatoken")), org.version()).size();
    } else {
      Query.Expr filter = p.containsKey("$filter") ? Query.filter(t, p.get("$filter")) : null;
      n = Math.min(countAll(org.data(t), filter), MAX_COUNT);
    }
    Resp resp = new Resp(200).header("OData-Version", "4.0").header("Content-Type", "text/plain");
    resp.body = Integer.toString(n);
    return resp;
  }

  private Resp retrieve(Table t, Key k, Req r) {
    Map<String, String> p = params(r.query());
    for (String name : p.keySet()) {
      if (!name.equals("$select")) {
        throw unsupportedOption(name);
      }
    }
    List<ColumnSpec> select = p.containsKey("$select") ? Query.select(t, p.get("$select")) : null;
    Row row = find(t, k);
    if (row == null) {
      throw k.notFound(t);
    }
    ObjectNode body = json.createObjectNode();
    body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + selectSuffix(p.get("$select")) + "/$entity");
    body.setAll(rowJson(t, row, select, new Annotations(Prefer.parse(r.header("Prefer")))));
    return jsonResp(200, body).header("ETag", etag(row));
  }

  // ------------------------------------------------------------------------------------------- writes

  /** A primary key or an alternate key of a row, from a URL's key segment. */
  record Key(@Nullable UUID id, List<String> columns, Map<String, Object> values, String segment) {
    DvError notFound(Table t) {
      if (id != null) {
        return DvError.notFound(t.logicalName, id);
      }
      // https://github.com/MicrosoftDocs/dynamics-365-customer-engagement/issues/1044
      return new DvError(404, "0x80060891", "A record with the specified key values does not exist in " + t.logicalName + " entity");
    }
  }

  /**
   * Parses a key segment: a GUID, or {@code column=literal} pairs naming one of the table's alternate keys
   * (https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record).
   */
  Key key(Table t, String segment) {
    Matcher g = GUID.matcher(segment.strip());
    if (g.matches()) {
      return new Key(UUID.fromString(g.group(1)), List.of(), Map.of(), segment);
    }
    List<String> pairs = splitTopLevel(segment);
    List<String> cols = new ArrayList<>();
    Map<String, Object> values = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw DvError.syntax();
      }
      String name = pair.substring(0, eq).strip();
      ColumnSpec c = t.column(name);
      if (c == null) {
        throw DvError.syntax();
      }
      Object v = keyLiteral(c, pair.substring(eq + 1).strip());
      if (v instanceof String s) {
        for (char ch : s.toCharArray()) {
          if (KEY_FORBIDDEN.indexOf(ch) >= 0) {
            // https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity
            throw new DvError(400, "0x0", "A potentially dangerous Request.Path value was detected from the client (" + ch + ").");
          }
        }
      }
      cols.add(name);
      values.put(name, v);
    }
    List<String> key = t.key(cols);
    if (key == null) {
      throw DvError.syntax();
    }
    return new Key(null, key, values, segment);
  }

  private static Object keyLiteral(ColumnSpec c, String literal) {
    try {
      return switch (c.type) {
        case STRING -> {
          if (literal.length() < 2 || !literal.startsWith("'") || !literal.endsWith("'")) {
            throw DvError.syntax();
          }
          String inner = literal.substring(1, literal.length() - 1);
          if (inner.replace("''", "").contains("'")) {
            throw DvError.syntax();
          }
          yield inner.replace("''", "'");
        }
        case INTEGER, PICKLIST -> Long.parseLong(literal);
        case DECIMAL -> new BigDecimal(literal);
        case DATETIME -> OffsetDateTime.parse(literal).toInstant();
        case LOOKUP -> new Ref(c.targets.get(0), UUID.fromString(literal));
        default -> throw DvError.syntax();
      };
    } catch (NumberFormatException | DateTimeParseException e) {
      throw DvError.syntax();
    }
  }

  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '\'') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(s.substring(start, k));
        start = k + 1;
      }
    }
    if (quoted) {
      throw DvError.syntax();
    }
    out.add(s.substring(start));
    return out;
  }

  private @Nullable Row find(Table t, Key k) {
    return k.id() != null ? org.get(t, k.id()) : org.byKey(t, k.columns(), k.values());
  }

  /**
   * PATCH: update, or create when the row does not exist (upsert). {@code If-Match: *} prevents the create (404),
   * {@code If-None-Match: *} prevents the update (412), an ETag in {@code If-Match} must be the row's (412)
   * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api).
   * {@code Prefer: return=representation} answers 201 for a create and 200 for an update, else 204 with {@code
   * OData-EntityId} (use-upsert-insert-update-record).
   */
  private Resp upsert(Table t, Key k, Req r) {
    requireJson(r);
    Map<String, String> p = params(r.query());
    for (String name : p.keySet()) {
      if (!name.equals("$select")) {
        throw unsupportedOption(name);
      }
    }
    List<ColumnSpec> select = p.containsKey("$select") ? Query.select(t, p.get("$select")) : null;
    Row row = find(t, k);
    String ifMatch = r.header("If-Match");
    String ifNoneMatch = r.header("If-None-Match");
    if (ifMatch != null) {
      if (row == null) {
        if (k.id() != null) {
          throw new DvError(404, "", t.logicalName + " With Id = " + k.id() + " Does Not Exist");
        }
        throw k.notFound(t);
      }
      if (!ifMatch.strip().equals("*") && !ifMatch.strip().equals(etag(row))) {
        throw new DvError(412, "", "The version of the existing record doesn't match the RowVersion property provided.");
      }
    }
    if (ifNoneMatch != null && ifNoneMatch.strip().equals("*") && row != null) {
      throw new DvError(412, "", "A record with matching key values already exists.");
    }
    Map<String, Object> changes = body(t, r.body(), row == null);
    for (String keyColumn : k.columns()) {
      Object sent = changes.get(keyColumn);
      if (sent != null && Query.compareValues(sent, k.values().get(keyColumn)) != 0) {
        // https://github.com/microsoft/PowerPlatform-DataverseClient-Python/pull/127
        throw new DvError(400, "0x80040216", "An unexpected error occurred.");
      }
    }
    boolean created = row == null;
    if (created) {
      Map<String, Object> values = new LinkedHashMap<>(changes);
      values.putAll(k.values());
      UUID id = k.id();
      Object bodyId = changes.get(t.primaryId);
      if (id == null && bodyId instanceof UUID u) {
        id = u;
      }
      values.remove(t.primaryId);
      row = org.insert(t, id, values);
    } else {
      changes.remove(t.primaryId);
      org.update(t, row, changes);
    }
    Prefer prefer = Prefer.parse(r.header("Prefer"));
    if (prefer.representation()) {
      ObjectNode body = json.createObjectNode();
      body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + selectSuffix(p.get("$select")) + "/$entity");
      body.setAll(rowJson(t, row, select, new Annotations(prefer)));
      Resp resp = jsonResp(created ? 201 : 200, body).header("ETag", etag(row));
      if (created) {
        resp.header("Preference-Applied", "return=representation");
      }
      return resp;
    }
    return new Resp(204).header("OData-Version", "4.0")
        .header("OData-EntityId", root(r) + "/" + t.entitySetName + "(" + (k.id() != null ? row.id.toString() : k.segment()) + ")");
  }

  /** POST: creates a row; 204 with {@code OData-EntityId} (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api). */
  private Resp create(Table t, Req r) {
    requireJson(r);
    Map<String, Object> values = body(t, r.body(), true);
    Object id = values.remove(t.primaryId);
    Row row = org.insert(t, id instanceof UUID u ? u : null, values);
    Prefer prefer = Prefer.parse(r.header("Prefer"));
    String location = root(r) + "/" + t.entitySetName + "(" + row.id + ")";
    if (prefer.representation()) {
      ObjectNode body = json.createObjectNode();
      body.put("@odata.context", root(r) + "/$metadata#" + t.entitySetName + "/$entity");
      body.setAll(rowJson(t, row, null, new Annotations(prefer)));
      return jsonResp(201, body).header("ETag", etag(row)).header("Preference-Applied", "return=representation");
    }
    return new Resp(204).header("OData-Version", "4.0").header("Location", location).header("OData-EntityId", location);
  }

  private Resp delete(Table t, Key k) {
    Row row = find(t, k);
    if (row == null) {
      throw k.notFound(t);
    }
    org.delete(t, row);
    return new Resp(204).header("OData-Version", "4.0");
  }

  private static void requireJson(Req r) {
    String ct = r.header("Content-Type");
    if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new DvError(415, "0x0", "The request entity's media type '" + (ct == null ? "" : ct) + "' is not supported for this resource.");
    }
  }

  /** References to rows created earlier in the same change set ({@code $1}), for {@link #body}. */
  private @Nullable Map<String, String> contentIds;

  /**
   * A JSON body's values by logical column name, checked against the table as the Web API checks them: unknown
   * properties, wrong types, text over {@code MaxLength}, choices outside their options, navigation properties
   * bound to rows that do not exist. Values for columns that are not valid for the operation are left out.
   */
  Map<String, Object> body(Table t, String text, boolean create) {
    JsonNode node;
    try {
      node = text.isBlank() ? json.createObjectNode() : json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new DvError(400, "0x0", "An error occurred while validating input parameters: Microsoft.OData.ODataException: "
          + "Invalid JSON. " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new DvError(400, "0x0", "An error occurred while validating input parameters: Microsoft.OData.ODataException: "
          + "A node of type '" + (node == null ? "None" : node.getNodeType()) + "' was read from the JSON reader when trying to read a resource.");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.endsWith("@odata.bind")) {
        String nav = name.substring(0, name.length() - "@odata.bind".length());
        Table.Navigation n = t.navigation.get(nav);
        if (n == null) {
          // https://github.com/microsoft/PowerPlatform-DataverseServiceClient/issues/44
          throw new DvError(400, "0x0", "An error occurred while validating input parameters: Microsoft.OData.ODataException: "
              + "An undeclared property '" + nav + "' which only has property annotations in the payload but no property value "
              + "was found in the payload. In OData, only declared navigation properties and declared named streams can be "
              + "represented as properties without values.");
        }
        if (!writable(t, n.column(), create)) {
          continue;
        }
        out.put(n.column().logicalName, v.isNull() ? null : bind(n, v));
        continue;
      }
      if (name.startsWith("@") || name.contains("@")) {
        continue; // instance annotations such as @odata.type
      }
      ColumnSpec c = t.column(name);
      if (c == null || c.type.isReference()) {
        throw DvError.invalidProperty(t, name);
      }
      if (!writable(t, c, create)) {
        continue;
      }
      out.put(name, v.isNull() ? null : value(t, c, v));
    }
    return out;
  }

  private boolean writable(Table t, ColumnSpec c, boolean create) {
    boolean ok = create ? c.validForCreate : c.validForUpdate;
    if (!ok && !c.logicalName.equals(t.primaryId)) {
      listener.ignoredReadOnly(t.logicalName, c.logicalName);
      return false;
    }
    return true;
  }

  private Ref bind(Table.Navigation n, JsonNode v) {
    if (!v.isTextual()) {
      throw DvError.convert(v, "Edm.String");
    }
    String ref = v.asText().strip();
    if (ref.startsWith("$") && contentIds != null) {
      String resolved = contentIds.get(ref);
      if (resolved == null) {
        throw DvError.plain(400, "Content-ID Reference: '" + ref + "' does not exist in the batch context.");
      }
      ref = resolved;
    }
    int api = ref.indexOf("/api/data/v");
    if (api >= 0) {
      ref = ref.substring(ref.indexOf('/', api + "/api/data/v".length()) + 1);
    }
    if (ref.startsWith("/")) {
      ref = ref.substring(1);
    }
    Matcher m = RESOURCE.matcher(ref);
    if (!m.matches() || m.group(3) == null || m.group(4) != null) {
      // https://github.com/microsoft/PowerPlatform-DataverseServiceClient/issues/62
      throw new DvError(400, "0x0", "Bad Request - Error in query syntax.");
    }
    Table target = org.bySet.get(m.group(1));
    if (target == null || !n.targets().contains(target.logicalName)) {
      throw new DvError(400, "0x0", "Bad Request - Error in query syntax.");
    }
    Key k = key(target, decode(m.group(3)));
    Row row = find(target, k);
    if (row == null) {
      throw k.notFound(target);
    }
    return new Ref(target.logicalName, row.id);
  }

  /** A JSON value checked and converted for column {@code c}. */
  private static Object value(Table t, ColumnSpec c, JsonNode v) {
    switch (c.type) {
      case STRING, MEMO -> {
        if (!v.isTextual()) {
          throw DvError.convert(v, "Edm.String");
        }
        String s = v.asText();
        if (s.codePointCount(0, s.length()) > c.maxLength) {
          throw DvError.tooLong(t, c);
        }
        return s;
      }
      case INTEGER, BIGINT -> {
        if (!v.isIntegralNumber() || (c.type == ColumnType.INTEGER && !v.canConvertToInt())) {
          throw DvError.convert(v, c.type == ColumnType.INTEGER ? "Edm.Int32" : "Edm.Int64");
        }
        return v.asLong();
      }
      case PICKLIST, STATE, STATUS -> {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
          throw DvError.convert(v, "Edm.Int32");
        }
        if (!c.options.containsKey(v.asInt())) {
          // the platform's wording for a choice value outside the column's options
          throw new DvError(400, "0x8004431a", "A validation error occurred.  The value " + v.asInt() + " of '" + c.logicalName
              + "' on record of type '" + t.logicalName + "' is outside the valid range. Accepted Values: "
              + String.join(",", c.options.keySet().stream().map(String::valueOf).toList()));
        }
        return (long) v.asInt();
      }
      case DECIMAL, MONEY, DOUBLE -> {
        if (!v.isNumber()) {
          throw DvError.convert(v, c.type == ColumnType.DOUBLE ? "Edm.Double" : "Edm.Decimal");
        }
        return v.decimalValue();
      }
      case BOOLEAN -> {
        if (!v.isBoolean()) {
          throw DvError.convert(v, "Edm.Boolean");
        }
        return v.asBoolean();
      }
      case DATETIME -> {
        if (!v.isTextual()) {
          throw DvError.convert(v, "Edm.DateTimeOffset");
        }
        try {
          return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException e) {
          try {
            return java.time.LocalDate.parse(v.asText()).atStartOfDay(ZoneOffset.UTC).toInstant();
          } catch (DateTimeParseException e2) {
            throw DvError.convert(v.asText(), "Edm.DateTimeOffset");
          }
        }
      }
      case UNIQUEIDENTIFIER -> {
        if (!v.isTextual() || !GUID.matcher(v.asText()).matches()) {
          throw DvError.convert(v, "Edm.Guid");
        }
        return UUID.fromString(v.asText().replace("{", "").replace("}", ""));
      }
      default -> throw DvError.invalidProperty(t, c.logicalName);
    }
  }

  // ---------------------------------------------------------------------------------------- row JSON

  /** Which instance annotations a response carries ({@code Prefer: odata.include-annotations}). */
  private record Annotations(boolean formatted, boolean lookupName, boolean navigation) {
    Annotations(Prefer p) {
      this(p.annotation("OData.Community.Display.V1.FormattedValue"), p.annotation("Microsoft.Dynamics.CRM.lookuplogicalname"),
          p.annotation("Microsoft.Dynamics.CRM.associatednavigationproperty"));
    }
  }

  static String etag(Row row) {
    return "W/\"" + row.version + "\"";
  }

  /**
   * A row as the Web API returns it (query/select-columns and the transcribed exchanges): {@code @odata.etag}
   * first, the selected columns (null when empty), lookups as {@code _x_value} with their annotations, the primary
   * key last.
   */
  private ObjectNode rowJson(Table t, Row row, @Nullable List<ColumnSpec> select, Annotations ann) {
    ObjectNode o = json.createObjectNode();
    o.put("@odata.etag", etag(row));
    List<ColumnSpec> cols = select != null ? select : new ArrayList<>(t.columns.values());
    for (ColumnSpec c : cols) {
      if (c.logicalName.equals(t.primaryId)) {
        continue;
      }
      Object v = row.values.get(c.logicalName);
      String prop = c.property();
      if (v instanceof Ref ref) {
        if (ann.formatted()) {
          Table target = org.byLogical.get(ref.table());
          Row r = target == null ? null : org.get(target, ref.id());
          Object name = r == null ? null : r.values.get(target.primaryName);
          if (name != null) {
            o.put(prop + "@OData.Community.Display.V1.FormattedValue", name.toString());
          }
        }
        if (ann.navigation()) {
          o.put(prop + "@Microsoft.Dynamics.CRM.associatednavigationproperty", c.navigationProperties.get(ref.table()));
        }
        if (ann.lookupName()) {
          o.put(prop + "@Microsoft.Dynamics.CRM.lookuplogicalname", ref.table());
        }
        o.put(prop, ref.id().toString());
        continue;
      }
      if (v != null && ann.formatted()) {
        String f = formatted(c, v);
        if (f != null) {
          o.put(prop + "@OData.Community.Display.V1.FormattedValue", f);
        }
      }
      putValue(o, prop, v);
    }
    o.put(t.primaryId, row.id.toString());
    return o;
  }

  static void putValue(ObjectNode o, String prop, @Nullable Object v) {
    if (v == null) {
      o.putNull(prop);
    } else if (v instanceof String s) {
      o.put(prop, s);
    } else if (v instanceof Long l) {
      o.put(prop, l);
    } else if (v instanceof BigDecimal d) {
      o.put(prop, d);
    } else if (v instanceof Boolean b) {
      o.put(prop, b);
    } else if (v instanceof Instant i) {
      o.put(prop, DateTimeFormatter.ISO_INSTANT.format(i));
    } else if (v instanceof UUID u) {
      o.put(prop, u.toString());
    } else if (v instanceof Ref r) {
      o.put(prop, r.id().toString());
    } else {
      o.put(prop, v.toString());
    }
  }

  /** The {@code FormattedValue} annotation of a value, as a user in the en-US locale sees it. */
  private static @Nullable String formatted(ColumnSpec c, Object v) {
    DecimalFormatSymbols us = DecimalFormatSymbols.getInstance(Locale.US);
    return switch (c.type) {
      case PICKLIST, STATE, STATUS -> c.options.get(((Long) v).intValue());
      case BOOLEAN -> (Boolean) v ? "Yes" : "No";
      case MONEY -> "$" + new DecimalFormat("#,##0.00", us).format(v);
      case INTEGER, BIGINT -> new DecimalFormat("#,##0", us).format(v);
      case DECIMAL, DOUBLE -> new DecimalFormat("#,##0.##########", us).format(v);
      case DATETIME -> DateTimeFormatter.ofPattern("M/d/yyyy h:mm a", Locale.US).format(LocalDateTime.ofInstant((Instant) v, ZoneOffset.UTC));
      default -> null;
    };
  }

  private Resp jsonResp(int status, JsonNode body) {
    Resp r = new Resp(status).header("Content-Type", "application/json; odata.metadata=minimal").header("OData-Version", "4.0");
    try {
      r.body = json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return r;
  }

  // --------------------------------------------------------------------------------------- metadata

  private Resp serviceDocument(Req r) {
    ObjectNode body = json.createObjectNode();
    body.put("@odata.context", root(r) + "/$metadata");
    ArrayNode value = body.putArray("value");
    for (Table t : org.bySet.values()) {
      value.addObject().put("name", t.entitySetName).put("kind", "EntitySet").put("url", t.entitySetName);
    }
    return jsonResp(200, body);
  }

  private static final Pattern DEFINITION = Pattern.compile(
      "EntityDefinitions(\\(LogicalName='([a-z0-9_]+)'\\))?(/(Attributes|Keys|ManyToOneRelationships)"
          + "(/Microsoft\\.Dynamics\\.CRM\\.(PicklistAttributeMetadata|StateAttributeMetadata|StatusAttributeMetadata))?)?");
  private static final Pattern META_FILTER = Pattern.compile("\\s*([A-Za-z]+)\\s+eq\\s+('([^']*)'|true|false)\\s*");

  /**
   * Table definitions: {@code EntityDefinitions} (with {@code $filter} on {@code LogicalName}, {@code EntitySetName}
   * or {@code ChangeTrackingEnabled}), one table's definition, its {@code Attributes} (and the casts to choice
   * columns with {@code $expand=OptionSet}), {@code Keys} and {@code ManyToOneRelationships}
   * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
   */
  private Resp metadata(Req r) {
    Matcher m = DEFINITION.matcher(decode(r.path()));
    if (!m.matches()) {
      throw resourceNotFound(r.path());
    }
    Map<String, String> p = params(r.query());
    String logical = m.group(2);
    String part = m.group(4);
    String cast = m.group(6);
    ObjectNode body = json.createObjectNode();
    if (logical == null) {
      if (part != null) {
        throw resourceNotFound(r.path());
      }
      List<Table> tables = new ArrayList<>(org.byLogical.values());
      if (p.containsKey("$filter")) {
        for (String clause : p.get("$filter").split("\\s+and\\s+")) {
          Matcher f = META_FILTER.matcher(clause);
          if (!f.matches()) {
            throw new DvError(400, "0x0", "The emulator filters table definitions by LogicalName, EntitySetName, "
                + "ChangeTrackingEnabled and IsCustomEntity with eq only: '" + clause + "'.");
          }
          String prop = f.group(1);
          String lit = f.group(3) != null ? f.group(3) : f.group(2);
          tables.removeIf(t -> !String.valueOf(definitionProperty(t, prop)).equals(lit));
        }
      }
      body.put("@odata.context", root(r) + "/$metadata#EntityDefinitions" + selectSuffix(p.get("$select")));
      ArrayNode value = body.putArray("value");
      for (Table t : tables) {
        value.add(select(definition(t, "Attributes".equals(p.get("$expand"))), p.get("$select")));
      }
      return jsonResp(200, body);
    }
    Table t = org.byLogical.get(logical);
    if (t == null) {
      throw new DvError(404, "0x80040217", "Could not find entity with name '" + logical + "'.");
    }
    if (part == null) {
      body.put("@odata.context", root(r) + "/$metadata#EntityDefinitions" + selectSuffix(p.get("$select")) + "/$entity");
      body.setAll(select(definition(t, "Attributes".equals(p.get("$expand"))), p.get("$select")));
      return jsonResp(200, body);
    }
    ArrayNode value = json.createArrayNode();
    switch (part) {
      case "Attributes" -> {
        for (ColumnSpec c : t.columns.values()) {
          if (cast != null) {
            if (!c.type.metadataType().equals(cast)) {
              continue;
            }
            ObjectNode a = select(attribute(t, c), p.get("$select"));
            if (p.containsKey("$expand") && p.get("$expand").startsWith("OptionSet")) {
              a.set("OptionSet", optionSet(c));
            }
            value.add(a);
          } else {
            value.add(select(attribute(t, c), p.get("$select")));
          }
        }
      }
      case "Keys" -> {
        for (List<String> key : t.keys) {
          ObjectNode k = value.addObject();
          String name = t.logicalName + "_" + String.join("_", key) + "_key";
          k.put("MetadataId", UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString());
          k.put("LogicalName", name);
          k.put("SchemaName", name);
          k.put("EntityLogicalName", t.logicalName);
          ArrayNode attrs = k.putArray("KeyAttributes");
          key.forEach(attrs::add);
          k.put("EntityKeyIndexStatus", "Active");
        }
      }
      default -> {
        for (ColumnSpec c : t.columns.values()) {
          for (Map.Entry<String, String> nav : c.navigationProperties.entrySet()) {
            Table target = org.byLogical.get(nav.getKey());
            ObjectNode rel = value.addObject();
            String name = t.logicalName + "_" + c.logicalName + "_" + nav.getKey();
            rel.put("MetadataId", UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString());
            rel.put("SchemaName", name);
            rel.put("ReferencingEntity", t.logicalName);
            rel.put("ReferencingAttribute", c.logicalName);
            rel.put("ReferencedEntity", nav.getKey());
            rel.put("ReferencedAttribute", target == null ? nav.getKey() + "id" : target.primaryId);
            rel.put("ReferencingEntityNavigationPropertyName", nav.getValue());
            rel.put("ReferencedEntityNavigationPropertyName", name);
          }
        }
      }
    }
    body.put("@odata.context", root(r) + "/$metadata#EntityDefinitions('" + t.logicalName + "')/" + part
        + (cast == null ? "" : "/Microsoft.Dynamics.CRM." + cast) + selectSuffix(p.get("$select")));
    ArrayNode selected = json.createArrayNode();
    value.forEach(selected::add);
    body.set("value", selected);
    return jsonResp(200, body);
  }

  private ObjectNode select(ObjectNode full, @Nullable String select) {
    if (select == null) {
      return full;
    }
    ObjectNode out = json.createObjectNode();
    if (full.has("@odata.type")) {
      out.set("@odata.type", full.get("@odata.type"));
    }
    for (String s : select.split(",")) {
      String name = s.strip();
      if (!full.has(name)) {
        throw new DvError(400, "0x0", "Could not find a property named '" + name + "' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.");
      }
      out.set(name, full.get(name));
    }
    if (full.has("MetadataId")) {
      out.set("MetadataId", full.get("MetadataId"));
    }
    return out;
  }

  private static Object definitionProperty(Table t, String prop) {
    return switch (prop) {
      case "LogicalName" -> t.logicalName;
      case "EntitySetName" -> t.entitySetName;
      case "ChangeTrackingEnabled" -> t.changeTracking;
      case "IsCustomEntity" -> t.custom;
      default -> throw new DvError(400, "0x0", "The emulator cannot filter table definitions by '" + prop + "'.");
    };
  }

  private ObjectNode definition(Table t, boolean withAttributes) {
    ObjectNode d = json.createObjectNode();
    d.put("MetadataId", t.metadataId.toString());
    d.put("LogicalName", t.logicalName);
    d.put("SchemaName", schema(t.logicalName));
    d.put("EntitySetName", t.entitySetName);
    d.put("LogicalCollectionName", t.entitySetName);
    d.put("PrimaryIdAttribute", t.primaryId);
    d.put("PrimaryNameAttribute", t.primaryName);
    d.put("ChangeTrackingEnabled", t.changeTracking);
    d.put("IsCustomEntity", t.custom);
    d.put("OwnershipType", t.column("ownerid") != null ? "UserOwned" : "OrganizationOwned");
    if (withAttributes) {
      ArrayNode attrs = d.putArray("Attributes");
      for (ColumnSpec c : t.columns.values()) {
        attrs.add(attribute(t, c));
      }
    }
    return d;
  }

  private static String schema(String logical) {
    return Character.toUpperCase(logical.charAt(0)) + logical.substring(1);
  }

  /** An attribute's definition in the shape of {@code AttributeMetadata} and its derived types. */
  private ObjectNode attribute(Table t, ColumnSpec c) {
    ObjectNode a = json.createObjectNode();
    a.put("@odata.type", "#Microsoft.Dynamics.CRM." + c.type.metadataType());
    a.put("MetadataId", UUID.nameUUIDFromBytes((t.logicalName + "." + c.logicalName).getBytes(StandardCharsets.UTF_8)).toString());
    a.put("LogicalName", c.logicalName);
    a.put("SchemaName", c.schemaName);
    a.put("EntityLogicalName", t.logicalName);
    a.put("AttributeType", c.type.attributeType());
    a.putObject("AttributeTypeName").put("Value", c.type.typeName());
    a.putNull("AttributeOf");
    a.put("IsCustomAttribute", c.custom);
    a.put("IsPrimaryId", c.logicalName.equals(t.primaryId));
    a.put("IsPrimaryName", c.logicalName.equals(t.primaryName));
    a.put("IsValidForRead", true);
    a.put("IsValidForCreate", c.validForCreate);
    a.put("IsValidForUpdate", c.validForUpdate);
    ObjectNode req = a.putObject("RequiredLevel");
    req.put("Value", c.requiredLevel);
    req.put("CanBeChanged", !c.requiredLevel.equals("SystemRequired"));
    req.put("ManagedPropertyLogicalName", "canmodifyrequirementlevelsettings");
    ObjectNode label = a.putObject("DisplayName");
    ObjectNode user = label.putObject("UserLocalizedLabel");
    user.put("Label", c.schemaName);
    user.put("LanguageCode", 1033);
    label.putArray("LocalizedLabels").add(user.deepCopy());
    if (c.type.isText()) {
      a.put("MaxLength", c.maxLength);
      a.putObject("FormatName").put("Value", c.format == null ? "Text" : c.format);
    }
    if (c.type == ColumnType.DATETIME) {
      a.put("Format", "DateAndTime");
      a.putObject("DateTimeBehavior").put("Value", "UserLocal");
    }
    if (c.type.isReference()) {
      ArrayNode targets = a.putArray("Targets");
      c.targets.forEach(targets::add);
    }
    return a;
  }

  private ObjectNode optionSet(ColumnSpec c) {
    ObjectNode os = json.createObjectNode();
    os.put("MetadataId", UUID.nameUUIDFromBytes(("os." + c.logicalName).getBytes(StandardCharsets.UTF_8)).toString());
    os.put("Name", c.logicalName);
    os.put("IsGlobal", false);
    os.put("OptionSetType", c.type == ColumnType.PICKLIST ? "Picklist" : c.type == ColumnType.STATE ? "State" : "Status");
    ArrayNode options = os.putArray("Options");
    c.options.forEach((val, lbl) -> {
      ObjectNode o = options.addObject();
      o.put("Value", val);
      ObjectNode l = o.putObject("Label");
      ObjectNode user = json.createObjectNode().put("Label", lbl).put("LanguageCode", 1033);
      l.putArray("LocalizedLabels").add(user);
      l.set("UserLocalizedLabel", user.deepCopy());
    });
    return os;
  }

  // ------------------------------------------------------------------------------------------- $batch

  /**
   * {@code $batch}: parts run in order; a change set is atomic (a failure rolls back its earlier operations and
   * answers for the failed one only); without {@code Prefer: odata.continue-on-error} the batch stops at the first
   * failure and its status is that failure's, with it the batch answers 200 and a response per part
   * (execute-batch-operations-using-web-api; the change-set answer as in
   * https://github.com/MicrosoftDocs/powerapps-docs/issues/2843). Responses carry the {@code Content-ID} of their
   * request.
   */
  private Resp batch(Req r) {
    String boundary = Multipart.boundary(r.header("Content-Type"));
    if (boundary == null) {
      throw new DvError(400, "0x0", "The batch request must have a \"Content-Type\" header with a multipart/mixed media type and a boundary.");
    }
    List<Multipart.Part> parts = Multipart.parse(r.body(), boundary);
    int operations = 0;
    List<List<Multipart.Part>> changeSets = new ArrayList<>();
    for (Multipart.Part part : parts) {
      String inner = Multipart.boundary(part.header("Content-Type"));
      if (inner != null) {
        List<Multipart.Part> ops = Multipart.parse(part.body(), inner);
        if (ops.size() > MAX_BATCH_OPERATIONS) {
          // https://github.com/AleksandrRogov/DynamicsWebApi/pull/71
          throw new DvError(400, "0x0", "The current change set contains too many operations. A maximum number of '"
              + MAX_BATCH_OPERATIONS + "' operations are allowed in a change set.");
        }
        operations += ops.size();
        changeSets.add(ops);
      } else {
        operations++;
        changeSets.add(null);
      }
    }
    if (operations > MAX_BATCH_OPERATIONS) {
      // https://github.com/MicrosoftDocs/powerapps-docs/issues/1890
      throw new DvError(400, "0x0", "The current batch message contains too many parts. Only batch messages with a maximum number of '"
          + MAX_BATCH_OPERATIONS + "' query operations, including changeset operations, are allowed.");
    }
    boolean continueOnError = Prefer.parse(r.header("Prefer")).continueOnError();
    String out = "batchresponse_" + UUID.randomUUID();
    StringBuilder sb = new StringBuilder();
    int status = 200;
    for (int k = 0; k < parts.size(); k++) {
      List<Multipart.Part> ops = changeSets.get(k);
      int failure;
      if (ops == null) {
        Multipart.Part part = parts.get(k);
        Resp resp = runPart(r, Multipart.request(part), null);
        sb.append("--").append(out).append(Multipart.CRLF);
        appendPart(sb, part.header("Content-ID"), resp);
        failure = resp.status >= 400 ? resp.status : 0;
      } else {
        failure = changeSet(r, ops, out, sb);
      }
      if (failure != 0 && !continueOnError) {
        status = failure;
        break;
      }
    }
    sb.append("--").append(out).append("--").append(Multipart.CRLF);
    Resp resp = new Resp(status).header("OData-Version", "4.0").header("Content-Type", "multipart/mixed; boundary=" + out);
    resp.body = sb.toString();
    return resp;
  }

  /** Runs a change set atomically; returns the failing status, or 0. */
  private int changeSet(Req batch, List<Multipart.Part> ops, String outer, StringBuilder sb) {
    String boundary = "changesetresponse_" + UUID.randomUUID();
    Map<String, String> ids = new HashMap<>();
    List<Resp> responses = new ArrayList<>();
    List<String> contentIdsOf = new ArrayList<>();
    org.begin();
    Resp failed = null;
    String failedId = null;
    for (Multipart.Part op : ops) {
      Multipart.Request req = Multipart.request(op);
      String contentId = op.header("Content-ID");
      if (req.method().equals("GET")) {
        failed = errorResp(new DvError(400, "0x0", "GET requests are not allowed in a change set."));
        failedId = contentId;
        break;
      }
      Resp resp = runPart(batch, req, ids);
      if (resp.status >= 400) {
        failed = resp;
        failedId = contentId;
        break;
      }
      if (contentId != null) {
        String location = resp.headers.get("OData-EntityId");
        if (location != null) {
          ids.put("$" + contentId, location.substring(location.indexOf("/api/data/v")));
        }
      }
      responses.add(resp);
      contentIdsOf.add(contentId);
    }
    sb.append("--").append(outer).append(Multipart.CRLF);
    sb.append("Content-Type: multipart/mixed; boundary=").append(boundary).append(Multipart.CRLF).append(Multipart.CRLF);
    if (failed != null) {
      org.rollback();
      sb.append("--").append(boundary).append(Multipart.CRLF);
      appendPart(sb, failedId, failed);
    } else {
      org.commit();
      for (int k = 0; k < responses.size(); k++) {
        sb.append("--").append(boundary).append(Multipart.CRLF);
        appendPart(sb, contentIdsOf.get(k), responses.get(k));
      }
    }
    sb.append("--").append(boundary).append("--").append(Multipart.CRLF);
    return failed == null ? 0 : failed.status;
  }

  /** One request of a batch, against this service; failures become their error responses. */
  private Resp runPart(Req batch, Multipart.Request req, @Nullable Map<String, String> ids) {
    String target = req.target();
    if (target.startsWith("$") && ids != null) {
      int slash = target.indexOf('/');
      String ref = slash < 0 ? target : target.substring(0, slash);
      String resolved = ids.get(ref);
      if (resolved == null) {
        throw DvError.plain(400, "Content-ID Reference: '" + ref + "' does not exist in the batch context.");
      }
      target = resolved + (slash < 0 ? "" : target.substring(slash));
    }
    String version = batch.version();
    int api = target.indexOf("/api/data/v");
    String rest;
    if (api >= 0) {
      String afterV = target.substring(api + "/api/data/v".length());
      int slash = afterV.indexOf('/');
      version = slash < 0 ? afterV : afterV.substring(0, slash);
      rest = slash < 0 ? "" : afterV.substring(slash + 1);
    } else {
      rest = target.startsWith("/") ? target.substring(1) : target;
    }
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    String query = q < 0 ? null : rest.substring(q + 1);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(req.headers());
    Map<String, String> saved = contentIds;
    contentIds = ids;
    Resp resp;
    try {
      resp = handle(new Req(req.method(), path, query, headers, req.body(), version));
    } catch (DvError e) {
      if (e.plainText != null) {
        throw e;
      }
      resp = errorResp(e);
    } finally {
      contentIds = saved;
    }
    listener.batchPart(req.method(), path, resp);
    return resp;
  }

  Resp errorResp(DvError e) {
    ObjectNode body = json.createObjectNode();
    ObjectNode err = body.putObject("error");
    err.put("code", e.code);
    err.put("message", e.getMessage());
    Resp r = new Resp(e.status).header("REQ_ID", UUID.randomUUID().toString())
        .header("Content-Type", "application/json; odata.metadata=minimal").header("OData-Version", "4.0");
    e.headers.forEach(r::header);
    try {
      r.body = json.writeValueAsString(body);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
    return r;
  }

  private static void appendPart(StringBuilder sb, @Nullable String contentId, Resp resp) {
    sb.append("Content-Type: application/http").append(Multipart.CRLF);
    sb.append("Content-Transfer-Encoding: binary").append(Multipart.CRLF);
    if (contentId != null) {
      sb.append("Content-ID: ").append(contentId).append(Multipart.CRLF);
    }
    sb.append(Multipart.CRLF);
    sb.append("HTTP/1.1 ").append(resp.status).append(' ').append(reason(resp.status)).append(Multipart.CRLF);
    resp.headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append(Multipart.CRLF));
    sb.append(Multipart.CRLF);
    if (resp.body != null) {
      sb.append(resp.body);
    }
    sb.append(Multipart.CRLF);
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 304 -> "Not Modified";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 412 -> "Precondition Failed";
      case 413 -> "Payload Too Large";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status " + status;
    };
  }

  // ------------------------------------------------------------------------------------- paging cookies

  /**
   * The paging cookie of a {@code @odata.nextLink}, in the shape the transcribed exchange shows: {@code <cookie
   * pagenumber="2" pagingcookie="%3ccookie%20page%3d%221%22%3e%3ccontactid%20last%3d%22%7b...%7d%22 ..." istracking="False" />},
   * the inner cookie holding the last and first values of the sort columns and the primary key.
   */
  static final class Cookie {
    final int page;
    final UUID lastId;
    final Map<String, @Nullable String> lastValues;
    final long snapshot;

    private Cookie(int page, UUID lastId, Map<String, @Nullable String> lastValues, long snapshot) {
      this.page = page;
      this.lastId = lastId;
      this.lastValues = lastValues;
      this.snapshot = snapshot;
    }

    static String encode(Table t, List<Query.Order> order, Row first, Row last, int page, boolean tracking, long snapshot,
        long after, long to) {
      StringBuilder inner = new StringBuilder("<cookie page=\"").append(page).append('"');
      if (tracking) {
        inner.append(" snapshot=\"").append(snapshot).append('"');
      }
      inner.append('>');
      for (Query.Order o : order) {
        String name = o.column().logicalName;
        inner.append('<').append(name);
        appendAttr(inner, "last", last.values.get(name));
        appendAttr(inner, "first", first.values.get(name));
        inner.append(" />");
      }
      inner.append('<').append(t.primaryId).append(" last=\"{").append(last.id.toString().toUpperCase(Locale.ROOT))
          .append("}\" first=\"{").append(first.id.toString().toUpperCase(Locale.ROOT)).append("}\" /></cookie>");
      return "<cookie pagenumber=\"" + (page + 1) + "\" pagingcookie=\"" + urlEncodeInner(inner.toString())
          + "\" istracking=\"" + (tracking ? "True" : "False") + "\" />";
    }

    private static void appendAttr(StringBuilder sb, String name, @Nullable Object v) {
      if (v == null) {
        return;
      }
      String text = v instanceof Ref r ? r.id().toString() : v instanceof Instant i ? i.toString() : v instanceof BigDecimal d
          ? d.toPlainString() : v.toString();
      sb.append(' ').append(name).append("=\"").append(xmlEscape(text)).append('"');
    }

    static Cookie decode(String token, Table t, List<Query.Order> order) {
      Matcher page = Pattern.compile("pagenumber=\"(\\d+)\"").matcher(token);
      Matcher cookie = Pattern.compile("pagingcookie=\"([^\"]*)\"").matcher(token);
      if (!page.find() || !cookie.find()) {
        throw DvError.syntax();
      }
      String inner = URLDecoder.decode(cookie.group(1), StandardCharsets.UTF_8);
      Matcher pk = Pattern.compile("<" + Pattern.quote(t.primaryId) + " last=\"\\{?([0-9A-Fa-f-]{36})\\}?\"").matcher(inner);
      if (!pk.find()) {
        throw DvError.syntax();
      }
      Map<String, @Nullable String> values = new HashMap<>();
      for (Query.Order o : order) {
        Matcher m = Pattern.compile("<" + Pattern.quote(o.column().logicalName) + "( last=\"([^\"]*)\")?").matcher(inner);
        if (!m.find()) {
          throw DvError.syntax();
        }
        values.put(o.column().logicalName, m.group(2) == null ? null : xmlUnescape(m.group(2)));
      }
      Matcher snap = Pattern.compile("snapshot=\"(\\d+)\"").matcher(inner);
      long snapshot = snap.find() ? Long.parseLong(snap.group(1)) : 0;
      return new Cookie(Integer.parseInt(page.group(1)) - 1, UUID.fromString(pk.group(1)), values, snapshot);
    }

    /** A row standing for the cookie's position, to compare rows against. */
    Row probe(Table t) {
      Row r = new Row(lastId);
      lastValues.forEach((name, text) -> {
        if (text != null) {
          ColumnSpec c = t.column(name);
          r.values.put(name, parseValue(c, text));
        }
      });
      return r;
    }

    private static Object parseValue(@Nullable ColumnSpec c, String text) {
      if (c == null) {
        return text;
      }
      return switch (c.type) {
        case INTEGER, BIGINT, PICKLIST, STATE, STATUS -> Long.parseLong(text);
        case DECIMAL, MONEY, DOUBLE -> new BigDecimal(text);
        case BOOLEAN -> Boolean.parseBoolean(text);
        case DATETIME -> Instant.parse(text);
        case UNIQUEIDENTIFIER -> UUID.fromString(text);
        case LOOKUP, CUSTOMER, OWNER -> new Ref(c.targets.get(0), UUID.fromString(text));
        default -> text;
      };
    }

    /** Lower-case percent-encoding of everything but letters and digits, as the recorded inner cookie shows. */
    static String urlEncodeInner(String s) {
      StringBuilder sb = new StringBuilder();
      for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
        int c = b & 0xff;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_') {
          sb.append((char) c);
        } else {
          sb.append('%').append(String.format(Locale.ROOT, "%02x", c));
        }
      }
      return sb.toString();
    }

    /** The outer encoding of the recorded {@code $skiptoken}: {@code < > " space %} and the query delimiters. */
    static String urlEncodeOuter(String s) {
      StringBuilder sb = new StringBuilder();
      for (char c : s.toCharArray()) {
        switch (c) {
          case '<' -> sb.append("%3C");
          case '>' -> sb.append("%3E");
          case '"' -> sb.append("%22");
          case ' ' -> sb.append("%20");
          case '%' -> sb.append("%25");
          case '&' -> sb.append("%26");
          case '#' -> sb.append("%23");
          case '+' -> sb.append("%2B");
          default -> sb.append(c);
        }
      }
      return sb.toString();
    }

    private static String xmlEscape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String xmlUnescape(String s) {
      return s.replace("&quot;", "\"").replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&");
    }
  }

  /** The paging position inside a delta: the version after which to continue, and the version the delta ends at. */
  record DeltaCookie(long after, long to) {
    String encode() {
      return "<cookie pagenumber=\"2\" pagingcookie=\"" + Cookie.urlEncodeInner("<cookie after=\"" + after + "\" to=\"" + to + "\" />")
          + "\" istracking=\"True\" />";
    }

    static DeltaCookie decode(String token) {
      Matcher cookie = Pattern.compile("pagingcookie=\"([^\"]*)\"").matcher(token);
      if (!cookie.find()) {
        throw DvError.syntax();
      }
      String inner = URLDecoder.decode(cookie.group(1), StandardCharsets.UTF_8);
      Matcher m = Pattern.compile("after=\"(\\d+)\" to=\"(\\d+)\"").matcher(inner);
      if (!m.find()) {
        throw DvError.syntax();
      }
      return new DeltaCookie(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }
  }
}

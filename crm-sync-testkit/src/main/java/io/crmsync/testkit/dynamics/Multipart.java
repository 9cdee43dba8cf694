package io.crmsync.testkit.dynamics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the {@code multipart/mixed} bodies of {@code $batch} requests and responses, as the batch page
 * shows them (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
 * and the OData 4.0 multipart batch format it follows). Lines may end in CRLF (as real traffic does) or LF (as the
 * documentation's examples do).
 */
final class Multipart {
  private Multipart() {}

  private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");
  static final String CRLF = "\r\n";

  /** One part: its MIME headers (names ignoring case) and body. */
  record Part(Map<String, String> headers, String body) {
    @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  /** One HTTP request inside a part. */
  record Request(String method, String target, Map<String, String> headers, String body) {}

  /** The boundary of a {@code multipart/mixed} content type, or null if it is not one. */
  static @Nullable String boundary(@Nullable String contentType) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/mixed")) {
      return null;
    }
    Matcher m = BOUNDARY.matcher(contentType);
    if (!m.find()) {
      return null;
    }
    return m.group(2) != null ? m.group(2) : m.group(3);
  }

  /**
   * The parts of a multipart body.
   *
   * @throws DvError 400 if the body does not open and close with the boundary
   */
  static List<Part> parse(String body, String boundary) {
    String delimiter = "--" + boundary;
    List<Part> parts = new ArrayList<>();
    int pos = lineStart(body, delimiter, 0);
    if (pos < 0) {
      throw new DvError(400, "0x0", "The batch request body does not contain the boundary '" + boundary + "'.");
    }
    while (true) {
      int afterDelimiter = pos + delimiter.length();
      if (body.startsWith("--", afterDelimiter)) {
        return parts; // close delimiter
      }
      int contentStart = skipLineEnd(body, afterDelimiter);
      int next = lineStart(body, delimiter, contentStart);
      if (next < 0) {
        throw new DvError(400, "0x0", "The batch request body ends without its closing boundary '--" + boundary + "--'.");
      }
      int contentEnd = next;
      if (contentEnd > contentStart && body.charAt(contentEnd - 1) == '\n') {
        contentEnd--;
        if (contentEnd > contentStart && body.charAt(contentEnd - 1) == '\r') {
          contentEnd--;
        }
      }
      parts.add(part(body.substring(contentStart, Math.max(contentStart, contentEnd))));
      pos = next;
    }
  }

  private static Part part(String content) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int k = 0;
    while (k < content.length()) {
      int eol = content.indexOf('\n', k);
      String line = (eol < 0 ? content.substring(k) : content.substring(k, eol)).replaceAll("\r$", "");
      k = eol < 0 ? content.length() : eol + 1;
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    return new Part(headers, content.substring(Math.min(k, content.length())));
  }

  /**
   * The HTTP request an {@code application/http} part holds.
   *
   * @throws DvError 400 if the request line is malformed
   */
  static Request request(Part p) {
    String text = p.body().replaceFirst("^(\r?\n)+", "");
    int eol = text.indexOf('\n');
    String line = (eol < 0 ? text : text.substring(0, eol)).replaceAll("\r$", "").strip();
    String[] words = line.split(" ");
    if (words.length < 2 || !words[0].matches("GET|POST|PATCH|PUT|DELETE")) {
      throw new DvError(400, "0x0", "The request line of a batch part is malformed: '" + excerpt(line) + "'.");
    }
    Part inner = part(eol < 0 ? "" : text.substring(eol + 1));
    return new Request(words[0], words[1], inner.headers(), inner.body().strip());
  }

  private static String excerpt(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "…" : s;
  }

  private static int lineStart(String body, String delimiter, int from) {
    int k = from;
    while (true) {
      int i = body.indexOf(delimiter, k);
      if (i < 0) {
        return -1;
      }
      int end = i + delimiter.length();
      boolean whole = end >= body.length() || "\r\n \t-".indexOf(body.charAt(end)) >= 0;
      if ((i == 0 || body.charAt(i - 1) == '\n') && whole) {
        return i;
      }
      k = i + 1;
    }
  }

  private static int skipLineEnd(String body, int k) {
    while (k < body.length() && (body.charAt(k) == ' ' || body.charAt(k) == '\t')) {
      k++;
    }
    if (k < body.length() && body.charAt(k) == '\r') {
      k++;
    }
    if (k < body.length() && body.charAt(k) == '\n') {
      k++;
    }
    return k;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

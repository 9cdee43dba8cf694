package io.crmsync.dynamics.internal;

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
 * Writes {@code $batch} requests and reads their answers
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
 * Each operation goes in a change set of its own with a {@code Content-ID}, which Dataverse repeats on the answer,
 * so that every answer is matched to its record whatever the order of the parts; a change set of one fails alone.
 * The reader tolerates LF line ends, answers without {@code Content-ID} (matched by position when every part lacks
 * one) and bodies cut short (a part without its closing boundary is dropped, and its record has no answer).
 */
public final class Batch {
  private static final String CRLF = "\r\n";
  private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");
  private static final Pattern STATUS = Pattern.compile("HTTP/\\d\\.\\d\\s+(\\d{3})(\\s.*)?");

  private Batch() {}

  /**
   * One operation: method, path from the org root with its query ({@code /api/data/v9.2/contacts(...)?$select=...}),
   * headers, JSON body.
   */
  public record Op(int contentId, String method, String target, Map<String, String> headers, byte @Nullable [] body) {}

  /** One answer: the {@code Content-ID} it carried, its status, headers and body. */
  public record Answer(@Nullable Integer contentId, int status, Map<String, String> headers, String body) {
    public @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  /** The body of a batch of {@code ops}, each in its own change set. */
  public static byte[] write(String boundary, List<Op> ops) {
    StringBuilder sb = new StringBuilder(ops.size() * 400);
    for (Op op : ops) {
      String changeSet = "changeset_" + boundary.substring(boundary.indexOf('_') + 1) + "_" + op.contentId();
      sb.append("--").append(boundary).append(CRLF);
      sb.append("Content-Type: multipart/mixed; boundary=").append(changeSet).append(CRLF).append(CRLF);
      sb.append("--").append(changeSet).append(CRLF);
      sb.append("Content-Type: application/http").append(CRLF);
      sb.append("Content-Transfer-Encoding: binary").append(CRLF);
      sb.append("Content-ID: ").append(op.contentId()).append(CRLF).append(CRLF);
      sb.append(op.method()).append(' ').append(op.target()).append(" HTTP/1.1").append(CRLF);
      if (op.body() != null) {
        sb.append("Content-Type: application/json; type=entry").append(CRLF);
      }
      op.headers().forEach((k, v) -> sb.append(k).append(": ").append(v).append(CRLF));
      sb.append(CRLF);
      if (op.body() != null) {
        sb.append(new String(op.body(), StandardCharsets.UTF_8));
      }
      sb.append(CRLF);
      sb.append("--").append(changeSet).append("--").append(CRLF);
    }
    sb.append("--").append(boundary).append("--").append(CRLF);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The boundary of a {@code multipart/mixed} content type, or null. */
  public static @Nullable String boundary(@Nullable String contentType) {
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
   * The answers in a batch response, change sets flattened, in the order they appear. Parts that are not complete
   * HTTP answers (no status line, or cut off before their closing boundary) are left out.
   */
  public static List<Answer> read(String contentType, String body) {
    String boundary = boundary(contentType);
    List<Answer> out = new ArrayList<>();
    if (boundary != null) {
      collect(body, boundary, out);
    }
    return out;
  }

  private static void collect(String body, String boundary, List<Answer> out) {
    String delimiter = "--" + boundary;
    int pos = lineStart(body, delimiter, 0);
    while (pos >= 0) {
      int after = pos + delimiter.length();
      if (body.startsWith("--", after)) {
        return;
      }
      int start = skipLineEnd(body, after);
      int next = lineStart(body, delimiter, start);
      if (next < 0) {
        return; // cut short: this part is incomplete
      }
      int end = next;
      if (end > start && body.charAt(end - 1) == '\n') {
        end--;
        if (end > start && body.charAt(end - 1) == '\r') {
          end--;
        }
      }
      part(body.substring(start, Math.max(start, end)), out);
      pos = next;
    }
  }

  private static void part(String content, List<Answer> out) {
    Map<String, String> mime = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int k = headers(content, 0, mime);
    String inner = boundary(mime.get("Content-Type"));
    if (inner != null) {
      collect(content.substring(k), inner, out);
      return;
    }
    while (k < content.length() && (content.charAt(k) == '\r' || content.charAt(k) == '\n')) {
      k++;
    }
    String http = content.substring(k);
    int eol = http.indexOf('\n');
    String line = (eol < 0 ? http : http.substring(0, eol)).strip();
    Matcher status = STATUS.matcher(line);
    if (!status.matches()) {
      return;
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int bodyStart = eol < 0 ? http.length() : headers(http, eol + 1, headers);
    Integer contentId = null;
    String id = mime.getOrDefault("Content-ID", headers.get("Content-ID"));
    if (id != null) {
      try {
        contentId = Integer.valueOf(id.strip());
      } catch (NumberFormatException e) {
        contentId = null;
      }
    }
    out.add(new Answer(contentId, Integer.parseInt(status.group(1)), headers, http.substring(Math.min(bodyStart, http.length())).strip()));
  }

  /** Reads header lines from {@code k} into {@code into} until a blank line; returns where the body starts. */
  private static int headers(String s, int k, Map<String, String> into) {
    while (k < s.length()) {
      int eol = s.indexOf('\n', k);
      int end = eol < 0 ? s.length() : eol;
      if (end > k && s.charAt(end - 1) == '\r') {
        end--;
      }
      String line = s.substring(k, end);
      k = eol < 0 ? s.length() : eol + 1;
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        into.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    return k;
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
}

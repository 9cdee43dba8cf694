package io.crmsync.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * A response with an error status, handed to an {@link ErrorMapper}.
 *
 * @param crm the CRM's id
 * @param operation what was attempted, such as {@code POST /crm/v3/objects/contacts/batch/upsert}
 *     (method and path only: query strings may hold secrets)
 * @param status the HTTP status
 * @param headers the response headers
 * @param body the response body as text, cut to {@link CrmHttp#MAX_ERROR_BODY_CHARS}
 * @param json the body parsed as JSON, or {@code null} if it was not JSON
 * @param requestId the CRM's request id, or {@code null}
 * @param receivedAt when the response arrived, for relative Retry-After dates
 */
public record HttpFailure(
    String crm,
    String operation,
    int status,
    Headers headers,
    String body,
    @Nullable JsonNode json,
    @Nullable String requestId,
    Instant receivedAt) {
  public HttpFailure {
    Objects.requireNonNull(crm, "crm");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(receivedAt, "receivedAt");
  }

  /**
   * The body as a short, single-line excerpt for messages: HTML tags stripped, control characters (a
   * terminal's escape sequences among them) removed, whitespace folded, at most 300 characters.
   */
  public String excerpt() {
    return excerpt(body, 300);
  }

  /**
   * {@code text} made safe to quote in a message or a log line: HTML tags stripped, control and format
   * characters removed (so that bytes from a server cannot move a terminal's cursor, retitle its window or
   * reorder text), whitespace folded, cut to {@code maxChars} with an ellipsis.
   */
  public static String excerpt(String text, int maxChars) {
    String t = text.replaceAll("(?s)<(script|style).*?</\\1>", " ").replaceAll("<[^>]*>", " ");
    t = t.replaceAll("\\e\\[[0-9;?]*[ -/]*[@-~]", " ")      // CSI sequences: ESC [ ... final byte
        .replaceAll("\\e\\][^\\a\\e]*(\\a|\\e\\\\)?", " ") // OSC sequences: ESC ] ... BEL or ST
        .replaceAll("[\\p{Cc}\\p{Cf}&&[^\\s]]", "")
        .replaceAll("\\s+", " ")
        .strip();
    if (t.length() <= maxChars) {
      return t;
    }
    int end = maxChars;
    if (Character.isHighSurrogate(t.charAt(end - 1))) {
      end--;
    }
    return t.substring(0, end) + "…";
  }
}

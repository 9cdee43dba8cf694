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

  /** The body as a short, single-line excerpt for messages: HTML tags stripped, whitespace folded. */
  public String excerpt() {
    String text = body.replaceAll("(?s)<(script|style).*?</\\1>", " ").replaceAll("<[^>]*>", " ");
    text = text.replaceAll("\\s+", " ").strip();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}

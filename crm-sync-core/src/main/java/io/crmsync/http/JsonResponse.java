package io.crmsync.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Objects;
import okhttp3.Headers;

/**
 * A successful JSON response: its status, headers and parsed body. Adapters that read response headers on
 * success (rate-limit counters, request ids) call {@link CrmHttp#exchange} to get one.
 *
 * @param status the HTTP status, 2xx
 * @param headers the response headers
 * @param body the parsed body; {@link MissingNode} when the body was empty
 */
public record JsonResponse(int status, Headers headers, JsonNode body) {
  public JsonResponse {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
  }
}

package io.crmsync.examples.acme;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.FieldError;
import io.crmsync.http.ErrorMapper;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.RetryAfter;
import java.time.Duration;
import java.util.List;

/**
 * Acme's error bodies to the exception that says what the caller can do. The API answers {@code
 * {"error": {"code", "message", "field"}}}; its token endpoint answers in the OAuth 2.0 form, {@code
 * {"error": "<code>", "error_description": "..."}}. Anything else (an HTML page from a proxy, an empty
 * body) is mapped by status alone, by {@link ErrorMapper#defaults()}.
 */
final class AcmeErrors implements ErrorMapper {
  @Override
  public CrmSyncException map(HttpFailure f) {
    JsonNode json = f.json();
    JsonNode error = json == null ? null : json.get("error");
    String code;
    String text;
    String field = null;
    if (error != null && error.isObject()) {
      code = error.path("code").asText("unknown");
      text = error.path("message").asText("");
      field = error.path("field").isTextual() ? error.path("field").asText() : null;
    } else if (error != null && error.isTextual()) {
      code = error.asText();
      text = json.path("error_description").asText("");
    } else {
      return ErrorMapper.defaults().map(f);
    }
    String message = f.operation() + " failed: " + HttpFailure.excerpt(code, 60)
        + (text.isEmpty() ? "" : " (" + HttpFailure.excerpt(text, 300) + ")");
    String id = AcmeCrmAdapter.ID;
    int status = f.status();
    Duration retryAfter = RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null);
    if (code.equals("daily_quota_exceeded")) {
      // the engine stops the run, keeps the rest for the next one, and says when the quota resets
      return CrmRateLimitException.quotaExhausted(id, status, f.requestId(), message, retryAfter, null);
    }
    if (status == 429) {
      return new CrmRateLimitException(id, status, f.requestId(), message, retryAfter, null);
    }
    if (status == 401 || status == 403) {
      return new CrmAuthenticationException(id, status, f.requestId(), message, null);
    }
    if (status == 408 || status >= 500) {
      return new CrmUnavailableException(id, status, f.requestId(), message, null);
    }
    List<FieldError> fields = field == null ? List.of()
        : List.of(new FieldError(AcmeJson.canonical(field), code, HttpFailure.excerpt(text, 300)));
    return new CrmRequestException(id, status, f.requestId(), message, fields, null);
  }
}

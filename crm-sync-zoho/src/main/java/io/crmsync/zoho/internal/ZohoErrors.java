package io.crmsync.zoho.internal;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads Zoho CRM's error bodies into the exception hierarchy. A body is {@code {"code", "details", "message",
 * "status": "error"}}, or for the write APIs a {@code data} array with one such entry per record:
 * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md.
 *
 * <ul>
 *   <li>401 {@code INVALID_TOKEN} or {@code AUTHENTICATION_FAILURE}: {@link TokenRefused}, so the adapter gets a
 *       new token once; {@code OAUTH_SCOPE_MISMATCH} (401), {@code NO_PERMISSION} (403) and {@code
 *       AUTHORIZATION_FAILED}: {@link CrmAuthenticationException}, which a new token would not cure.
 *   <li>429 {@code TOO_MANY_REQUESTS} is both a spent credit allowance and the concurrency limit
 *       (https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html). A message about the 24-hour period
 *       or credits, or {@code X-API-CREDITS-REMAINING: 0}, is the allowance: {@link
 *       CrmRateLimitException#quotaExhausted} (the window rolls, so when credits free up is unknown); otherwise
 *       concurrency, worth a retry after {@code Retry-After}, {@code details.retry_after} or {@value
 *       #CONCURRENCY_WAIT_SECONDS} s.
 *   <li>5xx and {@code INTERNAL_ERROR}: {@link CrmUnavailableException}; other 4xx: {@link CrmRequestException}
 *       naming {@code details.api_name} or {@code param_name}; a 400 whose {@code data} holds a result per record
 *       (all of them failed): {@link RecordsRefused}, which the adapter turns into per-record failures.
 * </ul>
 *
 * Messages quote Zoho's code, its message (excerpted) and the field's API name, never values or the duplicate
 * record's owner.
 */
public final class ZohoErrors {
  static final long CONCURRENCY_WAIT_SECONDS = 2;
  /** The accounts server blocks new access tokens for the rest of ten minutes when a client asked too often. */
  static final Duration TOKEN_BLOCK = Duration.ofMinutes(10);

  /** Codes that say the request, not a record, was refused, even inside a {@code data} array. */
  private static final Set<String> REQUEST_LEVEL = Set.of("INVALID_MODULE", "AUTHORIZATION_FAILED",
      "INVALID_REQUEST_METHOD", "NO_PERMISSION", "LIMIT_EXCEEDED", "INVALID_URL_PATTERN", "REQUIRED_PARAM_MISSING",
      "PATTERN_NOT_MATCHED", "OAUTH_SCOPE_MISMATCH", "INVALID_TOKEN", "AUTHENTICATION_FAILURE", "TOO_MANY_REQUESTS");
  private static final Set<String> REFRESHABLE = Set.of("INVALID_TOKEN", "AUTHENTICATION_FAILURE", "INVALID_OAUTHTOKEN",
      "UNAUTHORIZED");

  private ZohoErrors() {}

  /** A 401 a new access token may cure. */
  public static final class TokenRefused extends CrmAuthenticationException {
    private static final long serialVersionUID = 1L;

    TokenRefused(String crm, int status, @Nullable String requestId, String message) {
      super(crm, status, requestId, message, null);
    }
  }

  /** A write the API refused for every record, each with its own error in {@link #data()}. */
  public static final class RecordsRefused extends CrmRequestException {
    private static final long serialVersionUID = 1L;
    private final transient JsonNode data;

    RecordsRefused(String crm, int status, @Nullable String requestId, String message, List<FieldError> fields,
        JsonNode data) {
      super(crm, status, requestId, message, fields, null);
      this.data = data;
    }

    /** The {@code data} array: one result per input record, in order. */
    public JsonNode data() {
      return data;
    }
  }

  /** The mapper for the API domain. */
  public static ErrorMapper api() {
    return ZohoErrors::mapApi;
  }

  /** The mapper for the accounts server's token endpoint. */
  public static ErrorMapper oauth() {
    return ZohoErrors::mapOAuth;
  }

  static CrmSyncException mapApi(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || !json.isObject()) {
      return ErrorMapper.defaults().map(f);
    }
    JsonNode data = json.get("data");
    JsonNode error = json;
    if (data != null && data.isArray() && !data.isEmpty()) {
      if (f.status() == 400 && perRecord(data)) {
        return recordsRefused(f, data);
      }
      error = data.get(0);
    }
    String code = text(error, "code");
    if (code == null) {
      return ErrorMapper.defaults().map(f);
    }
    JsonNode details = error.path("details");
    String requestId = f.requestId() != null ? f.requestId() : text(details, "trace_id");
    String message = f.operation() + " failed: " + describe(error);
    int s = f.status();
    if (s == 429 || code.equals("TOO_MANY_REQUESTS")) {
      String remaining = f.headers().get("X-API-CREDITS-REMAINING");
      String text = (code + " " + error.path("message").asText("")).toLowerCase(Locale.ROOT);
      boolean quota = "0".equals(remaining == null ? null : remaining.strip())
          || text.contains("24 hour") || text.contains("credit");
      if (quota) {
        return CrmRateLimitException.quotaExhausted(Settings.ID, s, requestId,
            message + "; the org's API credits for the rolling 24 hours are spent", null, null);
      }
      Duration wait = RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt())
          .orElse(details.path("retry_after").canConvertToLong() && details.path("retry_after").asLong() > 0
              ? Duration.ofSeconds(details.path("retry_after").asLong())
              : Duration.ofSeconds(CONCURRENCY_WAIT_SECONDS));
      return new CrmRateLimitException(Settings.ID, s, requestId, message + " (concurrency)", wait, null);
    }
    if (REFRESHABLE.contains(code) || (s == 401 && !code.equals("OAUTH_SCOPE_MISMATCH"))) {
      return new TokenRefused(Settings.ID, s, requestId, message);
    }
    if (code.equals("OAUTH_SCOPE_MISMATCH")) {
      return new CrmAuthenticationException(Settings.ID, s, requestId, message + "; the refresh token lacks a scope "
          + "this call needs (ZohoCRM.modules.ALL, ZohoCRM.settings.fields.READ and ZohoCRM.coql.READ are used)", null);
    }
    if (s == 403 || code.equals("NO_PERMISSION") || code.equals("AUTHORIZATION_FAILED")) {
      return new CrmAuthenticationException(Settings.ID, s, requestId, message + "; the user lacks a permission", null);
    }
    if (s >= 500 || s == 408 || code.equals("INTERNAL_ERROR")) {
      return new CrmUnavailableException(Settings.ID, s, requestId, message, null);
    }
    List<FieldError> fields = new ArrayList<>();
    String field = text(details, "api_name") != null ? text(details, "api_name") : text(details, "param_name");
    fields.add(new FieldError(field, code, excerpt(error.path("message").asText(code))));
    return new CrmRequestException(Settings.ID, s, requestId, message, field == null ? List.of() : fields, null);
  }

  /** Whether a {@code data} array holds per-record results rather than one request-level error. */
  private static boolean perRecord(JsonNode data) {
    for (JsonNode e : data) {
      String code = text(e, "code");
      if (code == null || REQUEST_LEVEL.contains(code) || e.path("details").has("resource_path_index")) {
        return false;
      }
    }
    return true;
  }

  private static RecordsRefused recordsRefused(HttpFailure f, JsonNode data) {
    StringBuilder sb = new StringBuilder(f.operation()).append(" refused all ").append(data.size())
        .append(data.size() == 1 ? " record: " : " records: ");
    List<FieldError> fields = new ArrayList<>();
    int shown = 0;
    for (JsonNode e : data) {
      if (shown++ == 3) {
        sb.append(", ...");
        break;
      }
      if (shown > 1) {
        sb.append(", ");
      }
      sb.append(describe(e));
    }
    for (JsonNode e : data) {
      String name = text(e.path("details"), "api_name");
      fields.add(new FieldError(name, text(e, "code") == null ? "ERROR" : text(e, "code"),
          excerpt(e.path("message").asText(""))));
    }
    return new RecordsRefused(Settings.ID, f.status(), f.requestId(), sb.toString(), fields, data);
  }

  /** {@code CODE: message (field)}, quoting only what is safe. */
  static String describe(JsonNode error) {
    String code = error.path("code").asText("ERROR");
    String msg = excerpt(error.path("message").asText(""));
    JsonNode d = error.path("details");
    String field = text(d, "api_name") != null ? text(d, "api_name") : text(d, "param_name");
    return code + (msg.isEmpty() ? "" : ": " + msg) + (field == null ? "" : " (" + excerpt(field) + ")");
  }

  static String excerpt(String text) {
    return HttpFailure.excerpt(text, 200);
  }

  static CrmSyncException mapOAuth(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || f.status() >= 500) {
      return ErrorMapper.defaults().map(f);
    }
    String error = text(json, "error");
    String description = text(json, "error_description");
    String message = "the token request failed: " + (error == null ? "HTTP " + f.status() : excerpt(error))
        + (description == null ? "" : ": " + excerpt(description));
    String all = ((error == null ? "" : error) + " " + (description == null ? "" : description)).toLowerCase(Locale.ROOT);
    if (f.status() == 429 || all.contains("too many requests") || all.contains("access denied")) {
      // "your app can create up to ten access tokens in a span of ten minutes ... blocked for the rest of the ten
      // minutes": https://zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
      return new CrmRateLimitException(Settings.ID, f.status(), f.requestId(), message, TOKEN_BLOCK, null);
    }
    return new CrmAuthenticationException(Settings.ID, f.status(), f.requestId(), message, null);
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || !v.isValueNode() || v.asText().isEmpty() ? null : v.asText();
  }
}

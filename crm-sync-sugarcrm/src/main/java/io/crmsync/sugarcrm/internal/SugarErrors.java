package io.crmsync.sugarcrm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.FieldError;
import io.crmsync.http.ErrorMapper;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.RetryAfter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads SugarCRM's error bodies ({@code {"error": "<label>", "error_message": "<text>"}}, the labels of
 * {@code SugarApiException} and of the OAuth 2.0 server) into the exception hierarchy; anything else falls
 * back to {@link ErrorMapper#defaults()}.
 *
 * <ul>
 *   <li>401 {@code invalid_grant} (an access token expired, or displaced by another login of the same user on
 *       the same platform) and {@code need_login}: {@link CrmAuthenticationException}; the adapter renews its
 *       session once before giving up.
 *   <li>301 {@code incorrect_version}, 433 {@code client_outdated}: {@link CrmConfigurationException} (the
 *       {@code apiVersion} setting).
 *   <li>429: {@link CrmRateLimitException} with {@code Retry-After}; 500, 502, 503 ({@code maintenance},
 *       {@code service_unavailable}): {@link CrmUnavailableException}.
 *   <li>Other 4xx ({@code invalid_parameter}, {@code missing_parameter}, {@code not_found}, {@code
 *       request_too_large}, ...): {@link CrmRequestException}, naming the field where the message does.
 * </ul>
 */
public final class SugarErrors implements ErrorMapper {
  public static final String CRM = "sugarcrm";

  private static final Pattern INVALID_EMAIL = Pattern.compile("^(.*) is an invalid email address$");
  private static final Pattern UNKNOWN_FIELD = Pattern.compile("^Unknown field (\\S+)$");

  @Override
  public CrmSyncException map(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || !json.isObject() || !json.path("error").isTextual()) {
      if (f.status() == 301) {
        return new CrmConfigurationException(CRM, f.operation() + " was redirected (301): check the 'baseUrl' setting");
      }
      return ErrorMapper.defaults().map(f);
    }
    String label = json.path("error").asText();
    String text = json.path("error_message").isTextual() ? json.path("error_message").asText() : "";
    String message = f.operation() + " failed: " + label + (text.isEmpty() ? "" : " (" + HttpFailure.excerpt(text, 300) + ")");
    int s = f.status();
    if (s == 301 || label.equals("incorrect_version") || label.equals("client_outdated")) {
      return new CrmConfigurationException(CRM, "[HTTP " + s + "] " + message
          + ": the instance does not serve this API version; set 'apiVersion' to one it does (such as v10 or v11_10)");
    }
    if (s == 429) {
      return new CrmRateLimitException(CRM, s, f.requestId(), message,
          RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
    }
    if (s == 401 || s == 403) {
      return new CrmAuthenticationException(CRM, s, f.requestId(), message, null);
    }
    if (s == 408 || s == 425 || s >= 500) {
      return new CrmUnavailableException(CRM, s, f.requestId(), message, null);
    }
    return new CrmRequestException(CRM, s, f.requestId(), message, fieldErrors(label, text), null);
  }

  /** The field a Sugar error message names, where it names one. */
  public static List<FieldError> fieldErrors(String label, @Nullable String text) {
    if (text == null) {
      return List.of();
    }
    Matcher m = INVALID_EMAIL.matcher(text.strip());
    if (m.matches()) {
      return List.of(new FieldError("email", "INVALID_EMAIL", HttpFailure.excerpt(text, 200)));
    }
    m = UNKNOWN_FIELD.matcher(text.strip());
    if (m.matches()) {
      return List.of(new FieldError(m.group(1), label, HttpFailure.excerpt(text, 200)));
    }
    return List.of();
  }
}

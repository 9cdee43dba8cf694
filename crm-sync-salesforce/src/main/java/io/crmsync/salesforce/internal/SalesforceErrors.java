package io.crmsync.salesforce.internal;

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
import java.util.ArrayList;
import io.crmsync.salesforce.ApiUsage;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Salesforce's error bodies: the REST error array {@code [{"errorCode","message","fields"}]}, the 300
 * Multiple Choices list of matching records, and OAuth's {@code {"error","error_description"}}.
 */
public final class SalesforceErrors {
  private static final Set<String> TRANSIENT_CODES =
      Set.of("SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "REQUEST_RUNNING_TOO_LONG", "QUERY_TIMEOUT", "UNABLE_TO_LOCK_ROW");
  private static final Set<String> AUTH_CODES =
      Set.of("INVALID_SESSION_ID", "INVALID_AUTH_HEADER", "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED", "INSUFFICIENT_ACCESS");

  private SalesforceErrors() {}

  /** The mapper for REST, Composite and Bulk API responses. */
  public static ErrorMapper api() {
    return SalesforceErrors::mapApi;
  }

  /** The mapper for the OAuth token endpoint. */
  public static ErrorMapper oauth() {
    return SalesforceErrors::mapOAuth;
  }

  static CrmSyncException mapApi(HttpFailure f) {
    JsonNode json = f.json();
    if (f.status() == 300) {
      List<String> urls = new ArrayList<>();
      if (json != null && json.isArray()) {
        json.forEach(n -> urls.add(n.asText()));
      }
      return new CrmRequestException(f.crm(), 300, f.requestId(),
          f.operation() + " failed: the external id matches " + (urls.isEmpty() ? "several" : urls.size())
              + " records " + urls + "; nothing was written",
          List.of(), null);
    }
    if (json == null || !json.isArray() || json.isEmpty() || !json.get(0).has("errorCode")) {
      return ErrorMapper.defaults().map(f);
    }
    JsonNode first = json.get(0);
    String code = first.path("errorCode").asText();
    StringBuilder msg = new StringBuilder(f.operation()).append(" failed: ");
    List<FieldError> fieldErrors = new ArrayList<>();
    for (JsonNode e : json) {
      if (msg.charAt(msg.length() - 2) != ':') {
        msg.append("; ");
      }
      String c = e.path("errorCode").asText();
      String m = e.path("message").asText().strip().replaceAll("\\s+", " ");
      msg.append(c).append(": ").append(m);
      for (JsonNode field : e.path("fields")) {
        fieldErrors.add(new FieldError(field.asText(), c, m));
      }
    }
    String message = msg.toString();
    if (code.equals("REQUEST_LIMIT_EXCEEDED")) {
      return requestLimitExceeded(f, first.path("message").asText(""), message);
    }
    if (AUTH_CODES.contains(code) || f.status() == 401) {
      return new CrmAuthenticationException(f.crm(), f.status(), f.requestId(), message, null);
    }
    if (TRANSIENT_CODES.contains(code) || f.status() >= 500 || f.status() == 408) {
      return new CrmUnavailableException(f.crm(), f.status(), f.requestId(), message, null);
    }
    if (f.status() == 429) {
      return new CrmRateLimitException(f.crm(), f.status(), f.requestId(), message,
          RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
    }
    if (f.status() == 403) {
      return new CrmAuthenticationException(f.crm(), f.status(), f.requestId(), message, null);
    }
    return new CrmRequestException(f.crm(), f.status(), f.requestId(), message, fieldErrors, null);
  }

  /**
   * {@code REQUEST_LIMIT_EXCEEDED} is two limits ("API Request Limits and Allocations",
   * https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html):
   * the org's total allocation over a rolling 24 hours ({@code TotalRequests Limit exceeded.}), a quota that waiting
   * minutes does not restore, and the concurrent long-running requests (20 seconds or more; 25 in production), which
   * clears as those finish. Salesforce sends no {@code Retry-After} for either.
   */
  private static CrmRateLimitException requestLimitExceeded(HttpFailure f, String sfMessage, String message) {
    Optional<ApiUsage> usage = ApiUsage.parse(f.headers().get("Sforce-Limit-Info"), f.receivedAt());
    boolean total = sfMessage.startsWith("TotalRequests") || usage.map(u -> u.used() >= u.max()).orElse(false);
    if (total) {
      String spent = usage.map(u -> u.used() + " of " + u.max() + " requests").orElse("the allocation");
      return CrmRateLimitException.quotaExhausted(f.crm(), f.status(), f.requestId(), message
              + "; the org's API request allocation is spent (" + spent + " in the rolling 24 hours): requests are "
              + "accepted again as those made 24 hours earlier age out, and Salesforce does not say when",
          null, null);
    }
    return new CrmRateLimitException(f.crm(), f.status(), f.requestId(), message,
        RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
  }

  static CrmSyncException mapOAuth(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || !json.has("error") || f.status() >= 500) {
      return ErrorMapper.defaults().map(f);
    }
    String error = json.path("error").asText();
    String description = json.path("error_description").asText("");
    String message = "token request failed: " + error + (description.isEmpty() ? "" : ": " + description);
    return switch (error) {
      case "unsupported_grant_type", "invalid_request" -> new CrmConfigurationException(f.crm(), message);
      case "rate_limit_exceeded" -> new CrmRateLimitException(f.crm(), f.status(), f.requestId(), message,
          RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
      default -> new CrmAuthenticationException(f.crm(), f.status(), f.requestId(), message, null);
    };
  }
}

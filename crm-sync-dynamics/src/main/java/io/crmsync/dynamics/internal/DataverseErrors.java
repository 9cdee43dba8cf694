package io.crmsync.dynamics.internal;

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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads Dataverse's error bodies, {@code {"error":{"code":"0x80044331","message":"..."}}}
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors), and the
 * token endpoint's {@code {"error","error_description","error_codes"}}.
 */
public final class DataverseErrors {
  /** The service protection codes (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits). */
  static final Set<String> SERVICE_PROTECTION = Set.of("0x80072322", "0x80072321", "0x80072326");

  private static final List<Pattern> COLUMN_PATTERNS = List.of(
      // "The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'."
      Pattern.compile("The length of the '([A-Za-z0-9_]+)' attribute"),
      // "Invalid property 'x' was found in entity 'Microsoft.Dynamics.CRM.contact'."
      Pattern.compile("Invalid property '([A-Za-z0-9_]+)' was found"),
      Pattern.compile("Could not find a property named '([A-Za-z0-9_]+)'"),
      Pattern.compile("An undeclared property '([A-Za-z0-9_]+)'"),
      // "The value 9 of 'gendercode' on record of type 'contact' is outside the valid range."
      Pattern.compile("The value \\S+ of '([A-Za-z0-9_]+)' on record"),
      Pattern.compile("attribute '([A-Za-z0-9_]+)'"));

  private DataverseErrors() {}

  /** The mapper for Web API responses. */
  public static ErrorMapper api() {
    return DataverseErrors::mapApi;
  }

  /** The mapper for the token endpoint. */
  public static ErrorMapper token() {
    return DataverseErrors::mapToken;
  }

  /** The error's code and message, from a parsed body; null when it is not Dataverse's error shape. */
  public record Parsed(String code, String message) {}

  public static @Nullable Parsed parse(@Nullable JsonNode json) {
    if (json == null || !json.path("error").isObject()) {
      return null;
    }
    JsonNode e = json.get("error");
    String message = e.path("message").asText("");
    return new Parsed(e.path("code").asText(""), message.strip().replaceAll("\\s+", " "));
  }

  /** The column an error message names, or null. */
  public static @Nullable String column(String message) {
    for (Pattern p : COLUMN_PATTERNS) {
      Matcher m = p.matcher(message);
      if (m.find()) {
        return m.group(1);
      }
    }
    return null;
  }

  static CrmSyncException mapApi(HttpFailure f) {
    Parsed p = parse(f.json());
    if (p == null) {
      return ErrorMapper.defaults().map(f);
    }
    String message = f.operation() + " failed: " + (p.code().isEmpty() ? "" : p.code() + " ") + p.message();
    int s = f.status();
    if (s == 429 || SERVICE_PROTECTION.contains(p.code())) {
      return new CrmRateLimitException(f.crm(), s, f.requestId(), message,
          RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
    }
    if (s == 401 || s == 403) {
      return new CrmAuthenticationException(f.crm(), s, f.requestId(), message, null);
    }
    if (s >= 500 || s == 408) {
      return new CrmUnavailableException(f.crm(), s, f.requestId(), message, null);
    }
    String column = column(p.message());
    List<FieldError> fields = column == null ? List.of()
        : List.of(new FieldError(column, p.code().isEmpty() ? "INVALID" : p.code(), p.message()));
    return new CrmRequestException(f.crm(), s, f.requestId(), message, fields, null);
  }

  static CrmSyncException mapToken(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || !json.has("error") || f.status() >= 500) {
      return ErrorMapper.defaults().map(f);
    }
    String error = json.path("error").asText();
    String description = json.path("error_description").asText("");
    // the description repeats trace and correlation ids; keep its first sentence or two
    int trace = description.indexOf(" Trace ID:");
    if (trace > 0) {
      description = description.substring(0, trace);
    }
    String message = "token request failed: " + error + (description.isEmpty() ? "" : ": " + description);
    return switch (error) {
      case "unsupported_grant_type", "invalid_request" -> new CrmConfigurationException(f.crm(), message);
      case "temporarily_unavailable" -> new CrmUnavailableException(f.crm(), f.status(), f.requestId(), message, null);
      default -> f.status() == 429
          ? new CrmRateLimitException(f.crm(), 429, f.requestId(), message,
              RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null)
          : new CrmRequestException(f.crm(), f.status(), f.requestId(), message, List.of(), null);
    };
  }
}

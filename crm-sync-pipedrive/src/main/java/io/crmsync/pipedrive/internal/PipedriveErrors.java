package io.crmsync.pipedrive.internal;

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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads Pipedrive's error bodies into the exception hierarchy. The envelope is {@code {"success":false,
 * "error":..., "error_info":..., "data":null}}; API v2 adds {@code code} ({@code ERR_SCHEMA_VALIDATION_FAILED},
 * whose {@code error} lists the parameters at fault as "Validation failed: name: message; ...", recorded in
 * https://github.com/pipedrive/client-nodejs/issues/651), the gateway's 401 and the rate limiter's 429
 * {@code errorCode}. Status codes as https://pipedrive.readme.io/docs/core-api-concepts-http-status-codes lists
 * them: 401 an invalid token, 402 a company account that is not open, 403 a missing permission or a reached
 * plan limit, 429 a rate limit, 5xx the service.
 *
 * <p>A 429 of the daily token budget (its body says "daily request budget exceeded", or {@code
 * x-daily-ratelimit-token-remaining} is 0) is {@link CrmRateLimitException#quotaExhausted}, waiting until
 * {@code Retry-After}, else the next midnight in the server's zone; a burst 429 waits {@code Retry-After},
 * else {@code x-ratelimit-reset} seconds, else the 2-second window
 * (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting). A 403 that is an HTML page rather than
 * JSON is the edge blocking a client that kept sending after 429s, also a rate limit.
 */
public final class PipedriveErrors implements ErrorMapper {
  public static final String CRM = "pipedrive";
  /** The rolling window of the burst limit. */
  public static final Duration BURST_WINDOW = Duration.ofSeconds(2);
  /** How long to keep away after the edge blocked the client. */
  static final Duration EDGE_BLOCK_WAIT = Duration.ofSeconds(60);

  private final ZoneId dailyResetZone;

  public PipedriveErrors(ZoneId dailyResetZone) {
    this.dailyResetZone = Objects.requireNonNull(dailyResetZone, "dailyResetZone");
  }

  @Override
  public CrmSyncException map(HttpFailure f) {
    JsonNode json = f.json();
    int s = f.status();
    String requestId = f.requestId();
    if (json == null || !json.isObject()) {
      if (s == 403) {
        return new CrmRateLimitException(CRM, s, requestId, f.operation()
            + " was blocked by Pipedrive's edge (an HTML 403, sent to clients that keep calling after 429s): "
            + f.excerpt(), EDGE_BLOCK_WAIT, null);
      }
      if (s == 429) {
        return rateLimited(f, null, requestId, f.operation() + " failed: " + f.excerpt());
      }
      return ErrorMapper.defaults().map(f);
    }
    String code = text(json, "code");
    String error = firstNonNull(text(json, "error"), text(json, "message"), f.excerpt());
    // OAuth's errors say what went wrong in a description beside the code ("invalid_grant")
    String description = firstNonNull(text(json, "error_description"), text(json, "message"), "");
    if (!description.isEmpty() && !description.equals(error)) {
      error = error + ": " + description;
    }
    String message = f.operation() + " failed: " + error + (code == null ? "" : " (" + code + ")");
    if (s == 429) {
      return rateLimited(f, error, requestId, message);
    }
    if (s == 401) {
      return new CrmAuthenticationException(CRM, s, requestId, message, null);
    }
    if (s == 402) {
      return new CrmAuthenticationException(CRM, s, requestId, message + " (the company account is not open)", null);
    }
    if (s == 408 || s >= 500) {
      return new CrmUnavailableException(CRM, s, requestId, message, null);
    }
    return new CrmRequestException(CRM, s, requestId, message, fieldErrors(error, code), null);
  }

  private CrmRateLimitException rateLimited(HttpFailure f, @Nullable String error, @Nullable String requestId,
      String message) {
    Duration retryAfter = RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null);
    boolean daily = (error != null && error.toLowerCase(Locale.ROOT).contains("daily"))
        || "0".equals(strip(f.headers().get("x-daily-ratelimit-token-remaining")));
    if (daily) {
      Duration untilReset = retryAfter != null ? retryAfter : untilMidnight(f.receivedAt());
      return CrmRateLimitException.quotaExhausted(CRM, f.status(), requestId,
          message + " [the company's daily token budget]", untilReset, null);
    }
    Duration wait = retryAfter;
    if (wait == null) {
      wait = seconds(f.headers().get("x-ratelimit-reset"));
    }
    if (wait == null || wait.isZero()) {
      wait = BURST_WINDOW;
    }
    return new CrmRateLimitException(CRM, f.status(), requestId, message + " [burst limit]", wait, null);
  }

  /** How long until the daily budget resets: midnight in the server's zone. */
  public Duration untilMidnight(Instant now) {
    Instant midnight = LocalDate.ofInstant(now, dailyResetZone).plusDays(1).atStartOfDay(dailyResetZone).toInstant();
    return Duration.between(now, midnight);
  }

  /** Seconds from a header, or null when absent or not a number. */
  static @Nullable Duration seconds(@Nullable String header) {
    String v = strip(header);
    if (v == null) {
      return null;
    }
    try {
      long n = Long.parseLong(v);
      return n < 0 ? null : Duration.ofSeconds(n);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The parameters a "Validation failed: a: message; b: message" error names, with their native names
   * ({@code custom_fields.<key>} for a custom field).
   */
  public static List<FieldError> fieldErrors(String error, @Nullable String code) {
    List<FieldError> out = new ArrayList<>();
    String prefix = "Validation failed:";
    int at = error.indexOf(prefix);
    if (at < 0) {
      return out;
    }
    for (String part : error.substring(at + prefix.length()).split(";")) {
      String p = part.strip();
      int colon = p.indexOf(": ");
      if (colon <= 0) {
        continue;
      }
      String field = p.substring(0, colon).strip();
      out.add(new FieldError(field, code == null ? "INVALID_VALUE" : code, p.substring(colon + 2).strip()));
    }
    return out;
  }

  private static @Nullable String strip(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || !v.isValueNode() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String firstNonNull(@Nullable String a, @Nullable String b, String c) {
    return a != null ? a : b != null ? b : c;
  }
}

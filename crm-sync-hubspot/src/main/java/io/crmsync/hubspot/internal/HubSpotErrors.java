package io.crmsync.hubspot.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.FieldError;
import io.crmsync.http.ErrorMapper;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.RetryAfter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Reads HubSpot's error bodies ({@code status, message, category, correlationId, errors[], policyName})
 * into the exception hierarchy; anything it does not recognise falls back to {@link
 * ErrorMapper#defaults()}.
 *
 * <p>423 (record locked) and 477 (migration in progress) are transient, like 5xx. On 429 the wait is, in
 * order: the {@code Retry-After} header; for {@code DAILY}, until the next midnight in the account's zone
 * (HubSpot resets the daily budget then), flagged as a {@linkplain CrmRateLimitException#quotaExhausted spent
 * quota}; for the search endpoints' {@code SECONDLY}, a second; otherwise the rolling window of {@code
 * X-HubSpot-RateLimit-Interval-Milliseconds} (10 seconds if absent).
 */
public final class HubSpotErrors implements ErrorMapper {
  public static final String CRM = "hubspot";
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private final ObjectMapper mapper;
  private final ZoneId dailyResetZone;
  private final UnaryOperator<String> nameMapper;

  /**
   * @param nameMapper maps a HubSpot property name in a field error to the caller's name
   */
  public HubSpotErrors(ObjectMapper mapper, ZoneId dailyResetZone, UnaryOperator<String> nameMapper) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.dailyResetZone = Objects.requireNonNull(dailyResetZone, "dailyResetZone");
    this.nameMapper = Objects.requireNonNull(nameMapper, "nameMapper");
  }

  @Override
  public CrmSyncException map(HttpFailure f) {
    JsonNode json = f.json();
    if (json == null || !json.isObject()) {
      return ErrorMapper.defaults().map(f);
    }
    String requestId = f.requestId() != null ? f.requestId() : text(json, "correlationId");
    String category = text(json, "category");
    String message = f.operation() + " failed: " + firstNonNull(text(json, "message"), f.excerpt())
        + (category == null ? "" : " (" + category + ")");
    int s = f.status();
    if (s == 429) {
      String policy = firstNonNull(text(json, "policyName"), "TEN_SECONDLY_ROLLING");
      Duration wait = rateLimitWait(f, policy);
      if (isDaily(policy)) {
        // no wait within a run helps: the engine keeps the rest for a run after the reset
        return CrmRateLimitException.quotaExhausted(CRM, s, requestId, message + " [policy " + policy + "]", wait, null);
      }
      return new CrmRateLimitException(CRM, s, requestId, message + " [policy " + policy + "]", wait, null);
    }
    if (s == 401 || s == 403) {
      return new CrmAuthenticationException(CRM, s, requestId, message, null);
    }
    if (s == 423 || s == 477) {
      // 423: the record is locked (HubSpot asks for at least 2 s); 477: a migration is in progress
      String wait = f.headers().get("Retry-After");
      return new CrmUnavailableException(CRM, s, requestId,
          message + (s == 423 ? " (locked; retry after 2 s or more)" : wait == null ? "" : " (retry after " + wait + " s)"),
          null);
    }
    if (s == 408 || s == 425 || s >= 500) {
      return new CrmUnavailableException(CRM, s, requestId, message, null);
    }
    return new CrmRequestException(CRM, s, requestId, message, fieldErrors(json), null);
  }

  /** The wait a 429 asks for. */
  Duration rateLimitWait(HttpFailure f, String policy) {
    Duration header = RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null);
    if (header != null) {
      return header;
    }
    if (isDaily(policy)) {
      Instant now = f.receivedAt();
      Instant midnight = LocalDate.ofInstant(now, dailyResetZone).plusDays(1).atStartOfDay(dailyResetZone).toInstant();
      return Duration.between(now, midnight);
    }
    if (policy.equalsIgnoreCase("SECONDLY")) {
      return Duration.ofSeconds(1); // the search endpoints' limit per second, answered without rate-limit headers
    }
    String interval = f.headers().get("X-HubSpot-RateLimit-Interval-Milliseconds");
    if (interval != null) {
      try {
        long ms = Long.parseLong(interval.strip());
        if (ms > 0) {
          return Duration.ofMillis(ms);
        }
      } catch (NumberFormatException e) {
        // fall through to the documented default
      }
    }
    return DEFAULT_INTERVAL;
  }

  private static boolean isDaily(String policy) {
    return policy.toUpperCase(Locale.ROOT).contains("DAILY");
  }

  /**
   * The fields a HubSpot error names: {@code errors[]} with {@code code}, {@code message} and the property in
   * {@code context.propertyName} (or {@code in}), and the JSON list HubSpot embeds in "Property values were
   * not valid: [...]" messages.
   */
  public List<FieldError> fieldErrors(JsonNode error) {
    List<FieldError> out = new ArrayList<>();
    for (JsonNode e : error.path("errors")) {
      String in = firstNonNullOrNull(text(e.path("context").path("propertyName"), 0), text(e, "in"));
      String code = firstNonNull(text(e, "code"), firstNonNull(text(error, "category"), "ERROR"));
      out.add(new FieldError(in == null ? null : nameMapper.apply(in), code, firstNonNull(text(e, "message"), code)));
    }
    String message = text(error, "message");
    if (message != null) {
      int bracket = message.indexOf('[');
      if (bracket >= 0 && message.strip().endsWith("]")) {
        try {
          JsonNode list = mapper.readTree(message.substring(bracket).strip());
          for (JsonNode e : list) {
            if (e.path("isValid").asBoolean(true)) {
              continue;
            }
            String name = text(e, "name");
            String code = firstNonNull(text(e, "error"), "INVALID_VALUE");
            FieldError fe = new FieldError(name == null ? null : nameMapper.apply(name), code,
                firstNonNull(text(e, "message"), code));
            if (!out.contains(fe)) {
              out.add(fe);
            }
          }
        } catch (IOException | RuntimeException ignored) {
          // the message was prose after all
        }
      }
    }
    return out;
  }

  private static @Nullable String text(JsonNode array, int index) {
    JsonNode v = array.path(index);
    return v.isValueNode() && !v.asText().isEmpty() ? v.asText() : null;
  }

  private static @Nullable String firstNonNullOrNull(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String firstNonNull(@Nullable String a, String b) {
    return a != null ? a : b;
  }
}

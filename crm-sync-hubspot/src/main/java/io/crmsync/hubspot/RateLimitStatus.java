package io.crmsync.hubspot;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * What HubSpot's {@code X-HubSpot-RateLimit-*} headers said on the latest response that carried them:
 * the rolling-window counters ({@code -Max}, {@code -Remaining}, {@code -Interval-Milliseconds}; or the
 * older {@code -Secondly}, {@code -Secondly-Remaining}) and the daily ones ({@code -Daily}, {@code
 * -Daily-Remaining}). Which of them HubSpot sends depends on the kind of app; absent values are -1.
 *
 * @param max requests allowed per rolling window, or -1
 * @param remaining requests left in the current window, or -1
 * @param interval the rolling window's length, or {@code null}
 * @param daily requests allowed per day, or -1
 * @param dailyRemaining requests left today, or -1
 * @param observedAt when the response arrived
 */
public record RateLimitStatus(
    long max, long remaining, @Nullable Duration interval, long daily, long dailyRemaining, Instant observedAt) {

  public RateLimitStatus {
    Objects.requireNonNull(observedAt, "observedAt");
  }

  /** The status in {@code headers}, or empty if they carry no rate-limit header. */
  public static Optional<RateLimitStatus> fromHeaders(Headers headers, Instant observedAt) {
    long max = number(headers.get("X-HubSpot-RateLimit-Max"));
    long remaining = number(headers.get("X-HubSpot-RateLimit-Remaining"));
    long intervalMs = number(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"));
    if (max < 0 && remaining < 0) {
      // older responses count per second instead
      max = number(headers.get("X-HubSpot-RateLimit-Secondly"));
      remaining = number(headers.get("X-HubSpot-RateLimit-Secondly-Remaining"));
      intervalMs = max < 0 && remaining < 0 ? intervalMs : 1_000;
    }
    long daily = number(headers.get("X-HubSpot-RateLimit-Daily"));
    long dailyRemaining = number(headers.get("X-HubSpot-RateLimit-Daily-Remaining"));
    if (max < 0 && remaining < 0 && intervalMs < 0 && daily < 0 && dailyRemaining < 0) {
      return Optional.empty();
    }
    return Optional.of(new RateLimitStatus(
        max, remaining, intervalMs > 0 ? Duration.ofMillis(intervalMs) : null, daily, dailyRemaining, observedAt));
  }

  /** Requests left in the rolling window, if HubSpot said. */
  public OptionalLong windowRemaining() {
    return remaining < 0 ? OptionalLong.empty() : OptionalLong.of(remaining);
  }

  /** Requests left today, if HubSpot said. */
  public OptionalLong dailyLeft() {
    return dailyRemaining < 0 ? OptionalLong.empty() : OptionalLong.of(dailyRemaining);
  }

  private static long number(@Nullable String v) {
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

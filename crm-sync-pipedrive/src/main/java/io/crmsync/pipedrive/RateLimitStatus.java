package io.crmsync.pipedrive;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * What Pipedrive's rate-limit headers said on the latest response that carried them: the burst limit of the
 * rolling 2-second window ({@code x-ratelimit-limit}, {@code x-ratelimit-remaining}, {@code x-ratelimit-reset}),
 * and the company's daily token budget ({@code x-daily-ratelimit-token-limit}, {@code
 * x-daily-ratelimit-token-remaining}), which Pipedrive may leave off for a few requests after a long
 * pause (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
 *
 * @param burstLimit requests allowed per 2-second window, or -1 if not said
 * @param burstRemaining requests left in the current window, or -1
 * @param burstReset time until the window frees a slot, or zero
 * @param dailyTokenLimit the company's daily token budget, or -1
 * @param dailyTokensRemaining tokens left today, or -1
 * @param observedAt when the response arrived
 */
public record RateLimitStatus(
    int burstLimit,
    int burstRemaining,
    Duration burstReset,
    long dailyTokenLimit,
    long dailyTokensRemaining,
    Instant observedAt) {

  public RateLimitStatus {
    Objects.requireNonNull(burstReset, "burstReset");
    Objects.requireNonNull(observedAt, "observedAt");
  }

  /** The status the headers of a response describe, if they carry any rate-limit header. */
  public static Optional<RateLimitStatus> fromHeaders(Headers headers, Instant now) {
    long limit = number(headers.get("x-ratelimit-limit"));
    long dailyLimit = number(headers.get("x-daily-ratelimit-token-limit"));
    long dailyRemaining = number(headers.get("x-daily-ratelimit-token-remaining"));
    if (limit < 0 && dailyLimit < 0 && dailyRemaining < 0) {
      return Optional.empty();
    }
    long reset = number(headers.get("x-ratelimit-reset"));
    return Optional.of(new RateLimitStatus((int) Math.min(Integer.MAX_VALUE, limit),
        (int) Math.min(Integer.MAX_VALUE, number(headers.get("x-ratelimit-remaining"))),
        reset < 0 ? Duration.ZERO : Duration.ofSeconds(reset), dailyLimit, dailyRemaining, now));
  }

  /** Tokens left today, if the response said. */
  public OptionalLong dailyTokensLeft() {
    return dailyTokensRemaining < 0 ? OptionalLong.empty() : OptionalLong.of(dailyTokensRemaining);
  }

  /** A header's value as a non-negative number, or -1 when absent or not a number. */
  private static long number(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      long n = Long.parseLong(value.strip());
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

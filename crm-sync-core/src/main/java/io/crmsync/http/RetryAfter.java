package io.crmsync.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Parses an HTTP {@code Retry-After} header (RFC 9110): delay seconds or an HTTP date. */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * The wait {@code value} asks for, measured from {@code now}; empty if the header is absent or not
   * understood. A date in the past gives zero.
   */
  public static Optional<Duration> parse(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.strip();
    try {
      if (v.chars().allMatch(Character::isDigit)) {
        return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
      }
      if (v.matches("\\d+\\.\\d+")) {
        return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000)));
      }
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (NumberFormatException | DateTimeParseException e) {
      return Optional.empty();
    }
  }
}

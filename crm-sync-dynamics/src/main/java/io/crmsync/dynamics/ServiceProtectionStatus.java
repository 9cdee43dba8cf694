package io.crmsync.dynamics;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * What the latest response's service-protection headers said
 * (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits, "HTTP Response headers"): requests
 * left in the current 5-minute window ({@code x-ms-ratelimit-burst-remaining-xrm-requests}) and the combined
 * execution time left ({@code x-ms-ratelimit-time-remaining-xrm-requests}). Microsoft says these are for
 * diagnostics, not for pacing, and they are per web server; the adapter paces by its budget and by {@code
 * Retry-After}.
 *
 * @param requestsRemaining requests left in the window, or null if the header was absent or unreadable
 * @param executionTimeRemaining execution time left, or null if the header was absent or unreadable
 * @param observedAt when the response carrying them arrived
 */
public record ServiceProtectionStatus(
    @Nullable Long requestsRemaining, @Nullable Duration executionTimeRemaining, Instant observedAt) {

  public static final String REQUESTS_HEADER = "x-ms-ratelimit-burst-remaining-xrm-requests";
  public static final String TIME_HEADER = "x-ms-ratelimit-time-remaining-xrm-requests";

  public ServiceProtectionStatus {
    Objects.requireNonNull(observedAt, "observedAt");
  }

  /** The status the headers of a response give, or empty if it carries neither. */
  public static Optional<ServiceProtectionStatus> fromHeaders(Headers headers, Instant observedAt) {
    Long requests = number(headers.get(REQUESTS_HEADER));
    String time = headers.get(TIME_HEADER);
    Duration remaining = null;
    if (time != null) {
      try {
        // seconds, sometimes with a thousands separator: "1,199.98"
        remaining = Duration.ofMillis(Math.round(Double.parseDouble(time.strip().replace(",", "")) * 1000));
      } catch (NumberFormatException e) {
        remaining = null;
      }
    }
    if (requests == null && remaining == null) {
      return Optional.empty();
    }
    return Optional.of(new ServiceProtectionStatus(requests, remaining, observedAt));
  }

  private static @Nullable Long number(@Nullable String v) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.strip().replace(",", ""));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}

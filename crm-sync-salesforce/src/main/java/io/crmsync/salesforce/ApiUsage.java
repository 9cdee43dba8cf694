package io.crmsync.salesforce;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The org's API request usage in the current 24-hour window, as Salesforce reported it in the {@code
 * Sforce-Limit-Info: api-usage=used/max} header of a response.
 *
 * @param used requests counted so far
 * @param max the org's daily allowance
 * @param observedAt when the response carrying it arrived
 */
public record ApiUsage(long used, long max, Instant observedAt) {
  private static final Pattern API_USAGE = Pattern.compile("(?:^|[;,\\s])api-usage=(\\d+)/(\\d+)");

  public ApiUsage {
    Objects.requireNonNull(observedAt, "observedAt");
    if (used < 0 || max <= 0) {
      throw new IllegalArgumentException("api usage must be non-negative of a positive maximum: " + used + "/" + max);
    }
  }

  /** Parses the {@code api-usage} part of a {@code Sforce-Limit-Info} header; empty if it has none. */
  public static Optional<ApiUsage> parse(@Nullable String header, Instant observedAt) {
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = API_USAGE.matcher(header);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      long max = Long.parseLong(m.group(2));
      return max <= 0 ? Optional.empty() : Optional.of(new ApiUsage(Long.parseLong(m.group(1)), max, observedAt));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Requests left today; never negative. */
  public long remaining() {
    return Math.max(0, max - used);
  }

  /** The share of the allowance used, from 0 (may exceed 1 while Salesforce allows bursts). */
  public double fractionUsed() {
    return (double) used / max;
  }
}

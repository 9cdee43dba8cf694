package io.crmsync.cli;

import io.crmsync.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per principal: a token bucket per API key or JWT subject, {@code requests} per {@code window} refilled
 * evenly, as many at once as the whole window's worth. Counted in nanoseconds of credit, so that waits are exact. Time from the {@link TimeSource}. Thread-safe.
 */
final class ServeQuotas {
  /** Buckets kept at most; past it, the full ones (principals idle for a whole window) are dropped. */
  private static final int MAX_BUCKETS = 100_000;

  /** A full bucket, in nanoseconds of credit: the window. */
  private final long capacity;
  /** What one request costs. */
  private final long cost;
  private final TimeSource time;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    long tokens;
    Instant updated;

    Bucket(long tokens, Instant updated) {
      this.tokens = tokens;
      this.updated = updated;
    }
  }

  ServeQuotas(int requests, Duration window, TimeSource time) {
    this.cost = Math.max(1, window.toNanos() / requests);
    this.capacity = cost * requests;
    this.time = time;
  }

  /**
   * Takes one request from {@code principal}'s quota.
   *
   * @return zero if the request may go ahead, else how long until it may (at least a second)
   */
  Duration acquire(String principal) {
    Instant now = time.now();
    if (buckets.size() >= MAX_BUCKETS) {
      buckets.values().removeIf(b -> {
        synchronized (b) {
          return refilled(b, now) >= capacity;
        }
      });
    }
    Bucket b = buckets.computeIfAbsent(principal, p -> new Bucket(capacity, now));
    synchronized (b) {
      b.tokens = refilled(b, now);
      b.updated = now.isAfter(b.updated) ? now : b.updated;
      if (b.tokens >= cost) {
        b.tokens -= cost;
        return Duration.ZERO;
      }
      long waitNanos = cost - b.tokens;
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      return Duration.ofSeconds(seconds);
    }
  }

  private long refilled(Bucket b, Instant now) {
    Duration elapsed = Duration.between(b.updated, now);
    if (elapsed.isNegative()) {
      return b.tokens;
    }
    return elapsed.compareTo(Duration.ofNanos(capacity)) >= 0 ? capacity
        : Math.min(capacity, b.tokens + elapsed.toNanos());
  }
}

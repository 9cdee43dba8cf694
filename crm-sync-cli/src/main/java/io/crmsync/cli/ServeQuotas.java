package io.crmsync.cli;

import io.crmsync.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per principal: a token bucket per API key or JWT subject, {@code requests} per {@code window} refilled
 * evenly, as many at once as the whole window's worth. Time from the {@link TimeSource}. Thread-safe.
 */
final class ServeQuotas {
  /** Buckets kept at most; past it, the full ones (principals idle for a whole window) are dropped. */
  private static final int MAX_BUCKETS = 100_000;

  private final int requests;
  private final double nanosPerRequest;
  private final TimeSource time;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    Instant updated;

    Bucket(double tokens, Instant updated) {
      this.tokens = tokens;
      this.updated = updated;
    }
  }

  ServeQuotas(int requests, Duration window, TimeSource time) {
    this.requests = requests;
    this.nanosPerRequest = (double) window.toNanos() / requests;
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
          return refilled(b, now) >= requests;
        }
      });
    }
    Bucket b = buckets.computeIfAbsent(principal, p -> new Bucket(requests, now));
    synchronized (b) {
      b.tokens = refilled(b, now);
      b.updated = now.isAfter(b.updated) ? now : b.updated;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return Duration.ZERO;
      }
      long waitNanos = (long) Math.ceil((1 - b.tokens) * nanosPerRequest);
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      return Duration.ofSeconds(seconds);
    }
  }

  private double refilled(Bucket b, Instant now) {
    long elapsed = Math.max(0, Duration.between(b.updated, now).toNanos());
    return Math.min(requests, b.tokens + elapsed / nanosPerRequest);
  }
}

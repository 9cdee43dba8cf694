package io.crmsync.testkit.salesforce;

import java.time.Duration;
import java.time.Instant;

/**
 * Counts events over the last 24 hours in one-minute buckets, so memory stays bounded however many requests are
 * made. Salesforce's total API request allocation is enforced over a rolling 24-hour period ("API Request Limits
 * and Allocations"). Not thread-safe: callers hold the emulator's lock.
 */
final class RollingWindow {
  private static final int BUCKETS = (int) Duration.ofHours(24).toMinutes();

  private final long[] counts = new long[BUCKETS];
  private final long[] minuteOf = new long[BUCKETS];
  private long total;
  private long latestMinute = Long.MIN_VALUE;

  /** The events counted in the 24 hours up to {@code now}. */
  long count(Instant now) {
    advance(now);
    return total;
  }

  void add(Instant now) {
    advance(now);
    int i = Math.floorMod(latestMinute, BUCKETS);
    counts[i]++;
    total++;
  }

  private void advance(Instant now) {
    long minute = Math.floorDiv(now.getEpochSecond(), 60);
    if (minute <= latestMinute) {
      return;
    }
    long from = latestMinute == Long.MIN_VALUE ? minute : Math.max(latestMinute + 1, minute - BUCKETS + 1);
    for (long m = from; m <= minute; m++) {
      int i = Math.floorMod(m, BUCKETS);
      if (minuteOf[i] != m) {
        total -= counts[i];
        counts[i] = 0;
        minuteOf[i] = m;
      }
    }
    latestMinute = minute;
  }
}

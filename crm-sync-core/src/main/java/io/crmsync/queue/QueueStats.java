package io.crmsync.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Counts of a topic's tasks at one moment.
 *
 * @param ready tasks that may be leased now
 * @param delayed tasks waiting for their run time
 * @param leased tasks held by workers
 * @param dead tasks given up on
 * @param oldestEnqueuedAt when the oldest unfinished task (ready, delayed or leased) was enqueued; a task
 *     retried later keeps its time, a follow-up task has its own. {@code null} when no task is unfinished, or
 *     for a queue that does not keep enqueue times
 */
public record QueueStats(long ready, long delayed, long leased, long dead, @Nullable Instant oldestEnqueuedAt) {

  /** Counts without the oldest task's enqueue time. */
  public QueueStats(long ready, long delayed, long leased, long dead) {
    this(ready, delayed, leased, dead, null);
  }

  /** Tasks not yet completed or given up on. */
  public long unfinished() {
    return ready + delayed + leased;
  }

  /** How long the oldest unfinished task has been on the queue at {@code now}; empty if none is, or it is not known. */
  public Optional<Duration> oldestAge(Instant now) {
    if (oldestEnqueuedAt == null) {
      return Optional.empty();
    }
    Duration age = Duration.between(oldestEnqueuedAt, now);
    return Optional.of(age.isNegative() ? Duration.ZERO : age);
  }
}

package io.crmsync.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * A task to enqueue.
 *
 * @param payload the task's content, JSON text, opaque to the queue
 * @param delay how long from now until the task may be leased; zero for now
 * @param attempts failed attempts the task already carries (a task split from a failed one inherits its
 *     count); zero for a new task
 */
public record NewTask(String payload, Duration delay, int attempts) {
  public NewTask {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative: " + attempts);
    }
  }

  /** A new task that may run now. */
  public static NewTask of(String payload) {
    return new NewTask(payload, Duration.ZERO, 0);
  }
}

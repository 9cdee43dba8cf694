package io.crmsync.queue;

import io.crmsync.internal.Checks;
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
    Checks.notNegative(delay, "delay");
    Checks.notNegative(attempts, "attempts");
  }

  /** A new task that may run now. */
  public static NewTask of(String payload) {
    return new NewTask(payload, Duration.ZERO, 0);
  }
}

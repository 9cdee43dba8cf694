package io.crmsync.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * A task that was given up on, with its payload, so that it can be inspected and replayed.
 *
 * @param cause why it was given up on, without secrets
 */
public record DeadTask(String id, String topic, String payload, int attempts, String cause, Instant deadAt) {
  public DeadTask {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(deadAt, "deadAt");
  }
}

package io.crmsync.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * A task a worker holds until {@link #leaseExpiresAt()}. After that the queue may give it to another
 * worker; the first worker's {@code complete}, {@code retry} or {@code deadLetter} then returns false.
 *
 * @param id the task's id, unique in its queue
 * @param topic the topic it was enqueued on
 * @param payload its content
 * @param attempts failed attempts before this lease
 * @param deliveries how many times it has been leased, this lease included (counts leases that expired)
 * @param leaseToken identifies this lease; the queue refuses a settlement with a stale token
 * @param leaseExpiresAt when the lease ends unless the task is settled
 */
public record LeasedTask(
    String id, String topic, String payload, int attempts, int deliveries, String leaseToken, Instant leaseExpiresAt) {
  public LeasedTask {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(leaseExpiresAt, "leaseExpiresAt");
  }
}

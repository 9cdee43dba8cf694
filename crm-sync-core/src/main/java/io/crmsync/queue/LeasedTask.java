package io.crmsync.queue;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task a worker holds until {@link #leaseExpiresAt()}. After that the queue may give it to another
 * worker; the first worker's {@code complete}, {@code retry} or {@code deadLetter} then returns false.
 * Immutable and thread-safe.
 */
public final class LeasedTask {
  private final String id;
  private final String topic;
  private final @Nullable String payload;
  private final @Nullable NewTask source;
  private final int attempts;
  private final int deliveries;
  private final String leaseToken;
  private final Instant leaseExpiresAt;

  /**
   * A task leased from a queue that stores payloads.
   *
   * @param id the task's id, unique in its queue
   * @param topic the topic it was enqueued on
   * @param payload its content
   * @param attempts failed attempts before this lease
   * @param deliveries how many times it has been leased, this lease included (counts leases that expired)
   * @param leaseToken identifies this lease; the queue refuses a settlement with a stale token
   * @param leaseExpiresAt when the lease ends unless the task is settled
   */
  public LeasedTask(String id, String topic, String payload, int attempts, int deliveries, String leaseToken,
      Instant leaseExpiresAt) {
    this(id, topic, Objects.requireNonNull(payload, "payload"), null, attempts, deliveries, leaseToken, leaseExpiresAt);
  }

  private LeasedTask(String id, String topic, @Nullable String payload, @Nullable NewTask source, int attempts,
      int deliveries, String leaseToken, Instant leaseExpiresAt) {
    this.id = Objects.requireNonNull(id, "id");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.payload = payload;
    this.source = source;
    this.attempts = attempts;
    this.deliveries = deliveries;
    this.leaseToken = Objects.requireNonNull(leaseToken, "leaseToken");
    this.leaseExpiresAt = Objects.requireNonNull(leaseExpiresAt, "leaseExpiresAt");
  }

  /**
   * A task leased from a queue that keeps the {@link NewTask} it was given, in this process: its {@link
   * #value()} is the one the task was enqueued with, and its payload is written only if asked for.
   *
   * @param attempts failed attempts before this lease (the enqueued task's, plus those since)
   */
  public static LeasedTask of(NewTask task, String id, String topic, int attempts, int deliveries, String leaseToken,
      Instant leaseExpiresAt) {
    Objects.requireNonNull(task, "task");
    return new LeasedTask(id, topic, null, task, attempts, deliveries, leaseToken, leaseExpiresAt);
  }

  /** The task's id, unique in its queue. */
  public String id() {
    return id;
  }

  /** The topic it was enqueued on. */
  public String topic() {
    return topic;
  }

  /** Its content, JSON text. */
  public String payload() {
    return payload != null ? payload : Objects.requireNonNull(source).payload();
  }

  /** The in-process value it was enqueued with ({@link NewTask#carrying}), if the queue kept it; else {@code null}. */
  public @Nullable Object value() {
    return source == null ? null : source.value();
  }

  /** Failed attempts before this lease. */
  public int attempts() {
    return attempts;
  }

  /** How many times it has been leased, this lease included. */
  public int deliveries() {
    return deliveries;
  }

  /** Identifies this lease; the queue refuses a settlement with a stale token. */
  public String leaseToken() {
    return leaseToken;
  }

  /** When the lease ends unless the task is settled. */
  public Instant leaseExpiresAt() {
    return leaseExpiresAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LeasedTask t && id.equals(t.id) && topic.equals(t.topic) && leaseToken.equals(t.leaseToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, topic, leaseToken);
  }

  @Override
  public String toString() {
    return "LeasedTask{" + topic + "/" + id + ", attempts=" + attempts + ", deliveries=" + deliveries
        + ", leaseExpiresAt=" + leaseExpiresAt + "}";
  }
}

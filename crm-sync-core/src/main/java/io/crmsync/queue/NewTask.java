package io.crmsync.queue;

import io.crmsync.spi.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A task to enqueue: its payload (JSON text, opaque to the queue), when it may run, and the failed
 * attempts it already carries.
 *
 * <p>A task may also carry an in-process {@linkplain #value() value} from which its payload is written
 * on demand ({@link #carrying}). A queue that keeps tasks in its own process memory can hand that value
 * back on {@link LeasedTask#value()} and never ask for the JSON, which the engine would otherwise write
 * for every batch only to read it back; a durable queue asks for {@link #payload()} and stores the text.
 * Either way the engine gets the same task. Immutable and thread-safe (the payload is written at most
 * once).
 */
public final class NewTask {
  private final @Nullable Object value;
  private final @Nullable Supplier<String> writer;
  private volatile @Nullable String payload;
  private final Duration delay;
  private final int attempts;

  /**
   * @param payload the task's content, JSON text, opaque to the queue
   * @param delay how long from now until the task may be leased; zero for now
   * @param attempts failed attempts the task already carries (a task split from a failed one inherits its
   *     count); zero for a new task
   * @throws NullPointerException if {@code payload} or {@code delay} is null
   * @throws IllegalArgumentException if {@code delay} or {@code attempts} is negative
   */
  public NewTask(String payload, Duration delay, int attempts) {
    this(null, null, Objects.requireNonNull(payload, "payload"), delay, attempts);
  }

  private NewTask(@Nullable Object value, @Nullable Supplier<String> writer, @Nullable String payload, Duration delay,
      int attempts) {
    this.value = value;
    this.writer = writer;
    this.payload = payload;
    this.delay = Checks.notNegative(delay, "delay");
    this.attempts = Checks.notNegative(attempts, "attempts");
  }

  /** A new task that may run now. */
  public static NewTask of(String payload) {
    return new NewTask(payload, Duration.ZERO, 0);
  }

  /**
   * A task carrying {@code value} in process, whose JSON payload {@code payload} writes when a queue asks
   * for it.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code delay} or {@code attempts} is negative
   */
  public static NewTask carrying(Object value, Supplier<String> payload, Duration delay, int attempts) {
    return new NewTask(Objects.requireNonNull(value, "value"), Objects.requireNonNull(payload, "payload"), null, delay,
        attempts);
  }

  /** The task's content as JSON text, written from its {@linkplain #value() value} on first call if need be. */
  public String payload() {
    String p = payload;
    if (p == null) {
      synchronized (this) {
        p = payload;
        if (p == null) {
          p = Objects.requireNonNull(Objects.requireNonNull(writer).get(), "payload writer returned null");
          payload = p;
        }
      }
    }
    return p;
  }

  /** The in-process value this task carries, or {@code null} if it carries only its payload. */
  public @Nullable Object value() {
    return value;
  }

  /** How long from now until the task may be leased. */
  public Duration delay() {
    return delay;
  }

  /** Failed attempts the task already carries. */
  public int attempts() {
    return attempts;
  }

  @Override
  public String toString() {
    return "NewTask{delay=" + delay + ", attempts=" + attempts + (value != null ? ", in-process" : "") + "}";
  }
}

package io.crmsync.testkit;

import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TimeSource} for tests: time stands still until a test {@link #advance advances} it or code
 * {@link #sleep sleeps} on it, which moves the clock forward at once instead of blocking. A sleep never
 * returns before its duration has passed on this clock; when several threads sleep at once the clock may
 * run ahead of each one's wish (their durations add up), which keeps rate limits and delays safe: code
 * can only observe more elapsed time, never less. Thread-safe.
 */
public final class FakeTimeSource implements TimeSource {
  /** The instant a new fake clock shows unless told otherwise. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final Object lock = new Object();
  private Instant now;
  private final AtomicLong sleeps = new AtomicLong();
  private Duration slept = Duration.ZERO;

  public FakeTimeSource() {
    this(DEFAULT_START);
  }

  public FakeTimeSource(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  @Override
  public Instant now() {
    synchronized (lock) {
      return now;
    }
  }

  /** Moves the clock forward by {@code duration}. */
  public Instant advance(Duration duration) {
    Checks.notNegative(duration, "duration");
    synchronized (lock) {
      now = now.plus(duration);
      return now;
    }
  }

  /** Moves the clock forward by {@code duration}, from the instant this call is made. */
  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (duration.isNegative() || duration.isZero()) {
      return;
    }
    sleeps.incrementAndGet();
    synchronized (lock) {
      slept = slept.plus(duration);
      now = now.plus(duration);
    }
    Thread.yield();
  }

  /** How many times code slept on this clock. */
  public long sleepCount() {
    return sleeps.get();
  }

  /** The sum of every sleep's duration (larger than the time elapsed when threads slept together). */
  public Duration totalSlept() {
    synchronized (lock) {
      return slept;
    }
  }

  @Override
  public String toString() {
    return "FakeTimeSource[" + now() + "]";
  }
}

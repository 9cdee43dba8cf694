package io.crmsync;

import java.time.Duration;
import java.time.Instant;

/**
 * Where crm-sync reads the time and how it waits. Every delay in the engine (backoff, Retry-After, rate
 * limits, lease expiry) goes through one of these, so tests inject a fake (the testkit's {@code
 * FakeTimeSource}) and never sleep for real.
 *
 * <p>Implementations must be thread-safe.
 */
public interface TimeSource {

  /** The current instant. */
  Instant now();

  /**
   * Waits for {@code duration} of this source's time. A fake source advances its clock instead of
   * blocking.
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Waits until {@code deadline} of this source's time, or until something happens that {@code events}
   * waits for, whichever comes first; may return early. {@code events} blocks for up to the real time it
   * is given and returns when an event arrives (such as a task queue's {@code awaitWork}).
   *
   * <p>The system source hands the whole wait to {@code events}, so that an event cuts it short. The
   * default, for sources whose time does not pass by itself (a fake clock in tests), is {@link #sleep}
   * to the deadline: such a source moves its clock there at once. A source on real time should override
   * this as the system source does, or waits will not end early on events.
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  default void awaitUntil(Instant deadline, EventWait events) throws InterruptedException {
    Duration d = Duration.between(now(), deadline);
    if (!d.isNegative() && !d.isZero()) {
      sleep(d);
    }
  }

  /** Blocks for up to a span of real time, returning early when an event arrives. */
  @FunctionalInterface
  interface EventWait {
    void await(Duration maxRealTime) throws InterruptedException;
  }

  /** The system clock and {@link Thread#sleep}. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

enum SystemTimeSource implements TimeSource {
  INSTANCE;

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (!duration.isNegative() && !duration.isZero()) {
      Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
    }
  }

  @Override
  public void awaitUntil(Instant deadline, EventWait events) throws InterruptedException {
    Duration d = Duration.between(Instant.now(), deadline);
    if (!d.isNegative() && !d.isZero()) {
      events.await(d);
    }
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }
}

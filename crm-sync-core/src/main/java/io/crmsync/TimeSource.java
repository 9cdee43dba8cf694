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
  public String toString() {
    return "TimeSource.system()";
  }
}

package io.crmsync.adapter.spi;

import io.crmsync.TimeSource;
import java.time.Duration;
import java.time.Instant;

/** A minimal fake clock for core's own tests (the testkit's FakeTimeSource depends on core). */
final class StepTime implements TimeSource {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    now = now.plus(duration);
  }

  synchronized void advance(Duration d) {
    now = now.plus(d);
  }
}

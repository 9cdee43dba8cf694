package io.crmsync.quality;

import java.time.Duration;

/**
 * Progress of a {@link DataQualityEngine#deduplicate} call. Called from the calling thread or from
 * worker threads, so implementations must be thread-safe; exceptions they throw are ignored.
 */
public interface DedupeListener {
  /** Does nothing. */
  DedupeListener NONE = new DedupeListener() {};

  /** A phase started, with {@code workItems} to do (what they count is the phase's to say). */
  default void phaseStarted(DedupePhase phase, long workItems) {}

  /** Work of the current phase was done; {@code done} of the {@code workItems} announced. */
  default void progress(DedupePhase phase, long done) {}

  /** A phase ended after {@code elapsed} of wall time. */
  default void phaseFinished(DedupePhase phase, Duration elapsed) {}
}

package io.crmsync.quality;

/**
 * Progress of a {@link DataQualityEngine#deduplicate} call. Called from the calling thread or from
 * worker threads, so implementations must be thread-safe; exceptions they throw are ignored.
 */
public interface DedupeListener {
  /** Does nothing. */
  DedupeListener NONE = new DedupeListener() {};

  /** A phase ({@code normalize}, {@code block}, {@code estimate}, {@code compare}, {@code cluster}, {@code merge}) started. */
  default void phaseStarted(String phase, long workItems) {}

  /** Work of the current phase was done; {@code done} of the {@code workItems} announced. */
  default void progress(String phase, long done) {}

  /** A phase ended after {@code millis}. */
  default void phaseFinished(String phase, long millis) {}
}

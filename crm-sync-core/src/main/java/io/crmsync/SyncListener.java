package io.crmsync;

import io.crmsync.state.DeadLetter;
import java.time.Duration;
import java.time.Instant;

/**
 * Hears what a sync does, for progress bars, metrics and logs. Every method has a no-op default, so
 * implementations override only what they need and keep compiling as events are added.
 *
 * <p>Methods are called from engine threads, possibly concurrently; keep them quick. An exception thrown
 * by a listener is logged and ignored: it cannot break a sync.
 */
public interface SyncListener {
  /** A listener that does nothing. */
  SyncListener NONE = new SyncListener() {};

  /** A run of {@code jobId} started (reading, or working on a shared queue only). */
  default void onRunStarted(String jobId) {}

  /** A run ended, with its report. */
  default void onRunFinished(SyncReport report) {}

  /**
   * The job's checkpoint moved: pages up to {@code checkpoint.cursor()} are settled (or, at the end of a
   * pass, the pass is, and its watermark is when it started).
   */
  default void onCheckpoint(String jobId, io.crmsync.state.Checkpoint checkpoint) {}

  /**
   * The checkpoint moved past records of the source of which the most recently modified changed at {@code
   * modifiedAt}: changes up to then have reached the target (on a durable queue: are safely enqueued).
   * {@code now - modifiedAt} is the job's checkpoint lag. At the end of a pass it is no earlier than the
   * pass's start, since the pass read every record modified before it began. Called after {@link
   * #onCheckpoint}, when the records behind the checkpoint carry modification times.
   */
  default void onSettledUpTo(String jobId, Instant modifiedAt) {}

  /** A page of {@code records} records was read from the source. */
  default void onPageRead(String jobId, int records) {}

  /** A batch was settled; {@code progress} is the run's state after it. */
  default void onProgress(String jobId, SyncProgress progress) {}

  /**
   * A batch was written.
   *
   * @param written records written by this batch
   * @param unchanged records of this batch skipped as unchanged
   * @param failed records of this batch that failed (retried later or dead-lettered)
   */
  default void onBatchDone(String jobId, int written, int unchanged, int failed) {}

  /** {@code system} refused {@code records} records for its rate limit; they run again after {@code retryAfter}. */
  default void onRateLimited(String jobId, String system, Duration retryAfter, int records) {}

  /** {@code records} records failed with {@code cause} and will be tried again (attempt {@code attempt}) after {@code delay}. */
  default void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {}

  /** A record was given up on. */
  default void onDeadLetter(DeadLetter deadLetter) {}

  /**
   * A record about to be created was found to be probably {@code targetId}, a record the target already
   * holds under another match-key value (see {@link CRMSync.Builder#duplicatesOnIngest}); {@code action} is
   * what the sync does with it. A record linked or held is counted once its batch settles, in {@link
   * SyncReport#linkedToDuplicates()} or {@link SyncReport#heldForReview()}; if the batch is tried again,
   * this is heard again.
   *
   * @param reason what agreed, never the values
   */
  default void onProbableDuplicate(String jobId, String sourceId, String targetId, double score, String reason,
      DuplicatePolicy action) {}

  /**
   * A record was held for review as a probable duplicate ({@link DuplicatePolicy#REVIEW}): not written,
   * kept as {@code letter} (operation {@link DeadLetter.Operation#REVIEW}) with the record found.
   */
  default void onHeldForReview(DeadLetter letter) {}
}

package io.crmsync.twoway;

import io.crmsync.SyncReport;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one run of a {@link TwoWaySync} did: the report of each pass, and what only a two-way run knows.
 *
 * @param toSecond the first pass: the first side's changes (merged where both changed) written to the
 *     second; absent if the run failed before it
 * @param toFirst the second pass: what changed only on the second side, and merges the first side lacked,
 *     written to the first; absent if the run failed before it
 * @param readFromSecond records read from the second side (its changes since the last run)
 * @param conflictsResolved fields changed on both sides to different values, settled by the policy
 * @param sentToReview pairs the policy sent to review, written to neither side
 * @param failure why the run failed, if it did
 */
public record TwoWayReport(
    @Nullable SyncReport toSecond,
    @Nullable SyncReport toFirst,
    long readFromSecond,
    long conflictsResolved,
    long sentToReview,
    SyncReport.@Nullable Failure failure) {

  /** Whether both passes completed. */
  public boolean completed() {
    return failure == null && toSecond != null && toFirst != null
        && toSecond.status() == SyncReport.Status.COMPLETED && toFirst.status() == SyncReport.Status.COMPLETED;
  }

  /** Why the run failed, if it did. */
  public Optional<SyncReport.Failure> failed() {
    return Optional.ofNullable(failure);
  }

  /** Records written to either side. */
  public long written() {
    return (toSecond == null ? 0 : toSecond.written()) + (toFirst == null ? 0 : toFirst.written());
  }

  /** Records dead-lettered on either side. */
  public long deadLettered() {
    return (toSecond == null ? 0 : toSecond.deadLettered()) + (toFirst == null ? 0 : toFirst.deadLettered());
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "TwoWayReport{%s, readFromSecond=%d, conflictsResolved=%d, sentToReview=%d, "
        + "toSecond=%s, toFirst=%s%s}", completed() ? "completed" : "not completed", readFromSecond, conflictsResolved,
        sentToReview, toSecond, toFirst, failure == null ? "" : ", failure=" + failure);
  }
}

package io.crmsync;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one run of a sync did. Every record taken in (read from the source, or recovered from the queue
 * after an earlier run ended early) ends in exactly one of written, unchanged, dead-lettered, or (for a
 * run that stopped early) remaining, to be finished by the next run; on a durable queue shared with
 * other worker processes, records this run read may be settled by those instead ({@link #delegated()}):
 * {@link #balanced()} checks it.
 *
 * @param jobId the sync job
 * @param status how the run ended
 * @param read records read from the source in this run
 * @param recovered records of tasks left by an earlier run and finished by this one
 * @param created records created in the target
 * @param updated records updated in the target
 * @param deleted records deleted in the source whose deletion was propagated: the target record linked to
 *     each is deleted (in a two-way sync, one record may be linked to several, all deleted)
 * @param unchanged records that needed no write to the target: it already had their content, or they
 *     were deleted in the source but deletes are not propagated, nothing was linked to them, or their
 *     target record is kept ({@code keptShared})
 * @param keptShared of the {@code unchanged} records, those deleted in the source whose target record was
 *     kept because other records of the source are still linked to it (duplicates written into one
 *     record); only their own link was removed, and the target record goes with the last of them.
 *     Counted when the record's batch settles: duplicates deleted in one run but settled in different
 *     batches count one as kept and the last as deleted, where one batch counts both as deleted
 * @param deadLettered records given up on, each kept with its cause in the state store
 * @param remaining records read but not settled when the run stopped early; the next run picks them up
 * @param delegated records read by this run and left on a durable queue for whichever worker takes them:
 *     settled by other processes (as their {@link #recovered()}), or, if this run stopped early, still
 *     queued; always zero on a queue that is not durable
 * @param retries batch retries after failures
 * @param rateLimited requests the target or source refused for rate limits
 * @param duration how long the run took
 * @param failure why the run failed, for {@link Status#FAILED}
 */
public record SyncReport(
    String jobId,
    Status status,
    long read,
    long recovered,
    long created,
    long updated,
    long deleted,
    long unchanged,
    long keptShared,
    long deadLettered,
    long remaining,
    long delegated,
    long retries,
    long rateLimited,
    Duration duration,
    @Nullable String failure) {

  /** How a run ended. */
  public enum Status {
    /** Everything read was settled. */
    COMPLETED,
    /** {@link CRMSync#stop()} was called; unsettled records are left for the next run. */
    STOPPED,
    /** A failure stopped the run (lost authentication, unreadable source); see {@link #failure()}. */
    FAILED
  }

  public SyncReport {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(duration, "duration");
  }

  /** Records written: created, updated or deleted. */
  public long written() {
    return created + updated + deleted;
  }

  /**
   * Whether every record taken in is accounted for: read + recovered = written + unchanged + dead-lettered
   * + remaining + delegated.
   */
  public boolean balanced() {
    return read + recovered == written() + unchanged + deadLettered + remaining + delegated;
  }

  /** Records settled per second of the run. */
  public double throughput() {
    double seconds = duration.toNanos() / 1e9;
    return seconds <= 0 ? 0 : (written() + unchanged + deadLettered) / seconds;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "SyncReport{job=%s, status=%s, read=%d, recovered=%d, written=%d (created=%d, updated=%d, deleted=%d), "
            + "unchanged=%d (keptShared=%d), deadLettered=%d, remaining=%d, delegated=%d, retries=%d, rateLimited=%d, "
            + "duration=%s, throughput=%.0f records/s%s}",
        jobId, status, read, recovered, written(), created, updated, deleted, unchanged, keptShared, deadLettered, remaining,
        delegated, retries, rateLimited, duration, throughput(), failure == null ? "" : ", failure=" + failure);
  }
}

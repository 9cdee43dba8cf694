package io.crmsync;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one run of a sync did. Every record taken in (read from the source, recovered from the queue
 * after an earlier run ended early, or retried from a transient dead letter) ends in exactly one of
 * written, unchanged, dead-lettered, held for review, or (for a run that stopped early) remaining, to be finished by the
 * next run; on a durable queue shared with other worker processes, records this run took in may be
 * settled by those instead ({@link #delegated()}): {@link #balanced()} checks it.
 *
 * <p>Immutable and thread-safe. The engine builds it; {@link #builder} is public so that tests of code
 * that consumes reports (listeners, alert sinks, dashboards) can make one.
 */
public final class SyncReport {

  /** How a run ended. */
  public enum Status {
    /** Everything taken in was settled. Some records may have been dead-lettered: see {@link #deadLettered()}. */
    COMPLETED,
    /** {@link CRMSync#stop()} was called; unsettled records are left for the next run. */
    STOPPED,
    /**
     * A failure stopped the run, or the run wrote nothing while records failed: see {@link #failure()}.
     * What was not settled is left for the next run.
     */
    FAILED
  }

  /**
   * Why a run failed.
   *
   * @param kind the kind of failure, as its alert names it
   * @param message one line for a person: what happened and what to do; never a secret
   * @param cause the exception behind it, if any
   */
  public record Failure(Alert.Kind kind, String message, @Nullable Throwable cause) {
    public Failure {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
      return kind + ": " + message;
    }
  }

  private final String jobId;
  private final Status status;
  private final long read;
  private final long recovered;
  private final long retriedDeadLetters;
  private final long created;
  private final long updated;
  private final long deleted;
  private final long unchanged;
  private final long keptShared;
  private final long deadLettered;
  private final long heldForReview;
  private final long linkedToDuplicates;
  private final long duplicatesFound;
  private final long remaining;
  private final long delegated;
  private final long retries;
  private final long rateLimited;
  private final Duration rateLimitWait;
  private final Duration duration;
  private final @Nullable Failure failure;
  private final @Nullable Instant quotaResetsAt;
  private final Map<String, Long> fieldsLeftOut;

  private SyncReport(Builder b) {
    this.jobId = b.jobId;
    this.status = Objects.requireNonNull(b.status, "status");
    this.read = b.read;
    this.recovered = b.recovered;
    this.retriedDeadLetters = b.retriedDeadLetters;
    this.created = b.created;
    this.updated = b.updated;
    this.deleted = b.deleted;
    this.unchanged = b.unchanged;
    this.keptShared = b.keptShared;
    this.deadLettered = b.deadLettered;
    this.heldForReview = b.heldForReview;
    this.linkedToDuplicates = b.linkedToDuplicates;
    this.duplicatesFound = b.duplicatesFound;
    this.remaining = b.remaining;
    this.delegated = b.delegated;
    this.retries = b.retries;
    this.rateLimited = b.rateLimited;
    this.rateLimitWait = b.rateLimitWait;
    this.duration = b.duration;
    this.failure = b.failure;
    this.quotaResetsAt = b.quotaResetsAt;
    this.fieldsLeftOut = Map.copyOf(b.fieldsLeftOut);
    if (status == Status.FAILED && failure == null) {
      throw new IllegalStateException("a FAILED report needs its failure");
    }
  }

  /** A builder for the report of a run of {@code jobId}. */
  public static Builder builder(String jobId) {
    return new Builder(jobId);
  }

  /** The sync job. */
  public String jobId() {
    return jobId;
  }

  /** How the run ended. */
  public Status status() {
    return status;
  }

  /** Records read from the source in this run. */
  public long read() {
    return read;
  }

  /** Records of tasks left on the queue by an earlier run (or another process's run) and settled by this one. */
  public long recovered() {
    return recovered;
  }

  /** Records of this job's transient dead letters that this run tried again. */
  public long retriedDeadLetters() {
    return retriedDeadLetters;
  }

  /** Records created in the target. */
  public long created() {
    return created;
  }

  /** Records updated in the target (after a lost response, a repeat of a write counts again). */
  public long updated() {
    return updated;
  }

  /**
   * Records deleted in the source whose deletion was propagated: the target record linked to each is
   * deleted (in a two-way sync, one record may be linked to several, all deleted).
   */
  public long deleted() {
    return deleted;
  }

  /** Records written: created, updated or deleted. */
  public long written() {
    return created + updated + deleted;
  }

  /**
   * Records that needed no write to the target: it already had their content, or they were deleted in
   * the source but deletes are not propagated, nothing was linked to them, or their target record is
   * kept ({@link #keptShared()}).
   */
  public long unchanged() {
    return unchanged;
  }

  /**
   * Of the {@link #unchanged()} records, those deleted in the source whose target record was kept because
   * other records of the source are still linked to it (duplicates written into one record); only their
   * own link was removed, and the target record goes with the last of them. Counted when the record's
   * batch settles: duplicates deleted in one run but settled in different batches count one as kept and
   * the last as deleted, where one batch counts both as deleted.
   */
  public long keptShared() {
    return keptShared;
  }

  /** Records given up on in this run, each kept with its cause in the state store. */
  public long deadLettered() {
    return deadLettered;
  }

  /**
   * Records not written because the target probably holds them already and the sync's {@link
   * DuplicatePolicy} is {@link DuplicatePolicy#REVIEW}: each is kept with the record found, for a person
   * to decide ({@link CRMSync#duplicatesInReview}).
   */
  public long heldForReview() {
    return heldForReview;
  }

  /**
   * Of the {@link #written()} records, those written into a record the target already held under another
   * match-key value, found as a probable duplicate by this run ({@link DuplicatePolicy#LINK}); later runs
   * write them there as updates and do not count them here again.
   */
  public long linkedToDuplicates() {
    return linkedToDuplicates;
  }

  /**
   * Probable duplicates the sync's {@link io.crmsync.spi.DuplicateFinder} found in the target for records
   * about to be created, whatever the policy did with them: linked, held, or (with {@link
   * DuplicatePolicy#CREATE}) created anyway. Counted when their batch settles.
   */
  public long duplicatesFound() {
    return duplicatesFound;
  }

  /** Records taken in but not settled when the run stopped early; the next run picks them up. */
  public long remaining() {
    return remaining;
  }

  /**
   * Records taken in by this run and left on a durable queue for whichever worker takes them: settled by
   * other processes (as their {@link #recovered()}), or, if this run stopped early, still queued; always
   * zero on a queue that is not durable.
   */
  public long delegated() {
    return delegated;
  }

  /** Retries after failures: of batches by the engine, and of calls inside the adapters where they report them. */
  public long retries() {
    return retries;
  }

  /**
   * Calls the target or source refused for rate limits that reached the engine (the adapters' own waits
   * and retries inside a call are counted in {@link #retries()}).
   */
  public long rateLimited() {
    return rateLimited;
  }

  /** How long the run waited, in all, because the target or the source asked it to (Retry-After). */
  public Duration rateLimitWait() {
    return rateLimitWait;
  }

  /** How long the run took. */
  public Duration duration() {
    return duration;
  }

  /** Why the run failed; present exactly when {@link #status()} is {@link Status#FAILED}. */
  public Optional<Failure> failure() {
    return Optional.ofNullable(failure);
  }

  /** When the spent quota that stopped the run resets, where the CRM said. */
  public Optional<Instant> quotaResetsAt() {
    return Optional.ofNullable(quotaResetsAt);
  }

  /**
   * Fields left out of the records written because the target does not take them, by field name, with
   * how many records carried each: fields the target does not have or cannot write, and ids of another
   * system (owners, lookups) that mean nothing in the target.
   */
  public Map<String, Long> fieldsLeftOut() {
    return fieldsLeftOut;
  }

  /**
   * Whether every record taken in is accounted for: read + recovered + retried dead letters = written +
   * unchanged + dead-lettered + held for review + remaining + delegated.
   */
  public boolean balanced() {
    return read + recovered + retriedDeadLetters
        == written() + unchanged + deadLettered + heldForReview + remaining + delegated;
  }

  /** Records settled per second of the run. */
  public double throughput() {
    double seconds = duration.toNanos() / 1e9;
    return seconds <= 0 ? 0 : (written() + unchanged + deadLettered + heldForReview) / seconds;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "SyncReport{job=%s, status=%s, read=%d, recovered=%d, written=%d (created=%d, updated=%d, deleted=%d), "
            + "unchanged=%d (keptShared=%d), deadLettered=%d, remaining=%d, delegated=%d, retries=%d, rateLimited=%d",
        jobId, status, read, recovered, written(), created, updated, deleted, unchanged, keptShared, deadLettered,
        remaining, delegated, retries, rateLimited));
    if (retriedDeadLetters > 0) {
      sb.append(", retriedDeadLetters=").append(retriedDeadLetters);
    }
    if (duplicatesFound > 0 || heldForReview > 0 || linkedToDuplicates > 0) {
      sb.append(", duplicatesFound=").append(duplicatesFound).append(" (linked=").append(linkedToDuplicates)
          .append(", heldForReview=").append(heldForReview).append(')');
    }
    if (!rateLimitWait.isZero()) {
      sb.append(", rateLimitWait=").append(rateLimitWait);
    }
    sb.append(String.format(Locale.ROOT, ", duration=%s, throughput=%.0f records/s", duration, throughput()));
    if (!fieldsLeftOut.isEmpty()) {
      sb.append(", fieldsLeftOut=").append(fieldsLeftOut.keySet());
    }
    if (quotaResetsAt != null) {
      sb.append(", quotaResetsAt=").append(quotaResetsAt);
    }
    if (failure != null) {
      sb.append(", failure=").append(failure);
    }
    return sb.append('}').toString();
  }

  /** Builds a {@link SyncReport}. Not thread-safe. */
  public static final class Builder {
    private final String jobId;
    private Status status = Status.COMPLETED;
    private long read;
    private long recovered;
    private long retriedDeadLetters;
    private long created;
    private long updated;
    private long deleted;
    private long unchanged;
    private long keptShared;
    private long deadLettered;
    private long heldForReview;
    private long linkedToDuplicates;
    private long duplicatesFound;
    private long remaining;
    private long delegated;
    private long retries;
    private long rateLimited;
    private Duration rateLimitWait = Duration.ZERO;
    private Duration duration = Duration.ZERO;
    private @Nullable Failure failure;
    private @Nullable Instant quotaResetsAt;
    private Map<String, Long> fieldsLeftOut = new LinkedHashMap<>();

    Builder(String jobId) {
      this.jobId = Objects.requireNonNull(jobId, "jobId");
    }

    public Builder status(Status status) {
      this.status = Objects.requireNonNull(status, "status");
      return this;
    }

    public Builder read(long read) {
      this.read = read;
      return this;
    }

    public Builder recovered(long recovered) {
      this.recovered = recovered;
      return this;
    }

    public Builder retriedDeadLetters(long retriedDeadLetters) {
      this.retriedDeadLetters = retriedDeadLetters;
      return this;
    }

    public Builder created(long created) {
      this.created = created;
      return this;
    }

    public Builder updated(long updated) {
      this.updated = updated;
      return this;
    }

    public Builder deleted(long deleted) {
      this.deleted = deleted;
      return this;
    }

    public Builder unchanged(long unchanged) {
      this.unchanged = unchanged;
      return this;
    }

    public Builder keptShared(long keptShared) {
      this.keptShared = keptShared;
      return this;
    }

    public Builder deadLettered(long deadLettered) {
      this.deadLettered = deadLettered;
      return this;
    }

    public Builder heldForReview(long heldForReview) {
      this.heldForReview = heldForReview;
      return this;
    }

    public Builder linkedToDuplicates(long linkedToDuplicates) {
      this.linkedToDuplicates = linkedToDuplicates;
      return this;
    }

    public Builder duplicatesFound(long duplicatesFound) {
      this.duplicatesFound = duplicatesFound;
      return this;
    }

    public Builder remaining(long remaining) {
      this.remaining = remaining;
      return this;
    }

    public Builder delegated(long delegated) {
      this.delegated = delegated;
      return this;
    }

    public Builder retries(long retries) {
      this.retries = retries;
      return this;
    }

    public Builder rateLimited(long rateLimited) {
      this.rateLimited = rateLimited;
      return this;
    }

    public Builder rateLimitWait(Duration rateLimitWait) {
      this.rateLimitWait = Objects.requireNonNull(rateLimitWait, "rateLimitWait");
      return this;
    }

    public Builder duration(Duration duration) {
      this.duration = Objects.requireNonNull(duration, "duration");
      return this;
    }

    /** Sets the failure and the status {@link Status#FAILED}; {@code null} clears it. */
    public Builder failure(@Nullable Failure failure) {
      this.failure = failure;
      if (failure != null) {
        this.status = Status.FAILED;
      }
      return this;
    }

    public Builder quotaResetsAt(@Nullable Instant quotaResetsAt) {
      this.quotaResetsAt = quotaResetsAt;
      return this;
    }

    public Builder fieldsLeftOut(Map<String, Long> fieldsLeftOut) {
      this.fieldsLeftOut = new LinkedHashMap<>(fieldsLeftOut);
      return this;
    }

    /** @throws IllegalStateException if the status is {@link Status#FAILED} without a failure */
    public SyncReport build() {
      return new SyncReport(this);
    }
  }
}

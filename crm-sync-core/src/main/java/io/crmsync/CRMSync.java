package io.crmsync;

import dev.failsafe.RetryPolicy;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.internal.Checks;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.internal.SyncRunner;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.SyncStateStore;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Moves the records of one object type from a source CRM (or app) to a target, reliably:
 *
 * <ol>
 *   <li>reads the source a page at a time (resuming from the last checkpoint, or incrementally since the
 *       last pass), with bounded memory;
 *   <li>enqueues each batch on a {@link TaskQueue};
 *   <li>workers skip records whose content the target already has, keep the target within its request
 *       budget, and upsert the rest by the match key;
 *   <li>on a rate limit, only the refused records wait for the server's Retry-After, without using up an
 *       attempt; other failures are retried per the {@link RetryPolicy}, then dead-lettered with their
 *       cause; a record the target refuses is dead-lettered alone;
 *   <li>every settled page advances the checkpoint; critical failures reach the {@link AlertSink}.
 * </ol>
 *
 * <p>Every record read ends written, unchanged or dead-lettered (or, if the run stops early, is left for
 * the next run); {@link #run()} checks that and reports it in a {@link SyncReport}.
 *
 * <pre>{@code
 * CRMSync sync = CRMSync.builder()
 *     .source(app)
 *     .target(hubspot)
 *     .matchKey(MatchKey.email())
 *     .build();
 * SyncReport report = sync.run();
 * }</pre>
 *
 * <p>Thread-safe; one run at a time per instance. Configure once and reuse: the rate limiters persist
 * across runs, so consecutive runs stay within the budget together.
 */
public final class CRMSync {
  private final Config config;
  private final RequestLimiter sourceLimiter;
  private final RequestLimiter targetLimiter;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean stopRequested = new AtomicBoolean();

  /**
   * The settings of a {@link CRMSync}, as {@link Builder#build()} fixed them.
   *
   * @param jobId names the job in checkpoints, dead letters and the queue topic
   * @param batchSize records per upsert call
   * @param readPageSize records per source page
   * @param workers concurrent writer threads
   * @param maxInFlightRecords records read but not yet settled, at most; bounds memory
   * @param visibilityTimeout how long a worker holds a task before another may take it
   * @param incremental whether passes after the first read only records modified since the last pass
   * @param incrementalOverlap how far before the last pass's start an incremental read begins, to catch
   *     late commits and clock skew
   * @param propagateDeletes whether records deleted in the source are deleted in the target
   * @param skipUnchanged whether records whose content was already written are skipped
   * @param recordEchoFingerprints whether to remember written content on the target side too, so that a
   *     sync in the opposite direction skips records this one wrote (two-way sync without echo)
   * @param deadLetterAlertThreshold dead letters in one run above which an alert is raised
   * @param sourceBudget the request budget kept for the source ({@code null}: the one it declares)
   * @param targetBudget the request budget kept for the target ({@code null}: the one it declares)
   */
  public record Config(
      CRMAdapter source,
      CRMAdapter target,
      String objectType,
      MatchKey matchKey,
      String jobId,
      int batchSize,
      int readPageSize,
      int workers,
      int maxInFlightRecords,
      Duration visibilityTimeout,
      RetryPolicy<Object> retryPolicy,
      TaskQueue queue,
      SyncStateStore stateStore,
      TimeSource timeSource,
      SyncListener listener,
      AlertSink alertSink,
      long deadLetterAlertThreshold,
      UnaryOperator<CrmRecord> transformer,
      boolean incremental,
      Duration incrementalOverlap,
      boolean propagateDeletes,
      boolean skipUnchanged,
      boolean recordEchoFingerprints,
      @Nullable RequestBudget sourceBudget,
      @Nullable RequestBudget targetBudget) {}

  private CRMSync(Config config) {
    this.config = config;
    RequestBudget sb = config.sourceBudget() != null ? config.sourceBudget() : config.source().capabilities().budget();
    RequestBudget tb = config.targetBudget() != null ? config.targetBudget() : config.target().capabilities().budget();
    this.sourceLimiter = RequestLimiter.of(sb, config.timeSource());
    this.targetLimiter = RequestLimiter.of(tb, config.timeSource());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sync runs with. */
  public Config config() {
    return config;
  }

  /**
   * Runs the sync once: until the source is read and every record settled, or until {@link #stop()} or
   * a failure that makes going on pointless (lost authentication, an unreadable source).
   *
   * @return what the run did
   * @throws IllegalStateException if a run is already under way, or the run's accounting does not
   *     balance (a bug: the message holds the report)
   */
  public SyncReport run() {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("sync " + config.jobId() + " is already running");
    }
    try {
      stopRequested.set(false);
      return checked(new SyncRunner(config, sourceLimiter, targetLimiter, stopRequested, null).run());
    } finally {
      running.set(false);
    }
  }

  /**
   * Works on this job's tasks without reading the source: for extra worker processes that share a
   * durable queue and state store with the process that runs {@link #run()}. Returns once the queue has
   * had no unfinished task of this job for {@code exitWhenIdleFor}, or after {@link #stop()}. The report
   * counts what this worker settled as {@link SyncReport#recovered()}.
   *
   * @throws IllegalStateException if a run is already under way in this instance
   */
  public SyncReport runWorker(Duration exitWhenIdleFor) {
    Objects.requireNonNull(exitWhenIdleFor, "exitWhenIdleFor");
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("sync " + config.jobId() + " is already running");
    }
    try {
      stopRequested.set(false);
      return checked(new SyncRunner(config, sourceLimiter, targetLimiter, stopRequested, exitWhenIdleFor).run());
    } finally {
      running.set(false);
    }
  }

  private static SyncReport checked(SyncReport report) {
    if (!report.balanced()) {
      throw new IllegalStateException("sync accounting does not balance (read + recovered != written + "
          + "unchanged + deadLettered + remaining + delegated): " + report);
    }
    return report;
  }

  /**
   * Asks the run under way to stop: no more pages are read or tasks started; tasks in progress finish.
   * What was not settled is left to the next run, which resumes from the checkpoint. Returns at once.
   */
  public void stop() {
    stopRequested.set(true);
  }

  /** Up to {@code limit} of this job's dead letters, oldest first. */
  public List<DeadLetter> deadLetters(int limit) {
    return config.stateStore().deadLetters(config.jobId(), limit);
  }

  @Override
  public String toString() {
    return "CRMSync{" + config.jobId() + ": " + config.source().id() + " -> " + config.target().id() + "}";
  }

  /**
   * The retry policy used unless one is set: 3 attempts, exponential backoff from 1 s to 60 s with 20%
   * jitter; retries unavailable CRMs and unexpected runtime failures; never retries authentication,
   * request (validation) or configuration errors, nor illegal arguments. Rate limits are handled apart
   * and never use up an attempt.
   */
  public static RetryPolicy<Object> defaultRetryPolicy() {
    return RetryPolicy.builder()
        .handleIf((r, e) -> e != null && isTransient(e))
        .withMaxAttempts(3)
        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
        .withJitter(0.2)
        .build();
  }

  private static boolean isTransient(Throwable e) {
    if (e instanceof CrmSyncException c) {
      return c.isRetryable();
    }
    return !(e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException);
  }

  /** Builds a {@link CRMSync}. Not thread-safe. */
  public static final class Builder {
    private @Nullable CRMAdapter source;
    private @Nullable CRMAdapter target;
    private String objectType = ObjectTypes.CONTACT;
    private MatchKey matchKey = MatchKey.email();
    private @Nullable String jobId;
    private int batchSize = 100;
    private int readPageSize;
    private int workers = 2;
    private int maxInFlightRecords;
    private Duration visibilityTimeout = Duration.ofMinutes(5);
    private RetryPolicy<Object> retryPolicy = defaultRetryPolicy();
    private @Nullable TaskQueue queue;
    private @Nullable SyncStateStore stateStore;
    private TimeSource timeSource = TimeSource.system();
    private SyncListener listener = SyncListener.NONE;
    private AlertSink alertSink = AlertSink.LOG_ONLY;
    private long deadLetterAlertThreshold = 100;
    private UnaryOperator<CrmRecord> transformer = UnaryOperator.identity();
    private boolean incremental = true;
    private Duration incrementalOverlap = Duration.ofMinutes(5);
    private boolean propagateDeletes;
    private boolean skipUnchanged = true;
    private boolean recordEchoFingerprints;
    private @Nullable RequestBudget sourceBudget;
    private @Nullable RequestBudget targetBudget;
    private final Set<String> alreadySet = new HashSet<>();

    Builder() {}

    /** Each setting may be given once: a second call is a mistake, as in a merged configuration. */
    private void once(String name) {
      if (!alreadySet.add(name)) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    /** Where records are read. Required. */
    public Builder source(CRMAdapter source) {
      once("source");
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Where records are written. Required. */
    public Builder target(CRMAdapter target) {
      once("target");
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** The object type to sync; {@link ObjectTypes#CONTACT} by default. */
    public Builder objectType(String objectType) {
      once("objectType");
      Objects.requireNonNull(objectType, "objectType");
      if (objectType.isBlank()) {
        throw new IllegalArgumentException("objectType must not be blank");
      }
      this.objectType = objectType;
      return this;
    }

    /** The key upserts match on; {@link MatchKey#email()} by default. */
    public Builder matchKey(MatchKey matchKey) {
      once("matchKey");
      this.matchKey = Objects.requireNonNull(matchKey, "matchKey");
      return this;
    }

    /** The job's name in checkpoints and dead letters; by default {@code <source>-to-<target>-<objectType>}. */
    public Builder jobId(String jobId) {
      once("jobId");
      Objects.requireNonNull(jobId, "jobId");
      if (jobId.isBlank()) {
        throw new IllegalArgumentException("jobId must not be blank");
      }
      this.jobId = jobId;
      return this;
    }

    /** Records per upsert call (100 by default); capped at the target's maximum batch size. */
    public Builder batchSize(int batchSize) {
      once("batchSize");
      this.batchSize = Checks.positive(batchSize, "batchSize");
      return this;
    }

    /** Records per source page; the batch size by default. */
    public Builder readPageSize(int readPageSize) {
      once("readPageSize");
      this.readPageSize = Checks.positive(readPageSize, "readPageSize");
      return this;
    }

    /** Concurrent writer threads (2 by default). */
    public Builder workers(int workers) {
      once("workers");
      this.workers = Checks.positive(workers, "workers");
      return this;
    }

    /** Records read but not yet settled, at most; bounds memory. By default 4 batches per worker, at least 2 pages. */
    public Builder maxInFlightRecords(int maxInFlightRecords) {
      once("maxInFlightRecords");
      this.maxInFlightRecords = Checks.positive(maxInFlightRecords, "maxInFlightRecords");
      return this;
    }

    /** How long a worker holds a task before another may take it (5 minutes by default). */
    public Builder visibilityTimeout(Duration visibilityTimeout) {
      once("visibilityTimeout");
      this.visibilityTimeout = Checks.positive(visibilityTimeout, "visibilityTimeout");
      return this;
    }

    /** How failed batches are retried; see {@link #defaultRetryPolicy()}. */
    public Builder retryPolicy(RetryPolicy<Object> retryPolicy) {
      once("retryPolicy");
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** The task queue; {@link TaskQueue#inMemory} on the time source by default. */
    public Builder queue(TaskQueue queue) {
      once("queue");
      this.queue = Objects.requireNonNull(queue, "queue");
      return this;
    }

    /** The state store; {@link SyncStateStore#inMemory()} by default. */
    public Builder stateStore(SyncStateStore stateStore) {
      once("stateStore");
      this.stateStore = Objects.requireNonNull(stateStore, "stateStore");
      return this;
    }

    /** Where time is read and waited on; the system clock by default. */
    public Builder timeSource(TimeSource timeSource) {
      once("timeSource");
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    public Builder listener(SyncListener listener) {
      once("listener");
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public Builder alertSink(AlertSink alertSink) {
      once("alertSink");
      this.alertSink = Objects.requireNonNull(alertSink, "alertSink");
      return this;
    }

    /** Dead letters in one run above which {@link Alert.Kind#DEAD_LETTER_THRESHOLD} is raised (100 by default). */
    public Builder deadLetterAlertThreshold(long threshold) {
      once("deadLetterAlertThreshold");
      this.deadLetterAlertThreshold = Checks.notNegative(threshold, "deadLetterAlertThreshold");
      return this;
    }

    /**
     * Maps each source record to what is written to the target (rename fields, drop some, fill
     * defaults). A transformer that throws dead-letters that record with the exception as cause.
     */
    public Builder transformer(UnaryOperator<CrmRecord> transformer) {
      once("transformer");
      this.transformer = Objects.requireNonNull(transformer, "transformer");
      return this;
    }

    /** Whether passes after the first read only records modified since (true by default, where the source supports it). */
    public Builder incremental(boolean incremental) {
      once("incremental");
      this.incremental = incremental;
      return this;
    }

    public Builder incrementalOverlap(Duration overlap) {
      once("incrementalOverlap");
      Objects.requireNonNull(overlap, "incrementalOverlap");
      this.incrementalOverlap = Checks.notNegative(overlap, "incrementalOverlap");
      return this;
    }

    /**
     * Whether source deletions are propagated (false by default; needs a source that reads deletes). A
     * target record that several source records were written into (duplicates that share the match key)
     * is deleted with the last of them; until then a deletion only removes the source record's link, and
     * is counted in {@link SyncReport#keptShared()}.
     */
    public Builder propagateDeletes(boolean propagateDeletes) {
      once("propagateDeletes");
      this.propagateDeletes = propagateDeletes;
      return this;
    }

    /** Whether records whose content was already written are skipped (true by default). */
    public Builder skipUnchanged(boolean skipUnchanged) {
      once("skipUnchanged");
      this.skipUnchanged = skipUnchanged;
      return this;
    }

    /**
     * Remembers written content on the target side as well, so that a sync in the opposite direction
     * over the same state store skips what this one wrote instead of echoing it back. Costs one more
     * fingerprint per record. Off by default.
     */
    public Builder twoWay(boolean twoWay) {
      once("twoWay");
      this.recordEchoFingerprints = twoWay;
      return this;
    }

    /** Overrides the request budget the source declares. */
    public Builder sourceBudget(RequestBudget budget) {
      once("sourceBudget");
      this.sourceBudget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /** Overrides the request budget the target declares. */
    public Builder targetBudget(RequestBudget budget) {
      once("targetBudget");
      this.targetBudget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * @throws IllegalStateException if the source or target is missing, they are the same adapter, or
     *     deletes are to be propagated but the source cannot read them, the target cannot delete, or the
     *     state store cannot tell which records are linked to a target record ({@link
     *     SyncStateStore#allLinkedIds})
     */
    public CRMSync build() {
      if (source == null) {
        throw new IllegalStateException("source is required: call source(adapter)");
      }
      if (target == null) {
        throw new IllegalStateException("target is required: call target(adapter)");
      }
      if (source == target) {
        throw new IllegalStateException("source and target are the same adapter instance: " + source.id());
      }
      if (propagateDeletes && !source.capabilities().readsDeleted()) {
        throw new IllegalStateException("propagateDeletes needs a source that reads deletes; " + source.id() + " does not");
      }
      if (propagateDeletes && !target.capabilities().deletes()) {
        throw new IllegalStateException("propagateDeletes needs a target that deletes; " + target.id() + " does not");
      }
      SyncStateStore state = stateStore != null ? stateStore : SyncStateStore.inMemory();
      if (propagateDeletes) {
        try {
          state.allLinkedIds(objectType, target.id(), List.of(), source.id());
        } catch (UnsupportedOperationException e) {
          throw new IllegalStateException("propagateDeletes needs a state store that implements allLinkedIds, so that "
              + "a target record other source records are still linked to is not deleted; " + state + " does not", e);
        }
      }
      int batch = Math.min(batchSize, target.capabilities().maxBatchSize());
      int page = readPageSize > 0 ? readPageSize : batchSize;
      int inFlight = maxInFlightRecords > 0 ? maxInFlightRecords : Math.max(batch * workers * 4, page * 2);
      String job = jobId != null ? jobId : source.id() + "-to-" + target.id() + "-" + objectType;
      return new CRMSync(new Config(
          source, target, objectType, matchKey, job, batch, page, workers, inFlight, visibilityTimeout,
          retryPolicy,
          queue != null ? queue : TaskQueue.inMemory(timeSource),
          state,
          timeSource, listener, alertSink, deadLetterAlertThreshold, transformer, incremental,
          incrementalOverlap, propagateDeletes, skipUnchanged, recordEchoFingerprints, sourceBudget, targetBudget));
    }
  }
}

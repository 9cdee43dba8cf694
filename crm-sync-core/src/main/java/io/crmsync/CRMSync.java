package io.crmsync;

import dev.failsafe.RetryPolicy;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.spi.Checks;
import io.crmsync.spi.DuplicateFinder;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.internal.IngestDuplicates;
import io.crmsync.internal.RetryDecider;
import io.crmsync.internal.SyncRunner;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.ObjectTypes;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Moves the records of one object type from a source CRM (or app) to a target, reliably:
 *
 * <ol>
 *   <li>reads the source a page at a time (resuming from the last checkpoint, or incrementally since the
 *       last pass), with bounded memory;
 *   <li>regroups the records into batches of the size the target writes best, and enqueues them on the
 *       {@link SyncBackend}'s queue;
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
  private final SyncHealth.LastCalls calls;

  /**
   * The settings of a {@link CRMSync}, as {@link Builder#build()} fixed them, with the sizes it derived
   * from the adapters' capabilities. Immutable.
   */
  public static final class Config {
    private final CRMAdapter source;
    private final CRMAdapter target;
    private final String objectType;
    private final MatchKey matchKey;
    private final String jobId;
    private final int batchSize;
    private final boolean batchSizeSet;
    private final int readPageSize;
    private final int workers;
    private final int maxInFlightRecords;
    private final Duration visibilityTimeout;
    private final RetryPolicy<Object> retryPolicy;
    private final SyncBackend backend;
    private final TimeSource timeSource;
    private final SyncListener listener;
    private final AlertSink alertSink;
    private final long deadLetterAlertThreshold;
    private final RecordMapper mapping;
    private final boolean incremental;
    private final Duration incrementalOverlap;
    private final boolean propagateDeletes;
    private final boolean skipUnchanged;
    private final boolean twoWay;
    private final boolean passThroughAllFields;
    private final boolean retryDeadLetters;
    private final Duration maxRateLimitWait;
    private final RequestBudget sourceBudget;
    private final RequestBudget targetBudget;
    private final @Nullable DuplicateFinder duplicateFinder;
    private final DuplicatePolicy duplicatePolicy;

    private Config(Builder b, CRMAdapter source, CRMAdapter target, SyncBackend backend) {
      this.source = source;
      this.target = target;
      this.objectType = b.objectType;
      this.matchKey = b.matchKey;
      this.jobId = b.jobId != null ? b.jobId : source.id() + "-to-" + target.id() + "-" + b.objectType;
      AdapterCapabilities tc = target.capabilities();
      this.batchSizeSet = b.batchSize > 0;
      this.batchSize = batchSizeSet ? Math.min(b.batchSize, tc.maxBatchSize()) : tc.preferredBatchSize();
      this.readPageSize = b.readPageSize > 0 ? b.readPageSize : source.capabilities().maxPageSize();
      this.workers = b.workers;
      int largestGroup = !batchSizeSet && tc.hasBulkPath() ? tc.maxBatchSize() : batchSize;
      this.maxInFlightRecords = b.maxInFlightRecords > 0 ? b.maxInFlightRecords
          : Math.max(Math.max(largestGroup * 2, batchSize * workers * 4), readPageSize * 2);
      this.visibilityTimeout = b.visibilityTimeout;
      this.retryPolicy = b.retryPolicy;
      this.backend = backend;
      this.timeSource = b.timeSource;
      this.listener = b.listener;
      this.alertSink = b.alertSink;
      this.deadLetterAlertThreshold = b.deadLetterAlertThreshold;
      this.mapping = b.mapping;
      this.incremental = b.incremental;
      this.incrementalOverlap = b.incrementalOverlap;
      this.propagateDeletes = b.propagateDeletes;
      this.skipUnchanged = b.skipUnchanged;
      this.twoWay = b.twoWay;
      this.passThroughAllFields = b.passThroughAllFields;
      this.retryDeadLetters = b.retryDeadLetters;
      this.maxRateLimitWait = b.maxRateLimitWait;
      this.sourceBudget = b.sourceBudget != null ? b.sourceBudget : source.capabilities().budget();
      this.targetBudget = b.targetBudget != null ? b.targetBudget : tc.budget();
      this.duplicateFinder = b.duplicateFinder;
      this.duplicatePolicy = b.duplicatePolicy;
    }

    /** Where records are read. */
    public CRMAdapter source() {
      return source;
    }

    /** Where records are written. */
    public CRMAdapter target() {
      return target;
    }

    /** The object type synced. */
    public String objectType() {
      return objectType;
    }

    /** The key upserts match on. */
    public MatchKey matchKey() {
      return matchKey;
    }

    /** Names the job in checkpoints, dead letters and the queue topic. */
    public String jobId() {
      return jobId;
    }

    /**
     * Records per write call: the one set, capped at the target's maximum, else the target's preferred
     * batch size. A target with a bulk path is also handed larger groups (see {@link
     * Builder#batchSize}).
     */
    public int batchSize() {
      return batchSize;
    }

    /** Whether {@link #batchSize()} was set rather than taken from the target. */
    public boolean batchSizeSet() {
      return batchSizeSet;
    }

    /** Records per source page. */
    public int readPageSize() {
      return readPageSize;
    }

    /** Concurrent writer threads. */
    public int workers() {
      return workers;
    }

    /** Records taken in but not yet settled, at most; bounds memory. */
    public int maxInFlightRecords() {
      return maxInFlightRecords;
    }

    /** How long a worker holds a task before another may take it. */
    public Duration visibilityTimeout() {
      return visibilityTimeout;
    }

    /** How failed batches are retried. */
    public RetryPolicy<Object> retryPolicy() {
      return retryPolicy;
    }

    /** Where the queue and the state are kept. */
    public SyncBackend backend() {
      return backend;
    }

    /** Where time is read and waited on. */
    public TimeSource timeSource() {
      return timeSource;
    }

    public SyncListener listener() {
      return listener;
    }

    public AlertSink alertSink() {
      return alertSink;
    }

    /** Dead letters in one run above which the run stops with an alert. */
    public long deadLetterAlertThreshold() {
      return deadLetterAlertThreshold;
    }

    /** Maps each source record to what is written to the target. */
    public RecordMapper mapping() {
      return mapping;
    }

    /** Whether passes after the first read only records modified since the last pass. */
    public boolean incremental() {
      return incremental;
    }

    /** How far before the last pass's start an incremental read begins. */
    public Duration incrementalOverlap() {
      return incrementalOverlap;
    }

    /** Whether records deleted in the source are deleted in the target. */
    public boolean propagateDeletes() {
      return propagateDeletes;
    }

    /** Whether records whose content was already written are skipped. */
    public boolean skipUnchanged() {
      return skipUnchanged;
    }

    /** Whether written content is remembered on both sides, so the opposite sync does not echo it. */
    public boolean twoWay() {
      return twoWay;
    }

    /** Whether every field is written as read, even those the target does not describe as writable. */
    public boolean passThroughAllFields() {
      return passThroughAllFields;
    }

    /** Whether each run first tries again the records of the job's transient dead letters. */
    public boolean retryDeadLetters() {
      return retryDeadLetters;
    }

    /** The longest wait a rate limit may impose inside a run before the run stops instead. */
    public Duration maxRateLimitWait() {
      return maxRateLimitWait;
    }

    /** The request budget kept for the source. */
    public RequestBudget sourceBudget() {
      return sourceBudget;
    }

    /** The request budget kept for the target. */
    public RequestBudget targetBudget() {
      return targetBudget;
    }

    /** What looks for probable duplicates of records about to be created, or {@code null} if nothing does. */
    public @Nullable DuplicateFinder duplicateFinder() {
      return duplicateFinder;
    }

    /**
     * What is done with a probable duplicate; {@link DuplicatePolicy#CREATE} (as without a finder) when
     * no finder is set.
     */
    public DuplicatePolicy duplicatePolicy() {
      return duplicatePolicy;
    }
  }

  private CRMSync(Config config) {
    this.config = config;
    this.sourceLimiter = RequestLimiter.of(config.sourceBudget(), config.timeSource());
    this.targetLimiter = RequestLimiter.of(config.targetBudget(), config.timeSource());
    this.calls = new SyncHealth.LastCalls(config.timeSource());
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
   * a failure that makes going on pointless (lost authentication, an unreadable source, a spent quota,
   * too many dead letters). First, the records of the job's transient dead letters are tried again.
   *
   * @return what the run did
   * @throws CrmConfigurationException if a setting turns out wrong against the adapters, before any
   *     record moves (a match key the target does not have)
   * @throws IllegalStateException if a run is already under way, or the run's accounting does not
   *     balance (a bug: the message holds the report)
   */
  public SyncReport run() {
    return runOnce(null);
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
    return runOnce(exitWhenIdleFor);
  }

  /**
   * Sends the records of this job's dead letters that {@code query} selects through the engine again,
   * once their cause is fixed: mapped, cut to the target's fields, within the target's budget, with
   * retries, as any record. A record whose content the target already has (its answer was lost, and it
   * landed after all) is not written again; each letter is cleared once its record lands, and written
   * again with its new cause if it fails. The source is not read.
   *
   * @return what the replay did: its records count as {@link SyncReport#retriedDeadLetters()}
   * @throws IllegalArgumentException if {@code query} is for another job
   * @throws IllegalStateException if a run is already under way
   */
  public SyncReport replayDeadLetters(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    if (!query.jobId().equals(config.jobId())) {
      throw new IllegalArgumentException("the query is for job " + query.jobId() + ", this sync is " + config.jobId());
    }
    return runOnce(null, query);
  }

  /**
   * Whether this sync can run now: its backend reachable, each adapter's last call in this sync's runs,
   * and the quota each CRM last said is left. Makes no call to the CRMs.
   */
  public SyncHealth health() {
    return SyncHealth.check(config, calls);
  }

  private SyncReport runOnce(@Nullable Duration workerOnlyIdleExit) {
    return runOnce(workerOnlyIdleExit, null);
  }

  private SyncReport runOnce(@Nullable Duration workerOnlyIdleExit, @Nullable DeadLetterQuery replay) {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("sync " + config.jobId() + " is already running");
    }
    try {
      stopRequested.set(false);
      SyncRunner runner = replay != null
          ? SyncRunner.replaying(config, sourceLimiter, targetLimiter, stopRequested, replay)
          : new SyncRunner(config, sourceLimiter, targetLimiter, stopRequested, workerOnlyIdleExit);
      SyncReport report;
      // the adapters' last calls are heard during runs only, so a sync holds no listener between them
      try (AdapterListener.Registration s = config.source().listen(calls);
          AdapterListener.Registration t = config.target().listen(calls)) {
        report = runner.run();
      }
      if (!report.balanced()) {
        throw new IllegalStateException("sync accounting does not balance (read + recovered + retried dead letters"
            + " != written + unchanged + deadLettered + heldForReview + remaining + delegated): " + report);
      }
      return report;
    } finally {
      running.set(false);
    }
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
    return config.backend().stateStore().deadLetters(config.jobId(), limit);
  }

  /**
   * Up to {@code limit} records held as probable duplicates ({@link DuplicatePolicy#REVIEW}), oldest first.
   * They are also this job's dead letters of operation {@link DeadLetter.Operation#REVIEW}.
   *
   * @throws IllegalArgumentException if {@code limit} is not within 1 and {@link DeadLetterQuery#MAX_LIMIT}
   */
  public List<DuplicateInReview> duplicatesInReview(int limit) {
    List<DuplicateInReview> out = new ArrayList<>();
    for (DeadLetter d : config.backend().stateStore().deadLetters(
        DeadLetterQuery.job(config.jobId()).operation(DeadLetter.Operation.REVIEW).limit(limit))) {
      DuplicateInReview held = IngestDuplicates.fromLetter(d);
      if (held != null) {
        out.add(held);
      }
    }
    return out;
  }

  /**
   * Settles a record held as a probable duplicate: {@link DuplicatePolicy#LINK} writes it into the target
   * record found (and every later change of it there), {@link DuplicatePolicy#CREATE} creates it as a
   * record of its own, whatever a finder says later. The decision is saved at once; the record is written
   * by the job's next run (which first tries again its transient dead letters: the held record is one now),
   * or by {@link #replayDeadLetters}. Makes no call to the CRMs.
   *
   * @throws IllegalArgumentException if no record of this job with that source id is held, {@code decision}
   *     is {@link DuplicatePolicy#REVIEW}, or it is LINK and the target record has no match-key value
   */
  public void resolveDuplicate(String sourceId, DuplicatePolicy decision) {
    Objects.requireNonNull(sourceId, "sourceId");
    Objects.requireNonNull(decision, "decision");
    if (decision == DuplicatePolicy.REVIEW) {
      throw new IllegalArgumentException("a decision is LINK or CREATE, not REVIEW");
    }
    for (DeadLetter d : config.backend().stateStore().deadLetters(
        DeadLetterQuery.job(config.jobId()).operation(DeadLetter.Operation.REVIEW))) {
      DuplicateInReview held = IngestDuplicates.fromLetter(d);
      if (held != null && held.sourceId().equals(sourceId)) {
        config.backend().stateStore().apply(IngestDuplicates.decide(config, d, held, decision));
        return;
      }
    }
    throw new IllegalArgumentException("no record of job " + config.jobId() + " with source id " + sourceId
        + " is held for review");
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
    private int batchSize;
    private int readPageSize;
    private int workers = 2;
    private int maxInFlightRecords;
    private Duration visibilityTimeout = Duration.ofMinutes(5);
    private RetryPolicy<Object> retryPolicy = defaultRetryPolicy();
    private @Nullable SyncBackend backend;
    private TimeSource timeSource = TimeSource.system();
    private SyncListener listener = SyncListener.NONE;
    private AlertSink alertSink = AlertSink.LOG_ONLY;
    private long deadLetterAlertThreshold = 100;
    private RecordMapper mapping = RecordMapper.identity();
    private boolean incremental = true;
    private Duration incrementalOverlap = Duration.ofMinutes(5);
    private boolean propagateDeletes;
    private boolean skipUnchanged = true;
    private boolean twoWay;
    private boolean passThroughAllFields;
    private boolean retryDeadLetters = true;
    private Duration maxRateLimitWait = Duration.ofMinutes(15);
    private @Nullable RequestBudget sourceBudget;
    private @Nullable RequestBudget targetBudget;
    private @Nullable DuplicateFinder duplicateFinder;
    private DuplicatePolicy duplicatePolicy = DuplicatePolicy.CREATE;
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

    /**
     * Records per write call, capped at the target's maximum. By default the target's preferred batch
     * size ({@link AdapterCapabilities#preferredBatchSize()}), and a target with a bulk path is handed
     * groups of up to its maximum whenever at least its {@link AdapterCapabilities#bulkThreshold()}
     * records wait. Records are regrouped across source pages either way.
     */
    public Builder batchSize(int batchSize) {
      once("batchSize");
      this.batchSize = Checks.positive(batchSize, "batchSize");
      return this;
    }

    /** Records per source page; by default the source's {@link AdapterCapabilities#maxPageSize()}. */
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

    /**
     * Records taken in but not yet settled, at most; bounds memory. By default 4 batches per worker, at
     * least two of the largest groups the target is handed and two pages.
     */
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

    /**
     * How failed batches are retried; see {@link #defaultRetryPolicy()}. Retries go through the queue, so
     * that a wait holds no thread and survives a crash on a durable queue: of the policy, its handled and
     * abort conditions (tested on the failure), attempts or retries, delay, backoff, random delay and
     * jitter are honoured. A policy that sets anything else (listeners, a maximum duration, a delay
     * function, result conditions) is refused by {@link #build()}, naming what it sets.
     */
    public Builder retryPolicy(RetryPolicy<Object> retryPolicy) {
      once("retryPolicy");
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Where the task queue and the sync state are kept; {@link SyncBackend#inMemory} on the time source
     * by default. {@code crm-sync-jdbc} keeps them in PostgreSQL, so that a sync survives a crash and runs
     * on several processes.
     */
    public Builder backend(SyncBackend backend) {
      once("backend");
      this.backend = Objects.requireNonNull(backend, "backend");
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

    /**
     * Dead letters in one run above which the run stops, with {@link Alert.Kind#DEAD_LETTER_THRESHOLD}
     * raised (100 by default): so many failures mean something is wrong with the target or the
     * configuration, and going on would only add to them. The rest is left for the next run.
     */
    public Builder deadLetterAlertThreshold(long threshold) {
      once("deadLetterAlertThreshold");
      this.deadLetterAlertThreshold = Checks.notNegative(threshold, "deadLetterAlertThreshold");
      return this;
    }

    /**
     * Maps each source record to what is written to the target: {@code FieldMapping} from {@code
     * crm-sync-mapping}, or {@link RecordMapper#of} a function in code (rename fields, drop some, fill
     * defaults). Checked against both adapters' fields before a record moves; a mapping that fails on
     * one record dead-letters that record with the field and the reason. The identity by default.
     */
    public Builder mapping(RecordMapper mapping) {
      once("mapping");
      this.mapping = Objects.requireNonNull(mapping, "mapping");
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
      this.twoWay = twoWay;
      return this;
    }

    /**
     * Writes every field as mapped, even those the target's {@code describe()}
     * does not list as writable, and ids of the source's owners and lookups. Off by default: then such
     * fields are left out of writes and counted in {@link SyncReport#fieldsLeftOut()}, since a CRM
     * refuses a whole record for one field it does not have.
     */
    public Builder passThroughAllFields(boolean passThroughAllFields) {
      once("passThroughAllFields");
      this.passThroughAllFields = passThroughAllFields;
      return this;
    }

    /**
     * Whether each run first tries again the records of the job's dead letters whose failure was
     * transient (true by default), whatever its incremental window; a dead letter is cleared once its
     * record lands.
     */
    public Builder retryDeadLetters(boolean retryDeadLetters) {
      once("retryDeadLetters");
      this.retryDeadLetters = retryDeadLetters;
      return this;
    }

    /**
     * The longest wait a rate limit may impose inside a run (15 minutes by default). A CRM that asks for
     * a longer one, or reports a spent daily quota, stops the run with {@link Alert.Kind#QUOTA_EXHAUSTED};
     * the rest is left for a later run.
     */
    public Builder maxRateLimitWait(Duration maxRateLimitWait) {
      once("maxRateLimitWait");
      this.maxRateLimitWait = Checks.positive(maxRateLimitWait, "maxRateLimitWait");
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
     * Looks for probable duplicates before creating records: a record the sync is about to write that has
     * no id link to the target (the match key finds an existing record by an exact value, as always; this
     * is for the rest) is shown to {@code finder}, which says whether the target probably holds the same
     * person or company under another key value (another email, the same phone and name); {@code policy}
     * says what then happens: {@link DuplicatePolicy#LINK} writes it into that record and links them, so
     * that later runs update it; {@link DuplicatePolicy#CREATE} creates it anyway (the finds are counted
     * and logged); {@link DuplicatePolicy#REVIEW} holds it for a person ({@link #build() built} syncs list
     * them in {@link CRMSync#duplicatesInReview}). Off by default: records are created as they come.
     *
     * <p>A finder's failure to read the target is a failed write of the batch: retried per the retry
     * policy, then dead-lettered, never lost. Its calls count against the target's request budget; see the
     * finder's Javadoc for what it costs. {@code crm-sync-quality}'s {@code ProbableDuplicates} is one.
     */
    public Builder duplicatesOnIngest(DuplicateFinder finder, DuplicatePolicy policy) {
      once("duplicatesOnIngest");
      this.duplicateFinder = Objects.requireNonNull(finder, "finder");
      this.duplicatePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * @throws IllegalStateException if the source or target is missing, they are the same adapter,
     *     deletes are to be propagated but the source cannot read them or the target cannot delete, or the
     *     retry policy sets something the engine cannot honour
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
      List<String> unsupported = RetryDecider.unsupportedFeatures(retryPolicy);
      if (!unsupported.isEmpty()) {
        throw new IllegalStateException("the retry policy sets " + String.join(", ", unsupported)
            + ", which the engine cannot honour: its retries go through the task queue, not through Failsafe;"
            + " it honours handled and abort conditions, attempts, delay, backoff, random delay and jitter");
      }
      SyncBackend b = backend != null ? backend : SyncBackend.inMemory(timeSource);
      return new CRMSync(new Config(this, source, target, b));
    }
  }
}

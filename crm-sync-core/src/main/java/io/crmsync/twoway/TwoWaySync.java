package io.crmsync.twoway;

import dev.failsafe.RetryPolicy;
import io.crmsync.AlertSink;
import io.crmsync.CRMSync;
import io.crmsync.SyncListener;
import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.internal.TwoWayRunner;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.spi.Checks;
import io.crmsync.state.Baseline;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the records of one object type in agreement between two systems, both ways, field by field.
 *
 * <p>Each run reads what changed on each side since the last run. For a linked pair of records, it
 * compares each field with the value both sides last agreed on (their baseline, kept in the state
 * store): a field one side changed takes that change, and a field both sides changed to different values
 * is settled by the {@link ConflictPolicy} (by default the record modified last wins) or sent to review.
 * The result is written to whichever side lacks it. A value the sync wrote never comes back as a change,
 * and two runs with no outside edits write nothing. Deletions reach the other side as each side's {@link
 * DeletePolicy} says.
 *
 * <pre>{@code
 * TwoWaySync sync = TwoWaySync.builder()
 *     .first(hubspot).second(salesforce)
 *     .mapping(FieldMapping.load(Path.of("contacts.yaml")))     // first to second; inverted for the way back
 *     .conflicts(ConflictPolicy.ownedBy(Map.of("Phone", Side.SECOND), ConflictPolicy.latestWins()))
 *     .backend(pg.backend())
 *     .build();
 * TwoWayReport report = sync.run();
 * }</pre>
 *
 * <p>Memory: a run holds the second side's changes since the last run (the whole side on the first
 * run). Thread-safe; one run at a time per instance.
 */
public final class TwoWaySync {
  private final Builder settings;
  private final CRMSync toSecond;
  private final String jobId;
  private final RequestLimiter firstLimiter;
  private final RequestLimiter secondLimiter;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean stopRequested = new AtomicBoolean();

  private TwoWaySync(Builder b, String jobId) {
    this.settings = b;
    this.jobId = jobId;
    this.toSecond = pass(b.first, Objects.requireNonNull(b.second), b.mapping, jobId + ":to-" + b.second.id(),
        b.whenFirstDeletes == DeletePolicy.DELETE, true);
    this.firstLimiter = RequestLimiter.of(b.first.capabilities().budget(), b.time);
    this.secondLimiter = RequestLimiter.of(b.second.capabilities().budget(), b.time);
  }

  private CRMSync pass(CRMAdapter source, CRMAdapter target, RecordMapper mapping, String job, boolean deletes,
      boolean incremental) {
    return CRMSync.builder()
        .source(source)
        .target(target)
        .objectType(settings.objectType)
        .matchKey(settings.matchKey)
        .jobId(job)
        .mapping(mapping)
        .backend(settings.backend)
        .timeSource(settings.time)
        .workers(settings.workers)
        .retryPolicy(settings.retryPolicy)
        .listener(settings.listener)
        .alertSink(settings.alertSink)
        .deadLetterAlertThreshold(settings.deadLetterAlertThreshold)
        .incremental(incremental)
        .incrementalOverlap(settings.incrementalOverlap)
        .propagateDeletes(deletes)
        .passThroughAllFields(settings.passThroughAllFields)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The job's name: in its checkpoints, baselines, dead letters and reviews. */
  public String jobId() {
    return jobId;
  }

  /**
   * Runs both ways once.
   *
   * @throws io.crmsync.CrmConfigurationException if a setting turns out wrong against the adapters
   * @throws IllegalStateException if a run is already under way
   */
  public TwoWayReport run() {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("two-way sync " + jobId + " is already running");
    }
    try {
      stopRequested.set(false);
      CRMAdapter first = settings.first;
      boolean deletes = settings.whenSecondDeletes == DeletePolicy.DELETE;
      TwoWayRunner.Outcome o = new TwoWayRunner(toSecond.config(),
          memory -> pass(memory, first, settings.mapping.inverse(), jobId + ":to-" + first.id(), deletes, false).config(),
          jobId, settings.policy, firstLimiter, secondLimiter, stopRequested).run();
      return new TwoWayReport(o.toSecond(), o.toFirst(), o.readFromSecond(), o.conflictsResolved(), o.sentToReview(),
          o.failure());
    } finally {
      running.set(false);
    }
  }

  /** Asks the run under way to stop; what was not settled is left for the next run. */
  public void stop() {
    stopRequested.set(true);
  }

  /** Up to {@code limit} pairs waiting in review, oldest first. */
  public List<ConflictInReview> conflicts(int limit) {
    List<ConflictInReview> out = new ArrayList<>();
    for (DeadLetter d : settings.backend.stateStore().deadLetters(
        DeadLetterQuery.job(jobId).operation(DeadLetter.Operation.REVIEW).limit(Checks.positive(limit, "limit")))) {
      out.add(toConflict(d));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static ConflictInReview toConflict(DeadLetter d) {
    Map<String, Object> held = d.record().fields();
    Object base = held.get("base");
    Object secondId = held.get("secondId");
    return new ConflictInReview(Objects.requireNonNull(d.recordId()), secondId == null ? null : secondId.toString(),
        (Map<String, Object>) held.getOrDefault("first", Map.of()), (Map<String, Object>) held.getOrDefault("second", Map.of()),
        base instanceof Map<?, ?> m ? (Map<String, Object>) m : null, d.message(), d.at());
  }

  /**
   * Settles a pair in review: writes {@code values} (by field name on the second side) to both sides, makes
   * them the pair's baseline, and removes it from review.
   *
   * @throws IllegalArgumentException if no pair with that first-side id is in review
   * @throws io.crmsync.CrmSyncException if a side refuses the write (the pair stays in review)
   */
  public void resolve(String firstId, Map<String, Object> values) {
    Objects.requireNonNull(values, "values");
    ConflictInReview c = inReview(firstId);
    String type = settings.objectType;
    CrmRecord forSecond = new CrmRecord(type, firstId, values, null, false);
    String secondId = written(settings.second.upsert(type, List.of(forSecond), settings.matchKey), settings.second);
    CrmRecord forFirst = settings.mapping.inverse().map(forSecond.withId(c.secondId()), RecordMapper.Direction.TO_TARGET);
    String firstWritten = written(settings.first.upsert(type, List.of(forFirst), settings.matchKey), settings.first);
    settings.backend.stateStore().apply(StateUpdate.builder()
        .link(new IdLink(type, settings.first.id(), firstWritten, settings.second.id(), secondId))
        .baseline(new Baseline(TwoWayRunner.scope(jobId, type), firstWritten, values))
        .resolve(new StateUpdate.Resolved(jobId, DeadLetter.Operation.REVIEW, firstId))
        .build());
  }

  /** Settles a pair in review with one side's values as they were when it was sent there. */
  public void resolve(String firstId, ConflictPolicy.Side winner) {
    Objects.requireNonNull(winner, "winner");
    ConflictInReview c = inReview(firstId);
    resolve(firstId, winner == ConflictPolicy.Side.FIRST ? c.first() : c.second());
  }

  /**
   * The pair in review whose record has {@code firstId} on the first side, if there is one (among the oldest
   * {@value DeadLetterQuery#MAX_LIMIT} in review).
   */
  public Optional<ConflictInReview> conflict(String firstId) {
    Objects.requireNonNull(firstId, "firstId");
    for (ConflictInReview r : conflicts(DeadLetterQuery.MAX_LIMIT)) {
      if (r.firstId().equals(firstId)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  private ConflictInReview inReview(String firstId) {
    return conflict(firstId).orElseThrow(() -> new IllegalArgumentException(
        "no pair of job " + jobId + " with first-side id " + firstId + " is in review"));
  }

  private static String written(List<RecordResult> results, CRMAdapter side) {
    RecordResult r = results.get(0);
    if (!r.succeeded() || r.id() == null) {
      throw new io.crmsync.CrmRequestException(side.id(), 0, null, "the resolved record was refused: " + r.error(),
          r.error() == null ? List.of() : r.error().fieldErrors(), null);
    }
    return r.id();
  }

  @Override
  public String toString() {
    return "TwoWaySync{" + jobId + ": " + settings.first.id() + " <-> " + Objects.requireNonNull(settings.second).id() + "}";
  }

  /** Builds a {@link TwoWaySync}. Not thread-safe. */
  public static final class Builder {
    private @Nullable CRMAdapter first;
    private @Nullable CRMAdapter second;
    private String objectType = ObjectTypes.CONTACT;
    private MatchKey matchKey = MatchKey.email();
    private @Nullable String jobId;
    private RecordMapper mapping = RecordMapper.identity();
    private ConflictPolicy policy = ConflictPolicy.latestWins();
    private DeletePolicy whenFirstDeletes = DeletePolicy.IGNORE;
    private DeletePolicy whenSecondDeletes = DeletePolicy.IGNORE;
    private @Nullable SyncBackend backend;
    private TimeSource time = TimeSource.system();
    private int workers = 2;
    private RetryPolicy<Object> retryPolicy = CRMSync.defaultRetryPolicy();
    private SyncListener listener = SyncListener.NONE;
    private AlertSink alertSink = AlertSink.LOG_ONLY;
    private long deadLetterAlertThreshold = 100;
    private Duration incrementalOverlap = Duration.ofMinutes(5);
    private boolean passThroughAllFields;
    private final Set<String> alreadySet = new HashSet<>();

    Builder() {}

    /** A copy, so that a built sync does not change with its builder. */
    private Builder(Builder b) {
      first = b.first;
      second = b.second;
      objectType = b.objectType;
      matchKey = b.matchKey;
      jobId = b.jobId;
      mapping = b.mapping;
      policy = b.policy;
      whenFirstDeletes = b.whenFirstDeletes;
      whenSecondDeletes = b.whenSecondDeletes;
      backend = b.backend;
      time = b.time;
      workers = b.workers;
      retryPolicy = b.retryPolicy;
      listener = b.listener;
      alertSink = b.alertSink;
      deadLetterAlertThreshold = b.deadLetterAlertThreshold;
      incrementalOverlap = b.incrementalOverlap;
      passThroughAllFields = b.passThroughAllFields;
    }

    private void once(String name) {
      if (!alreadySet.add(name)) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    /** One side. Required. */
    public Builder first(CRMAdapter first) {
      once("first");
      this.first = Objects.requireNonNull(first, "first");
      return this;
    }

    /** The other side. Required. */
    public Builder second(CRMAdapter second) {
      once("second");
      this.second = Objects.requireNonNull(second, "second");
      return this;
    }

    /** {@link ObjectTypes#CONTACT} by default. */
    public Builder objectType(String objectType) {
      once("objectType");
      this.objectType = Objects.requireNonNull(objectType, "objectType");
      return this;
    }

    /** The key both sides are written by; {@link MatchKey#email()} by default. */
    public Builder matchKey(MatchKey matchKey) {
      once("matchKey");
      this.matchKey = Objects.requireNonNull(matchKey, "matchKey");
      return this;
    }

    /** The job's name; by default {@code <first><-><second>-<objectType>}. */
    public Builder jobId(String jobId) {
      once("jobId");
      this.jobId = Objects.requireNonNull(jobId, "jobId");
      return this;
    }

    /** From the first side to the second; its {@link RecordMapper#inverse()} maps the way back. */
    public Builder mapping(RecordMapper mapping) {
      once("mapping");
      this.mapping = Objects.requireNonNull(mapping, "mapping");
      return this;
    }

    /** How fields both sides changed are settled; {@link ConflictPolicy#latestWins()} by default. */
    public Builder conflicts(ConflictPolicy policy) {
      once("conflicts");
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** What a deletion on the first side does on the second; {@link DeletePolicy#IGNORE} by default. */
    public Builder whenFirstDeletes(DeletePolicy policy) {
      once("whenFirstDeletes");
      this.whenFirstDeletes = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** What a deletion on the second side does on the first; {@link DeletePolicy#IGNORE} by default. */
    public Builder whenSecondDeletes(DeletePolicy policy) {
      once("whenSecondDeletes");
      this.whenSecondDeletes = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Where checkpoints, links, baselines and reviews are kept; in memory by default. */
    public Builder backend(SyncBackend backend) {
      once("backend");
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    public Builder timeSource(TimeSource time) {
      once("timeSource");
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    public Builder workers(int workers) {
      once("workers");
      this.workers = Checks.positive(workers, "workers");
      return this;
    }

    public Builder retryPolicy(RetryPolicy<Object> retryPolicy) {
      once("retryPolicy");
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
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

    public Builder deadLetterAlertThreshold(long threshold) {
      once("deadLetterAlertThreshold");
      this.deadLetterAlertThreshold = Checks.notNegative(threshold, "deadLetterAlertThreshold");
      return this;
    }

    public Builder incrementalOverlap(Duration overlap) {
      once("incrementalOverlap");
      this.incrementalOverlap = Checks.notNegative(overlap, "incrementalOverlap");
      return this;
    }

    /** As {@link CRMSync.Builder#passThroughAllFields}, both ways. */
    public Builder passThroughAllFields(boolean passThroughAllFields) {
      once("passThroughAllFields");
      this.passThroughAllFields = passThroughAllFields;
      return this;
    }

    /**
     * @throws IllegalStateException if a side is missing or both are one adapter, or a delete policy asks
     *     for what a side cannot do
     */
    public TwoWaySync build() {
      if (first == null || second == null) {
        throw new IllegalStateException("both sides are required: call first(adapter) and second(adapter)");
      }
      if (first == second) {
        throw new IllegalStateException("the two sides are the same adapter instance: " + first.id());
      }
      if (backend == null) {
        backend = SyncBackend.inMemory(time);
      }
      String job = jobId != null ? jobId : first.id() + "<->" + second.id() + "-" + objectType;
      return new TwoWaySync(new Builder(this), job);
    }
  }
}

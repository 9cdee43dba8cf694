package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import io.crmsync.state.Baseline;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.FieldConflict;
import io.crmsync.twoway.Resolution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a two-way sync between a first side A and a second side B:
 *
 * <ol>
 *   <li>reads B's changes since its checkpoint, into memory (one side's changes since the last run);
 *   <li>syncs A to B, reading A's changes as a one-way sync does, and for each record whose linked B record
 *       changed too, merges field by field against the baseline (the values both last agreed on): a field
 *       one side changed takes that change, a field both changed is settled by the conflict policy; the
 *       merge is written to B, and kept to write to A if A lacks it;
 *   <li>syncs to A what changed only in B and the merges A lacks, from memory;
 *   <li>moves B's checkpoint once both passes completed.
 * </ol>
 *
 * A record whose content equals its baseline needs nothing: that is how a side's own writes, read back by
 * the next run, are not echoed to the other side, and how two runs with no outside edits write nothing.
 */
public final class TwoWayRunner {
  private static final Logger log = LoggerFactory.getLogger(TwoWayRunner.class);

  /** What a run did: both passes' reports, and what only a two-way run knows. */
  public record Outcome(
      @Nullable SyncReport toSecond,
      @Nullable SyncReport toFirst,
      long readFromSecond,
      long conflictsResolved,
      long sentToReview,
      SyncReport.@Nullable Failure failure) {}

  private final CRMSync.Config toSecond;
  private final Function<CRMAdapter, CRMSync.Config> toFirst;
  private final String jobId;
  private final ConflictPolicy policy;
  private final RequestLimiter firstLimiter;
  private final RequestLimiter secondLimiter;
  private final AtomicBoolean stopRequested;
  private final CRMAdapter first;
  private final CRMAdapter second;
  private final String type;
  private final SyncStateStore state;
  private final TimeSource time;
  private final RecordMapper mapping;
  private final String scope;
  private final LongAdder conflicts = new LongAdder();
  private final LongAdder reviews = new LongAdder();
  private final Map<String, DeadLetter> inReview = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param toSecond the first pass's settings: the first side as source, the second as target
   * @param toFirst the second pass's settings, given its source (the second side's records in memory)
   * @param jobId the two-way job: its checkpoint of the second side's reads, baselines and reviews
   */
  public TwoWayRunner(CRMSync.Config toSecond, Function<CRMAdapter, CRMSync.Config> toFirst, String jobId,
      ConflictPolicy policy, RequestLimiter firstLimiter, RequestLimiter secondLimiter, AtomicBoolean stopRequested) {
    this.toSecond = toSecond;
    this.toFirst = toFirst;
    this.jobId = jobId;
    this.policy = policy;
    this.firstLimiter = firstLimiter;
    this.secondLimiter = secondLimiter;
    this.stopRequested = stopRequested;
    this.first = toSecond.source();
    this.second = toSecond.target();
    this.type = toSecond.objectType();
    this.state = toSecond.backend().stateStore();
    this.time = toSecond.timeSource();
    this.mapping = toSecond.mapping();
    this.scope = scope(jobId, type);
  }

  /** Where a two-way job's baselines are kept: one per pair, keyed by the first side's id. */
  public static String scope(String jobId, String objectType) {
    return jobId + "/" + objectType;
  }

  /** Where a two-way job keeps the checkpoint of its reads of the second side. */
  public static String secondReadsJob(String jobId) {
    return jobId + ":reads";
  }

  public Outcome run() {
    Instant readStart = time.now();
    Checkpoint cp = state.checkpoint(secondReadsJob(jobId)).orElse(null);
    Instant since = cp != null && cp.watermark() != null ? cp.watermark().minus(toSecond.incrementalOverlap()) : null;
    Map<String, CrmRecord> changedInSecond;
    TargetFields forSecond;
    TargetFields forFirst;
    try {
      // read by the first pass's workers too (deletions), changed by its reader
      changedInSecond = Collections.synchronizedMap(readSecond(since));
      loadReviews();
      List<FieldInfo> firstFields = call(firstLimiter, () -> first.describe(type));
      List<FieldInfo> secondFields = call(secondLimiter, () -> second.describe(type));
      forSecond = toSecond.passThroughAllFields() ? TargetFields.passThrough()
          : TargetFields.of(firstFields, second, secondFields, type, toSecond.matchKey());
      forFirst = toSecond.passThroughAllFields() ? TargetFields.passThrough()
          : TargetFields.of(secondFields, first, firstFields, type, toSecond.matchKey());
    } catch (RuntimeException e) {
      log.debug("Reading {} for two-way job {} failed", second.id(), jobId, e);
      String message = "reading the changes of " + second.id() + " failed: " + Messages.oneLine(e);
      alert(message, e);
      return new Outcome(null, null, 0, 0, 0, new SyncReport.Failure(Alert.Kind.SYNC_FAILED, message, e));
    }
    long read = changedInSecond.size();
    log.info("Two-way job {}: {} change(s) read from {}", jobId, read, second.id());

    Map<String, CrmRecord> writeBack = new LinkedHashMap<>();
    SyncReport toSecondReport = SyncRunner.pass(toSecond, firstLimiter, secondLimiter, stopRequested,
        new ToSecond(changedInSecond, writeBack, forSecond, forFirst)).run();
    if (toSecondReport.status() != SyncReport.Status.COMPLETED) {
      return new Outcome(toSecondReport, null, read, conflicts.sum(), reviews.sum(), toSecondReport.failure().orElse(null));
    }

    // what changed only in the second side, then the merges the first side lacks
    Map<String, CrmRecord> pending;
    synchronized (changedInSecond) {
      pending = new LinkedHashMap<>(changedInSecond);
    }
    pending.putAll(writeBack);
    ListSource memory = new ListSource(second, new ArrayList<>(pending.values()), pending);
    CRMSync.Config back = toFirst.apply(memory);
    // a pass over records in memory starts afresh each run: no cursor into another run's list
    state.saveCheckpoint(back.jobId(), new Checkpoint(null, null, null, time.now()));
    RequestLimiter noLimit = RequestLimiter.of(RequestBudget.unlimited(), time);
    SyncReport toFirstReport = SyncRunner.pass(back, noLimit, firstLimiter, stopRequested,
        new ToFirst(memory, forSecond, writeBack.keySet())).run();
    if (toFirstReport.status() == SyncReport.Status.COMPLETED) {
      state.saveCheckpoint(secondReadsJob(jobId), new Checkpoint(null, null, readStart, time.now()));
    }
    return new Outcome(toSecondReport, toFirstReport, read, conflicts.sum(), reviews.sum(),
        toFirstReport.failure().orElse(null));
  }

  /**
   * The pairs in review, by first-side id: held until a person resolves them, whatever either side does
   * meanwhile, so that a resolution is never overwritten by, nor overwrites, a later edit unseen.
   */
  private void loadReviews() {
    List<DeadLetter> letters = state.deadLetters(
        DeadLetterQuery.job(jobId).operation(DeadLetter.Operation.REVIEW).limit(DeadLetterQuery.MAX_LIMIT));
    if (letters.size() == DeadLetterQuery.MAX_LIMIT) {
      log.warn("Two-way job {} has {} or more pairs in review; only the oldest {} are held until resolved", jobId,
          letters.size(), letters.size());
    }
    for (DeadLetter d : letters) {
      if (d.recordId() != null) {
        inReview.put(d.recordId(), d);
      }
    }
  }

  /**
   * {@code held} with the versions that changed since it was filed: {@code a} of the first side and
   * {@code b} of the second (each of the second side's shape), either null if unchanged.
   */
  @SuppressWarnings("unchecked")
  private DeadLetter refiled(DeadLetter held, @Nullable CrmRecord a, @Nullable CrmRecord b) {
    Map<String, Object> was = held.record().fields();
    Object base = was.get("base");
    Object secondId = was.get("secondId");
    CrmRecord first = a != null ? a
        : new CrmRecord(type, held.recordId(), (Map<String, Object>) was.getOrDefault("first", Map.of()), null, false);
    CrmRecord secondNow = b != null ? b.withId(secondId != null ? secondId.toString() : b.id())
        : new CrmRecord(type, secondId == null ? null : secondId.toString(),
            (Map<String, Object>) was.getOrDefault("second", Map.of()), null, false);
    DeadLetter d = review(Objects.requireNonNull(held.recordId()), first, secondNow,
        base instanceof Map<?, ?> m ? (Map<String, Object>) m : null);
    inReview.put(held.recordId(), d);
    return d;
  }

  private void alert(String message, Throwable cause) {
    try {
      toSecond.alertSink().alert(new Alert(Alert.Kind.SYNC_FAILED, jobId, message, cause, time.now()));
    } catch (RuntimeException e) {
      log.warn("The AlertSink threw while handling a two-way alert; ignoring it", e);
    }
  }

  /** The second side's records changed since {@code since} (all of them on the first run), by id. */
  private Map<String, CrmRecord> readSecond(@Nullable Instant since) {
    boolean deletes = toFirst.apply(new ListSource(second, List.of(), Map.of())).propagateDeletes();
    ReadRequest request = ReadRequest.of(type)
        .withPageSize(second.capabilities().maxPageSize())
        .withSince(second.capabilities().incrementalReads() ? since : null)
        .withIncludeDeleted(deletes);
    Map<String, CrmRecord> out = new LinkedHashMap<>();
    String cursor = null;
    while (true) {
      String at = cursor;
      Page page = call(secondLimiter, () -> second.read(request.withCursor(at)));
      for (CrmRecord r : page.records()) {
        if (r.id() != null) {
          out.put(r.id(), r);
        }
      }
      cursor = page.nextCursor();
      if (cursor == null) {
        return out;
      }
    }
  }

  /**
   * One call to a side within its request budget: a rate limit is waited out (a spent quota, or a wait longer than a
   * run may wait, is thrown: the next run starts from the same checkpoint), other failures are retried as the retry
   * policy says, then thrown.
   */
  private <T> T call(RequestLimiter limiter, java.util.function.Supplier<T> call) {
    RetryDecider retry = new RetryDecider(toSecond.retryPolicy(), jobId.hashCode());
    int attempts = 0;
    while (true) {
      try {
        RequestLimiter.Permit permit = limiter.acquire(stopRequested::get);
        if (permit == null) {
          throw new IllegalStateException("stopped");
        }
        try (permit) {
          return call.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (io.crmsync.CrmRateLimitException e) {
        if (e.isQuotaExhausted() || e.retryAfter().compareTo(toSecond.maxRateLimitWait()) > 0) {
          throw e;
        }
        limiter.pauseUntil(time.now().plus(e.retryAfter()));
      } catch (io.crmsync.CrmConfigurationException | io.crmsync.CrmAuthenticationException e) {
        throw e;
      } catch (RuntimeException e) {
        attempts++;
        if (!retry.shouldRetry(e, attempts)) {
          throw e;
        }
        try {
          time.sleep(retry.delay(attempts));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The first pass: the first side's changes, merged with the second side's where both changed. */
  private final class ToSecond implements Pairing {
    private final Map<String, CrmRecord> changedInSecond;
    private final Map<String, CrmRecord> writeBack;
    private final TargetFields forSecond;
    /** First-side ids of merges written to the second side that the first side still lacks. */
    private final Set<String> awaitingFirst = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The second side's changed records by match key, for first-side records not linked yet. */
    private @Nullable Map<String, String> byKey;

    private final TargetFields forFirst;
    private final RecordMapper back = mapping.inverse();

    ToSecond(Map<String, CrmRecord> changedInSecond, Map<String, CrmRecord> writeBack, TargetFields forSecond,
        TargetFields forFirst) {
      this.changedInSecond = changedInSecond;
      this.writeBack = writeBack;
      this.forSecond = forSecond;
      this.forFirst = forFirst;
    }

    /**
     * The id of the second side's changed record with {@code a}'s match key, if any: a pair not linked yet
     * (the first run, or a record created on both sides) is found by its key and merged, not overwritten.
     */
    private @Nullable String byKey(CrmRecord a) {
      if (byKey == null) {
        byKey = new java.util.HashMap<>();
        synchronized (changedInSecond) {
          for (CrmRecord b : changedInSecond.values()) {
            String k = toSecond.matchKey().normalize(b.fields().get(toSecond.matchKey().field()));
            if (k != null && b.id() != null && !b.deleted()) {
              byKey.putIfAbsent(k, b.id());
            }
          }
        }
      }
      String k = toSecond.matchKey().normalize(a.fields().get(toSecond.matchKey().field()));
      return k == null ? null : byKey.remove(k);
    }

    @Override
    public List<Item> pair(List<Item> items, UnaryOperator<CrmRecord> forTarget) {
      List<String> ids = new ArrayList<>(items.size());
      for (Item i : items) {
        if (i.record().id() != null) {
          ids.add(i.record().id());
        }
      }
      Map<String, String> links = ids.isEmpty() ? Map.of() : state.linkedIds(type, first.id(), ids, second.id());
      Map<String, Map<String, Object>> bases = ids.isEmpty() ? Map.of() : state.baselines(scope, ids);
      List<Item> out = new ArrayList<>(items.size());
      StateUpdate.Builder direct = StateUpdate.builder();
      for (Item item : items) {
        CrmRecord a = item.record();
        String aId = a.id();
        if (aId == null) {
          out.add(item);
          continue;
        }
        Map<String, Object> base = bases.get(aId);
        String bId = links.get(aId);
        if (bId == null) {
          bId = byKey(a);
          if (bId != null) {
            // a pair found by its key: linked both ways now, whether or not either side needs a write
            direct.link(new IdLink(type, first.id(), aId, second.id(), bId));
            direct.link(new IdLink(type, second.id(), bId, first.id(), aId));
          }
        }
        CrmRecord b = bId == null ? null : changedInSecond.get(bId);
        DeadLetter held = inReview.get(aId);
        if (held != null) {
          // in review: written nowhere; the review shows what each side holds now
          if (b != null) {
            changedInSecond.remove(bId);
          }
          direct.deadLetter(refiled(held, a, b == null || b.deleted() ? null : forTarget.apply(b)));
          continue;
        }
        if (b != null && b.deleted()) {
          if (base != null && Values.sameOn(a.fields(), base, a.fields().keySet())) {
            continue; // deleted there, not changed here: the second pass settles the deletion by policy
          }
          // changed here since they last agreed: the change wins over the deletion and is written there again
          changedInSecond.remove(bId);
          out.add(item);
          continue;
        }
        if (b == null) {
          // on the fields it has: a field it lacks has nothing to say (see merge)
          if (base == null || !Values.sameOn(a.fields(), base, a.fields().keySet())) {
            out.add(item);
          }
          continue;
        }
        changedInSecond.remove(bId);
        CrmRecord bCut = forTarget.apply(b);
        Map<String, Object> merged = merge(aId, base, a, bCut, b);
        if (merged == null) {
          direct.deadLetter(review(aId, a, bCut, base));
          continue;
        }
        Map<String, Object> cut = forTarget.apply(a.withFields(merged)).fields();
        boolean writeSecond = !Values.sameOn(cut, bCut.fields(), union(cut.keySet(), bCut.fields().keySet()));
        boolean writeFirst = !sameForFirst(a.withFields(merged), a);
        if (writeFirst) {
          writeBack.put(bId, b.withFields(merged));
          awaitingFirst.add(aId);
        }
        if (writeSecond) {
          CrmRecord r = a.withFields(cut);
          out.add(new Item(r, Fingerprints.of(r), item.page()));
        } else if (!writeFirst && (base == null || !Values.sameOn(cut, base, union(cut.keySet(), base.keySet())))) {
          direct.baseline(new Baseline(scope, aId, cut)); // both already agree: remember it
        }
      }
      StateUpdate update = direct.build();
      if (!update.isEmpty()) {
        state.apply(update);
      }
      return out;
    }

    @Override
    public void deleted(String aId, String bId) {
      changedInSecond.remove(bId); // read before it was deleted: not to be written back to the first side
    }

    @Override
    public boolean keepOnDelete(String aId, String bId) {
      if (inReview.containsKey(aId)) {
        return true; // a person decides
      }
      CrmRecord b = changedInSecond.get(bId);
      if (b == null || b.deleted()) {
        return false;
      }
      Map<String, Object> base = state.baselines(scope, List.of(aId)).get(aId);
      Map<String, Object> now = forSecond.filter(b, null).fields();
      // changed there since they last agreed: the second pass writes it back to the first side
      return base == null || !Values.sameOn(now, base, now.keySet());
    }

    /**
     * Whether the first side would get the same from {@code x} as from {@code y}, both of the second side's
     * shape: mapped back and cut to what it takes, as the second pass would write them.
     */
    private boolean sameForFirst(CrmRecord x, CrmRecord y) {
      try {
        Map<String, Object> fx = forFirst.filter(back.map(x, RecordMapper.Direction.TO_TARGET), null).fields();
        Map<String, Object> fy = forFirst.filter(back.map(y, RecordMapper.Direction.TO_TARGET), null).fields();
        return Values.sameOn(fx, fy, union(fx.keySet(), fy.keySet()));
      } catch (RuntimeException e) {
        return false; // the second pass maps it again and dead-letters it with the reason
      }
    }

    @Override
    public void written(Item item, String targetId, StateUpdate.Builder update) {
      String aId = item.record().id();
      if (aId == null) {
        return;
      }
      // the engine links this id to the written one; the link the other way, saved from the second side,
      // goes to this id too, so that the second pass finds the pair even where an earlier record of the
      // first side with the same key had linked the second side's record to itself
      update.link(new IdLink(type, second.id(), targetId, first.id(), aId));
      // a merge the first side still lacks is no agreement yet: the baseline moves once the second pass
      // writes it there, and if that pass fails, the next run finds the second side changed and writes it then
      if (!awaitingFirst.contains(aId)) {
        update.baseline(new Baseline(scope, aId, item.record().fields()));
      }
    }
  }

  /** The second pass: what changed only in the second side, and the merges the first side lacks. */
  private final class ToFirst implements Pairing {
    private final ListSource memory;
    private final TargetFields forSecond;
    private final RecordMapper back = mapping.inverse();

    /** Second-side ids of merges the first side lacks: written whatever their baseline says. */
    private final Set<String> forced;

    ToFirst(ListSource memory, TargetFields forSecond, Set<String> forced) {
      this.memory = memory;
      this.forSecond = forSecond;
      this.forced = forced;
    }

    @Override
    public List<Item> pair(List<Item> items, UnaryOperator<CrmRecord> forTarget) {
      List<String> bIds = new ArrayList<>(items.size());
      for (Item i : items) {
        if (i.record().id() != null) {
          bIds.add(i.record().id());
        }
      }
      Map<String, String> links = bIds.isEmpty() ? Map.of() : state.linkedIds(type, second.id(), bIds, first.id());
      Map<String, Map<String, Object>> bases = links.isEmpty() ? Map.of() : state.baselines(scope, links.values());
      List<Item> out = new ArrayList<>(items.size());
      StateUpdate.Builder direct = StateUpdate.builder();
      for (Item item : items) {
        String bId = item.record().id();
        String aId = bId == null ? null : links.get(bId);
        DeadLetter held = aId == null ? null : inReview.get(aId);
        if (held != null) {
          CrmRecord original = memory.record(bId);
          if (original != null && !original.deleted()) {
            direct.deadLetter(refiled(held, null, forSecond.filter(original, null)));
          }
          continue;
        }
        Map<String, Object> base = aId == null ? null : bases.get(aId);
        if (base != null && !forced.contains(bId)) {
          // what the first side would get from the baseline: if that is what it gets now, nothing changed
          CrmRecord expected = forTarget.apply(back.map(item.record().withFields(base), RecordMapper.Direction.TO_TARGET));
          CrmRecord now = item.record();
          if (Values.sameOn(now.fields(), expected.fields(), now.fields().keySet())) {
            continue;
          }
        }
        out.add(item);
      }
      StateUpdate update = direct.build();
      if (!update.isEmpty()) {
        state.apply(update);
      }
      return out;
    }

    @Override
    public void written(Item item, String targetId, StateUpdate.Builder update) {
      String bId = item.record().id();
      if (bId == null) {
        return;
      }
      update.link(new IdLink(type, first.id(), targetId, second.id(), bId)); // as in the first pass
      CrmRecord original = memory.record(bId);
      if (original != null) {
        update.baseline(new Baseline(scope, targetId, forSecond.filter(original, null).fields()));
      }
    }
  }

  /**
   * Field by field against {@code base}: what one side changed is taken, what both changed to different
   * values goes to the policy. Null if the policy sends the pair to review.
   */
  private @Nullable Map<String, Object> merge(String aId, @Nullable Map<String, Object> base, CrmRecord a,
      CrmRecord bCut, CrmRecord b) {
    Map<String, Object> out = new LinkedHashMap<>();
    Set<String> names = new LinkedHashSet<>(a.fields().keySet());
    names.addAll(bCut.fields().keySet());
    if (base != null) {
      names.addAll(base.keySet());
    }
    for (String f : names) {
      Object va = a.fields().get(f);
      Object vb = bCut.fields().get(f);
      Object v0 = base == null ? null : base.get(f);
      Object value;
      if (Values.same(va, vb)) {
        value = va;
      } else if (va == null || vb == null) {
        // a side without a value has nothing to say: records hold no empty values, and the CRMs' updates keep
        // what a write leaves out, so an emptied field takes the other side's value rather than emptying it
        value = va == null ? vb : va;
      } else if (base != null && Values.same(va, v0)) {
        value = vb; // only the second side changed it
      } else if (base != null && Values.same(vb, v0)) {
        value = va; // only the first side changed it
      } else {
        FieldConflict c = new FieldConflict(aId, f, v0, va, vb, a.modifiedAt(), b.modifiedAt());
        Resolution r;
        try {
          r = policy.resolve(c);
        } catch (RuntimeException e) {
          log.debug("The conflict policy of {} threw on {}; the pair goes to review", jobId, f, e);
          r = Resolution.review();
        }
        if (r == null || r.isReview()) {
          reviews.increment();
          return null;
        }
        conflicts.increment();
        value = r.valueFor(c);
      }
      if (value != null) {
        out.put(f, value);
      }
    }
    return out;
  }

  private DeadLetter review(String aId, CrmRecord a, CrmRecord b, @Nullable Map<String, Object> base) {
    Set<String> fields = new LinkedHashSet<>();
    for (String f : union(a.fields().keySet(), b.fields().keySet())) {
      Object v0 = base == null ? null : base.get(f);
      Object va = a.fields().get(f);
      Object vb = b.fields().get(f);
      if (!Values.same(va, vb) && !Values.same(va, v0) && !Values.same(vb, v0)) {
        fields.add(f);
      }
    }
    Map<String, Object> held = new LinkedHashMap<>();
    held.put("first", a.fields());
    held.put("second", b.fields());
    if (base != null) {
      held.put("base", base);
    }
    if (b.id() != null) {
      held.put("secondId", b.id());
    }
    return DeadLetter.builder(jobId, DeadLetter.Operation.REVIEW, new CrmRecord(type, aId, held, a.modifiedAt(), false))
        .errorCode("CONFLICT")
        .message("changed on both sides since they last agreed: " + String.join(", ", fields))
        .at(time.now())
        .build();
  }

  private static Set<String> union(Set<String> x, Set<String> y) {
    Set<String> out = new LinkedHashSet<>(x);
    out.addAll(y);
    return out;
  }
}

package io.crmsync.gateway.internal;

import io.crmsync.Alert;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.backend.Settlement;
import io.crmsync.gateway.Target;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one target's queue: leases what is due, drops what was already settled, merges what waits for one
 * record into one write, writes in batches of the adapter's size, and settles each record's tasks with its
 * statuses. A failure of the whole target (down, out of budget, credentials refused) pauses this target alone
 * and puts its work back whole; a record the target refuses is retried or dead-lettered alone. Thread-safe: one
 * round at a time.
 */
public final class TargetWorker {
  private static final Logger log = LoggerFactory.getLogger(TargetWorker.class);

  private final GatewayEngine engine;
  private final Target target;
  private final String topic;
  private final String workerId = "gateway-" + UUID.randomUUID();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Instant pausedUntil = Instant.MIN;
  private int consecutiveFailures;

  TargetWorker(GatewayEngine engine, Target target) {
    this.engine = engine;
    this.target = target;
    this.topic = GatewayEngine.topic(target.name());
  }

  static String statusScope(String target) {
    return "gateway/status/" + target;
  }

  static String appliedScope(String target) {
    return "gateway/applied/" + target;
  }

  static String idScope(String target) {
    return "gateway/id/" + target;
  }

  public String name() {
    return target.name();
  }

  public String topic() {
    return topic;
  }

  /** Until when the target is paused after a failure of the whole target; {@link Instant#MIN} if it is not. */
  public Instant pausedUntil() {
    return pausedUntil;
  }

  /** When this worker next has something to do: now, the end of its pause, or the queue's next due task. */
  public Optional<Instant> nextDueAt() {
    Instant now = engine.settings.time().now();
    if (pausedUntil.isAfter(now)) {
      return Optional.of(pausedUntil);
    }
    if (engine.settings.backend().queue().stats(topic).ready() > 0) {
      return Optional.of(now);
    }
    return engine.settings.backend().queue().nextDueAt(topic);
  }

  private record Group(String key, List<LeasedTask> tasks, Pending merged, int attempts) {}

  /**
   * One round: everything due for this target now, up to the lease limit.
   *
   * @return how many queued tasks the round settled
   */
  public int deliverDue() {
    if (!lock.tryLock()) {
      return 0;
    }
    try {
      return round();
    } finally {
      lock.unlock();
    }
  }

  private int round() {
    Instant now = engine.settings.time().now();
    if (pausedUntil.isAfter(now)) {
      return 0;
    }
    TaskQueue queue = engine.settings.backend().queue();
    SyncStateStore store = engine.settings.backend().stateStore();
    List<LeasedTask> leased = new ArrayList<>();
    while (leased.size() < engine.settings.maxLeased()) {
      List<LeasedTask> got = queue.lease(topic, workerId, Math.min(1000, engine.settings.maxLeased() - leased.size()),
          engine.settings.visibilityTimeout());
      if (got.isEmpty()) {
        break;
      }
      leased.addAll(got);
    }
    if (leased.isEmpty()) {
      return 0;
    }
    List<Settlement> settlements = new ArrayList<>();
    StateUpdate.Builder update = StateUpdate.builder();

    // what waits per record, without the receipts this target already settled (a redelivered task)
    Map<String, List<LeasedTask>> tasksByKey = new LinkedHashMap<>();
    Map<String, List<Pending>> partsByKey = new LinkedHashMap<>();
    Set<String> receipts = new HashSet<>();
    Map<LeasedTask, Pending> decoded = new LinkedHashMap<>();
    for (LeasedTask t : leased) {
      Pending p;
      try {
        p = t.value() instanceof Pending v ? v : Pending.read(t.payload());
      } catch (IllegalArgumentException e) {
        settlements.add(Settlement.deadLetter(t, e.getMessage()));
        continue;
      }
      decoded.put(t, p);
      p.refs.forEach(r -> receipts.add(r.receipt()));
    }
    Map<String, String> settled = store.fingerprints(statusScope(target.name()), receipts);
    for (Map.Entry<LeasedTask, Pending> e : decoded.entrySet()) {
      Pending p = e.getValue();
      tasksByKey.computeIfAbsent(p.key, k -> new ArrayList<>()).add(e.getKey());
      boolean done = p.refs.stream().allMatch(r -> isFinal(settled.get(r.receipt())));
      if (!done) {
        partsByKey.computeIfAbsent(p.key, k -> new ArrayList<>()).add(p);
      }
    }
    List<Group> groups = new ArrayList<>();
    for (Map.Entry<String, List<LeasedTask>> e : tasksByKey.entrySet()) {
      List<Pending> parts = partsByKey.get(e.getKey());
      if (parts == null) {
        e.getValue().forEach(t -> settlements.add(Settlement.complete(t, List.of())));
        continue;
      }
      Pending merged = Pending.merge(parts);
      merged.refs.removeIf(r -> isFinal(settled.get(r.receipt())));
      int attempts = e.getValue().stream().mapToInt(LeasedTask::attempts).max().orElse(0);
      groups.add(new Group(e.getKey(), e.getValue(), merged, attempts));
    }

    // drop what a later change already wrote to the target (only possible when tasks were leased out of order)
    Map<String, String> appliedRaw = store.fingerprints(appliedScope(target.name()),
        groups.stream().map(Group::key).toList());
    Map<String, Map<String, Long>> applied = new LinkedHashMap<>();
    appliedRaw.forEach((k, v) -> applied.put(k, Pending.readApplied(v)));
    List<Group> deletes = new ArrayList<>();
    List<Group> upserts = new ArrayList<>();
    List<Group> nothing = new ArrayList<>();
    for (Group g : groups) {
      Map<String, Long> a = applied.getOrDefault(g.key(), Map.of());
      long appliedDelete = a.getOrDefault("", 0L);
      g.merged().fieldSeq.entrySet().removeIf(f -> {
        long s = f.getValue();
        boolean stale = s <= appliedDelete || s <= a.getOrDefault(f.getKey(), 0L);
        if (stale) {
          g.merged().fields.remove(f.getKey());
        }
        return stale;
      });
      long newestField = a.entrySet().stream().filter(x -> !x.getKey().isEmpty()).mapToLong(Map.Entry::getValue)
          .max().orElse(0L);
      boolean delete = g.merged().deleteSeq > appliedDelete && g.merged().deleteSeq > newestField;
      if (!delete) {
        g.merged().deleteSeq = 0;
      }
      if (delete) {
        deletes.add(g);
      }
      if (!g.merged().fields.isEmpty()) {
        upserts.add(g);
      } else if (!delete) {
        nothing.add(g);
      }
    }
    for (Group g : nothing) {
      settle(g, "D", update, settlements, applied.getOrDefault(g.key(), Map.of()));
    }

    int settledTasks = leased.size();
    RuntimeException targetFailure = null;
    Set<Group> done = new HashSet<>(nothing);
    try {
      writeDeletes(deletes, upserts, done, update, settlements, applied);
      writeUpserts(upserts, done, update, settlements, applied);
      consecutiveFailures = 0;
    } catch (RuntimeException e) {
      if (!GatewayEngine.isTargetWide(e)) {
        throw e;
      }
      targetFailure = e;
    }
    if (targetFailure != null) {
      Duration pause = pauseFor(targetFailure);
      pausedUntil = engine.settings.time().now().plus(pause);
      String cause = GatewayEngine.describe(targetFailure);
      log.info("target {} paused for {}: {}", target.name(), pause, cause);
      for (Group g : groups) {
        if (!done.contains(g)) {
          putBack(g, pause, g.attempts(), cause, update, settlements);
        }
      }
    }
    engine.commit(update.build(), settlements);
    return settledTasks;
  }

  private Duration pauseFor(RuntimeException e) {
    consecutiveFailures++;
    if (e instanceof CrmRateLimitException r) {
      if (r.isQuotaExhausted()) {
        engine.alert(Alert.Kind.QUOTA_EXHAUSTED, target.name(), "the target's quota is spent; deliveries wait for "
            + r.retryAfter(), e);
      }
      return r.retryAfter().isNegative() || r.retryAfter().isZero() ? Duration.ofSeconds(1) : r.retryAfter();
    }
    if (e instanceof CrmAuthenticationException) {
      engine.alert(Alert.Kind.AUTHENTICATION_LOST, target.name(), "the target refused the credentials; deliveries "
          + "wait until it accepts them", e);
    }
    return backoff(consecutiveFailures - 1);
  }

  private Duration backoff(int attempts) {
    Duration d = engine.settings.retryBase();
    for (int i = 0; i < attempts && d.compareTo(engine.settings.retryMax()) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(engine.settings.retryMax()) > 0 ? engine.settings.retryMax() : d;
  }

  private static boolean isFinal(@Nullable String status) {
    return status != null && !status.isEmpty() && (status.charAt(0) == 'D' || status.charAt(0) == 'X');
  }

  private void writeDeletes(List<Group> deletes, List<Group> upserts, Set<Group> done, StateUpdate.Builder update,
      List<Settlement> settlements, Map<String, Map<String, Long>> applied) {
    if (deletes.isEmpty()) {
      return;
    }
    CRMAdapter adapter = target.adapter();
    SyncStateStore store = engine.settings.backend().stateStore();
    Map<String, String> ids = store.fingerprints(idScope(target.name()), deletes.stream().map(Group::key).toList());
    Map<String, List<Group>> byType = new LinkedHashMap<>();
    deletes.forEach(g -> byType.computeIfAbsent(g.merged().objectType, t -> new ArrayList<>()).add(g));
    for (Map.Entry<String, List<Group>> e : byType.entrySet()) {
      List<Group> withId = new ArrayList<>();
      List<String> idList = new ArrayList<>();
      for (Group g : e.getValue()) {
        String id = ids.get(g.key());
        if (id == null) {
          Pending m = g.merged();
          id = adapter.lookup(m.objectType, MatchKey.field(m.matchField), String.valueOf(m.matchValue))
              .map(CrmRecord::id).orElse(null);
        }
        if (id == null) {
          // nothing to delete: the record never reached this target, or is gone already
          afterDelete(g, upserts, done, update, settlements, applied);
        } else {
          withId.add(g);
          idList.add(id);
        }
      }
      int size = Math.max(1, adapter.capabilities().maxBatchSize());
      for (int from = 0; from < withId.size(); from += size) {
        int to = Math.min(withId.size(), from + size);
        List<RecordResult> results = adapter.delete(e.getKey(), idList.subList(from, to));
        for (int i = from; i < to; i++) {
          Group g = withId.get(i);
          RecordResult r = results.get(i - from);
          if (r.succeeded() || (r.error() != null && "NOT_FOUND".equals(r.error().code()))) {
            afterDelete(g, upserts, done, update, settlements, applied);
          } else {
            recordFailed(g, r, done, update, settlements);
            upserts.remove(g);
          }
        }
      }
    }
  }

  private void afterDelete(Group g, List<Group> upserts, Set<Group> done, StateUpdate.Builder update,
      List<Settlement> settlements, Map<String, Map<String, Long>> applied) {
    Map<String, Long> a = new LinkedHashMap<>(applied.getOrDefault(g.key(), Map.of()));
    a.put("", g.merged().deleteSeq);
    applied.put(g.key(), a);
    update.fingerprint(new Fingerprint(idScope(target.name()), g.key(), ""));
    if (!upserts.contains(g)) {
      settle(g, "D", update, settlements, a);
      done.add(g);
    }
  }

  private void writeUpserts(List<Group> upserts, Set<Group> done, StateUpdate.Builder update,
      List<Settlement> settlements, Map<String, Map<String, Long>> applied) {
    CRMAdapter adapter = target.adapter();
    Map<String, List<Group>> byType = new LinkedHashMap<>();
    upserts.forEach(g -> byType.computeIfAbsent(g.merged().objectType + "|" + g.merged().matchField,
        t -> new ArrayList<>()).add(g));
    for (List<Group> list : byType.values()) {
      Pending first = list.get(0).merged();
      MatchKey key = MatchKey.field(first.matchField);
      int size = Math.max(1, adapter.capabilities().maxBatchSize());
      for (int from = 0; from < list.size(); from += size) {
        List<Group> batch = list.subList(from, Math.min(list.size(), from + size));
        List<CrmRecord> records = new ArrayList<>(batch.size());
        for (Group g : batch) {
          Map<String, Object> fields = new LinkedHashMap<>(g.merged().fields);
          fields.put(g.merged().matchField, g.merged().matchValue);
          records.add(CrmRecord.of(g.merged().objectType, fields));
        }
        List<RecordResult> results;
        try {
          results = adapter.upsert(first.objectType, records, target.matchKey(first.objectType).field()
              .equals(first.matchField) ? target.matchKey(first.objectType) : key);
        } catch (CrmRequestException e) {
          if (GatewayEngine.isTargetWide(e)) {
            throw e;
          }
          if (batch.size() > 1) {
            // the target refused the call as a whole: write one by one, so that one bad record does not hold the rest
            for (Group g : batch) {
              writeUpserts(new ArrayList<>(List.of(g)), done, update, settlements, applied);
            }
            continue;
          }
          Group g = batch.get(0);
          deadLetter(g, GatewayEngine.describe(e), update, settlements);
          done.add(g);
          continue;
        }
        for (int i = 0; i < batch.size(); i++) {
          Group g = batch.get(i);
          RecordResult r = results.get(i);
          if (r.succeeded()) {
            Map<String, Long> a = new LinkedHashMap<>(applied.getOrDefault(g.key(), Map.of()));
            g.merged().fieldSeq.forEach((f, s) -> a.merge(f, s, Math::max));
            applied.put(g.key(), a);
            if (r.id() != null) {
              update.fingerprint(new Fingerprint(idScope(target.name()), g.key(), r.id()));
            }
            settle(g, "D" + (r.id() == null ? "" : r.id()), update, settlements, a);
            done.add(g);
          } else {
            recordFailed(g, r, done, update, settlements);
          }
        }
      }
    }
  }

  private void recordFailed(Group g, RecordResult r, Set<Group> done, StateUpdate.Builder update,
      List<Settlement> settlements) {
    String cause = r.error() == null ? "failed" : r.error().toString();
    boolean retryable = r.error() != null && r.error().retryable();
    if (retryable && g.attempts() + 1 < engine.settings.maxAttempts()) {
      putBack(g, backoff(g.attempts()), g.attempts() + 1, cause, update, settlements);
    } else {
      deadLetter(g, cause, update, settlements);
    }
    done.add(g);
  }

  /** Completes the record's tasks and queues their merged change once, after {@code delay}. */
  private void putBack(Group g, Duration delay, int attempts, String cause, StateUpdate.Builder update,
      List<Settlement> settlements) {
    Pending merged = g.merged();
    NewTask next = NewTask.carrying(merged, merged::write, delay, attempts);
    List<LeasedTask> tasks = g.tasks();
    settlements.add(Settlement.complete(tasks.get(0), List.of(next)));
    for (int i = 1; i < tasks.size(); i++) {
      settlements.add(Settlement.complete(tasks.get(i), List.of()));
    }
    merged.refs.forEach(r -> update.fingerprint(new Fingerprint(statusScope(target.name()), r.receipt(), "F" + cause)));
  }

  private void deadLetter(Group g, String cause, StateUpdate.Builder update, List<Settlement> settlements) {
    log.warn("target {} gave up on a {} change: {}", target.name(), g.merged().objectType, cause);
    g.tasks().forEach(t -> settlements.add(Settlement.deadLetter(t, cause)));
    g.merged().refs.forEach(r -> update.fingerprint(new Fingerprint(statusScope(target.name()), r.receipt(), "X" + cause)));
  }

  private void settle(Group g, String status, StateUpdate.Builder update,
      List<Settlement> settlements, Map<String, Long> applied) {
    g.tasks().forEach(t -> settlements.add(Settlement.complete(t, List.of())));
    g.merged().refs.forEach(r -> update.fingerprint(new Fingerprint(statusScope(target.name()), r.receipt(), status)));
    if (!applied.isEmpty()) {
      Map<String, Long> fields = new LinkedHashMap<>(applied);
      long d = fields.getOrDefault("", 0L);
      fields.remove("");
      update.fingerprint(new Fingerprint(appliedScope(target.name()), g.key(), Pending.writeApplied(fields, d)));
    }
  }
}

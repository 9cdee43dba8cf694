package io.crmsync.state.internal;

import io.crmsync.state.Baseline;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@link SyncStateStore#inMemory()}. Links and fingerprints, one of each per record synced, sit in
 * {@link CompactStringMap}s: a million-record sync keeps them in a few flat arrays rather than millions of
 * map entries for the garbage collector to trace.
 *
 * <p>A link is stored once, in the table of the side that saved it: one link per id of that side, the
 * last one saved. Links read from the other side are found by asking that table which keys hold the id,
 * which the map answers from a value index of its own, built on the first such question (a one-way sync
 * asks it only once it propagates deletes) and costing two ints per link. No link is copied into the
 * other side's table: a copy there would share its key with the links that side saves itself, and
 * replace them or outlive the link it copied.
 */
public final class InMemorySyncStateStore implements SyncStateStore {
  private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();
  private final Map<PairKey, LinkPair> links = new ConcurrentHashMap<>();
  private final Map<String, CompactStringMap> fingerprints = new ConcurrentHashMap<>();
  private final Map<String, JobDeadLetters> deadLetters = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Map<String, Object>>> baselines = new ConcurrentHashMap<>();

  /** A job's dead letters in the order they were last written, one per record id and operation. */
  private static final class JobDeadLetters {
    private final LinkedHashMap<Object, DeadLetter> byRecord = new LinkedHashMap<>();

    private static Object key(DeadLetter.Operation operation, String recordId) {
      return List.of(operation, recordId);
    }

    synchronized void add(DeadLetter d) {
      String id = d.record().id();
      // a letter for a record without an id has nothing to be the same record as: a key of its own
      Object key = id == null ? new Object() : key(d.operation(), id);
      DeadLetter earlier = byRecord.remove(key); // so that a replaced letter moves to the end
      if (earlier != null && earlier.firstFailedAt().isBefore(d.firstFailedAt())) {
        d = d.toBuilder().firstFailedAt(earlier.firstFailedAt()).build();
      }
      byRecord.put(key, d);
    }

    synchronized void resolve(DeadLetter.Operation operation, String recordId) {
      byRecord.remove(key(operation, recordId));
    }

    synchronized List<DeadLetter> select(DeadLetterQuery query) {
      List<DeadLetter> out = new ArrayList<>(Math.min(query.limit(), byRecord.size()));
      for (DeadLetter d : byRecord.values()) {
        if (out.size() >= query.limit()) {
          break;
        }
        if (query.matches(d)) {
          out.add(d);
        }
      }
      return out;
    }

    synchronized long remove(DeadLetterQuery query) {
      long removed = 0;
      for (Iterator<DeadLetter> it = byRecord.values().iterator(); it.hasNext() && removed < query.limit(); ) {
        if (query.matches(it.next())) {
          it.remove();
          removed++;
        }
      }
      return removed;
    }

    synchronized long count() {
      return byRecord.size();
    }
  }

  /** Systems in a fixed order, so that links saved from either side meet in one {@link LinkPair}. */
  private record PairKey(String objectType, String first, String second) {
    static PairKey of(String objectType, String a, String b) {
      return a.compareTo(b) <= 0 ? new PairKey(objectType, a, b) : new PairKey(objectType, b, a);
    }

    /** 0 for links from {@code first} to {@code second}, 1 the other way. */
    int direction(String fromSystem) {
      return fromSystem.equals(first) ? 0 : 1;
    }
  }

  /** The links of one object type between two systems. */
  private static final class LinkPair {
    /**
     * Shared by writers of links and by readers, which read both tables; taken alone to remove links,
     * which changes both, so that a reader sees all of a batch's unlinks or none.
     */
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Per {@linkplain PairKey#direction direction}, from id to to id: the links saved from that side. */
    final CompactStringMap[] savedFrom;

    LinkPair(PairKey key) {
      CompactStringMap first = new CompactStringMap();
      // a system linked to itself: one table holds the links saved from either side
      savedFrom = key.first().equals(key.second())
          ? new CompactStringMap[] {first, first}
          : new CompactStringMap[] {first, new CompactStringMap()};
    }
  }

  private static boolean sameDirection(IdLink a, IdLink b) {
    return a.objectType().equals(b.objectType()) && a.fromSystem().equals(b.fromSystem())
        && a.toSystem().equals(b.toSystem());
  }

  /** What is done with one run of links of one object type between two systems, in one direction. */
  private interface RunAction {
    void accept(PairKey key, int direction, List<IdLink> run);
  }

  /**
   * Calls {@code action} once per run of consecutive links in the same direction: a batch's links are
   * nearly always between the same two systems, so each run is written under one lock.
   */
  private static void forEachRun(List<IdLink> links, RunAction action) {
    for (int from = 0, to; from < links.size(); from = to) {
      IdLink first = links.get(from);
      to = from + 1;
      while (to < links.size() && sameDirection(first, links.get(to))) {
        to++;
      }
      PairKey key = PairKey.of(first.objectType(), first.fromSystem(), first.toSystem());
      action.accept(key, key.direction(first.fromSystem()), links.subList(from, to));
    }
  }

  private LinkPair links(PairKey key) {
    return links.computeIfAbsent(key, LinkPair::new);
  }

  @Override
  public Optional<Checkpoint> checkpoint(String jobId) {
    return Optional.ofNullable(checkpoints.get(Objects.requireNonNull(jobId, "jobId")));
  }

  @Override
  public void saveCheckpoint(String jobId, Checkpoint checkpoint) {
    checkpoints.put(Objects.requireNonNull(jobId, "jobId"), Objects.requireNonNull(checkpoint, "checkpoint"));
  }

  /** The id's own link if it saved one, else one of the links saved from the other side that name it. */
  @Override
  public Map<String, String> linkedIds(
      String objectType, String fromSystem, Collection<String> fromIds, String toSystem) {
    Objects.requireNonNull(fromIds, "fromIds");
    PairKey key = PairKey.of(objectType, fromSystem, toSystem);
    LinkPair pair = links.get(key);
    if (pair == null || fromIds.isEmpty()) {
      return Map.of();
    }
    int direction = key.direction(fromSystem);
    pair.lock.readLock().lock();
    try {
      Map<String, String> own = pair.savedFrom[direction].getAll(fromIds);
      List<String> rest = new ArrayList<>();
      for (String id : fromIds) {
        if (!own.containsKey(id)) {
          rest.add(id);
        }
      }
      Map<String, List<String>> pointing = rest.isEmpty() ? Map.of() : pair.savedFrom[1 - direction].keysOf(rest);
      if (pointing.isEmpty()) {
        return own;
      }
      Map<String, String> out = new HashMap<>(own);
      pointing.forEach((id, linked) -> out.put(id, linked.get(0)));
      return out;
    } finally {
      pair.lock.readLock().unlock();
    }
  }

  /** The link the id saved itself, and the links saved from the other side that name it. */
  @Override
  public Map<String, Set<String>> allLinkedIds(
      String objectType, String fromSystem, Collection<String> fromIds, String toSystem) {
    Objects.requireNonNull(fromIds, "fromIds");
    PairKey key = PairKey.of(objectType, fromSystem, toSystem);
    LinkPair pair = links.get(key);
    if (pair == null || fromIds.isEmpty()) {
      return Map.of();
    }
    int direction = key.direction(fromSystem);
    Map<String, String> own;
    Map<String, List<String>> pointing;
    pair.lock.readLock().lock();
    try {
      own = pair.savedFrom[direction].getAll(fromIds);
      pointing = pair.savedFrom[1 - direction].keysOf(fromIds);
    } finally {
      pair.lock.readLock().unlock();
    }
    Map<String, Set<String>> out = new HashMap<>();
    own.forEach((from, to) -> out.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to));
    pointing.forEach((from, tos) -> out.computeIfAbsent(from, k -> new LinkedHashSet<>()).addAll(tos));
    return out;
  }

  @Override
  public Map<String, String> fingerprints(String scope, Collection<String> keys) {
    CompactStringMap byKey = fingerprints.get(scope);
    return byKey == null ? Map.of() : byKey.getAll(keys);
  }

  @Override
  public Map<String, Map<String, Object>> baselines(String scope, Collection<String> keys) {
    Map<String, Map<String, Object>> byKey = baselines.get(Objects.requireNonNull(scope, "scope"));
    if (byKey == null) {
      return Map.of();
    }
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (String key : keys) {
      Map<String, Object> fields = byKey.get(key);
      if (fields != null) {
        out.put(key, fields);
      }
    }
    return out;
  }

  @Override
  public void apply(StateUpdate update) {
    forEachRun(update.links(), (key, direction, run) -> {
      LinkPair pair = links(key);
      pair.lock.readLock().lock();
      try {
        pair.savedFrom[direction].putAll(run, IdLink::fromId, IdLink::toId);
      } finally {
        pair.lock.readLock().unlock();
      }
    });
    unlink(update.unlinks());
    // a batch's fingerprints are nearly always in one scope: each run of them is written in one step
    List<Fingerprint> fps = update.fingerprints();
    for (int from = 0, to; from < fps.size(); from = to) {
      String scope = fps.get(from).scope();
      to = from + 1;
      while (to < fps.size() && fps.get(to).scope().equals(scope)) {
        to++;
      }
      fingerprints.computeIfAbsent(scope, k -> new CompactStringMap())
          .putAll(fps.subList(from, to), Fingerprint::key, Fingerprint::value);
    }
    for (Baseline b : update.baselines()) {
      baselines.computeIfAbsent(b.scope(), k -> new ConcurrentHashMap<>()).put(b.key(), b.fields());
    }
    for (StateUpdate.Resolved r : update.resolved()) {
      JobDeadLetters j = deadLetters.get(r.jobId());
      if (j != null) {
        j.resolve(r.operation(), r.recordId());
      }
    }
    for (DeadLetter d : update.deadLetters()) {
      deadLetters.computeIfAbsent(d.jobId(), k -> new JobDeadLetters()).add(d);
    }
  }

  /** Removes each link from the tables of both sides, where it was saved from either or both. */
  private void unlink(List<IdLink> unlinks) {
    forEachRun(unlinks, (key, direction, run) -> {
      LinkPair pair = links.get(key);
      if (pair == null) {
        return; // nothing was ever linked between these systems
      }
      pair.lock.writeLock().lock();
      try {
        pair.savedFrom[direction].removeAll(run, IdLink::fromId, IdLink::toId);
        pair.savedFrom[1 - direction].removeAll(run, IdLink::toId, IdLink::fromId);
      } finally {
        pair.lock.writeLock().unlock();
      }
    });
  }

  @Override
  public List<DeadLetter> deadLetters(DeadLetterQuery query) {
    JobDeadLetters j = deadLetters.get(query.jobId());
    return j == null ? List.of() : j.select(query);
  }

  @Override
  public long removeDeadLetters(DeadLetterQuery query) {
    JobDeadLetters j = deadLetters.get(query.jobId());
    return j == null ? 0 : j.remove(query);
  }

  @Override
  public long deadLetterCount(String jobId) {
    JobDeadLetters j = deadLetters.get(Objects.requireNonNull(jobId, "jobId"));
    return j == null ? 0 : j.count();
  }

  @Override
  public String toString() {
    return "SyncStateStore.inMemory()";
  }
}

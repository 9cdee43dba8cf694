package io.crmsync.state.internal;

import io.crmsync.internal.Checks;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.Settlement;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * {@link SyncStateStore#inMemory()}. Links and fingerprints, one of each per record synced, sit in
 * {@link CompactStringMap}s: a million-record sync keeps them in a few flat arrays rather than millions of
 * map entries for the garbage collector to trace.
 *
 * <p>A link is stored in the direction it was saved. The other direction, which a one-way sync never
 * reads, is indexed on its first read and kept up to date from then on. {@link #allLinkedIds} asks a
 * table which keys hold a value, which the map answers from a value index of its own, likewise built on
 * the first such question (that is, once a sync propagates deletes).
 */
public final class InMemorySyncStateStore implements SyncStateStore {
  private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();
  private final Map<PairKey, LinkPair> links = new ConcurrentHashMap<>();
  private final Map<String, CompactStringMap> fingerprints = new ConcurrentHashMap<>();
  private final Map<String, JobDeadLetters> deadLetters = new ConcurrentHashMap<>();

  /** A job's dead letters in the order they were last written, one per record id and operation. */
  private static final class JobDeadLetters {
    private final LinkedHashMap<Object, DeadLetter> byRecord = new LinkedHashMap<>();

    synchronized void add(DeadLetter d) {
      String id = d.record().id();
      // a letter for a record without an id has nothing to be the same record as: a key of its own
      Object key = id == null ? new Object() : List.of(d.operation(), id);
      byRecord.remove(key); // so that a replaced letter moves to the end
      byRecord.put(key, d);
    }

    synchronized List<DeadLetter> first(int limit) {
      List<DeadLetter> out = new ArrayList<>(Math.min(limit, byRecord.size()));
      for (DeadLetter d : byRecord.values()) {
        if (out.size() >= limit) {
          break;
        }
        out.add(d);
      }
      return out;
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
     * Shared by writers of links and readers of all of an id's links; taken alone to index a direction
     * from the other one, and to remove links, which changes both directions and reads them.
     */
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final LinkTable[] byDirection;

    LinkPair(PairKey key) {
      LinkTable forward = new LinkTable();
      if (key.first().equals(key.second())) {
        forward.complete = true; // a system linked to itself: one table serves both directions
        byDirection = new LinkTable[] {forward, forward};
      } else {
        byDirection = new LinkTable[] {forward, new LinkTable()};
      }
    }
  }

  private static final class LinkTable {
    /** From id to to id. */
    final CompactStringMap ids = new CompactStringMap();
    /** Whether it holds the links saved from the other side too; set on the first read. */
    volatile boolean complete;
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

  @Override
  public Map<String, String> linkedIds(
      String objectType, String fromSystem, Collection<String> fromIds, String toSystem) {
    PairKey key = PairKey.of(objectType, fromSystem, toSystem);
    LinkPair pair = links.get(key);
    if (pair == null) {
      return Map.of();
    }
    int direction = key.direction(fromSystem);
    LinkTable table = pair.byDirection[direction];
    if (!table.complete) {
      pair.lock.writeLock().lock();
      try {
        if (!table.complete) {
          // in slices, so that a million links are not all decoded at once; writers wait on the pair's
          // lock, so nothing can take these two maps' locks in the other order meanwhile
          List<Map.Entry<String, String>> slice = new ArrayList<>();
          pair.byDirection[1 - direction].ids.forEach((from, to) -> {
            slice.add(Map.entry(to, from));
            if (slice.size() == 10_000) {
              table.ids.putAllAbsent(slice, Map.Entry::getKey, Map.Entry::getValue);
              slice.clear();
            }
          });
          table.ids.putAllAbsent(slice, Map.Entry::getKey, Map.Entry::getValue);
          table.complete = true;
        }
      } finally {
        pair.lock.writeLock().unlock();
      }
    }
    return table.ids.getAll(fromIds);
  }

  /**
   * The id's own link in its direction, and the links of the other direction that point at it: saved
   * from there, or (once that direction was indexed) copies of links saved from here.
   */
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
      own = pair.byDirection[direction].ids.getAll(fromIds);
      pointing = pair.byDirection[1 - direction].ids.keysOf(fromIds);
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
  public void apply(StateUpdate update) {
    forEachRun(update.links(), (key, direction, run) -> {
      LinkPair pair = links(key);
      pair.lock.readLock().lock();
      try {
        pair.byDirection[direction].ids.putAll(run, IdLink::fromId, IdLink::toId);
        LinkTable reverse = pair.byDirection[1 - direction];
        if (reverse.complete) {
          reverse.ids.putAll(run, IdLink::toId, IdLink::fromId);
        }
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
    for (DeadLetter d : update.deadLetters()) {
      deadLetters.computeIfAbsent(d.jobId(), k -> new JobDeadLetters()).add(d);
    }
  }

  /**
   * Removes each link from both directions. An id that loses the link its direction held gets another of
   * its links there, if it has one and that direction is indexed (an unindexed one picks it up when it is).
   */
  private void unlink(List<IdLink> unlinks) {
    forEachRun(unlinks, (key, direction, run) -> {
      LinkPair pair = links.get(key);
      if (pair == null) {
        return; // nothing was ever linked between these systems
      }
      LinkTable forward = pair.byDirection[direction];
      LinkTable reverse = pair.byDirection[1 - direction];
      pair.lock.writeLock().lock();
      try {
        List<IdLink> fromGone = forward.ids.removeAll(run, IdLink::fromId, IdLink::toId);
        List<IdLink> toGone = reverse.ids.removeAll(run, IdLink::toId, IdLink::fromId);
        if (forward.complete) {
          relink(forward, fromGone, IdLink::fromId, reverse);
        }
        if (reverse.complete) {
          relink(reverse, toGone, IdLink::toId, forward);
        }
      } finally {
        pair.lock.writeLock().unlock();
      }
    });
  }

  /** Links each id of {@code gone} in {@code table} to one of the ids that {@code other} links to it, if any. */
  private static void relink(LinkTable table, List<IdLink> gone, Function<IdLink, String> id, LinkTable other) {
    if (gone.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>(gone.size());
    for (IdLink l : gone) {
      ids.add(id.apply(l));
    }
    List<Map.Entry<String, String>> replacements = new ArrayList<>();
    other.ids.keysOf(ids).forEach((linked, others) -> replacements.add(Map.entry(linked, others.get(0))));
    table.ids.putAll(replacements, Map.Entry::getKey, Map.Entry::getValue);
  }

  /**
   * Settles first and applies only if the task was still the caller's: dead letters are appended, not
   * idempotent, so a worker that lost its lease must not record them.
   */
  @Override
  public boolean applyAndSettle(StateUpdate update, TaskQueue queue, Settlement settlement) {
    if (!settlement.applyTo(queue)) {
      return false;
    }
    if (!update.isEmpty()) {
      apply(update);
    }
    return true;
  }

  @Override
  public List<DeadLetter> deadLetters(String jobId, int limit) {
    Checks.notNegative(limit, "limit");
    JobDeadLetters j = deadLetters.get(Objects.requireNonNull(jobId, "jobId"));
    return j == null ? List.of() : j.first(limit);
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

package io.crmsync.state.internal;

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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** {@link SyncStateStore#inMemory()}: concurrent maps. */
public final class InMemorySyncStateStore implements SyncStateStore {
  private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();
  /** Links by direction (objectType, from system, to system), then by from id: no per-entry key strings. */
  private final Map<Direction, Map<String, String>> links = new ConcurrentHashMap<>();

  private record Direction(String objectType, String fromSystem, String toSystem) {}
  private final Map<String, Map<String, String>> fingerprints = new ConcurrentHashMap<>();
  private final Map<String, JobDeadLetters> deadLetters = new ConcurrentHashMap<>();

  private static final class JobDeadLetters {
    final ConcurrentLinkedQueue<DeadLetter> list = new ConcurrentLinkedQueue<>();
    final AtomicLong count = new AtomicLong();
  }

  private Map<String, String> links(String objectType, String fromSystem, String toSystem) {
    return links.computeIfAbsent(new Direction(objectType, fromSystem, toSystem), k -> new ConcurrentHashMap<>());
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
    Map<String, String> byId = links.get(new Direction(objectType, fromSystem, toSystem));
    if (byId == null) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    for (String id : fromIds) {
      String to = byId.get(id);
      if (to != null) {
        out.put(id, to);
      }
    }
    return out;
  }

  @Override
  public Map<String, String> fingerprints(String scope, Collection<String> keys) {
    Map<String, String> byKey = fingerprints.get(scope);
    if (byKey == null) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    for (String k : keys) {
      String v = byKey.get(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }

  @Override
  public void apply(StateUpdate update) {
    for (IdLink l : update.links()) {
      links(l.objectType(), l.fromSystem(), l.toSystem()).put(l.fromId(), l.toId());
      links(l.objectType(), l.toSystem(), l.fromSystem()).put(l.toId(), l.fromId());
    }
    for (Fingerprint f : update.fingerprints()) {
      fingerprints.computeIfAbsent(f.scope(), k -> new ConcurrentHashMap<>()).put(f.key(), f.value());
    }
    for (DeadLetter d : update.deadLetters()) {
      JobDeadLetters j = deadLetters.computeIfAbsent(d.jobId(), k -> new JobDeadLetters());
      j.list.add(d);
      j.count.incrementAndGet();
    }
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
    JobDeadLetters j = deadLetters.get(jobId);
    List<DeadLetter> out = new ArrayList<>();
    if (j != null) {
      for (DeadLetter d : j.list) {
        if (out.size() >= limit) {
          break;
        }
        out.add(d);
      }
    }
    return out;
  }

  @Override
  public long deadLetterCount(String jobId) {
    JobDeadLetters j = deadLetters.get(jobId);
    return j == null ? 0 : j.count.get();
  }

  @Override
  public String toString() {
    return "SyncStateStore.inMemory()";
  }
}

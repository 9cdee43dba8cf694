package io.crmsync.internal;

import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.internal.TaskCodec.Payload;
import io.crmsync.queue.LeasedTask;
import io.crmsync.state.IdLink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Propagates a batch of source deletions: finds the target records linked to them, keeps those that
 * source records outside the batch are still linked to (duplicates written into one target record all
 * link to it, and it goes with the last of them), and deletes the rest through the {@link BatchWriter}.
 */
final class DeletePlanner {
  private static final Logger log = LoggerFactory.getLogger(DeletePlanner.class);

  private final Run run;
  private final BatchWriter writer;
  /**
   * Held through a whole delete batch, from reading the links to settling: a batch keeps a target record
   * that source records outside it still link to, and removes the links only when it settles, so two
   * batches that deleted the last two such records at once would each keep the target record for the
   * other. Across processes (a shared durable queue) that can still happen; the target record then
   * stays, never the other way round.
   */
  private final ReentrantLock lock = new ReentrantLock();

  DeletePlanner(Run run, BatchWriter writer) {
    this.run = run;
    this.writer = writer;
  }

  void process(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    lock.lock();
    try {
      plan(task, p, permit);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes the target records linked to the batch's source records, except those that a source record
   * outside the batch is still linked to. A source record whose target records all stay is settled as
   * unchanged (and counted in keptShared); its links are removed either way.
   */
  private void plan(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    String type = run.config.objectType();
    String source = run.source.id();
    String target = run.target.id();
    Set<String> ids = new LinkedHashSet<>();
    for (Item i : p.items()) {
      if (i.record().id() != null) {
        ids.add(i.record().id());
      }
    }
    // every target record of each source record (several only in a two-way sync, where the opposite job
    // wrote the target's duplicates into one source record), then every source record of each of those
    Map<String, Set<String>> targetsOf = ids.isEmpty() ? Map.of() : run.state.allLinkedIds(type, source, ids, target);
    Set<String> targetIds = new LinkedHashSet<>();
    targetsOf.values().forEach(targetIds::addAll);
    Map<String, Set<String>> sourcesOf =
        targetIds.isEmpty() ? Map.of() : run.state.allLinkedIds(type, target, targetIds, source);

    List<Item> toDelete = new ArrayList<>();
    List<Item> skipped = new ArrayList<>();
    Map<String, List<String>> deletable = new HashMap<>();
    List<IdLink> keptLinks = new ArrayList<>();
    int kept = 0;
    for (Item item : p.items()) {
      String id = item.record().id();
      Set<String> targets = id == null ? null : targetsOf.get(id);
      if (targets == null || targets.isEmpty()) {
        skipped.add(item); // never written, or its link is gone already: nothing to delete
        continue;
      }
      List<String> going = new ArrayList<>(targets.size());
      for (String targetId : targets) {
        List<String> others = new ArrayList<>();
        for (String other : sourcesOf.getOrDefault(targetId, Set.of())) {
          if (!ids.contains(other)) {
            others.add(other);
          }
        }
        if (others.isEmpty() && run.pairing != null && run.pairing.keepOnDelete(id, targetId)) {
          keptLinks.add(new IdLink(type, source, id, target, targetId));
          log.debug("Job {}: {} {} was deleted in {}, but {} {} changed since they last agreed and stays", run.jobId,
              type, id, source, target, targetId);
        } else if (others.isEmpty()) {
          going.add(targetId);
        } else {
          keptLinks.add(new IdLink(type, source, id, target, targetId));
          log.debug("Job {}: {} {} was deleted in {}, but {} {} stays: {} other record(s) of {} still link to it, such"
              + " as {}", run.jobId, type, id, source, target, targetId, others.size(), source, others.get(0));
        }
      }
      if (going.isEmpty()) {
        kept++;
        skipped.add(item);
      } else {
        toDelete.add(item);
        deletable.put(id, going);
      }
    }
    writer.write(task, p, permit, toDelete, new BatchWriter.Skipped(skipped, kept, keptLinks),
        batch -> deleteTargets(batch, deletable),
        (item, result, out) -> {
          out.deleted++;
          String id = Objects.requireNonNull(item.record().id());
          for (String targetId : deletable.get(id)) {
            out.update.unlink(new IdLink(type, source, id, target, targetId));
            if (run.pairing != null) {
              run.pairing.deleted(id, targetId);
            }
          }
        });
  }

  /**
   * Deletes the target records of {@code batch}, each once, and answers per source record: failed with
   * the first failure among its target records, else deleted. A batch has as many target records as
   * source records, except in a two-way sync with duplicates on both sides; then it may take more than
   * one call (under the one permit: a rare overdraft of the budget, not worth a second wait).
   */
  private List<RecordResult> deleteTargets(List<Item> batch, Map<String, List<String>> deletable) {
    Map<String, Integer> position = new LinkedHashMap<>();
    for (Item i : batch) {
      for (String targetId : deletable.get(i.record().id())) {
        position.putIfAbsent(targetId, position.size());
      }
    }
    List<String> targetIds = new ArrayList<>(position.keySet());
    RecordResult[] byIndex = new RecordResult[targetIds.size()];
    int max = run.target.capabilities().maxBatchSize();
    for (int from = 0; from < targetIds.size(); from += max) {
      List<String> slice = targetIds.subList(from, Math.min(targetIds.size(), from + max));
      List<RecordResult> results = run.target.delete(run.config.objectType(), slice);
      if (results.size() != slice.size()) {
        throw new IllegalStateException(run.target.id() + " returned " + results.size() + " results for "
            + slice.size() + " records");
      }
      for (RecordResult result : results) {
        if (result.index() < 0 || result.index() >= slice.size()) {
          throw new IllegalStateException("result index " + result.index() + " outside the batch of " + slice.size());
        }
        byIndex[from + result.index()] = result;
      }
    }
    List<RecordResult> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      RecordResult outcome = null;
      for (String targetId : deletable.get(batch.get(i).record().id())) {
        RecordResult result = Objects.requireNonNull(byIndex[position.get(targetId)], "no result for a record");
        if (!result.succeeded()) {
          outcome = RecordResult.failed(i, Objects.requireNonNull(result.error()));
          break;
        }
      }
      out.add(outcome != null ? outcome : RecordResult.deleted(i, null));
    }
    return out;
  }
}

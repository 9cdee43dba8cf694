package io.crmsync.internal;

import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.internal.TaskCodec.Op;
import io.crmsync.internal.TaskCodec.Payload;
import io.crmsync.queue.NewTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Regroups records across source pages into batches of the size the target writes best, and enqueues
 * them: a page of 100 from HubSpot does not become a call of 100 to a Salesforce that takes 200 per
 * call, or 10,000 through its bulk path.
 *
 * <p>Upserts go out in batches of the configured size when one is set, else of the target's preferred
 * size; a target with a bulk path is handed groups of up to its maximum whenever at least its bulk
 * threshold of records wait when the buffer is flushed (at the end of the source, or when the reader
 * must wait for room), and as soon as a full maximum has gathered. Deletions go out in batches of the
 * regular size. Used by the reader thread only.
 */
final class Batcher {
  private final Run run;
  private final Flights flights;
  private final int batchSize;
  private final int bulkThreshold;
  private final int bulkSize;
  private final List<Item> upserts = new ArrayList<>();
  private final List<Item> deletes = new ArrayList<>();

  Batcher(Run run, Flights flights) {
    this.run = run;
    this.flights = flights;
    AdapterCapabilities tc = run.target.capabilities();
    this.batchSize = run.config.batchSize();
    boolean bulk = !run.config.batchSizeSet() && tc.hasBulkPath() && tc.maxBatchSize() > batchSize;
    this.bulkThreshold = bulk ? tc.bulkThreshold() : 0;
    this.bulkSize = bulk ? tc.maxBatchSize() : batchSize;
  }

  /** Adds records to write; full batches go out at once. */
  void upsert(List<Item> items) {
    upserts.addAll(items);
    while (upserts.size() >= bulkSize) {
      send(Op.UPSERT, upserts, bulkSize);
    }
  }

  /** Adds source records whose deletion to propagate; full batches go out at once. */
  void delete(List<Item> items) {
    deletes.addAll(items);
    while (deletes.size() >= batchSize) {
      send(Op.DELETE, deletes, batchSize);
    }
  }

  /** Sends everything held back. */
  void flush() {
    if (bulkThreshold > 0 && upserts.size() >= bulkThreshold) {
      send(Op.UPSERT, upserts, upserts.size());
    }
    while (!upserts.isEmpty()) {
      send(Op.UPSERT, upserts, Math.min(batchSize, upserts.size()));
    }
    while (!deletes.isEmpty()) {
      send(Op.DELETE, deletes, Math.min(batchSize, deletes.size()));
    }
  }

  /** The largest group handed to the target. */
  int bulkSize() {
    return bulkSize;
  }

  /** Records held back, not yet enqueued. */
  int held() {
    return upserts.size() + deletes.size();
  }

  /** Enqueues the first {@code n} of {@code buffer} as one task and removes them. */
  private void send(Op op, List<Item> buffer, int n) {
    List<Item> batch = List.copyOf(buffer.subList(0, n));
    buffer.subList(0, n).clear();
    Payload payload = new Payload(run.runId, op, batch);
    run.queue.enqueue(run.topic, List.of(task(run, payload, Duration.ZERO, 0)));
    flights.enqueued(perPage(batch), batch.size());
  }

  /** A task carrying {@code payload} in process, written as JSON only for a queue that stores text. */
  static NewTask task(Run run, Payload payload, Duration delay, int attempts) {
    return NewTask.carrying(payload, () -> run.codec.encode(payload), delay, attempts);
  }

  /** How many of {@code items} came from each page. */
  static Map<Long, Long> perPage(List<Item> items) {
    if (items.isEmpty()) {
      return Map.of();
    }
    long first = items.get(0).page();
    boolean one = true;
    for (Item i : items) {
      if (i.page() != first) {
        one = false;
        break;
      }
    }
    if (one) {
      return Map.of(first, (long) items.size());
    }
    Map<Long, Long> out = new HashMap<>();
    for (Item i : items) {
      out.merge(i.page(), 1L, Long::sum);
    }
    return out;
  }
}

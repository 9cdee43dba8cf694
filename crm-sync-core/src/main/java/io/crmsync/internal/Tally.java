package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The run's counts: what was taken in, and how each record ended. Every record taken in ends in exactly
 * one outcome counter, which is what makes {@link SyncReport#balanced()} a real check. Thread-safe.
 */
final class Tally {
  private final Run run;
  private final long startNanos = System.nanoTime();

  final LongAdder read = new LongAdder();
  final LongAdder retriedDeadLetters = new LongAdder();
  final LongAdder recovered = new LongAdder();
  final LongAdder created = new LongAdder();
  final LongAdder updated = new LongAdder();
  final LongAdder deleted = new LongAdder();
  final LongAdder unchanged = new LongAdder();
  final LongAdder keptShared = new LongAdder();
  final LongAdder dead = new LongAdder();
  final LongAdder held = new LongAdder();
  final LongAdder linked = new LongAdder();
  final LongAdder duplicatesFound = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder rateLimited = new LongAdder();
  private final LongAdder rateLimitWaitNanos = new LongAdder();
  /** Of this run's own records: those settled when read (unchanged, or dead-lettered before any write). */
  final LongAdder settledAtRead = new LongAdder();
  /** Of this run's own records: those put on the queue. */
  final LongAdder enqueued = new LongAdder();
  /** Of this run's own records: those settled by this process's workers. */
  final LongAdder settledOwn = new LongAdder();
  private final Map<String, LongAdder> fieldsLeftOut = new ConcurrentHashMap<>();
  /**
   * Whether the job may have dead letters that a landed record should clear: it had some when the run
   * began, or this run added one.
   */
  private volatile boolean deadLettersExist;

  Tally(Run run, boolean deadLettersExist) {
    this.run = run;
    this.deadLettersExist = deadLettersExist;
  }

  boolean deadLettersExist() {
    return deadLettersExist;
  }

  /** Counts {@code n} dead letters; past the threshold, ends the run with an alert. */
  void addDead(long n) {
    if (n == 0) {
      return;
    }
    deadLettersExist = true;
    dead.add(n);
    long threshold = run.config.deadLetterAlertThreshold();
    if (dead.sum() > threshold) {
      run.fail(Alert.Kind.DEAD_LETTER_THRESHOLD, "more than " + threshold + " records were dead-lettered in this run of "
          + run.jobId + ", so it stopped; the rest is left for the next run. See the dead letters for their causes",
          null);
    }
  }

  void addUnchanged(long count, long kept) {
    unchanged.add(count);
    keptShared.add(kept);
  }

  void rateLimitWait(Duration wait) {
    rateLimitWaitNanos.add(wait.toNanos());
  }

  void fieldLeftOut(String field) {
    fieldsLeftOut.computeIfAbsent(field, k -> new LongAdder()).increment();
  }

  long written() {
    return created.sum() + updated.sum() + deleted.sum();
  }

  Map<String, Long> fieldsLeftOut() {
    Map<String, Long> out = new LinkedHashMap<>();
    new TreeMap<>(fieldsLeftOut).forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  SyncProgress progress(long inFlight) {
    return new SyncProgress(read.sum() + retriedDeadLetters.sum(), written(), unchanged.sum(), dead.sum(), inFlight,
        elapsed());
  }

  /** Records this run took in: read, and dead letters tried again. */
  long takenIn() {
    return read.sum() + retriedDeadLetters.sum();
  }

  SyncReport.Builder report() {
    return SyncReport.builder(run.jobId)
        .read(read.sum())
        .recovered(recovered.sum())
        .retriedDeadLetters(retriedDeadLetters.sum())
        .created(created.sum())
        .updated(updated.sum())
        .deleted(deleted.sum())
        .unchanged(unchanged.sum())
        .keptShared(keptShared.sum())
        .deadLettered(dead.sum())
        .heldForReview(held.sum())
        .linkedToDuplicates(linked.sum())
        .duplicatesFound(duplicatesFound.sum())
        .retries(retries.sum())
        .rateLimited(rateLimited.sum())
        .rateLimitWait(Duration.ofNanos(rateLimitWaitNanos.sum()))
        .duration(elapsed())
        .fieldsLeftOut(fieldsLeftOut());
  }
}

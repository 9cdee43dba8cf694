package io.crmsync.internal;

import io.crmsync.state.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Flight control and checkpoints: how many records are taken in but not settled (bounded, so memory
 * is), and which pages of the pass are safe, so the checkpoint moves past them and never past a record
 * that could still be lost.
 *
 * <p>On a queue in this process, a page is safe once each of its records is settled; on a durable queue
 * (possibly shared with other processes), once each is settled or enqueued, and the queue's unfinished
 * tasks bound memory instead.
 */
final class Flights {
  static final Duration AWAIT_WORK = Duration.ofMillis(20);

  private final Run run;
  private final Tally tally;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long inFlight;
  private @Nullable PageTracker tracker;

  Flights(Run run, Tally tally) {
    this.run = run;
    this.tally = tally;
  }

  /**
   * Starts tracking a pass: as its pages become safe in order, the checkpoint moves to the cursor after
   * them, and when the last page is safe the pass ends with {@code passStarted} as the watermark. The
   * listener hears how recent the changes behind the checkpoint are ({@link
   * io.crmsync.SyncListener#onSettledUpTo}).
   */
  void startPass(@Nullable Instant passSince, Instant passStarted) {
    String job = run.jobId;
    tracker = new PageTracker((next, last, lastModified) -> {
      Checkpoint cp = last
          ? new Checkpoint(null, null, passStarted, run.time.now())
          : new Checkpoint(next, passSince, passStarted, run.time.now());
      run.state.saveCheckpoint(job, cp);
      run.listener.onCheckpoint(job, cp);
      Instant upTo = last && (lastModified == null || lastModified.isBefore(passStarted)) ? passStarted : lastModified;
      if (upTo != null) {
        run.listener.onSettledUpTo(job, upTo);
      }
    });
  }

  /**
   * Page {@code page} of {@code n} records was read, the latest of them modified at {@code lastModified}
   * (null if none says); {@code nextCursor} is null on the pass's last page.
   */
  void register(long page, @Nullable String nextCursor, long n, @Nullable Instant lastModified) {
    Objects.requireNonNull(tracker, "pass not started").register(page, nextCursor, n, lastModified);
  }

  /**
   * Waits until {@code n} more records may be taken in, calling {@code beforeWaiting} first if it must
   * wait (so that records held back for a fuller batch go out, instead of waiting on themselves).
   */
  void acquire(long n, Runnable beforeWaiting) throws InterruptedException {
    if (run.shared) {
      // other processes settle our records too, so only the queue knows how much is in flight
      long maxTasks = Math.max(1, run.config.maxInFlightRecords() / run.config.batchSize());
      boolean flushed = false;
      while (!run.halted() && run.queue.stats(run.topic).unfinished() >= maxTasks) {
        if (!flushed) {
          beforeWaiting.run();
          flushed = true;
        }
        run.queue.awaitWork(run.topic, AWAIT_WORK);
      }
      addInFlight(n);
      return;
    }
    lock.lockInterruptibly();
    try {
      if (inFlight > 0 && inFlight + n > run.config.maxInFlightRecords()) {
        lock.unlock();
        try {
          beforeWaiting.run();
        } finally {
          lock.lock();
        }
      }
      while (inFlight > 0 && inFlight + n > run.config.maxInFlightRecords() && !run.halted()) {
        changed.await(AWAIT_WORK.toNanos(), TimeUnit.NANOSECONDS);
      }
      inFlight += n;
    } finally {
      lock.unlock();
    }
  }

  /** Takes in {@code n} records without waiting: dead letters tried again, which are few and bounded. */
  void addInFlight(long n) {
    lock.lock();
    try {
      inFlight += n;
    } finally {
      lock.unlock();
    }
  }

  /** {@code n} records of {@code page} were settled as they were read (unchanged, or dead-lettered). */
  void settledAtRead(long page, long n) {
    if (n == 0) {
      return;
    }
    tally.settledAtRead.add(n);
    release(n);
    pageSafe(page, n);
  }

  /** Records of these pages were enqueued: on a durable queue, they are safe now. */
  void enqueued(Map<Long, Long> perPage, long n) {
    tally.enqueued.add(n);
    if (run.shared) {
      release(n);
      perPage.forEach(this::pageSafe);
    }
  }

  /** Records of this run's pages were settled by a worker here. */
  void settledByWorker(Map<Long, Long> perPage, long n) {
    tally.settledOwn.add(n);
    if (!run.shared) {
      release(n);
      perPage.forEach(this::pageSafe);
    }
  }

  private void pageSafe(long page, long n) {
    if (page != Item.UNTRACKED && n > 0) {
      Objects.requireNonNull(tracker, "pass not started").settled(page, n);
    }
  }

  private void release(long n) {
    lock.lock();
    try {
      inFlight -= n;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Records taken in and not yet settled (or, on a durable queue, not yet enqueued). */
  long inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /** Wakes a reader waiting for room, so it notices the run is over. */
  void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every record taken in is settled (or, on a durable queue, the job's queue is drained),
   * or the run halts.
   */
  void awaitDrained() throws InterruptedException {
    if (run.shared) {
      while (!run.halted() && run.queue.stats(run.topic).unfinished() > 0) {
        run.queue.awaitWork(run.topic, AWAIT_WORK);
      }
      return;
    }
    lock.lockInterruptibly();
    try {
      while (inFlight > 0 && !run.halted()) {
        changed.await(AWAIT_WORK.toNanos(), TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }
}

package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.queue.LeasedTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The writing side of a run: worker threads that wait for the target's budget, lease a task, and hand it
 * to the {@link BatchWriter}, until the reader is done and the work settled (or, for a worker-only run,
 * the queue has been idle long enough), or the run halts.
 */
final class Workers {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);
  /** The longest an idle worker waits for a delayed task before looking again. */
  private static final Duration MAX_IDLE_WAIT = Duration.ofSeconds(1);
  /** A durable queue wakes waiters itself (LISTEN/NOTIFY), so idle workers may wait longer between checks. */
  private static final Duration AWAIT_SHARED_WORK = Duration.ofMillis(250);

  private final Run run;
  private final Flights flights;
  private final BatchWriter writer;
  private final @Nullable Duration workerOnlyIdleExit;
  private final AtomicInteger busy = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean readerDone;
  private volatile @Nullable Instant idleSince;

  Workers(Run run, Flights flights, BatchWriter writer, @Nullable Duration workerOnlyIdleExit) {
    this.run = run;
    this.flights = flights;
    this.writer = writer;
    this.workerOnlyIdleExit = workerOnlyIdleExit;
  }

  /** Starts the worker threads; each names this process and run in the leases it takes. */
  void start() {
    String process = ProcessHandle.current().pid() + "/" + run.runId.substring(0, 8);
    for (int i = 0; i < run.config.workers(); i++) {
      String workerId = process + "/worker-" + i;
      Thread t = new Thread(() -> loop(workerId), "crm-sync-" + run.jobId + "-worker-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** The reader has taken in everything it will: workers may finish once the work is settled. */
  void readerDone() {
    readerDone = true;
  }

  /** Waits for every worker to end; an interrupt asks the run to stop and is kept for the caller. */
  void join() {
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
          run.requestStop();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop(String workerId) {
    // for log backends that filter by job: every line a worker logs names its job, run and target
    MDC.put("job", run.jobId);
    MDC.put("run", run.runId);
    MDC.put("adapter", run.target.id());
    try {
      while (!run.halted()) {
        // Wait for the target's budget before taking a task, so that a long wait (a Retry-After) never
        // holds a lease past its visibility timeout.
        RequestLimiter.Permit permit = run.targetLimiter.acquire(run::halted);
        if (permit == null) {
          return;
        }
        // Count as busy before leasing, so that an idle worker never takes this worker's fresh lease for
        // an abandoned one and waits until it expires.
        busy.incrementAndGet();
        try {
          List<LeasedTask> tasks = run.halted() ? List.of()
              : run.queue.lease(run.topic, workerId, 1, run.config.visibilityTimeout());
          if (!tasks.isEmpty()) {
            MDC.put("task", tasks.get(0).id());
            try {
              writer.process(tasks.get(0), permit);
            } finally {
              MDC.remove("task");
            }
            continue;
          }
        } finally {
          permit.cancel(); // no-op if the call was made
          busy.decrementAndGet();
        }
        if (finished()) {
          return;
        }
        idle();
      }
    } catch (InterruptedException e) {
      run.requestStop();
    } catch (RuntimeException | Error e) {
      log.debug("Worker {} of job {} failed", workerId, run.jobId, e);
      run.fail(Alert.Kind.SYNC_FAILED, "a worker of " + run.jobId + " failed: " + Messages.oneLine(e), e);
    } finally {
      MDC.clear();
    }
  }

  private boolean finished() {
    if (!readerDone || (!run.shared && flights.inFlight() != 0)) {
      return false;
    }
    boolean empty = run.queue.stats(run.topic).unfinished() == 0;
    if (workerOnlyIdleExit == null || !empty) {
      idleSince = null;
      return empty;
    }
    Instant now = run.time.now();
    Instant since = idleSince;
    if (since == null) {
      idleSince = now;
      return false;
    }
    return Duration.between(since, now).compareTo(workerOnlyIdleExit) >= 0;
  }

  /**
   * Waits for work. When nothing runs and a task is due later (a delayed retry, an abandoned lease), waits
   * until then on the time source, cut short when a task is enqueued; a worker-only run that found the
   * queue empty waits a moment of the time source, so that its idle time passes on a fake clock too.
   */
  private void idle() throws InterruptedException {
    Duration eventWait = run.shared ? AWAIT_SHARED_WORK : Flights.AWAIT_WORK;
    if (busy.get() == 0) {
      Instant now = run.time.now();
      Optional<Instant> next = run.queue.nextDueAt(run.topic);
      Instant deadline = null;
      if (next.isPresent() && next.get().isAfter(now)) {
        Instant cap = now.plus(MAX_IDLE_WAIT);
        deadline = next.get().isBefore(cap) ? next.get() : cap;
      } else if (next.isEmpty() && workerOnlyIdleExit != null) {
        deadline = now.plus(Flights.AWAIT_WORK);
      }
      if (deadline != null) {
        run.time.awaitUntil(deadline,
            d -> run.queue.awaitWork(run.topic, run.shared && d.compareTo(eventWait) < 0 ? eventWait : d));
        return;
      }
    }
    run.queue.awaitWork(run.topic, eventWait);
  }
}

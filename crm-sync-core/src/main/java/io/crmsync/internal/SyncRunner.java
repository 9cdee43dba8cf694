package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.mapping.MappingProblem;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.adapter.spi.RequestLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One run of a {@link CRMSync}: checks the settings against the adapters, starts the {@link Workers},
 * reads on the calling thread with the {@link SourceReader}, waits for the workers, and reports. The
 * parts: {@link Batcher} (regrouping into the target's batch sizes), {@link Flights} (memory bound and
 * checkpoints), {@link BatchWriter} and {@link DeletePlanner} (writing and settling), {@link RateLimits},
 * {@link TargetFields}, and the {@link Tally} of outcomes.
 */
public final class SyncRunner {
  private static final Logger log = LoggerFactory.getLogger(SyncRunner.class);

  private final Run run;
  private final @Nullable Duration workerOnlyIdleExit;
  private final @Nullable DeadLetterQuery replay;

  /**
   * @param workerOnlyIdleExit null for a full run (read the source, write until settled); otherwise the
   *     run only works on tasks already on the queue (another process reads) and ends once the queue has
   *     had no unfinished task for this long
   */
  public SyncRunner(CRMSync.Config config, RequestLimiter sourceLimiter, RequestLimiter targetLimiter,
      AtomicBoolean stopRequested, @Nullable Duration workerOnlyIdleExit) {
    this(config, sourceLimiter, targetLimiter, stopRequested, workerOnlyIdleExit, null, null);
  }

  /** A pass of a two-way sync: {@code pairing} decides what to write, and what it leaves in the state. */
  public static SyncRunner pass(CRMSync.Config config, RequestLimiter sourceLimiter, RequestLimiter targetLimiter,
      AtomicBoolean stopRequested, Pairing pairing) {
    return new SyncRunner(config, sourceLimiter, targetLimiter, stopRequested, null, null, pairing);
  }

  /**
   * A run that replays the dead letters {@code replay} selects instead of reading the source.
   */
  public static SyncRunner replaying(CRMSync.Config config, RequestLimiter sourceLimiter,
      RequestLimiter targetLimiter, AtomicBoolean stopRequested, DeadLetterQuery replay) {
    return new SyncRunner(config, sourceLimiter, targetLimiter, stopRequested, null, replay, null);
  }

  private SyncRunner(CRMSync.Config config, RequestLimiter sourceLimiter, RequestLimiter targetLimiter,
      AtomicBoolean stopRequested, @Nullable Duration workerOnlyIdleExit, @Nullable DeadLetterQuery replay,
      @Nullable Pairing pairing) {
    this.run = new Run(config, sourceLimiter, targetLimiter, stopRequested, pairing);
    this.workerOnlyIdleExit = workerOnlyIdleExit;
    this.replay = replay;
  }

  /**
   * @throws CrmConfigurationException if a setting turns out wrong against the adapters
   */
  public SyncReport run() {
    // the reader runs on the caller's thread: its log lines name the job too, and the caller's keys come back after
    Map<String, String> callersMdc = MDC.getCopyOfContextMap();
    MDC.put("job", run.jobId);
    MDC.put("run", run.runId);
    MDC.put("adapter", run.source.id());
    try {
      return runLogged();
    } finally {
      if (callersMdc == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(callersMdc);
      }
    }
  }

  private SyncReport runLogged() {
    boolean reads = workerOnlyIdleExit == null;
    TargetFields fields = reads ? preflight() : TargetFields.passThrough();
    Tally tally = new Tally(run, reads && run.failure() == null && hasDeadLetters());
    Flights flights = new Flights(run, tally);
    RateLimits rateLimits = new RateLimits(run, tally);
    BatchWriter writer = new BatchWriter(run, tally, flights, rateLimits);
    Workers workers = new Workers(run, flights, writer, workerOnlyIdleExit);
    Batcher batcher = new Batcher(run, flights);
    if (reads && run.failure() == null) {
      log.info("Sync {} starts: {} {} from {} to {}, pages of {}, batches of {}{}, {} worker(s), {}", run.jobId,
          run.config.objectType(), run.config.incremental() ? "changes" : "records", run.source.id(), run.target.id(),
          run.config.readPageSize(), run.config.batchSize(),
          batcher.bulkSize() > run.config.batchSize() ? " (bulk groups of up to " + batcher.bulkSize() + ")" : "",
          run.config.workers(), run.backend);
    }
    // an adapter's own retries count in the report with the engine's
    AdapterListener retries = new AdapterListener() {
      @Override
      public void onRetry(String adapterId, String operation, Throwable cause) {
        tally.retries.increment();
      }
    };
    try (AdapterListener.Registration fromSource = run.source.listen(retries);
        AdapterListener.Registration fromTarget = run.target.listen(retries)) {
      return runWith(reads, fields, tally, flights, workers, batcher, rateLimits);
    }
  }

  private SyncReport runWith(boolean reads, TargetFields fields, Tally tally, Flights flights,
      Workers workers, Batcher batcher, RateLimits rateLimits) {
    run.listener.onRunStarted(run.jobId);
    openDuplicateFinder();
    workers.start();
    try {
      if (reads && run.failure() == null) {
        SourceReader reader = new SourceReader(run, tally, flights, batcher, fields, rateLimits);
        if (replay != null) {
          reader.redrive(replay);
        } else {
          reader.retryDeadLetters();
          reader.readSource();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      run.requestStop();
    } catch (RuntimeException e) {
      log.debug("Reading {} failed", run.source.id(), e);
      run.fail(Alert.Kind.SYNC_FAILED, "reading " + run.source.id() + " failed: " + Messages.oneLine(e), e);
    } catch (Error e) {
      // stop the workers before the error leaves: orphaned workers would take the next run's tasks
      run.fail(Alert.Kind.SYNC_FAILED, "reading " + run.source.id() + " failed: " + e, e);
      workers.readerDone();
      flights.signal();
      workers.join();
      throw e;
    } finally {
      workers.readerDone();
      flights.signal();
    }
    workers.join();
    IngestDuplicates duplicates = run.duplicates;
    if (duplicates != null) {
      run.duplicates = null;
      duplicates.close();
    }
    SyncReport report = report(tally, flights, batcher);
    logEnd(report, fields);
    run.listener.onRunFinished(report);
    return report;
  }

  /** Opens the run's session of the sync's duplicate finder, if it has one (not for a pass of a two-way sync). */
  private void openDuplicateFinder() {
    io.crmsync.spi.DuplicateFinder finder = run.config.duplicateFinder();
    if (finder == null || run.pairing != null || run.failure() != null) {
      return;
    }
    try {
      io.crmsync.spi.DuplicateFinder.Session session = Objects.requireNonNull(finder.open(
          new io.crmsync.spi.DuplicateFinder.Scope(run.target, run.config.objectType(), run.config.matchKey(),
              run.targetLimiter)), "the duplicate finder opened no session");
      run.duplicates = new IngestDuplicates(run, session, run.config.duplicatePolicy());
    } catch (RuntimeException e) {
      log.debug("Opening the duplicate finder of {} failed", run.jobId, e);
      run.fail(Alert.Kind.SYNC_FAILED, "the duplicate finder could not start: " + Messages.oneLine(e), e);
    }
  }

  /**
   * Reads both adapters' fields and checks the settings (the match key, the mapping) against them,
   * before any record moves; transient failures of the reads are retried per the retry policy.
   *
   * @throws CrmConfigurationException naming every problem found
   */
  private TargetFields preflight() {
    int attempts = 0;
    Duration waited = Duration.ZERO;
    CRMAdapter describing = run.target;
    while (true) {
      try {
        describing = run.target;
        List<FieldInfo> targetFields = describe(run.target);
        describing = run.source;
        List<FieldInfo> sourceFields = describe(run.source);
        List<MappingProblem> problems = run.config.mapping().check(run.config.objectType(), sourceFields, targetFields);
        if (!problems.isEmpty()) {
          StringBuilder sb = new StringBuilder("the mapping of ").append(run.config.objectType()).append(" from ")
              .append(run.source.id()).append(" to ").append(run.target.id()).append(" has ")
              .append(problems.size()).append(" problem(s):");
          for (MappingProblem p : problems) {
            sb.append("\n  ").append(p);
          }
          throw new CrmConfigurationException("mapping", sb.toString());
        }
        return run.config.passThroughAllFields() ? TargetFields.passThrough()
            : TargetFields.of(sourceFields, run.target, targetFields, run.config.objectType(), run.config.matchKey());
      } catch (CrmConfigurationException | CrmAuthenticationException e) {
        return failPreflight(e);
      } catch (CrmRateLimitException e) {
        // as for writes: a rate limit is waited out without using up an attempt, up to what a run may wait
        Duration wait = e.retryAfter();
        waited = waited.plus(wait);
        if (RateLimits.endsTheRun(run, describing, e, waited)) {
          return TargetFields.passThrough();
        }
        log.debug("Describing the {} fields was refused for now; trying again in {}", run.config.objectType(), wait);
        try {
          run.time.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          run.requestStop();
          return TargetFields.passThrough();
        }
      } catch (RuntimeException e) {
        attempts++;
        if (!run.retry.shouldRetry(e, attempts)) {
          return failPreflight(e);
        }
        try {
          run.time.sleep(run.retry.delay(attempts));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          run.requestStop();
          return TargetFields.passThrough();
        }
      }
    }
  }

  /** {@code adapter}'s fields, asked within its request budget like every other call. */
  private List<FieldInfo> describe(CRMAdapter adapter) {
    RequestLimiter limiter = adapter == run.target ? run.targetLimiter : run.sourceLimiter;
    RequestLimiter.Permit permit;
    try {
      permit = limiter.acquire(run::halted);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to describe " + adapter.id(), e);
    }
    if (permit == null) {
      return List.of();
    }
    try (permit) {
      return adapter.describe(run.config.objectType());
    }
  }

  private TargetFields failPreflight(RuntimeException failure) {
    try {
      throw failure;
    } catch (CrmConfigurationException e) {
      throw e;
    } catch (CrmAuthenticationException e) {
      run.fail(Alert.Kind.AUTHENTICATION_LOST, "authentication failed while describing the "
          + run.config.objectType() + " fields: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.debug("Describing the {} fields failed", run.config.objectType(), e);
      run.fail(Alert.Kind.SYNC_FAILED, "describing the " + run.config.objectType() + " fields failed: "
          + Messages.oneLine(e), e);
    }
    return TargetFields.passThrough();
  }

  private boolean hasDeadLetters() {
    try {
      return run.state.deadLetterCount(run.jobId) > 0;
    } catch (RuntimeException e) {
      log.debug("Counting the dead letters of {} failed", run.jobId, e);
      run.fail(Alert.Kind.SYNC_FAILED, "the state store could not be read: " + Messages.oneLine(e), e);
      return false;
    }
  }

  private SyncReport report(Tally tally, Flights flights, Batcher batcher) {
    long remaining;
    long delegated;
    if (run.shared) {
      // records held back or not yet enqueued remain; those enqueued are the queue's, whoever settles them
      remaining = flights.inFlight();
      delegated = tally.enqueued.sum() - tally.settledOwn.sum();
    } else {
      remaining = flights.inFlight();
      delegated = 0;
    }
    boolean drained = true;
    if (run.shared) {
      try {
        drained = run.queue.stats(run.topic).unfinished() == 0;
      } catch (RuntimeException e) {
        // the report is built from memory: a backend that is gone fails the run, it does not hide the report
        log.debug("Reading the queue of {} failed", run.jobId, e);
        drained = false;
        run.fail(Alert.Kind.SYNC_FAILED, "the task queue could not be read: " + Messages.oneLine(e), e);
      }
    }
    long written = tally.written();
    long dead = tally.dead.sum();
    // nothing landed and nothing was already there: the target took none of it. A run in which the only records
    // to write were refused, beside records the target already holds (the same invalid rows again, say), is a
    // completed run with dead letters, not a failed one
    if (run.failure() == null && written == 0 && dead > 0 && tally.unchanged.sum() == 0 && !run.stopRequested()) {
      run.fail(Alert.Kind.SYNC_FAILED, "no record was written: all " + dead + " record(s) that needed a write were"
          + " dead-lettered; see the dead letters for their causes", null);
    }
    SyncReport.Failure failure = run.failure();
    SyncReport.Status status = failure != null ? SyncReport.Status.FAILED
        : remaining > 0 || !drained || run.stopRequested() ? SyncReport.Status.STOPPED
        : SyncReport.Status.COMPLETED;
    return tally.report()
        .status(status)
        .remaining(remaining)
        .delegated(delegated)
        .failure(failure)
        .quotaResetsAt(run.quotaResetsAt())
        .build();
  }

  private void logEnd(SyncReport report, TargetFields fields) {
    Map<String, Long> leftOut = report.fieldsLeftOut();
    if (!leftOut.isEmpty()) {
      Map<String, TargetFields.Reason> reasons = fields.reasons();
      StringJoiner j = new StringJoiner("; ");
      leftOut.forEach((name, count) -> {
        TargetFields.Reason r = reasons.get(name);
        j.add(name + " (" + (r == null ? "not taken" : r.text) + ") in " + count + " record(s)");
      });
      log.warn("Sync {} left fields out of its writes to {}: {}", run.jobId, run.target.id(), j);
    }
    if (report.status() == SyncReport.Status.FAILED) {
      log.warn("Sync {} failed: {}", run.jobId, report);
    } else {
      log.info("Sync {} ended: {}", run.jobId, report);
    }
  }
}

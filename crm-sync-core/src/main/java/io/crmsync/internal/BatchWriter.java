package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.backend.Settlement;
import io.crmsync.internal.TaskCodec.Op;
import io.crmsync.internal.TaskCodec.Payload;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one leased batch and settles it: calls the target, sorts each record into written, to retry or
 * dead-lettered, and commits the batch's state together with the task's settlement, so that a batch is
 * counted only if it was still this worker's. This is the one place that isolates a record the target
 * refuses: a batch refused whole is split in halves until the bad record is alone.
 */
final class BatchWriter {
  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

  private final Run run;
  private final Tally tally;
  private final Flights flights;
  private final RateLimits rateLimits;
  private final DeletePlanner deletes;

  BatchWriter(Run run, Tally tally, Flights flights, RateLimits rateLimits) {
    this.run = run;
    this.tally = tally;
    this.flights = flights;
    this.rateLimits = rateLimits;
    this.deletes = new DeletePlanner(run, this);
  }

  /**
   * Records of a task settled without a write: {@code items} unchanged, {@code kept} of them because their
   * target record is shared, whose {@code unlinks} are removed with whatever settles the task; and {@code
   * held} for review as probable duplicates, whose {@code heldLetters} are saved with it.
   */
  record Skipped(List<Item> items, int kept, List<IdLink> unlinks, List<Item> held, List<DeadLetter> heldLetters) {
    static final Skipped NONE = new Skipped(List.of(), 0, List.of());

    Skipped(List<Item> items, int kept, List<IdLink> unlinks) {
      this(items, kept, unlinks, List.of(), List.of());
    }

    /** What settling these records changes in the state. */
    StateUpdate.Builder update() {
      return StateUpdate.builder().unlinks(unlinks).deadLetters(heldLetters);
    }

    boolean isEmpty() {
      return items.isEmpty() && held.isEmpty();
    }

    /** Every record settled here. */
    List<Item> all() {
      if (held.isEmpty()) {
        return items;
      }
      List<Item> out = new ArrayList<>(items);
      out.addAll(held);
      return out;
    }
  }

  /** What one batch changes before it is committed and counted. */
  static final class Outcome {
    final StateUpdate.Builder update = StateUpdate.builder();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<Item> retry = new ArrayList<>();
    long created;
    long updated;
    long deleted;
    long linked;
    long found;
  }

  @FunctionalInterface
  interface OnSuccess {
    void accept(Item item, RecordResult result, Outcome outcome);
  }

  /** Processes a leased task; the permit is the target budget's, taken for its call. */
  void process(LeasedTask task, RequestLimiter.Permit permit) {
    Payload p;
    try {
      p = task.value() instanceof Payload carried ? carried : run.codec.decode(task.payload());
    } catch (IllegalArgumentException e) {
      // its records cannot be settled or even counted: keep the task for inspection and fail loudly
      permit.cancel();
      run.queue.deadLetter(task, "unreadable payload: " + e.getMessage());
      run.fail(Alert.Kind.SYNC_FAILED, "task " + task.id() + " of job " + run.jobId + " has a payload that cannot be"
          + " read: " + e.getMessage(), e);
      return;
    }
    if (p.op() == Op.DELETE) {
      deletes.process(task, p, permit);
    } else {
      upsert(task, p, permit);
    }
  }

  private void upsert(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    IngestDuplicates duplicates = run.pairing == null ? run.duplicates : null;
    if (duplicates == null) {
      upsert(task, p, permit, null, p.items(), Skipped.NONE);
      return;
    }
    // the finder calls the target within its budget itself: the permit taken for the write waits until after
    permit.cancel();
    IngestDuplicates.Plan plan = null;
    RuntimeException failure = null;
    try {
      plan = duplicates.plan(p.items());
    } catch (RuntimeException e) {
      log.debug("Looking for probable duplicates of a batch of {} failed", run.jobId, e);
      failure = e;
    }
    RequestLimiter.Permit writePermit;
    try {
      writePermit = run.targetLimiter.acquire(run::halted);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      run.requestStop();
      writePermit = null;
    }
    if (writePermit == null) {
      requeue(task, p, p.items(), Skipped.NONE, Duration.ZERO, task.attempts());
      return;
    }
    if (failure != null) {
      // settled as a failed write of the batch: a rate limit waited out, retried, then dead-lettered
      RuntimeException thrown = failure;
      write(task, p, writePermit, p.items(), Skipped.NONE, batch -> {
        throw thrown;
      }, (item, result, out) -> {});
      return;
    }
    IngestDuplicates.Plan planned = Objects.requireNonNull(plan);
    upsert(task, p, writePermit, planned, planned.toWrite,
        new Skipped(List.of(), 0, List.of(), planned.held, planned.heldLetters));
  }

  private void upsert(LeasedTask task, Payload p, RequestLimiter.Permit permit, IngestDuplicates.@Nullable Plan plan,
      List<Item> toWrite, Skipped skipped) {
    String type = run.config.objectType();
    IngestDuplicates duplicates = run.duplicates;
    write(task, p, permit, toWrite, skipped,
        batch -> run.target.upsert(type, plan == null ? records(batch) : plan.records(batch, run.config.matchKey()),
            run.config.matchKey()),
        (item, result, out) -> {
          String targetId = Objects.requireNonNull(result.id(), "result id");
          if (result.status() == RecordResult.Status.CREATED) {
            out.created++;
          } else {
            out.updated++;
          }
          String id = item.record().id();
          if (id != null) {
            String fp = item.requireFingerprint();
            out.update.link(new IdLink(type, run.source.id(), id, run.target.id(), targetId));
            out.update.fingerprint(new Fingerprint(run.targetScope, id, fp));
            if (run.config.twoWay()) {
              out.update.fingerprint(new Fingerprint(run.sourceScope, targetId, fp));
            }
          }
          if (run.pairing != null) {
            run.pairing.written(item, targetId, out.update);
          }
          if (plan != null && duplicates != null) {
            duplicates.written(plan, item, out.update);
            if (plan.found.contains(item)) {
              out.found++;
              if (plan.decisions.containsKey(item)) {
                out.linked++;
              }
            }
          }
        });
  }

  static List<CrmRecord> records(List<Item> items) {
    List<CrmRecord> out = new ArrayList<>(items.size());
    for (Item i : items) {
      out.add(i.record());
    }
    return out;
  }

  /**
   * Sends {@code toWrite} (the items of {@code p} not settled as {@code skipped}), then settles the task:
   * commits the outcome with the task's completion (and any follow-up task) in one step. Counts only if
   * the task was still ours, so a redelivered task is never counted twice.
   */
  void write(LeasedTask task, Payload p, RequestLimiter.Permit permit, List<Item> toWrite, Skipped skipped,
      Function<List<Item>, List<RecordResult>> call, OnSuccess onSuccess) {
    DeadLetter.Operation op = p.op() == Op.DELETE ? DeadLetter.Operation.DELETE : DeadLetter.Operation.UPSERT;
    int attemptsMade = task.attempts() + 1;
    if (toWrite.isEmpty()) {
      permit.cancel();
      if (commit(task, skipped.update().build(), List.of())) {
        countSkipped(p, skipped);
        batchDone(task, 0, skipped.items().size(), 0);
        run.listener.onProgress(run.jobId, tally.progress(flights.inFlight()));
      }
      return;
    }
    List<RecordResult> results;
    try (permit) {
      results = call.apply(toWrite);
      if (results.size() != toWrite.size()) {
        throw new IllegalStateException(run.target.id() + " returned " + results.size() + " results for "
            + toWrite.size() + " records");
      }
    } catch (CrmRateLimitException e) {
      boolean goOn = rateLimits.onRateLimited(run.target, run.targetLimiter, e, toWrite.size());
      requeue(task, p, toWrite, skipped, goOn ? e.retryAfter() : Duration.ZERO, task.attempts());
      return;
    } catch (CrmAuthenticationException e) {
      run.fail(Alert.Kind.AUTHENTICATION_LOST, "authentication with " + run.target.id() + " was lost: "
          + e.getMessage(), e);
      requeue(task, p, toWrite, skipped, Duration.ZERO, task.attempts());
      return;
    } catch (CrmRequestException e) {
      if (toWrite.size() > 1) {
        // refused whole for what is likely one bad record: split, so the good ones land
        int half = toWrite.size() / 2;
        List<NewTask> parts = List.of(
            followUp(p, toWrite.subList(0, half), Duration.ZERO, task.attempts()),
            followUp(p, toWrite.subList(half, toWrite.size()), Duration.ZERO, task.attempts()));
        if (commit(task, skipped.update().build(), parts)) {
          countSkipped(p, skipped);
        }
      } else {
        deadLetterAll(task, p, toWrite, skipped, op, e, attemptsMade, false);
      }
      return;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // the adapter says the request itself is wrong: a setting or a bug, the same for every batch
      run.fail(Alert.Kind.SYNC_FAILED, run.target.id() + " refused the " + op.label() + " request as invalid: "
          + e.getMessage(), e);
      requeue(task, p, toWrite, skipped, Duration.ZERO, task.attempts());
      return;
    } catch (RuntimeException e) {
      if (run.retry.shouldRetry(e, attemptsMade)) {
        Duration delay = run.retry.delay(attemptsMade);
        if (requeue(task, p, toWrite, skipped, delay, attemptsMade)) {
          tally.retries.increment();
          run.listener.onRetry(run.jobId, toWrite.size(), attemptsMade + 1, delay, e);
        }
      } else {
        deadLetterAll(task, p, toWrite, skipped, op, e, attemptsMade, isTransient(e));
      }
      return;
    }

    Outcome out = new Outcome();
    Instant now = run.time.now();
    boolean resolve = tally.deadLettersExist();
    List<Item> done = new ArrayList<>(toWrite.size() + skipped.items().size() + skipped.held().size());
    done.addAll(skipped.all());
    int failed = 0;
    for (int i = 0; i < toWrite.size(); i++) {
      RecordResult result = results.get(i);
      Item item = toWrite.get(result.index() == i ? i : checkIndex(result, toWrite.size()));
      if (result.succeeded()) {
        done.add(item);
        onSuccess.accept(item, result, out);
        String id = item.record().id();
        if (resolve && id != null) {
          out.update.resolve(new StateUpdate.Resolved(run.jobId, op, id));
        }
        continue;
      }
      failed++;
      RecordError error = Objects.requireNonNull(result.error());
      int max = run.retry.maxAttempts();
      if (error.retryable() && (max == -1 || attemptsMade < max)) {
        out.retry.add(item);
      } else {
        done.add(item);
        out.deadLetters.add(DeadLetter.builder(run.jobId, op, item.record())
            .errorCode(error.code())
            .message(describe(error))
            .fieldErrors(error.fieldErrors())
            .attempts(attemptsMade)
            .retryable(error.retryable())
            .at(now)
            .build());
      }
    }
    List<NewTask> followUps = List.of();
    Duration retryDelay = Duration.ZERO;
    if (!out.retry.isEmpty()) {
      retryDelay = run.retry.delay(attemptsMade);
      followUps = List.of(followUp(p, out.retry, retryDelay, attemptsMade));
    }
    out.update.deadLetters(out.deadLetters).unlinks(skipped.unlinks()).deadLetters(skipped.heldLetters());
    if (!commit(task, out.update.build(), followUps)) {
      return;
    }
    tally.created.add(out.created);
    tally.updated.add(out.updated);
    tally.deleted.add(out.deleted);
    tally.linked.add(out.linked);
    tally.duplicatesFound.add(out.found);
    countHeldAndUnchanged(skipped);
    if (out.linked > 0 || !skipped.held().isEmpty()) {
      log.info("Job {}: {} record(s) written into probable duplicates found in {}, {} held for review", run.jobId,
          out.linked, run.target.id(), skipped.held().size());
    }
    if (!out.deadLetters.isEmpty()) {
      out.deadLetters.forEach(run.listener::onDeadLetter);
      tally.addDead(out.deadLetters.size());
    }
    if (!out.retry.isEmpty()) {
      tally.retries.increment();
      run.listener.onRetry(run.jobId, out.retry.size(), attemptsMade + 1, retryDelay,
          new CrmSyncException(run.target.id(), "records failed with retryable errors"));
    }
    long written = out.created + out.updated + out.deleted;
    settled(p, done);
    batchDone(task, (int) written, skipped.items().size(), failed);
    run.listener.onProgress(run.jobId, tally.progress(flights.inFlight()));
  }

  /** Logs a settled batch at debug (ids and counts only) and tells the listener. */
  private void batchDone(LeasedTask task, int written, int unchanged, int failed) {
    if (log.isDebugEnabled()) {
      log.debug("Task {} of job {} settled: {} written, {} unchanged, {} failed (attempt {})", task.id(), run.jobId,
          written, unchanged, failed, task.attempts() + 1);
    }
    run.listener.onBatchDone(run.jobId, written, unchanged, failed);
  }

  private static boolean isTransient(Throwable e) {
    return e instanceof CrmSyncException c ? c.isRetryable()
        : !(e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException);
  }

  private static int checkIndex(RecordResult result, int size) {
    if (result.index() < 0 || result.index() >= size) {
      throw new IllegalStateException("result index " + result.index() + " outside the batch of " + size);
    }
    return result.index();
  }

  private static String describe(RecordError error) {
    return error.fieldErrors().isEmpty() ? error.message() : error.message() + " " + error.fieldErrors();
  }

  private NewTask followUp(Payload p, List<Item> items, Duration delay, int attempts) {
    return Batcher.task(run, new Payload(p.run(), p.op(), items), delay, attempts);
  }

  private boolean commit(LeasedTask task, StateUpdate update, List<NewTask> followUps) {
    if (run.backend.commit(update, Settlement.complete(task, followUps))) {
      return true;
    }
    log.warn("Task {} of job {} lost its lease before it was settled; it will run again", task.id(), run.jobId);
    return false;
  }

  /** Puts {@code toWrite} back on the queue as a new task and settles the skipped records. */
  private boolean requeue(LeasedTask task, Payload p, List<Item> toWrite, Skipped skipped, Duration delay,
      int attempts) {
    if (commit(task, skipped.update().build(), List.of(followUp(p, toWrite, delay, attempts)))) {
      countSkipped(p, skipped);
      return true;
    }
    return false;
  }

  private void countSkipped(Payload p, Skipped skipped) {
    countHeldAndUnchanged(skipped);
    settled(p, skipped.all());
  }

  private void countHeldAndUnchanged(Skipped skipped) {
    tally.addUnchanged(skipped.items().size(), skipped.kept());
    if (!skipped.held().isEmpty()) {
      tally.held.add(skipped.held().size());
      tally.duplicatesFound.add(skipped.held().size());
      skipped.heldLetters().forEach(run.listener::onHeldForReview);
    }
  }

  /** Counts {@code items} of {@code p} as settled: for this run's checkpoint, or as recovered from an earlier run. */
  private void settled(Payload p, List<Item> items) {
    if (items.isEmpty()) {
      return;
    }
    if (p.run().equals(run.runId)) {
      flights.settledByWorker(Batcher.perPage(items), items.size());
    } else {
      tally.recovered.add(items.size());
    }
  }

  private void deadLetterAll(LeasedTask task, Payload p, List<Item> items, Skipped skipped, DeadLetter.Operation op,
      RuntimeException cause, int attempts, boolean retryable) {
    Instant now = run.time.now();
    String code;
    String requestId = null;
    List<io.crmsync.adapter.FieldError> fieldErrors = List.of();
    if (cause instanceof CrmSyncException c) {
      code = c.getClass().getSimpleName();
      requestId = c.requestId();
      if (c instanceof CrmRequestException r) {
        fieldErrors = r.fieldErrors();
      }
    } else {
      code = cause.getClass().getName();
    }
    List<DeadLetter> letters = new ArrayList<>(items.size());
    for (Item i : items) {
      letters.add(DeadLetter.builder(run.jobId, op, i.record())
          .errorCode(code)
          .message(String.valueOf(cause.getMessage()))
          .fieldErrors(fieldErrors)
          .requestId(requestId)
          .attempts(attempts)
          .retryable(retryable)
          .at(now)
          .build());
    }
    StateUpdate update = skipped.update().deadLetters(letters).build();
    // A task given up on whole keeps its payload in the queue's dead tasks too, for inspection.
    Settlement settlement = skipped.isEmpty()
        ? Settlement.deadLetter(task, code + ": " + cause.getMessage())
        : Settlement.complete(task, List.of());
    if (!run.backend.commit(update, settlement)) {
      return;
    }
    countHeldAndUnchanged(skipped);
    letters.forEach(run.listener::onDeadLetter);
    tally.addDead(letters.size());
    List<Item> done = new ArrayList<>(skipped.all());
    done.addAll(items);
    settled(p, done);
    batchDone(task, 0, skipped.items().size(), letters.size());
    run.listener.onProgress(run.jobId, tally.progress(flights.inFlight()));
  }
}

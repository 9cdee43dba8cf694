package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.StateUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reading side of a run, on the calling thread: first the records of the job's transient dead
 * letters, then the source a page at a time (resuming from the checkpoint, or incrementally since the
 * last pass). Each record is transformed, cut to the fields the target takes and fingerprinted here, so
 * that the workers' share of the work stays small; records the target already has never reach the queue.
 */
final class SourceReader {
  private static final Logger log = LoggerFactory.getLogger(SourceReader.class);
  /** The error code of a record the mapping failed on. */
  static final String MAPPING_FAILED = "MAPPING_FAILED";

  private final Run run;
  private final Tally tally;
  private final Flights flights;
  private final Batcher batcher;
  private final TargetFields fields;
  private final RateLimits rateLimits;

  SourceReader(Run run, Tally tally, Flights flights, Batcher batcher, TargetFields fields, RateLimits rateLimits) {
    this.run = run;
    this.tally = tally;
    this.flights = flights;
    this.batcher = batcher;
    this.fields = fields;
    this.rateLimits = rateLimits;
  }

  // ---- dead letters of transient failures ---------------------------------------------------------

  /**
   * Tries again the records of the job's dead letters whose failure was transient, whatever the
   * incremental window, before the source is read (so that a newer version read from the source lands
   * after them). Each round waits for its records to settle: a dead letter is then cleared, or written
   * again after the run's start and so not picked up twice.
   */
  void retryDeadLetters() throws InterruptedException {
    if (!run.config.retryDeadLetters() || !tally.deadLettersExist()) {
      return;
    }
    redrive(DeadLetterQuery.job(run.jobId).retryableOnly(true));
  }

  /**
   * Sends the records of the dead letters {@code query} selects (up to its limit in all) through the
   * normal path again: mapped already, cut to the target's fields, skipped if the target has their
   * content (a lost answer: the letter is cleared), written otherwise.
   */
  void redrive(DeadLetterQuery query) throws InterruptedException {
    Set<String> tried = new HashSet<>();
    int round = Math.max(run.config.batchSize(), Math.min(run.config.maxInFlightRecords(), DeadLetterQuery.MAX_LIMIT));
    // letters written before the run (at its first instant included, for a clock that stands still);
    // those written again by it are older than none of these, so each round reaches new ones first
    Instant start = run.startedAt.plusNanos(1);
    Instant before = query.before() != null && query.before().isBefore(start) ? query.before() : start;
    int budget = query.limit();
    while (!run.halted() && budget > 0) {
      List<DeadLetter> letters = run.state.deadLetters(query.before(before).limit(Math.min(round, budget)));
      List<Item> upserts = new ArrayList<>();
      List<Item> deletes = new ArrayList<>();
      for (DeadLetter d : letters) {
        String id = d.recordId();
        // a record without an id cannot be told apart from others, so its letter could never be cleared; a
        // record held for review (a two-way conflict, a probable duplicate) waits for a person's decision
        if (id == null || d.operation() == DeadLetter.Operation.REVIEW || !tried.add(d.operation().label() + ":" + id)) {
          continue;
        }
        if (d.operation() == DeadLetter.Operation.DELETE) {
          deletes.add(new Item(d.record(), null, Item.UNTRACKED));
        } else {
          CrmRecord r = fields.filter(d.record(), tally);
          upserts.add(new Item(r, Fingerprints.of(r), Item.UNTRACKED));
        }
      }
      int n = upserts.size() + deletes.size();
      if (n == 0) {
        return;
      }
      budget -= n;
      log.info("Job {}: trying again {} record(s) of its dead letters", run.jobId, n);
      tally.retriedDeadLetters.add(n);
      flights.addInFlight(n);
      List<Item> changed = run.pairing != null ? paired(upserts) : dropUnchanged(upserts, Item.UNTRACKED, true);
      batcher.upsert(changed);
      batcher.delete(deletes);
      batcher.flush();
      flights.awaitDrained();
    }
  }

  /**
   * Of dead letters' records tried again in a two-way pass, those its pairing writes (merged with the
   * other side's changes, as a record read now would be); the letters of the rest are cleared.
   */
  private List<Item> paired(List<Item> upserts) {
    List<Item> toWrite = run.pairing.pair(upserts, r -> fields.filter(r, null));
    Set<String> writing = new HashSet<>();
    for (Item i : toWrite) {
      writing.add(i.record().id());
    }
    StateUpdate.Builder resolved = StateUpdate.builder();
    for (Item i : upserts) {
      if (!writing.contains(i.record().id())) {
        resolved.resolve(new StateUpdate.Resolved(run.jobId, DeadLetter.Operation.UPSERT, i.record().id()));
      }
    }
    run.state.apply(resolved.build());
    int same = upserts.size() - toWrite.size();
    tally.addUnchanged(same, 0);
    flights.settledAtRead(Item.UNTRACKED, same);
    return toWrite;
  }

  // ---- the source -------------------------------------------------------------------------------

  /** Reads the source until its last page, or until the run halts. */
  void readSource() throws InterruptedException {
    Checkpoint cp = run.state.checkpoint(run.jobId).orElse(null);
    String cursor;
    Instant since;
    Instant passStart;
    if (cp != null && cp.inPass()) {
      cursor = cp.cursor();
      since = cp.passSince();
      passStart = cp.watermark() != null ? cp.watermark() : run.time.now();
      log.info("Job {} resumes its pass at its checkpoint", run.jobId);
    } else {
      cursor = null;
      passStart = run.time.now();
      boolean incremental = run.config.incremental() && run.source.capabilities().incrementalReads();
      since = incremental && cp != null && cp.watermark() != null
          ? cp.watermark().minus(run.config.incrementalOverlap()) : null;
    }
    flights.startPass(since, passStart);
    ReadRequest request = ReadRequest.of(run.config.objectType())
        .withPageSize(run.config.readPageSize())
        .withSince(since)
        .withIncludeDeleted(run.config.propagateDeletes());
    long seq = 0;
    try {
      while (!run.halted()) {
        Page page = readPage(request.withCursor(cursor));
        if (page == null) {
          return;
        }
        take(seq++, page);
        cursor = page.nextCursor();
        if (cursor == null) {
          return;
        }
      }
    } finally {
      if (!run.halted()) {
        batcher.flush();
      }
    }
  }

  /** Takes one page in: transforms, filters, fingerprints, settles what needs no write, batches the rest. */
  private void take(long seq, Page page) throws InterruptedException {
    int n = page.records().size();
    tally.read.add(n);
    flights.acquire(n, batcher::flush);
    flights.register(seq, page.nextCursor(), n, lastModified(page));
    List<Item> upserts = new ArrayList<>(n);
    List<Item> deletes = new ArrayList<>();
    List<DeadLetter> rejected = new ArrayList<>();
    long skipped = 0;
    for (CrmRecord r : page.records()) {
      if (r.deleted()) {
        if (run.config.propagateDeletes()) {
          deletes.add(new Item(r, null, seq));
        } else {
          skipped++; // nothing to do for a delete we do not propagate
        }
        continue;
      }
      CrmRecord out;
      try {
        out = Objects.requireNonNull(run.config.mapping().map(r, RecordMapper.Direction.TO_TARGET),
            "the mapping returned null");
      } catch (RuntimeException e) {
        rejected.add(DeadLetter.builder(run.jobId, DeadLetter.Operation.UPSERT, r)
            .errorCode(MAPPING_FAILED)
            .message("the mapping failed: " + Messages.oneLine(e))
            .fieldErrors(e instanceof CrmRequestException c ? c.fieldErrors() : List.of())
            .at(run.time.now())
            .build());
        continue;
      }
      out = fields.filter(out, tally);
      upserts.add(new Item(out, Fingerprints.of(out), seq));
    }
    if (!rejected.isEmpty()) {
      run.state.apply(StateUpdate.deadLettering(rejected));
      rejected.forEach(run.listener::onDeadLetter);
      tally.addDead(rejected.size());
    }
    tally.addUnchanged(skipped, 0);
    flights.settledAtRead(seq, rejected.size() + skipped);
    if (run.pairing != null) {
      List<Item> toWrite = run.pairing.pair(upserts, r -> fields.filter(r, null));
      int same = upserts.size() - toWrite.size();
      tally.addUnchanged(same, 0);
      flights.settledAtRead(seq, same);
      batcher.upsert(toWrite);
    } else {
      batcher.upsert(run.config.skipUnchanged() ? dropUnchanged(upserts, seq, false) : upserts);
    }
    batcher.delete(deletes);
    run.listener.onPageRead(run.jobId, n);
  }

  private static @Nullable Instant lastModified(Page page) {
    Instant latest = null;
    for (CrmRecord r : page.records()) {
      Instant m = r.modifiedAt();
      if (m != null && (latest == null || m.isAfter(latest))) {
        latest = m;
      }
    }
    return latest;
  }

  /**
   * Of {@code items}, those whose content the target does not have yet; the rest are settled here as
   * unchanged (and, for dead letters tried again, their letters cleared: the record did land, its
   * answer was lost).
   */
  private List<Item> dropUnchanged(List<Item> items, long page, boolean resolveDeadLetters) {
    List<String> keys = new ArrayList<>(items.size());
    for (Item i : items) {
      if (i.record().id() != null) {
        keys.add(i.record().id());
      }
    }
    Map<String, String> known = keys.isEmpty() ? Map.of() : run.state.fingerprints(run.targetScope, keys);
    if (known.isEmpty()) {
      return items;
    }
    List<Item> changed = new ArrayList<>(items.size());
    StateUpdate.Builder resolved = StateUpdate.builder();
    long same = 0;
    for (Item i : items) {
      String id = i.record().id();
      if (id != null && i.requireFingerprint().equals(known.get(id))) {
        same++;
        if (resolveDeadLetters) {
          resolved.resolve(new StateUpdate.Resolved(run.jobId, DeadLetter.Operation.UPSERT, id));
        }
      } else {
        changed.add(i);
      }
    }
    if (resolveDeadLetters) {
      run.state.apply(resolved.build());
    }
    tally.addUnchanged(same, 0);
    flights.settledAtRead(page, same);
    return changed;
  }

  private @Nullable Page readPage(ReadRequest request) throws InterruptedException {
    int attempts = 0;
    RequestLimiter limiter = run.sourceLimiter;
    while (!run.halted()) {
      RequestLimiter.Permit permit = limiter.acquire(run::halted);
      if (permit == null) {
        return null;
      }
      try (permit) {
        return run.source.read(request);
      } catch (CrmRateLimitException e) {
        if (!rateLimits.onRateLimited(run.source, limiter, e, 0)) {
          return null;
        }
      } catch (CrmAuthenticationException e) {
        run.fail(Alert.Kind.AUTHENTICATION_LOST, "authentication with " + run.source.id() + " was lost: "
            + e.getMessage(), e);
        return null;
      } catch (RuntimeException e) {
        attempts++;
        if (!run.retry.shouldRetry(e, attempts)) {
          run.fail(Alert.Kind.SYNC_FAILED, "reading " + run.source.id() + " failed after " + attempts + " attempt(s): "
              + e.getMessage(), e);
          return null;
        }
        Duration delay = run.retry.delay(attempts);
        tally.retries.increment();
        run.listener.onRetry(run.jobId, 0, attempts + 1, delay, e);
        run.time.sleep(delay);
      }
    }
    return null;
  }
}

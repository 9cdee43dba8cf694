package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.internal.TaskCodec.Op;
import io.crmsync.internal.TaskCodec.Payload;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.queue.internal.InMemoryTaskQueue;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.Settlement;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run of a {@link CRMSync}: a reader on the calling thread, writers on worker threads. */
public final class SyncRunner {
  private static final Logger log = LoggerFactory.getLogger(SyncRunner.class);
  private static final Duration AWAIT_WORK = Duration.ofMillis(20);
  /** A durable queue wakes waiters itself (LISTEN/NOTIFY), so idle workers can wait longer between checks. */
  private static final Duration AWAIT_SHARED_WORK = Duration.ofMillis(250);
  private static final Duration MAX_IDLE_SLEEP = Duration.ofSeconds(1);

  private final CRMSync.Config c;
  private final CRMAdapter source;
  private final CRMAdapter target;
  private final TaskQueue queue;
  private final SyncStateStore state;
  private final TimeSource time;
  private final RequestLimiter sourceLimiter;
  private final RequestLimiter targetLimiter;
  private final AtomicBoolean stopRequested;
  private final GuardedListener listener;
  private final RetryDecider retry;
  private final TaskCodec codec = new TaskCodec();
  /** Our own in-memory queue, which holds payloads as objects: then no JSON is written or read. */
  private final @Nullable InMemoryTaskQueue local;
  private final String runId = UUID.randomUUID().toString();
  private final String topic;
  /**
   * Whether the queue is durable, and so possibly shared with worker processes elsewhere: then a page is
   * safe once enqueued (the checkpoint moves right away), memory is bounded by the queue's unfinished
   * tasks, and the run is over when the queue is drained, whoever settled what.
   */
  private final boolean shared;
  private final String targetScope;
  private final String sourceScope;

  private final LongAdder read = new LongAdder();
  private final LongAdder recovered = new LongAdder();
  private final LongAdder created = new LongAdder();
  private final LongAdder updated = new LongAdder();
  private final LongAdder deleted = new LongAdder();
  private final LongAdder unchanged = new LongAdder();
  private final LongAdder keptShared = new LongAdder();
  private final LongAdder dead = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder rateLimited = new LongAdder();

  /**
   * Held by a worker through a whole delete batch, from reading the links to settling: a batch keeps a
   * target record that source records outside it still link to, and removes the links only when it
   * settles, so two batches that deleted the last two such records at once would each keep the target
   * record for the other. Across processes (a shared durable queue) that can still happen; the target
   * record then stays, never the other way round.
   */
  private final ReentrantLock deleteLock = new ReentrantLock();

  private final ReentrantLock flightLock = new ReentrantLock();
  private final Condition flightChanged = flightLock.newCondition();
  private long inFlight;

  private final AtomicInteger busyWorkers = new AtomicInteger();
  private final AtomicReference<@Nullable String> failure = new AtomicReference<>();
  private final AtomicBoolean authAlerted = new AtomicBoolean();
  private final AtomicBoolean deadAlerted = new AtomicBoolean();
  private volatile boolean readerDone;
  private final @Nullable Duration workerOnlyIdleExit;
  private volatile @Nullable Instant idleSince;
  private @Nullable PageTracker tracker;
  private long startNanos;

  /**
   * @param workerOnlyIdleExit null for a full run (read the source, write until settled); otherwise the
   *     run only works on tasks already on the queue (another process reads) and ends once the queue has
   *     had no unfinished task for this long
   */
  public SyncRunner(CRMSync.Config config, RequestLimiter sourceLimiter, RequestLimiter targetLimiter,
      AtomicBoolean stopRequested, @Nullable Duration workerOnlyIdleExit) {
    this.c = config;
    // Only our own class: any other queue, in this process or not, gets the JSON its contract promises.
    this.local = config.queue() instanceof InMemoryTaskQueue q ? q : null;
    this.workerOnlyIdleExit = workerOnlyIdleExit;
    this.source = config.source();
    this.target = config.target();
    this.queue = config.queue();
    this.state = config.stateStore();
    this.time = config.timeSource();
    this.sourceLimiter = sourceLimiter;
    this.targetLimiter = targetLimiter;
    this.stopRequested = stopRequested;
    this.listener = new GuardedListener(config.listener(), config.alertSink());
    this.retry = new RetryDecider(config.retryPolicy(), runId.hashCode());
    this.topic = "crmsync:" + config.jobId();
    this.shared = config.queue().isDurable();
    // Fingerprints of what was written into X from Y are kept under "X/type<Y", keyed by the id in Y: the
    // key is the record's own id string, so a million fingerprints cost no extra key strings.
    this.targetScope = target.id() + "/" + config.objectType() + "<" + source.id();
    this.sourceScope = source.id() + "/" + config.objectType() + "<" + target.id();
  }

  public SyncReport run() {
    startNanos = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < c.workers(); i++) {
      String name = "crm-sync-" + c.jobId() + "-worker-" + i;
      Thread t = new Thread(() -> workerLoop(name), name);
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
    try {
      if (workerOnlyIdleExit == null) {
        readSource();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopRequested.set(true);
    } catch (RuntimeException e) {
      fail("reading the source failed: " + e, e, Alert.Kind.SYNC_FAILED);
    } catch (Error e) {
      // stop the workers before the error leaves: orphaned workers would take the next run's tasks
      failure.compareAndSet(null, "reading the source failed: " + e);
      readerDone = true;
      signalFlight();
      joinWorkers(workers);
      throw e;
    } finally {
      readerDone = true;
      signalFlight();
    }
    joinWorkers(workers);
    return report();
  }

  private void joinWorkers(List<Thread> workers) {
    boolean interrupted = false;
    for (Thread t : workers) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
          stopRequested.set(true);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private SyncReport report() {
    long settledOwn = created.sum() + updated.sum() + deleted.sum() + unchanged.sum() + dead.sum() - recovered.sum();
    // On a queue in this process the in-flight counter is kept apart from the outcome counters, so the
    // report's balance is a real check of both; on a shared queue others settle what this run read.
    long remaining = shared ? 0 : inFlight();
    long delegated = shared ? read.sum() - settledOwn : 0;
    boolean drained = !shared || queue.stats(topic).unfinished() == 0;
    SyncReport.Status status =
        failure.get() != null ? SyncReport.Status.FAILED
            : remaining > 0 || !drained || stopRequested.get() ? SyncReport.Status.STOPPED
            : SyncReport.Status.COMPLETED;
    return new SyncReport(c.jobId(), status, read.sum(), recovered.sum(), created.sum(), updated.sum(), deleted.sum(),
        unchanged.sum(), keptShared.sum(), dead.sum(), remaining, delegated, retries.sum(), rateLimited.sum(),
        Duration.ofNanos(System.nanoTime() - startNanos), failure.get());
  }

  private boolean halted() {
    return stopRequested.get() || failure.get() != null;
  }

  private void fail(String message, @Nullable Throwable cause, Alert.Kind kind) {
    if (failure.compareAndSet(null, message)) {
      listener.alert(new Alert(kind, c.jobId(), message, cause, time.now()));
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  private void readSource() throws InterruptedException {
    Checkpoint cp = state.checkpoint(c.jobId()).orElse(null);
    String cursor;
    Instant since;
    Instant passStart;
    if (cp != null && cp.inPass()) {
      cursor = cp.cursor();
      since = cp.passSince();
      passStart = cp.watermark() != null ? cp.watermark() : time.now();
      log.info("Job {} resumes its pass at cursor {}", c.jobId(), cursor);
    } else {
      cursor = null;
      passStart = time.now();
      boolean incremental = c.incremental() && source.capabilities().incrementalReads();
      since = incremental && cp != null && cp.watermark() != null ? cp.watermark().minus(c.incrementalOverlap()) : null;
    }
    final Instant passSince = since;
    final Instant passStarted = passStart;
    tracker = new PageTracker((next, last) -> state.saveCheckpoint(c.jobId(),
        last ? new Checkpoint(null, null, passStarted, time.now()) : new Checkpoint(next, passSince, passStarted, time.now())));

    ReadRequest request = ReadRequest.of(c.objectType())
        .withPageSize(c.readPageSize())
        .withSince(since)
        .withIncludeDeleted(c.propagateDeletes());
    long seq = 0;
    while (!halted()) {
      Page page = readPage(request.withCursor(cursor));
      if (page == null) {
        return;
      }
      List<CrmRecord> upserts = new ArrayList<>();
      List<CrmRecord> deletes = new ArrayList<>();
      List<@Nullable DeadLetter> rejected = new ArrayList<>();
      for (CrmRecord r : page.records()) {
        if (r.deleted()) {
          if (c.propagateDeletes()) {
            deletes.add(r);
          } else {
            rejected.add(null); // counted as unchanged: nothing to do for a delete we do not propagate
          }
          continue;
        }
        try {
          upserts.add(Objects.requireNonNull(c.transformer().apply(r), "transformer returned null"));
        } catch (RuntimeException e) {
          rejected.add(new DeadLetter(c.jobId(), "upsert", r, "TRANSFORM_FAILED",
              "the transformer threw " + e, 0, time.now()));
        }
      }
      // Fingerprint on the reader, so the workers' share of the work stays small; records the target
      // already has never reach the queue.
      List<String> fingerprints = new ArrayList<>(upserts.size());
      for (CrmRecord r : upserts) {
        fingerprints.add(Fingerprints.of(r));
      }
      if (c.skipUnchanged() && !upserts.isEmpty()) {
        dropUnchanged(upserts, fingerprints, rejected);
      }
      int n = page.records().size();
      read.add(n);
      acquireFlight(n);
      if (!shared) {
        tracker.register(seq, page.nextCursor(), n);
      }
      settleImmediately(seq, rejected);
      enqueue(seq, Op.UPSERT, upserts, fingerprints);
      enqueue(seq, Op.DELETE, deletes, List.of());
      if (shared) {
        tracker.register(seq, page.nextCursor(), 0); // durable: the page is safe once its tasks are queued
      }
      listener.onPageRead(c.jobId(), n);
      seq++;
      cursor = page.nextCursor();
      if (cursor == null) {
        return;
      }
    }
  }

  private void settleImmediately(long seq, List<@Nullable DeadLetter> rejected) {
    if (rejected.isEmpty()) {
      return;
    }
    List<DeadLetter> letters = new ArrayList<>();
    long skipped = 0;
    for (DeadLetter d : rejected) {
      if (d == null) {
        skipped++;
      } else {
        letters.add(d);
      }
    }
    if (!letters.isEmpty()) {
      state.apply(new StateUpdate(List.of(), List.of(), letters));
      letters.forEach(listener::onDeadLetter);
      addDead(letters.size());
    }
    unchanged.add(skipped);
    settleOwn(seq, rejected.size());
  }

  /** Removes the records whose fingerprint the target already has, adding a null (unchanged) to {@code settled} for each. */
  private void dropUnchanged(List<CrmRecord> records, List<String> fingerprints, List<@Nullable DeadLetter> settled) {
    List<String> keys = new ArrayList<>(records.size());
    for (CrmRecord r : records) {
      if (r.id() != null) {
        keys.add(sourceKey(r));
      }
    }
    Map<String, String> known = keys.isEmpty() ? Map.of() : state.fingerprints(targetScope, keys);
    if (known.isEmpty()) {
      return;
    }
    int kept = 0;
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      if (r.id() != null && fingerprints.get(i).equals(known.get(sourceKey(r)))) {
        settled.add(null);
      } else {
        records.set(kept, r);
        fingerprints.set(kept, fingerprints.get(i));
        kept++;
      }
    }
    records.subList(kept, records.size()).clear();
    fingerprints.subList(kept, fingerprints.size()).clear();
  }

  private void enqueue(long seq, Op op, List<CrmRecord> records, List<String> fingerprints) {
    if (records.isEmpty()) {
      return;
    }
    List<NewTask> tasks = new ArrayList<>();
    for (int from = 0; from < records.size(); from += c.batchSize()) {
      int to = Math.min(records.size(), from + c.batchSize());
      tasks.add(newTask(new Payload(runId, seq, op, records.subList(from, to),
          fingerprints.isEmpty() ? List.of() : fingerprints.subList(from, to)), Duration.ZERO, 0));
    }
    queue.enqueue(topic, tasks);
  }

  private @Nullable Page readPage(ReadRequest request) throws InterruptedException {
    int attempts = 0;
    while (!halted()) {
      RequestLimiter.Permit permit = sourceLimiter.acquire(this::halted);
      if (permit == null) {
        return null;
      }
      try (permit) {
        return source.read(request);
      } catch (CrmRateLimitException e) {
        rateLimited.increment();
        sourceLimiter.pauseUntil(time.now().plus(e.retryAfter()));
        listener.onRateLimited(c.jobId(), source.id(), e.retryAfter(), 0);
      } catch (CrmAuthenticationException e) {
        fail("authentication with source " + source.id() + " lost: " + e.getMessage(), e, Alert.Kind.AUTHENTICATION_LOST);
        return null;
      } catch (RuntimeException e) {
        attempts++;
        if (!retry.shouldRetry(e, attempts)) {
          fail("reading " + source.id() + " failed after " + attempts + " attempt(s): " + e.getMessage(), e,
              Alert.Kind.SYNC_FAILED);
          return null;
        }
        Duration delay = retry.delay(attempts);
        retries.increment();
        listener.onRetry(c.jobId(), 0, attempts + 1, delay, e);
        time.sleep(delay);
      }
    }
    return null;
  }

  // ---- in-flight accounting ------------------------------------------------------------------

  private void acquireFlight(long n) throws InterruptedException {
    if (shared) {
      // Other processes settle our records too, so only the queue knows how much is in flight.
      long maxTasks = Math.max(1, c.maxInFlightRecords() / c.batchSize());
      while (!halted() && queue.stats(topic).unfinished() >= maxTasks) {
        queue.awaitWork(topic, AWAIT_WORK);
      }
      return;
    }
    flightLock.lockInterruptibly();
    try {
      while (inFlight > 0 && inFlight + n > c.maxInFlightRecords() && !halted()) {
        flightChanged.await(AWAIT_WORK.toNanos(), TimeUnit.NANOSECONDS);
      }
      inFlight += n;
    } finally {
      flightLock.unlock();
    }
  }

  private void signalFlight() {
    flightLock.lock();
    try {
      flightChanged.signalAll();
    } finally {
      flightLock.unlock();
    }
  }

  private void settleOwn(long page, long n) {
    if (n == 0 || shared) {
      return;
    }
    flightLock.lock();
    try {
      inFlight -= n;
      flightChanged.signalAll();
    } finally {
      flightLock.unlock();
    }
    Objects.requireNonNull(tracker).settled(page, n);
  }

  private long inFlight() {
    flightLock.lock();
    try {
      return inFlight;
    } finally {
      flightLock.unlock();
    }
  }

  private void settled(Payload p, long n) {
    if (p.run().equals(runId)) {
      settleOwn(p.page(), n);
    } else {
      recovered.add(n);
    }
  }

  private void addDead(long n) {
    dead.add(n);
    if (dead.sum() > c.deadLetterAlertThreshold() && deadAlerted.compareAndSet(false, true)) {
      listener.alert(new Alert(Alert.Kind.DEAD_LETTER_THRESHOLD, c.jobId(),
          "more than " + c.deadLetterAlertThreshold() + " records were dead-lettered in this run of "
              + c.jobId() + "; see the dead letters for their causes", null, time.now()));
    }
  }

  private SyncProgress progress() {
    return new SyncProgress(read.sum(), created.sum() + updated.sum() + deleted.sum(), unchanged.sum(), dead.sum(),
        inFlight(), Duration.ofNanos(System.nanoTime() - startNanos));
  }

  // ---- writing -------------------------------------------------------------------------------

  private void workerLoop(String workerId) {
    try {
      while (!halted()) {
        // Wait for the target's budget before taking a task, so that a long wait (a Retry-After) never
        // holds a lease past its visibility timeout.
        RequestLimiter.Permit permit = targetLimiter.acquire(this::halted);
        if (permit == null) {
          return;
        }
        // Count as busy before leasing, so that an idle worker never takes this worker's fresh lease for
        // an abandoned one and sleeps until it expires.
        busyWorkers.incrementAndGet();
        try {
          List<LeasedTask> tasks = halted() ? List.of() : queue.lease(topic, workerId, 1, c.visibilityTimeout());
          if (!tasks.isEmpty()) {
            process(tasks.get(0), permit);
            continue;
          }
        } finally {
          permit.cancel(); // no-op if the call was made
          busyWorkers.decrementAndGet();
        }
        if (finished()) {
          return;
        }
        idle();
      }
    } catch (InterruptedException e) {
      stopRequested.set(true);
    } catch (RuntimeException | Error e) {
      fail("worker " + workerId + " failed: " + e, e, Alert.Kind.SYNC_FAILED);
      log.error("Worker {} of job {} failed", workerId, c.jobId(), e);
    }
  }

  private boolean finished() {
    if (!readerDone || (!shared && inFlight() != 0)) {
      return false;
    }
    boolean empty = queue.stats(topic).unfinished() == 0;
    if (workerOnlyIdleExit == null || !empty) {
      idleSince = null;
      return empty;
    }
    Instant now = time.now();
    Instant since = idleSince;
    if (since == null) {
      idleSince = now;
      return false;
    }
    return Duration.between(since, now).compareTo(workerOnlyIdleExit) >= 0;
  }

  /**
   * Waits for work. When nothing runs and a task is due later (a delayed retry, an abandoned lease), waits
   * until then on the time source, so that a fake clock moves forward; on the system clock that wait is
   * spent on the queue's signal instead, so a new task still wakes the worker at once.
   */
  private void idle() throws InterruptedException {
    Duration wait = AWAIT_WORK;
    if (busyWorkers.get() == 0) {
      Optional<Instant> next = queue.nextDueAt(topic);
      if (next.isPresent()) {
        Duration d = Duration.between(time.now(), next.get());
        if (!d.isNegative() && !d.isZero()) {
          wait = d.compareTo(MAX_IDLE_SLEEP) > 0 ? MAX_IDLE_SLEEP : d;
          if (time != TimeSource.system()) {
            time.sleep(wait);
            return;
          }
        }
      } else if (workerOnlyIdleExit != null && time != TimeSource.system()) {
        time.sleep(AWAIT_WORK);
        return;
      }
    }
    queue.awaitWork(topic, shared && wait.compareTo(AWAIT_SHARED_WORK) < 0 ? AWAIT_SHARED_WORK : wait);
  }

  private void process(LeasedTask task, RequestLimiter.Permit permit) {
    Payload p = local == null ? null : (Payload) local.attachment(task);
    if (p == null && local != null && InMemoryTaskQueue.isPlaceholder(task.payload()) && !local.holds(task)) {
      return; // settled meanwhile by a worker that took over the expired lease: nothing left to do
    }
    try {
      if (p == null) {
        p = codec.decode(task.payload());
      }
    } catch (IllegalArgumentException e) {
      // Its records cannot be settled or even counted: keep the task for inspection and fail loudly.
      queue.deadLetter(task, "unreadable payload: " + e.getMessage());
      fail("task " + task.id() + " of job " + c.jobId() + " has a payload that cannot be read: " + e.getMessage(), e,
          Alert.Kind.SYNC_FAILED);
      return;
    }
    if (p.op() == Op.DELETE) {
      processDeletes(task, p, permit);
    } else {
      processUpserts(task, p, permit);
    }
  }

  private static String sourceKey(CrmRecord r) {
    return Objects.requireNonNull(r.id());
  }

  private void processUpserts(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    List<CrmRecord> records = p.records();
    List<String> fps = p.fingerprints();
    if (fps.isEmpty()) {
      List<String> computed = new ArrayList<>(records.size());
      for (CrmRecord r : records) {
        computed.add(Fingerprints.of(r));
      }
      fps = computed;
    }
    final List<String> writtenFps = fps;
    write(task, p, permit, records, fps, Skipped.NONE, batch -> target.upsert(c.objectType(), batch, c.matchKey()),
        (r, i, result, update) -> {
          String targetId = Objects.requireNonNull(result.id());
          if (result.status() == RecordResult.Status.CREATED) {
            update.created++;
          } else {
            update.updated++;
          }
          if (r.id() != null) {
            update.links.add(new IdLink(c.objectType(), source.id(), r.id(), target.id(), targetId));
            update.fingerprints.add(new Fingerprint(targetScope, sourceKey(r), writtenFps.get(i)));
            if (c.recordEchoFingerprints()) {
              update.fingerprints.add(new Fingerprint(sourceScope, targetId, writtenFps.get(i)));
            }
          }
        });
  }

  private void processDeletes(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    deleteLock.lock();
    try {
      processDeletesAlone(task, p, permit);
    } finally {
      deleteLock.unlock();
    }
  }

  /**
   * Deletes the target records linked to the batch's source records, except those that a source record
   * outside the batch is still linked to: duplicates written into one target record all link to it, and
   * it goes with the last of them. A source record whose target records all stay is settled as unchanged
   * (and counted in keptShared); its links are removed either way.
   */
  private void processDeletesAlone(LeasedTask task, Payload p, RequestLimiter.Permit permit) {
    String type = c.objectType();
    Set<String> ids = new LinkedHashSet<>();
    for (CrmRecord r : p.records()) {
      if (r.id() != null) {
        ids.add(r.id());
      }
    }
    // every target record of each source record (several only in a two-way sync, where the opposite job
    // wrote the target's duplicates into one source record), then every source record of each of those
    Map<String, Set<String>> targetsOf = ids.isEmpty() ? Map.of() : state.allLinkedIds(type, source.id(), ids, target.id());
    Set<String> targetIds = new LinkedHashSet<>();
    targetsOf.values().forEach(targetIds::addAll);
    Map<String, Set<String>> sourcesOf =
        targetIds.isEmpty() ? Map.of() : state.allLinkedIds(type, target.id(), targetIds, source.id());

    List<CrmRecord> toDelete = new ArrayList<>();
    Map<String, List<String>> deletable = new HashMap<>();
    List<IdLink> keptLinks = new ArrayList<>();
    int kept = 0;
    for (CrmRecord r : p.records()) {
      Set<String> targets = r.id() == null ? null : targetsOf.get(r.id());
      if (targets == null || targets.isEmpty()) {
        continue; // never written, or its link is gone already: nothing to delete
      }
      List<String> going = new ArrayList<>(targets.size());
      for (String targetId : targets) {
        List<String> others = new ArrayList<>();
        for (String other : sourcesOf.getOrDefault(targetId, Set.of())) {
          if (!ids.contains(other)) {
            others.add(other);
          }
        }
        if (others.isEmpty()) {
          going.add(targetId);
        } else {
          keptLinks.add(new IdLink(type, source.id(), r.id(), target.id(), targetId));
          log.debug("Job {}: {} {} was deleted in {}, but {} {} stays: {} other record(s) of {} still link to it, such as {}",
              c.jobId(), type, r.id(), source.id(), target.id(), targetId, others.size(), source.id(), others.get(0));
        }
      }
      if (going.isEmpty()) {
        kept++;
      } else {
        toDelete.add(r);
        deletable.put(r.id(), going);
      }
    }
    Skipped skipped = new Skipped(p.records().size() - toDelete.size(), kept, keptLinks);
    write(task, p, permit, toDelete, List.of(), skipped,
        batch -> deleteTargets(batch, deletable),
        (r, i, result, out) -> {
          out.deleted++;
          for (String targetId : deletable.get(r.id())) {
            out.unlinks.add(new IdLink(type, source.id(), Objects.requireNonNull(r.id()), target.id(), targetId));
          }
        });
  }

  /**
   * Deletes the target records of {@code batch}, each once, and answers per source record: failed with
   * the first failure among its target records, else deleted. A batch has as many target records as
   * source records, except in a two-way sync with duplicates on both sides; then it may take more than
   * one call (under the one permit: a rare overdraft of the budget, not worth a second wait).
   */
  private List<RecordResult> deleteTargets(List<CrmRecord> batch, Map<String, List<String>> deletable) {
    Map<String, Integer> position = new LinkedHashMap<>();
    for (CrmRecord r : batch) {
      for (String targetId : deletable.get(r.id())) {
        position.putIfAbsent(targetId, position.size());
      }
    }
    List<String> targetIds = new ArrayList<>(position.keySet());
    RecordResult[] byIndex = new RecordResult[targetIds.size()];
    int max = target.capabilities().maxBatchSize();
    for (int from = 0; from < targetIds.size(); from += max) {
      List<String> slice = targetIds.subList(from, Math.min(targetIds.size(), from + max));
      List<RecordResult> results = target.delete(c.objectType(), slice);
      if (results.size() != slice.size()) {
        throw new IllegalStateException(target.id() + " returned " + results.size() + " results for "
            + slice.size() + " records");
      }
      for (RecordResult result : results) {
        byIndex[from + checkIndex(result, slice.size())] = result;
      }
    }
    List<RecordResult> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      RecordResult outcome = null;
      for (String targetId : deletable.get(batch.get(i).id())) {
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

  /**
   * Records of a task settled without a write: unchanged, {@code kept} of them because their target record
   * is shared, whose {@code unlinks} are removed with whatever settles the task.
   */
  private record Skipped(int count, int kept, List<IdLink> unlinks) {
    static final Skipped NONE = new Skipped(0, 0, List.of());
  }

  /** Completes {@code task} with {@code followUps}, removing the skipped records' links in the same step. */
  private boolean complete(LeasedTask task, List<NewTask> followUps, Skipped skipped) {
    if (skipped.unlinks().isEmpty()) {
      return queue.complete(task, followUps);
    }
    return state.applyAndSettle(StateUpdate.unlinking(skipped.unlinks()), queue, Settlement.complete(task, followUps));
  }

  /** Counts the skipped records of a task that was settled with nothing written. */
  private void countSkipped(Payload p, Skipped skipped) {
    addUnchanged(skipped);
    settled(p, skipped.count());
  }

  private void addUnchanged(Skipped skipped) {
    unchanged.add(skipped.count());
    keptShared.add(skipped.kept());
  }

  /** Collects what one batch changes before it is applied and counted. */
  private static final class Outcome {
    final List<IdLink> links = new ArrayList<>();
    final List<IdLink> unlinks = new ArrayList<>();
    final List<Fingerprint> fingerprints = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<CrmRecord> retry = new ArrayList<>();
    final List<String> retryFps = new ArrayList<>();
    long created;
    long updated;
    long deleted;
  }

  @FunctionalInterface
  private interface OnSuccess {
    void accept(CrmRecord record, int index, RecordResult result, Outcome outcome);
  }

  /**
   * Sends {@code toWrite} (the records of {@code p} not already settled as unchanged), then settles the
   * task: applies the outcome to the state store, then completes the task with any follow-ups in one
   * queue step. Counts only if the task was still ours, so a redelivered task is never counted twice.
   */
  private void write(LeasedTask task, Payload p, RequestLimiter.Permit permit, List<CrmRecord> toWrite,
      List<String> fps, Skipped skipped, Function<List<CrmRecord>, List<RecordResult>> call, OnSuccess onSuccess) {
    String op = p.op() == Op.DELETE ? "delete" : "upsert";
    int attemptsMade = task.attempts() + 1;
    if (toWrite.isEmpty()) {
      if (complete(task, List.of(), skipped)) {
        countSkipped(p, skipped);
        listener.onBatchDone(c.jobId(), 0, skipped.count(), 0);
        listener.onProgress(c.jobId(), progress());
      }
      return;
    }
    List<RecordResult> results;
    try (permit) {
      results = call.apply(toWrite);
      if (results.size() != toWrite.size()) {
        throw new IllegalStateException(target.id() + " returned " + results.size() + " results for "
            + toWrite.size() + " records");
      }
    } catch (CrmRateLimitException e) {
      rateLimited.increment();
      targetLimiter.pauseUntil(time.now().plus(e.retryAfter()));
      listener.onRateLimited(c.jobId(), target.id(), e.retryAfter(), toWrite.size());
      requeue(task, p, toWrite, fps, skipped, e.retryAfter(), task.attempts());
      return;
    } catch (CrmAuthenticationException e) {
      fail("authentication with target " + target.id() + " lost: " + e.getMessage(), e, Alert.Kind.AUTHENTICATION_LOST);
      requeue(task, p, toWrite, fps, skipped, Duration.ZERO, task.attempts());
      return;
    } catch (CrmRequestException e) {
      if (toWrite.size() > 1) {
        // The CRM refused the whole batch for what is likely one bad record: split it so the good ones land.
        int half = toWrite.size() / 2;
        List<NewTask> parts = List.of(
            followUp(p, toWrite.subList(0, half), sub(fps, 0, half), Duration.ZERO, task.attempts()),
            followUp(p, toWrite.subList(half, toWrite.size()), sub(fps, half, toWrite.size()), Duration.ZERO,
                task.attempts()));
        if (complete(task, parts, skipped)) {
          countSkipped(p, skipped);
        }
      } else {
        deadLetterAll(task, p, toWrite, skipped, op, e, attemptsMade);
      }
      return;
    } catch (RuntimeException e) {
      if (retry.shouldRetry(e, attemptsMade)) {
        Duration delay = retry.delay(attemptsMade);
        if (requeue(task, p, toWrite, fps, skipped, delay, attemptsMade)) {
          retries.increment();
          listener.onRetry(c.jobId(), toWrite.size(), attemptsMade + 1, delay, e);
        }
      } else {
        deadLetterAll(task, p, toWrite, skipped, op, e, attemptsMade);
      }
      return;
    }

    Outcome out = new Outcome();
    Instant now = time.now();
    int failed = 0;
    for (int i = 0; i < toWrite.size(); i++) {
      RecordResult result = results.get(i);
      CrmRecord r = toWrite.get(result.index() == i ? i : checkIndex(result, toWrite.size()));
      if (result.succeeded()) {
        onSuccess.accept(r, result.index(), result, out);
        continue;
      }
      failed++;
      RecordError error = Objects.requireNonNull(result.error());
      boolean canRetry = error.retryable() && (retry.maxAttempts() == -1 || attemptsMade < retry.maxAttempts());
      if (canRetry) {
        out.retry.add(r);
        if (!fps.isEmpty()) {
          out.retryFps.add(fps.get(result.index()));
        }
      } else {
        out.deadLetters.add(new DeadLetter(c.jobId(), op, r, error.code(), describe(error), attemptsMade, now));
      }
    }
    List<NewTask> followUps = List.of();
    Duration retryDelay = Duration.ZERO;
    if (!out.retry.isEmpty()) {
      retryDelay = retry.delay(attemptsMade);
      followUps = List.of(followUp(p, out.retry, out.retryFps, retryDelay, attemptsMade));
    }
    List<IdLink> unlinks = out.unlinks;
    if (!skipped.unlinks().isEmpty()) {
      unlinks.addAll(skipped.unlinks());
    }
    StateUpdate update = new StateUpdate(out.links, out.fingerprints, out.deadLetters, unlinks);
    if (!state.applyAndSettle(update, queue, Settlement.complete(task, followUps))) {
      log.warn("Task {} of job {} lost its lease before it was settled; it will run again", task.id(), c.jobId());
      return;
    }
    created.add(out.created);
    updated.add(out.updated);
    deleted.add(out.deleted);
    addUnchanged(skipped);
    if (!out.deadLetters.isEmpty()) {
      out.deadLetters.forEach(listener::onDeadLetter);
      addDead(out.deadLetters.size());
    }
    if (!out.retry.isEmpty()) {
      retries.increment();
      listener.onRetry(c.jobId(), out.retry.size(), attemptsMade + 1, retryDelay,
          new CrmSyncException(target.id(), "records failed with retryable errors"));
    }
    long written = out.created + out.updated + out.deleted;
    settled(p, skipped.count() + written + out.deadLetters.size());
    listener.onBatchDone(c.jobId(), (int) written, skipped.count(), failed);
    listener.onProgress(c.jobId(), progress());
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

  private NewTask followUp(Payload p, List<CrmRecord> records, List<String> fps, Duration delay, int attempts) {
    return newTask(new Payload(p.run(), p.page(), p.op(), records, fps), delay, attempts);
  }

  private static List<String> sub(List<String> fps, int from, int to) {
    return fps.isEmpty() ? fps : fps.subList(from, to);
  }

  private NewTask newTask(Payload payload, Duration delay, int attempts) {
    if (local != null) {
      return local.attach(payload, () -> codec.encode(payload), delay, attempts);
    }
    return new NewTask(codec.encode(payload), delay, attempts);
  }

  /** Puts {@code toWrite} back on the queue as a new task and settles the skipped records. */
  private boolean requeue(LeasedTask task, Payload p, List<CrmRecord> toWrite, List<String> fps, Skipped skipped,
      Duration delay, int attempts) {
    if (complete(task, List.of(followUp(p, toWrite, fps, delay, attempts)), skipped)) {
      countSkipped(p, skipped);
      return true;
    }
    return false;
  }

  private void deadLetterAll(LeasedTask task, Payload p, List<CrmRecord> records, Skipped skipped, String op,
      RuntimeException cause, int attempts) {
    Instant now = time.now();
    String code = cause instanceof CrmSyncException ? cause.getClass().getSimpleName() : cause.getClass().getName();
    List<DeadLetter> letters = new ArrayList<>(records.size());
    for (CrmRecord r : records) {
      letters.add(new DeadLetter(c.jobId(), op, r, code, String.valueOf(cause.getMessage()), attempts, now));
    }
    // A task given up on whole keeps its payload in the queue's dead letters too, for replay.
    Settlement settlement = skipped.count() == 0
        ? Settlement.deadLetter(task, code + ": " + cause.getMessage())
        : Settlement.complete(task, List.of());
    boolean ours = state.applyAndSettle(new StateUpdate(List.of(), List.of(), letters, skipped.unlinks()), queue,
        settlement);
    if (!ours) {
      return;
    }
    addUnchanged(skipped);
    letters.forEach(listener::onDeadLetter);
    addDead(letters.size());
    settled(p, skipped.count() + letters.size());
    listener.onBatchDone(c.jobId(), 0, skipped.count(), letters.size());
    listener.onProgress(c.jobId(), progress());
  }
}

package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What every part of one run shares: the settings, the run's identity and the names derived from it,
 * the adapters, backend and limiters, and whether (and why) the run must end.
 */
final class Run {
  final CRMSync.Config config;
  final String runId = UUID.randomUUID().toString();
  final String jobId;
  final String topic;
  final CRMAdapter source;
  final CRMAdapter target;
  final SyncBackend backend;
  final TaskQueue queue;
  final SyncStateStore state;
  final TimeSource time;
  final RequestLimiter sourceLimiter;
  final RequestLimiter targetLimiter;
  final GuardedListener listener;
  final RetryDecider retry;
  final TaskCodec codec = new TaskCodec();
  /**
   * Whether the queue is durable, and so possibly shared with worker processes elsewhere: then a page is
   * safe once its records are enqueued (the checkpoint moves then), memory is bounded by the queue's
   * unfinished tasks, and the run is over when the queue is drained, whoever settled what.
   */
  final boolean shared;
  /** Fingerprints of what was written into the target from the source: {@code target/type<source}. */
  final String targetScope;
  /** Fingerprints of the same content on the source's side, for a two-way sync: {@code source/type<target}. */
  final String sourceScope;
  final Instant startedAt;
  /** The two-way pass this run is, or {@code null} for a one-way sync. */
  final @Nullable Pairing pairing;
  /** The run's search for probable duplicates, while it is open; {@code null} if the sync has no finder. */
  volatile @Nullable IngestDuplicates duplicates;

  private final AtomicBoolean stopRequested;
  private final AtomicReference<SyncReport.@Nullable Failure> failure = new AtomicReference<>();
  private volatile @Nullable Instant quotaResetsAt;

  Run(CRMSync.Config config, RequestLimiter sourceLimiter, RequestLimiter targetLimiter, AtomicBoolean stopRequested,
      @Nullable Pairing pairing) {
    this.config = config;
    this.pairing = pairing;
    this.jobId = config.jobId();
    this.topic = "crmsync:" + config.jobId();
    this.source = config.source();
    this.target = config.target();
    this.backend = config.backend();
    this.queue = backend.queue();
    this.state = backend.stateStore();
    this.time = config.timeSource();
    this.sourceLimiter = sourceLimiter;
    this.targetLimiter = targetLimiter;
    this.stopRequested = stopRequested;
    this.listener = new GuardedListener(config.listener(), config.alertSink());
    this.retry = new RetryDecider(config.retryPolicy(), runId.hashCode());
    this.shared = queue.isDurable();
    // keyed by the record's own id string, so a million fingerprints cost no extra key strings
    this.targetScope = targetScope(config);
    this.sourceScope = source.id() + "/" + config.objectType() + "<" + target.id();
    this.startedAt = time.now();
  }

  /** Where a job keeps fingerprints of what it wrote into the target: {@code target/type<source}. */
  static String targetScope(CRMSync.Config config) {
    return config.target().id() + "/" + config.objectType() + "<" + config.source().id();
  }

  /** Whether the run must wind down: stopped, or failed. */
  boolean halted() {
    return stopRequested.get() || failure.get() != null;
  }

  boolean stopRequested() {
    return stopRequested.get();
  }

  void requestStop() {
    stopRequested.set(true);
  }

  /** Ends the run with {@code message} as its failure and raises an alert of {@code kind}, once: the first failure wins. */
  void fail(Alert.Kind kind, String message, @Nullable Throwable cause) {
    if (failure.compareAndSet(null, new SyncReport.Failure(kind, message, cause))) {
      listener.alert(new Alert(kind, jobId, message, cause, time.now()));
    }
  }

  /** Ends the run because a quota is spent, remembering when it resets if known. */
  void quotaExhausted(String message, @Nullable Instant resetsAt, @Nullable Throwable cause) {
    if (resetsAt != null) {
      quotaResetsAt = resetsAt;
    }
    fail(Alert.Kind.QUOTA_EXHAUSTED, message, cause);
  }

  SyncReport.@Nullable Failure failure() {
    return failure.get();
  }

  @Nullable Instant quotaResetsAt() {
    return quotaResetsAt;
  }
}

package io.crmsync.internal;

import io.crmsync.Alert;
import io.crmsync.AlertSink;
import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.state.DeadLetter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls user code so that it cannot throw into the engine: failures are logged (a warning the first time,
 * debug after). A {@link VirtualMachineError} is not the listener's doing and is rethrown.
 */
public final class GuardedListener implements SyncListener {
  private static final Logger log = LoggerFactory.getLogger(GuardedListener.class);

  private final SyncListener delegate;
  private final AlertSink alerts;
  private final AtomicBoolean warned = new AtomicBoolean();

  public GuardedListener(SyncListener delegate, AlertSink alerts) {
    this.delegate = delegate;
    this.alerts = alerts;
  }

  private void failed(String what, Throwable t) {
    if (t instanceof VirtualMachineError fatal) {
      throw fatal; // out of memory or stack: not the listener's fault, and not safe to carry on as if nothing happened
    }
    if (warned.compareAndSet(false, true)) {
      log.warn("A SyncListener threw from {}; ignoring it (further failures are logged at debug)", what, t);
    } else {
      log.debug("A SyncListener threw from {}", what, t);
    }
  }

  /** Logs the alert on one line (its cause's stack trace at debug) and hands it to the sink. */
  public void alert(Alert alert) {
    log.error("crm-sync alert {} in job {}: {}", alert.kind(), alert.jobId(), alert.message());
    if (alert.cause() != null) {
      log.debug("Cause of the {} alert in job {}", alert.kind(), alert.jobId(), alert.cause());
    }
    try {
      alerts.alert(alert);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError fatal) {
        throw fatal;
      }
      log.warn("The AlertSink threw while handling {}; ignoring it", alert.kind(), t);
    }
  }

  @Override
  public void onRunStarted(String jobId) {
    try {
      delegate.onRunStarted(jobId);
    } catch (Throwable t) {
      failed("onRunStarted", t);
    }
  }

  @Override
  public void onRunFinished(io.crmsync.SyncReport report) {
    try {
      delegate.onRunFinished(report);
    } catch (Throwable t) {
      failed("onRunFinished", t);
    }
  }

  @Override
  public void onCheckpoint(String jobId, io.crmsync.state.Checkpoint checkpoint) {
    try {
      delegate.onCheckpoint(jobId, checkpoint);
    } catch (Throwable t) {
      failed("onCheckpoint", t);
    }
  }

  @Override
  public void onSettledUpTo(String jobId, java.time.Instant modifiedAt) {
    try {
      delegate.onSettledUpTo(jobId, modifiedAt);
    } catch (Throwable t) {
      failed("onSettledUpTo", t);
    }
  }

  @Override
  public void onPageRead(String jobId, int records) {
    try {
      delegate.onPageRead(jobId, records);
    } catch (Throwable t) {
      failed("onPageRead", t);
    }
  }

  @Override
  public void onProgress(String jobId, SyncProgress progress) {
    try {
      delegate.onProgress(jobId, progress);
    } catch (Throwable t) {
      failed("onProgress", t);
    }
  }

  @Override
  public void onBatchDone(String jobId, int written, int unchanged, int failed) {
    try {
      delegate.onBatchDone(jobId, written, unchanged, failed);
    } catch (Throwable t) {
      failed("onBatchDone", t);
    }
  }

  @Override
  public void onRateLimited(String jobId, String system, Duration retryAfter, int records) {
    try {
      delegate.onRateLimited(jobId, system, retryAfter, records);
    } catch (Throwable t) {
      failed("onRateLimited", t);
    }
  }

  @Override
  public void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {
    try {
      delegate.onRetry(jobId, records, attempt, delay, cause);
    } catch (Throwable t) {
      failed("onRetry", t);
    }
  }

  @Override
  public void onDeadLetter(DeadLetter deadLetter) {
    try {
      delegate.onDeadLetter(deadLetter);
    } catch (Throwable t) {
      failed("onDeadLetter", t);
    }
  }

  @Override
  public void onProbableDuplicate(String jobId, String sourceId, String targetId, double score, String reason,
      io.crmsync.DuplicatePolicy action) {
    try {
      delegate.onProbableDuplicate(jobId, sourceId, targetId, score, reason, action);
    } catch (Throwable t) {
      failed("onProbableDuplicate", t);
    }
  }

  @Override
  public void onHeldForReview(DeadLetter letter) {
    try {
      delegate.onHeldForReview(letter);
    } catch (Throwable t) {
      failed("onHeldForReview", t);
    }
  }
}

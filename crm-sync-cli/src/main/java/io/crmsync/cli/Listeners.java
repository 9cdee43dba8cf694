package io.crmsync.cli;

import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Several listeners heard as one, in order: each hears every event even if one before it throws (the first
 * failure is rethrown afterwards, for the engine's guard to log).
 */
final class Listeners implements SyncListener {
  private final List<SyncListener> all;

  private Listeners(List<SyncListener> all) {
    this.all = all;
  }

  static SyncListener of(SyncListener... listeners) {
    List<SyncListener> l = java.util.Arrays.stream(listeners).filter(x -> x != SyncListener.NONE).toList();
    return l.isEmpty() ? SyncListener.NONE : l.size() == 1 ? l.get(0) : new Listeners(l);
  }

  private void each(java.util.function.Consumer<SyncListener> event) {
    RuntimeException first = null;
    for (SyncListener l : all) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void onRunStarted(String jobId) {
    each(l -> l.onRunStarted(jobId));
  }

  @Override
  public void onRunFinished(SyncReport report) {
    each(l -> l.onRunFinished(report));
  }

  @Override
  public void onCheckpoint(String jobId, Checkpoint checkpoint) {
    each(l -> l.onCheckpoint(jobId, checkpoint));
  }

  @Override
  public void onSettledUpTo(String jobId, Instant modifiedAt) {
    each(l -> l.onSettledUpTo(jobId, modifiedAt));
  }

  @Override
  public void onPageRead(String jobId, int records) {
    each(l -> l.onPageRead(jobId, records));
  }

  @Override
  public void onProgress(String jobId, SyncProgress progress) {
    each(l -> l.onProgress(jobId, progress));
  }

  @Override
  public void onBatchDone(String jobId, int written, int unchanged, int failed) {
    each(l -> l.onBatchDone(jobId, written, unchanged, failed));
  }

  @Override
  public void onRateLimited(String jobId, String system, Duration retryAfter, int records) {
    each(l -> l.onRateLimited(jobId, system, retryAfter, records));
  }

  @Override
  public void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {
    each(l -> l.onRetry(jobId, records, attempt, delay, cause));
  }

  @Override
  public void onDeadLetter(DeadLetter deadLetter) {
    each(l -> l.onDeadLetter(deadLetter));
  }
}

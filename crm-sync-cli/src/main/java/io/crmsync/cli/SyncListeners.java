package io.crmsync.cli;

import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import java.time.Duration;

/** Listeners the CLI puts together. */
final class SyncListeners {
  private SyncListeners() {}

  /** Both listeners, {@code a} first. */
  static SyncListener both(SyncListener a, SyncListener b) {
    return new SyncListener() {
      @Override
      public void onRunStarted(String jobId) {
        a.onRunStarted(jobId);
        b.onRunStarted(jobId);
      }

      @Override
      public void onRunFinished(SyncReport report) {
        a.onRunFinished(report);
        b.onRunFinished(report);
      }

      @Override
      public void onCheckpoint(String jobId, Checkpoint checkpoint) {
        a.onCheckpoint(jobId, checkpoint);
        b.onCheckpoint(jobId, checkpoint);
      }

      @Override
      public void onPageRead(String jobId, int records) {
        a.onPageRead(jobId, records);
        b.onPageRead(jobId, records);
      }

      @Override
      public void onProgress(String jobId, SyncProgress progress) {
        a.onProgress(jobId, progress);
        b.onProgress(jobId, progress);
      }

      @Override
      public void onBatchDone(String jobId, int written, int unchanged, int failed) {
        a.onBatchDone(jobId, written, unchanged, failed);
        b.onBatchDone(jobId, written, unchanged, failed);
      }

      @Override
      public void onRateLimited(String jobId, String system, Duration retryAfter, int records) {
        a.onRateLimited(jobId, system, retryAfter, records);
        b.onRateLimited(jobId, system, retryAfter, records);
      }

      @Override
      public void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {
        a.onRetry(jobId, records, attempt, delay, cause);
        b.onRetry(jobId, records, attempt, delay, cause);
      }

      @Override
      public void onDeadLetter(DeadLetter deadLetter) {
        a.onDeadLetter(deadLetter);
        b.onDeadLetter(deadLetter);
      }
    };
  }
}

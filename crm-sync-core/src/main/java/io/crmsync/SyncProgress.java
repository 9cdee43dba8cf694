package io.crmsync;

import java.time.Duration;

/**
 * Where a running sync stands.
 *
 * @param read records read from the source so far
 * @param written records written (created, updated or deleted) in the target
 * @param unchanged records skipped because the target already has their content
 * @param deadLettered records given up on, each with its cause
 * @param inFlight records read but not yet settled
 * @param elapsed time since the run started
 */
public record SyncProgress(long read, long written, long unchanged, long deadLettered, long inFlight, Duration elapsed) {
  /** Records settled so far: written, unchanged or dead-lettered. */
  public long settled() {
    return written + unchanged + deadLettered;
  }
}

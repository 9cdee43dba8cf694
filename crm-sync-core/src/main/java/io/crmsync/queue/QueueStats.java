package io.crmsync.queue;

/**
 * Counts of a topic's tasks at one moment.
 *
 * @param ready tasks that may be leased now
 * @param delayed tasks waiting for their run time
 * @param leased tasks held by workers
 * @param dead tasks given up on
 */
public record QueueStats(long ready, long delayed, long leased, long dead) {
  /** Tasks not yet completed or given up on. */
  public long unfinished() {
    return ready + delayed + leased;
  }
}

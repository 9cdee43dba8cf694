package io.crmsync.jdbc;

import io.crmsync.jdbc.internal.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * A process that holds leases on tasks of a topic now, and whether it is still alive: what a run that
 * waits for those tasks is waiting for. From {@link PostgresSync#leaseHolders(String)}.
 *
 * @param process the process, as {@code host:pid#instance} (or the worker name a version before this one
 *     recorded)
 * @param status whether it is this process, another that is alive, or one that is gone
 * @param tasks how many tasks it holds
 * @param leaseEndsAt when the last of its leases ends (on the visibility timeout)
 */
public record LeaseHolder(String process, Status status, long tasks, Instant leaseEndsAt) {

  /** What is known of the process that holds the leases. */
  public enum Status {
    /** This process: its workers are on the tasks. */
    THIS_PROCESS,
    /** Another process that is alive: it holds its database session. */
    ALIVE,
    /**
     * A process that is gone: its session ended (it crashed, was killed, or lost its connection). Its
     * leases are taken back by the next worker that finds nothing else to do.
     */
    GONE,
    /**
     * Unknown: the holder took its leases without a session lock (a version before this one, or {@code
     * reclaimLeases=false}); they end on the visibility timeout.
     */
    UNKNOWN
  }

  public LeaseHolder {
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(leaseEndsAt, "leaseEndsAt");
  }

  /**
   * One line for progress output, such as {@code "3 tasks leased by a process that is still alive
   * (db-worker-2:4242#1f0c9a3e), lease ends in 4 min"}.
   */
  public String describe(Instant now) {
    Objects.requireNonNull(now, "now");
    String count = tasks == 1 ? "1 task" : String.format(Locale.ROOT, "%,d tasks", tasks);
    Duration left = Duration.between(now, leaseEndsAt);
    String ends = left.isNegative() || left.isZero() ? "lease ended" : "lease ends in " + Durations.format(left);
    return switch (status) {
      case THIS_PROCESS -> count + " leased by this process, " + ends;
      case ALIVE -> count + " leased by a process that is still alive (" + process + "), " + ends;
      case GONE -> count + " leased by a process that has ended (" + process + "), taken back now";
      case UNKNOWN -> count + " leased by " + process + " (alive or not is unknown), " + ends;
    };
  }
}

package io.crmsync.queue;

import io.crmsync.TimeSource;
import io.crmsync.queue.internal.InMemoryTaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An at-least-once queue of tasks, partitioned by topic. The engine enqueues one task per batch, workers
 * lease tasks with a visibility timeout and settle each by completing it (optionally enqueueing follow-up
 * tasks in the same step), retrying it later, or dead-lettering it. A lease that expires returns the task
 * to the queue, so a crashed worker's task runs again elsewhere.
 *
 * <p>Payloads are JSON text, so a durable implementation (the {@code crm-sync-jdbc} module's PostgreSQL
 * queue) can store them. Implementations must be thread-safe and pass the testkit's {@code
 * TaskQueueContract}.
 */
public interface TaskQueue extends AutoCloseable {

  /** A queue in this process's memory, on the system clock. Lost when the process ends. */
  static TaskQueue inMemory() {
    return new InMemoryTaskQueue(TimeSource.system());
  }

  /** A queue in this process's memory, on {@code timeSource}. */
  static TaskQueue inMemory(TimeSource timeSource) {
    return new InMemoryTaskQueue(timeSource);
  }

  /** Whether tasks survive the end of this process. */
  boolean isDurable();

  /**
   * Enqueues tasks on {@code topic}, in order, atomically.
   *
   * @return their ids, in the same order
   */
  List<String> enqueue(String topic, List<NewTask> tasks);

  /**
   * Leases up to {@code max} tasks of {@code topic} whose run time has come, oldest run time first, for
   * {@code visibilityTimeout}. Never blocks; returns an empty list when none is ready.
   */
  List<LeasedTask> lease(String topic, String workerId, int max, Duration visibilityTimeout);

  /**
   * Completes {@code task} and enqueues {@code followUps} on its topic in one step: either both happen or
   * neither does.
   *
   * @return false if the lease was lost (expired and taken by another worker), in which case nothing
   *     happens
   */
  boolean complete(LeasedTask task, List<NewTask> followUps);

  /** Completes {@code task}; see {@link #complete(LeasedTask, List)}. */
  default boolean complete(LeasedTask task) {
    return complete(task, List.of());
  }

  /**
   * Returns {@code task} to the queue after {@code delay} with one more failed attempt.
   *
   * @return false if the lease was lost
   */
  boolean retry(LeasedTask task, Duration delay, String cause);

  /**
   * Gives up on {@code task}: it moves to the dead letters with {@code cause}.
   *
   * @return false if the lease was lost
   */
  boolean deadLetter(LeasedTask task, String cause);

  /** Counts of {@code topic}'s tasks now, and when its oldest unfinished task was enqueued. */
  QueueStats stats(String topic);

  /**
   * The earliest instant at which a task of {@code topic} that cannot be leased now will become leasable
   * (a delayed task's run time or a lease's expiry), or empty if there is none. Idle workers sleep until
   * then on their {@link TimeSource}.
   */
  Optional<Instant> nextDueAt(String topic);

  /**
   * Blocks until a task may have been enqueued on {@code topic}, at most {@code maxWait} of real time.
   * May return early or spuriously; callers lease again afterwards.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  void awaitWork(String topic, Duration maxWait) throws InterruptedException;

  /** Up to {@code limit} dead tasks of {@code topic}, oldest first. */
  List<DeadTask> deadLetters(String topic, int limit);

  /** Releases what the queue holds; a durable queue keeps its tasks. */
  @Override
  default void close() {}
}

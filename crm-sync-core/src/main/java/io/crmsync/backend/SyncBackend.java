package io.crmsync.backend;

import io.crmsync.TimeSource;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;

/**
 * What the sync engine needs to survive a crash: a {@link TaskQueue} of batches and a {@link
 * SyncStateStore} of checkpoints, id links, fingerprints and dead letters, and a way to {@linkplain
 * #commit commit} a batch's state together with the settlement of its task.
 *
 * <p>{@link #inMemory} is the default (lost when the process ends); {@code crm-sync-jdbc}'s {@code
 * PostgresSync.backend()} keeps both in PostgreSQL and commits in one transaction. {@link #of} combines
 * any queue with any store. Implementations must be thread-safe and pass the testkit's {@code
 * SyncEngineContract}, {@code TaskQueueContract} and {@code SyncStateStoreContract}.
 */
public interface SyncBackend extends AutoCloseable {

  /** A queue and state store in this process's memory, on {@code timeSource}. */
  static SyncBackend inMemory(TimeSource timeSource) {
    return of(TaskQueue.inMemory(timeSource), SyncStateStore.inMemory());
  }

  /**
   * {@code queue} and {@code stateStore} used together: {@link #commit} applies the update, then settles
   * the task. That is safe because the engine's writes are idempotent: a task whose lease was lost in
   * between runs again and finds its content written. Closing the backend closes neither.
   *
   * @throws NullPointerException if an argument is null
   */
  static SyncBackend of(TaskQueue queue, SyncStateStore stateStore) {
    return new CombinedBackend(queue, stateStore);
  }

  /** The task queue. */
  TaskQueue queue();

  /** The state store. */
  SyncStateStore stateStore();

  /**
   * Applies a batch's {@code update} and carries out its task's {@code settlement}, as one unit where
   * the queue and the store can share a transaction: then either both happen or, if the task's lease
   * was lost, neither does. Otherwise the update is applied first.
   *
   * @return false if the task's lease was lost
   */
  boolean commit(StateUpdate update, Settlement settlement);

  /** Releases what the backend holds; durable backends keep their data. */
  @Override
  default void close() {}
}

package io.crmsync.state;

import io.crmsync.queue.TaskQueue;
import io.crmsync.state.internal.InMemorySyncStateStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a sync remembers between batches and runs: checkpoints, id links between systems, fingerprints of
 * written content, and dead letters. The engine reads in bulk (one call per batch) and writes each
 * batch's outcome with one {@link #apply} call.
 *
 * <p>Implementations must be thread-safe. The in-memory default forgets everything when the process
 * ends; the {@code crm-sync-jdbc} module keeps it in PostgreSQL.
 */
public interface SyncStateStore extends AutoCloseable {

  /** A store in this process's memory. */
  static SyncStateStore inMemory() {
    return new InMemorySyncStateStore();
  }

  /** The job's last checkpoint, or empty if it never saved one. */
  Optional<Checkpoint> checkpoint(String jobId);

  /** Saves the job's checkpoint, replacing the previous one. */
  void saveCheckpoint(String jobId, Checkpoint checkpoint);

  /**
   * The ids in {@code toSystem} linked to {@code fromIds} of {@code fromSystem}; ids without a link are
   * absent from the result. Links are symmetric: a link saved from A to B is found from B to A too.
   */
  Map<String, String> linkedIds(String objectType, String fromSystem, Collection<String> fromIds, String toSystem);

  /** The fingerprints saved under {@code scope} for {@code keys}; keys without one are absent. */
  Map<String, String> fingerprints(String scope, Collection<String> keys);

  /**
   * Saves a batch's links, fingerprints and dead letters in one step. A dead letter for a record that
   * already has one in the same job and operation (the same record id) replaces it: a store keeps each
   * record's latest failure, so that a record that stays invalid is not listed again on every run.
   * Letters for records without an id are all kept.
   */
  void apply(StateUpdate update);

  /**
   * Applies a batch's {@code update} and settles its task on {@code queue}, as one step where this store
   * and the queue can share a transaction: then either both happen or, if the task's lease was lost,
   * neither does. The default applies the update, then settles, which is safe because the engine's
   * writes are idempotent (a lost lease means the batch runs again and finds its content written).
   *
   * @return false if the lease was lost
   */
  default boolean applyAndSettle(StateUpdate update, TaskQueue queue, Settlement settlement) {
    if (!update.isEmpty()) {
      apply(update);
    }
    return settlement.applyTo(queue);
  }

  /** Up to {@code limit} of the job's dead letters, in the order they were last written (oldest first). */
  List<DeadLetter> deadLetters(String jobId, int limit);

  /** How many dead letters the job has: one per record and operation, besides those without an id. */
  long deadLetterCount(String jobId);

  @Override
  default void close() {}
}

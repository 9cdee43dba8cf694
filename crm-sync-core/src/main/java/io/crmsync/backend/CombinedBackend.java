package io.crmsync.backend;

import io.crmsync.queue.TaskQueue;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.util.Objects;

/** {@link SyncBackend#of}: a queue and a store, committed one after the other. */
final class CombinedBackend implements SyncBackend {
  private final TaskQueue queue;
  private final SyncStateStore stateStore;

  CombinedBackend(TaskQueue queue, SyncStateStore stateStore) {
    this.queue = Objects.requireNonNull(queue, "queue");
    this.stateStore = Objects.requireNonNull(stateStore, "stateStore");
  }

  @Override
  public TaskQueue queue() {
    return queue;
  }

  @Override
  public SyncStateStore stateStore() {
    return stateStore;
  }

  @Override
  public boolean commit(StateUpdate update, Settlement settlement) {
    if (!update.isEmpty()) {
      stateStore.apply(update);
    }
    return settlement.applyTo(queue);
  }

  @Override
  public String toString() {
    return queue + " + " + stateStore;
  }
}

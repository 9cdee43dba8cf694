package io.crmsync.testkit;

import io.crmsync.TimeSource;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;

class InMemorySyncEngineTest extends SyncEngineContract {
  @Override
  protected TaskQueue newQueue(TimeSource time) {
    return TaskQueue.inMemory(time);
  }

  @Override
  protected SyncStateStore newStateStore() {
    return SyncStateStore.inMemory();
  }
}

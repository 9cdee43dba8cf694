package io.crmsync.tck;

import io.crmsync.TimeSource;
import io.crmsync.queue.TaskQueue;

class InMemoryTaskQueueContractTest extends TaskQueueContract {
  @Override
  protected TaskQueue newQueue(TimeSource time) {
    return TaskQueue.inMemory(time);
  }
}

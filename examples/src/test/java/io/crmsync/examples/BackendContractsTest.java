package io.crmsync.examples;

import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import io.crmsync.tck.SyncEngineContract;
import io.crmsync.tck.SyncStateStoreContract;
import io.crmsync.tck.TaskQueueContract;
import org.junit.jupiter.api.Nested;

/**
 * The contract suites for queues, state stores and backends, extended the way a host application with its
 * own JUnit extends them (here the oldest supported: see {@link OldestSupportedJUnitTest}), against the
 * in-memory implementations. The adapter suite runs in {@code acme.AcmeCrmContractTest}.
 */
class BackendContractsTest {
  @Nested
  class InMemoryTaskQueue extends TaskQueueContract {
    @Override
    protected TaskQueue newQueue(TimeSource time) {
      return TaskQueue.inMemory(time);
    }
  }

  @Nested
  class InMemorySyncStateStore extends SyncStateStoreContract {
    @Override
    protected SyncStateStore newStore() {
      return SyncStateStore.inMemory();
    }
  }

  @Nested
  class InMemoryBackendUnderTheEngine extends SyncEngineContract {
    @Override
    protected SyncBackend newBackend(TimeSource time) {
      return SyncBackend.inMemory(time);
    }
  }
}

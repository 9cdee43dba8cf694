package io.crmsync.tck;

import io.crmsync.state.SyncStateStore;

class InMemorySyncStateStoreContractTest extends SyncStateStoreContract {
  @Override
  protected SyncStateStore newStore() {
    return SyncStateStore.inMemory();
  }
}

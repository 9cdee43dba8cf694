package io.crmsync.tck;

import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;

class InMemoryDuplicatesOnIngestTest extends DuplicatesOnIngestContract {
  @Override
  protected SyncBackend newBackend(TimeSource time) {
    return SyncBackend.inMemory(time);
  }
}

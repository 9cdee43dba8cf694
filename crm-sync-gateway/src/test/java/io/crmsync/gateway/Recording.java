package io.crmsync.gateway;

import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real adapter with a log of what it wrote successfully, in order, and a switch that makes the next write
 * end the "process" after the target applied it (an {@link Error} out of the gateway's round, as a kill -9
 * would leave it: leases held, nothing settled).
 */
final class Recording implements CRMAdapter {
  final CRMAdapter delegate;
  final List<CrmRecord> written = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger upsertCalls = new AtomicInteger();
  final AtomicInteger deleteCalls = new AtomicInteger();
  /** Upsert calls that returned an answer. */
  final AtomicInteger answeredUpserts = new AtomicInteger();
  volatile boolean killAfterNextWrite;

  Recording(CRMAdapter delegate) {
    this.delegate = delegate;
  }

  static final class Killed extends Error {
    private static final long serialVersionUID = 1L;

    Killed() {
      super("process killed after the target applied a write");
    }
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public AdapterCapabilities capabilities() {
    return delegate.capabilities();
  }

  @Override
  public Page read(ReadRequest request) {
    return delegate.read(request);
  }

  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    upsertCalls.incrementAndGet();
    List<RecordResult> results = delegate.upsert(objectType, records, key);
    answeredUpserts.incrementAndGet();
    for (RecordResult r : results) {
      if (r.succeeded()) {
        written.add(records.get(r.index()));
      }
    }
    if (killAfterNextWrite) {
      killAfterNextWrite = false;
      throw new Killed();
    }
    return results;
  }

  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    deleteCalls.incrementAndGet();
    return delegate.delete(objectType, ids);
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    return delegate.lookup(objectType, key, value);
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    return delegate.describe(objectType);
  }

  @Override
  public void close() {
    delegate.close();
  }
}

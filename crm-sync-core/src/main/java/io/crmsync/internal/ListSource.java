package io.crmsync.internal;

import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Records already read from one side of a two-way sync, served as a source in pages, under that side's id
 * and fields: the second pass writes them to the first side without reading the second again. Read-only.
 */
final class ListSource implements CRMAdapter {
  private final CRMAdapter side;
  private final List<CrmRecord> records;
  private final Map<String, CrmRecord> byId;
  private final AdapterCapabilities capabilities;

  ListSource(CRMAdapter side, List<CrmRecord> records, Map<String, CrmRecord> byId) {
    this.side = side;
    this.records = List.copyOf(records);
    this.byId = byId;
    this.capabilities = AdapterCapabilities.builder()
        .maxPageSize(Math.max(1, side.capabilities().maxBatchSize()))
        .readsDeleted(side.capabilities().readsDeleted())
        .build();
  }

  /** The record read under {@code id}, as it was read. */
  @Nullable CrmRecord record(String id) {
    return byId.get(id);
  }

  @Override
  public String id() {
    return side.id();
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  @Override
  public Page read(ReadRequest request) {
    int from = request.cursor() == null ? 0 : Integer.parseInt(request.cursor());
    int to = Math.min(records.size(), from + request.pageSize());
    List<CrmRecord> page = new ArrayList<>(to - from);
    for (CrmRecord r : records.subList(from, to)) {
      if (!r.deleted() || request.includeDeleted()) {
        page.add(r);
      }
    }
    return new Page(page, to < records.size() ? Integer.toString(to) : null);
  }

  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    throw new UnsupportedOperationException("records already read are not written back to their own side");
  }

  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    throw new UnsupportedOperationException("records already read are not deleted from their own side");
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    return Optional.empty();
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    return side.describe(objectType);
  }
}

package io.crmsync.adapter;

import io.crmsync.model.CrmRecord;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a read.
 *
 * @param records the records of this page, in the CRM's order
 * @param nextCursor the opaque cursor of the next page, or {@code null} on the last page
 */
public record Page(List<CrmRecord> records, @Nullable String nextCursor) {
  public Page {
    records = List.copyOf(records);
  }

  public boolean hasMore() {
    return nextCursor != null;
  }
}

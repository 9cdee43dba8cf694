package io.crmsync.adapter;

import io.crmsync.spi.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to read: one page of an object type, from a cursor, optionally only records modified since a
 * watermark.
 *
 * @param objectType the object type to read
 * @param cursor the cursor a previous {@link Page#nextCursor()} returned, or {@code null} for the first page
 * @param since read only records modified at or after this instant (incremental read), or {@code null} for all
 * @param pageSize the most records to return; adapters may return fewer, and cap it at their maximum
 * @param includeDeleted whether deleted records are returned too, flagged {@link
 *     io.crmsync.model.CrmRecord#deleted()}
 * @param fields the fields to return; empty means the adapter's default set (standard fields plus those
 *     the adapter was configured to carry)
 */
public record ReadRequest(
    String objectType,
    @Nullable String cursor,
    @Nullable Instant since,
    int pageSize,
    boolean includeDeleted,
    List<String> fields) {

  public static final int DEFAULT_PAGE_SIZE = 100;

  public ReadRequest {
    Objects.requireNonNull(objectType, "objectType");
    Checks.positive(pageSize, "pageSize");
    fields = List.copyOf(fields);
  }

  /** The first page of all records of {@code objectType}, {@value #DEFAULT_PAGE_SIZE} at a time. */
  public static ReadRequest of(String objectType) {
    return new ReadRequest(objectType, null, null, DEFAULT_PAGE_SIZE, false, List.of());
  }

  public ReadRequest withCursor(@Nullable String cursor) {
    return new ReadRequest(objectType, cursor, since, pageSize, includeDeleted, fields);
  }

  public ReadRequest withSince(@Nullable Instant since) {
    return new ReadRequest(objectType, cursor, since, pageSize, includeDeleted, fields);
  }

  public ReadRequest withPageSize(int pageSize) {
    return new ReadRequest(objectType, cursor, since, pageSize, includeDeleted, fields);
  }

  public ReadRequest withIncludeDeleted(boolean includeDeleted) {
    return new ReadRequest(objectType, cursor, since, pageSize, includeDeleted, fields);
  }

  public ReadRequest withFields(List<String> fields) {
    return new ReadRequest(objectType, cursor, since, pageSize, includeDeleted, fields);
  }
}

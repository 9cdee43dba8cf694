package io.crmsync.twoway;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One field that both sides of a two-way sync changed, to different values, since they last agreed.
 * Values are as they are written to the sync's second side (after mapping); {@code null} means absent.
 *
 * @param recordId the record's id on the first side
 * @param field the field, by its name on the second side
 * @param base the value both sides last agreed on, or {@code null}
 * @param first the first side's value now
 * @param second the second side's value now
 * @param firstModifiedAt when the first side's record last changed, if it says
 * @param secondModifiedAt when the second side's record last changed, if it says
 */
public record FieldConflict(
    String recordId,
    String field,
    @Nullable Object base,
    @Nullable Object first,
    @Nullable Object second,
    @Nullable Instant firstModifiedAt,
    @Nullable Instant secondModifiedAt) {
  public FieldConflict {
    Objects.requireNonNull(recordId, "recordId");
    Objects.requireNonNull(field, "field");
  }
}

package io.crmsync.quality;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One member's non-empty value of a field, offered to a {@link SurvivorshipRule}.
 *
 * @param recordId the member it comes from
 * @param value the value as the member has it (not normalised)
 * @param updatedAt when that member last changed, or {@code null}
 * @param source that member's source, or {@code null}
 * @param fromMaster whether that member is the cluster's master
 */
public record FieldCandidate(
    String recordId, String value, @Nullable Instant updatedAt, @Nullable String source, boolean fromMaster) {
  public FieldCandidate {
    Objects.requireNonNull(recordId, "recordId");
    Objects.requireNonNull(value, "value");
  }
}

package io.crmsync.twoway;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A pair a {@link ConflictPolicy} sent to review: both versions as they were, and what they last agreed on,
 * by field name on the second side. Neither side was written; {@link TwoWaySync#resolve} settles it.
 *
 * @param firstId the record's id on the first side
 * @param secondId its id on the second side, if linked
 * @param first the first side's values
 * @param second the second side's values
 * @param base what both last agreed on, if they ever did
 * @param reason which fields both sides changed
 * @param at when it was sent to review
 */
public record ConflictInReview(
    String firstId,
    @Nullable String secondId,
    Map<String, Object> first,
    Map<String, Object> second,
    @Nullable Map<String, Object> base,
    String reason,
    Instant at) {
  public ConflictInReview {
    Objects.requireNonNull(firstId, "firstId");
    first = Map.copyOf(first);
    second = Map.copyOf(second);
    base = base == null ? null : Map.copyOf(base);
  }

  /** Ids, time and the conflicting fields' names: never the records' values, which are personal data. */
  @Override
  public String toString() {
    return "ConflictInReview{first=" + firstId + ", second=" + secondId + ", at=" + at + ", " + reason + "}";
  }
}

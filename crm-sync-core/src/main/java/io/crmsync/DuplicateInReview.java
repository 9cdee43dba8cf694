package io.crmsync;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A record a sync held back because the target probably holds it already ({@link DuplicatePolicy#REVIEW}):
 * neither side was written. {@link CRMSync#resolveDuplicate} settles it.
 *
 * @param sourceId the record's id in the source
 * @param record the record as it would have been written (mapped to the target's fields)
 * @param candidateId the id of the target's record it probably duplicates
 * @param candidate that record's fields, as the finder read them
 * @param score how sure the finder was, in (0, 1]
 * @param reason what agreed
 * @param at when it was held
 */
public record DuplicateInReview(
    String sourceId,
    Map<String, Object> record,
    String candidateId,
    Map<String, Object> candidate,
    double score,
    String reason,
    Instant at) {
  public DuplicateInReview {
    Objects.requireNonNull(sourceId, "sourceId");
    record = Map.copyOf(record);
    Objects.requireNonNull(candidateId, "candidateId");
    candidate = Map.copyOf(candidate);
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
  }

  /** The ids, score and reason; never the fields (personal data). */
  @Override
  public String toString() {
    return "DuplicateInReview{" + sourceId + " ~ " + candidateId + ", score=" + score + ", " + reason + ", at=" + at + "}";
  }
}

package io.crmsync.spi;

import io.crmsync.model.CrmRecord;
import java.util.Objects;

/**
 * A record of the target that a record about to be created probably duplicates.
 *
 * @param index the position of the record about to be created in the batch the finder was asked about
 * @param target the target's record, with its id and at least the sync's match-key field (the engine
 *     writes the new record into it by that key); shown to whoever reviews the pair
 * @param score how sure the finder is, in (0, 1]
 * @param reason what agreed, for logs and reviewers ("same phone, same family name, same company"); never
 *     the values themselves, which are personal data
 */
public record ProbableDuplicate(int index, CrmRecord target, double score, String reason) {
  public ProbableDuplicate {
    Checks.notNegative(index, "index");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(target.id(), "target.id");
    Objects.requireNonNull(reason, "reason");
    if (!(score > 0 && score <= 1)) {
      throw new IllegalArgumentException("score must be in (0, 1]: " + score);
    }
  }

  /** The target record's id. */
  public String targetId() {
    return Objects.requireNonNull(target.id());
  }

  /** The index, target id, score and reason; never the record's fields (personal data). */
  @Override
  public String toString() {
    return "ProbableDuplicate{" + index + " -> " + target.id() + ", score=" + score + ", " + reason + "}";
  }
}

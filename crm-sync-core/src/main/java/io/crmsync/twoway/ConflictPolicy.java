package io.crmsync.twoway;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * How a two-way sync settles a field both sides changed, to different values, since they last agreed.
 * Fields only one side changed never reach a policy: the change is taken (a three-way merge), whatever
 * the policy. Implementations must be thread-safe and should not throw; a policy that throws sends that
 * record's pair to review.
 */
@FunctionalInterface
public interface ConflictPolicy {

  /**
   * What {@code conflict}'s field takes: one side's value, a value of the policy's own, or review (then
   * neither side is written for that pair).
   */
  Resolution resolve(FieldConflict conflict);

  /** The first side's value wins. */
  static ConflictPolicy firstWins() {
    return c -> Resolution.first();
  }

  /** The second side's value wins. */
  static ConflictPolicy secondWins() {
    return c -> Resolution.second();
  }

  /**
   * The value of the record modified last wins (the default); on a tie, or when a side does not say, the
   * first side's.
   */
  static ConflictPolicy latestWins() {
    return c -> {
      Instant a = c.firstModifiedAt();
      Instant b = c.secondModifiedAt();
      return a != null && b != null && b.isAfter(a) ? Resolution.second() : Resolution.first();
    };
  }

  /** Every conflict goes to review: nothing is written to either side for that record until a person decides. */
  static ConflictPolicy review() {
    return c -> Resolution.review();
  }

  /**
   * Each field named in {@code owners} belongs to one side, whose value wins; other fields are settled by
   * {@code otherwise}.
   *
   * @param owners {@link Side} by field name (as written to the second side)
   */
  static ConflictPolicy ownedBy(Map<String, Side> owners, ConflictPolicy otherwise) {
    Map<String, Side> copy = Map.copyOf(owners);
    Objects.requireNonNull(otherwise, "otherwise");
    return c -> {
      Side owner = copy.get(c.field());
      if (owner == null) {
        return otherwise.resolve(c);
      }
      return owner == Side.FIRST ? Resolution.first() : Resolution.second();
    };
  }

  /** The two sides of a two-way sync. */
  enum Side {
    FIRST,
    SECOND
  }
}

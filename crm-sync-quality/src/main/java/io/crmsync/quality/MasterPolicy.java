package io.crmsync.quality;

import java.util.List;
import java.util.Objects;

/**
 * How the master of a cluster is chosen: each member scores {@code completenessWeight * completeness
 * + recencyWeight * recency + sourceWeight * sourcePriority}, each term in [0, 1]; the highest score
 * wins, ties go to the smallest id.
 *
 * <ul>
 *   <li>completeness: the share of the cluster's fields that the member has a value for;
 *   <li>recency: 1 for the most recently updated member, 0 for the oldest (and for unknown times);
 *   <li>source priority: 1 for the first source in {@link #sourcePriority()}, falling linearly to 0
 *       past the last; 0 for sources not listed.
 * </ul>
 *
 * @param completenessWeight at least 0
 * @param recencyWeight at least 0
 * @param sourceWeight at least 0
 * @param sourcePriority source names, most trusted first
 */
public record MasterPolicy(
    double completenessWeight, double recencyWeight, double sourceWeight, List<String> sourcePriority) {

  public MasterPolicy {
    requireWeight("completenessWeight", completenessWeight);
    requireWeight("recencyWeight", recencyWeight);
    requireWeight("sourceWeight", sourceWeight);
    sourcePriority = List.copyOf(Objects.requireNonNull(sourcePriority, "sourcePriority"));
  }

  private static void requireWeight(String name, double w) {
    if (!(w >= 0) || Double.isInfinite(w)) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0: " + w);
    }
  }

  /** Completeness 1, recency 1, source 1, no source order. */
  public static MasterPolicy defaults() {
    return new MasterPolicy(1, 1, 1, List.of());
  }

  /** This policy with {@code sources} as the priority order, most trusted first. */
  public MasterPolicy withSourcePriority(List<String> sources) {
    return new MasterPolicy(completenessWeight, recencyWeight, sourceWeight, sources);
  }
}

package io.crmsync.quality;

import java.util.List;
import java.util.Objects;

/**
 * Why two records were (or were not) judged to match.
 *
 * @param idA the first record
 * @param idB the second record
 * @param mode the mode that judged them
 * @param comparisons every comparison, in schema order
 * @param priorWeight probabilistic: the log2 prior odds of a match among candidate pairs; rules: 0
 * @param totalWeight probabilistic: prior plus the sum of weights (log2 odds of a match); rules: 1 for a
 *     match, 0 otherwise
 * @param matchProbability probabilistic: the match probability; rules: 1 or 0
 * @param match whether the pair counts as a match
 * @param reason one line in words
 */
public record PairExplanation(
    String idA,
    String idB,
    MatchMode mode,
    List<ComparisonDetail> comparisons,
    double priorWeight,
    double totalWeight,
    double matchProbability,
    boolean match,
    String reason) {
  public PairExplanation {
    Objects.requireNonNull(idA, "idA");
    Objects.requireNonNull(idB, "idB");
    Objects.requireNonNull(mode, "mode");
    comparisons = List.copyOf(Objects.requireNonNull(comparisons, "comparisons"));
    Objects.requireNonNull(reason, "reason");
  }
}

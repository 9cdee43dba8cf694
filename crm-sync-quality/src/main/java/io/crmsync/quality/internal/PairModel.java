package io.crmsync.quality.internal;

import io.crmsync.quality.PairExplanation;

/** Judges candidate pairs. Thread-safe. */
public interface PairModel {
  /** A score where higher means more likely the same entity; a match when {@code >= threshold()}. */
  double score(int i, int j);

  double threshold();

  /**
   * Whether the pair is strong evidence of two different entities: clustering refuses a merge that
   * would put such a pair in one cluster, which stops chains through one shared value.
   */
  boolean conflicts(int i, int j, double score);

  /** Clusters whose cross pairs score below this on average are not merged. */
  double conflictMean();

  PairExplanation explain(int i, int j);

  /** The estimated parameters in words. */
  String describe();
}

package io.crmsync.quality;

/** The phases of one deduplication, in the order they run. */
public enum DedupePhase {
  /** Every field with a role is normalised and dictionary-encoded; work items: records. */
  NORMALIZE,
  /** Records are indexed under their blocking keys and candidate pairs counted; work items: records. */
  BLOCK,
  /**
   * The match model's parameters are estimated without labels (probabilistic mode only); work items:
   * candidate pairs sampled.
   */
  ESTIMATE,
  /** Every candidate pair is scored; work items: candidate pairs. */
  COMPARE,
  /** Matches are joined into clusters, strongest first; work items: matched pairs. */
  CLUSTER,
  /** Each cluster gets a master and a merged record; work items: clusters. */
  MERGE
}

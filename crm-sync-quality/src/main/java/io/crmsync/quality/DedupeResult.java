package io.crmsync.quality;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of {@link DataQualityEngine#deduplicate}: clusters with their masters and merged records,
 * statistics, and explanations on demand. Immutable; thread-safe. It keeps the normalised records and
 * the model, so explanations are computed exactly as the decision was.
 */
public interface DedupeResult {
  /** Every cluster, singletons included, ordered by cluster id. */
  List<Cluster> clusters();

  /** Clusters with more than one member. */
  List<Cluster> duplicateClusters();

  /**
   * The cluster of a record.
   *
   * @throws IllegalArgumentException if no input record has that id
   */
  Cluster clusterOf(String recordId);

  /** The cluster with that id. */
  Optional<Cluster> cluster(String clusterId);

  /** Cluster id by record id, for every input record. */
  Map<String, String> clusterIds();

  DedupeStats stats();

  /**
   * Compares two input records with the fitted model, whether or not blocking paired them.
   *
   * @throws IllegalArgumentException if either id is unknown
   */
  PairExplanation explain(String idA, String idB);

  /**
   * Why each member is in the cluster and why the master won.
   *
   * @throws IllegalArgumentException if no cluster has that id
   */
  ClusterExplanation explainCluster(String clusterId);

  /** How many other records {@code recordId} was compared with. */
  int candidateCount(String recordId);

  /** Whether blocking made the two records a candidate pair. */
  boolean isCandidatePair(String idA, String idB);

  /**
   * Pairwise precision, recall and F1 against ground truth, with blocking recall.
   *
   * @param truth entity id by record id, for every input record
   */
  PairwiseMetrics evaluate(Map<String, String> truth);
}

package io.crmsync.quality;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Pairwise accuracy against ground truth: a pair of records is positive when they share an entity. All
 * true pairs count, so pairs that blocking never compared are misses.
 *
 * @param truePairs pairs of records of the same true entity
 * @param predictedPairs pairs of records in the same predicted cluster
 * @param truePositives pairs both true and predicted
 * @param precision truePositives / predictedPairs (1 when nothing is predicted)
 * @param recall truePositives / truePairs (1 when there is nothing to find)
 * @param f1 harmonic mean of precision and recall
 * @param blockedTruePairs true pairs that blocking made candidates, or -1 if not measured
 * @param blockingRecall blockedTruePairs / truePairs, or NaN if not measured
 */
public record PairwiseMetrics(
    long truePairs,
    long predictedPairs,
    long truePositives,
    double precision,
    double recall,
    double f1,
    long blockedTruePairs,
    double blockingRecall) {

  /**
   * Compares predicted clusters with true entities.
   *
   * @param predicted cluster id by record id
   * @param truth entity id by record id; must cover the same record ids
   * @throws IllegalArgumentException if a record is in one map but not the other
   */
  public static PairwiseMetrics evaluate(Map<String, String> predicted, Map<String, String> truth) {
    return evaluate(predicted, truth, -1);
  }

  /** As {@link #evaluate(Map, Map)}, with the number of true pairs blocking kept (-1 if not measured). */
  public static PairwiseMetrics evaluate(
      Map<String, String> predicted, Map<String, String> truth, long blockedTruePairs) {
    Objects.requireNonNull(predicted, "predicted");
    Objects.requireNonNull(truth, "truth");
    if (predicted.size() != truth.size()) {
      throw new IllegalArgumentException(
          "predicted has " + predicted.size() + " records but truth has " + truth.size());
    }
    Map<String, Long> predictedSizes = new HashMap<>();
    Map<String, Long> trueSizes = new HashMap<>();
    Map<String, Long> cells = new HashMap<>();
    for (Map.Entry<String, String> e : predicted.entrySet()) {
      String entity = truth.get(e.getKey());
      if (entity == null) {
        throw new IllegalArgumentException("record " + e.getKey() + " has no true entity");
      }
      predictedSizes.merge(e.getValue(), 1L, Long::sum);
      trueSizes.merge(entity, 1L, Long::sum);
      cells.merge(e.getValue() + '\u0000' + entity, 1L, Long::sum);
    }
    long tp = pairs(cells);
    long pp = pairs(predictedSizes);
    long t = pairs(trueSizes);
    return of(t, pp, tp, blockedTruePairs);
  }

  /** Metrics from counts. */
  public static PairwiseMetrics of(long truePairs, long predictedPairs, long truePositives, long blockedTruePairs) {
    double precision = predictedPairs == 0 ? 1 : (double) truePositives / predictedPairs;
    double recall = truePairs == 0 ? 1 : (double) truePositives / truePairs;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    double blocking = blockedTruePairs < 0 ? Double.NaN : truePairs == 0 ? 1 : (double) blockedTruePairs / truePairs;
    return new PairwiseMetrics(truePairs, predictedPairs, truePositives, precision, recall, f1, blockedTruePairs, blocking);
  }

  private static long pairs(Map<String, Long> sizes) {
    long s = 0;
    for (long n : sizes.values()) {
      s += n * (n - 1) / 2;
    }
    return s;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT,
        "P=%.4f R=%.4f F1=%.4f (true pairs %d, predicted %d, correct %d%s)", precision, recall, f1, truePairs,
        predictedPairs, truePositives,
        blockedTruePairs < 0 ? "" : String.format(java.util.Locale.ROOT, ", blocking recall %.4f", blockingRecall));
  }
}

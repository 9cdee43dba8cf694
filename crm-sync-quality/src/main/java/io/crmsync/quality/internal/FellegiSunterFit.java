package io.crmsync.quality.internal;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fits a {@link FellegiSunter} model to one table without labels: draws every sample the estimation
 * needs (candidate pairs, random pairs, random pairs of colleagues), then estimates (see {@link
 * FellegiSunter#estimate}).
 */
final class FellegiSunterFit {
  /** Candidate pairs EM looks at; beyond this it samples records (their pairs all go in). */
  static final long SAMPLE_PAIRS = 1_000_000;
  /** Random pairs added to EM at least (as many as sampled candidates otherwise). */
  static final long RANDOM_PAIRS_MIN = 20_000;
  /** Random pairs at most: u of the fuzzy levels is well estimated long before. */
  static final long RANDOM_PAIRS_MAX = 500_000;
  /** Random same-company pairs for u among colleagues: a few levels of three fields, well estimated. */
  static final long ANCHORED_PAIRS = 50_000;

  private FellegiSunterFit() {}

  /**
   * The model of {@code table}, whose candidate pairs are those of {@code index} ({@code totalPairs} of
   * them); a pair matches at {@code matchProbability}, and conflicts below {@code conflictLog2Odds}.
   */
  static FellegiSunter fit(Table table, BlockingIndex index, long totalPairs, double matchProbability,
      double conflictLog2Odds) {
    Comparison[] comps = table.comparisons.toArray(new Comparison[0]);
    FellegiSunter.TfCodes tf = new FellegiSunter.TfCodes(table);
    long[][] candidates = candidatePatterns(index, comps, tf, totalPairs);
    long sampled = 0;
    for (long c : candidates[1]) {
      sampled += c;
    }
    // random pairs anchor the non-match class: blocking can make candidates nearly all matches
    long[][] random = randomPatterns(table.size(), comps,
        Math.max(RANDOM_PAIRS_MIN, Math.min(RANDOM_PAIRS_MAX, sampled)));
    int anchor = FellegiSunter.contextAnchor(table);
    long[][] anchored = anchor < 0 ? new LongCounts().sorted()
        : anchoredPatterns(table, comps, comps[anchor].column, ANCHORED_PAIRS);
    double threshold = FellegiSunter.log2(matchProbability / (1 - matchProbability));
    return FellegiSunter.estimate(table, tf, candidates, random, anchor, anchored, totalPairs, threshold,
        conflictLog2Odds);
  }

  /**
   * Level patterns of the candidate pairs of a sample of records (all their pairs go in), about {@link
   * #SAMPLE_PAIRS} pairs; every record when there are fewer.
   */
  private static long[][] candidatePatterns(BlockingIndex index, Comparison[] comps, FellegiSunter.TfCodes tf,
      long totalPairs) {
    double fraction = totalPairs <= SAMPLE_PAIRS ? 1.0 : (double) SAMPLE_PAIRS / totalPairs;
    long cut = (long) (fraction * (1L << 53));
    return index.chunks((from, to, mark) -> {
      LongCounts counts = new LongCounts();
      for (int i = from; i < to; i++) {
        if ((BlockingIndex.mix(i + 0x5DEECE66DL) >>> 11) < cut) {
          index.forEachCandidate(i, mark, (a, b) -> counts.add(tf.pattern(comps, a, b), 1));
        }
      }
      return counts;
    }).reduce(LongCounts::merge).orElseGet(LongCounts::new).sorted();
  }

  /** Level patterns of {@code want} pairs of distinct records drawn uniformly. */
  private static long[][] randomPatterns(int n, Comparison[] comps, long want) {
    LongCounts random = new LongCounts();
    if (n >= 2) {
      SplittableRandom rnd = new SplittableRandom(0x5EED);
      for (long k = 0; k < want; k++) {
        int a = rnd.nextInt(n);
        int b = rnd.nextInt(n - 1);
        if (b >= a) {
          b++;
        }
        random.add(FellegiSunter.pattern(comps, Math.min(a, b), Math.max(a, b)), 1);
      }
    }
    return random.sorted();
  }

  /**
   * Level patterns of random pairs drawn uniformly from the pairs of records with equal values of
   * {@code anchor} (a record at random among those whose value is shared, then another record with it).
   */
  private static long[][] anchoredPatterns(Table table, Comparison[] comps, Column anchor, long want) {
    int n = table.size();
    int[] start = new int[anchor.distinct() + 1];
    int shared = 0;
    for (int i = 0; i < n; i++) {
      int v = anchor.id(i);
      if (v >= 0 && anchor.count(v) >= 2) {
        start[v + 1]++;
        shared++;
      }
    }
    LongCounts out = new LongCounts();
    if (shared == 0) {
      return out.sorted();
    }
    for (int v = 0; v < anchor.distinct(); v++) {
      start[v + 1] += start[v];
    }
    int[] members = new int[shared];
    int[] fill = Arrays.copyOf(start, start.length - 1);
    for (int i = 0; i < n; i++) {
      int v = anchor.id(i);
      if (v >= 0 && anchor.count(v) >= 2) {
        members[fill[v]++] = i;
      }
    }
    SplittableRandom rnd = new SplittableRandom(0xA2C40L);
    for (long k = 0; k < want; k++) {
      int a = members[rnd.nextInt(shared)];
      int v = anchor.id(a);
      int size = start[v + 1] - start[v];
      int pick = rnd.nextInt(size - 1);
      int b = members[start[v] + pick];
      if (b == a) {
        b = members[start[v] + size - 1];
      }
      out.add(FellegiSunter.pattern(comps, Math.min(a, b), Math.max(a, b)), 1);
    }
    return out.sorted();
  }
}

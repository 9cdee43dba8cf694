package io.crmsync.quality.internal;

import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.PairExplanation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fellegi-Sunter scoring with parameters estimated by expectation-maximisation on the pattern counts of
 * candidate pairs (no labels), and term-frequency adjustment of exact agreements.
 *
 * <p>The model is the two-class mixture over the candidate pairs that blocking produced: a match class
 * with level probabilities {@code m}, a non-match class with {@code u}, and the share {@code lambda}
 * of matches. Estimating {@code u} among candidates rather than among random pairs matters for CRM
 * data: candidates that share a company are mostly colleagues, so agreeing on company or email domain
 * says little there, while disagreeing names say a lot. A pair's score is the log2 posterior odds
 * {@code log2(lambda/(1-lambda)) + sum log2(m/u)}; for an exact agreement on a value with frequency
 * {@code f} the weight gains {@code log2(sum f_v^2 / f)}: positive for rare values, negative for common
 * ones (a switchboard number, a role-like address, "Smith"), never turning an exact agreement into
 * evidence against. Immutable; thread-safe.
 */
public final class FellegiSunter implements PairModel {
  static final int MAX_ITERATIONS = 200;
  /** Pseudo-count added to every level so no weight is infinite. */
  static final double PSEUDO_COUNT = 0.5;

  private final Table table;
  private final Comparison[] comparisons;
  final double lambda;
  final double[][] m;
  final double[][] u;
  private final double[][] weight;
  private final double[][] tfAdjustment;
  private final double priorWeight;
  private final double threshold;
  private final double conflictWeight;
  final int iterations;
  final long sampledPairs;
  final long randomPairs;

  private FellegiSunter(Table table, double lambda, double[][] m, double[][] u, double threshold,
      double conflictWeight, int iterations, long sampledPairs, long randomPairs) {
    this.randomPairs = randomPairs;
    this.table = table;
    this.comparisons = table.comparisons.toArray(new Comparison[0]);
    this.lambda = lambda;
    this.m = m;
    this.u = u;
    this.threshold = threshold;
    this.conflictWeight = conflictWeight;
    this.iterations = iterations;
    this.sampledPairs = sampledPairs;
    this.priorWeight = log2(lambda / (1 - lambda));
    this.weight = new double[comparisons.length][];
    this.tfAdjustment = new double[comparisons.length][];
    for (int k = 0; k < comparisons.length; k++) {
      weight[k] = new double[m[k].length];
      for (int l = 0; l < m[k].length; l++) {
        weight[k][l] = log2(m[k][l] / u[k][l]);
      }
      Comparison c = comparisons[k];
      if (c.termFrequency) {
        Column col = c.column;
        double[] adj = new double[col.distinct()];
        for (int v = 0; v < adj.length; v++) {
          adj[v] = log2(col.exactU() * col.nonNull() / col.count(v));
        }
        tfAdjustment[k] = adj;
      }
    }
  }

  static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  /**
   * Encodes the levels of a pair, 4 bits per comparison ({@code level + 1}, 0 for missing).
   */
  static long pattern(Comparison[] comparisons, int i, int j) {
    long p = 0;
    for (int k = 0; k < comparisons.length; k++) {
      p |= (long) (comparisons[k].level(i, j) + 1) << (4 * k);
    }
    return p;
  }

  /**
   * Runs EM on pattern counts.
   *
   * @param patterns {@code [patterns, counts]} as from {@link LongCounts#sorted()}
   */
  static FellegiSunter estimate(Table table, long[][] candidatePatterns, long[][] randomPatterns,
      long totalCandidates, double threshold, double conflictWeight) {
    Comparison[] comps = table.comparisons.toArray(new Comparison[0]);
    int kCount = comps.length;
    int nc = candidatePatterns[0].length;
    int nr = randomPatterns[0].length;
    long[] pats = new long[nc + nr];
    double[] counts = new double[nc + nr];
    double candidateTotal = 0;
    double total = 0;
    for (int p = 0; p < nc; p++) {
      pats[p] = candidatePatterns[0][p];
      counts[p] = candidatePatterns[1][p];
      candidateTotal += counts[p];
    }
    for (int p = 0; p < nr; p++) {
      pats[nc + p] = randomPatterns[0][p];
      counts[nc + p] = randomPatterns[1][p];
    }
    for (double c : counts) {
      total += c;
    }
    double[][] m = new double[kCount][];
    double[][] u = new double[kCount][];
    for (int k = 0; k < kCount; k++) {
      int levels = comps[k].levels();
      m[k] = new double[levels];
      u[k] = new double[levels];
      // m: mostly exact agreement; u: the observed level distribution among all candidates
      double rest = 0.15;
      for (int l = 0; l < levels - 1; l++) {
        m[k][l] = rest / (levels - 1);
      }
      m[k][levels - 1] = 0.85;
      double[] marginal = new double[levels];
      double seen = 0;
      for (int p = nc; p < pats.length; p++) {
        int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
        if (level >= 0) {
          marginal[level] += counts[p];
          seen += counts[p];
        }
      }
      for (int l = 0; l < levels; l++) {
        u[k][l] = (marginal[l] + PSEUDO_COUNT) / (seen + PSEUDO_COUNT * levels);
      }
    }
    double lambda = 0.1;
    int iteration = 0;
    double[] post = new double[pats.length];
    for (; iteration < MAX_ITERATIONS; iteration++) {
      double matchMass = 0;
      for (int p = 0; p < pats.length; p++) {
        double pm = lambda;
        double pu = 1 - lambda;
        long pat = pats[p];
        for (int k = 0; k < kCount; k++) {
          int level = (int) ((pat >>> (4 * k)) & 0xF) - 1;
          if (level >= 0) {
            pm *= m[k][level];
            pu *= u[k][level];
          }
        }
        double g = pm / (pm + pu);
        post[p] = g;
        matchMass += g * counts[p];
      }
      double newLambda = Math.min(1 - 1e-9, Math.max(1e-9, matchMass / Math.max(1, total)));
      double change = Math.abs(newLambda - lambda);
      for (int k = 0; k < kCount; k++) {
        int levels = m[k].length;
        double[] mAcc = new double[levels];
        double[] uAcc = new double[levels];
        for (int p = 0; p < pats.length; p++) {
          int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
          if (level >= 0) {
            mAcc[level] += post[p] * counts[p];
            uAcc[level] += (1 - post[p]) * counts[p];
          }
        }
        double mSum = PSEUDO_COUNT * levels;
        double uSum = PSEUDO_COUNT * levels;
        for (int l = 0; l < levels; l++) {
          mSum += mAcc[l];
          uSum += uAcc[l];
        }
        for (int l = 0; l < levels; l++) {
          double nm = (mAcc[l] + PSEUDO_COUNT) / mSum;
          double nu = (uAcc[l] + PSEUDO_COUNT) / uSum;
          change = Math.max(change, Math.max(Math.abs(nm - m[k][l]), Math.abs(nu - u[k][l])));
          m[k][l] = nm;
          u[k][l] = nu;
        }
      }
      lambda = newLambda;
      if (change < 1e-7) {
        iteration++;
        break;
      }
    }
    // The weights are those of all pairs (u comes from random pairs), so the prior must be too: the
    // share of matches among all n(n-1)/2 pairs. Matches are expected among candidates only; their
    // number M solves M = sum over candidates of P(match | pattern, prior M / allPairs).
    double n = table.size();
    double allPairs = Math.max(1, n * (n - 1) / 2);
    double scale = candidateTotal == 0 ? 0 : totalCandidates / candidateTotal;
    double[] bayes = new double[nc];
    for (int p = 0; p < nc; p++) {
      double pm = 1;
      double pu = 1;
      for (int k = 0; k < kCount; k++) {
        int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
        if (level >= 0) {
          pm *= m[k][level];
          pu *= u[k][level];
        }
      }
      bayes[p] = pm / pu;
    }
    double matches = 0;
    for (int p = 0; p < nc; p++) {
      matches += post[p] * counts[p] * scale;
    }
    for (int round = 0; round < 100; round++) {
      double prior = Math.min(0.5, Math.max(1e-12, matches / allPairs));
      double odds = prior / (1 - prior);
      double next = 0;
      for (int p = 0; p < nc; p++) {
        double o = odds * bayes[p];
        next += o / (1 + o) * counts[p] * scale;
      }
      boolean done = Math.abs(next - matches) < 1e-6 * Math.max(1, matches);
      matches = next;
      if (done) {
        break;
      }
    }
    double globalLambda = Math.min(0.5, Math.max(1e-12, matches / allPairs));
    return new FellegiSunter(table, globalLambda, m, u, threshold, conflictWeight, iteration,
        (long) candidateTotal, (long) (total - candidateTotal));
  }

  @Override
  public double score(int i, int j) {
    double s = priorWeight;
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      int level = c.level(i, j);
      if (level >= 0) {
        s += levelWeight(k, level, i);
      }
    }
    return s;
  }

  private double levelWeight(int k, int level, int i) {
    double w = weight[k][level];
    if (level == comparisons[k].exactLevel() && tfAdjustment[k] != null) {
      double adjusted = w + tfAdjustment[k][comparisons[k].column.id(i)];
      return w > 0 ? Math.max(adjusted, 0) : adjusted;
    }
    return w;
  }

  @Override
  public double threshold() {
    return threshold;
  }

  @Override
  public boolean conflicts(int i, int j) {
    return score(i, j) < conflictWeight;
  }

  @Override
  public PairExplanation explain(int i, int j) {
    List<ComparisonDetail> details = new ArrayList<>();
    double total = priorWeight;
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      int level = c.level(i, j);
      String a = c.display(i);
      String b = c.display(j);
      if (level < 0) {
        String note = "";
        if (c instanceof Comparison.Email) {
          String ra = table.roleMailbox(i);
          String rb = table.roleMailbox(j);
          if (ra != null || rb != null) {
            note = "role mailbox ignored: " + (ra != null ? ra : "") + (ra != null && rb != null ? ", " : "")
                + (rb != null ? rb : "");
          }
        }
        details.add(new ComparisonDetail(c.name, a, b, "missing", 0, note));
        continue;
      }
      double w = levelWeight(k, level, i);
      String note = String.format(Locale.ROOT, "m=%.4f u=%.4f", m[k][level], u[k][level]);
      if (level == c.exactLevel() && tfAdjustment[k] != null) {
        note += String.format(Locale.ROOT, ", term frequency %.5f adjusts by %+.2f",
            c.column.frequency(i), tfAdjustment[k][c.column.id(i)]);
      }
      details.add(new ComparisonDetail(c.name, a, b, c.labels[level], w, note));
      total += w;
    }
    double probability = 1 / (1 + Math.pow(2, -total));
    boolean match = total >= threshold;
    String reason = String.format(Locale.ROOT, "log2 odds %.2f (prior %.2f) %s threshold %.2f: %s",
        total, priorWeight, match ? ">=" : "<", threshold, match ? "match" : "no match");
    return new PairExplanation(table.record(i).id(), table.record(j).id(), MatchMode.PROBABILISTIC, details,
        priorWeight, total, probability, match, reason);
  }

  @Override
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "EM: %d iterations over %d candidate and %d random pairs; match prior among all pairs %.3g (%.2f bits)%n",
        iterations, sampledPairs, randomPairs, lambda, priorWeight));
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      b.append("  ").append(c.name).append(':');
      for (int l = c.levels() - 1; l >= 0; l--) {
        b.append(String.format(Locale.ROOT, " %s m=%.3f u=%.4f w=%+.2f;", c.labels[l], m[k][l], u[k][l], weight[k][l]));
      }
      b.append(System.lineSeparator());
    }
    return b.toString();
  }
}

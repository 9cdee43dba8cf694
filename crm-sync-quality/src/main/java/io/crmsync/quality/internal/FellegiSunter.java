package io.crmsync.quality.internal;

import io.crmsync.quality.PairExplanation;

/**
 * Fellegi-Sunter scoring with parameters estimated by expectation-maximisation on the pattern counts of
 * candidate pairs (no labels, {@link FellegiSunterFit}), and term-frequency adjustment of exact
 * agreements; what is particular to people at companies comes from {@link ContactEvidence}, and
 * explanations from {@link FellegiSunterExplanation}.
 *
 * <p>Scores are posterior log2 odds over all pairs: {@code m} are level probabilities among matches,
 * {@code u} among non-matches, {@code lambda} the share of matches among all pairs (see {@link
 * FellegiSunterFit.Estimation} for how they are found without labels). Blocking only decides which
 * pairs get scored. A pair's score is the log2 posterior odds
 * {@code log2(lambda/(1-lambda)) + sum log2(m/u)}; for an exact agreement on a value with frequency
 * {@code f} the weight gains {@code log2(sum f_v^2 / f)}: positive for rare values, negative for common
 * ones (a switchboard number, a role-like address, "Smith"), never turning an exact agreement into
 * evidence against. Immutable; thread-safe.
 */
public final class FellegiSunter implements PairModel {
  /**
   * The least share of one person's records whose names disagree outright: people change family names
   * (marriage) and go by other given names. EM cannot see it, since such pairs rarely look like matches
   * to it, and would make a name disagreement outweigh an identical email, phone and company.
   */
  static final double NAME_CHANGE = 0.003;
  /** Clusters are not merged when their cross pairs average below these log2 odds (1 : 4). */
  static final double CONFLICT_MEAN = -2;

  /**
   * What {@link FellegiSunterFit} estimated.
   *
   * @param lambda the share of matches among all pairs
   * @param m per comparison and level, the probability among matches
   * @param u per comparison and level, the probability among non-matches
   * @param anchor the comparison whose agreement makes the others context (the company), or -1
   * @param uGiven per comparison, u among pairs that agree on the anchor, for context comparisons; else null
   * @param mApart per comparison, m among matches that disagree on the anchor (a job change), or null
   * @param colleagueMailbox per email comparison, {@code u} of another mailbox at the same domain among
   *     colleagues (NaN for other comparisons): colleagues nearly all have one, so between two records of
   *     one company it is what two people have ({@code jsmith@} and {@code jsmith2@}), not the weak sign
   *     it is among random pairs
   * @param iterations EM's iterations
   * @param sampledPairs candidate pairs EM looked at
   * @param randomPairs random pairs {@code u} came from
   * @param candidateShare the share of matches among candidate pairs, as EM found it
   */
  record Estimates(double lambda, double[][] m, double[][] u, int anchor, double[][] uGiven, double[][] mApart,
      double[] colleagueMailbox, int iterations, long sampledPairs, long randomPairs, double candidateShare) {}

  final Table table;
  final Comparison[] comparisons;
  final Estimates fit;
  final ContactEvidence contact;
  final double[][] m;
  final double[][] u;
  final double[][] weight;
  final int anchor;
  final double[][] uGiven;
  final double[][] weightGiven;
  final double[][] mApart;
  final double[][] weightApart;
  final double[] colleagueMailbox;
  final double[][] tfAdjustment;
  final double priorWeight;
  private final double threshold;
  private final double conflictWeight;

  FellegiSunter(Table table, Estimates fit, ContactEvidence contact, double threshold, double conflictWeight) {
    this.table = table;
    this.fit = fit;
    this.contact = contact;
    this.comparisons = table.comparisons.toArray(new Comparison[0]);
    double[][] m = fit.m();
    for (int k = 0; k < comparisons.length; k++) {
      if (comparisons[k] instanceof Comparison.Name && m[k][0] < NAME_CHANGE) {
        m[k][0] = NAME_CHANGE;
      }
    }
    this.m = m;
    this.u = fit.u();
    this.anchor = fit.anchor();
    this.uGiven = fit.uGiven();
    this.weightGiven = weights(m, uGiven, uGiven);
    this.mApart = fit.mApart();
    this.weightApart = weights(mApart, u, mApart);
    this.colleagueMailbox = fit.colleagueMailbox();
    this.threshold = threshold;
    this.conflictWeight = conflictWeight;
    this.priorWeight = log2(fit.lambda() / (1 - fit.lambda()));
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
          adj[v] = log2(col.exactU() * col.nonNull() / othersWith(col, v));
        }
        tfAdjustment[k] = adj;
      }
    }
  }

  /**
   * How many records besides one that has value {@code v} also have it: when two records agree on
   * {@code v}, the chance that one of them has it by coincidence is its frequency among the others
   * (a name only one person's two records have is rarer than one two people have).
   */
  static double othersWith(Column col, int v) {
    return Math.max(1, col.count(v) - 1);
  }

  /**
   * Per comparison, log2(mm / uu) per level where {@code present} has that comparison (the conditional
   * tables exist for some comparisons only); null elsewhere.
   */
  private static double[][] weights(double[][] mm, double[][] uu, double[][] present) {
    double[][] w = new double[present.length][];
    for (int k = 0; k < present.length; k++) {
      if (present[k] != null) {
        w[k] = new double[present[k].length];
        for (int l = 0; l < w[k].length; l++) {
          w[k][l] = log2(mm[k][l] / uu[k][l]);
        }
      }
    }
    return w;
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

  /** Whether an anchor level means agreement: exact or the high Jaro-Winkler band (a typo). */
  static boolean anchorAgrees(Comparison anchor, int level) {
    return level >= anchor.exactLevel() - 1 && level > 0;
  }

  @Override
  public double score(int i, int j) {
    double s = contact.generationsDiffer(i, j) ? priorWeight + ContactEvidence.GENERATIONS_DIFFER : priorWeight;
    int anchorLevel = anchor >= 0 ? comparisons[anchor].level(i, j) : -1;
    for (int k = 0; k < comparisons.length; k++) {
      int level = k == anchor ? anchorLevel : comparisons[k].level(i, j);
      if (level >= 0) {
        s += levelWeight(k, level, i, j, anchorLevel);
      }
    }
    return s;
  }

  /** The weight of comparison {@code k} at {@code level} for the pair, its anchor at {@code anchorLevel}. */
  double levelWeight(int k, int level, int i, int j, int anchorLevel) {
    Comparison c = comparisons[k];
    if (weightGiven[k] != null && anchorAgrees(comparisons[anchor], anchorLevel)) {
      // among colleagues a shared value is expected; only a value rarer than usual adds to that
      double w = weightGiven[k][level];
      if (level == c.exactLevel() && tfAdjustment[k] != null) {
        return w + Math.max(0, tfAdjustment[k][c.agreedId(i, j)]);
      }
      return w;
    }
    if (level == 1 && !Double.isNaN(colleagueMailbox[k]) && anchorAgrees(comparisons[anchor], anchorLevel)) {
      return log2(m[k][1] / colleagueMailbox[k]);
    }
    if (k == contact.family && level == c.exactLevel()) {
      double r = relativesAt(i, anchorLevel);
      if (r > 0) {
        // a shared family name at one company: chance (its frequency) or kinship (r), whatever its rarity
        return -log2(r / m[k][level] + Math.pow(2, -usualWeight(k, level, i, j, anchorLevel)));
      }
    }
    return usualWeight(k, level, i, j, anchorLevel);
  }

  /** How often relatives share a family name at record {@code i}'s company when the pair's companies agree, else 0. */
  double relativesAt(int i, int anchorLevel) {
    return contact.relativesAt(i, anchor >= 0 && anchorAgrees(comparisons[anchor], anchorLevel));
  }

  private double usualWeight(int k, int level, int i, int j, int anchorLevel) {
    Comparison c = comparisons[k];
    double w = anchorLevel == 0 && weightApart[k] != null ? weightApart[k][level] : weight[k][level];
    if (level == c.weakLevel && c.weakLevelColumn != null && c.weakLevelColumn.present(i)) {
      // A shared local part at different domains: no evidence beyond the names when it is made of
      // them (donald_smith@ at two employers); otherwise less the more common it is.
      Column col = c.weakLevelColumn;
      if (table.nameDerived(col.get(i), i, j)) {
        return 0;
      }
      return w + Math.min(0, log2(col.exactU() / col.frequency(i)));
    }
    if (level == comparisons[k].exactLevel() && tfAdjustment[k] != null) {
      double adjusted = w + tfAdjustment[k][c.agreedId(i, j)];
      return w > 0 ? Math.max(adjusted, 0) : adjusted;
    }
    return w;
  }

  @Override
  public double threshold() {
    return threshold;
  }

  @Override
  public boolean conflicts(int i, int j, double score) {
    return score < conflictWeight;
  }

  @Override
  public double conflictMean() {
    return CONFLICT_MEAN;
  }

  @Override
  public PairExplanation explain(int i, int j) {
    return FellegiSunterExplanation.explain(this, i, j);
  }

  @Override
  public String describe() {
    return FellegiSunterExplanation.describe(this);
  }
}

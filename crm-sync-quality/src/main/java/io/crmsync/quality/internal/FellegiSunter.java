package io.crmsync.quality.internal;

import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.PairExplanation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Fellegi-Sunter scoring with parameters estimated by expectation-maximisation on the pattern counts of
 * candidate pairs (no labels), and term-frequency adjustment of exact agreements.
 *
 * <p>Scores are posterior log2 odds over all pairs: {@code m} are level probabilities among matches,
 * {@code u} among non-matches, {@code lambda} the share of matches among all pairs (see {@link
 * #estimate} for how they are found without labels). Blocking only decides which pairs get scored. A pair's score is the log2 posterior odds
 * {@code log2(lambda/(1-lambda)) + sum log2(m/u)}; for an exact agreement on a value with frequency
 * {@code f} the weight gains {@code log2(sum f_v^2 / f)}: positive for rare values, negative for common
 * ones (a switchboard number, a role-like address, "Smith"), never turning an exact agreement into
 * evidence against. Immutable; thread-safe.
 */
public final class FellegiSunter implements PairModel {
  static final int MAX_ITERATIONS = 200;
  /** Pseudo-count added to every level so no weight is infinite. */
  static final double PSEUDO_COUNT = 0.5;
  /** Share of present fields a candidate pair must agree on exactly to start EM as a match. */
  static final double INITIAL_MATCH_SHARE = 0.6;
  /**
   * How many random pairs the typical u values weigh: with a few records, u from their own pairs (which
   * include the duplicates) would say that agreeing on an email is common. Beyond some thousands of
   * pairs the data decide.
   */
  static final double PRIOR_PAIRS = 200;
  /** How many matched pairs the typical m values weigh, beside the uniform pseudo-count. */
  static final double PRIOR_MATCHES = 20;
  /**
   * The least share of one person's records whose names disagree outright: people change family names
   * (marriage) and go by other given names. EM cannot see it, since such pairs rarely look like matches
   * to it, and would make a name disagreement outweigh an identical email, phone and company.
   */
  static final double NAME_CHANGE = 0.003;
  /** Clusters are not merged when their cross pairs average below these log2 odds (1 : 4). */
  static final double CONFLICT_MEAN = -2;

  /**
   * The weight of two different generational suffixes (Jr. and Sr.): a veto, not an estimate. A father
   * and son at their family business share name, company, phone and city, which independent
   * comparisons add up to 30 bits and more; the suffixes are the one thing that tells them apart, and
   * few records carry one, so EM could not weigh it.
   */
  static final double GENERATIONS_DIFFER = -1000;

  private final Table table;
  private final Comparison[] comparisons;
  final double lambda;
  final double[][] m;
  final double[][] u;
  private final double[][] weight;
  /** The comparison whose agreement makes the others context (the company), or -1. */
  private final int anchor;
  /** Per comparison, u among pairs that agree on the anchor, for context comparisons; else null. */
  final double[][] uGiven;
  private final double[][] weightGiven;
  /** Per comparison, m among matches that disagree on the anchor (a job change), or null. */
  final double[][] mApart;
  private final double[][] weightApart;
  /**
   * Per email comparison, {@code u} of another mailbox at the same domain among colleagues (NaN for other
   * comparisons): colleagues nearly all have one, so between two records of one company it is what two
   * people have ({@code jsmith@} and {@code jsmith2@}, namesakes at one account), not the weak sign it is
   * among random pairs.
   */
  private final double[] colleagueMailbox;
  /**
   * The family name comparison, or -1 if there is none or no relatives were found, and how often two
   * different people at one company share a family name beyond chance (relatives: a couple, a father and
   * son in a family business), at companies of at most {@link #SMALL_COMPANY} records and at larger
   * ones. Zero where the data show no excess.
   */
  private final int family;
  private final double[] relatives;
  private final double[][] tfAdjustment;
  private final double priorWeight;
  private final double threshold;
  private final double conflictWeight;
  final int iterations;
  final long sampledPairs;
  final long randomPairs;
  /** The share of matches among candidate pairs, as EM found it. */
  final double candidateShare;

  private FellegiSunter(Table table, double lambda, double[][] m, double[][] u, int anchor, double[][] uGiven,
      double[][] mApart, double[] colleagueMailbox, int family, double[] relatives, double threshold,
      double conflictWeight, int iterations, long sampledPairs, long randomPairs,
      double candidateShare) {
    this.randomPairs = randomPairs;
    this.candidateShare = candidateShare;
    this.table = table;
    this.comparisons = table.comparisons.toArray(new Comparison[0]);
    this.lambda = lambda;
    for (int k = 0; k < comparisons.length; k++) {
      if (comparisons[k] instanceof Comparison.Name && m[k][0] < NAME_CHANGE) {
        m[k][0] = NAME_CHANGE;
      }
    }
    this.m = m;
    this.u = u;
    this.anchor = anchor;
    this.uGiven = uGiven;
    this.weightGiven = weights(m, uGiven, uGiven);
    this.mApart = mApart;
    this.weightApart = weights(mApart, u, mApart);
    this.colleagueMailbox = colleagueMailbox;
    // without relatives in the data the family name keeps its usual weight: no check per pair
    this.family = relatives[0] > 0 || relatives[1] > 0 ? family : -1;
    this.relatives = relatives;
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
  private static double othersWith(Column col, int v) {
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

  /** Bits of one term-frequency code in an estimation pattern: 0 for none, else adjustment + 16. */
  static final int TF_BITS = 5;
  private static final int TF_OFFSET = 1 << (TF_BITS - 1);

  /**
   * Term-frequency codes for estimation: for each identifying comparison with term-frequency
   * adjustment (while they fit above the levels in a 64-bit pattern), each value's adjustment in whole
   * bits, so that EM tells a shared rare surname from a shared "Smith" as the final scores do.
   * Without them EM sees every exact name agreement alike, and pairs that agree on a name and little
   * else (a person who changed jobs, or two people called John Smith) look the same to it.
   */
  static final class TfCodes {
    final byte[][] codes;
    final int[] shift;

    TfCodes(Table table) {
      Comparison[] comps = table.comparisons.toArray(new Comparison[0]);
      codes = new byte[comps.length][];
      shift = new int[comps.length];
      int next = 4 * comps.length;
      for (int k = 0; k < comps.length; k++) {
        Comparison c = comps[k];
        if (!c.termFrequency || !c.identifying || next + TF_BITS > 64) {
          continue;
        }
        Column col = c.column;
        byte[] code = new byte[col.distinct()];
        for (int v = 0; v < code.length; v++) {
          double adj = log2(col.exactU() * col.nonNull() / othersWith(col, v));
          code[v] = (byte) Math.max(1, Math.min(2 * TF_OFFSET - 1, Math.round(adj) + TF_OFFSET));
        }
        codes[k] = code;
        shift[k] = next;
        next += TF_BITS;
      }
    }

    /** {@link #pattern} with the term-frequency code of each exact agreement that has one. */
    long pattern(Comparison[] comparisons, int i, int j) {
      long p = 0;
      for (int k = 0; k < comparisons.length; k++) {
        Comparison c = comparisons[k];
        int level = c.level(i, j);
        p |= (long) (level + 1) << (4 * k);
        if (codes[k] != null && level == c.exactLevel()) {
          p |= (long) codes[k][c.agreedId(i, j)] << shift[k];
        }
      }
      return p;
    }

    /** The adjustment in bits coded in {@code pattern} for comparison {@code k}, or 0. */
    int adjustment(long pattern, int k) {
      if (codes[k] == null) {
        return 0;
      }
      int code = (int) ((pattern >>> shift[k]) & ((1 << TF_BITS) - 1));
      return code == 0 ? 0 : code - TF_OFFSET;
    }
  }

  /**
   * Estimates the model without labels.
   *
   * <ul>
   *   <li>{@code u}, the level probabilities among non-matches, comes from random pairs (exact
   *       agreement from the value frequencies themselves: the sum of squared frequencies);
   *   <li>{@code m}, among matches, comes from EM over the (sampled) candidate pairs with {@code u}
   *       fixed. The E-step judges pairs by their identifying fields only (names, dates, identifiers;
   *       for organisations their name and address): fields that colleagues share (company,
   *       switchboard, city, email domain) would otherwise make the "match" class absorb every pair of
   *       colleagues. The M-step then learns {@code m} of every field, context fields included, from
   *       those judgements: how often a person's records disagree on company (job changes) or email.
   *       EM starts from a labelling (identifying fields never disagree and mostly agree exactly);
   *   <li>the prior is the share of matches among all pairs: with {@code M} expected matches among
   *       the candidates, {@code M / (n(n-1)/2)}, solved as a fixed point since M depends on it;
   *   <li>context fields are not independent among non-matches: colleagues share the company, its
   *       switchboard number and its city. Given an {@code anchor} (the company, when people are
   *       compared), {@code u} of the other context fields is also estimated among random pairs that
   *       agree on the anchor, and a pair that agrees on the anchor is scored with those: a shared
   *       switchboard then adds little to a shared company, while a shared mobile still counts;
   *   <li>among matches, a job change moves email, phone and city with the company: the M-step also
   *       learns {@code m} of those among pairs that disagree on the anchor, and such pairs are scored
   *       with it (the E-step keeps the unconditional {@code m}: with the conditional one, namesakes at
   *       two companies drift into the match class);
   *   <li>every estimate starts from {@link #typical} values, worth {@link #PRIOR_PAIRS} random pairs
   *       for {@code u} and {@link #PRIOR_MATCHES} matched pairs for {@code m}, so that a handful of
   *       records is judged sensibly; with few colleague pairs, {@code u} given the anchor falls back to
   *       {@code m} (context then adds nothing to the anchor).
   * </ul>
   *
   * @param candidatePatterns {@code [patterns, counts]} of sampled candidate pairs
   * @param randomPatterns {@code [patterns, counts]} of random pairs
   * @param anchor the comparison of {@link #contextAnchor}, or -1
   * @param anchoredPatterns {@code [patterns, counts]} of random pairs with equal anchor values
   * @param totalCandidates all candidate pairs (the sample is scaled up to them)
   */
  static FellegiSunter estimate(Table table, TfCodes tf, long[][] candidatePatterns, long[][] randomPatterns,
      int anchor, long[][] anchoredPatterns, long totalCandidates, double threshold, double conflictWeight) {
    Comparison[] comps = table.comparisons.toArray(new Comparison[0]);
    int kCount = comps.length;
    long[] pats = candidatePatterns[0];
    long[] rpats = randomPatterns[0];
    int nc = pats.length;
    double[] counts = new double[nc];
    double candidateTotal = 0;
    for (int p = 0; p < nc; p++) {
      counts[p] = candidatePatterns[1][p];
      candidateTotal += counts[p];
    }
    double[] rcounts = new double[rpats.length];
    for (int p = 0; p < rpats.length; p++) {
      rcounts[p] = randomPatterns[1][p];
    }
    boolean anyIdentifying = false;
    for (Comparison c : comps) {
      anyIdentifying |= c.identifying;
    }
    double[][] u = new double[kCount][];
    double n = table.size();
    double allPairs = Math.max(1, n * (n - 1) / 2);
    // few records say little about u: the typical values weigh as much as PRIOR_PAIRS pairs
    double randomEvidence = Math.min(total(rcounts), allPairs);
    for (int k = 0; k < kCount; k++) {
      int levels = comps[k].levels();
      u[k] = marginal(rpats, rcounts, 0, rpats.length, k, levels);
      // exact agreement among random pairs: known exactly from the value frequencies
      double exact = Math.max(comps[k].exactU(), 1e-9);
      double rest = 1 - u[k][levels - 1];
      for (int l = 0; l < levels - 1; l++) {
        u[k][l] = rest > 0 ? u[k][l] / rest * (1 - exact) : (1 - exact) / (levels - 1);
      }
      u[k][levels - 1] = exact;
      double[] typical = typical(comps[k])[1];
      for (int l = 0; l < levels; l++) {
        double evidence = l == levels - 1 ? allPairs : randomEvidence;
        u[k][l] = (evidence * u[k][l] + PRIOR_PAIRS * typical[l]) / (evidence + PRIOR_PAIRS);
      }
    }
    double[][] uGiven = new double[kCount][];
    double anchoredEvidence = 0;
    // u of "another mailbox at the same domain" among colleagues, by comparison (NaN: not an email)
    double[] colleagueMailbox = new double[kCount];
    Arrays.fill(colleagueMailbox, Double.NaN);
    if (anchor >= 0 && anchoredPatterns[0].length > 0) {
      double[] acounts = new double[anchoredPatterns[0].length];
      for (int p = 0; p < acounts.length; p++) {
        acounts[p] = anchoredPatterns[1][p];
      }
      Column a = comps[anchor].column;
      double anchoredPairs = 0;
      for (int v = 0; v < a.distinct(); v++) {
        anchoredPairs += (double) a.count(v) * (a.count(v) - 1) / 2;
      }
      anchoredEvidence = Math.min(total(acounts), anchoredPairs);
      for (int k = 0; k < kCount; k++) {
        if (k != anchor && !comps[k].identifying) {
          uGiven[k] = marginal(anchoredPatterns[0], acounts, 0, acounts.length, k, comps[k].levels());
        } else if (k != anchor && comps[k] instanceof Comparison.Email) {
          colleagueMailbox[k] = marginal(anchoredPatterns[0], acounts, 0, acounts.length, k, comps[k].levels())[1];
        }
      }
    }
    // starting labels
    double[] post = new double[nc];
    for (int p = 0; p < nc; p++) {
      int present = 0;
      int exact = 0;
      boolean disagree = false;
      for (int k = 0; k < kCount; k++) {
        int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
        if (level >= 0 && (comps[k].identifying || !anyIdentifying) && !(comps[k] instanceof Comparison.Email)) {
          present++;
          exact += level == comps[k].exactLevel() ? 1 : 0;
          disagree |= level < comps[k].disagreementLevels;
        }
      }
      post[p] = !disagree && exact >= 1 && exact >= INITIAL_MATCH_SHARE * present ? 1 : 0;
    }
    double[][] m = new double[kCount][];
    // m among pairs that disagree on the anchor, for the fields a job change alters with it
    double[][] mApart = new double[kCount][];
    for (int k = 0; k < kCount; k++) {
      m[k] = new double[comps[k].levels()];
      if (anchor >= 0 && k != anchor && (!comps[k].identifying || comps[k] instanceof Comparison.Email)) {
        mApart[k] = new double[comps[k].levels()];
      }
    }
    double scale = candidateTotal == 0 ? 0 : totalCandidates / candidateTotal;
    double lambda = 0;
    int iteration = 0;
    for (; iteration < MAX_ITERATIONS; iteration++) {
      double change;
      double matched = 0;
      for (int p = 0; p < nc; p++) {
        matched += post[p] * counts[p];
      }
      double newLambda = Math.min(1 - 1e-6, Math.max(1e-6, matched / Math.max(1, candidateTotal)));
      change = Math.abs(newLambda - lambda);
      lambda = newLambda;
      for (int k = 0; k < kCount; k++) {
        int levels = m[k].length;
        double[] acc = new double[levels];
        for (int p = 0; p < nc; p++) {
          int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
          if (level >= 0) {
            acc[level] += post[p] * counts[p];
          }
        }
        double[] typicalM = typical(comps[k])[0];
        double sum = PSEUDO_COUNT * levels + PRIOR_MATCHES;
        for (double a : acc) {
          sum += a;
        }
        for (int l = 0; l < levels; l++) {
          double v = (acc[l] + PSEUDO_COUNT + PRIOR_MATCHES * typicalM[l]) / sum;
          change = Math.max(change, Math.abs(v - m[k][l]));
          m[k][l] = v;
        }
        if (mApart[k] != null) {
          double[] apart = new double[levels];
          double apartSum = PSEUDO_COUNT * levels;
          for (int p = 0; p < nc; p++) {
            int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
            if (level >= 0 && anchorLevel(pats[p], anchor) == 0) {
              apart[level] += post[p] * counts[p];
              apartSum += post[p] * counts[p];
            }
          }
          for (int l = 0; l < levels; l++) {
            double v = (apart[l] + PSEUDO_COUNT * levels * m[k][l]) / apartSum;
            change = Math.max(change, Math.abs(v - mApart[k][l]));
            mApart[k][l] = v;
          }
        }
      }
      if (iteration > 0 && change < 1e-7) {
        break;
      }
      // the E-step uses the prior over all pairs (pairs blocking never paired count as non-matches),
      // as the final scores do: agreeing on a first name alone is then no match
      double allPrior = Math.min(0.5, Math.max(1e-12, matched * scale / allPairs));
      double odds = allPrior / (1 - allPrior);
      for (int p = 0; p < nc; p++) {
        double ratio = odds;
        for (int k = 0; k < kCount; k++) {
          int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
          if (level >= 0 && (comps[k].neutralInEstimation & (1 << level)) == 0
              && (comps[k].identifying || !anyIdentifying)) {
            int pooled = comps[k].disagreementLevels;
            if (level < pooled) {
              // disagreement levels count as one: at one domain, another mailbox is no agreement
              double mm = 0;
              double uu = 0;
              for (int l = 0; l < pooled; l++) {
                mm += m[k][l];
                uu += u[k][l];
              }
              ratio *= mm / uu;
            } else {
              ratio *= exactFactor(m[k][level] / u[k][level], level == comps[k].exactLevel() ? tf.adjustment(pats[p], k) : 0);
            }
          }
        }
        post[p] = ratio / (1 + ratio);
      }
    }
    // with few colleagues to learn from, assume they share context as often as one person's records do:
    // then the context adds nothing to the company
    for (int k = 0; k < kCount; k++) {
      if (!Double.isNaN(colleagueMailbox[k])) {
        colleagueMailbox[k] = (anchoredEvidence * colleagueMailbox[k] + PRIOR_PAIRS * m[k][1])
            / (anchoredEvidence + PRIOR_PAIRS);
      }
      if (uGiven[k] != null) {
        for (int l = 0; l < uGiven[k].length; l++) {
          uGiven[k][l] = (anchoredEvidence * uGiven[k][l] + PRIOR_PAIRS * m[k][l]) / (anchoredEvidence + PRIOR_PAIRS);
        }
      }
    }
    // the prior over all pairs, as a fixed point of the expected number of matches
    double[] bayes = new double[nc];
    for (int p = 0; p < nc; p++) {
      double b = 1;
      for (int k = 0; k < kCount; k++) {
        int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
        if (level >= 0) {
          boolean agree = anchor >= 0 && anchorAgrees(comps[anchor], anchorLevel(pats[p], anchor));
          boolean given = uGiven[k] != null && agree;
          double[] mk = mApart[k] != null && anchorLevel(pats[p], anchor) == 0 ? mApart[k] : m[k];
          int bits = level == comps[k].exactLevel() ? tf.adjustment(pats[p], k) : 0;
          b *= given ? m[k][level] / uGiven[k][level] * Math.pow(2, Math.max(0, bits))
              : agree && level == 1 && !Double.isNaN(colleagueMailbox[k]) ? m[k][1] / colleagueMailbox[k]
              : exactFactor(mk[level] / u[k][level], bits);
        }
      }
      bayes[p] = b;
    }
    double matches = lambda * candidateTotal * scale;
    for (int round = 0; round < 200; round++) {
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
    int family = -1;
    int given = -1;
    for (int k = 0; k < kCount; k++) {
      if (comps[k] instanceof Comparison.Name name && !table.familyNames.isEmpty()
          && name.column == table.familyNames.get(0)) {
        family = k;
      } else if (comps[k] instanceof Comparison.Name name && name.canonical != null && given < 0) {
        given = k;
      }
    }
    double[] relatives = anchor >= 0 && family >= 0 && given >= 0
        ? relatives(table, comps, comps[anchor].column, given, family, u[family][comps[family].exactLevel()])
        : new double[2];
    return new FellegiSunter(table, globalLambda, m, u, anchor, uGiven, mApart, colleagueMailbox, family, relatives,
        threshold, conflictWeight, iteration, (long) candidateTotal, (long) total(rcounts), lambda);
  }

  /** Companies of at most this many records are small: family businesses are among them. */
  static final int SMALL_COMPANY = 10;
  /** A kinship rate below this is read as none: see {@link #relatives}. */
  static final double MIN_RELATIVES = 0.01;
  /** Colleague pairs sampled at larger companies for {@link #relatives}. */
  private static final int LARGE_COMPANY_PAIRS = 50_000;

  /**
   * How often two different people at one company share a family name beyond chance, at small companies
   * and at larger ones. Pairs whose given names disagree outright are different people (m of that is
   * under 1%), so the share of them whose family names agree, less the share among random pairs, is the
   * excess; shrunk towards 0 by {@link #PRIOR_PAIRS} pairs' worth, and 0 below {@link #MIN_RELATIVES}.
   * Small companies are counted pair by pair, larger ones sampled.
   */
  private static double[] relatives(Table table, Comparison[] comps, Column company, int given, int family,
      double uExact) {
    int n = table.size();
    int[] start = new int[company.distinct() + 1];
    for (int i = 0; i < n; i++) {
      if (company.id(i) >= 0) {
        start[company.id(i) + 1]++;
      }
    }
    for (int v = 0; v < company.distinct(); v++) {
      start[v + 1] += start[v];
    }
    int[] members = new int[start[company.distinct()]];
    int[] fill = Arrays.copyOf(start, company.distinct());
    for (int i = 0; i < n; i++) {
      if (company.id(i) >= 0) {
        members[fill[company.id(i)]++] = i;
      }
    }
    Comparison g = comps[given];
    Comparison f = comps[family];
    int exact = f.exactLevel();
    long[] apart = new long[2];
    long[] same = new long[2];
    int largeRecords = 0;
    for (int v = 0; v < company.distinct(); v++) {
      int size = start[v + 1] - start[v];
      largeRecords += size > SMALL_COMPANY ? size : 0;
    }
    // every pair at each small company, companies in parallel: (pairs apart << 32) | (of them same name)
    long small = IntStream.range(0, company.distinct()).parallel().mapToLong(v -> {
      if (start[v + 1] - start[v] > SMALL_COMPANY) {
        return 0;
      }
      long counts = 0;
      for (int a = start[v]; a < start[v + 1]; a++) {
        for (int b = a + 1; b < start[v + 1]; b++) {
          int level = f.level(members[a], members[b]);
          if (level >= 0 && g.level(members[a], members[b]) == 0) {
            counts += (1L << 32) + (level == exact ? 1 : 0);
          }
        }
      }
      return counts;
    }).sum();
    apart[0] = small >>> 32;
    same[0] = small & 0xFFFFFFFFL;
    if (largeRecords > 0) {
      int[] large = new int[largeRecords];
      int at = 0;
      for (int k = 0; k < members.length; k++) {
        int v = company.id(members[k]);
        if (start[v + 1] - start[v] > SMALL_COMPANY) {
          large[at++] = members[k];
        }
      }
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(0x5EA1L);
      for (int k = 0; k < LARGE_COMPANY_PAIRS; k++) {
        int a = large[rnd.nextInt(largeRecords)];
        int v = company.id(a);
        int b = members[start[v] + rnd.nextInt(start[v + 1] - start[v])];
        if (a != b && g.level(a, b) == 0 && f.level(a, b) >= 0) {
          apart[1]++;
          same[1] += f.level(a, b) == exact ? 1 : 0;
        }
      }
    }
    double[] out = new double[2];
    for (int s = 0; s < 2; s++) {
      double excess = apart[s] == 0 ? 0 : Math.max(0, (double) same[s] / apart[s] - uExact);
      double r = excess * apart[s] / (apart[s] + PRIOR_PAIRS);
      // below MIN_RELATIVES the excess is one person's records whose given names disagree (typos the
      // bands miss, unknown nicknames), not kinship: leave the weights, and the scoring loop, alone
      out[s] = r < MIN_RELATIVES ? 0 : r;
    }
    return out;
  }

  /**
   * A level's likelihood ratio with a term-frequency adjustment of {@code bits}; as in {@link
   * #levelWeight}, an adjustment never turns an agreement into evidence against.
   */
  private static double exactFactor(double ratio, int bits) {
    if (bits == 0) {
      return ratio;
    }
    double adjusted = ratio * Math.pow(2, bits);
    return ratio > 1 ? Math.max(adjusted, 1) : adjusted;
  }

  /**
   * The comparison whose agreement makes the other non-identifying fields mere context: the company,
   * when records are people (for organisations the company identifies and there is none); or -1.
   */
  static int contextAnchor(Table table) {
    Column company = table.column(io.crmsync.quality.FieldRole.COMPANY);
    for (int k = 0; k < table.comparisons.size(); k++) {
      Comparison c = table.comparisons.get(k);
      if (c.column == company && !c.identifying && c instanceof Comparison.Text) {
        return k;
      }
    }
    return -1;
  }

  private static int anchorLevel(long pattern, int anchor) {
    return anchor < 0 ? -1 : (int) ((pattern >>> (4 * anchor)) & 0xF) - 1;
  }

  /** Whether an anchor level means agreement: exact or the high Jaro-Winkler band (a typo). */
  static boolean anchorAgrees(Comparison anchor, int level) {
    return level >= anchor.exactLevel() - 1 && level > 0;
  }

  /**
   * Typical {@code [m, u]} per level of a comparison, the prior that the data update: about what EM and
   * the value frequencies find on the Febrl and synthetic contact sets. They decide only for inputs too
   * small to estimate from (tens of records).
   */
  static double[][] typical(Comparison c) {
    if (c instanceof Comparison.Email) {
      // other-domain, same-domain-other-mailbox, one-edit, same-local-part, exact
      return new double[][] {{0.10, 0.01, 0.01, 0.08, 0.80}, {0.997, 0.0025, 0.00001, 0.0001, 0.0001}};
    }
    if (c instanceof Comparison.Name && c.levels() == 5) {
      // disagree, jw>=0.80, jw>=0.92, nickname, exact
      return new double[][] {{0.01, 0.02, 0.05, 0.07, 0.85}, {0.975, 0.01, 0.003, 0.002, 0.01}};
    }
    if (c instanceof Comparison.Name || c instanceof Comparison.Text) {
      // disagree, jw>=0.80, jw>=0.92, exact
      return c instanceof Comparison.Name
          ? new double[][] {{0.01, 0.02, 0.07, 0.90}, {0.98, 0.01, 0.002, 0.008}}
          : new double[][] {{0.20, 0.02, 0.05, 0.73}, {0.97, 0.02, 0.002, 0.008}};
    }
    if (c instanceof Comparison.Code) {
      // disagree, one edit, exact
      return new double[][] {{0.40, 0.02, 0.58}, {0.995, 0.002, 0.003}};
    }
    if (c instanceof Comparison.Date) {
      // disagree, one edit or day and month swapped, exact
      return new double[][] {{0.05, 0.05, 0.90}, {0.99, 0.009, 0.001}};
    }
    // categories: disagree, exact
    return new double[][] {{0.05, 0.95}, {0.80, 0.20}};
  }

  private static double total(double[] counts) {
    double t = 0;
    for (double c : counts) {
      t += c;
    }
    return t;
  }

  private static double[] marginal(long[] pats, double[] counts, int from, int to, int k, int levels) {
    double[] out = new double[levels];
    double seen = 0;
    for (int p = from; p < to; p++) {
      int level = (int) ((pats[p] >>> (4 * k)) & 0xF) - 1;
      if (level >= 0) {
        out[level] += counts[p];
        seen += counts[p];
      }
    }
    for (int l = 0; l < levels; l++) {
      out[l] = (out[l] + PSEUDO_COUNT) / (seen + PSEUDO_COUNT * levels);
    }
    return out;
  }

  @Override
  public double score(int i, int j) {
    double s = table.generationsDiffer(i, j) ? priorWeight + GENERATIONS_DIFFER : priorWeight;
    int anchorLevel = anchor >= 0 ? comparisons[anchor].level(i, j) : -1;
    for (int k = 0; k < comparisons.length; k++) {
      int level = k == anchor ? anchorLevel : comparisons[k].level(i, j);
      if (level >= 0) {
        s += levelWeight(k, level, i, j, anchorLevel);
      }
    }
    return s;
  }

  private double levelWeight(int k, int level, int i, int j, int anchorLevel) {
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
    if (k == family && level == c.exactLevel()) {
      double r = relativesAt(i, anchorLevel);
      if (r > 0) {
        // a shared family name at one company: chance (its frequency) or kinship (r), whatever its rarity
        return -log2(r / m[k][level] + Math.pow(2, -usualWeight(k, level, i, j, anchorLevel)));
      }
    }
    return usualWeight(k, level, i, j, anchorLevel);
  }

  /** {@link #relatives} for record {@code i}'s company when the pair's companies agree, else 0. */
  private double relativesAt(int i, int anchorLevel) {
    if (anchor < 0 || !anchorAgrees(comparisons[anchor], anchorLevel)) {
      return 0;
    }
    Column company = comparisons[anchor].column;
    return relatives[company.present(i) && company.count(company.id(i)) <= SMALL_COMPANY ? 0 : 1];
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
    List<ComparisonDetail> details = new ArrayList<>();
    double total = priorWeight;
    int anchorLevel = anchor >= 0 ? comparisons[anchor].level(i, j) : -1;
    boolean given = anchor >= 0 && anchorAgrees(comparisons[anchor], anchorLevel);
    boolean apart = anchorLevel == 0;
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
      double w = levelWeight(k, level, i, j, anchorLevel);
      boolean context = given && weightGiven[k] != null;
      boolean colleagues = level == 1 && !Double.isNaN(colleagueMailbox[k]) && given;
      String note = context
          ? String.format(Locale.ROOT, "m=%.4f u=%.4f among records that share the %s", m[k][level],
              uGiven[k][level], comparisons[anchor].name)
          : colleagues
          ? String.format(Locale.ROOT, "m=%.4f u=%.4f among records that share the %s: two mailboxes, two people",
              m[k][level], colleagueMailbox[k], comparisons[anchor].name)
          : apart && mApart[k] != null
          ? String.format(Locale.ROOT, "m=%.4f among matches whose %s differs, u=%.4f", mApart[k][level],
              comparisons[anchor].name, u[k][level])
          : String.format(Locale.ROOT, "m=%.4f u=%.4f", m[k][level], u[k][level]);
      if (level == c.exactLevel() && tfAdjustment[k] != null) {
        note += String.format(Locale.ROOT, ", term frequency %.5f adjusts by %+.2f",
            c.column.frequencyOf(c.agreedId(i, j)), tfAdjustment[k][c.agreedId(i, j)]);
      }
      if (k == family && level == c.exactLevel() && relativesAt(i, anchorLevel) > 0) {
        note += String.format(Locale.ROOT, "; at one %s, relatives share it in %.4f of pairs of different people",
            comparisons[anchor].name, relativesAt(i, anchorLevel));
      }
      if (level == c.weakLevel && c.weakLevelColumn != null && !context
          && table.nameDerived(c.weakLevelColumn.get(i), i, j)) {
        note += ", made of names both records have: weighed by the name comparisons";
      }
      details.add(new ComparisonDetail(c.name, a, b, c.labels[level], w, note));
      total += w;
    }
    if (table.generationsDiffer(i, j)) {
      details.add(new ComparisonDetail("generation", table.generation(i), table.generation(j), "disagree",
          GENERATIONS_DIFFER,
          "generational suffixes differ: two people (a father and son, say), whatever else agrees"));
      total += GENERATIONS_DIFFER;
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
    b.append(String.format(Locale.ROOT, "EM: %d iterations over %d candidate pairs (%.3f matches), u from %d random pairs; prior over all"
            + " pairs %.3g (%.2f bits)%n",
        iterations, sampledPairs, candidateShare, randomPairs, lambda, priorWeight));
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      b.append("  ").append(c.name).append(':');
      for (int l = c.levels() - 1; l >= 0; l--) {
        b.append(String.format(Locale.ROOT, " %s m=%.3f u=%.4f w=%+.2f;", c.labels[l], m[k][l], u[k][l], weight[k][l]));
      }
      b.append(System.lineSeparator());
      if (weightGiven[k] != null) {
        b.append("    given the same ").append(comparisons[anchor].name).append(':');
        for (int l = c.levels() - 1; l >= 0; l--) {
          b.append(String.format(Locale.ROOT, " %s u=%.4f w=%+.2f;", c.labels[l], uGiven[k][l], weightGiven[k][l]));
        }
        b.append(System.lineSeparator());
      }
      if (weightApart[k] != null) {
        b.append("    given another ").append(comparisons[anchor].name).append(':');
        for (int l = c.levels() - 1; l >= 0; l--) {
          b.append(String.format(Locale.ROOT, " %s m=%.3f w=%+.2f;", c.labels[l], mApart[k][l], weightApart[k][l]));
        }
        b.append(System.lineSeparator());
      }
      if (!Double.isNaN(colleagueMailbox[k])) {
        b.append(String.format(Locale.ROOT, "    given the same %s: %s u=%.4f w=%+.2f;%n", comparisons[anchor].name,
            c.labels[1], colleagueMailbox[k], log2(m[k][1] / colleagueMailbox[k])));
      }
      if (k == family && anchor >= 0) {
        b.append(String.format(Locale.ROOT, "    given the same %s: different people share it beyond chance in %.4f of"
            + " pairs at companies of up to %d records, %.4f at larger ones%n", comparisons[anchor].name, relatives[0],
            SMALL_COMPANY, relatives[1]));
      }
    }
    return b.toString();
  }
}

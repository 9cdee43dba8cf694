package io.crmsync.quality.internal;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fits a {@link FellegiSunter} model to one table without labels: draws every sample the estimation
 * needs (candidate pairs, random pairs, random pairs of colleagues), then estimates in steps (see {@link
 * Estimation}).
 */
final class FellegiSunterFit {
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
    TfCodes tf = new TfCodes(table);
    long[][] candidates = candidatePatterns(index, comps, tf, totalPairs);
    long sampled = 0;
    for (long c : candidates[1]) {
      sampled += c;
    }
    // random pairs anchor the non-match class: blocking can make candidates nearly all matches
    long[][] random = randomPatterns(table.size(), comps,
        Math.max(RANDOM_PAIRS_MIN, Math.min(RANDOM_PAIRS_MAX, sampled)));
    int anchor = ContactEvidence.contextAnchor(table);
    long[][] anchored = anchor < 0 ? new LongCounts().sorted()
        : anchoredPatterns(table, comps, comps[anchor].column, ANCHORED_PAIRS);
    double threshold = FellegiSunter.log2(matchProbability / (1 - matchProbability));
    Estimation e = new Estimation(table, tf, candidates, random, anchor);
    e.uFromRandomPairs();
    e.contextAmongColleagues(anchored);
    e.expectationMaximisation(e.initialLabels(), totalPairs);
    e.shrinkContextTowardsMatches();
    double lambda = e.priorOverAllPairs(totalPairs);
    ContactEvidence contact = ContactEvidence.fit(table, comps, anchor, e.u);
    FellegiSunter.Estimates estimates = new FellegiSunter.Estimates(lambda, e.m, e.u, anchor, e.uGiven, e.mApart,
        e.colleagueMailbox, e.iterations, (long) e.candidateTotal, (long) total(e.rcounts), e.candidateShare);
    return new FellegiSunter(table, estimates, contact, threshold, conflictLog2Odds);
  }

  /**
   * Level patterns of the candidate pairs of a sample of records (all their pairs go in), about {@link
   * #SAMPLE_PAIRS} pairs; every record when there are fewer.
   */
  private static long[][] candidatePatterns(BlockingIndex index, Comparison[] comps, TfCodes tf,
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
          double adj = FellegiSunter.log2(col.exactU() * col.nonNull() / FellegiSunter.othersWith(col, v));
          code[v] = (byte) Math.max(1, Math.min(2 * TF_OFFSET - 1, Math.round(adj) + TF_OFFSET));
        }
        codes[k] = code;
        shift[k] = next;
        next += TF_BITS;
      }
    }

    /** {@link FellegiSunter#pattern} with the term-frequency code of each exact agreement that has one. */
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
   * The estimation of one model without labels.
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
   * <p>The steps run in that order, each a method: {@link #uFromRandomPairs}, {@link
   * #contextAmongColleagues}, {@link #initialLabels}, {@link #expectationMaximisation}, {@link
   * #shrinkContextTowardsMatches}, {@link #priorOverAllPairs}. Used once.
   */
  static final class Estimation {
    private final Table table;
    private final TfCodes tf;
    private final Comparison[] comps;
    private final int kCount;
    /** Patterns of the sampled candidate pairs, and how many pairs have each. */
    private final long[] pats;
    private final double[] counts;
    final double candidateTotal;
    /** Patterns of the random pairs, and how many pairs have each. */
    private final long[] rpats;
    final double[] rcounts;
    private final int anchor;
    /** Whether any comparison identifies (else every comparison is judged in the E-step). */
    private final boolean anyIdentifying;
    private final double allPairs;
    final double[][] u;
    final double[][] uGiven;
    final double[] colleagueMailbox;
    private double anchoredEvidence;
    final double[][] m;
    final double[][] mApart;
    /** The share of matches among candidate pairs, as EM found it. */
    double candidateShare;
    int iterations;

    Estimation(Table table, TfCodes tf, long[][] candidatePatterns, long[][] randomPatterns, int anchor) {
      this.table = table;
      this.tf = tf;
      this.comps = table.comparisons.toArray(new Comparison[0]);
      this.kCount = comps.length;
      this.pats = candidatePatterns[0];
      this.counts = new double[pats.length];
      double candidates = 0;
      for (int p = 0; p < pats.length; p++) {
        counts[p] = candidatePatterns[1][p];
        candidates += counts[p];
      }
      this.candidateTotal = candidates;
      this.rpats = randomPatterns[0];
      this.rcounts = new double[rpats.length];
      for (int p = 0; p < rpats.length; p++) {
        rcounts[p] = randomPatterns[1][p];
      }
      this.anchor = anchor;
      boolean identifying = false;
      for (Comparison c : comps) {
        identifying |= c.identifying;
      }
      this.anyIdentifying = identifying;
      double n = table.size();
      this.allPairs = Math.max(1, n * (n - 1) / 2);
      this.u = new double[kCount][];
      this.uGiven = new double[kCount][];
      this.colleagueMailbox = new double[kCount];
      Arrays.fill(colleagueMailbox, Double.NaN);
      this.m = new double[kCount][];
      this.mApart = new double[kCount][];
    }

    /** {@code u} of every level from random pairs, exact agreement from the value frequencies. */
    void uFromRandomPairs() {
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
    }

    /**
     * {@code u} of the context comparisons among random pairs that agree on the anchor, and of another
     * mailbox at the same domain (per email comparison) among them.
     */
    void contextAmongColleagues(long[][] anchoredPatterns) {
      if (anchor < 0 || anchoredPatterns[0].length == 0) {
        return;
      }
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

    /**
     * EM's starting labels: a candidate pair is a match when its identifying fields never disagree and
     * mostly agree exactly.
     */
    double[] initialLabels() {
      double[] post = new double[pats.length];
      for (int p = 0; p < pats.length; p++) {
        int present = 0;
        int exact = 0;
        boolean disagree = false;
        for (int k = 0; k < kCount; k++) {
          int level = level(pats[p], k);
          if (level >= 0 && (comps[k].identifying || !anyIdentifying) && !(comps[k] instanceof Comparison.Email)) {
            present++;
            exact += level == comps[k].exactLevel() ? 1 : 0;
            disagree |= level < comps[k].disagreementLevels;
          }
        }
        post[p] = !disagree && exact >= 1 && exact >= INITIAL_MATCH_SHARE * present ? 1 : 0;
      }
      return post;
    }

    /**
     * {@code m} (and {@code m} among pairs whose anchor disagrees) by EM with {@code u} fixed, from the
     * labels {@code post}; the E-step judges identifying fields only, with the prior over all pairs.
     */
    void expectationMaximisation(double[] post, long totalCandidates) {
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
        double matched = 0;
        for (int p = 0; p < pats.length; p++) {
          matched += post[p] * counts[p];
        }
        double newLambda = Math.min(1 - 1e-6, Math.max(1e-6, matched / Math.max(1, candidateTotal)));
        double change = Math.abs(newLambda - lambda);
        lambda = newLambda;
        change = Math.max(change, maximise(post));
        if (iteration > 0 && change < 1e-7) {
          break;
        }
        // the E-step uses the prior over all pairs (pairs blocking never paired count as non-matches),
        // as the final scores do: agreeing on a first name alone is then no match
        double allPrior = Math.min(0.5, Math.max(1e-12, matched * scale / allPairs));
        expect(post, allPrior / (1 - allPrior));
      }
      this.candidateShare = lambda;
      this.iterations = iteration;
    }

    /** The M-step: {@code m} and {@code mApart} from the labels; returns the largest change. */
    private double maximise(double[] post) {
      double change = 0;
      for (int k = 0; k < kCount; k++) {
        int levels = m[k].length;
        double[] acc = new double[levels];
        for (int p = 0; p < pats.length; p++) {
          int level = level(pats[p], k);
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
          for (int p = 0; p < pats.length; p++) {
            int level = level(pats[p], k);
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
      return change;
    }

    /** The E-step: each pattern's match probability at prior {@code odds}, from its identifying fields. */
    private void expect(double[] post, double odds) {
      for (int p = 0; p < pats.length; p++) {
        double ratio = odds;
        for (int k = 0; k < kCount; k++) {
          int level = level(pats[p], k);
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
              ratio *= exactFactor(m[k][level] / u[k][level],
                  level == comps[k].exactLevel() ? tf.adjustment(pats[p], k) : 0);
            }
          }
        }
        post[p] = ratio / (1 + ratio);
      }
    }

    /**
     * With few colleagues to learn from, assume they share context as often as one person's records do:
     * then the context adds nothing to the company.
     */
    void shrinkContextTowardsMatches() {
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
    }

    /**
     * The prior over all pairs, as a fixed point of the expected number of matches among the candidates
     * (scaled up from the sample to {@code totalCandidates}) scored as the final model scores them.
     */
    double priorOverAllPairs(long totalCandidates) {
      double scale = candidateTotal == 0 ? 0 : totalCandidates / candidateTotal;
      double[] bayes = new double[pats.length];
      for (int p = 0; p < pats.length; p++) {
        double b = 1;
        for (int k = 0; k < kCount; k++) {
          int level = level(pats[p], k);
          if (level >= 0) {
            boolean agree = anchor >= 0 && FellegiSunter.anchorAgrees(comps[anchor], anchorLevel(pats[p], anchor));
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
      double matches = candidateShare * candidateTotal * scale;
      for (int round = 0; round < 200; round++) {
        double prior = Math.min(0.5, Math.max(1e-12, matches / allPairs));
        double odds = prior / (1 - prior);
        double next = 0;
        for (int p = 0; p < pats.length; p++) {
          double o = odds * bayes[p];
          next += o / (1 + o) * counts[p] * scale;
        }
        boolean done = Math.abs(next - matches) < 1e-6 * Math.max(1, matches);
        matches = next;
        if (done) {
          break;
        }
      }
      return Math.min(0.5, Math.max(1e-12, matches / allPairs));
    }

    private static int level(long pattern, int k) {
      return (int) ((pattern >>> (4 * k)) & 0xF) - 1;
    }
  }

  /**
   * A level's likelihood ratio with a term-frequency adjustment of {@code bits}; as in {@link
   * FellegiSunter#score}, an adjustment never turns an agreement into evidence against.
   */
  private static double exactFactor(double ratio, int bits) {
    if (bits == 0) {
      return ratio;
    }
    double adjusted = ratio * Math.pow(2, bits);
    return ratio > 1 ? Math.max(adjusted, 1) : adjusted;
  }

  private static int anchorLevel(long pattern, int anchor) {
    return anchor < 0 ? -1 : (int) ((pattern >>> (4 * anchor)) & 0xF) - 1;
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

  static double total(double[] counts) {
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
}

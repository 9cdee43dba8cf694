package io.crmsync.quality.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * What the contact profile knows about people that a generic Fellegi-Sunter model does not: records
 * of people at a company are scored with the company as context (colleagues share its switchboard,
 * city and mail domain; see {@link #contextAnchor}); two different generational suffixes (Jr. and Sr.)
 * are two people whatever else agrees; and relatives (a couple, a father and son at a family business)
 * share a family name at one company more often than chance. The model consults it where these apply;
 * on a table without person names or a company (organisations, Febrl's people without employers) none of
 * it does. Immutable; thread-safe.
 */
final class ContactEvidence {
  /**
   * The weight of two different generational suffixes (Jr. and Sr.): a veto, not an estimate. A father
   * and son at their family business share name, company, phone and city, which independent
   * comparisons add up to 30 bits and more; the suffixes are the one thing that tells them apart, and
   * few records carry one, so EM could not weigh it.
   */
  static final double GENERATIONS_DIFFER = -1000;

  private final Table table;
  /** The comparison of the company, whose agreement makes colleagues, or -1. */
  final int anchor;
  /** The family name comparison, or -1 if there is none or no relatives were found. */
  final int family;
  /**
   * How often two different people at one company share a family name beyond chance, at companies of
   * at most {@link #SMALL_COMPANY} records and at larger ones. Zero where the data show no excess.
   */
  final double[] relatives;

  private ContactEvidence(Table table, int anchor, int family, double[] relatives) {
    this.table = table;
    this.anchor = anchor;
    // without relatives in the data the family name keeps its usual weight: no check per pair
    this.family = relatives[0] > 0 || relatives[1] > 0 ? family : -1;
    this.relatives = relatives;
  }

  /**
   * The evidence of {@code table}: its context anchor ({@code anchor}, from {@link #contextAnchor}),
   * and the rate of relatives measured on its records, given {@code u} (per comparison and level).
   */
  static ContactEvidence fit(Table table, Comparison[] comps, int anchor, double[][] u) {
    int family = -1;
    int given = -1;
    for (int k = 0; k < comps.length; k++) {
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
    return new ContactEvidence(table, anchor, family, relatives);
  }

  /** Whether both records' names carry a generational suffix and the two differ (Jr. and Sr.). */
  boolean generationsDiffer(int i, int j) {
    return table.generationsDiffer(i, j);
  }

  /**
   * {@link #relatives} for record {@code i}'s company when the pair's companies agree ({@code
   * colleagues}), else 0.
   */
  double relativesAt(int i, boolean colleagues) {
    if (anchor < 0 || !colleagues) {
      return 0;
    }
    Column company = table.comparisons.get(anchor).column;
    return relatives[company.present(i) && company.count(company.id(i)) <= SMALL_COMPANY ? 0 : 1];
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
   * excess; shrunk towards 0 by {@link FellegiSunterFit#PRIOR_PAIRS} pairs' worth, and 0 below {@link #MIN_RELATIVES}.
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
      double r = excess * apart[s] / (apart[s] + FellegiSunterFit.PRIOR_PAIRS);
      // below MIN_RELATIVES the excess is one person's records whose given names disagree (typos the
      // bands miss, unknown nicknames), not kinship: leave the weights, and the scoring loop, alone
      out[s] = r < MIN_RELATIVES ? 0 : r;
    }
    return out;
  }
}

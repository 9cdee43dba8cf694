package io.crmsync.quality.internal;

import org.jspecify.annotations.Nullable;

/**
 * Compares one field of two records and returns an agreement level: {@code -1} when either value is
 * missing (no evidence either way), {@code 0} for disagreement, up to {@link #levels()}{@code - 1} for
 * exact agreement. Stateless apart from the columns; thread-safe.
 */
public abstract class Comparison {
  /** Levels are packed 4 bits per comparison into a long pattern. */
  static final int MAX_COMPARISONS = 15;

  static final double HIGH = 0.92;
  static final double LOW = 0.80;

  final String name;
  final String[] labels;
  final Column column;
  final boolean termFrequency;
  /** Whether the field identifies a person rather than their context; set by the table. */
  boolean identifying;
  /** Levels {@code 0 .. disagreementLevels - 1} all mean disagreement. */
  int disagreementLevels = 1;
  /** A level whose weight is adjusted by {@link #weakLevelColumn}, or -1. */
  int weakLevel = -1;
  /** Levels (bit per level) that are weak evidence by themselves: EM's E-step ignores them. */
  int neutralInEstimation;
  /** A column whose value frequency adjusts {@link #weakLevel}'s weight, or null. */
  @Nullable Column weakLevelColumn;

  Comparison(String name, Column column, boolean termFrequency, String... labels) {
    this.name = name;
    this.column = column;
    this.termFrequency = termFrequency;
    this.labels = labels;
  }

  /**
   * The agreement level of records {@code i} and {@code j}, or -1 when a value is missing. Each kind
   * checks missing and equal values itself: a shared final level() calling the kind for the rest made
   * the 1M benchmark's compare phase about 11% slower.
   */
  abstract int level(int i, int j);

  private static final int MEMO_BITS = 16;

  /** A direct-mapped table from value-id pair to level. */
  private static final class Memo {
    final long[] keys = new long[1 << MEMO_BITS];
    final byte[] levels = new byte[1 << MEMO_BITS];
  }

  private final ThreadLocal<Memo> memo = ThreadLocal.withInitial(Memo::new);

  /**
   * The similarity level of two different values, remembered per thread by value-id pair in a small
   * direct-mapped table: cities, given names and big accounts' names recur across many pairs.
   */
  final int memoLevel(int i, int j, java.util.function.IntBinaryOperator compute) {
    int a = column.id(i);
    int b = column.id(j);
    long key = (a < b ? ((long) a << 32) | b : ((long) b << 32) | a) + 1; // 0 marks an empty slot
    Memo m = memo.get();
    int slot = (int) (BlockingIndex.mix(key) >>> (64 - MEMO_BITS));
    if (m.keys[slot] == key) {
      return m.levels[slot];
    }
    int level = compute.applyAsInt(i, j);
    m.keys[slot] = key;
    m.levels[slot] = (byte) level;
    return level;
  }

  final int levels() {
    return labels.length;
  }

  final int exactLevel() {
    return labels.length - 1;
  }

  /** The value shown in explanations. */
  @Nullable String display(int i) {
    return column.get(i);
  }

  /**
   * The value id two records agree on when their level is exact: the id of {@code i}'s value, except
   * where a record holds several values of the field ({@link Code} over several columns).
   */
  int agreedId(int i, int j) {
    return column.id(i);
  }

  /** The probability that two random records agree exactly, given both have a value. */
  double exactU() {
    return column.exactU();
  }

  static int jwLevel(char[] a, char[] b, int high, int low) {
    double s = JaroWinkler.similarity(a, b);
    return s >= HIGH ? high : s >= LOW ? low : 0;
  }

  /**
   * The Jaro-Winkler level of two values of {@link #column}, skipping the computation when even the
   * best case is below the low band: matching characters cannot exceed the shared character counts
   * (per signature bucket), and the Winkler boost adds at most 0.4 of what Jaro lacks.
   */
  final int jwLevel(int i, int j, int high, int low) {
    char[] a = column.chars(i);
    char[] b = column.chars(j);
    long sa = column.signature(i);
    long sb = column.signature(j);
    int common = 0;
    for (int shift = 0; shift < 64; shift += 4) {
      common += (int) Math.min((sa >>> shift) & 15, (sb >>> shift) & 15);
    }
    int m = Math.min(common, Math.min(a.length, b.length));
    if (m == 0) {
      return 0;
    }
    double jaro = ((double) m / a.length + (double) m / b.length + 1) / 3;
    double best = jaro < 0.7 ? jaro : jaro + 0.4 * (1 - jaro);
    if (best < LOW) {
      return 0;
    }
    return jwLevel(a, b, high, low);
  }

  /** Whether one substitution, insertion, deletion or adjacent transposition turns a into b. */
  static boolean withinOneEdit(String a, String b) {
    int la = a.length();
    int lb = b.length();
    if (Math.abs(la - lb) > 1) {
      return false;
    }
    if (la == lb) {
      int first = -1;
      int diffs = 0;
      for (int k = 0; k < la; k++) {
        if (a.charAt(k) != b.charAt(k)) {
          if (diffs++ == 0) {
            first = k;
          }
        }
      }
      if (diffs <= 1) {
        return true;
      }
      return diffs == 2 && first + 1 < la && a.charAt(first) == b.charAt(first + 1)
          && a.charAt(first + 1) == b.charAt(first) && a.regionMatches(first + 2, b, first + 2, la - first - 2);
    }
    String s = la < lb ? a : b;
    String l = la < lb ? b : a;
    int k = 0;
    while (k < s.length() && s.charAt(k) == l.charAt(k)) {
      k++;
    }
    return s.regionMatches(k, l, k + 1, s.length() - k);
  }

  /**
   * Given and family names: exact, nickname (given names), Jaro-Winkler bands; given and family names
   * swapped count as the high band, an initial as the low band.
   */
  static final class Name extends Comparison {
    final @Nullable Column canonical;
    /** The other name column: a given name equal to the other's family name (and back) is a swap. */
    @Nullable Column swapPartner;
    /** Records whose value in this column was read from their mailbox, or null if none was. */
    boolean @Nullable [] fromMailbox;

    @Override
    @Nullable String display(int i) {
      String v = column.get(i);
      boolean[] inferred = fromMailbox;
      return v != null && inferred != null && inferred[i] ? v + " (from the email)" : v;
    }

    Name(String name, Column column, @Nullable Column canonical) {
      super(name, column, true, labels(canonical != null));
      this.canonical = canonical;
    }

    /** Whether two names are one given name's forms (Rich, Richard) or one typo apart (Jaro-Winkler >= 0.92). */
    private static boolean alike(String a, @Nullable String b) {
      if (b == null) {
        return false;
      }
      String ca = Normalize.givenNameCanonical(a);
      return ca != null && ca.equals(Normalize.givenNameCanonical(b)) || JaroWinkler.similarity(a, b) >= HIGH;
    }

    private static String[] labels(boolean nicknames) {
      return nicknames
          ? new String[] {"disagree", "jw>=0.80", "jw>=0.92", "nickname", "exact"}
          : new String[] {"disagree", "jw>=0.80", "jw>=0.92", "exact"};
    }

    @Override
    int level(int i, int j) {
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      if (a == b) {
        return exactLevel();
      }
      if (canonical != null && canonical.id(i) == canonical.id(j)) {
        return 3;
      }
      Column other = swapPartner;
      if (other != null) {
        String x = column.get(i);
        String y = column.get(j);
        String xo = other.get(j);
        String yo = other.get(i);
        // swapped: both crosses equal, or one equal and the other a nickname or a typo of it
        // (Crendic | Rich against Richard Crendic); fuzzy only behind one exact cross, off the hot path
        if (x.equals(xo) ? y.equals(yo) || alike(y, yo) : y.equals(yo) && alike(x, xo)) {
          return 2;
        }
      }
      return memoLevel(i, j, (p, q) -> {
        char[] x = column.chars(p);
        char[] y = column.chars(q);
        if ((x.length == 1 || y.length == 1) && x[0] == y[0]) {
          return 1;
        }
        return jwLevel(p, q, 2, 1);
      });
    }
  }

  /**
   * Email: exact (after normalisation), same local part at another domain, one edit apart (a typo),
   * another mailbox at the same domain (colleagues, or {@code john.smith2@}), another domain.
   */
  static final class Email extends Comparison {
    private final Column local;
    private final Column domain;
    /** Name comparisons of the table: one letter between two people's mailboxes is their names. */
    Name[] names = new Name[0];

    Email(String name, Column column, Column local, Column domain) {
      super(name, column, true, "other-domain", "same-domain-other-mailbox", "one-edit", "same-local-part",
          "exact");
      this.local = local;
      this.domain = domain;
      this.disagreementLevels = 2;
      this.weakLevel = 3;
      this.weakLevelColumn = local;
      this.neutralInEstimation = (1 << 2) | (1 << 3);
    }

    @Override
    int level(int i, int j) {
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      if (a == b) {
        return 4;
      }
      if (local.id(i) == local.id(j) && local.get(i).length() >= 3) {
        return 3;
      }
      String x = column.get(i);
      String y = column.get(j);
      boolean sameDomain = domain.id(i) == domain.id(j);
      if (numberedSiblings(x, y)) {
        return 1; // john.smith@ and john.smith2@: two mailboxes, two people
      }
      // one edit apart is a typo when the mailbox name is long or the domain differs; at one domain,
      // short names one letter apart are colleagues (jamess@, jamesm@), and so are long ones whose
      // owners' names disagree (prodriguez@, krodriguez@)
      if ((!sameDomain || local.get(i).length() >= 8) && withinOneEdit(x, y) && !(sameDomain && namesDisagree(i, j))) {
        return 2;
      }
      return sameDomain ? 1 : 0;
    }

    /** Whether any name of the two records disagrees outright. */
    private boolean namesDisagree(int i, int j) {
      for (Name n : names) {
        if (n.level(i, j) == 0) {
          return true;
        }
      }
      return false;
    }
  }

  /** Whether two different addresses are equal once digits are removed. */
  static boolean numberedSiblings(String x, String y) {
    int i = 0;
    int j = 0;
    boolean digits = false;
    while (i < x.length() || j < y.length()) {
      if (i < x.length() && Character.isDigit(x.charAt(i))) {
        i++;
        digits = true;
      } else if (j < y.length() && Character.isDigit(y.charAt(j))) {
        j++;
        digits = true;
      } else if (i < x.length() && j < y.length() && x.charAt(i) == y.charAt(j)) {
        i++;
        j++;
      } else {
        return false;
      }
    }
    return digits;
  }

  /** Codes (phone, postcode, identifier): exact, one edit away, or not. */
  static final class Code extends Comparison {
    /**
     * Values per record: {@link #column} holds record {@code i}'s values at {@code i}, {@code i + n},
     * {@code i + 2n} ... in one dictionary (a contact's phone, mobile and home numbers), and two records
     * agree when any of their values do.
     */
    final int slots;
    private final int n;
    /** Records with at least one value. */
    private final int withAny;

    Code(String name, Column column, boolean termFrequency, String oneEditLabel) {
      this(name, column, termFrequency, oneEditLabel, 1);
    }

    Code(String name, Column column, boolean termFrequency, String oneEditLabel, int slots) {
      super(name, column, termFrequency, "disagree", oneEditLabel, "exact");
      this.slots = slots;
      this.n = column.size() / slots;
      int any = 0;
      for (int i = 0; i < n; i++) {
        any += slot(i, 0) >= 0 ? 1 : 0;
      }
      this.withAny = any;
    }

    @Override
    int level(int i, int j) {
      if (slots > 1) {
        return levelOfAny(i, j);
      }
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      if (a == b) {
        return 2;
      }
      return withinOneEdit(column.get(i), column.get(j)) ? 1 : 0;
    }

    /** The id of {@code record}'s value in {@code slot}; values are packed to the first slots. */
    private int slot(int record, int slot) {
      return column.id(slot * n + record);
    }

    private int levelOfAny(int i, int j) {
      if (slot(i, 0) < 0 || slot(j, 0) < 0) {
        return -1;
      }
      int level = 0;
      for (int s = 0; s < slots && slot(i, s) >= 0; s++) {
        for (int t = 0; t < slots && slot(j, t) >= 0; t++) {
          if (slot(i, s) == slot(j, t)) {
            return 2;
          }
          if (level == 0 && withinOneEdit(column.get(s * n + i), column.get(t * n + j))) {
            level = 1;
          }
        }
      }
      return level;
    }

    @Override
    int agreedId(int i, int j) {
      for (int s = 1; s < slots && slot(i, s) >= 0; s++) {
        for (int t = 0; t < slots && slot(j, t) >= 0; t++) {
          if (slot(i, s) == slot(j, t)) {
            return slot(i, s);
          }
        }
      }
      return column.id(i);
    }

    @Override
    double exactU() {
      // any of a's values equal to any of b's: about (values per record)^2 chances of one value's
      double perRecord = slots == 1 ? 1 : (double) column.nonNull() / Math.max(1, withAny);
      return Math.min(1, column.exactU() * perRecord * perRecord);
    }

    @Override
    @Nullable String display(int i) {
      if (slots == 1 || slot(i, 1) < 0) {
        return column.get(i);
      }
      StringBuilder b = new StringBuilder(column.get(i));
      for (int s = 1; s < slots && slot(i, s) >= 0; s++) {
        b.append(" / ").append(column.get(s * n + i));
      }
      return b.toString();
    }

    /** The number of records (the column holds {@code slots} values for each). */
    int records() {
      return n;
    }
  }

  /** Free text, companies, cities, addresses: exact or Jaro-Winkler bands. */
  static final class Text extends Comparison {
    Text(String name, Column column, boolean termFrequency) {
      super(name, column, termFrequency, "disagree", "jw>=0.80", "jw>=0.92", "exact");
    }

    @Override
    int level(int i, int j) {
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      if (a == b) {
        return 3;
      }
      return memoLevel(i, j, (p, q) -> jwLevel(p, q, 2, 1));
    }
  }

  /** Dates as yyyymmdd: exact, one typo or day and month swapped, or not. */
  static final class Date extends Comparison {
    Date(String name, Column column) {
      super(name, column, false, "disagree", "one-edit-or-swap", "exact");
    }

    @Override
    int level(int i, int j) {
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      if (a == b) {
        return 2;
      }
      String x = column.get(i);
      String y = column.get(j);
      if (withinOneEdit(x, y)) {
        return 1;
      }
      if (x.length() == 8 && y.length() == 8 && x.regionMatches(0, y, 0, 4)
          && x.regionMatches(4, y, 6, 2) && x.regionMatches(6, y, 4, 2)) {
        return 1;
      }
      return 0;
    }
  }

  /** Categories: exact or not. */
  static final class Category extends Comparison {
    Category(String name, Column column) {
      super(name, column, false, "disagree", "exact");
    }

    @Override
    int level(int i, int j) {
      int a = column.id(i);
      int b = column.id(j);
      if (a < 0 || b < 0) {
        return -1;
      }
      return a == b ? 1 : 0;
    }
  }
}

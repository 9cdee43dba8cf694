package io.crmsync.quality.internal;

/**
 * Jaro-Winkler similarity without allocation on the hot path (scratch arrays are thread-local).
 *
 * <p>Same definition as commons-text's {@code JaroWinklerSimilarity}: match
 * window {@code max(len)/2 - 1}, half-transpositions halved, Winkler boost of 0.1 per character of
 * common prefix (at most 4) only when Jaro is at least 0.7. The property tests check that both agree.
 * Thread-safe.
 */
public final class JaroWinkler {
  private static final ThreadLocal<boolean[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new boolean[][] {new boolean[64], new boolean[64]});

  private JaroWinkler() {}

  /**
   * The similarity of two character arrays, as {@link #similarity(CharSequence, CharSequence)}; match
   * flags live in two longs when the longer string has at most 64 characters.
   */
  public static double similarity(char[] a, char[] b) {
    int la = a.length;
    int lb = b.length;
    if (java.util.Arrays.equals(a, b)) {
      return 1.0;
    }
    if (la == 0 || lb == 0) {
      return 0.0;
    }
    char[] max = la >= lb ? a : b;
    char[] min = la >= lb ? b : a;
    int maxLen = max.length;
    int minLen = min.length;
    if (maxLen > 64) {
      return similarity(new String(a), new String(b));
    }
    int range = Math.max(maxLen / 2 - 1, 0);
    long minFlags = 0;
    long maxFlags = 0;
    int matches = 0;
    for (int mi = 0; mi < minLen; mi++) {
      char c = min[mi];
      int end = Math.min(mi + range + 1, maxLen);
      for (int xi = Math.max(mi - range, 0); xi < end; xi++) {
        if ((maxFlags & (1L << xi)) == 0 && c == max[xi]) {
          minFlags |= 1L << mi;
          maxFlags |= 1L << xi;
          matches++;
          break;
        }
      }
    }
    if (matches == 0) {
      return 0.0;
    }
    int transpositions = 0;
    long mf = minFlags;
    long xf = maxFlags;
    while (mf != 0) {
      int mi = Long.numberOfTrailingZeros(mf);
      int xi = Long.numberOfTrailingZeros(xf);
      if (min[mi] != max[xi]) {
        transpositions++;
      }
      mf &= mf - 1;
      xf &= xf - 1;
    }
    int prefix = 0;
    while (prefix < Math.min(4, minLen) && a[prefix] == b[prefix]) {
      prefix++;
    }
    return finish(matches, transpositions, prefix, la, lb);
  }

  private static double finish(int matches, int halfTranspositions, int prefix, int la, int lb) {
    double m = matches;
    double jaro = (m / la + m / lb + (m - halfTranspositions / 2.0) / m) / 3.0;
    return jaro < 0.7 ? jaro : jaro + 0.1 * prefix * (1.0 - jaro);
  }

  /** The similarity of {@code a} and {@code b}, in [0, 1]; 1 for equal strings. */
  public static double similarity(CharSequence a, CharSequence b) {
    if (a == b) {
      return 1.0;
    }
    int la = a.length();
    int lb = b.length();
    if (la == lb && a.toString().contentEquals(b)) {
      return 1.0;
    }
    if (la == 0 || lb == 0) {
      return 0.0;
    }
    CharSequence max = la >= lb ? a : b;
    CharSequence min = la >= lb ? b : a;
    int maxLen = max.length();
    int minLen = min.length();
    int range = Math.max(maxLen / 2 - 1, 0);
    boolean[][] scratch = SCRATCH.get();
    if (scratch[0].length < maxLen) {
      scratch[0] = new boolean[Math.max(maxLen, scratch[0].length * 2)];
      scratch[1] = new boolean[scratch[0].length];
    }
    boolean[] minFlags = scratch[0];
    boolean[] maxFlags = scratch[1];
    java.util.Arrays.fill(minFlags, 0, minLen, false);
    java.util.Arrays.fill(maxFlags, 0, maxLen, false);
    int matches = 0;
    for (int mi = 0; mi < minLen; mi++) {
      char c = min.charAt(mi);
      int end = Math.min(mi + range + 1, maxLen);
      for (int xi = Math.max(mi - range, 0); xi < end; xi++) {
        if (!maxFlags[xi] && c == max.charAt(xi)) {
          minFlags[mi] = true;
          maxFlags[xi] = true;
          matches++;
          break;
        }
      }
    }
    if (matches == 0) {
      return 0.0;
    }
    int transpositions = 0;
    int xi = 0;
    for (int mi = 0; mi < minLen; mi++) {
      if (minFlags[mi]) {
        while (!maxFlags[xi]) {
          xi++;
        }
        if (min.charAt(mi) != max.charAt(xi)) {
          transpositions++;
        }
        xi++;
      }
    }
    int prefix = 0;
    while (prefix < Math.min(4, minLen) && a.charAt(prefix) == b.charAt(prefix)) {
      prefix++;
    }
    return finish(matches, transpositions, prefix, la, lb);
  }
}

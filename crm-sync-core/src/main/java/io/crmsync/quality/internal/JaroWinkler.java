package io.crmsync.quality.internal;

/**
 * Jaro-Winkler similarity without allocation on the hot path (scratch arrays are thread-local).
 *
 * <p>Same definition as commons-text's {@code JaroWinklerSimilarity} (match window {@code
 * max(len)/2 - 1}, Winkler boost only when Jaro is at least 0.7, prefix scale {@code min(0.1, 1/max)}
 * over the whole common prefix); the property tests check that both agree. Thread-safe.
 */
public final class JaroWinkler {
  private static final ThreadLocal<boolean[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new boolean[][] {new boolean[64], new boolean[64]});

  private JaroWinkler() {}

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
    while (prefix < minLen && a.charAt(prefix) == b.charAt(prefix)) {
      prefix++;
    }
    double m = matches;
    double jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3.0;
    return jaro < 0.7 ? jaro : jaro + Math.min(0.1, 1.0 / maxLen) * prefix * (1.0 - jaro);
  }
}

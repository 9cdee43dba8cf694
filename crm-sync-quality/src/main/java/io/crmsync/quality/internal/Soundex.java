package io.crmsync.quality.internal;

/** American Soundex of letters a-z (other characters are skipped); used for blocking keys. */
public final class Soundex {
  //                                      abcdefghijklmnopqrstuvwxyz
  private static final String CODES = "01230120022455012623010202";

  private Soundex() {}

  /** The 4-character code of {@code s}, or the empty string when it has no letter. */
  public static String of(String s) {
    char[] out = new char[4];
    int n = 0;
    char last = 0;
    for (int i = 0; i < s.length() && n < 4; i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + 32);
      }
      if (c < 'a' || c > 'z') {
        continue;
      }
      char code = CODES.charAt(c - 'a');
      if (n == 0) {
        out[n++] = c;
        last = code;
      } else if (code != '0' && code != last) {
        out[n++] = code;
        last = code;
      } else if (c != 'h' && c != 'w') {
        last = code;
      }
    }
    if (n == 0) {
      return "";
    }
    while (n < 4) {
      out[n++] = '0';
    }
    return new String(out);
  }
}

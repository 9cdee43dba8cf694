package io.crmsync.state.internal;

/**
 * A 128-bit digest written as 22 Base64url characters without padding (how the engine writes
 * fingerprints), held as two longs. Only the canonical text is taken for a digest: the one that
 * {@link #encode} gives back exactly, so that a value read from the store is always the value written.
 */
final class Digests {
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final byte[] VALUES = new byte[128];
  static final int LENGTH = 22;

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      VALUES[ALPHABET[i]] = (byte) i;
    }
  }

  private Digests() {}

  /**
   * Reads {@code text} into {@code bits} (first 64 bits, then the last 64) if it is the canonical
   * Base64url form of 128 bits: 22 characters of the URL-safe alphabet whose last one carries only the
   * final 2 bits, its low 4 bits zero.
   *
   * @return whether it is
   */
  static boolean parse(String text, long[] bits) {
    if (text.length() != LENGTH) {
      return false;
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < LENGTH - 1; i++) {
      int v = value(text.charAt(i));
      if (v < 0) {
        return false;
      }
      hi = (hi << 6) | (lo >>> 58);
      lo = (lo << 6) | v;
    }
    int last = value(text.charAt(LENGTH - 1));
    if (last < 0 || (last & 0xF) != 0) {
      return false;
    }
    bits[0] = (hi << 2) | (lo >>> 62);
    bits[1] = (lo << 2) | (last >>> 4);
    return true;
  }

  static String encode(long hi, long lo) {
    byte[] out = new byte[LENGTH];
    for (int k = 0; k < LENGTH - 1; k++) {
      int shift = 122 - 6 * k; // position of the group's lowest bit in the 128-bit number
      long group;
      if (shift >= 64) {
        group = hi >>> (shift - 64);
      } else if (shift <= 58) {
        group = lo >>> shift;
      } else {
        group = (hi << (64 - shift)) | (lo >>> shift);
      }
      out[k] = (byte) ALPHABET[(int) (group & 63)];
    }
    out[LENGTH - 1] = (byte) ALPHABET[(int) ((lo & 3) << 4)];
    return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static int value(char c) {
    return c < 128 ? VALUES[c] : -1;
  }
}

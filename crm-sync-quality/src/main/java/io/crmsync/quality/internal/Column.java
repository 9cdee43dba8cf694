package io.crmsync.quality.internal;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One normalised field over all records, dictionary-encoded: equal values share an id, so exact
 * agreement is an int comparison and each value's frequency (for term-frequency adjustment) is at hand.
 * Immutable after construction; thread-safe.
 */
public final class Column {
  final String name;
  private final @Nullable String[] values;
  private final int[] ids;
  private final int[] counts;
  private final int nonNull;
  private final double exactU;
  /** Each distinct value as characters, by value id, for Jaro-Winkler without allocation. */
  private final char[][] chars;
  /** Per value id: character counts in 16 buckets of 4 bits (saturating), for a quick similarity bound. */
  private final long[] signatures;

  Column(String name, @Nullable String[] values) {
    this.name = name;
    this.values = values;
    this.ids = new int[values.length];
    Map<String, Integer> dict = new HashMap<>();
    int[] c = new int[16];
    int n = 0;
    for (int i = 0; i < values.length; i++) {
      String v = values[i];
      if (v == null) {
        ids[i] = -1;
        continue;
      }
      Integer id = dict.putIfAbsent(v, dict.size());
      int k = id == null ? dict.size() - 1 : id;
      if (k >= c.length) {
        c = java.util.Arrays.copyOf(c, c.length * 2);
      }
      c[k]++;
      ids[i] = k;
      n++;
    }
    this.counts = java.util.Arrays.copyOf(c, dict.size());
    this.chars = new char[dict.size()][];
    this.signatures = new long[dict.size()];
    for (Map.Entry<String, Integer> e : dict.entrySet()) {
      char[] cs = e.getKey().toCharArray();
      chars[e.getValue()] = cs;
      long sig = 0;
      for (char ch : cs) {
        int shift = (ch & 15) * 4;
        if (((sig >>> shift) & 15) < 15) {
          sig += 1L << shift;
        }
      }
      signatures[e.getValue()] = sig;
    }
    this.nonNull = n;
    double s = 0;
    for (int count : counts) {
      double p = (double) count / Math.max(1, n);
      s += p * p;
    }
    this.exactU = s;
  }

  public String name() {
    return name;
  }

  public @Nullable String get(int record) {
    return values[record];
  }

  /** The value id of {@code record}, or -1 when missing. */
  public int id(int record) {
    return ids[record];
  }

  /** The characters of {@code record}'s value; only for records whose value is present. */
  char[] chars(int record) {
    return chars[ids[record]];
  }

  /** The characters of value {@code valueId}. */
  char[] charsOf(int valueId) {
    return chars[valueId];
  }

  long signature(int record) {
    return signatures[ids[record]];
  }

  public boolean present(int record) {
    return ids[record] >= 0;
  }

  /** The number of records with this value id. */
  public int count(int valueId) {
    return counts[valueId];
  }

  public int distinct() {
    return counts.length;
  }

  public int nonNull() {
    return nonNull;
  }

  /** The share of non-missing records that have {@code record}'s value. */
  public double frequency(int record) {
    return (double) counts[ids[record]] / nonNull;
  }

  /** The share of non-missing values that are value {@code valueId}. */
  public double frequencyOf(int valueId) {
    return (double) counts[valueId] / nonNull;
  }

  /** The probability that two random non-missing records agree exactly: sum of squared frequencies. */
  public double exactU() {
    return exactU;
  }

  public int size() {
    return ids.length;
  }
}

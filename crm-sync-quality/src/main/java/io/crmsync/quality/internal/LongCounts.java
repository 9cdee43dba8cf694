package io.crmsync.quality.internal;

import java.util.Arrays;

/** An open-addressing map from long keys (not {@link Long#MIN_VALUE}) to long counts. Not thread-safe. */
final class LongCounts {
  private static final long EMPTY = Long.MIN_VALUE;
  private long[] keys = new long[64];
  private long[] values = new long[64];
  private int size;

  LongCounts() {
    Arrays.fill(keys, EMPTY);
  }

  void add(long key, long count) {
    if (size * 2 >= keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    int slot = (int) BlockingIndex.mix(key) & mask;
    while (keys[slot] != EMPTY && keys[slot] != key) {
      slot = (slot + 1) & mask;
    }
    if (keys[slot] == EMPTY) {
      keys[slot] = key;
      size++;
    }
    values[slot] += count;
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    size = 0;
    for (int k = 0; k < oldKeys.length; k++) {
      if (oldKeys[k] != EMPTY) {
        add(oldKeys[k], oldValues[k]);
      }
    }
  }

  LongCounts merge(LongCounts other) {
    for (int k = 0; k < other.keys.length; k++) {
      if (other.keys[k] != EMPTY) {
        add(other.keys[k], other.values[k]);
      }
    }
    return this;
  }

  /** Keys in ascending order and their counts: {@code [keys, counts]}. */
  long[][] sorted() {
    long[] k = new long[size];
    int at = 0;
    for (long key : keys) {
      if (key != EMPTY) {
        k[at++] = key;
      }
    }
    Arrays.sort(k);
    long[] v = new long[size];
    for (int i = 0; i < size; i++) {
      v[i] = get(k[i]);
    }
    return new long[][] {k, v};
  }

  private long get(long key) {
    int mask = keys.length - 1;
    int slot = (int) BlockingIndex.mix(key) & mask;
    while (keys[slot] != key) {
      slot = (slot + 1) & mask;
    }
    return values[slot];
  }
}

package io.crmsync.state.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe map from string keys to string values that holds a million entries without a million
 * entry objects. The in-memory state store keeps one key per record synced (its fingerprint and its id
 * link), and a {@code ConcurrentHashMap} spends a node per entry plus, for a fingerprint, a String and its
 * byte array: several objects per record that every young collection has to trace and copy.
 *
 * <p>Here entries live in flat arrays (open addressing, linear probing). Each slot's hash sits beside its
 * value in one {@code long[]}, so that a probe reads one cache line and an insert writes two (that array
 * and the key array). A value that is a 128-bit Base64url digest, as the engine's fingerprints are, is
 * held as two longs and turned back into the same text when read; any other value is kept as it is.
 *
 * <p>The engine reads and writes a batch at a time, so the map does too: one lock per batch rather than
 * per entry. Between entries there is then no lock instruction to order memory, and the processor
 * overlaps the cache misses of a batch's random slots instead of waiting for each in turn. Hashes and
 * digests are worked out before the lock is taken.
 *
 * <p>Entries are never removed: the store only adds or replaces links and fingerprints.
 */
final class CompactStringMap {
  /** Marks a used slot in {@link #data}, whose hash half may be zero. */
  private static final long USED = 1L << 32;
  private static final int MIN_CAPACITY = 16;

  /**
   * Per slot, {@link #stride} longs: the key's hash with {@link #USED} (zero for an empty slot), then,
   * once the map has seen a digest value, the digest's two halves.
   */
  private long[] data = new long[MIN_CAPACITY];
  private int stride = 1;
  /** Per slot, the key and its value if the value is not a digest (else null). */
  private @Nullable String[] entries = new String[2 * MIN_CAPACITY];
  private int capacity = MIN_CAPACITY;
  private int size;

  /** Puts each item's key and value; a later item wins over an earlier one with the same key. */
  <T> void putAll(List<T> items, Function<? super T, String> key, Function<? super T, String> value) {
    putAll(items, key, value, false);
  }

  /** Puts each item's key and value where the key has none yet. */
  <T> void putAllAbsent(List<T> items, Function<? super T, String> key, Function<? super T, String> value) {
    putAll(items, key, value, true);
  }

  void put(String key, String value) {
    putAll(List.of(key), k -> k, k -> value, false);
  }

  void putIfAbsent(String key, String value) {
    putAll(List.of(key), k -> k, k -> value, true);
  }

  private <T> void putAll(List<T> items, Function<? super T, String> key, Function<? super T, String> value,
      boolean onlyIfAbsent) {
    int n = items.size();
    String[] keys = new String[n];
    int[] hashes = new int[n];
    String[] texts = new String[n];
    long[] digests = new long[2 * n];
    long[] bits = new long[2];
    boolean anyDigest = false;
    for (int j = 0; j < n; j++) {
      T item = items.get(j);
      keys[j] = Objects.requireNonNull(key.apply(item), "key");
      hashes[j] = hash(keys[j]);
      String v = Objects.requireNonNull(value.apply(item), "value");
      if (Digests.parse(v, bits)) {
        digests[2 * j] = bits[0];
        digests[2 * j + 1] = bits[1];
        anyDigest = true;
      } else {
        texts[j] = v;
      }
    }
    synchronized (this) {
      if (anyDigest && stride == 1) {
        rehash(capacity, 3);
      }
      for (int j = 0; j < n; j++) {
        int h = hashes[j];
        int i = find(keys[j], h);
        if (data[i * stride] == 0) {
          data[i * stride] = USED | (h & 0xFFFFFFFFL);
          entries[2 * i] = keys[j];
          size++;
        } else if (onlyIfAbsent) {
          continue;
        }
        if (texts[j] == null) {
          data[i * stride + 1] = digests[2 * j];
          data[i * stride + 2] = digests[2 * j + 1];
        }
        entries[2 * i + 1] = texts[j];
        if (size * 10L > capacity * 7L) {
          rehash(capacity * 2, stride);
        }
      }
    }
  }

  /** The values of those of {@code keys} that have one. */
  Map<String, String> getAll(Collection<String> keys) {
    int n = keys.size();
    String[] k = keys.toArray(new String[0]);
    int[] hashes = new int[n];
    for (int j = 0; j < n; j++) {
      hashes[j] = hash(k[j]);
    }
    Map<String, String> out = new HashMap<>();
    synchronized (this) {
      for (int j = 0; j < n; j++) {
        String v = valueAt(find(k[j], hashes[j]));
        if (v != null) {
          out.put(k[j], v);
        }
      }
    }
    return out;
  }

  @Nullable String get(String key) {
    int h = hash(key);
    synchronized (this) {
      return valueAt(find(key, h));
    }
  }

  synchronized long size() {
    return size;
  }

  /** Calls {@code action} with every entry, holding the map's lock. */
  synchronized void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < capacity; i++) {
      String value = valueAt(i);
      if (value != null) {
        action.accept(Objects.requireNonNull(entries[2 * i]), value);
      }
    }
  }

  private @Nullable String valueAt(int i) {
    if (data[i * stride] == 0) {
      return null;
    }
    String text = entries[2 * i + 1];
    if (text != null) {
      return text;
    }
    return Digests.encode(data[i * stride + 1], data[i * stride + 2]);
  }

  /** The key's slot, or the empty slot where it belongs. */
  private int find(String key, int h) {
    long tag = USED | (h & 0xFFFFFFFFL);
    int mask = capacity - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      long d = data[i * stride];
      if (d == 0 || (d == tag && key.equals(entries[2 * i]))) {
        return i;
      }
    }
  }

  private void rehash(int newCapacity, int newStride) {
    if (newCapacity <= 0 || (long) newCapacity * newStride > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("an in-memory state store holds at most about 300 million entries per map; "
          + "use a database store (crm-sync-jdbc) for more");
    }
    long[] oldData = data;
    String[] oldEntries = entries;
    int oldStride = stride;
    int oldCapacity = capacity;
    data = new long[newCapacity * newStride];
    entries = new String[2 * newCapacity];
    stride = newStride;
    capacity = newCapacity;
    int mask = newCapacity - 1;
    for (int j = 0; j < oldCapacity; j++) {
      long d = oldData[j * oldStride];
      if (d == 0) {
        continue;
      }
      int i = (int) d & mask;
      while (data[i * newStride] != 0) {
        i = (i + 1) & mask;
      }
      data[i * newStride] = d;
      if (oldStride == 3) {
        data[i * newStride + 1] = oldData[j * oldStride + 1];
        data[i * newStride + 2] = oldData[j * oldStride + 2];
      }
      entries[2 * i] = oldEntries[2 * j];
      entries[2 * i + 1] = oldEntries[2 * j + 1];
    }
  }

  /** Spreads String's hash, whose low bits barely differ for ids such as {@code c-000123}. */
  private static int hash(String key) {
    int h = key.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }
}

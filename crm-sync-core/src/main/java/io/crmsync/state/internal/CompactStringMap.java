package io.crmsync.state.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe map from string keys to string values that holds a million entries in a few primitive
 * arrays. The in-memory state store keeps one key per record synced (its fingerprint and its id link).
 * In a {@code ConcurrentHashMap} that is a node per entry plus the key and value Strings; worse, each
 * insert writes a reference into a large, old table, which the garbage collector then has to rescan
 * (on a 1M-record sync, scanning those cards cost more GC time than all copying). Here nothing holds a
 * reference: the characters of keys and values are appended to a byte arena, entries are appended to a
 * {@code long[]} log in insertion order, and a hash index of longs (open addressing, linear probing)
 * maps each key's hash to its entry. Primitive arrays carry no write barrier and are never scanned.
 *
 * <p>An insert therefore touches one random cache line (its index slot) and appends the rest; a lookup
 * of an absent key reads one index slot, since each slot carries its key's hash; growing rebuilds only
 * the index. A value that is a 128-bit Base64url digest, as the engine's fingerprints are, is held as
 * two longs and turned back into the same text when read.
 *
 * <p>The engine reads and writes a batch at a time, so the map does too: one lock per batch. Between
 * entries there is then no lock instruction to order memory, and the processor overlaps the cache
 * misses of a batch's random slots. A replaced text value leaves its old characters in the arena; a
 * value replaced by an equal one is left as it is.
 *
 * <p>Entries are removed only when a link is (a delete propagated): the key leaves the index (backward
 * shift, no tombstones) and its entry is marked removed, while its place in the log and its characters
 * stay. Deletes are a small share of what a sync writes, so the log is not compacted.
 *
 * <p>Which keys hold a value ({@link #keysOf}) is answered from a second index, built on the first such
 * question and kept up to date from then on: per entry, the previous and next entry whose value falls in
 * the same bucket (two ints), and an int per bucket for the first. A map nobody asks that costs nothing.
 */
final class CompactStringMap {
  /** Marks an entry whose value is a digest (two longs) rather than text. */
  private static final long DIGEST = 1L << 62;
  /** Marks an entry whose key was removed: its place in the log stays, skipped by every reader. */
  private static final long REMOVED = 1L << 61;
  private static final int MIN_CAPACITY = 16;

  /** Per slot: the key's 32-bit hash in the high half, its entry's number plus one in the low; 0 if free. */
  private long[] index = new long[2 * MIN_CAPACITY];
  /**
   * Per entry, {@link #stride} longs: {@link #DIGEST} and the key's hash; the key's {@linkplain Arena
   * reference}; then the value: a text reference, or once the map holds digests the digest's two halves.
   */
  private long[] entries = new long[3 * MIN_CAPACITY];
  private int stride = 3;
  /** Entries in the log, removed ones included. */
  private int size;
  /** Entries in the log marked {@link #REMOVED}. */
  private int removed;
  private final Arena arena = new Arena();

  /**
   * The value index, null until {@link #keysOf} is first called: per bucket of value hashes, its first
   * entry's number plus one (0: none); per entry, the previous and next entry of its bucket, plus one.
   */
  private int @Nullable [] valueHeads;
  private int @Nullable [] valuePrev;
  private int @Nullable [] valueNext;

  void put(String key, String value) {
    putAll(List.of(key), k -> k, k -> value);
  }

  /** Puts each item's key and value; a later item wins over an earlier one with the same key. */
  <T> void putAll(List<T> items, Function<? super T, String> key, Function<? super T, String> value) {
    int n = items.size();
    String[] keys = new String[n];
    String[] values = new String[n];
    String[] texts = new String[n];
    long[] digests = new long[2 * n];
    long[] bits = new long[2];
    boolean anyDigest = false;
    for (int j = 0; j < n; j++) {
      T item = items.get(j);
      keys[j] = Arena.checkLength(Objects.requireNonNull(key.apply(item), "key"), "key");
      String v = Objects.requireNonNull(value.apply(item), "value");
      values[j] = v;
      if (Digests.parse(v, bits)) {
        digests[2 * j] = bits[0];
        digests[2 * j + 1] = bits[1];
        anyDigest = true;
      } else {
        texts[j] = Arena.checkLength(v, "value");
      }
    }
    int[] hashes = new int[n];
    for (int j = 0; j < n; j++) {
      hashes[j] = hash(keys[j]);
    }
    synchronized (this) {
      if (anyDigest && stride == 3) {
        widen();
      }
      touch(hashes);
      for (int j = 0; j < n; j++) {
        int h = hashes[j];
        int slot = find(keys[j], h);
        int e;
        if (index[slot] == 0) {
          e = append(keys[j], h);
          index[slot] = ((long) h << 32) | (e + 1);
        } else {
          e = (int) index[slot] - 1;
          if (holds(e, texts[j], digests[2 * j], digests[2 * j + 1])) {
            continue;
          }
          if (valueHeads != null) {
            unchain(e);
          }
        }
        int at = e * stride;
        if (texts[j] == null) {
          entries[at] |= DIGEST;
          entries[at + 2] = digests[2 * j];
          entries[at + 3] = digests[2 * j + 1];
        } else {
          entries[at] &= ~DIGEST;
          entries[at + 2] = arena.append(texts[j]);
        }
        if (valueHeads != null) {
          chain(e, hash(values[j]));
        }
        if (size * 2L > index.length) {
          reindex(index.length * 2);
        }
      }
      if (valueHeads != null && size - removed > valueHeads.length) {
        indexValues(valueHeads.length * 2);
      }
    }
  }

  /** Whether entry {@code e} holds the value given as {@code text}, or as the digest {@code hi, lo} if text is null. */
  private boolean holds(int e, @Nullable String text, long hi, long lo) {
    int at = e * stride;
    boolean digest = (entries[at] & DIGEST) != 0;
    if (text == null) {
      return digest && entries[at + 2] == hi && entries[at + 3] == lo;
    }
    return !digest && arena.matches(entries[at + 2], text);
  }

  /**
   * Removes each item's key where it holds the item's value; a key holding another value stays.
   *
   * @return the items whose key was removed
   */
  <T> List<T> removeAll(List<T> items, Function<? super T, String> key, Function<? super T, String> value) {
    int n = items.size();
    String[] keys = new String[n];
    String[] values = new String[n];
    int[] hashes = new int[n];
    for (int j = 0; j < n; j++) {
      T item = items.get(j);
      keys[j] = Objects.requireNonNull(key.apply(item), "key");
      values[j] = Objects.requireNonNull(value.apply(item), "value");
      hashes[j] = hash(keys[j]);
    }
    List<T> out = new ArrayList<>();
    synchronized (this) {
      for (int j = 0; j < n; j++) {
        int slot = find(keys[j], hashes[j]);
        if (index[slot] == 0) {
          continue;
        }
        int e = (int) index[slot] - 1;
        if (!valueEquals(e, values[j])) {
          continue;
        }
        if (valueHeads != null) {
          unchain(e);
        }
        entries[e * stride] |= REMOVED;
        removed++;
        clearSlot(slot);
        out.add(items.get(j));
      }
    }
    return out;
  }

  /**
   * Frees {@code slot} without a tombstone: each later entry of the probe run whose home slot is not
   * between the freed slot and its own moves back into it, so that every key stays reachable from home.
   */
  private void clearSlot(int slot) {
    int mask = index.length - 1;
    int free = slot;
    for (int i = (free + 1) & mask; index[i] != 0; i = (i + 1) & mask) {
      int home = (int) (index[i] >>> 32) & mask;
      boolean reachable = free <= i ? free < home && home <= i : free < home || home <= i;
      if (!reachable) {
        index[free] = index[i];
        free = i;
      }
    }
    index[free] = 0;
  }

  /**
   * For each of {@code values}, the keys that hold it; values no key holds are absent. The first call
   * builds the value index, which later writes keep up to date.
   */
  Map<String, List<String>> keysOf(Collection<String> values) {
    String[] v = new LinkedHashSet<>(values).toArray(new String[0]);
    int[] hashes = new int[v.length];
    for (int j = 0; j < v.length; j++) {
      hashes[j] = hash(v[j]);
    }
    Map<String, List<String>> out = null;
    synchronized (this) {
      if (valueHeads == null) {
        indexValues(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size - removed)) * 2));
      }
      int[] heads = Objects.requireNonNull(valueHeads);
      int[] next = Objects.requireNonNull(valueNext);
      for (int j = 0; j < v.length; j++) {
        for (int e = heads[hashes[j] & (heads.length - 1)]; e != 0; e = next[e - 1]) {
          if (valueEquals(e - 1, v[j])) {
            if (out == null) {
              out = new HashMap<>();
            }
            out.computeIfAbsent(v[j], k -> new ArrayList<>(1)).add(arena.string(entries[(e - 1) * stride + 1]));
          }
        }
      }
    }
    return out == null ? Map.of() : out;
  }

  private boolean valueEquals(int e, String value) {
    int at = e * stride;
    if ((entries[at] & DIGEST) != 0) {
      return valueOf(e).equals(value);
    }
    return arena.matches(entries[at + 2], value);
  }

  private int valueHash(int e) {
    int at = e * stride;
    if ((entries[at] & DIGEST) != 0) {
      return hash(valueOf(e));
    }
    return spread(arena.hashCode(entries[at + 2]));
  }

  /** (Re)builds the value index with {@code buckets} buckets (a power of two). */
  private void indexValues(int buckets) {
    int capacity = entries.length / stride;
    valueHeads = new int[buckets];
    valuePrev = new int[capacity];
    valueNext = new int[capacity];
    for (int e = 0; e < size; e++) {
      if ((entries[e * stride] & REMOVED) == 0) {
        chain(e, valueHash(e));
      }
    }
  }

  /** Puts entry {@code e}, whose value hashes to {@code valueHash}, first in its bucket. */
  private void chain(int e, int valueHash) {
    int[] heads = Objects.requireNonNull(valueHeads);
    int[] prev = Objects.requireNonNull(valuePrev);
    int[] next = Objects.requireNonNull(valueNext);
    int bucket = valueHash & (heads.length - 1);
    int first = heads[bucket];
    next[e] = first;
    prev[e] = 0;
    if (first != 0) {
      prev[first - 1] = e + 1;
    }
    heads[bucket] = e + 1;
  }

  /** Takes entry {@code e} out of its bucket, before its value changes or it is removed. */
  private void unchain(int e) {
    int[] heads = Objects.requireNonNull(valueHeads);
    int[] prev = Objects.requireNonNull(valuePrev);
    int[] next = Objects.requireNonNull(valueNext);
    int p = prev[e];
    int n = next[e];
    if (p != 0) {
      next[p - 1] = n;
    } else {
      heads[valueHash(e) & (heads.length - 1)] = n;
    }
    if (n != 0) {
      prev[n - 1] = p;
    }
    prev[e] = 0;
    next[e] = 0;
  }

  /** The values of those of {@code keys} that have one. */
  Map<String, String> getAll(Collection<String> keys) {
    String[] k = keys.toArray(new String[0]);
    int[] hashes = new int[k.length];
    for (int j = 0; j < k.length; j++) {
      hashes[j] = hash(k[j]);
    }
    Map<String, String> out = null;
    synchronized (this) {
      touch(hashes);
      for (int j = 0; j < k.length; j++) {
        long slot = index[find(k[j], hashes[j])];
        if (slot != 0) {
          if (out == null) {
            out = new HashMap<>();
          }
          out.put(k[j], valueOf((int) slot - 1));
        }
      }
    }
    return out == null ? Map.of() : out;
  }

  @Nullable String get(String key) {
    synchronized (this) {
      long slot = index[find(key, hash(key))];
      return slot == 0 ? null : valueOf((int) slot - 1);
    }
  }

  synchronized long size() {
    return size - removed;
  }

  /** Calls {@code action} with every entry in insertion order, holding the map's lock. */
  synchronized void forEach(BiConsumer<String, String> action) {
    for (int e = 0; e < size; e++) {
      if ((entries[e * stride] & REMOVED) == 0) {
        action.accept(arena.string(entries[e * stride + 1]), valueOf(e));
      }
    }
  }

  private String valueOf(int e) {
    int at = e * stride;
    if ((entries[at] & DIGEST) != 0) {
      return Digests.encode(entries[at + 2], entries[at + 3]);
    }
    return arena.string(entries[at + 2]);
  }

  /**
   * Reads the home slot of each hash, all before any is needed: the loads are independent, so the
   * processor has them in flight together, and the probes that follow find them in cache. One miss's
   * wait for a batch instead of one per key.
   */
  private void touch(int[] hashes) {
    int mask = index.length - 1;
    long any = 0;
    for (int h : hashes) {
      any |= index[h & mask];
    }
    touched = any; // kept, so the loads are not optimised away
  }

  /** Written by {@link #touch} only so that its loads count; never read for anything. */
  @SuppressWarnings("unused")
  private long touched;

  /** The slot of the key's entry, or the free slot where it belongs. */
  private int find(String key, int h) {
    int mask = index.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      long slot = index[i];
      if (slot == 0 || ((int) (slot >>> 32) == h && arena.matches(entries[((int) slot - 1) * stride + 1], key))) {
        return i;
      }
    }
  }

  /** Appends an entry for {@code key} with no value yet; its number. */
  private int append(String key, int h) {
    if ((size + 1L) * stride > entries.length) {
      long grown = Math.max(entries.length + (long) MIN_CAPACITY * stride, entries.length * 3L / 2);
      if (grown > Integer.MAX_VALUE - 8 || size == Integer.MAX_VALUE - 1) {
        throw new IllegalStateException("an in-memory state store holds at most about 500 million entries per map; "
            + "use a database store (crm-sync-jdbc) for more");
      }
      entries = Arrays.copyOf(entries, (int) grown);
    }
    int e = size++;
    if (valueNext != null && e >= valueNext.length) {
      int capacity = Math.max(e + 1, entries.length / stride);
      valuePrev = Arrays.copyOf(Objects.requireNonNull(valuePrev), capacity);
      valueNext = Arrays.copyOf(valueNext, capacity);
    }
    entries[e * stride] = h & 0xFFFFFFFFL;
    entries[e * stride + 1] = arena.append(key);
    return e;
  }

  /** Makes room for digests beside the keys (once, at the first digest value). */
  private void widen() {
    long[] wide = new long[Math.max(4 * MIN_CAPACITY, entries.length / 3 * 4)];
    for (int e = 0; e < size; e++) {
      System.arraycopy(entries, 3 * e, wide, 4 * e, 3);
    }
    entries = wide;
    stride = 4;
  }

  /** Rebuilds the index at {@code slots} slots; the entries stay where they are. */
  private void reindex(int slots) {
    if (slots <= 0) {
      throw new IllegalStateException("an in-memory state store holds at most about 500 million entries per map; "
          + "use a database store (crm-sync-jdbc) for more");
    }
    long[] fresh = new long[slots];
    int mask = slots - 1;
    for (int e = 0; e < size; e++) {
      if ((entries[e * stride] & REMOVED) != 0) {
        continue;
      }
      int h = (int) entries[e * stride];
      int i = h & mask;
      while (fresh[i] != 0) {
        i = (i + 1) & mask;
      }
      fresh[i] = ((long) h << 32) | (e + 1);
    }
    index = fresh;
  }

  /** Spreads String's hash, whose low bits barely differ for ids such as {@code c-000123}. Package-private for tests. */
  static int hash(String key) {
    return spread(key.hashCode());
  }

  private static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  /**
   * Append-only character storage in 1 MiB chunks (a longer string gets a chunk of its own). A string is
   * stored as Latin-1 when every char fits a byte, else as UTF-16. Its reference packs the chunk (22
   * bits), the position in it (20 bits), the length in chars (21 bits) and the encoding (1 bit).
   */
  static final class Arena {
    private static final int CHUNK_BITS = 20;
    private static final int CHUNK = 1 << CHUNK_BITS;
    static final int MAX_LENGTH = (1 << 21) - 1;
    private static final int MAX_CHUNKS = 1 << 22;

    private byte[][] chunks = new byte[4][];
    private int chunkCount;
    private int position = CHUNK; // no chunk yet: the first append opens one

    static String checkLength(String s, String what) {
      if (s.length() > MAX_LENGTH) {
        throw new IllegalArgumentException(
            "a " + what + " of " + s.length() + " chars is longer than the in-memory state store takes (" + MAX_LENGTH + ")");
      }
      return s;
    }

    long append(String s) {
      int length = s.length();
      if (length == 0) {
        return 0; // no chars to store: the reference's length says it all
      }
      boolean utf16 = false;
      for (int i = 0; i < length; i++) {
        if (s.charAt(i) > 0xFF) {
          utf16 = true;
          break;
        }
      }
      int bytes = utf16 ? 2 * length : length;
      byte[] chunk;
      if (bytes > CHUNK) {
        chunk = newChunk(bytes);
        position = CHUNK; // the oversized chunk is full; the next append opens a normal one
      } else {
        if (chunkCount == 0 || CHUNK - position < bytes) {
          newChunk(CHUNK);
          position = 0;
        }
        chunk = chunks[chunkCount - 1];
      }
      int at = bytes > CHUNK ? 0 : position;
      if (utf16) {
        for (int i = 0; i < length; i++) {
          char c = s.charAt(i);
          chunk[at + 2 * i] = (byte) (c >> 8);
          chunk[at + 2 * i + 1] = (byte) c;
        }
      } else {
        for (int i = 0; i < length; i++) {
          chunk[at + i] = (byte) s.charAt(i);
        }
      }
      if (bytes <= CHUNK) {
        position += bytes;
      }
      return ((long) (chunkCount - 1) << 42) | ((long) at << 22) | ((long) length << 1) | (utf16 ? 1 : 0);
    }

    private byte[] newChunk(int bytes) {
      if (chunkCount == MAX_CHUNKS) {
        throw new IllegalStateException("the in-memory state store is full; use a database store (crm-sync-jdbc)");
      }
      if (chunkCount == chunks.length) {
        chunks = Arrays.copyOf(chunks, chunks.length * 2);
      }
      byte[] chunk = new byte[bytes];
      chunks[chunkCount++] = chunk;
      return chunk;
    }

    boolean matches(long ref, String s) {
      int length = (int) (ref >>> 1) & MAX_LENGTH;
      if (length != s.length()) {
        return false;
      }
      if (length == 0) {
        return true;
      }
      byte[] chunk = chunks[(int) (ref >>> 42)];
      int at = (int) (ref >>> 22) & (CHUNK - 1);
      if ((ref & 1) != 0) {
        for (int i = 0; i < length; i++) {
          if (s.charAt(i) != (char) (((chunk[at + 2 * i] & 0xFF) << 8) | (chunk[at + 2 * i + 1] & 0xFF))) {
            return false;
          }
        }
      } else {
        for (int i = 0; i < length; i++) {
          if (s.charAt(i) != (char) (chunk[at + i] & 0xFF)) {
            return false;
          }
        }
      }
      return true;
    }

    /** The {@link String#hashCode()} of the string at {@code ref}, without making the string. */
    int hashCode(long ref) {
      int length = (int) (ref >>> 1) & MAX_LENGTH;
      if (length == 0) {
        return 0;
      }
      byte[] chunk = chunks[(int) (ref >>> 42)];
      int at = (int) (ref >>> 22) & (CHUNK - 1);
      int h = 0;
      if ((ref & 1) == 0) {
        for (int i = 0; i < length; i++) {
          h = 31 * h + (chunk[at + i] & 0xFF);
        }
      } else {
        for (int i = 0; i < length; i++) {
          h = 31 * h + (char) (((chunk[at + 2 * i] & 0xFF) << 8) | (chunk[at + 2 * i + 1] & 0xFF));
        }
      }
      return h;
    }

    String string(long ref) {
      int length = (int) (ref >>> 1) & MAX_LENGTH;
      if (length == 0) {
        return "";
      }
      byte[] chunk = chunks[(int) (ref >>> 42)];
      int at = (int) (ref >>> 22) & (CHUNK - 1);
      if ((ref & 1) == 0) {
        return new String(chunk, at, length, StandardCharsets.ISO_8859_1);
      }
      // char by char rather than through a UTF-16 decoder, which would replace a lone surrogate
      char[] chars = new char[length];
      for (int i = 0; i < length; i++) {
        chars[i] = (char) (((chunk[at + 2 * i] & 0xFF) << 8) | (chunk[at + 2 * i + 1] & 0xFF));
      }
      return new String(chars);
    }
  }
}

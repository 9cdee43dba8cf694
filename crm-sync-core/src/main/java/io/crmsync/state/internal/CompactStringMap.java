package io.crmsync.state.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
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
 * misses of a batch's random slots. Entries are never removed: the store only adds or replaces links and
 * fingerprints. A replaced text value leaves its old characters in the arena.
 */
final class CompactStringMap {
  /** Marks an entry whose value is a digest (two longs) rather than text. */
  private static final long DIGEST = 1L << 62;
  private static final int MIN_CAPACITY = 16;

  /** Per slot: the key's 32-bit hash in the high half, its entry's number plus one in the low; 0 if free. */
  private long[] index = new long[2 * MIN_CAPACITY];
  /**
   * Per entry, {@link #stride} longs: {@link #DIGEST} and the key's hash; the key's {@linkplain Arena
   * reference}; then the value: a text reference, or once the map holds digests the digest's two halves.
   */
  private long[] entries = new long[3 * MIN_CAPACITY];
  private int stride = 3;
  private int size;
  private final Arena arena = new Arena();

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

  private <T> void putAll(List<T> items, Function<? super T, String> key, Function<? super T, String> value,
      boolean onlyIfAbsent) {
    int n = items.size();
    String[] keys = new String[n];
    String[] texts = new String[n];
    long[] digests = new long[2 * n];
    long[] bits = new long[2];
    boolean anyDigest = false;
    for (int j = 0; j < n; j++) {
      T item = items.get(j);
      keys[j] = Arena.checkLength(Objects.requireNonNull(key.apply(item), "key"), "key");
      String v = Objects.requireNonNull(value.apply(item), "value");
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
        } else if (onlyIfAbsent) {
          continue;
        } else {
          e = (int) index[slot] - 1;
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
        if (size * 2L > index.length) {
          reindex(index.length * 2);
        }
      }
    }
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
    return size;
  }

  /** Calls {@code action} with every entry in insertion order, holding the map's lock. */
  synchronized void forEach(BiConsumer<String, String> action) {
    for (int e = 0; e < size; e++) {
      action.accept(arena.string(entries[e * stride + 1]), valueOf(e));
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
      int h = (int) entries[e * stride];
      int i = h & mask;
      while (fresh[i] != 0) {
        i = (i + 1) & mask;
      }
      fresh[i] = ((long) h << 32) | (e + 1);
    }
    index = fresh;
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

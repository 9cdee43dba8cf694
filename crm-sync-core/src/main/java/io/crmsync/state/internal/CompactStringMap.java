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
 * reference: the characters of keys and values are appended to a byte arena, and a slot is a few
 * longs (open addressing, linear probing) pointing into it. Primitive arrays carry no write barrier
 * and are never scanned.
 *
 * <p>A value that is a 128-bit Base64url digest, as the engine's fingerprints are, is held as two longs
 * and turned back into the same text when read.
 *
 * <p>The engine reads and writes a batch at a time, so the map does too: one lock per batch. Between
 * entries there is then no lock instruction to order memory, and the processor overlaps the cache
 * misses of a batch's random slots. Entries are never removed: the store only adds or replaces links and
 * fingerprints. A replaced text value leaves its old characters in the arena.
 */
final class CompactStringMap {
  /** Marks a used slot, whose hash may be zero. */
  private static final long USED = 1L << 63;
  /** Marks a slot whose value is a digest (two longs) rather than text. */
  private static final long DIGEST = 1L << 62;
  private static final int MIN_CAPACITY = 16;

  /**
   * Per slot, {@link #stride} longs: {@link #USED}, {@link #DIGEST} and the key's 32-bit hash; the key's
   * {@linkplain Arena reference}; then the value: a text reference, or once the map holds digests the
   * digest's two halves.
   */
  private long[] data = new long[3 * MIN_CAPACITY];
  private int stride = 3;
  private int capacity = MIN_CAPACITY;
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
    synchronized (this) {
      if (anyDigest && stride == 3) {
        rehash(capacity, 4);
      }
      for (int j = 0; j < n; j++) {
        int h = hash(keys[j]);
        int i = find(keys[j], h);
        int at = i * stride;
        if (data[at] == 0) {
          data[at] = USED | (h & 0xFFFFFFFFL);
          data[at + 1] = arena.append(keys[j]);
          size++;
        } else if (onlyIfAbsent) {
          continue;
        }
        if (texts[j] == null) {
          data[at] |= DIGEST;
          data[at + 2] = digests[2 * j];
          data[at + 3] = digests[2 * j + 1];
        } else {
          data[at] &= ~DIGEST;
          data[at + 2] = arena.append(texts[j]);
        }
        if (size * 10L > capacity * 7L) {
          rehash(capacity * 2, stride);
        }
      }
    }
  }

  /** The values of those of {@code keys} that have one. */
  Map<String, String> getAll(Collection<String> keys) {
    Map<String, String> out = null;
    synchronized (this) {
      for (String k : keys) {
        int i = find(k, hash(k));
        if (data[i * stride] != 0) {
          if (out == null) {
            out = new HashMap<>();
          }
          out.put(k, valueAt(i));
        }
      }
    }
    return out == null ? Map.of() : out;
  }

  @Nullable String get(String key) {
    synchronized (this) {
      int i = find(key, hash(key));
      return data[i * stride] == 0 ? null : valueAt(i);
    }
  }

  synchronized long size() {
    return size;
  }

  /** Calls {@code action} with every entry, holding the map's lock. */
  synchronized void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < capacity; i++) {
      if (data[i * stride] != 0) {
        action.accept(arena.string(data[i * stride + 1]), valueAt(i));
      }
    }
  }

  private String valueAt(int i) {
    int at = i * stride;
    if ((data[at] & DIGEST) != 0) {
      return Digests.encode(data[at + 2], data[at + 3]);
    }
    return arena.string(data[at + 2]);
  }

  /** The key's slot, or the empty slot where it belongs. */
  private int find(String key, int h) {
    long hashBits = h & 0xFFFFFFFFL;
    int mask = capacity - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      long meta = data[i * stride];
      if (meta == 0 || ((meta & 0xFFFFFFFFL) == hashBits && arena.matches(data[i * stride + 1], key))) {
        return i;
      }
    }
  }

  private void rehash(int newCapacity, int newStride) {
    if (newCapacity <= 0 || (long) newCapacity * newStride > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("an in-memory state store holds at most about 300 million entries per map; "
          + "use a database store (crm-sync-jdbc) for more");
    }
    long[] old = data;
    int oldStride = stride;
    int oldCapacity = capacity;
    data = new long[newCapacity * newStride];
    stride = newStride;
    capacity = newCapacity;
    int mask = newCapacity - 1;
    for (int j = 0; j < oldCapacity; j++) {
      long meta = old[j * oldStride];
      if (meta == 0) {
        continue;
      }
      int i = (int) meta & mask;
      while (data[i * newStride] != 0) {
        i = (i + 1) & mask;
      }
      System.arraycopy(old, j * oldStride, data, i * newStride, oldStride);
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

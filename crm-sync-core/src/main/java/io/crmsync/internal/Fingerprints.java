package io.crmsync.internal;

import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A digest of a record's content (its fields; not its id or timestamps), stable across a JSON round
 * trip: keys are sorted and numbers compared by value. 128 bits of SHA-256, so that a collision (which
 * would skip a real change) is out of reach.
 *
 * <p>On the engine's hot path (once per record written), so the canonical form is streamed into the
 * digest through a reused per-thread buffer instead of being built as a string first.
 */
public final class Fingerprints {
  private static final ThreadLocal<Sink> SINK = ThreadLocal.withInitial(Sink::new);

  private Fingerprints() {}

  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  public static String of(CrmRecord record) {
    Sink sink = SINK.get();
    sink.map(record.fields(), true);
    return sink.finish();
  }

  /** Writes the canonical form as UTF-8 into a buffer that is flushed into the digest. */
  private static final class Sink {
    private final MessageDigest sha256;
    private final byte[] buffer = new byte[4096];
    private final byte[] digest = new byte[32];
    private final byte[] half = new byte[16];
    private final byte[] text = new byte[22];
    private String[] keys = new String[32];
    private Object[] values = new Object[32];
    /**
     * The top-level keys of the last record in iteration order, and the order that sorts them: records
     * of one type mostly share a key set (and so, for an immutable map, an iteration order), and then
     * no sort is needed.
     */
    private String[] lastKeys = new String[0];
    private int[] lastOrder = new int[0];
    private int length;

    Sink() {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required of every Java platform", e);
      }
    }

    /** The first 128 bits of the digest, Base64url without padding; resets for the next record. */
    String finish() {
      flush();
      try {
        sha256.digest(digest, 0, digest.length);
      } catch (java.security.DigestException e) {
        throw new IllegalStateException(e);
      }
      System.arraycopy(digest, 0, half, 0, half.length);
      BASE64.encode(half, text);
      return new String(text, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private void flush() {
      sha256.update(buffer, 0, length);
      length = 0;
    }

    private void put(int b) {
      if (length == buffer.length) {
        flush();
      }
      buffer[length++] = (byte) b;
    }

    private void ascii(String s) {
      for (int i = 0; i < s.length(); i++) {
        put(s.charAt(i));
      }
    }

    private void decimal(int n) {
      if (n >= 10) {
        decimal(n / 10);
      }
      put('0' + n % 10);
    }

    /** A string, length-prefixed so that no two sequences of strings encode alike. */
    private void string(String s) {
      int n = s.length();
      decimal(n);
      put('"');
      if (buffer.length - length < n) {
        flush();
      }
      if (n <= buffer.length) {
        // the common case, ASCII that fits: straight into the buffer, no per-byte capacity check
        int i = 0;
        while (i < n) {
          char c = s.charAt(i);
          if (c >= 0x80) {
            break;
          }
          buffer[length + i] = (byte) c;
          i++;
        }
        length += i;
        if (i == n) {
          return;
        }
        utf8(s, i);
      } else {
        utf8(s, 0);
      }
    }

    private void utf8(String s, int from) {
      for (int i = from; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          put(c);
        } else if (c < 0x800) {
          put(0xC0 | (c >> 6));
          put(0x80 | (c & 0x3F));
        } else {
          // surrogates are written as their two code units; consistent, which is all a digest needs
          put(0xE0 | (c >> 12));
          put(0x80 | ((c >> 6) & 0x3F));
          put(0x80 | (c & 0x3F));
        }
      }
    }

    /** A map with its keys sorted. */
    void map(Map<?, ?> map, boolean top) {
      if (!top) {
        String[] sorted = map.keySet().toArray(new String[0]);
        Arrays.sort(sorted);
        entries(sorted, null, identity(sorted.length), map);
        return;
      }
      // the top level reuses arrays, and the last record's sort order while the keys come alike
      int n = map.size();
      if (keys.length < n) {
        keys = new String[Math.max(n, keys.length * 2)];
        values = new Object[keys.length];
      }
      int i = 0;
      boolean sameKeys = n == lastKeys.length;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String k = (String) e.getKey();
        keys[i] = k;
        values[i] = e.getValue();
        if (sameKeys && k != lastKeys[i] && !k.equals(lastKeys[i])) {
          sameKeys = false;
        }
        i++;
      }
      if (!sameKeys) {
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
          order[j] = j;
        }
        String[] k = keys;
        Arrays.sort(order, (a, b) -> k[a].compareTo(k[b]));
        lastKeys = Arrays.copyOf(keys, n);
        lastOrder = new int[n];
        for (int j = 0; j < n; j++) {
          lastOrder[j] = order[j];
        }
      }
      entries(keys, values, lastOrder, null);
      Arrays.fill(keys, 0, n, null);
      Arrays.fill(values, 0, n, null);
    }

    private static int[] identity(int n) {
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      return order;
    }

    /** Writes {@code k[order[i]]} and its value, from {@code v} or else looked up in {@code map}. */
    private void entries(String[] k, Object @Nullable [] v, int[] order, @Nullable Map<?, ?> map) {
      put('{');
      for (int i : order) {
        string(k[i]);
        put(':');
        value(v != null ? v[i] : Objects.requireNonNull(map).get(k[i]));
        put(',');
      }
      put('}');
    }

    private void value(Object v) {
      if (v instanceof String s) {
        put('s');
        string(s);
      } else if (v instanceof Long l) {
        put('n');
        ascii(Long.toString(l));
      } else if (v instanceof BigDecimal b) {
        put('n');
        ascii(b.stripTrailingZeros().toPlainString());
      } else if (v instanceof Boolean b) {
        put(b ? 'T' : 'F');
      } else if (v instanceof List<?> list) {
        put('[');
        for (Object o : list) {
          value(o);
          put(',');
        }
        put(']');
      } else if (v instanceof Map<?, ?> m) {
        map(m, false);
      } else {
        put('?');
        string(String.valueOf(v));
      }
    }
  }
}

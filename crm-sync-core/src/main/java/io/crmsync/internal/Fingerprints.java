package io.crmsync.internal;

import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A digest of a record's content (its fields; not its id or timestamps), stable across a JSON round
 * trip: keys are sorted and numbers compared by value. 128 bits of SHA-256, so that a collision (which
 * would skip a real change) is out of reach.
 */
public final class Fingerprints {
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(() -> {
        try {
          return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
      });

  private Fingerprints() {}

  public static String of(CrmRecord record) {
    StringBuilder sb = new StringBuilder(256);
    appendMap(sb, record.fields());
    MessageDigest md = SHA256.get();
    byte[] digest = md.digest(sb.toString().getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
  }

  private static void appendMap(StringBuilder sb, Map<?, ?> map) {
    String[] keys = map.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    sb.append('{');
    for (String k : keys) {
      appendString(sb, k);
      sb.append(':');
      appendValue(sb, map.get(k));
      sb.append(',');
    }
    sb.append('}');
  }

  private static void appendValue(StringBuilder sb, Object v) {
    if (v instanceof String s) {
      sb.append('s');
      appendString(sb, s);
    } else if (v instanceof Integer || v instanceof Long) {
      sb.append('n').append(((Number) v).longValue());
    } else if (v instanceof Double d) {
      sb.append('n').append(BigDecimal.valueOf(d).stripTrailingZeros().toPlainString());
    } else if (v instanceof BigDecimal b) {
      sb.append('n').append(b.stripTrailingZeros().toPlainString());
    } else if (v instanceof Boolean b) {
      sb.append(b ? 'T' : 'F');
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (Object o : list) {
        appendValue(sb, o);
        sb.append(',');
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> m) {
      appendMap(sb, m);
    } else {
      sb.append('?').append(v);
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append(s.length()).append('"').append(s);
  }
}

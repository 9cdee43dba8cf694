package io.crmsync.internal;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Equality of field values as a CRM means it: numbers by value ({@code 0.5} is {@code 0.50}), deeply. */
public final class Values {
  private Values() {}

  /** Whether {@code a} and {@code b} (field values, or null for absent) are the same value. */
  public static boolean same(@Nullable Object a, @Nullable Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
      return x.compareTo(y) == 0;
    }
    if (a instanceof Long x && b instanceof BigDecimal y) {
      return BigDecimal.valueOf(x).compareTo(y) == 0;
    }
    if (a instanceof BigDecimal x && b instanceof Long y) {
      return x.compareTo(BigDecimal.valueOf(y)) == 0;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!same(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!same(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  /** Whether {@code a} and {@code b} hold the same value for each of {@code fields}. */
  public static boolean sameOn(Map<String, Object> a, Map<String, Object> b, Iterable<String> fields) {
    for (String f : fields) {
      if (!same(a.get(f), b.get(f))) {
        return false;
      }
    }
    return true;
  }
}

package io.crmsync.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record of any CRM object type (contact, company, deal, or a custom object), CRM-neutral.
 *
 * <p>{@link #fields()} maps field names to JSON-compatible values: {@link String}, {@link Boolean},
 * numbers, or lists and maps of those. Numbers are held as {@link Long} (integral) or {@link BigDecimal},
 * so that a record survives a JSON round trip equal to itself. Standard fields use the
 * canonical names of {@link Contact.Fields} (adapters translate them to and from their CRM's names);
 * every other field passes through under the name it has in the CRM, so custom fields survive a round
 * trip. A field that is absent is "not set"; there are no null values.
 *
 * @param objectType the object type, such as {@link ObjectTypes#CONTACT} or a CRM's custom object name
 * @param id the record's id in the system it was read from, or {@code null} for a record not yet
 *     written anywhere
 * @param fields field values by name; copied, unmodifiable
 * @param modifiedAt when the record last changed in its system, or {@code null} if unknown
 * @param deleted whether the record was deleted (archived) in its system; reads that include deletes
 *     report them with this flag
 */
public record CrmRecord(
    String objectType,
    @Nullable String id,
    Map<String, Object> fields,
    @Nullable Instant modifiedAt,
    boolean deleted) {

  public CrmRecord {
    Objects.requireNonNull(objectType, "objectType");
    if (objectType.isBlank()) {
      throw new IllegalArgumentException("objectType must not be blank");
    }
    Objects.requireNonNull(fields, "fields");
    Map<String, Object> normalized = null;
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "field name");
      Object value = Objects.requireNonNull(e.getValue(), () -> "value of field " + name);
      Object n = normalize(name, value);
      if (n != value && normalized == null) {
        normalized = new LinkedHashMap<>(fields);
      }
      if (normalized != null) {
        normalized.put(name, n);
      }
    }
    // Map.copyOf is compact, and free when the map already is an immutable copy
    fields = Map.copyOf(normalized != null ? normalized : fields);
  }

  /** A record not yet written anywhere. */
  public static CrmRecord of(String objectType, Map<String, Object> fields) {
    return new CrmRecord(objectType, null, fields, null, false);
  }

  /** The value of {@code field} as text, or {@code null} when absent. Numbers and booleans are rendered. */
  public @Nullable String string(String field) {
    Object v = fields.get(field);
    return v == null ? null : v.toString();
  }

  /** This record with {@code id} as its id. */
  public CrmRecord withId(@Nullable String id) {
    return new CrmRecord(objectType, id, fields, modifiedAt, deleted);
  }

  /** This record with {@code fields} replacing all of its fields. */
  public CrmRecord withFields(Map<String, Object> fields) {
    return new CrmRecord(objectType, id, fields, modifiedAt, deleted);
  }

  /** This record with one field set (or removed, when {@code value} is null). */
  public CrmRecord with(String field, @Nullable Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(fields);
    if (value == null) {
      copy.remove(field);
    } else {
      copy.put(field, value);
    }
    return withFields(copy);
  }

  /** This record with its modification time set. */
  public CrmRecord withModifiedAt(@Nullable Instant modifiedAt) {
    return new CrmRecord(objectType, id, fields, modifiedAt, deleted);
  }

  /** A deletion marker for this record. */
  public CrmRecord asDeleted() {
    return new CrmRecord(objectType, id, fields, modifiedAt, true);
  }

  /**
   * Checks a value and brings it to the canonical form a JSON round trip preserves: integral numbers as
   * {@link Long}, decimals as {@link BigDecimal}, lists and maps as unmodifiable copies.
   */
  private static Object normalize(String field, Object value) {
    if (value instanceof String || value instanceof Boolean || value instanceof Long || value instanceof BigDecimal) {
      return value;
    }

    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("field " + field + " is not a finite number: " + d);
      }
      return BigDecimal.valueOf(d);
    }
    if (value instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object o : list) {
        out.add(normalize(field, Objects.requireNonNull(o, () -> "element of field " + field)));
      }
      return Collections.unmodifiableList(out);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new IllegalArgumentException("field " + field + " has a map with a non-text key: " + e.getKey());
        }
        out.put(k, normalize(field, Objects.requireNonNull(e.getValue(), () -> "entry of field " + field)));
      }
      return Collections.unmodifiableMap(out);
    }
    throw new IllegalArgumentException(
        "field " + field + " has a value of unsupported type " + value.getClass().getName()
            + " (use String, Boolean, a number, List or Map)");
  }
}

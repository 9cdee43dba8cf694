package io.crmsync.quality;

import io.crmsync.model.CrmRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record to deduplicate: an id unique within the input, its fields as text, and what the master
 * selection needs (when it last changed, which source it came from).
 *
 * @param id unique within one {@link DataQualityEngine#deduplicate} call
 * @param fields field values by name; blank values are dropped; copied, unmodifiable
 * @param updatedAt when the record last changed, or {@code null} if unknown
 * @param source the system the record came from (for source priority), or {@code null}
 */
public record DedupeRecord(
    String id, Map<String, String> fields, @Nullable Instant updatedAt, @Nullable String source) {

  public DedupeRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(fields, "fields");
    boolean blanks = false;
    for (Map.Entry<String, String> e : fields.entrySet()) {
      Objects.requireNonNull(e.getKey(), "field name");
      if (e.getValue() == null || e.getValue().isBlank()) {
        blanks = true;
      }
    }
    if (blanks) {
      Map<String, String> kept = new LinkedHashMap<>();
      fields.forEach((k, v) -> {
        if (v != null && !v.isBlank()) {
          kept.put(k, v);
        }
      });
      fields = kept;
    }
    fields = Map.copyOf(fields);
  }

  /** A record with fields only. */
  public static DedupeRecord of(String id, Map<String, String> fields) {
    return new DedupeRecord(id, fields, null, null);
  }

  /**
   * A CRM record as a dedupe record: its id, every field rendered as text, its modification time, and
   * {@code source} as its source.
   *
   * @throws IllegalArgumentException if the record has no id
   */
  public static DedupeRecord from(CrmRecord record, @Nullable String source) {
    Objects.requireNonNull(record, "record");
    if (record.id() == null) {
      throw new IllegalArgumentException("record has no id: " + record.objectType());
    }
    Map<String, String> f = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : record.fields().entrySet()) {
      f.put(e.getKey(), e.getValue().toString());
    }
    return new DedupeRecord(record.id(), f, record.modifiedAt(), source);
  }

  /** The value of {@code field}, or {@code null}. */
  public @Nullable String get(String field) {
    return fields.get(field);
  }
}

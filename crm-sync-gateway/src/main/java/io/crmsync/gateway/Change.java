package io.crmsync.gateway;

import io.crmsync.model.CrmRecord;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change the host application submits to a {@link CrmGateway}: a record to create or update in every
 * target ({@link #upsert}), or one to delete ({@link #delete}), optionally with an {@linkplain #idempotencyKey
 * idempotency key}. Immutable and thread-safe; {@link #idempotencyKey(String)} returns a copy.
 *
 * <pre>{@code
 * gateway.submit(Change.upsert("contact", Map.of("email", "ada@example.com", "lastName", "Lovelace"))
 *     .idempotencyKey("signup-42"));
 * }</pre>
 *
 * <p>Field names are those of the host's records, as each target's mapping reads them (canonical names such
 * as {@code email}, {@code firstName}, {@code lastName} with the default mappings). An upsert sets the fields
 * it names and leaves the target's other fields alone; a delete needs only the fields each target matches
 * records on (the email by default).
 */
public final class Change {

  /** What a change does. */
  public enum Operation {
    UPSERT,
    DELETE
  }

  private final Operation operation;
  private final CrmRecord record;
  private final @Nullable String idempotencyKey;

  private Change(Operation operation, CrmRecord record, @Nullable String idempotencyKey) {
    this.operation = operation;
    this.record = record;
    this.idempotencyKey = idempotencyKey;
  }

  /**
   * Creates or updates the record whose fields are {@code fields} in every target.
   *
   * @throws NullPointerException if an argument, a field name or a value is null
   * @throws IllegalArgumentException if {@code objectType} is blank
   */
  public static Change upsert(String objectType, Map<String, ?> fields) {
    return new Change(Operation.UPSERT, record(objectType, fields), null);
  }

  /**
   * Creates or updates {@code record} in every target; its id, if any, is ignored.
   *
   * @throws NullPointerException if {@code record} is null
   */
  public static Change upsert(CrmRecord record) {
    return new Change(Operation.UPSERT, Objects.requireNonNull(record, "record").withId(null), null);
  }

  /**
   * Deletes from every target the record that {@code fields} identify by each target's match key.
   *
   * @throws NullPointerException if an argument, a field name or a value is null
   * @throws IllegalArgumentException if {@code objectType} is blank
   */
  public static Change delete(String objectType, Map<String, ?> fields) {
    return new Change(Operation.DELETE, record(objectType, fields), null);
  }

  private static CrmRecord record(String objectType, Map<String, ?> fields) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(fields, "fields");
    @SuppressWarnings("unchecked")
    Map<String, Object> f = (Map<String, Object>) fields;
    return CrmRecord.of(objectType, f);
  }

  /**
   * This change with {@code key}: a gateway accepts a key once, and hands back the first submission's receipt
   * for every later submission with the same key, whatever its content, delivering nothing more. Keys are
   * kept as long as the backend's state.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is blank or longer than 255 characters
   */
  public Change idempotencyKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isBlank() || key.length() > 255) {
      throw new IllegalArgumentException("idempotency key must have 1 to 255 characters, not blank: length "
          + key.length());
    }
    return new Change(operation, record, key);
  }

  public Operation operation() {
    return operation;
  }

  public String objectType() {
    return record.objectType();
  }

  /** The record's fields; unmodifiable. */
  public Map<String, Object> fields() {
    return record.fields();
  }

  /** The record, as the targets' mappings read it. */
  public CrmRecord record() {
    return record;
  }

  /** The idempotency key, or {@code null} if it has none. */
  public @Nullable String idempotencyKey() {
    return idempotencyKey;
  }

  /** The operation, object type and field names; never the values (personal data) or the key. */
  @Override
  public String toString() {
    return "Change{" + operation.name().toLowerCase(java.util.Locale.ROOT) + " " + record.objectType() + " "
        + record.fields().keySet() + (idempotencyKey != null ? ", with idempotency key" : "") + "}";
  }
}

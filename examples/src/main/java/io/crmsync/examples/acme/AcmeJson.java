package io.crmsync.examples.acme;

import static java.util.Map.entry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.RecordError;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.Shapes;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Acme's contact JSON and crm-sync's records, both ways: standard fields under their canonical names,
 * custom fields under their Acme keys, values as JSON carries them. Every answer is checked against the
 * shape Acme documents before it is read: an answer of another shape fails the call, it never reads as
 * an empty page or a missing field.
 */
final class AcmeJson {
  /**
   * Acme's standard properties by canonical name. Acme properties without a canonical name ({@code
   * external_id}) keep theirs, as custom fields do.
   */
  static final Map<String, String> NATIVE = Map.ofEntries(
      entry(Contact.Fields.EMAIL, "email"),
      entry(Contact.Fields.FIRST_NAME, "first_name"),
      entry(Contact.Fields.LAST_NAME, "last_name"),
      entry(Contact.Fields.COMPANY, "company_name"),
      entry(Contact.Fields.PHONE, "phone"),
      entry(Contact.Fields.TITLE, "job_title"),
      entry(Contact.Fields.CITY, "city"),
      entry(Contact.Fields.COUNTRY, "country"),
      entry(Contact.Fields.OWNER_ID, "owner_id"),
      entry(Contact.Fields.CREATED_AT, "created_at"),
      entry("external_id", "external_id"));
  private static final Map<String, String> CANONICAL = inverse(NATIVE);
  /** What a contact carries besides its properties. */
  private static final Set<String> ENVELOPE = Set.of("id", "updated_at", "deleted_at", "custom_fields");

  private final ObjectMapper mapper;

  AcmeJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The name a field of Acme's has in records. */
  static String canonical(String acmeKey) {
    return CANONICAL.getOrDefault(acmeKey, acmeKey);
  }

  /**
   * One record of a {@code batch_upsert}: standard fields by Acme's names, every other field under {@code
   * custom_fields}. Nothing is left out: a field Acme does not have comes back as the record's own error.
   */
  ObjectNode toAcme(CrmRecord record) {
    ObjectNode node = mapper.createObjectNode();
    ObjectNode custom = mapper.createObjectNode();
    record.fields().forEach((name, value) -> {
      String acmeKey = NATIVE.get(name);
      if (acmeKey != null) {
        node.set(acmeKey, mapper.valueToTree(value));
      } else {
        custom.set(name, mapper.valueToTree(value));
      }
    });
    if (!custom.isEmpty()) {
      node.set("custom_fields", custom);
    }
    return node;
  }

  /** A record from one contact of a list, or a deletion marker from a tombstone. */
  CrmRecord fromAcme(JsonNode contact, String what) {
    Shapes.object(AcmeCrmAdapter.ID, contact, what);
    String id = text(contact, "id", what);
    Instant updatedAt = time(contact, "updated_at", what);
    if (contact.hasNonNull("deleted_at")) {
      return new CrmRecord(ObjectTypes.CONTACT, id, Map.of(), updatedAt, true);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : contact.properties()) {
      if (!ENVELOPE.contains(e.getKey()) && !e.getValue().isNull()) {
        fields.put(canonical(e.getKey()), value(e.getValue()));
      }
    }
    if (contact.hasNonNull("custom_fields")) {
      JsonNode custom = Shapes.object(AcmeCrmAdapter.ID, contact.get("custom_fields"), what + " custom_fields");
      for (Map.Entry<String, JsonNode> e : custom.properties()) {
        if (!e.getValue().isNull()) {
          fields.put(e.getKey(), value(e.getValue()));
        }
      }
    }
    return new CrmRecord(ObjectTypes.CONTACT, id, fields, updatedAt, false);
  }

  /** Why Acme refused one record: its code, its message, and the field it named. */
  static RecordError recordError(JsonNode error, String what) {
    Shapes.object(AcmeCrmAdapter.ID, error, what);
    String code = text(error, "code", what);
    String message = HttpFailure.excerpt(error.path("message").asText(code), 300);
    String field = Shapes.optionalText(AcmeCrmAdapter.ID, error, "field", what);
    List<FieldError> fieldErrors = field == null ? List.of() : List.of(new FieldError(canonical(field), code, message));
    return switch (code) {
      case "missing_match_value" -> new RecordError(RecordError.MISSING_MATCH_KEY, message, fieldErrors, false);
      case "record_locked" -> new RecordError(code, message, fieldErrors, true); // another update holds it: later
      default -> new RecordError(code, message, fieldErrors, false);             // the record must be fixed
    };
  }

  /** The text {@code field} of {@code node}, which Acme always sends. */
  static String text(JsonNode node, String field, String what) {
    String value = Shapes.optionalText(AcmeCrmAdapter.ID, node, field, what);
    if (value == null || value.isBlank()) {
      throw unexpected(what, "text '" + field + "'");
    }
    return value;
  }

  /** The RFC 3339 time {@code field} of {@code node}. */
  static Instant time(JsonNode node, String field, String what) {
    try {
      return Instant.parse(text(node, field, what));
    } catch (DateTimeException e) {
      throw unexpected(what, "an RFC 3339 time '" + field + "'");
    }
  }

  /** An answer without the shape Acme documents: a transient failure of the call, described without its content. */
  static CrmUnavailableException unexpected(String what, String expected) {
    return new CrmUnavailableException(AcmeCrmAdapter.ID, 0, null,
        what + " answered without the documented shape: expected " + expected, null);
  }

  private Object value(JsonNode node) {
    try {
      return mapper.treeToValue(node, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always converts to plain values", e);
    }
  }

  private static Map<String, String> inverse(Map<String, String> map) {
    Map<String, String> out = new HashMap<>();
    map.forEach((k, v) -> out.put(v, k));
    return Map.copyOf(out);
  }
}

package io.crmsync.pipedrive.internal;

import static io.crmsync.pipedrive.internal.PipedriveClient.recordId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordError;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Converts between crm-sync's records and API v2's JSON for one adapter's settings: records from what
 * Pipedrive returns (standard fields under canonical names, custom fields under their names), and request
 * bodies from records, refusing before anything is sent what Pipedrive would refuse. Thread-safe.
 */
public final class RecordJson {
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  private final ObjectMapper mapper;
  private final boolean contactSync;
  private final boolean linkOrganizations;
  private final Map<String, Set<String>> extraFields;

  /**
   * @param contactSync whether the company has Contact Sync (persons' job title, postal address, ...)
   * @param linkOrganizations whether a contact's company is written, as a link to an organization
   * @param extraFields standard fields reads return beyond the default ones, by entity ({@code *}: all)
   */
  public RecordJson(ObjectMapper mapper, boolean contactSync, boolean linkOrganizations,
      Map<String, Set<String>> extraFields) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.contactSync = contactSync;
    this.linkOrganizations = linkOrganizations;
    this.extraFields = Map.copyOf(extraFields);
  }

  /** An instant from v2's RFC 3339 text (or v1's UTC "YYYY-MM-DD HH:MM:SS"), or null. */
  public static @Nullable Instant instant(JsonNode v) {
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v.asText().strip()).toInstant();
    } catch (DateTimeException e) {
      try {
        // API v1's "YYYY-MM-DD HH:MM:SS", UTC
        return OffsetDateTime.parse(v.asText().strip().replace(' ', 'T') + "Z").toInstant();
      } catch (DateTimeException e2) {
        return null;
      }
    }
  }

  /** A record of {@code entity} from its v2 JSON. */
  public CrmRecord toRecord(String entity, String objectType, JsonNode item, FieldCatalog catalog,
      Map<Long, String> orgs, List<String> only, String op) {
    long id = recordId(item, op);
    Map<String, Object> f = new LinkedHashMap<>();
    if (entity.equals(Entities.PERSONS)) {
      put(f, Contact.Fields.EMAIL, primary(item.path("emails")));
      put(f, Contact.Fields.PHONE, primary(item.path("phones")));
      put(f, Contact.Fields.FIRST_NAME, text(item.path("first_name")));
      put(f, Contact.Fields.LAST_NAME, text(item.path("last_name")));
      if (item.path("org_id").canConvertToLong() && item.path("org_id").isIntegralNumber()) {
        put(f, Contact.Fields.COMPANY, orgs.get(item.get("org_id").asLong()));
      }
      put(f, Contact.Fields.TITLE, text(item.path("job_title")));
    } else if (entity.equals(Entities.ORGANIZATIONS)) {
      put(f, "name", text(item.path("name")));
    }
    String addressField = Entities.addressField(entity);
    if (addressField != null && item.path(addressField).isObject()) {
      JsonNode a = item.get(addressField);
      String street = text(a.path("route"));
      String number = text(a.path("street_number"));
      put(f, Contact.Fields.STREET, street != null && number != null ? number + " " + street : street);
      for (Map.Entry<String, String> part : Entities.ADDRESS_PARTS.entrySet()) {
        if (!part.getKey().equals(Contact.Fields.STREET)) {
          put(f, part.getKey(), text(a.path(part.getValue())));
        }
      }
    }
    JsonNode owner = item.path("owner_id");
    if (owner.isIntegralNumber()) {
      f.put(Contact.Fields.OWNER_ID, Long.toString(owner.asLong())); // canonical standard fields are text
    }
    Instant created = instant(item.path("add_time"));
    if (created != null) {
      f.put(Contact.Fields.CREATED_AT, created.toString());
    }
    Set<String> extra = new HashSet<>(extraFields.getOrDefault("*", Set.of()));
    extra.addAll(extraFields.getOrDefault(entity, Set.of()));
    for (FieldCatalog.Field field : catalog.fields()) {
      String code = field.code();
      if (field.custom() || Entities.RECORD_PROPERTIES.contains(code) || !item.has(code) || f.containsKey(code)) {
        continue;
      }
      if (extra.contains(code) || defaultStandard(entity, field)) {
        put(f, code, Values.fromNative(field.type(), field, item.get(code), mapper));
      }
    }
    JsonNode custom = item.path("custom_fields");
    if (custom.isObject()) {
      custom.properties().forEach(e -> {
        FieldCatalog.Field field = catalog.byCode(e.getKey());
        String name = catalog.exposedName(e.getKey());
        Object v = Values.fromNative(field == null ? "" : field.type(), field, e.getValue(), mapper);
        if (v != null) {
          f.put(name, v);
        }
      });
    }
    if (!only.isEmpty()) {
      f.keySet().retainAll(new HashSet<>(only));
    }
    return new CrmRecord(objectType, Long.toString(id), f, instant(item.path("update_time")),
        item.path("is_deleted").asBoolean(false));
  }

  /**
   * Whether a standard field a read returns by default: a writable one that holds a value of its own (not a
   * reference to another record, not visibility or labels), and that no canonical field already carries.
   */
  private static boolean defaultStandard(String entity, FieldCatalog.Field field) {
    String code = field.code();
    if (!Entities.writable(entity, code) || field.isReference() || code.endsWith("_id") || code.endsWith("_ids")
        || code.equals("visible_to") || code.equals(Entities.addressField(entity))) {
      return false;
    }
    return switch (entity) {
      case Entities.PERSONS -> false; // name, emails, phones, job_title are carried canonically
      case Entities.ORGANIZATIONS -> !code.equals("name");
      default -> true;
    };
  }

  private static void put(Map<String, Object> f, String name, @Nullable Object value) {
    if (value != null && !(value instanceof String s && s.isEmpty())) {
      f.put(name, value);
    }
  }

  /** A value node's text, or null when absent, null or empty. */
  public static @Nullable String text(JsonNode v) {
    return v == null || !v.isValueNode() || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  /** The primary value of an {@code emails} or {@code phones} array (else the first). */
  private static @Nullable String primary(JsonNode list) {
    String first = null;
    for (JsonNode i : list) {
      String v = i.isObject() ? text(i.path("value")) : text(i);
      if (v == null) {
        continue;
      }
      if (i.path("primary").asBoolean(false)) {
        return v;
      }
      if (first == null) {
        first = v;
      }
    }
    return first;
  }

  /** The values of an {@code emails} or {@code phones} array (objects with a value, or plain texts). */
  public static List<String> values(JsonNode list) {
    List<String> out = new ArrayList<>();
    for (JsonNode i : list) {
      String v = i.isObject() ? text(i.path("value")) : text(i);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /** One record of an upsert, its body built, with its position in the caller's batch. */
  public record Prepared(int index, String value, ObjectNode body, @Nullable String email, @Nullable String phone,
      @Nullable String company, boolean hasName) {}

  /** A record refused before anything was sent. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;
    public final transient RecordError error;
    public final boolean unknownField;

    Invalid(RecordError error, boolean unknownField) {
      super(null, null, false, false);
      this.error = error;
      this.unknownField = unknownField;
    }

    static Invalid field(String field, String code, String message) {
      return new Invalid(RecordError.invalid(code, field + " " + message, new FieldError(field, code, message)),
          code.equals("UNKNOWN_FIELD"));
    }
  }

  /** Builds a record's request body; throws what Pipedrive would refuse in it, naming the field. */
  public Prepared prepare(String entity, int index, CrmRecord r, MatchKey key, FieldCatalog catalog) throws Invalid {
    String value = key.normalize(r.fields().get(key.field()));
    if (value == null) {
      throw new Invalid(new RecordError(RecordError.MISSING_MATCH_KEY, "record has no value for match key '"
          + key.field() + "'", List.of(), false), false);
    }
    if (entity.equals(Entities.PERSONS) && key.field().equals(Contact.Fields.EMAIL) && !EMAIL.matcher(value).matches()) {
      // Pipedrive stores any text as an email; a key that is not an address would match nothing sensible
      throw Invalid.field(Contact.Fields.EMAIL, "INVALID_EMAIL", "is not an email address");
    }
    ObjectNode body = mapper.createObjectNode();
    ObjectNode custom = mapper.createObjectNode();
    Map<String, String> address = new LinkedHashMap<>();
    String first = null;
    String last = null;
    String name = null;
    String email = null;
    String phone = null;
    String company = null;
    boolean persons = entity.equals(Entities.PERSONS);
    for (Map.Entry<String, Object> e : r.fields().entrySet()) {
      String field = e.getKey();
      Object v = e.getValue();
      boolean empty = v instanceof String s && s.isBlank();
      if (persons) {
        switch (field) {
          case Contact.Fields.EMAIL -> {
            email = empty ? null : Values.text(v).strip();
            continue;
          }
          case Contact.Fields.PHONE -> {
            phone = empty ? null : Values.text(v).strip();
            continue;
          }
          case Contact.Fields.FIRST_NAME -> {
            first = empty ? null : Values.text(v).strip();
            continue;
          }
          case Contact.Fields.LAST_NAME -> {
            last = empty ? null : Values.text(v).strip();
            continue;
          }
          case "name" -> {
            name = empty ? null : Values.text(v).strip();
            continue;
          }
          case Contact.Fields.COMPANY -> {
            if (linkOrganizations && !empty) {
              company = Values.text(v).strip();
            }
            continue; // otherwise read only: the organization's name
          }
          default -> {
            // below
          }
        }
      }
      if (Entities.ADDRESS_PARTS.containsKey(field) && Entities.addressField(entity) != null) {
        if (persons && !contactSync) {
          throw Invalid.field(field, "CONTACT_SYNC_REQUIRED",
              "needs Contact Sync (Pipedrive answers 403 to postal_address without it; setting 'contactSync')");
        }
        if (!empty) {
          address.put(field, Values.text(v).strip());
        }
        continue;
      }
      String nativeCode = Entities.simpleNative(entity, field);
      if (Contact.Fields.CREATED_AT.equals(field)) {
        continue; // Pipedrive's own creation time
      }
      FieldCatalog.Field custom0 = catalog.custom(field);
      if (custom0 != null && nativeCode == null) {
        try {
          custom.set(custom0.code(), empty ? NullNode.getInstance() : Values.toNative(custom0.type(), custom0, v, mapper));
        } catch (Values.InvalidValue ex) {
          throw Invalid.field(field, RecordError.INVALID_VALUE, ex.getMessage());
        }
        continue;
      }
      String code = nativeCode != null ? nativeCode : field;
      FieldCatalog.Field standard = catalog.byCode(code);
      if (standard == null || standard.custom()) {
        if (persons && Entities.CONTACT_SYNC_FIELDS.contains(code) && !contactSync) {
          throw Invalid.field(field, "CONTACT_SYNC_REQUIRED", "needs Contact Sync (setting 'contactSync')");
        }
        throw Invalid.field(field, "UNKNOWN_FIELD", "is not a field of Pipedrive " + entity);
      }
      if (!Entities.writable(entity, code) || Entities.RECORD_PROPERTIES.contains(code)) {
        continue; // computed by Pipedrive: left out of writes
      }
      if (persons && Entities.CONTACT_SYNC_FIELDS.contains(code) && !contactSync) {
        throw Invalid.field(field, "CONTACT_SYNC_REQUIRED",
            "needs Contact Sync (Pipedrive answers 403 to " + code + " without it; setting 'contactSync')");
      }
      try {
        body.set(code, empty ? NullNode.getInstance() : Values.toNative(standard.type(), standard, v, mapper));
      } catch (Values.InvalidValue ex) {
        throw Invalid.field(field, RecordError.INVALID_VALUE, ex.getMessage());
      }
    }
    if (!custom.isEmpty()) {
      body.set("custom_fields", custom);
    }
    if (!address.isEmpty()) {
      body.set(Entities.addressField(entity), addressJson(address));
    }
    boolean hasName;
    if (persons) {
      String full = name != null ? name : join(first, last);
      if (full != null) {
        body.put("name", full);
      }
      hasName = full != null;
    } else {
      hasName = body.hasNonNull(Entities.nameField(entity));
    }
    return new Prepared(index, value, body, email, phone, company, hasName);
  }

  private static @Nullable String join(@Nullable String first, @Nullable String last) {
    String s = ((first == null ? "" : first) + " " + (last == null ? "" : last)).strip();
    return s.isEmpty() ? null : s;
  }

  /** An address: its text in {@code value} ("Only value is required"), its parts in their subfields. */
  private ObjectNode addressJson(Map<String, String> parts) {
    ObjectNode a = mapper.createObjectNode();
    List<String> text = new ArrayList<>();
    for (String f : List.of(Contact.Fields.STREET, Contact.Fields.CITY, Contact.Fields.STATE, Contact.Fields.POSTAL_CODE,
        Contact.Fields.COUNTRY)) {
      if (parts.containsKey(f)) {
        text.add(parts.get(f));
      }
    }
    a.put("value", String.join(", ", text));
    parts.forEach((f, v) -> a.put(Entities.ADDRESS_PARTS.get(f), v));
    return a;
  }

  /**
   * Sets a person's {@code emails} or {@code phones} so that {@code value} is its primary one, keeping the
   * others: an update sends the whole list, so an address already there is left alone.
   */
  public void contactList(ObjectNode body, String list, @Nullable String value, @Nullable JsonNode existing) {
    if (value == null) {
      return;
    }
    ArrayNode items = mapper.createArrayNode();
    items.addObject().put("value", value).put("primary", true).put("label", "work");
    if (existing != null) {
      List<String> current = values(existing.path(list));
      for (String v : current) {
        if (v.equalsIgnoreCase(value)) {
          return; // already there: nothing to change
        }
      }
      for (JsonNode old : existing.path(list)) {
        String v = old.isObject() ? text(old.path("value")) : text(old);
        if (v != null) {
          ObjectNode o = items.addObject().put("value", v).put("primary", false);
          String label = old.isObject() ? text(old.path("label")) : null;
          o.put("label", label == null ? "work" : label);
        }
      }
    }
    body.set(list, items);
  }
}

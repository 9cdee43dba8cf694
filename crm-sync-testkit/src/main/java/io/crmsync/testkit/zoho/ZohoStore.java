package io.crmsync.testkit.zoho;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.crmsync.testkit.zoho.ZohoSchema.Field;
import io.crmsync.testkit.zoho.ZohoSchema.Module;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The emulator's records: live ones per module by id, and the recycle bin. Not thread-safe; the emulator calls
 * it under its lock.
 *
 * <p>Record ids are 19-digit numbers issued in increasing order, as Zoho's are. Times have whole seconds and are
 * written with the org's offset ({@code 2023-10-15T14:20:00+05:30}), as the Records API returns them:
 * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/getRecords.md
 */
final class ZohoStore {
  static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);
  /** The datetime format the API accepts: ISO 8601 with seconds and a numeric offset. */
  static final Pattern DATE_TIME_TEXT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}");
  private static final Pattern DATE_TEXT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  private static final long FIRST_ID = 5_725_767_000_000_400_001L;

  private final JsonNodeFactory nodes = JsonNodeFactory.instance;
  private final ObjectMapper json;
  private final ZoneId zone;
  final Map<String, Module> modules;
  final Map<String, Table> tables = new LinkedHashMap<>();
  final Map<String, String> users = new LinkedHashMap<>();
  private long nextId = FIRST_ID;

  /** One live record. {@code values} holds each set field by API name; lookups hold the referenced id as text. */
  static final class Rec {
    final long id;
    final ObjectNode values;
    final Instant created;
    Instant modified;
    String ownerId;

    Rec(long id, ObjectNode values, Instant created, String ownerId) {
      this.id = id;
      this.values = values;
      this.created = created;
      this.modified = created;
      this.ownerId = ownerId;
    }
  }

  /** A deleted record, as the deleted records API lists it. */
  record Deleted(long id, @Nullable String displayName, Instant at, String deletedBy) {}

  /** One module's records. */
  static final class Table {
    final Module module;
    final NavigableMap<Long, Rec> live = new TreeMap<>();
    final NavigableMap<Long, Deleted> deleted = new TreeMap<>();
    /** For each duplicate check field: the live record holding each value (text without case). */
    final Map<String, Map<String, Long>> index = new HashMap<>();

    Table(Module module) {
      this.module = module;
      for (Field f : module.fields.values()) {
        if (module.isDuplicateCheckField(f.apiName())) {
          index.put(f.apiName(), new HashMap<>());
        }
      }
    }

    @Nullable Rec byValue(Field f, JsonNode value) {
      Map<String, Long> m = index.get(f.apiName());
      String key = indexKey(f, value);
      Long id = m == null || key == null ? null : m.get(key);
      return id == null ? null : live.get(id);
    }

    void unindex(Rec r) {
      index.forEach((name, m) -> {
        String key = indexKey(Objects.requireNonNull(module.field(name)), r.values.get(name));
        if (key != null && Long.valueOf(r.id).equals(m.get(key))) {
          m.remove(key);
        }
      });
    }

    void reindex(Rec r) {
      index.forEach((name, m) -> {
        String key = indexKey(Objects.requireNonNull(module.field(name)), r.values.get(name));
        if (key != null) {
          m.putIfAbsent(key, r.id);
        }
      });
    }
  }

  /** The key a value is indexed under for duplicate checks: text ignores case. */
  static @Nullable String indexKey(Field f, @Nullable JsonNode v) {
    if (v == null || v.isNull() || v.asText().isEmpty()) {
      return null;
    }
    return f.isText() ? v.asText().toLowerCase(Locale.ROOT) : v.asText();
  }

  ZohoStore(ObjectMapper json, ZoneId zone, Map<String, Module> modules, Map<String, String> users) {
    this.json = json;
    this.zone = zone;
    this.modules = modules;
    this.users.putAll(users);
    for (Module m : modules.values()) {
      tables.put(m.apiName, new Table(m));
    }
  }

  /** The module of {@code apiName}; Zoho matches module API names regardless of case. */
  @Nullable Table table(String apiName) {
    Table t = tables.get(apiName);
    if (t != null) {
      return t;
    }
    for (Table candidate : tables.values()) {
      if (candidate.module.apiName.equalsIgnoreCase(apiName)) {
        return candidate;
      }
    }
    return null;
  }

  String format(Instant t) {
    return DATE_TIME.format(t.atZone(zone));
  }

  String defaultOwner() {
    return users.keySet().iterator().next();
  }

  ObjectNode user(String id) {
    ObjectNode u = nodes.objectNode();
    u.put("name", users.getOrDefault(id, "Unknown User"));
    u.put("id", id);
    return u;
  }

  // ------------------------------------------------------------------------------------------------- errors

  /** {@code INVALID_DATA} naming the field: https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md */
  ObjectNode invalidData(String apiName, String jsonPath, String message) {
    ObjectNode e = nodes.objectNode();
    e.put("code", "INVALID_DATA");
    ObjectNode d = e.putObject("details");
    d.put("api_name", apiName);
    d.put("json_path", jsonPath);
    e.put("message", message);
    e.put("status", "error");
    return e;
  }

  ObjectNode invalidType(String apiName, String jsonPath, String expected) {
    ObjectNode e = invalidData(apiName, jsonPath, "invalid data");
    ((ObjectNode) e.get("details")).put("expected_data_type", expected);
    return e;
  }

  ObjectNode tooLong(String apiName, String jsonPath, int max) {
    ObjectNode e = invalidData(apiName, jsonPath, "invalid data");
    ((ObjectNode) e.get("details")).put("maximum_length", max);
    return e;
  }

  ObjectNode mandatoryNotFound(String apiName, String jsonPath) {
    ObjectNode e = nodes.objectNode();
    e.put("code", "MANDATORY_NOT_FOUND");
    e.putObject("details").put("api_name", apiName).put("json_path", jsonPath);
    e.put("message", "required field not found");
    e.put("status", "error");
    return e;
  }

  // ----------------------------------------------------------------------------------------------- values

  /** A value checked and normalised for {@code f}, or the error Zoho answers; {@code jsonPath} names it. */
  record Checked(@Nullable JsonNode value, @Nullable ObjectNode error) {}

  Checked check(Field f, JsonNode v, String jsonPath) {
    if (v.isNull()) {
      return new Checked(NullNode.getInstance(), null);
    }
    String name = f.apiName();
    switch (f.dataType()) {
      case "text", "textarea", "phone", "website", "picklist" -> {
        if (!v.isTextual()) {
          return new Checked(null, invalidType(name, jsonPath, "text"));
        }
        if (f.length() > 0 && v.asText().codePointCount(0, v.asText().length()) > f.length()) {
          return new Checked(null, tooLong(name, jsonPath, f.length()));
        }
        return new Checked(v, null);
      }
      case "email" -> {
        if (!v.isTextual()) {
          return new Checked(null, invalidType(name, jsonPath, "email"));
        }
        if (!v.asText().isEmpty() && !EMAIL.matcher(v.asText()).matches()) {
          return new Checked(null, invalidType(name, jsonPath, "email"));
        }
        if (f.length() > 0 && v.asText().length() > f.length()) {
          return new Checked(null, tooLong(name, jsonPath, f.length()));
        }
        return new Checked(v, null);
      }
      case "integer", "bigint" -> {
        if (!v.isIntegralNumber() || (f.dataType().equals("integer") && !v.canConvertToInt())) {
          return new Checked(null, invalidType(name, jsonPath, f.dataType()));
        }
        return new Checked(v, null);
      }
      case "double", "currency" -> {
        if (!v.isNumber()) {
          return new Checked(null, invalidType(name, jsonPath, "double"));
        }
        return new Checked(v, null);
      }
      case "boolean" -> {
        if (!v.isBoolean()) {
          return new Checked(null, invalidType(name, jsonPath, "boolean"));
        }
        return new Checked(v, null);
      }
      case "date" -> {
        if (!v.isTextual() || !DATE_TEXT.matcher(v.asText()).matches() || !parsesAsDate(v.asText())) {
          return new Checked(null, invalidType(name, jsonPath, "date"));
        }
        return new Checked(v, null);
      }
      case "datetime" -> {
        if (!v.isTextual() || !DATE_TIME_TEXT.matcher(v.asText()).matches() || parseDateTime(v.asText()) == null) {
          return new Checked(null, invalidType(name, jsonPath, "datetime"));
        }
        return new Checked(new TextNode(format(Objects.requireNonNull(parseDateTime(v.asText())))), null);
      }
      case "multiselectpicklist" -> {
        if (!v.isArray()) {
          return new Checked(null, invalidType(name, jsonPath, "jsonarray"));
        }
        for (JsonNode item : v) {
          if (!item.isTextual()) {
            return new Checked(null, invalidType(name, jsonPath, "jsonarray"));
          }
        }
        return new Checked(v, null);
      }
      case "lookup", "ownerlookup", "userlookup" -> {
        // lookups are written as {"id": "..."}; the id must name an existing record (or user)
        JsonNode id = v.isObject() ? v.get("id") : v;
        if (id == null || !(id.isTextual() || id.isIntegralNumber()) || !id.asText().matches("\\d{1,19}")) {
          return new Checked(null, invalidType(name, jsonPath, "jsonobject"));
        }
        String ref = id.asText();
        boolean exists = f.dataType().equals("lookup")
            ? lookupExists(f.lookupModule(), ref)
            : users.containsKey(ref);
        if (!exists) {
          return new Checked(null, invalidData(name, jsonPath, "invalid data"));
        }
        return new Checked(new TextNode(ref), null);
      }
      default -> {
        // autonumber, formula: read-only, dropped before checking
        return new Checked(v, null);
      }
    }
  }

  private boolean lookupExists(@Nullable String module, String id) {
    Table t = module == null ? null : tables.get(module);
    try {
      return t != null && t.live.containsKey(Long.parseLong(id));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean parsesAsDate(String s) {
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  static @Nullable Instant parseDateTime(String s) {
    try {
      return OffsetDateTime.parse(s, DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------------ upsert

  /** The outcome of writing one input of a batch. */
  record Outcome(ObjectNode result, boolean success) {}

  /**
   * Writes one input of an upsert (or, with {@code duplicateCheckFields} null, an insert). Unknown field names
   * are ignored or refused per {@code refuseUnknownFields}; read-only fields are ignored.
   */
  Outcome upsert(Table t, JsonNode input, int index, @Nullable List<String> duplicateCheckFields,
      boolean refuseUnknownFields, Instant now) {
    String path = "$.data[" + index + "]";
    if (!input.isObject()) {
      return new Outcome(invalidData("data", path, "invalid data"), false);
    }
    ObjectNode values = nodes.objectNode();
    @Nullable String owner = null;
    for (Map.Entry<String, JsonNode> e : input.properties()) {
      String name = e.getKey();
      if (name.startsWith("$") || name.equals("id")) {
        continue;
      }
      Field f = t.module.field(name);
      if (f == null) {
        if (refuseUnknownFields) {
          return new Outcome(invalidData(name, path + "." + name, "invalid data"), false);
        }
        continue;
      }
      if (f.readOnly() || f.dataType().equals("autonumber") || f.dataType().equals("formula")) {
        continue;
      }
      Checked c = check(f, e.getValue(), path + "." + name);
      if (c.error() != null) {
        return new Outcome(c.error(), false);
      }
      if (f.dataType().equals("ownerlookup")) {
        owner = c.value().isNull() ? null : c.value().asText();
      } else {
        values.set(name, c.value());
      }
    }
    // the duplicate check: the first listed field the input has a value for picks the record to update
    Rec match = null;
    String matchedOn = null;
    if (duplicateCheckFields != null) {
      for (String dup : duplicateCheckFields) {
        JsonNode v = values.get(dup);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
          continue;
        }
        Rec found = t.byValue(Objects.requireNonNull(t.module.field(dup)), v);
        if (found != null) {
          match = found;
          matchedOn = dup;
          break;
        }
      }
    }
    if (match == null) {
      for (Field f : t.module.fields.values()) {
        JsonNode v = values.get(f.apiName());
        if (f.mandatory() && (v == null || v.isNull() || v.asText().isBlank())) {
          return new Outcome(mandatoryNotFound(f.apiName(), path + "." + f.apiName()), false);
        }
      }
    } else {
      for (Field f : t.module.fields.values()) {
        JsonNode v = values.get(f.apiName());
        if (f.mandatory() && v != null && (v.isNull() || v.asText().isBlank())) {
          return new Outcome(mandatoryNotFound(f.apiName(), path + "." + f.apiName()), false);
        }
      }
    }
    ObjectNode conflict = uniqueConflict(t, values, match, path);
    if (conflict != null) {
      return new Outcome(conflict, false);
    }
    Instant at = now.truncatedTo(ChronoUnit.SECONDS);
    Rec r;
    String action;
    if (match == null) {
      r = new Rec(nextId++, values, at, owner != null ? owner : defaultOwner());
      t.live.put(r.id, r);
      t.reindex(r);
      action = "insert";
    } else {
      r = match;
      t.unindex(r);
      values.properties().forEach(e -> r.values.set(e.getKey(), e.getValue()));
      t.reindex(r);
      if (owner != null) {
        r.ownerId = owner;
      }
      r.modified = at;
      action = "update";
    }
    ObjectNode out = nodes.objectNode();
    out.put("code", "SUCCESS");
    if (duplicateCheckFields != null) {
      if (matchedOn != null) {
        out.put("duplicate_field", matchedOn);
      } else {
        out.putNull("duplicate_field");
      }
      out.put("action", action);
    }
    ObjectNode details = out.putObject("details");
    details.put("Modified_Time", format(r.modified));
    details.set("Modified_By", user(defaultOwner()));
    details.put("Created_Time", format(r.created));
    details.put("id", Long.toString(r.id));
    details.set("Created_By", user(defaultOwner()));
    out.put("message", action.equals("insert") ? "record added" : "record updated");
    out.put("status", "success");
    return new Outcome(out, true);
  }

  /**
   * {@code DUPLICATE_DATA} when a unique field's new value belongs to another record:
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md
   */
  private @Nullable ObjectNode uniqueConflict(Table t, ObjectNode values, @Nullable Rec self, String path) {
    for (Field f : t.module.fields.values()) {
      if (!t.module.isDuplicateCheckField(f.apiName())) {
        continue;
      }
      JsonNode v = values.get(f.apiName());
      if (v == null || v.isNull() || v.asText().isEmpty()) {
        continue;
      }
      Rec r = t.byValue(f, v);
      if (r == null || r == self) {
        continue;
      }
      ObjectNode e = nodes.objectNode();
      e.put("code", "DUPLICATE_DATA");
      ObjectNode d = e.putObject("details");
      d.put("api_name", f.apiName());
      d.put("json_path", path + "." + f.apiName());
      ObjectNode dup = d.putObject("duplicate_record");
      ObjectNode owner = dup.putObject("Owner");
      owner.put("name", users.getOrDefault(r.ownerId, "Unknown User"));
      owner.put("id", r.ownerId);
      owner.put("zuid", "7" + r.ownerId.substring(Math.max(0, r.ownerId.length() - 8)));
      dup.putObject("module").put("api_name", t.module.apiName).put("id", "5725767000000002175");
      dup.put("id", Long.toString(r.id));
      d.put("more_records", false);
      e.put("message", "duplicate data");
      e.put("status", "error");
      return e;
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------------ delete

  /**
   * Deletes one id into the recycle bin. Ids that are not numbers get "wrong format", unknown ids "record not
   * deleted": https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/deleteRecords.md
   */
  Outcome delete(Table t, String id, Instant now) {
    ObjectNode out = nodes.objectNode();
    long n;
    try {
      if (!id.matches("\\d{1,19}")) {
        throw new NumberFormatException();
      }
      n = Long.parseLong(id);
    } catch (NumberFormatException e) {
      out.put("code", "INVALID_DATA");
      out.put("message", "either the request body or parameters is in wrong format");
      out.put("status", "error");
      out.putObject("details").put("id", id);
      return new Outcome(out, false);
    }
    Rec r = t.live.remove(n);
    if (r != null) {
      t.unindex(r);
    }
    if (r == null) {
      out.put("status", "error");
      out.put("code", "INVALID_DATA");
      out.put("message", "record not deleted");
      out.putObject("details").put("id", id);
      return new Outcome(out, false);
    }
    t.deleted.put(n, new Deleted(n, displayName(t, r), now.truncatedTo(ChronoUnit.SECONDS), defaultOwner()));
    out.put("code", "SUCCESS");
    out.putObject("details").put("id", id);
    out.put("message", "record deleted");
    out.put("status", "success");
    return new Outcome(out, true);
  }

  private static @Nullable String displayName(Table t, Rec r) {
    for (String name : List.of("Last_Name", "Account_Name", "Deal_Name", "Name")) {
      JsonNode v = r.values.get(name);
      if (v != null && v.isTextual()) {
        return v.asText();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------------- views

  /** The value of {@code field} of {@code r} as the Records API shows it; lookups as {@code {name, id}}. */
  JsonNode recordsApiValue(Table t, Rec r, Field f) {
    switch (f.apiName()) {
      case "Created_Time":
        return new TextNode(format(r.created));
      case "Modified_Time":
        return new TextNode(format(r.modified));
      case "Created_By", "Modified_By":
        return user(defaultOwner());
      case "Owner": {
        ObjectNode o = user(r.ownerId);
        o.put("email", "user" + r.ownerId.substring(r.ownerId.length() - 3) + "@example.com");
        return o;
      }
      case "Full_Name": {
        String first = r.values.path("First_Name").asText("");
        String last = r.values.path("Last_Name").asText("");
        return new TextNode((first + " " + last).strip());
      }
      default:
        break;
    }
    JsonNode v = r.values.get(f.apiName());
    if (v == null || v.isNull()) {
      return NullNode.getInstance();
    }
    if (f.dataType().equals("lookup")) {
      ObjectNode o = nodes.objectNode();
      Table target = f.lookupModule() == null ? null : tables.get(f.lookupModule());
      Rec ref = target == null ? null : target.live.get(Long.parseLong(v.asText()));
      o.put("name", ref == null ? null : displayName(target, ref));
      o.put("id", v.asText());
      return o;
    }
    return v.deepCopy();
  }

  /** The value of {@code field} of {@code r} as COQL returns it; lookups as {@code {id}} only. */
  JsonNode coqlValue(Table t, Rec r, Field f) {
    if (f.isLookup()) {
      String id = switch (f.apiName()) {
        case "Owner" -> r.ownerId;
        case "Created_By", "Modified_By" -> defaultOwner();
        default -> {
          JsonNode v = r.values.get(f.apiName());
          yield v == null || v.isNull() ? null : v.asText();
        }
      };
      if (id == null) {
        return NullNode.getInstance();
      }
      ObjectNode o = nodes.objectNode();
      o.put("id", id);
      return o;
    }
    return recordsApiValue(t, r, f);
  }

  /** The raw value for comparisons: lookups by id, times as instants' text, others as stored. */
  @Nullable JsonNode comparable(Rec r, Field f) {
    return switch (f.apiName()) {
      case "Created_Time" -> new TextNode(format(r.created));
      case "Modified_Time" -> new TextNode(format(r.modified));
      case "Owner" -> new TextNode(r.ownerId);
      case "Created_By", "Modified_By" -> new TextNode(defaultOwner());
      default -> r.values.get(f.apiName());
    };
  }

  /** The instant a datetime field of {@code r} holds, or null (not a datetime, or unset). */
  @Nullable Instant instant(Rec r, @Nullable Field f) {
    if (f == null || !f.dataType().equals("datetime")) {
      return null;
    }
    return switch (f.apiName()) {
      case "Created_Time" -> r.created;
      case "Modified_Time" -> r.modified;
      default -> {
        JsonNode v = r.values.get(f.apiName());
        yield v == null || v.isNull() ? null : parseDateTime(v.asText());
      }
    };
  }

  /** A snapshot of a live record for inspection, in the Records API's shape. */
  ObjectNode snapshot(Table t, Rec r) {
    ObjectNode o = nodes.objectNode();
    o.put("id", Long.toString(r.id));
    for (Field f : t.module.fields.values()) {
      JsonNode v = recordsApiValue(t, r, f);
      if (!v.isNull()) {
        o.set(f.apiName(), v);
      }
    }
    return o;
  }

  ArrayNode newArray() {
    return json.createArrayNode();
  }

  /** Stores a record directly, for seeding; the caller checked its values. */
  Rec insertDirect(Table t, ObjectNode values, Instant now) {
    Rec r = new Rec(nextId++, values, now.truncatedTo(ChronoUnit.SECONDS), defaultOwner());
    t.live.put(r.id, r);
    t.reindex(r);
    return r;
  }

  List<Rec> liveRecords(Table t) {
    return new ArrayList<>(t.live.values());
  }
}

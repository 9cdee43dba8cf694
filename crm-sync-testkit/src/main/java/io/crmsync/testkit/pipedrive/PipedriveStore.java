package io.crmsync.testkit.pipedrive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The emulated company's data: the entities Pipedrive's API v2 serves (persons, organizations, deals,
 * products, activities), their standard and custom fields, and their records. Not thread-safe: the
 * emulator calls it under its lock.
 *
 * <p>Field lists follow the v2 request and response bodies of the API reference:
 * https://developers.pipedrive.com/docs/api/v1/Persons#addPerson (v2 "Add a new person"),
 * https://developers.pipedrive.com/docs/api/v1/Organizations#addOrganization,
 * https://developers.pipedrive.com/docs/api/v1/Deals#addDeal,
 * https://developers.pipedrive.com/docs/api/v1/Products#addProduct and
 * https://developers.pipedrive.com/docs/api/v1/Activities#addActivity (all v2).
 */
final class PipedriveStore {
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** A record of an entity. */
  static final class Rec {
    final long id;
    /** Standard field values, by code; {@code id}, {@code custom_fields} and {@code is_deleted} are apart. */
    final ObjectNode data = JSON.objectNode();
    final ObjectNode custom = JSON.objectNode();
    Instant addTime;
    Instant updateTime;
    /** When a search sees the record's current values (the emulator's configurable index lag). */
    Instant searchableAt;
    boolean deleted;
    @Nullable Instant deletedAt;

    Rec(long id, Instant now) {
      this.id = id;
      this.addTime = now;
      this.updateTime = now;
      this.searchableAt = now;
    }
  }

  /** One entity type: its fields, its records, what its search endpoint searches. */
  static final class Entity {
    final String name;
    final String singular;
    final String fieldsPath;
    /** The field search's {@code name} (persons, organizations, products) or {@code title} (deals) reads. */
    final String nameField;
    final Map<String, FieldDef> standard = new LinkedHashMap<>();
    final Map<String, FieldDef> custom = new LinkedHashMap<>();
    final TreeMap<Long, Rec> records = new TreeMap<>();
    /** The values {@code fields} of the search endpoint accepts; empty when the entity has no search. */
    final Set<String> searchFields;
    final boolean customFields;
    /** Live records by lowercased email and name, for exact-match searches: "email\0value" to ids. */
    final Map<String, Set<Long>> exact = new HashMap<>();
    long nextId = 1;

    Entity(String name, String singular, String fieldsPath, String nameField, Set<String> searchFields,
        boolean customFields) {
      this.name = name;
      this.singular = singular;
      this.fieldsPath = fieldsPath;
      this.nameField = nameField;
      this.searchFields = searchFields;
      this.customFields = customFields;
    }

    void add(FieldDef f) {
      standard.put(f.code(), f);
    }

    @Nullable FieldDef field(String code) {
      FieldDef f = standard.get(code);
      return f != null ? f : custom.get(code);
    }

    @Nullable Rec live(long id) {
      Rec r = records.get(id);
      return r == null || r.deleted ? null : r;
    }
  }

  private final Map<String, Entity> entities = new LinkedHashMap<>();
  private final long seed;

  PipedriveStore(long seed) {
    this.seed = seed;
    // https://developers.pipedrive.com/docs/api/v1/Persons#addPerson (v2): name is required; first_name and
    // last_name come back in responses but are not part of the request body. job_title, notes, birthday, im and
    // postal_address exist only with Contact Sync ("attempting to set any of them without contact sync enabled
    // returns a 403").
    Entity p = define(new Entity("persons", "person", "personFields", "name",
        Set.of("custom_fields", "email", "notes", "phone", "name"), true));
    p.add(FieldDef.standard("id", "ID", "int", false));
    p.add(FieldDef.required("name", "Name", "varchar"));
    p.add(FieldDef.standard("first_name", "First name", "varchar", false));
    p.add(FieldDef.standard("last_name", "Last name", "varchar", false));
    p.add(FieldDef.standard("owner_id", "Owner", "user", true));
    p.add(FieldDef.standard("org_id", "Organization", "org", true));
    p.add(FieldDef.standard("emails", "Email", "emails", true));
    p.add(FieldDef.standard("phones", "Phone", "phones", true));
    p.add(FieldDef.standard("visible_to", "Visible to", "visible_to", true));
    p.add(FieldDef.standard("label_ids", "Labels", "label_ids", true));
    p.add(FieldDef.standard("add_time", "Person created", "timestamp", true));
    p.add(FieldDef.standard("update_time", "Update time", "timestamp", true));
    p.add(FieldDef.standard("picture_id", "Profile picture", "picture", false));
    p.add(FieldDef.contactSync("job_title", "Job title", "varchar"));
    p.add(FieldDef.contactSync("notes", "Notes", "text"));
    p.add(FieldDef.contactSync("birthday", "Birthday", "date"));
    p.add(FieldDef.contactSync("im", "Instant messenger", "im"));
    p.add(FieldDef.contactSync("postal_address", "Postal address", "address"));

    // https://developers.pipedrive.com/docs/api/v1/Organizations#addOrganization (v2)
    Entity o = define(new Entity("organizations", "organization", "organizationFields", "name",
        Set.of("address", "custom_fields", "notes", "name"), true));
    o.add(FieldDef.standard("id", "ID", "int", false));
    o.add(FieldDef.required("name", "Name", "varchar"));
    o.add(FieldDef.standard("owner_id", "Owner", "user", true));
    o.add(FieldDef.standard("visible_to", "Visible to", "visible_to", true));
    o.add(FieldDef.standard("label_ids", "Labels", "label_ids", true));
    o.add(FieldDef.standard("address", "Address", "address", true));
    o.add(FieldDef.standard("website", "Website", "varchar", true));
    o.add(FieldDef.standard("linkedin", "LinkedIn profile", "varchar", true));
    o.add(FieldDef.standard("industry", "Industry", "int", true));
    o.add(FieldDef.standard("annual_revenue", "Annual revenue", "double", true));
    o.add(FieldDef.standard("employee_count", "Number of employees", "int", true));
    o.add(FieldDef.standard("add_time", "Organization created", "timestamp", true));
    o.add(FieldDef.standard("update_time", "Update time", "timestamp", true));

    // https://developers.pipedrive.com/docs/api/v1/Deals#addDeal (v2): title is required
    Entity d = define(new Entity("deals", "deal", "dealFields", "title",
        Set.of("custom_fields", "notes", "title"), true));
    d.add(FieldDef.standard("id", "ID", "int", false));
    d.add(FieldDef.required("title", "Title", "varchar"));
    d.add(FieldDef.standard("owner_id", "Owner", "user", true));
    d.add(FieldDef.standard("person_id", "Contact person", "people", true));
    d.add(FieldDef.standard("org_id", "Organization", "org", true));
    d.add(FieldDef.standard("pipeline_id", "Pipeline", "int", true));
    d.add(FieldDef.standard("stage_id", "Stage", "stage", true));
    d.add(FieldDef.standard("value", "Value", "double", true));
    d.add(FieldDef.standard("currency", "Currency", "varchar", true));
    d.add(FieldDef.standard("status", "Status", "status", true));
    d.add(FieldDef.standard("probability", "Probability", "double", true));
    d.add(FieldDef.standard("lost_reason", "Lost reason", "varchar", true));
    d.add(FieldDef.standard("expected_close_date", "Expected close date", "date", true));
    d.add(FieldDef.standard("visible_to", "Visible to", "visible_to", true));
    d.add(FieldDef.standard("label_ids", "Labels", "label_ids", true));
    d.add(FieldDef.standard("is_archived", "Archived", "boolean", true));
    d.add(FieldDef.standard("add_time", "Deal created", "timestamp", true));
    d.add(FieldDef.standard("update_time", "Update time", "timestamp", true));
    d.add(FieldDef.standard("stage_change_time", "Last stage change", "timestamp", false));
    d.add(FieldDef.standard("close_time", "Deal closed on", "timestamp", false));
    d.add(FieldDef.standard("won_time", "Won time", "timestamp", false));
    d.add(FieldDef.standard("lost_time", "Lost time", "timestamp", false));

    // https://developers.pipedrive.com/docs/api/v1/Products#addProduct (v2): name is required
    Entity pr = define(new Entity("products", "product", "productFields", "name",
        Set.of("code", "custom_fields", "name"), true));
    pr.add(FieldDef.standard("id", "ID", "int", false));
    pr.add(FieldDef.required("name", "Name", "varchar"));
    pr.add(FieldDef.standard("code", "Product code", "varchar", true));
    pr.add(FieldDef.standard("description", "Description", "text", true));
    pr.add(FieldDef.standard("unit", "Unit", "varchar", true));
    pr.add(FieldDef.standard("tax", "Tax", "double", true));
    pr.add(FieldDef.standard("category", "Category", "int", true));
    pr.add(FieldDef.standard("owner_id", "Owner", "user", true));
    pr.add(FieldDef.standard("is_linkable", "Linkable", "boolean", true));
    pr.add(FieldDef.standard("visible_to", "Visible to", "visible_to", true));
    pr.add(FieldDef.standard("prices", "Prices", "json", true));
    pr.add(FieldDef.standard("add_time", "Product created", "timestamp", false));
    pr.add(FieldDef.standard("update_time", "Update time", "timestamp", false));

    // https://developers.pipedrive.com/docs/api/v1/Activities#addActivity (v2); activities have no search endpoint
    // and their fields are read-only through the fields API (https://developers.pipedrive.com/changelog/post/introducing-new-fields-api-v2)
    Entity a = define(new Entity("activities", "activity", "activityFields", "subject", Set.of(), false));
    a.add(FieldDef.standard("id", "ID", "int", false));
    a.add(FieldDef.standard("subject", "Subject", "varchar", true));
    a.add(FieldDef.standard("type", "Type", "varchar", true));
    a.add(FieldDef.standard("owner_id", "Assigned to user", "user", true));
    a.add(FieldDef.standard("deal_id", "Deal", "deal", true));
    a.add(FieldDef.standard("lead_id", "Lead", "varchar", true));
    a.add(FieldDef.standard("person_id", "Contact person", "people", false));
    a.add(FieldDef.standard("org_id", "Organization", "org", true));
    a.add(FieldDef.standard("project_id", "Project", "int", true));
    a.add(FieldDef.standard("due_date", "Due date", "date", true));
    a.add(FieldDef.standard("due_time", "Due time", "varchar", true));
    a.add(FieldDef.standard("duration", "Duration", "varchar", true));
    a.add(FieldDef.standard("busy", "Free/busy", "boolean", true));
    a.add(FieldDef.standard("done", "Done", "boolean", true));
    a.add(FieldDef.standard("note", "Note", "text", true));
    a.add(FieldDef.standard("public_description", "Public description", "text", true));
    a.add(FieldDef.standard("priority", "Priority", "int", true));
    a.add(FieldDef.standard("location", "Location", "json", true));
    a.add(FieldDef.standard("participants", "Participants", "json", true));
    a.add(FieldDef.standard("attendees", "Attendees", "json", true));
    a.add(FieldDef.standard("add_time", "Add time", "timestamp", false));
    a.add(FieldDef.standard("update_time", "Update time", "timestamp", false));
  }

  private Entity define(Entity e) {
    entities.put(e.name, e);
    return e;
  }

  @Nullable Entity entity(String name) {
    return entities.get(name);
  }

  /** The entity whose fields endpoint is {@code fieldsPath}, such as {@code personFields}. */
  @Nullable Entity byFieldsPath(String fieldsPath) {
    for (Entity e : entities.values()) {
      if (e.fieldsPath.equals(fieldsPath)) {
        return e;
      }
    }
    return null;
  }

  /**
   * Declares a custom field and returns its code: "All custom fields are referenced as randomly generated
   * 40-character hashes" (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson, custom_fields).
   * Derived from the emulator's seed, so a seeded emulator gives the same keys every run.
   */
  String defineCustom(String entity, String name, String type, List<String> optionLabels) {
    Entity e = entities.get(entity);
    if (e == null || !e.customFields) {
      throw new IllegalArgumentException("custom fields are not supported on '" + entity + "'");
    }
    for (FieldDef f : e.custom.values()) {
      if (f.name().equals(name)) {
        throw new IllegalArgumentException("a custom field named '" + name + "' exists on " + entity);
      }
    }
    String code = hash(seed + "/" + entity + "/" + name);
    List<FieldDef.Option> options = new ArrayList<>();
    long optionId = 1 + Math.floorMod(code.hashCode(), 900) * 10L;
    for (String label : optionLabels) {
      options.add(new FieldDef.Option(optionId++, label));
    }
    e.custom.put(code, new FieldDef(code, name, type, true, true, false, false, options));
    return code;
  }

  private static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is unavailable", e);
    }
  }

  /** Pipedrive's v2 timestamps are RFC 3339 in UTC to the second ("2021-01-01T00:00:00Z"). */
  static Instant second(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS);
  }

  Rec create(Entity e, ObjectNode values, Instant now) {
    Rec r = new Rec(e.nextId++, second(now));
    e.records.put(r.id, r);
    apply(e, r, values, now, true);
    index(e, r, true);
    return r;
  }

  void update(Entity e, Rec r, ObjectNode values, Instant now) {
    index(e, r, false);
    apply(e, r, values, now, false);
    index(e, r, true);
  }

  /** The exact-match keys of a record: its emails (persons) and its name (or title). */
  private static List<String> exactKeys(Entity e, Rec r) {
    List<String> keys = new ArrayList<>();
    for (String email : emails(r)) {
      keys.add("email\u0000" + email);
    }
    String name = r.data.path(e.nameField).asText("");
    if (!name.isEmpty()) {
      keys.add("name\u0000" + name.toLowerCase(Locale.ROOT));
    }
    return keys;
  }

  private static void index(Entity e, Rec r, boolean add) {
    for (String k : exactKeys(e, r)) {
      if (add) {
        e.exact.computeIfAbsent(k, x -> new TreeSet<>()).add(r.id);
      } else {
        Set<Long> ids = e.exact.get(k);
        if (ids != null) {
          ids.remove(r.id);
          if (ids.isEmpty()) {
            e.exact.remove(k);
          }
        }
      }
    }
  }

  /** The live records whose email ({@code field} "email") or name ("name") is exactly {@code lowered}. */
  static Set<Long> exact(Entity e, String field, String lowered) {
    return e.exact.getOrDefault(field + "\u0000" + lowered, Set.of());
  }

  private void apply(Entity e, Rec r, ObjectNode values, Instant now, boolean create) {
    values.properties().forEach(en -> {
      String k = en.getKey();
      JsonNode v = en.getValue();
      if (k.equals("custom_fields")) {
        v.properties().forEach(c -> {
          if (c.getValue().isNull()) {
            r.custom.remove(c.getKey());
          } else {
            r.custom.set(c.getKey(), c.getValue());
          }
        });
      } else if (k.equals("add_time")) {
        r.addTime = second(Instant.parse(v.asText()));
      } else if (!k.equals("update_time")) {
        if (v.isNull()) {
          r.data.remove(k);
        } else {
          r.data.set(k, normalizeList(k, v));
        }
      }
    });
    if (e.name.equals("persons") && values.has("name")) {
      splitName(r);
    }
    if (e.name.equals("deals") && !r.data.has("status")) {
      r.data.put("status", "open");
    }
    JsonNode updateTime = values.get("update_time");
    r.updateTime = updateTime != null && updateTime.isTextual() ? second(Instant.parse(updateTime.asText())) : second(now);
    if (create && !values.has("add_time")) {
      r.addTime = r.updateTime;
    }
  }

  /**
   * "If no item is primary, the first one becomes primary"; "label defaults to work" for emails and phones
   * (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson, emails and phones).
   */
  private static JsonNode normalizeList(String code, JsonNode v) {
    if (!(code.equals("emails") || code.equals("phones")) || !v.isArray()) {
      return v;
    }
    ArrayNode out = JSON.arrayNode();
    boolean anyPrimary = false;
    for (JsonNode item : v) {
      anyPrimary |= item.path("primary").asBoolean(false);
    }
    boolean first = true;
    for (JsonNode item : v) {
      ObjectNode o = out.addObject();
      o.put("value", item.path("value").asText(""));
      o.put("primary", anyPrimary ? item.path("primary").asBoolean(false) : first);
      o.put("label", item.hasNonNull("label") ? item.get("label").asText() : "work");
      first = false;
    }
    return out;
  }

  /**
   * A person's first and last name come from its name: the first word, and the rest. The reference shows
   * "name":"Person Name" with "first_name":"Person","last_name":"Name"
   * (https://developers.pipedrive.com/docs/api/v1/Persons#getPerson, v2 example); how longer names are split
   * is not documented, so the emulator splits at the first space.
   */
  private static void splitName(Rec r) {
    String name = r.data.path("name").asText("").strip();
    int space = name.indexOf(' ');
    String first = space < 0 ? name : name.substring(0, space);
    String last = space < 0 ? "" : name.substring(space + 1).strip();
    r.data.put("first_name", first);
    if (last.isEmpty()) {
      r.data.putNull("last_name");
    } else {
      r.data.put("last_name", last);
    }
  }

  void delete(Entity e, Rec r, Instant now) {
    index(e, r, false);
    r.deleted = true;
    r.deletedAt = now;
    r.updateTime = second(now);
  }

  /** The record as the v2 API returns it. */
  ObjectNode view(Entity e, Rec r, @Nullable Set<String> onlyCustom) {
    ObjectNode n = JSON.objectNode();
    n.put("id", r.id);
    for (FieldDef f : e.standard.values()) {
      String code = f.code();
      if (code.equals("id")) {
        continue;
      }
      switch (code) {
        case "add_time" -> n.put(code, r.addTime.toString());
        case "update_time" -> n.put(code, r.updateTime.toString());
        default -> {
          JsonNode v = r.data.get(code);
          if (v != null) {
            n.set(code, v);
          } else if (!f.contactSync()) {
            n.putNull(code);
          }
        }
      }
    }
    n.put("is_deleted", r.deleted);
    if (e.customFields) {
      ObjectNode custom = n.putObject("custom_fields");
      r.custom.properties().forEach(c -> {
        if (onlyCustom == null || onlyCustom.contains(c.getKey())) {
          custom.set(c.getKey(), c.getValue());
        }
      });
    }
    return n;
  }

  /** Every email (persons), lowercased; for the search by email. */
  static List<String> emails(Rec r) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : r.data.path("emails")) {
      String v = e.path("value").asText("");
      if (!v.isEmpty()) {
        out.add(v.toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  static boolean isDate(String s) {
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  static ObjectMapper mapper() {
    return Mappers.MAPPER;
  }

  private static final class Mappers {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }
}

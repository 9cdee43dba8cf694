package io.crmsync.testkit.sugarcrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The emulator's data: modules with their field definitions (vardefs) and records. Not thread-safe: the
 * emulator calls it under its lock.
 *
 * <p>Behaviour taken from SugarCRM's REST API reference (support.sugarcrm.com, Sugar Developer Guide, Integration
 * &gt; Web Services &gt; REST API &gt; Endpoints) and its in-product help pages; each rule cites its page.
 */
final class SugarStore {
  /** Sugar's format for datetimes in API responses: ISO 8601, to the second, with the user's offset. */
  static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);

  // Sugar validates each address saved through the email field and answers 422 invalid_parameter
  // "<address> is an invalid email address" (SugarFieldEmail::apiSave, Sugar 8+).
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  /** Fields every module has, that the API computes: writes to them are ignored. */
  static final List<String> SYSTEM_FIELDS =
      List.of("id", "date_entered", "date_modified", "modified_user_id", "created_by", "deleted");

  record FieldDef(
      String name,
      String type,
      int len,
      boolean required,
      boolean readonly,
      String source,
      @Nullable String module,
      List<String> options) {
    FieldDef {
      options = List.copyOf(options);
    }

    boolean custom() {
      return source.equals("custom_fields");
    }

    boolean writable() {
      return !readonly && !source.equals("non-db") && !SYSTEM_FIELDS.contains(name);
    }
  }

  static final class Rec {
    final String id;
    final Map<String, JsonNode> values = new LinkedHashMap<>();
    final List<String> emails = new ArrayList<>();
    Instant entered;
    Instant modified;
    boolean deleted;

    Rec(String id, Instant now) {
      this.id = id;
      this.entered = now;
      this.modified = now;
    }
  }

  static final class Module {
    final String name;
    final Map<String, FieldDef> fields = new LinkedHashMap<>();
    final Map<String, Rec> records = new LinkedHashMap<>();
    /** Record ids by upper-cased email address, as Sugar's email_addresses table is indexed by email_address_caps. */
    final Map<String, java.util.Set<String>> byEmail = new java.util.HashMap<>();

    Module(String name) {
      this.name = name;
    }

    void define(FieldDef f) {
      fields.put(f.name(), f);
    }

    @Nullable Rec live(String id) {
      Rec r = records.get(id);
      return r == null || r.deleted ? null : r;
    }
  }

  /** A request Sugar refuses: its status, {@code error} label and {@code error_message}. */
  static final class SugarError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String label;

    SugarError(int status, String label, String message) {
      super(message, null, false, false);
      this.status = status;
      this.label = label;
    }
  }

  private final Map<String, Module> modules = new LinkedHashMap<>();
  /** The normalised values of the {@code $in} operands of the query being evaluated, by operand node. */
  private final Map<JsonNode, java.util.Set<String>> inOperands = new java.util.IdentityHashMap<>();
  private final SplittableRandom random;
  private final ObjectMapper json;

  SugarStore(ObjectMapper json, long seed) {
    this.json = json;
    this.random = new SplittableRandom(seed);
    defineStandardModules();
  }

  // ------------------------------------------------------------------------------------------ schema

  private static FieldDef text(String name, int len) {
    return new FieldDef(name, "varchar", len, false, false, "db", null, List.of());
  }

  private static FieldDef of(String name, String type, int len, boolean required, boolean readonly, String source,
      @Nullable String module, List<String> options) {
    return new FieldDef(name, type, len, required, readonly, source, module, options);
  }

  /**
   * Contacts and Accounts with a subset of Sugar's stock vardefs: the fields listed in the record examples of
   * https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_13.0/Integration/Web_Services/REST_API/Endpoints/module_GET/
   * (names, types and lengths as Sugar's vardefs have them).
   */
  private void defineStandardModules() {
    Module contacts = defineModule("Contacts");
    contacts.define(of("name", "fullname", 510, false, true, "non-db", null, List.of()));
    contacts.define(of("full_name", "fullname", 510, false, true, "non-db", null, List.of()));
    contacts.define(of("salutation", "enum", 255, false, false, "db", null, List.of("", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")));
    contacts.define(text("first_name", 100));
    contacts.define(of("last_name", "varchar", 100, true, false, "db", null, List.of()));
    contacts.define(text("title", 100));
    contacts.define(text("department", 255));
    contacts.define(of("phone_work", "phone", 100, false, false, "db", null, List.of()));
    contacts.define(of("phone_mobile", "phone", 100, false, false, "db", null, List.of()));
    contacts.define(of("phone_home", "phone", 100, false, false, "db", null, List.of()));
    contacts.define(of("email", "email", 0, false, false, "non-db", null, List.of()));
    contacts.define(of("email1", "varchar", 100, false, true, "non-db", null, List.of()));
    contacts.define(of("do_not_call", "bool", 0, false, false, "db", null, List.of()));
    contacts.define(text("primary_address_street", 150));
    contacts.define(text("primary_address_city", 100));
    contacts.define(text("primary_address_state", 100));
    contacts.define(text("primary_address_postalcode", 20));
    contacts.define(text("primary_address_country", 255));
    contacts.define(of("lead_source", "enum", 255, false, false, "db", null,
        List.of("", "Cold Call", "Existing Customer", "Self Generated", "Employee", "Partner", "Public Relations",
            "Direct Mail", "Conference", "Trade Show", "Web Site", "Word of mouth", "Email", "Campaign", "Other")));
    contacts.define(of("account_name", "relate", 255, false, false, "non-db", "Accounts", List.of()));
    contacts.define(of("account_id", "relate", 36, false, false, "non-db", "Accounts", List.of()));
    defineCommon(contacts);

    Module accounts = defineModule("Accounts");
    accounts.define(of("name", "name", 150, true, false, "db", null, List.of()));
    accounts.define(of("account_type", "enum", 50, false, false, "db", null,
        List.of("", "Analyst", "Competitor", "Customer", "Integrator", "Investor", "Partner", "Press", "Prospect",
            "Reseller", "Other")));
    accounts.define(of("industry", "enum", 50, false, false, "db", null,
        List.of("", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction", "Consulting",
            "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
            "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
            "Not For Profit", "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
            "Utilities", "Other")));
    accounts.define(of("website", "url", 255, false, false, "db", null, List.of()));
    accounts.define(of("phone_office", "phone", 100, false, false, "db", null, List.of()));
    accounts.define(of("email", "email", 0, false, false, "non-db", null, List.of()));
    accounts.define(text("billing_address_street", 150));
    accounts.define(text("billing_address_city", 100));
    accounts.define(text("billing_address_state", 100));
    accounts.define(text("billing_address_postalcode", 20));
    accounts.define(text("billing_address_country", 255));
    accounts.define(text("employees", 10));
    accounts.define(of("annual_revenue", "varchar", 100, false, false, "db", null, List.of()));
    defineCommon(accounts);
  }

  /** The fields every Sugar module has (id, dates, owner, the sync key of Sugar 10.2+). */
  private static void defineCommon(Module m) {
    m.define(of("id", "id", 36, false, true, "db", null, List.of()));
    m.define(of("date_entered", "datetime", 0, false, true, "db", null, List.of()));
    m.define(of("date_modified", "datetime", 0, false, true, "db", null, List.of()));
    m.define(of("modified_user_id", "id", 36, false, true, "db", "Users", List.of()));
    m.define(of("created_by", "id", 36, false, true, "db", "Users", List.of()));
    m.define(of("description", "text", 0, false, false, "db", null, List.of()));
    m.define(of("deleted", "bool", 0, false, true, "db", null, List.of()));
    m.define(of("assigned_user_id", "relate", 36, false, false, "db", "Users", List.of()));
    m.define(of("assigned_user_name", "relate", 255, false, true, "non-db", "Users", List.of()));
    // https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_10.2/Integration/Web_Services/REST_API/Endpoints/modulesync_keysync_key_field_value_PATCH/
    m.define(of("sync_key", "varchar", 100, false, false, "db", null, List.of()));
  }

  Module defineModule(String name) {
    Module m = modules.get(name);
    if (m == null) {
      m = new Module(name);
      modules.put(name, m);
      if (!name.equals("Contacts") && !name.equals("Accounts")) {
        m.define(of("name", "name", 255, true, false, "db", null, List.of()));
        defineCommon(m);
      }
    }
    return m;
  }

  /**
   * A custom field, stored in the module's {@code _cstm} table as Sugar does: its name ends in {@code _c} and
   * its source is {@code custom_fields}.
   */
  void defineCustomField(String module, String name, String type, List<String> options) {
    if (!name.endsWith("_c")) {
      throw new IllegalArgumentException("Sugar's custom field names end in _c: " + name);
    }
    defineModule(module).define(of(name, type, type.equals("varchar") ? 255 : 0, false, false, "custom_fields", null,
        options));
  }

  @Nullable Module module(String name) {
    return modules.get(name);
  }

  List<String> moduleNames() {
    return List.copyOf(modules.keySet());
  }

  String newId() {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  // ------------------------------------------------------------------------------------------ writes

  /**
   * Applies {@code body} to {@code r} as Sugar's ModuleApi does: fields the module defines and that are
   * writable are set; anything else (unknown names, computed fields) is ignored without an error, as
   * {@code SugarApi::updateBean} only walks the module's field definitions.
   */
  void apply(Module m, Rec r, JsonNode body, Instant now) {
    if (!body.isObject()) {
      throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
    }
    List<String> emails = null;
    Map<String, JsonNode> changes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : body.properties()) {
      FieldDef f = m.fields.get(e.getKey());
      if (f == null) {
        continue;
      }
      if (f.type().equals("email")) {
        // SugarFieldEmail::apiSave: a value that is not an array is ignored; each address is validated
        if (!e.getValue().isArray()) {
          continue;
        }
        emails = new ArrayList<>();
        String primary = null;
        for (JsonNode a : e.getValue()) {
          String address = a.path("email_address").asText("").strip();
          if (address.isEmpty()) {
            continue;
          }
          if (!EMAIL.matcher(address).matches()) {
            throw new SugarError(422, "invalid_parameter", address + " is an invalid email address");
          }
          if (a.path("primary_address").asBoolean(false) && primary == null) {
            primary = address;
          } else {
            emails.add(address);
          }
        }
        if (primary != null) {
          emails.add(0, primary);
        }
        continue;
      }
      if (f.name().equals("account_id")) {
        changes.put("account_id", e.getValue());
        continue;
      }
      if (!f.writable()) {
        continue;
      }
      changes.put(f.name(), e.getValue());
    }
    for (Map.Entry<String, JsonNode> c : changes.entrySet()) {
      JsonNode v = c.getValue();
      if (v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
        r.values.remove(c.getKey());
      } else {
        r.values.put(c.getKey(), v.isValueNode() || v.isArray() ? v : json.getNodeFactory().textNode(v.toString()));
      }
    }
    if (emails != null) {
      for (String e : r.emails) {
        java.util.Set<String> ids = m.byEmail.get(e.toUpperCase(Locale.ROOT));
        if (ids != null) {
          ids.remove(r.id);
        }
      }
      r.emails.clear();
      r.emails.addAll(emails);
      for (String e : r.emails) {
        m.byEmail.computeIfAbsent(e.toUpperCase(Locale.ROOT), k -> new java.util.LinkedHashSet<>()).add(r.id);
      }
    }
    // every save sets date_modified, whether or not a value changed (SugarBean::save)
    r.modified = now.truncatedTo(ChronoUnit.SECONDS);
  }

  Rec create(Module m, JsonNode body, Instant now) {
    Rec r = new Rec(newId(), now.truncatedTo(ChronoUnit.SECONDS));
    m.records.put(r.id, r);
    try {
      apply(m, r, body, r.modified);
    } catch (SugarError e) {
      m.records.remove(r.id);
      throw e;
    }
    return r;
  }

  /**
   * The records a filter can match, when it is a single condition on {@code email} that the index answers
   * ({@code $equals} or {@code $in}); else every record. The filter is still evaluated on each.
   */
  java.util.Collection<Rec> candidates(Module m, JsonNode filter) {
    if (!filter.isArray() || filter.size() != 1 || !filter.get(0).isObject() || filter.get(0).size() != 1
        || !filter.get(0).has("email")) {
      return m.records.values();
    }
    JsonNode spec = filter.get(0).get("email");
    List<JsonNode> values = new ArrayList<>();
    if (spec.isValueNode()) {
      values.add(spec);
    } else if (spec.isObject() && spec.size() == 1 && spec.has("$equals") && spec.get("$equals").isValueNode()) {
      values.add(spec.get("$equals"));
    } else if (spec.isObject() && spec.size() == 1 && spec.has("$in") && spec.get("$in").isArray()) {
      spec.get("$in").forEach(values::add);
    } else {
      return m.records.values();
    }
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    for (JsonNode v : values) {
      ids.addAll(m.byEmail.getOrDefault(v.asText().toUpperCase(Locale.ROOT), java.util.Set.of()));
    }
    List<Rec> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      out.add(m.records.get(id));
    }
    return out;
  }

  @Nullable Rec bySyncKey(Module m, String value) {
    for (Rec r : m.records.values()) {
      JsonNode k = r.values.get("sync_key");
      if (!r.deleted && k != null && k.asText().equals(value)) {
        return r;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------- reads

  /** A record as the API formats it, with {@code fields} (all when null) and the fields Sugar always adds. */
  ObjectNode format(Module m, Rec r, @Nullable List<String> fields, ZoneId zone) {
    ObjectNode o = json.createObjectNode();
    o.put("id", r.id);
    List<String> names = fields == null ? new ArrayList<>(m.fields.keySet()) : fields;
    for (String name : names) {
      FieldDef f = m.fields.get(name);
      if (f == null || name.equals("id")) {
        continue; // "fields that aren't in field defs are removed" (FilterApi)
      }
      o.set(name, value(m, r, f, zone));
    }
    // "The field date_modified will always be returned." (/<module>/filter POST, fields argument)
    o.put("date_modified", DATETIME.format(r.modified.atZone(zone)));
    o.putObject("_acl").putObject("fields");
    o.put("_module", m.name);
    return o;
  }

  private JsonNode value(Module m, Rec r, FieldDef f, ZoneId zone) {
    var nf = json.getNodeFactory();
    switch (f.name()) {
      case "id":
        return nf.textNode(r.id);
      case "date_entered":
        return nf.textNode(DATETIME.format(r.entered.atZone(zone)));
      case "date_modified":
        return nf.textNode(DATETIME.format(r.modified.atZone(zone)));
      case "deleted":
        return nf.booleanNode(r.deleted);
      case "modified_user_id", "created_by":
        return nf.textNode("1");
      case "name", "full_name":
        if (m.name.equals("Contacts")) {
          String full = (text(r, "first_name") + " " + text(r, "last_name")).strip();
          return nf.textNode(full);
        }
        break;
      case "email1":
        return nf.textNode(r.emails.isEmpty() ? "" : r.emails.get(0));
      case "account_name": {
        JsonNode account = r.values.get("account_id");
        Module accounts = modules.get("Accounts");
        Rec a = account == null || accounts == null ? null : accounts.live(account.asText());
        return nf.textNode(a == null ? "" : text(a, "name"));
      }
      default:
        break;
    }
    if (f.type().equals("email")) {
      ArrayNode list = nf.arrayNode();
      for (int i = 0; i < r.emails.size(); i++) {
        list.addObject().put("email_address", r.emails.get(i)).put("opt_out", false).put("invalid_email", false)
            .put("primary_address", i == 0).put("reply_to_address", false);
      }
      return list;
    }
    JsonNode v = r.values.get(f.name());
    if (v == null) {
      return f.type().equals("bool") ? nf.booleanNode(false) : nf.textNode("");
    }
    return v;
  }

  private static String text(Rec r, String field) {
    JsonNode v = r.values.get(field);
    return v == null ? "" : v.asText();
  }

  // ------------------------------------------------------------------------------------------ filters

  /**
   * Whether {@code r} matches a filter definition (an array of expressions joined with AND). Operators and
   * their semantics as listed on
   * https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_13.0/Integration/Web_Services/REST_API/Endpoints/module_filter_POST/
   * ; an unknown field or operator is refused with 422 invalid_parameter, as FilterApi does.
   */
  boolean matches(Module m, Rec r, JsonNode filter) {
    if (inOperands.size() > 64) {
      inOperands.clear();
    }
    if (!filter.isArray()) {
      throw new SugarError(422, "invalid_parameter", "Unexpected filter type " + filter.getNodeType().toString().toLowerCase(Locale.ROOT) + ".");
    }
    for (JsonNode def : filter) {
      if (!def.isObject()) {
        throw new SugarError(422, "invalid_parameter", "Did not recognize the definition: " + def);
      }
      for (Map.Entry<String, JsonNode> e : def.properties()) {
        if (!matchesOne(m, r, e.getKey(), e.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean matchesOne(Module m, Rec r, String field, JsonNode spec) {
    if (field.equals("$or") || field.equals("$and")) {
      if (!spec.isArray()) {
        throw new SugarError(422, "invalid_parameter", "Did not recognize the definition: " + spec);
      }
      boolean or = field.equals("$or");
      for (JsonNode sub : spec) {
        JsonNode wrapped = json.createArrayNode().add(sub);
        boolean hit = matches(m, r, wrapped);
        if (or && hit) {
          return true;
        }
        if (!or && !hit) {
          return false;
        }
      }
      return !or;
    }
    if (field.startsWith("$")) {
      throw new SugarError(422, "invalid_parameter", "Did not recognize the operand: " + field);
    }
    FieldDef f = m.fields.get(field);
    if (f == null) {
      throw new SugarError(422, "invalid_parameter", "Unknown field " + field);
    }
    if (!spec.isObject()) {
      return test(m, r, f, "$equals", spec);
    }
    for (Map.Entry<String, JsonNode> op : spec.properties()) {
      if (!test(m, r, f, op.getKey(), op.getValue())) {
        return false;
      }
    }
    return true;
  }

  private boolean test(Module m, Rec r, FieldDef f, String op, JsonNode operand) {
    List<String> values = new ArrayList<>();
    if (f.type().equals("email")) {
      // the email field filters on every address of the record, ignoring case (email_address_caps)
      for (String e : r.emails) {
        values.add(e.toUpperCase(Locale.ROOT));
      }
    } else {
      values.add(comparable(f, value(m, r, f, ZoneOffset.UTC)));
    }
    boolean email = f.type().equals("email");
    switch (op) {
      case "$is_null", "$empty":
        return values.isEmpty() || values.stream().allMatch(String::isEmpty);
      case "$not_null", "$not_empty":
        return !values.isEmpty() && values.stream().anyMatch(v -> !v.isEmpty());
      case "$in", "$not_in": {
        if (!operand.isArray()) {
          throw new SugarError(422, "invalid_parameter", op + " requires an array");
        }
        java.util.Set<String> wanted = inOperands.computeIfAbsent(operand, o -> {
          java.util.Set<String> set = new java.util.HashSet<>();
          o.forEach(v -> set.add(operandValue(f, v, email)));
          return set;
        });
        boolean any = values.stream().anyMatch(wanted::contains);
        return op.equals("$in") == any;
      }
      case "$between", "$dateBetween": {
        if (!operand.isArray() || operand.size() != 2) {
          throw new SugarError(422, "invalid_parameter", "$between requires an array with two values.");
        }
        String lo = operandValue(f, operand.get(0), email);
        String hi = operandValue(f, operand.get(1), email);
        return values.stream().anyMatch(v -> compare(f, v, lo) >= 0 && compare(f, v, hi) <= 0);
      }
      default:
        break;
    }
    String o = operandValue(f, operand, email);
    return switch (op) {
      case "$equals" -> values.stream().anyMatch(v -> compare(f, v, o) == 0);
      case "$not_equals" -> values.stream().noneMatch(v -> compare(f, v, o) == 0);
      case "$starts" -> values.stream().anyMatch(v -> v.startsWith(o));
      case "$ends" -> values.stream().anyMatch(v -> v.endsWith(o));
      case "$contains" -> values.stream().anyMatch(v -> v.contains(o));
      case "$not_contains" -> values.stream().noneMatch(v -> v.contains(o));
      case "$lt" -> values.stream().anyMatch(v -> !v.isEmpty() && compare(f, v, o) < 0);
      case "$lte" -> values.stream().anyMatch(v -> !v.isEmpty() && compare(f, v, o) <= 0);
      case "$gt" -> values.stream().anyMatch(v -> !v.isEmpty() && compare(f, v, o) > 0);
      case "$gte" -> values.stream().anyMatch(v -> !v.isEmpty() && compare(f, v, o) >= 0);
      default -> throw new SugarError(422, "invalid_parameter", "Did not recognize the operand: " + op);
    };
  }

  private String operandValue(FieldDef f, JsonNode operand, boolean email) {
    if (!operand.isValueNode()) {
      throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
    }
    String v = operand.asText();
    if (email) {
      return v.toUpperCase(Locale.ROOT);
    }
    if (f.type().equals("datetime") || f.type().equals("datetimecombo")) {
      return instantText(v);
    }
    return v;
  }

  /** Datetime filter values: ISO 8601 with an offset, or a date (its start, UTC), compared to the second. */
  private static String instantText(String v) {
    try {
      return OffsetDateTime.parse(v, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
      } catch (DateTimeParseException e2) {
        throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
      }
    }
  }

  private static String comparable(FieldDef f, JsonNode v) {
    String s = v.isNull() ? "" : v.asText();
    if (!s.isEmpty() && (f.type().equals("datetime") || f.type().equals("datetimecombo"))) {
      return instantText(s);
    }
    return s;
  }

  private static int compare(FieldDef f, String a, String b) {
    if (f.type().equals("int") || f.type().equals("decimal") || f.type().equals("currency")) {
      try {
        return new java.math.BigDecimal(a).compareTo(new java.math.BigDecimal(b));
      } catch (NumberFormatException e) {
        // fall through to text
      }
    }
    return a.compareTo(b);
  }

  /** Sorts by {@code order_by} ("field:DIR,..."), Sugar's default being date_modified descending. */
  Comparator<Rec> order(Module m, @Nullable String orderBy) {
    String spec = orderBy == null || orderBy.isBlank() ? "date_modified:DESC" : orderBy;
    Comparator<Rec> c = null;
    for (String part : spec.split(",")) {
      String[] fd = part.strip().split(":");
      String field = fd[0].strip();
      boolean desc = fd.length > 1 && fd[1].strip().equalsIgnoreCase("DESC");
      FieldDef f = m.fields.get(field);
      if (f == null) {
        throw new SugarError(422, "invalid_parameter", "Unknown field " + field);
      }
      Comparator<Rec> one = Comparator.comparing(r -> comparable(f, value(m, r, f, ZoneOffset.UTC)));
      if (field.equals("date_modified")) {
        one = Comparator.comparing(r -> r.modified);
      }
      if (desc) {
        one = one.reversed();
      }
      c = c == null ? one : c.thenComparing(one);
    }
    return Objects.requireNonNull(c).thenComparing(r -> r.id);
  }
}

package io.crmsync.testkit.salesforce;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The emulated org's data: schemas and records, with Salesforce's write and query semantics. Thread-safe. */
final class Org {
  static final String USER_PREFIX = "005";
  static final String USER_ID = "005000000000001AAA";
  /** Salesforce processes writes in chunks of this many records, Bulk API jobs included. */
  static final int CHUNK = 200;

  /** One error of a record's write, as Salesforce reports it. */
  record ErrorItem(String statusCode, String message, List<String> fields) {}

  /** The outcome of one record's write. */
  record WriteResult(@Nullable String id, boolean success, boolean created, List<ErrorItem> errors) {
    static WriteResult failed(ErrorItem... errors) {
      return new WriteResult(null, false, false, List.of(errors));
    }
  }

  /** A failure of a whole request: an HTTP status and one Salesforce error. */
  static final class RequestError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    RequestError(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private final ObjectMapper mapper;
  private final TimeSource time;
  private final Map<String, SObjectSchema> schemas = new LinkedHashMap<>();
  private final Map<String, TreeMap<String, Map<String, Object>>> data = new HashMap<>();
  /** Live records by sObject, idLookup field and normalised value, so upserts match without scanning. */
  private final Map<String, Map<String, Map<String, java.util.Set<String>>>> lookups = new HashMap<>();
  private final Map<String, String> users = new LinkedHashMap<>(Map.of(USER_ID, "integration@example.com"));
  private long nextId = 2;

  Org(ObjectMapper mapper, TimeSource time) {
    this.mapper = mapper;
    this.time = time;
  }

  synchronized void addSchema(SObjectSchema s) {
    schemas.put(s.name.toLowerCase(Locale.ROOT), s);
    data.computeIfAbsent(s.name.toLowerCase(Locale.ROOT), k -> new TreeMap<>());
  }

  synchronized @Nullable SObjectSchema schemaOrNull(String type) {
    return schemas.get(type.toLowerCase(Locale.ROOT));
  }

  synchronized Collection<SObjectSchema> schemas() {
    return List.copyOf(schemas.values());
  }

  SObjectSchema schema(String type) throws RequestError {
    SObjectSchema s = schemaOrNull(type);
    if (s == null) {
      throw new RequestError(404, "NOT_FOUND", "The requested resource does not exist");
    }
    return s;
  }

  private TreeMap<String, Map<String, Object>> table(SObjectSchema s) {
    return data.get(s.name.toLowerCase(Locale.ROOT));
  }

  /** A new 18-character id of the object with key prefix {@code prefix}. */
  synchronized String newId(String prefix) {
    return Ids.of(prefix + String.format(Locale.ROOT, "%012d", nextId++));
  }

  /** Copies of the live (not deleted) records of {@code type}, by Salesforce field name. */
  synchronized List<Map<String, Object>> records(String type, boolean includeDeleted) {
    SObjectSchema s = schemaOrNull(type);
    if (s == null) {
      return List.of();
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> r : table(s).values()) {
      if (includeDeleted || !Boolean.TRUE.equals(r.get("IsDeleted"))) {
        out.add(new LinkedHashMap<>(r));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ writes

  /**
   * Upserts {@code rows} (Salesforce field names, any case) matching on {@code extField}, in chunks of {@value
   * #CHUNK} as Salesforce does; one result per row, in order.
   */
  synchronized List<WriteResult> upsert(String type, String extField, List<Map<String, Object>> rows, boolean csv)
      throws RequestError {
    SObjectSchema s = schema(type);
    FieldDef ext = s.field(extField);
    if (ext == null) {
      throw new RequestError(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: " + extField);
    }
    if (!ext.idLookup()) {
      throw new RequestError(400, "INVALID_FIELD",
          "Field name provided, " + ext.name() + " is not an External ID or indexed field for " + s.name);
    }
    List<Map<FieldDef, Object>> resolved = new ArrayList<>(rows.size());
    List<@Nullable ErrorItem> unknown = new ArrayList<>(rows.size());
    for (Map<String, Object> row : rows) {
      Map<FieldDef, Object> r = new LinkedHashMap<>();
      unknown.add(resolve(s, row, r));
      resolved.add(r);
    }
    List<WriteResult> results = new ArrayList<>(rows.size());
    for (int from = 0; from < resolved.size(); from += CHUNK) {
      int to = Math.min(resolved.size(), from + CHUNK);
      List<Map<FieldDef, Object>> chunk = resolved.subList(from, to);
      Map<String, Integer> seen = new HashMap<>();
      for (Map<FieldDef, Object> row : chunk) {
        String key = matchValue(ext, row.get(ext));
        if (key != null) {
          seen.merge(key, 1, Integer::sum);
        }
      }
      for (int k = from; k < to; k++) {
        Map<FieldDef, Object> row = resolved.get(k);
        String key = matchValue(ext, row.get(ext));
        if (unknown.get(k) != null) {
          results.add(WriteResult.failed(unknown.get(k)));
        } else if (key != null && seen.get(key) > 1) {
          results.add(WriteResult.failed(new ErrorItem("DUPLICATE_EXTERNAL_ID",
              "Duplicate external id specified: " + row.get(ext), List.of(ext.name()))));
        } else {
          results.add(upsertOne(s, ext, row, csv));
        }
      }
    }
    return results;
  }

  /**
   * Resolves the field names of {@code row} into {@code out}; a name the object does not have fails that record
   * alone: INVALID_FIELD "No such column 'X' on sobject of type Y", the restforce fixture write_error_response.json
   * (../shared/specs/salesforce/restforce-fixtures/sobject) and the sObject Collections page
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm:
   * "If an item was processed successfully, the success flag shows for that item. Error information is returned in
   * the errors array").
   *
   * @return the error of the record, or null
   */
  private @Nullable ErrorItem resolve(SObjectSchema s, Map<String, Object> row, Map<FieldDef, Object> out) {
    for (Map.Entry<String, Object> e : row.entrySet()) {
      if (e.getKey().equals("attributes")) {
        continue;
      }
      FieldDef f = s.field(e.getKey());
      if (f == null) {
        return new ErrorItem("INVALID_FIELD", "No such column '" + e.getKey() + "' on sobject of type " + s.name, List.of());
      }
      out.put(f, e.getValue() == null ? NULL : e.getValue());
    }
    return null;
  }

  private static final Object NULL = new Object();

  private static @Nullable String matchValue(FieldDef ext, @Nullable Object v) {
    if (v == null || v == NULL || v.toString().isEmpty() || v.toString().equals("#N/A")) {
      return null;
    }
    if (ext.type() == FieldType.ID) {
      String id = Ids.canonical(v.toString());
      return id != null ? id : v.toString();
    }
    return v.toString().toLowerCase(Locale.ROOT);
  }

  private WriteResult upsertOne(SObjectSchema s, FieldDef ext, Map<FieldDef, Object> row, boolean csv) {
    TreeMap<String, Map<String, Object>> table = table(s);
    String key = matchValue(ext, row.get(ext));
    Map<String, Object> existing = null;
    if (ext.type() == FieldType.ID) {
      if (key != null) {
        if (Ids.canonical(key) == null) {
          return WriteResult.failed(new ErrorItem("MALFORMED_ID",
              s.label + " ID: id value of incorrect type: " + key, List.of("Id")));
        }
        existing = liveById(table, key);
        if (existing == null) {
          return WriteResult.failed(new ErrorItem("NOT_FOUND", "The requested resource does not exist", List.of("Id")));
        }
      }
    } else {
      if (key == null) {
        return WriteResult.failed(new ErrorItem("MISSING_ARGUMENT", ext.name() + " not specified", List.of()));
      }
      java.util.Set<String> ids = index(s, ext).getOrDefault(key, java.util.Set.of());
      int matches = ids.size();
      if (matches == 1) {
        existing = table.get(ids.iterator().next());
      }
      if (matches > 1) {
        return WriteResult.failed(new ErrorItem("DUPLICATE_EXTERNAL_ID",
            "The external ID provided matches more than one record: " + matches + " " + s.name + " records have "
                + ext.name() + " = " + row.get(ext), List.of(ext.name())));
      }
    }
    boolean create = existing == null;
    List<ErrorItem> errors = new ArrayList<>();
    Map<String, Object> values = new LinkedHashMap<>();
    List<String> readOnly = new ArrayList<>();
    for (Map.Entry<FieldDef, Object> e : row.entrySet()) {
      FieldDef f = e.getKey();
      if (f.type() == FieldType.ID) {
        continue;
      }
      if (create ? !f.createable() : !f.updateable()) {
        readOnly.add(f.name());
        continue;
      }
      try {
        Object v = Values.coerce(f, e.getValue() == NULL ? null : e.getValue(), csv);
        if (v != Values.UNCHANGED) {
          if (f.type() == FieldType.REFERENCE && v != null) {
            checkReference(f, (String) v);
          }
          values.put(f.name(), v);
        }
      } catch (Values.Problem p) {
        errors.add(new ErrorItem(p.code, p.getMessage(), List.of(f.name())));
      }
    }
    if (!readOnly.isEmpty()) {
      errors.add(new ErrorItem("INVALID_FIELD_FOR_INSERT_UPDATE",
          "Unable to create/update fields: " + String.join(", ", readOnly)
              + ". Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
          readOnly));
    }
    List<String> missing = new ArrayList<>();
    for (FieldDef f : s.fields()) {
      boolean absent = create ? values.get(f.name()) == null : values.containsKey(f.name()) && values.get(f.name()) == null;
      if (f.requiredOnCreate() && absent) {
        missing.add(f.name());
      }
    }
    if (!missing.isEmpty()) {
      errors.add(new ErrorItem("REQUIRED_FIELD_MISSING", "Required fields are missing: " + missing, missing));
    }
    if (!errors.isEmpty()) {
      return new WriteResult(null, false, false, errors);
    }
    String stamp = Values.format(time.now());
    Map<String, Object> rec = existing;
    if (create) {
      rec = new LinkedHashMap<>();
      String id = newId(s.keyPrefix);
      rec.put("Id", id);
      rec.put("IsDeleted", false);
      rec.put("OwnerId", USER_ID);
      rec.put("CreatedDate", stamp);
      rec.put("CreatedById", USER_ID);
      table.put(id, rec);
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      FieldDef f = s.field(e.getKey());
      if (f != null && f.idLookup()) {
        unindex(s, f, rec);
      }
      if (e.getValue() == null) {
        rec.remove(e.getKey());
      } else {
        rec.put(e.getKey(), e.getValue());
      }
      if (f != null && f.idLookup()) {
        reindex(s, f, rec);
      }
    }
    if (s.name.equals("Contact")) {
      String name = ((rec.get("FirstName") == null ? "" : rec.get("FirstName") + " ") + rec.getOrDefault("LastName", "")).strip();
      rec.put("Name", name);
    }
    rec.put("LastModifiedDate", stamp);
    rec.put("LastModifiedById", USER_ID);
    rec.put("SystemModstamp", stamp);
    return new WriteResult((String) rec.get("Id"), true, create, List.of());
  }

  private Map<String, java.util.Set<String>> index(SObjectSchema s, FieldDef f) {
    return lookups.computeIfAbsent(s.name.toLowerCase(Locale.ROOT), k -> new HashMap<>())
        .computeIfAbsent(f.name(), k -> new HashMap<>());
  }

  private void unindex(SObjectSchema s, FieldDef f, Map<String, Object> rec) {
    String key = matchValue(f, rec.get(f.name()));
    if (key != null) {
      java.util.Set<String> ids = index(s, f).get(key);
      if (ids != null) {
        ids.remove((String) rec.get("Id"));
        if (ids.isEmpty()) {
          index(s, f).remove(key);
        }
      }
    }
  }

  private void reindex(SObjectSchema s, FieldDef f, Map<String, Object> rec) {
    String key = matchValue(f, rec.get(f.name()));
    if (key != null && !Boolean.TRUE.equals(rec.get("IsDeleted"))) {
      index(s, f).computeIfAbsent(key, k -> new java.util.LinkedHashSet<>()).add((String) rec.get("Id"));
    }
  }

  private static @Nullable Map<String, Object> liveById(TreeMap<String, Map<String, Object>> table, String id) {
    String full = Ids.canonical(id);
    Map<String, Object> r = full == null ? null : table.get(full);
    return r == null || Boolean.TRUE.equals(r.get("IsDeleted")) ? null : r;
  }

  /**
   * A well-formed id in a lookup must name a live record of the object the field refers to. An id of another
   * object is FIELD_INTEGRITY_EXCEPTION "id value of incorrect type"; an id of the right object that names no
   * record is INVALID_CROSS_REFERENCE_KEY. Salesforce Help, "Errors due to invalid IDs during Data Loader import
   * and update" (https://help.salesforce.com/s/articleView?id=000387915&type=1); the same codes are seen from the
   * REST API (https://salto.io/blog-posts/invalid-cross-reference-id). Owners are users: prefix 005.
   */
  private void checkReference(FieldDef f, String id) throws Values.Problem {
    String target = f.referenceTo();
    if (target == null) {
      return;
    }
    if (target.equals("User")) {
      if (!id.startsWith(USER_PREFIX)) {
        throw new Values.Problem("FIELD_INTEGRITY_EXCEPTION", f.label() + ": id value of incorrect type: " + id);
      }
      if (!users.containsKey(id)) {
        throw new Values.Problem("INVALID_CROSS_REFERENCE_KEY", f.label() + ": invalid cross reference id");
      }
      return;
    }
    SObjectSchema t = schemaOrNull(target);
    if (t == null) {
      return;
    }
    if (!id.startsWith(t.keyPrefix)) {
      throw new Values.Problem("FIELD_INTEGRITY_EXCEPTION", f.label() + ": id value of incorrect type: " + id);
    }
    if (liveById(table(t), id) == null) {
      throw new Values.Problem("INVALID_CROSS_REFERENCE_KEY", f.label() + ": invalid cross reference id");
    }
  }

  /** Adds an active user who can own records; returns its id. */
  synchronized String addUser(String username) {
    String id = newId(USER_PREFIX);
    users.put(id, username);
    return id;
  }

  synchronized Map<String, String> users() {
    return Map.copyOf(users);
  }

  /** Deletes (moves to the recycle bin) each id; one result per id, in order. */
  synchronized List<WriteResult> delete(List<String> ids) {
    List<WriteResult> out = new ArrayList<>();
    for (String id : ids) {
      String full = Ids.canonical(id);
      if (full == null) {
        // "Delete" operation error: MALFORMED_ID:bad id (https://help.salesforce.com/s/articleView?id=000387915&type=1)
        out.add(WriteResult.failed(new ErrorItem("MALFORMED_ID", "bad id " + id, List.of())));
        continue;
      }
      Map<String, Object> rec = null;
      for (SObjectSchema s : schemas.values()) {
        if (full.startsWith(s.keyPrefix)) {
          rec = table(s).get(full);
          if (rec != null) {
            break;
          }
        }
      }
      if (rec == null) {
        out.add(WriteResult.failed(new ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", List.of())));
      } else if (Boolean.TRUE.equals(rec.get("IsDeleted"))) {
        out.add(WriteResult.failed(new ErrorItem("ENTITY_IS_DELETED", "entity is deleted", List.of())));
      } else {
        SObjectSchema owner = schemaOf(full);
        if (owner != null) {
          for (FieldDef f : owner.fields()) {
            if (f.idLookup() && f.type() != FieldType.ID) {
              unindex(owner, f, rec);
            }
          }
        }
        String stamp = Values.format(time.now());
        rec.put("IsDeleted", true);
        rec.put("LastModifiedDate", stamp);
        rec.put("SystemModstamp", stamp);
        out.add(new WriteResult(full, true, false, List.of()));
      }
    }
    return out;
  }

  private @Nullable SObjectSchema schemaOf(String id) {
    for (SObjectSchema s : schemas.values()) {
      if (id.startsWith(s.keyPrefix) && table(s).containsKey(id)) {
        return s;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ queries

  /** Runs {@code soql}; {@code all} includes deleted records (queryAll). Returns the rendered records. */
  synchronized List<ObjectNode> query(String soql, boolean all, String version) throws RequestError {
    // "Maximum length of SOQL statements: By default, 100,000 characters" (SOQL and SOSL Limits,
    // https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm)
    if (soql.length() > 100_000) {
      throw new RequestError(400, "MALFORMED_QUERY", "SOQL statements cannot be longer than 100,000 characters");
    }
    Soql.Query q;
    try {
      q = Soql.parse(soql);
    } catch (Soql.SoqlException | IllegalArgumentException | java.time.DateTimeException e) {
      throw new RequestError(400, "MALFORMED_QUERY", e.getMessage());
    }
    SObjectSchema s = schemaOrNull(q.type());
    if (s == null) {
      throw new RequestError(400, "INVALID_TYPE",
          "\n" + soql + "\n^\nERROR at Row:1:Column:1\nsObject type '" + q.type() + "' is not supported.");
    }
    for (String path : q.select()) {
      checkPath(s, path);
    }
    List<String> whereFields = new ArrayList<>();
    if (q.where() != null) {
      q.where().fields(whereFields);
    }
    for (String path : whereFields) {
      checkPath(s, path);
    }
    for (Soql.OrderItem o : q.orderBy()) {
      checkPath(s, o.field());
    }
    Function<Map<String, Object>, Function<String, @Nullable Object>> reader = rec -> path -> read(s, rec, path);
    List<Map<String, Object>> hits = new ArrayList<>();
    for (Map<String, Object> rec : table(s).values()) {
      if (!all && Boolean.TRUE.equals(rec.get("IsDeleted"))) {
        continue;
      }
      if (q.where() == null || q.where().test(reader.apply(rec))) {
        hits.add(rec);
      }
    }
    if (!q.orderBy().isEmpty()) {
      hits.sort(Soql.comparator(q.orderBy(), reader));
    }
    List<ObjectNode> out = new ArrayList<>();
    for (Map<String, Object> rec : hits) {
      if (out.size() >= q.limit()) {
        break;
      }
      out.add(render(s, rec, q.select(), version));
    }
    return out;
  }

  private void checkPath(SObjectSchema s, String path) throws RequestError {
    int dot = path.indexOf('.');
    if (dot < 0) {
      if (s.field(path) == null) {
        throw invalidField(s, path);
      }
      return;
    }
    FieldDef rel = s.relationship(path.substring(0, dot));
    SObjectSchema target = rel == null || rel.referenceTo() == null ? null : schemaOrNull(rel.referenceTo());
    if (target == null || target.field(path.substring(dot + 1)) == null) {
      throw invalidField(s, path);
    }
  }

  private static RequestError invalidField(SObjectSchema s, String path) {
    return new RequestError(400, "INVALID_FIELD",
        "\nSELECT " + path + " FROM " + s.name + "\n       ^\nERROR at Row:1:Column:8\nNo such column '" + path
            + "' on entity '" + s.name + "'. If you are attempting to use a custom field, be sure to append the '__c'"
            + " after the custom field name. Please reference your WSDL or the describe call for the appropriate names.");
  }

  private @Nullable Object read(SObjectSchema s, Map<String, Object> rec, String path) {
    int dot = path.indexOf('.');
    if (dot < 0) {
      FieldDef f = s.field(path);
      return f == null ? null : rec.get(f.name());
    }
    FieldDef rel = s.relationship(path.substring(0, dot));
    if (rel == null || rel.referenceTo() == null) {
      return null;
    }
    Object id = rec.get(rel.name());
    SObjectSchema target = schemaOrNull(rel.referenceTo());
    if (id == null || target == null) {
      return null;
    }
    Map<String, Object> parent = table(target).get(id.toString());
    FieldDef f = target.field(path.substring(dot + 1));
    return parent == null || f == null ? null : parent.get(f.name());
  }

  private ObjectNode render(SObjectSchema s, Map<String, Object> rec, List<String> select, String version) {
    ObjectNode n = mapper.createObjectNode();
    ObjectNode attrs = n.putObject("attributes");
    attrs.put("type", s.name);
    attrs.put("url", "/services/data/v" + version + "/sobjects/" + s.name + "/" + rec.get("Id"));
    for (String path : select) {
      int dot = path.indexOf('.');
      if (dot < 0) {
        FieldDef f = s.field(path);
        put(n, f == null ? path : f.name(), rec.get(f == null ? path : f.name()));
        continue;
      }
      FieldDef rel = s.relationship(path.substring(0, dot));
      String relName = rel == null || rel.relationshipName() == null ? path.substring(0, dot) : rel.relationshipName();
      SObjectSchema target = rel == null || rel.referenceTo() == null ? null : schemaOrNull(rel.referenceTo());
      Object parentId = rel == null ? null : rec.get(rel.name());
      Map<String, Object> parent = target == null || parentId == null ? null : table(target).get(parentId.toString());
      if (parent == null) {
        if (!n.has(relName)) {
          n.putNull(relName);
        }
        continue;
      }
      ObjectNode p = n.has(relName) && n.get(relName).isObject() ? (ObjectNode) n.get(relName) : n.putObject(relName);
      if (!p.has("attributes")) {
        ObjectNode pa = p.putObject("attributes");
        pa.put("type", target.name);
        pa.put("url", "/services/data/v" + version + "/sobjects/" + target.name + "/" + parentId);
      }
      FieldDef f = target.field(path.substring(dot + 1));
      put(p, f.name(), parent.get(f.name()));
    }
    return n;
  }

  private static void put(ObjectNode n, String name, @Nullable Object v) {
    if (v == null) {
      n.putNull(name);
    } else if (v instanceof Boolean b) {
      n.put(name, b);
    } else if (v instanceof Long l) {
      n.put(name, l);
    } else if (v instanceof BigDecimal d) {
      n.put(name, d);
    } else {
      n.put(name, v.toString());
    }
  }

  /** The JSON of write results, as sObject Collections returns them. */
  ArrayNode renderResults(List<WriteResult> results, boolean upsert) {
    ArrayNode out = mapper.createArrayNode();
    for (WriteResult r : results) {
      ObjectNode n = out.addObject();
      if (r.id() != null) {
        n.put("id", r.id());
      } else if (!upsert) {
        n.putNull("id");
      }
      n.put("success", r.success());
      ArrayNode errors = n.putArray("errors");
      for (ErrorItem e : r.errors()) {
        ObjectNode en = errors.addObject();
        en.put("statusCode", e.statusCode());
        en.put("message", e.message());
        ArrayNode fs = en.putArray("fields");
        e.fields().forEach(fs::add);
      }
      if (upsert && r.success()) {
        n.put("created", r.created());
      }
    }
    return out;
  }

  synchronized long count(String type) {
    SObjectSchema s = schemaOrNull(type);
    return s == null ? 0 : table(s).values().stream().filter(r -> !Boolean.TRUE.equals(r.get("IsDeleted"))).count();
  }
}

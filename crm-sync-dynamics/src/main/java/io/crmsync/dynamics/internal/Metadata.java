package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.dynamics.OData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * Table definitions, read from {@code EntityDefinitions} and cached for {@code describeTtl}
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api): the table's entity
 * set, primary key and change tracking; its columns ({@code Attributes}, with the options of choice columns); its
 * active alternate keys ({@code Keys}); the navigation property each lookup is bound through ({@code
 * ManyToOneRelationships}). Thread-safe.
 */
public final class Metadata {
  /** The column types the adapter reads and writes; others (images, files, party lists, virtual columns) are skipped. */
  static final Set<String> SUPPORTED = Set.of("String", "Memo", "Integer", "BigInt", "Decimal", "Double", "Money", "Boolean",
      "DateTime", "Picklist", "State", "Status", "Lookup", "Customer", "Owner", "Uniqueidentifier");

  /** One column's definition. */
  public record Column(
      String logicalName,
      String type,
      int maxLength,
      String format,
      String requiredLevel,
      boolean validForCreate,
      boolean validForUpdate,
      boolean custom,
      List<String> targets,
      List<String> options) {

    public boolean isLookup() {
      return type.equals("Lookup") || type.equals("Customer") || type.equals("Owner");
    }

    public boolean isText() {
      return type.equals("String") || type.equals("Memo");
    }

    /** The Web API property: {@code _x_value} for lookups, the logical name otherwise. */
    public String property() {
      return isLookup() ? "_" + logicalName + "_value" : logicalName;
    }

    /** Whether an upsert may set it: it must be valid for both create and update, as either may happen. */
    public boolean writable() {
      return validForCreate && validForUpdate;
    }

    public boolean isEmail() {
      return format.equals("Email");
    }
  }

  /** One table's definition. */
  public record Table(
      String logicalName,
      String entitySet,
      String primaryId,
      String primaryName,
      boolean changeTracking,
      Map<String, Column> columns,
      List<List<String>> keys,
      Map<String, String> navigation) {

    public @Nullable Column column(String logical) {
      return columns.get(logical);
    }

    /** The active alternate key made of exactly these columns (in any order), or null. */
    public @Nullable List<String> key(List<String> cols) {
      for (List<String> k : keys) {
        if (k.size() == cols.size() && k.containsAll(cols)) {
          return k;
        }
      }
      return null;
    }

    /** The navigation property that binds {@code column} to a row of {@code target}. */
    public String navigation(String column, String target) {
      String nav = navigation.get(column + "|" + target);
      if (nav != null) {
        return nav;
      }
      Column c = columns.get(column);
      return c != null && c.targets().size() == 1 ? column : column + "_" + target;
    }
  }

  private final String crm;
  private final DataverseClient client;
  private final Cache<String, Table> tables;
  private final Cache<String, String> entitySets;

  public Metadata(String crm, DataverseClient client, TimeSource time, java.time.Duration ttl) {
    this.crm = crm;
    this.client = client;
    this.tables = Caffeine.newBuilder().maximumSize(500).expireAfterWrite(ttl).ticker(() -> nanos(time.now())).build();
    this.entitySets = Caffeine.newBuilder().maximumSize(2_000).expireAfterWrite(ttl).ticker(() -> nanos(time.now())).build();
  }

  private static long nanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }

  public void invalidateAll() {
    tables.invalidateAll();
    entitySets.invalidateAll();
  }

  /** The table with this logical name. */
  public Table byLogicalName(String logicalName) {
    return tables.get("logical:" + logicalName, k -> load(OData.quote(logicalName), true));
  }

  /** The table with this entity set name. */
  public Table byEntitySet(String entitySet) {
    return tables.get("set:" + entitySet, k -> load(OData.quote(entitySet), false));
  }

  /** The entity set name of a table, for {@code @odata.bind} values. */
  public String entitySet(String logicalName) {
    String known = switch (logicalName) {
      case "account" -> "accounts";
      case "contact" -> "contacts";
      case "systemuser" -> "systemusers";
      case "team" -> "teams";
      default -> null;
    };
    if (known != null) {
      return known;
    }
    return entitySets.get(logicalName, l -> {
      JsonNode value = list(ODataUrl.at(client.apiRoot()).path("EntityDefinitions")
          .option("$select", "LogicalName,EntitySetName")
          .option("$filter", "LogicalName eq " + OData.quote(l)).build(), "table definitions");
      if (value.isEmpty() || !value.get(0).path("EntitySetName").isTextual()) {
        throw new CrmRequestException(crm, 404, null, "Dataverse has no table whose logical name is '" + l + "'", List.of(), null);
      }
      return value.get(0).get("EntitySetName").asText();
    });
  }

  private Table load(String literal, boolean byLogical) {
    HttpUrl root = client.apiRoot();
    JsonNode defs = list(ODataUrl.at(root).path("EntityDefinitions")
        .option("$select", "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled")
        .option("$filter", (byLogical ? "LogicalName" : "EntitySetName") + " eq " + literal).build(), "table definitions");
    if (defs.isEmpty()) {
      throw new CrmRequestException(crm, 404, null, "Dataverse has no table whose " + (byLogical ? "logical name" : "entity set name")
          + " is " + literal, List.of(), null);
    }
    JsonNode d = defs.get(0);
    String logical = text(d, "LogicalName");
    String set = text(d, "EntitySetName");
    String primaryId = text(d, "PrimaryIdAttribute");
    String primaryName = d.path("PrimaryNameAttribute").asText("");
    boolean tracking = d.path("ChangeTrackingEnabled").asBoolean(false);
    HttpUrl def = ODataUrl.at(root).path("EntityDefinitions(LogicalName=" + OData.quote(logical) + ")").build();

    Map<String, List<String>> options = new LinkedHashMap<>();
    Map<String, Column> columns = new LinkedHashMap<>();
    boolean choices = false;
    boolean lookups = false;
    for (JsonNode a : list(ODataUrl.at(def).path("Attributes").build(), "column definitions")) {
      String type = a.path("AttributeType").asText("");
      if (!SUPPORTED.contains(type) || (a.hasNonNull("AttributeOf") && !a.path("AttributeOf").asText("").isEmpty())
          || !a.path("IsValidForRead").asBoolean(true)) {
        continue;
      }
      String name = text(a, "LogicalName");
      List<String> targets = new ArrayList<>();
      a.path("Targets").forEach(t -> targets.add(t.asText()));
      choices |= type.equals("Picklist");
      lookups |= !targets.isEmpty();
      columns.put(name, new Column(name, type, a.path("MaxLength").asInt(0), a.path("FormatName").path("Value").asText(""),
          a.path("RequiredLevel").path("Value").asText("None"), a.path("IsValidForCreate").asBoolean(false),
          a.path("IsValidForUpdate").asBoolean(false), a.path("IsCustomAttribute").asBoolean(false), List.copyOf(targets), List.of()));
    }
    if (!columns.containsKey(primaryId)) {
      throw new CrmUnavailableException(crm, 200, null, "the column definitions of " + logical
          + " do not list its primary key " + primaryId, null);
    }
    if (choices) {
      HttpUrl cast = ODataUrl.at(def).path("Attributes").path("Microsoft.Dynamics.CRM.PicklistAttributeMetadata")
          .option("$select", "LogicalName").option("$expand", "OptionSet($select=Options)").build();
      for (JsonNode a : list(cast, "choice definitions")) {
        List<String> values = new ArrayList<>();
        a.path("OptionSet").path("Options").forEach(o -> values.add(o.path("Value").asText()));
        options.put(a.path("LogicalName").asText(), List.copyOf(values));
      }
      options.forEach((name, values) -> columns.computeIfPresent(name, (k, c) -> new Column(c.logicalName(), c.type(),
          c.maxLength(), c.format(), c.requiredLevel(), c.validForCreate(), c.validForUpdate(), c.custom(), c.targets(), values)));
    }
    List<List<String>> keys = new ArrayList<>();
    HttpUrl keysUrl = ODataUrl.at(def).path("Keys").option("$select", "KeyAttributes,EntityKeyIndexStatus").build();
    for (JsonNode k : list(keysUrl, "alternate keys")) {
      // a key is usable once its index is built (define-alternate-keys-entity)
      if (!k.path("EntityKeyIndexStatus").asText("Active").equals("Active")) {
        continue;
      }
      List<String> cols = new ArrayList<>();
      k.path("KeyAttributes").forEach(c -> cols.add(c.asText()));
      if (!cols.isEmpty()) {
        keys.add(List.copyOf(cols));
      }
    }
    Map<String, String> navigation = new LinkedHashMap<>();
    if (lookups) {
      HttpUrl rels = ODataUrl.at(def).path("ManyToOneRelationships")
          .option("$select", "ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName").build();
      for (JsonNode r : list(rels, "relationships")) {
        navigation.put(r.path("ReferencingAttribute").asText() + "|" + r.path("ReferencedEntity").asText(),
            r.path("ReferencingEntityNavigationPropertyName").asText());
      }
    }
    entitySets.put(logical, set);
    return new Table(logical, set, primaryId, primaryName, tracking, Collections.unmodifiableMap(columns), List.copyOf(keys),
        Map.copyOf(navigation));
  }

  private JsonNode list(HttpUrl url, String what) {
    JsonNode body = client.get(url, Map.of()).body();
    JsonNode value = body.path("value");
    if (!value.isArray()) {
      throw new CrmUnavailableException(crm, 200, null, "GET " + url.encodedPath() + " returned " + what
          + " without a 'value' array", null);
    }
    return value;
  }

  private String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw new CrmUnavailableException(crm, 200, null, "a table definition lacks its " + field, null);
    }
    return v.asText();
  }
}

package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The fields of one sObject as its describe reports them. Immutable. */
public final class Describe {
  /** One field of the describe. */
  public record Field(String name, String type, boolean createable, boolean updateable, boolean nillable,
      boolean defaultedOnCreate, boolean custom, boolean idLookup, int length, boolean restrictedPicklist,
      List<String> picklistValues) {
    public Field {
      picklistValues = List.copyOf(picklistValues);
    }

    public boolean writable() {
      return createable || updateable;
    }

    public boolean requiredOnCreate() {
      return createable && !nillable && !defaultedOnCreate;
    }
  }

  private final Map<String, Field> byName;

  private Describe(Map<String, Field> byName) {
    this.byName = byName;
  }

  public static Describe parse(JsonNode json) {
    Map<String, Field> fields = new LinkedHashMap<>();
    for (JsonNode f : json.path("fields")) {
      List<String> values = new ArrayList<>();
      for (JsonNode v : f.path("picklistValues")) {
        if (v.path("active").asBoolean(true) && v.hasNonNull("value")) {
          values.add(v.get("value").asText());
        }
      }
      Field field = new Field(f.path("name").asText(), f.path("type").asText(), f.path("createable").asBoolean(),
          f.path("updateable").asBoolean(), f.path("nillable").asBoolean(), f.path("defaultedOnCreate").asBoolean(),
          f.path("custom").asBoolean(), f.path("idLookup").asBoolean(), Math.max(0, f.path("length").asInt(0)),
          f.path("restrictedPicklist").asBoolean(false), values);
      fields.put(field.name().toLowerCase(Locale.ROOT), field);
    }
    return new Describe(Collections.unmodifiableMap(fields));
  }

  public @Nullable Field field(String name) {
    return byName.get(name.toLowerCase(Locale.ROOT));
  }

  public List<Field> fields() {
    return new ArrayList<>(byName.values());
  }
}

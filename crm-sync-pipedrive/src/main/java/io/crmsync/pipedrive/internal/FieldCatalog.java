package io.crmsync.pipedrive.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The fields of one entity as {@code GET /api/v2/personFields} (and the other fields endpoints) describe
 * them, with the name each custom field goes by in records. "All custom fields are referenced as randomly
 * generated 40-character hashes" (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson): a custom
 * field is exposed under its {@code field_name}, unless that name is taken by a standard field or by another
 * custom field, in which case it keeps its hash. Immutable.
 */
public final class FieldCatalog {

  /** One option of an {@code enum} or {@code set} field. */
  public record Option(long id, String label) {}

  /**
   * A field: {@code field_code}, {@code field_name}, {@code field_type}, {@code options}, {@code
   * is_custom_field}.
   */
  public record Field(String code, String name, String type, boolean custom, List<Option> options) {
    public Field {
      options = List.copyOf(options);
    }

    /** The option with label {@code label} (ignoring case), or the option with id {@code label}; else null. */
    public @Nullable Option option(String label) {
      for (Option o : options) {
        if (o.label().equalsIgnoreCase(label.strip())) {
          return o;
        }
      }
      for (Option o : options) {
        if (Long.toString(o.id()).equals(label.strip())) {
          return o;
        }
      }
      return null;
    }

    public @Nullable Option option(long id) {
      for (Option o : options) {
        if (o.id() == id) {
          return o;
        }
      }
      return null;
    }

    /** Whether its value is an id of another Pipedrive record (a user, an organization, a person, a deal). */
    public boolean isReference() {
      return Set.of("user", "org", "people", "deal", "deals", "lead", "project", "stage", "activity").contains(type);
    }
  }

  private final String entity;
  private final Map<String, Field> byCode;
  private final Map<String, Field> customByName;
  private final Map<String, String> nameByCode;

  private FieldCatalog(String entity, List<Field> fields, Set<String> reservedNames) {
    this.entity = entity;
    Map<String, Field> codes = new LinkedHashMap<>();
    Map<String, Integer> nameCounts = new HashMap<>();
    for (Field f : fields) {
      codes.put(f.code(), f);
      if (f.custom()) {
        nameCounts.merge(f.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
      }
    }
    Map<String, Field> names = new LinkedHashMap<>();
    Map<String, String> exposed = new HashMap<>();
    for (Field f : fields) {
      if (!f.custom()) {
        continue;
      }
      String key = f.name().toLowerCase(Locale.ROOT);
      boolean unique = nameCounts.get(key) == 1 && !reservedNames.contains(key) && !codes.containsKey(f.name());
      String name = unique ? f.name() : f.code();
      names.put(name, f);
      exposed.put(f.code(), name);
    }
    this.byCode = Map.copyOf(codes);
    this.customByName = Map.copyOf(names);
    this.nameByCode = Map.copyOf(exposed);
  }

  /**
   * The catalog of {@code entity} from the {@code data} arrays of the fields endpoint's pages.
   *
   * @param reservedNames lowercased names custom fields may not take (the canonical standard names)
   * @throws CrmUnavailableException if a field lacks its code, name or type
   */
  public static FieldCatalog parse(String entity, Collection<JsonNode> items, Set<String> reservedNames) {
    List<Field> fields = new ArrayList<>();
    for (JsonNode f : items) {
      String code = f.path("field_code").asText("");
      String name = f.path("field_name").asText("");
      String type = f.path("field_type").asText("");
      if (code.isEmpty() || type.isEmpty() || !f.isObject()) {
        throw new CrmUnavailableException(PipedriveErrors.CRM, 200, null,
            "GET /api/v2/" + Entities.fieldsPath(entity) + " returned a field without field_code or field_type: "
                + io.crmsync.http.HttpFailure.excerpt(f.toString(), 200), null);
      }
      List<Option> options = new ArrayList<>();
      for (JsonNode o : f.path("options")) {
        JsonNode id = o.path("id");
        if (id.canConvertToLong() && id.isNumber()) {
          options.add(new Option(id.asLong(), o.path("label").asText("")));
        }
      }
      fields.add(new Field(code, name.isEmpty() ? code : name, type, f.path("is_custom_field").asBoolean(false), options));
    }
    return new FieldCatalog(entity, fields, reservedNames);
  }

  public String entity() {
    return entity;
  }

  /** The field with code {@code code}, standard or custom. */
  public @Nullable Field byCode(String code) {
    return byCode.get(code);
  }

  /** The custom field exposed as {@code name} (its name, or its hash when the name is ambiguous). */
  public @Nullable Field custom(String name) {
    Field f = customByName.get(name);
    if (f != null) {
      return f;
    }
    f = byCode.get(name);
    return f != null && f.custom() ? f : null;
  }

  /** The name custom field {@code code} goes by in records; the code itself for an unknown field. */
  public String exposedName(String code) {
    return nameByCode.getOrDefault(code, code);
  }

  /** Every field, in the order the endpoint listed them. */
  public Collection<Field> fields() {
    return byCode.values();
  }
}

package io.crmsync.zoho.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A module's fields as the Fields Metadata API ({@code GET /settings/fields?module=}) describes them:
 * https://github.com/zoho/crm-oas/blob/main/v8.0/fields/mds/examples/getFields.md. Immutable.
 */
public final class Describe {
  /** Fields Zoho computes or sets itself: never written, and not reported as record fields on reads. */
  static final Set<String> SYSTEM_FIELDS = Set.of("id", "Created_By", "Modified_By", "Modified_Time", "Full_Name",
      "Last_Activity_Time", "Tag", "Record_Image");

  /** One field. */
  public record Field(
      String apiName,
      String dataType,
      int length,
      boolean mandatory,
      boolean readOnly,
      boolean custom,
      boolean unique,
      List<String> picklistValues,
      @Nullable String lookupModule) {

    public Field {
      picklistValues = List.copyOf(picklistValues);
    }

    /** Whether the value is the id of another record or of a user. */
    public boolean reference() {
      return switch (dataType) {
        case "lookup", "ownerlookup", "userlookup", "multiselectlookup" -> true;
        default -> false;
      };
    }

    /** Whether a value may be written. */
    public boolean writable() {
      return !readOnly;
    }

    /** Whether the field holds text whose {@link #length()} is a limit. */
    public boolean textual() {
      return switch (dataType) {
        case "text", "textarea", "email", "phone", "website" -> true;
        default -> false;
      };
    }
  }

  private final String module;
  private final Map<String, Field> fields;

  private Describe(String module, Map<String, Field> fields) {
    this.module = module;
    this.fields = fields;
  }

  /**
   * @throws CrmUnavailableException if the body is not the documented {@code {"fields": [...]}}
   */
  public static Describe parse(String module, JsonNode body) {
    JsonNode list = body.get("fields");
    if (list == null || !list.isArray()) {
      throw new CrmUnavailableException(Settings.ID, 200, null,
          "the fields metadata of " + module + " arrived without a fields array", null);
    }
    Map<String, Field> out = new LinkedHashMap<>();
    for (JsonNode f : list) {
      String name = f.path("api_name").asText("");
      if (!f.isObject() || name.isEmpty()) {
        throw new CrmUnavailableException(Settings.ID, 200, null,
            "the fields metadata of " + module + " has an entry without an api_name", null);
      }
      String type = f.path("data_type").asText("text");
      boolean readOnly = f.path("read_only").asBoolean(false) || f.path("field_read_only").asBoolean(false)
          || type.equals("autonumber") || type.equals("formula") || type.equals("rollup_summary")
          || SYSTEM_FIELDS.contains(name) || name.equals("Created_Time");
      if (name.equals("Owner")) {
        readOnly = false; // "field_read_only" marks the layout, but owners are assigned through the API
      }
      List<String> picklist = new ArrayList<>();
      for (JsonNode v : f.path("pick_list_values")) {
        String actual = v.path("actual_value").asText(v.path("display_value").asText(""));
        if (!actual.isEmpty()) {
          picklist.add(actual);
        }
      }
      JsonNode unique = f.path("unique");
      String lookupModule = f.path("lookup").path("module").path("api_name").asText(null);
      out.put(name, new Field(name, type, f.path("length").asInt(0), f.path("system_mandatory").asBoolean(false),
          readOnly, f.path("custom_field").asBoolean(false), unique.isObject() && !unique.isEmpty(), picklist,
          lookupModule));
    }
    return new Describe(module, Collections.unmodifiableMap(out));
  }

  /** Whether Zoho sets {@code apiName} itself (ids, modification stamps, computed names). */
  public static boolean isSystemField(String apiName) {
    return SYSTEM_FIELDS.contains(apiName);
  }

  public String module() {
    return module;
  }

  public @Nullable Field field(String apiName) {
    return fields.get(apiName);
  }

  public Collection<Field> fields() {
    return fields.values();
  }
}

package io.crmsync.pipedrive.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.pipedrive.internal.FieldCatalog.Field;
import io.crmsync.pipedrive.internal.FieldCatalog.Option;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Converts field values between crm-sync's records and API v2's JSON, by Pipedrive field type. API v2
 * takes numbers as numbers and booleans as true/false ("Numeric fields do not convert strings",
 * https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide), single options as their option id and
 * multiple options as an array of ids, monetary values as {@code {"value", "currency"}} and addresses as
 * {@code {"value", ...}}. Records carry option labels (so that they mean something in another CRM), numbers,
 * and an address as its text. A refused value's message says what the field takes, never the value, which
 * may be personal data.
 */
public final class Values {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private Values() {}

  /** A value Pipedrive would refuse for the field, with what is wrong with it. */
  public static final class InvalidValue extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidValue(String message) {
      super(message, null, false, false);
    }
  }

  /** {@code value} as API v2 takes it for a field of {@code type} (options from {@code field}, when it has some). */
  public static JsonNode toNative(String type, @Nullable Field field, Object value, ObjectMapper mapper)
      throws InvalidValue {
    switch (type) {
      case "varchar", "varchar_auto", "text", "phone", "time", "lead" -> {
        return JSON.textNode(text(value));
      }
      case "int", "user", "org", "people", "deal", "stage", "picture", "project", "activity", "visible_to" -> {
        return JSON.numberNode(integer(value));
      }
      case "double" -> {
        return JSON.numberNode(decimal(value));
      }
      case "boolean" -> {
        if (value instanceof Boolean b) {
          return JSON.booleanNode(b);
        }
        String s = text(value).strip();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
          return JSON.booleanNode(Boolean.parseBoolean(s));
        }
        throw new InvalidValue("must be true or false");
      }
      case "date" -> {
        String s = text(value).strip();
        try {
          return JSON.textNode(LocalDate.parse(s.length() > 10 ? s.substring(0, 10) : s).toString());
        } catch (DateTimeParseException e) {
          throw new InvalidValue("must be a date (YYYY-MM-DD)");
        }
      }
      case "monetary" -> {
        if (value instanceof Map<?, ?> m) {
          return mapper.valueToTree(m);
        }
        ObjectNode o = JSON.objectNode();
        o.put("value", decimal(value));
        return o;
      }
      case "address" -> {
        if (value instanceof Map<?, ?> m) {
          return mapper.valueToTree(m);
        }
        ObjectNode o = JSON.objectNode();
        o.put("value", text(value));
        return o;
      }
      case "enum" -> {
        Option o = option(field, text(value));
        return JSON.numberNode(o.id());
      }
      case "set", "label_ids" -> {
        List<String> parts = parts(value);
        ArrayNode ids = JSON.arrayNode();
        for (String p : parts) {
          // options by label (or id); a field whose options the catalog does not list takes ids
          ids.add(field != null && !field.options().isEmpty() ? option(field, p).id() : integer(p));
        }
        if (ids.isEmpty()) {
          return JSON.nullNode(); // "use null to clear the selection"; [] is refused
        }
        return ids;
      }
      default -> {
        return mapper.valueToTree(value);
      }
    }
  }

  /** {@code v} as a record field value, or null when it is empty. */
  public static @Nullable Object fromNative(String type, @Nullable Field field, @Nullable JsonNode v, ObjectMapper mapper) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    switch (type) {
      case "enum" -> {
        if (v.isObject()) { // include_option_labels: {id, label}
          return v.path("label").asText(null);
        }
        Option o = field == null || !v.canConvertToLong() ? null : field.option(v.asLong());
        return o != null ? o.label() : v.asText();
      }
      case "set", "label_ids" -> {
        List<Object> labels = new ArrayList<>();
        for (JsonNode i : v) {
          if (i.isObject()) {
            labels.add(i.path("label").asText(""));
          } else {
            Option o = field == null || !i.canConvertToLong() ? null : field.option(i.asLong());
            labels.add(o != null ? o.label() : i.asText());
          }
        }
        return labels.isEmpty() ? null : labels;
      }
      case "address" -> {
        String s = v.isObject() ? v.path("value").asText("") : v.asText("");
        return s.isEmpty() ? null : s;
      }
      default -> {
        if (v.isTextual()) {
          return v.asText().isEmpty() ? null : v.asText();
        }
        if (v.isIntegralNumber()) {
          return v.asLong();
        }
        if (v.isNumber()) {
          return v.decimalValue();
        }
        if (v.isBoolean()) {
          return v.asBoolean();
        }
        if (v.isArray() && v.isEmpty()) {
          return null;
        }
        Object o = mapper.convertValue(v, Object.class);
        return normalize(o);
      }
    }
  }

  /** Jackson's numbers as the record model holds them: Long and BigDecimal. */
  private static @Nullable Object normalize(@Nullable Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, val) -> {
        Object n = normalize(val);
        if (n != null) {
          out.put(String.valueOf(k), n);
        }
      });
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object i : l) {
        Object n = normalize(i);
        if (n != null) {
          out.add(n);
        }
      }
      return out;
    }
    if (o instanceof Integer i) {
      return i.longValue();
    }
    if (o instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    return o;
  }

  private static Option option(@Nullable Field field, String label) throws InvalidValue {
    Option o = field == null ? null : field.option(label);
    if (o == null) {
      List<String> allowed = new ArrayList<>();
      if (field != null) {
        field.options().forEach(x -> allowed.add(x.label()));
      }
      throw new InvalidValue("the value is not one of its options " + allowed);
    }
    return o;
  }

  /** A list's elements, or a text's parts separated by {@code ;} or {@code ,}. */
  private static List<String> parts(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (Object o : list) {
        String s = String.valueOf(o).strip();
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
      return out;
    }
    for (String s : text(value).split("[;,]")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  public static String text(Object value) {
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    return String.valueOf(value);
  }

  public static long integer(Object value) throws InvalidValue {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof BigDecimal d) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw new InvalidValue("must be a whole number");
      }
    }
    String s = text(value).strip();
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new InvalidValue("must be a whole number (a Pipedrive id)");
    }
  }

  public static BigDecimal decimal(Object value) throws InvalidValue {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    String s = text(value).strip();
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      throw new InvalidValue("must be a number");
    }
  }

}

package io.crmsync.zoho.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Converts values between Zoho's JSON and crm-sync's record values.
 *
 * <p>Reads: text stays text, whole numbers become {@link Long}, others {@link BigDecimal}, booleans stay,
 * multi-select picklists become lists, lookups ({@code {"id": ...}}, with or without {@code name}) become the
 * id, the record's reference. Writes follow the field's data type from the Fields Metadata API, so values that
 * arrive as text from another CRM are written as the numbers, booleans or lists Zoho expects; a value that does
 * not convert is sent as it is, and Zoho's {@code INVALID_DATA} names the field.
 */
public final class Values {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Values() {}

  /** A JSON value as a record value, or null for null. */
  public static @Nullable Object fromJson(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isArray()) {
      List<Object> out = new ArrayList<>();
      for (JsonNode item : v) {
        Object o = fromJson(item);
        if (o != null) {
          out.add(o);
        }
      }
      return out;
    }
    if (v.isObject() && v.has("id") && v.get("id").isValueNode()) {
      return v.get("id").asText();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    v.properties().forEach(e -> {
      Object o = fromJson(e.getValue());
      if (o != null) {
        out.put(e.getKey(), o);
      }
    });
    return out;
  }

  /** {@code value} as Zoho JSON for a field of {@code dataType} ({@code null}: as JSON types go). */
  public static JsonNode toJson(@Nullable String dataType, Object value) {
    String type = dataType == null ? "" : dataType;
    switch (type) {
      case "integer", "bigint" -> {
        if (value instanceof Long l) {
          return NODES.numberNode(l);
        }
        if (value instanceof String s && s.strip().matches("-?\\d{1,18}")) {
          return NODES.numberNode(Long.parseLong(s.strip()));
        }
        if (value instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0) {
          try {
            return NODES.numberNode(d.longValueExact());
          } catch (ArithmeticException e) {
            return NODES.numberNode(d);
          }
        }
      }
      case "double", "currency", "percent", "decimal" -> {
        if (value instanceof BigDecimal d) {
          return NODES.numberNode(d);
        }
        if (value instanceof Long l) {
          return NODES.numberNode(l);
        }
        if (value instanceof String s) {
          try {
            return NODES.numberNode(new BigDecimal(s.strip()));
          } catch (NumberFormatException e) {
            return NODES.textNode(s);
          }
        }
      }
      case "boolean" -> {
        if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
          return NODES.booleanNode(Boolean.parseBoolean(s.toLowerCase(java.util.Locale.ROOT)));
        }
      }
      case "multiselectpicklist" -> {
        if (value instanceof String s) {
          ArrayNode a = NODES.arrayNode();
          for (String part : s.split(";")) {
            if (!part.isBlank()) {
              a.add(part.strip());
            }
          }
          return a;
        }
      }
      case "lookup", "ownerlookup", "userlookup" -> {
        if (value instanceof String || value instanceof Long) {
          ObjectNode o = NODES.objectNode();
          o.put("id", value.toString());
          return o;
        }
      }
      case "datetime" -> {
        if (value instanceof String s) {
          String zoho = datetime(s);
          return NODES.textNode(zoho == null ? s : zoho);
        }
      }
      case "text", "textarea", "email", "phone", "website", "picklist" -> {
        if (value instanceof Long || value instanceof BigDecimal || value instanceof Boolean) {
          return NODES.textNode(value instanceof BigDecimal d ? d.toPlainString() : value.toString());
        }
      }
      default -> {
        // the value's own JSON type
      }
    }
    return plain(value);
  }

  private static JsonNode plain(Object value) {
    if (value instanceof String s) {
      return NODES.textNode(s);
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (value instanceof BigDecimal d) {
      return NODES.numberNode(d);
    }
    if (value instanceof List<?> list) {
      ArrayNode a = NODES.arrayNode();
      for (Object o : list) {
        a.add(plain(o));
      }
      return a;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode o = NODES.objectNode();
      map.forEach((k, v) -> o.set(k.toString(), plain(v)));
      return o;
    }
    return NODES.textNode(value.toString());
  }

  /** An ISO-8601 instant or offset datetime as Zoho's datetime text (seconds, numeric offset), or null. */
  static @Nullable String datetime(String s) {
    try {
      Instant at = s.endsWith("Z") || s.endsWith("z") ? Instant.parse(s) : OffsetDateTime.parse(s).toInstant();
      return Coql.datetimeText(at);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** Zoho's datetime text as an instant, or null if it is not one. */
  public static @Nullable Instant instant(@Nullable JsonNode v) {
    if (v == null || !v.isTextual()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v.asText()).toInstant();
    } catch (DateTimeException e) {
      return null;
    }
  }
}

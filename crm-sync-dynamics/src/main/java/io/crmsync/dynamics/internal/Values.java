package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.crmsync.dynamics.OData;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Converts column values between Web API JSON and record fields. */
public final class Values {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Deliberately loose: one @, something on each side, a dot in the domain; the CRM has the last word. */
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  private Values() {}

  /** A JSON value read from a row as a record value: text, {@code Long}, {@code BigDecimal} or {@code Boolean}; null for null. */
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
    return v.toString();
  }

  /**
   * A record value as the JSON column {@code c} takes.
   *
   * @throws IllegalArgumentException saying why the value does not fit the column
   */
  public static JsonNode toJson(Metadata.Column c, Object value) {
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      throw new IllegalArgumentException("holds a " + (value instanceof Map<?, ?> ? "map" : "list")
          + ", which a " + c.type() + " column cannot store");
    }
    String text = value instanceof BigDecimal d ? d.toPlainString() : value.toString();
    switch (c.type()) {
      case "String", "Memo" -> {
        if (c.isEmail() && !text.isEmpty() && !EMAIL.matcher(text).matches()) {
          throw new IllegalArgumentException("is not a valid email address");
        }
        return NODES.textNode(text);
      }
      case "Integer", "BigInt", "Picklist", "State", "Status" -> {
        try {
          long n = value instanceof Long l ? l : value instanceof BigDecimal d ? d.longValueExact() : Long.parseLong(text.strip());
          if (!c.type().equals("BigInt") && (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("does not fit a whole number column");
          }
          if (!c.options().isEmpty() && !c.options().contains(Long.toString(n))) {
            throw new IllegalArgumentException("is not one of the column's choices " + c.options());
          }
          return NODES.numberNode(n);
        } catch (NumberFormatException | ArithmeticException e) {
          throw new IllegalArgumentException("is not a whole number");
        }
      }
      case "Decimal", "Double", "Money" -> {
        try {
          return NODES.numberNode(value instanceof BigDecimal d ? d : new BigDecimal(text.strip()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("is not a number");
        }
      }
      case "Boolean" -> {
        if (value instanceof Boolean b) {
          return NODES.booleanNode(b);
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("false")) {
          return NODES.booleanNode(Boolean.parseBoolean(t));
        }
        throw new IllegalArgumentException("is not true or false");
      }
      case "DateTime" -> {
        return NODES.textNode(instant(text).toString());
      }
      case "Uniqueidentifier" -> {
        if (!OData.isGuid(text)) {
          throw new IllegalArgumentException("is not a GUID");
        }
        return NODES.textNode(OData.guid(text));
      }
      default -> throw new IllegalArgumentException("a " + c.type() + " column is written through its navigation property");
    }
  }

  /** An ISO-8601 date and time (or a date, read as midnight UTC). */
  public static Instant instant(String text) {
    String t = text.strip();
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeException e) {
      try {
        return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeException e2) {
        throw new IllegalArgumentException("is not an ISO-8601 date and time");
      }
    }
  }
}

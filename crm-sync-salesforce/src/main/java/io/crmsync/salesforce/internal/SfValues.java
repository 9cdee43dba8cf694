package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Conversions between Salesforce's JSON and CSV values and a {@link io.crmsync.model.CrmRecord}'s values. */
public final class SfValues {
  private static final DateTimeFormatter SF_DATETIME = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
      .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
      .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
      .toFormatter(Locale.ROOT);

  private SfValues() {}

  /** Parses {@code 2011-07-07T00:37:00.000+0000} and ISO-8601 instants. */
  public static Instant parseInstant(String text) {
    try {
      return OffsetDateTime.parse(text, SF_DATETIME).toInstant();
    } catch (DateTimeParseException e) {
      return Instant.parse(text);
    }
  }

  /** A JSON scalar as a record value, or null for null and for objects (relationships) and arrays. */
  public static @Nullable Object fromJson(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode() || v.isContainerNode()) {
      return null;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.longValue() : v.decimalValue();
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    return v.asText();
  }

  /** Whether a record value can be written to a Salesforce field: a scalar, or a list of texts (multi-select). */
  public static boolean writable(Object v) {
    if (v instanceof Map<?, ?>) {
      return false;
    }
    if (v instanceof List<?> list) {
      return list.stream().allMatch(o -> o instanceof String);
    }
    return true;
  }

  /** The JSON value for Collections: an empty text clears the field (null); lists join with {@code ;}. */
  public static @Nullable Object toJson(Object v) {
    if (v instanceof String s && s.isEmpty()) {
      return null;
    }
    if (v instanceof List<?> list) {
      return String.join(";", list.stream().map(Object::toString).toList());
    }
    return v;
  }

  /** The CSV cell for Bulk API: {@code #N/A} clears the field, as an empty text does in Collections. */
  public static String toCsv(Object v) {
    Object j = toJson(v);
    if (j == null) {
      return "#N/A";
    }
    if (j instanceof Double d) {
      return BigDecimal.valueOf(d).toPlainString();
    }
    if (j instanceof BigDecimal d) {
      return d.toPlainString();
    }
    return j.toString();
  }
}

package io.crmsync.testkit.salesforce;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Salesforce's value formats, and the coercion of incoming values to a field's type. */
final class Values {
  private Values() {}

  /** How Salesforce writes datetimes in JSON: {@code 2011-07-07T00:37:00.000+0000}. */
  static final DateTimeFormatter SF_DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxx", Locale.ROOT).withZone(ZoneOffset.UTC);

  private static final DateTimeFormatter LENIENT =
      new DateTimeFormatterBuilder()
          .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .optionalEnd()
          .optionalStart()
          .appendLiteral('Z')
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH:MM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HHMM", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  static final Pattern EMAIL =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  static String format(Instant instant) {
    return SF_DATETIME.format(instant);
  }

  /**
   * @throws DateTimeParseException if {@code text} is not an ISO-8601 or Salesforce datetime
   */
  static Instant parseDateTime(String text) {
    String t = text.strip();
    if (t.endsWith("Z") || t.matches(".*[+-]\\d{2}:?\\d{2}$")) {
      var parsed = LENIENT.parseBest(t, OffsetDateTime::from, java.time.LocalDateTime::from);
      if (parsed instanceof OffsetDateTime o) {
        return o.toInstant();
      }
      return ((java.time.LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
    }
    return java.time.LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
  }

  /** A value that did not fit its field. */
  static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    Problem(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** Marks a CSV cell that leaves the field unchanged. */
  static final Object UNCHANGED = new Object();

  /**
   * The value to store for {@code raw} in field {@code f}; {@code null} clears the field; {@link #UNCHANGED}
   * leaves it as it is (an empty CSV cell).
   */
  static @Nullable Object coerce(FieldDef f, @Nullable Object raw, boolean fromCsv) throws Problem {
    if (fromCsv && raw instanceof String s) {
      if (s.isEmpty()) {
        return UNCHANGED;
      }
      if (s.equals("#N/A")) {
        return null;
      }
    }
    if (raw == null || (raw instanceof String s && s.isEmpty())) {
      return null;
    }
    String text = raw.toString();
    switch (f.type()) {
      case BOOLEAN -> {
        if (raw instanceof Boolean) {
          return raw;
        }
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
          return Boolean.valueOf(text.toLowerCase(Locale.ROOT));
        }
        throw typeProblem(f, text);
      }
      case INT -> {
        try {
          return new BigDecimal(text).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
          throw typeProblem(f, text);
        }
      }
      case DOUBLE, CURRENCY, PERCENT -> {
        try {
          return new BigDecimal(text);
        } catch (NumberFormatException e) {
          throw typeProblem(f, text);
        }
      }
      case DATE -> {
        try {
          return LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text).toString();
        } catch (DateTimeParseException e) {
          throw typeProblem(f, text);
        }
      }
      case DATETIME -> {
        try {
          return format(parseDateTime(text));
        } catch (DateTimeParseException e) {
          throw typeProblem(f, text);
        }
      }
      case REFERENCE -> {
        // a value that is no id at all: MALFORMED_ID "<label>: id value of incorrect type"; Salesforce Help,
        // "Errors due to invalid IDs during Data Loader import and update"
        // (https://help.salesforce.com/s/articleView?id=000387915&type=1). Whether it names a record of the
        // right object is checked against the org (Org.checkReference).
        String id = Ids.canonical(text);
        if (id == null) {
          throw new Problem("MALFORMED_ID", f.label() + ": id value of incorrect type: " + abbreviate(text));
        }
        return id;
      }
      case PICKLIST -> {
        // a restricted picklist takes only its values (describe: restrictedPicklist); others take any text
        if (f.restrictedPicklist() && !f.picklistValues().contains(text)) {
          throw new Problem("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
              f.label() + ": bad value for restricted picklist field: " + abbreviate(text));
        }
        return checkLength(f, text);
      }
      case EMAIL -> {
        if (!EMAIL.matcher(text).matches()) {
          throw new Problem("INVALID_EMAIL_ADDRESS", f.label() + ": invalid email address: " + text);
        }
        return checkLength(f, text);
      }
      default -> {
        return checkLength(f, text);
      }
    }
  }

  private static String checkLength(FieldDef f, String text) throws Problem {
    if (f.length() > 0 && text.length() > f.length()) {
      throw new Problem("STRING_TOO_LONG",
          f.label() + ": data value too large: " + abbreviate(text) + " (max length=" + f.length() + ")");
    }
    return text;
  }

  private static Problem typeProblem(FieldDef f, String text) {
    return new Problem("INVALID_TYPE_ON_FIELD_IN_RECORD", f.label() + ": value not of required type: " + abbreviate(text));
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}

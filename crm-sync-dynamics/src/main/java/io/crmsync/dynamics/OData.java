package io.crmsync.dynamics;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Builds the parts of OData URLs that come from outside, so that no value can change a query's meaning. Every value
 * the adapter puts into a {@code $filter} or a key segment goes through here; use it for queries of your own too.
 *
 * <pre>{@code
 * String filter = OData.eq("emailaddress1", email) + " and " + OData.name("modifiedon") + " ge " + OData.dateTime(since);
 * url.addQueryParameter("$filter", filter);      // the URL layer percent-encodes the result
 * }</pre>
 *
 * <p>Rules, from https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows: string
 * literals are in single quotes, a quote inside doubled ({@code 'O''Bryan'}); GUIDs, numbers, booleans and dates are
 * unquoted; inside {@code contains}, {@code startswith} and {@code endswith} the characters {@code %}, {@code _} and
 * {@code [} are wildcards, so {@link #quoteLike} puts them in brackets to match themselves. Special characters such
 * as {@code +} or {@code &} must still be percent-encoded in the URL, which {@code HttpUrl.addQueryParameter} does.
 * Thread-safe; all methods are static.
 */
public final class OData {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern GUID =
      Pattern.compile("\\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\}?");
  private static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private OData() {}

  /**
   * {@code value} as an OData string literal, quotes included: {@code O'Brien} is {@code 'O''Brien'}.
   *
   * @throws NullPointerException if {@code value} is null
   */
  public static String quote(String value) {
    Objects.requireNonNull(value, "value");
    return "'" + value.replace("'", "''") + "'";
  }

  /**
   * {@code value} as a string literal for {@code contains}, {@code startswith} or {@code endswith} that matches it
   * literally: its {@code %}, {@code _} and {@code [} wildcards are bracketed ({@code [%]}), then it is quoted.
   *
   * @throws NullPointerException if {@code value} is null
   */
  public static String quoteLike(String value) {
    Objects.requireNonNull(value, "value");
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '%', '_', '[' -> sb.append('[').append(c).append(']');
        default -> sb.append(c);
      }
    }
    return quote(sb.toString());
  }

  /**
   * A GUID literal (unquoted, lower case); braces are accepted and dropped.
   *
   * @throws IllegalArgumentException if {@code id} is not a GUID
   */
  public static String guid(String id) {
    Objects.requireNonNull(id, "id");
    var m = GUID.matcher(id.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a GUID: '" + id + "'");
    }
    return m.group(1).toLowerCase(Locale.ROOT);
  }

  /** Whether {@code id} is a GUID, with or without braces. */
  public static boolean isGuid(String id) {
    return GUID.matcher(id.strip()).matches();
  }

  /** {@code instant} as a date and time literal, to the second (Dataverse stores no fractions): {@code 2026-01-31T12:00:00Z}. */
  public static String dateTime(Instant instant) {
    Objects.requireNonNull(instant, "instant");
    return DATETIME.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * {@code value} as a literal of its type: text quoted, {@link UUID} as a GUID, {@link Instant} as a date and time,
   * numbers and booleans as they are.
   *
   * @throws IllegalArgumentException for any other type, or a number that is not finite
   */
  public static String literal(Object value) {
    Objects.requireNonNull(value, "value");
    if (value instanceof String s) {
      return quote(s);
    }
    if (value instanceof UUID u) {
      return u.toString();
    }
    if (value instanceof Instant i) {
      return dateTime(i);
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return value.toString();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("not a finite number: " + d);
      }
      return BigDecimal.valueOf(d).toPlainString();
    }
    throw new IllegalArgumentException("no OData literal for a " + value.getClass().getName());
  }

  /**
   * {@code name} checked as a column or property name ({@code emailaddress1}, {@code _parentcustomerid_value}).
   *
   * @throws IllegalArgumentException if it is anything else, so it cannot smuggle an expression in
   */
  public static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a Dataverse column name: '" + name + "'");
    }
    return name;
  }

  /** Whether {@code name} is a column or property name. */
  public static boolean isName(String name) {
    return NAME.matcher(name).matches();
  }

  /** {@code column eq literal}. */
  public static String eq(String column, Object value) {
    return name(column) + " eq " + literal(value);
  }

  /** {@code (column eq v1 or column eq v2 ...)}; {@code false} when there are no values. */
  public static String anyOf(String column, List<?> values) {
    if (values.isEmpty()) {
      return "false";
    }
    StringJoiner j = new StringJoiner(" or ", "(", ")");
    for (Object v : values) {
      j.add(eq(column, v));
    }
    return j.toString();
  }

  /**
   * A key segment for a URL, without the parentheses: {@code emailaddress1='a@example.com'} or, for a key of several
   * columns, {@code example_key1=2,example_key2='x'}
   * (https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record). The result still
   * has to be percent-encoded as a path segment.
   *
   * @throws IllegalArgumentException if {@code values} is empty or a name is not a column name
   */
  public static String keySegment(Map<String, ?> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("a key needs at least one column");
    }
    StringJoiner j = new StringJoiner(",");
    values.forEach((k, v) -> j.add(name(k) + "=" + literal(Objects.requireNonNull(v, () -> "value of key column " + k))));
    return j.toString();
  }
}

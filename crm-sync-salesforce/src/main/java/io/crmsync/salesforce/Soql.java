package io.crmsync.salesforce;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds the parts of a SOQL query that come from outside, so that no value can change the query's meaning.
 * Every value the adapter puts into SOQL goes through here; use it for SOQL of your own too.
 *
 * <pre>{@code
 * String soql = "SELECT Id FROM Contact WHERE Email = " + Soql.quote(email)
 *     + " AND LastName LIKE " + Soql.quoteLike(prefix, "%");
 * }</pre>
 *
 * <p>Escaping follows the SOQL reference: inside single quotes, backslash, both quotes, newline, carriage
 * return, tab, backspace and form feed are written as backslash escapes; in LIKE patterns {@code %} and {@code
 * _} are escaped too, so they match themselves. Thread-safe; all methods are static.
 */
public final class Soql {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,79}");
  private static final Pattern PATH = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,79}(\\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}");
  private static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Soql() {}

  /**
   * {@code value} as a SOQL string literal, quotes included.
   *
   * @throws NullPointerException if {@code value} is null
   */
  public static String quote(String value) {
    Objects.requireNonNull(value, "value");
    return "'" + escape(value, false) + "'";
  }

  /**
   * A LIKE pattern that matches {@code value} literally (its {@code %} and {@code _} escaped), followed by
   * {@code wildcardSuffix} unescaped (such as {@code "%"} for "starts with"), quotes included.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code wildcardSuffix} holds anything but {@code %} and {@code _}
   */
  public static String quoteLike(String value, String wildcardSuffix) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(wildcardSuffix, "wildcardSuffix");
    if (!wildcardSuffix.matches("[%_]*")) {
      throw new IllegalArgumentException("wildcardSuffix may only hold % and _: '" + wildcardSuffix + "'");
    }
    return "'" + escape(value, true) + wildcardSuffix + "'";
  }

  /** {@code instant} as a SOQL datetime literal, truncated to the second: {@code 2026-01-31T12:00:00Z}. */
  public static String dateTime(Instant instant) {
    Objects.requireNonNull(instant, "instant");
    return DATETIME.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * {@code name} checked as a field or object API name ({@code Email}, {@code Favourite_Colour__c}), or a
   * relationship path of such names ({@code Account.Name}).
   *
   * @throws IllegalArgumentException if it is anything else, so it cannot smuggle SOQL in
   */
  public static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!PATH.matcher(name).matches()) {
      throw new IllegalArgumentException("not a Salesforce API name: '" + name + "'");
    }
    return name;
  }

  /** Whether {@code name} is a single API name (no dots). */
  static boolean isName(String name) {
    return IDENTIFIER.matcher(name).matches();
  }

  private static String escape(String value, boolean like) {
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '%' -> sb.append(like ? "\\%" : "%");
        case '_' -> sb.append(like ? "\\_" : "_");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}

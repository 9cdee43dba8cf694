package io.crmsync.zoho.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds COQL safely: every value goes through {@link #quote}, {@link #id} or {@link #datetime}, every column
 * through {@link #name}; nothing from a record or a caller is concatenated raw.
 *
 * <p>Literals: text in single quotes with a quote or backslash escaped by a backslash; datetimes as ISO 8601 with
 * seconds and a numeric offset ({@code '2000-01-01T00:00:00+00:00'},
 * https://raw.githubusercontent.com/trocco-io/trocco-docs-md/refs/heads/main/trocco/data-source-zoho-crm.md);
 * record ids as bare numbers ({@code where id is not null} and comparisons on {@code id}:
 * https://zoho.com/crm/developer/docs/api/v8/COQL-Limitations.html).
 */
public final class Coql {
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}(\\.[A-Za-z][A-Za-z0-9_]{0,99})?");
  private static final Pattern ID = Pattern.compile("\\d{1,19}");
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** COQL's most records per call. */
  public static final int MAX_LIMIT = 2_000;
  /** COQL's most columns per {@code select}. */
  public static final int MAX_COLUMNS = 50;
  /** COQL's most values in an {@code in (...)}. */
  public static final int MAX_IN = 50;

  private Coql() {}

  /** {@code value} as a COQL text literal. */
  public static String quote(String value) {
    Objects.requireNonNull(value, "value");
    StringBuilder sb = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('\'').toString();
  }

  /**
   * A column or module name, checked to be an API name (or {@code Lookup.Field}).
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static String name(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a Zoho API name: '" + name + "'");
    }
    return name;
  }

  /** Whether {@code s} is a Zoho record id (digits). */
  public static boolean isId(String s) {
    return ID.matcher(s).matches();
  }

  /**
   * A record id as a COQL number.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static String id(String id) {
    if (!isId(id)) {
      throw new IllegalArgumentException("not a Zoho record id: '" + id + "'");
    }
    return id;
  }

  /** {@code at} as a COQL datetime literal, in UTC, whole seconds (rounded down). */
  public static String datetime(Instant at) {
    return "'" + DATE_TIME.format(at.truncatedTo(ChronoUnit.SECONDS)) + "'";
  }

  /** {@code at} as the API's datetime text (the {@code If-Modified-Since} header), in UTC, whole seconds. */
  public static String datetimeText(Instant at) {
    return DATE_TIME.format(at.truncatedTo(ChronoUnit.SECONDS));
  }
}

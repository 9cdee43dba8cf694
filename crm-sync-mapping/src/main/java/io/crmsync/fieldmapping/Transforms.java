package io.crmsync.fieldmapping;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The standard transforms, by the names mapping files give them. Each is a pure function, thread-safe, and
 * (but for {@link #concat}) undone on the way back of a two-way rule: normalisations by passing values as
 * they are, formats by reading and writing the other way round, {@link #splitName()} by {@link #joinName()}.
 * None quotes a value in its failures.
 */
public final class Transforms {
  private Transforms() {}

  /** {@code trim}: leading and trailing white space removed. */
  public static Transform trim() {
    return Builtins.Trim.INSTANCE;
  }

  /** {@code lowercase} (in the root locale, so {@code I} is {@code i} everywhere). */
  public static Transform lowercase() {
    return new Builtins.Case(Builtins.CaseStyle.LOWER);
  }

  /** {@code uppercase} (in the root locale). */
  public static Transform uppercase() {
    return new Builtins.Case(Builtins.CaseStyle.UPPER);
  }

  /** {@code titlecase}: each word's first letter in upper case, the rest lower ({@code mary-ann o'neil} is {@code Mary-Ann O'Neil}). */
  public static Transform titlecase() {
    return new Builtins.Case(Builtins.CaseStyle.TITLE);
  }

  /**
   * {@code email}: trimmed, without {@code mailto:}, in lower case; a blank value becomes no value, and a
   * value that is no address ({@code name@domain.tld}) fails its record.
   */
  public static Transform email() {
    return Builtins.Email.INSTANCE;
  }

  /**
   * {@code phone}: in E.164 ({@code +442079460018}), read with libphonenumber; numbers without a country
   * code fail their record. Extensions are dropped.
   */
  public static Transform phone() {
    return new Builtins.Phone(null);
  }

  /**
   * {@code phone: GB}: in E.164, numbers without a country code read as numbers of {@code defaultRegion}
   * (an ISO 3166 code such as {@code GB}); a value that is not a possible number there fails its record.
   *
   * @throws IllegalArgumentException if the region is unknown
   */
  public static Transform phone(String defaultRegion) {
    return new Builtins.Phone(Objects.requireNonNull(defaultRegion, "defaultRegion"));
  }

  /**
   * {@code date}: dates read in the form {@code from} and written in the form {@code to}, in UTC and the
   * root locale. See {@link #date(String, String, Locale, ZoneId)}.
   *
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public static Transform date(String from, String to) {
    return date(from, to, Locale.ROOT, ZoneOffset.UTC);
  }

  /**
   * {@code date}: dates read in the form {@code from} and written in the form {@code to}. Each is a
   * {@link java.time.format.DateTimeFormatter} pattern ({@code dd/MM/yyyy}, {@code d MMM yyyy HH:mm}),
   * resolved strictly (31/02 fails rather than moving to 29/02), or one of {@code iso} (any ISO-8601 date or
   * date-time; written as a date or an instant in UTC), {@code iso-date}, {@code iso-datetime} (local, no
   * offset), {@code iso-instant} (UTC, {@code Z}), {@code epoch-millis} (a number). Times without an offset
   * are in {@code zone}, which date-times are also converted to before writing; a date written as a
   * date-time is midnight. A value that does not match {@code from} fails its record.
   *
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public static Transform date(String from, String to, Locale locale, ZoneId zone) {
    return new Builtins.DateFormat(from, to, locale, zone);
  }

  /**
   * {@code number}: plain numbers ({@code 1234.5}, or number values) as numbers, whole ones as integers.
   * Text that is no number fails its record.
   */
  public static Transform number() {
    return new Builtins.NumberFormat(null, null, Locale.ROOT);
  }

  /**
   * {@code number}: numbers read with the {@link java.text.DecimalFormat} pattern {@code from} in {@code
   * locale} ({@code #,##0.00} in {@code de-DE} reads {@code 1.234,50}), or plain when null, and given as a
   * number, or written with the pattern {@code to} when it is not null (rounding half-even). The whole text
   * must be a number, or its record fails.
   *
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public static Transform number(@Nullable String from, @Nullable String to, Locale locale) {
    return new Builtins.NumberFormat(from, to, locale);
  }

  /** {@code to-text}: numbers and booleans as text ({@code 1234.5}, {@code true}). */
  public static Transform toText() {
    return Builtins.ToText.INSTANCE;
  }

  /** {@code to-number}: the same as {@link #number()}. */
  public static Transform toNumber() {
    return number();
  }

  /**
   * {@code to-boolean}: {@code true}/{@code false}, {@code yes}/{@code no}, {@code y}/{@code n}, {@code
   * 1}/{@code 0}, {@code on}/{@code off} (any case) as booleans; anything else fails its record.
   */
  public static Transform toBoolean() {
    return Builtins.ToBoolean.INSTANCE;
  }

  /**
   * {@code map}: each value to the one {@code values} gives it (looked up by its text); a value it does not
   * list fails its record. On the way back the map is turned round, when it is one-to-one.
   *
   * @throws IllegalArgumentException if {@code values} is empty
   */
  public static Transform map(Map<String, ?> values) {
    return new Builtins.PicklistMap(values, null, null, null);
  }

  /**
   * {@code map}: each value to the one {@code values} gives it; values it does not list become {@code
   * otherwise}. On the way back the map is turned round, when it is one-to-one and {@code otherwise} is one
   * of its values; else give {@link #map(Map, Object, Map, Object) a reverse map}.
   *
   * @throws IllegalArgumentException if {@code values} is empty
   */
  public static Transform map(Map<String, ?> values, @Nullable Object otherwise) {
    return new Builtins.PicklistMap(values, otherwise, null, null);
  }

  /**
   * {@code map} with its way back given: {@code reverse} maps the other side's values back, and values it
   * does not list become {@code reverseOtherwise} (or fail their record when null). A null {@code reverse}
   * turns {@code values} round, {@code reverseOtherwise} catching what it does not list.
   *
   * @throws IllegalArgumentException if {@code values} or {@code reverse} is empty
   */
  public static Transform map(Map<String, ?> values, @Nullable Object otherwise, @Nullable Map<String, ?> reverse,
      @Nullable Object reverseOtherwise) {
    return new Builtins.PicklistMap(values, otherwise, reverse, reverseOtherwise);
  }

  /**
   * {@code split-name}: one full name to a first and a last name (two {@code to} fields, first name first).
   * The last name is the last word with the lower-case particles before it ({@code van}, {@code de la}...);
   * {@code "Smith, John"} is last name, first name; one word is a last name. Undone by {@link #joinName()}.
   */
  public static Transform splitName() {
    return Builtins.SplitName.INSTANCE;
  }

  /**
   * {@code join-name}: a first and a last name (two {@code from} fields) to one full name, {@code "first
   * last"}, or {@code "last, first"} when only that splits back into the same parts (a last name of several
   * words). Undone by {@link #splitName()}.
   */
  public static Transform joinName() {
    return Builtins.JoinName.INSTANCE;
  }

  /**
   * {@code concat}: the present, non-blank values of two or more fields, trimmed and joined with {@code
   * separator}. It cannot be undone: a two-way rule using it needs a {@code reverse} transform, or a
   * direction.
   */
  public static Transform concat(String separator) {
    return new Builtins.Concat(separator);
  }

  /**
   * {@code truncate}: text cut to at most {@code maxLength} characters (never inside a character outside the
   * Basic Multilingual Plane), for a target field shorter than the source's values may be. Opt in to it:
   * without it, a CRM refuses a value longer than its field, and that record alone is dead-lettered.
   *
   * @throws IllegalArgumentException if {@code maxLength} is below 1
   */
  public static Transform truncate(int maxLength) {
    return new Builtins.Truncate(maxLength);
  }
}

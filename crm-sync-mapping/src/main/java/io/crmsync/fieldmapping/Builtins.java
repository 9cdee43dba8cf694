package io.crmsync.fieldmapping;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.ParsePosition;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The standard transforms; {@link Transforms} makes them. */
final class Builtins {
  /** The names mapping files use for them; custom transforms may not take these. */
  static final Set<String> NAMES = Set.of("trim", "lowercase", "uppercase", "titlecase", "email", "phone", "date",
      "number", "to-text", "to-number", "to-boolean", "map", "split-name", "join-name", "concat", "truncate",
      "identity");

  private Builtins() {}

  static String text(Object value, String transform) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw new IllegalArgumentException(transform + " takes text, not " + kindOf(value));
  }

  static String kindOf(Object value) {
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return "a " + value.getClass().getSimpleName();
  }

  /** Passes values as they are: the way back of a normalisation. */
  static final class Identity implements Transform {
    static final Identity INSTANCE = new Identity();

    @Override
    public String name() {
      return "identity";
    }

    @Override
    public Object apply(Object value) {
      return value;
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(this);
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return input;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /** A transform on text whose way back is passing values as they are. */
  abstract static class TextNormalizer implements Transform {
    @Override
    public final @Nullable Object apply(Object value) {
      return normalize(text(value, name()));
    }

    abstract @Nullable Object normalize(String text);

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(Identity.INSTANCE);
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind.isTextual() || kind == ValueKind.NUMBER;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return input == ValueKind.NUMBER ? ValueKind.TEXT : input;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  static final class Trim extends TextNormalizer {
    static final Trim INSTANCE = new Trim();

    @Override
    public String name() {
      return "trim";
    }

    @Override
    String normalize(String text) {
      return text.strip();
    }
  }

  enum CaseStyle { LOWER, UPPER, TITLE }

  static final class Case extends TextNormalizer {
    private final CaseStyle style;

    Case(CaseStyle style) {
      this.style = style;
    }

    @Override
    public String name() {
      return switch (style) {
        case LOWER -> "lowercase";
        case UPPER -> "uppercase";
        case TITLE -> "titlecase";
      };
    }

    @Override
    String normalize(String text) {
      return switch (style) {
        case LOWER -> text.toLowerCase(Locale.ROOT);
        case UPPER -> text.toUpperCase(Locale.ROOT);
        case TITLE -> title(text);
      };
    }

    /** Each word's first letter upper case, the rest lower case; words are split by spaces, '-' and '\''. */
    private static String title(String text) {
      StringBuilder sb = new StringBuilder(text.length());
      boolean start = true;
      for (int i = 0; i < text.length(); ) {
        int cp = text.codePointAt(i);
        sb.appendCodePoint(start ? Character.toTitleCase(cp) : Character.toLowerCase(cp));
        start = Character.isWhitespace(cp) || cp == '-' || cp == '\'' || cp == '\u2019';
        i += Character.charCount(cp);
      }
      return sb.toString();
    }
  }

  /** Trimmed, lower case, without {@code mailto:}; refuses what is not an address. */
  static final class Email extends TextNormalizer {
    static final Email INSTANCE = new Email();
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");

    @Override
    public String name() {
      return "email";
    }

    @Override
    @Nullable String normalize(String text) {
      String s = text.strip();
      if (s.regionMatches(true, 0, "mailto:", 0, 7)) {
        s = s.substring(7).strip();
      }
      if (s.isEmpty()) {
        return null;
      }
      s = s.toLowerCase(Locale.ROOT);
      if (!ADDRESS.matcher(s).matches()) {
        throw new IllegalArgumentException("not an email address");
      }
      return s;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }
  }

  /** E.164 with libphonenumber; numbers without a country code are read in {@code region}. */
  static final class Phone extends TextNormalizer {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private final @Nullable String region;

    Phone(@Nullable String region) {
      if (region != null && !UTIL.getSupportedRegions().contains(region)) {
        throw new IllegalArgumentException("unknown region '" + region + "': give an ISO 3166 country code such as GB or US");
      }
      this.region = region;
    }

    @Override
    public String name() {
      return "phone";
    }

    @Override
    @Nullable String normalize(String text) {
      String s = text.strip();
      if (s.isEmpty()) {
        return null;
      }
      Phonenumber.PhoneNumber number;
      try {
        number = UTIL.parse(s, region == null ? "ZZ" : region);
      } catch (NumberParseException e) {
        throw new IllegalArgumentException(switch (e.getErrorType()) {
          case INVALID_COUNTRY_CODE -> region == null
              ? "not a phone number in international form (+ and country code), and the transform has no default region"
              : "not a phone number: its country code is unknown";
          case TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD -> "not a phone number: too short";
          case TOO_LONG -> "not a phone number: too long";
          default -> "not a phone number";
        });
      }
      if (!UTIL.isPossibleNumber(number)) {
        throw new IllegalArgumentException("not a possible phone number" + (region == null ? "" : " for region " + region));
      }
      return UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return region == null ? "phone" : "phone(" + region + ")";
    }
  }

  /** Cuts text to at most {@code max} characters, never inside a surrogate pair. */
  static final class Truncate extends TextNormalizer {
    private final int max;

    Truncate(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("truncate takes a length of at least 1: " + max);
      }
      this.max = max;
    }

    @Override
    public String name() {
      return "truncate";
    }

    @Override
    String normalize(String text) {
      if (text.length() <= max) {
        return text;
      }
      int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
      return text.substring(0, end);
    }

    @Override
    public String toString() {
      return "truncate(" + max + ")";
    }
  }

  // ---- dates ---------------------------------------------------------------------------------------

  /** The keywords a date transform takes instead of a pattern. */
  static final String ISO = "iso";
  static final String ISO_DATE = "iso-date";
  static final String ISO_DATETIME = "iso-datetime";
  static final String ISO_INSTANT = "iso-instant";
  static final String EPOCH_MILLIS = "epoch-millis";
  private static final Set<String> DATE_KEYWORDS = Set.of(ISO, ISO_DATE, ISO_DATETIME, ISO_INSTANT, EPOCH_MILLIS);
  /** ISO-8601 date-times with an offset written +01:00, +0100 or Z, or none (Salesforce writes +0000). */
  private static final DateTimeFormatter ISO_LENIENT = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
      .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
      .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
      .toFormatter(Locale.ROOT)
      .withResolverStyle(ResolverStyle.STRICT);

  /** Reads dates in one format and writes them in another. */
  static final class DateFormat implements Transform {
    private final String from;
    private final String to;
    private final Locale locale;
    private final ZoneId zone;
    private final @Nullable DateTimeFormatter fromFormat;
    private final @Nullable DateTimeFormatter toFormat;

    DateFormat(String from, String to, Locale locale, ZoneId zone) {
      this.from = Objects.requireNonNull(from, "from");
      this.to = Objects.requireNonNull(to, "to");
      this.locale = Objects.requireNonNull(locale, "locale");
      this.zone = Objects.requireNonNull(zone, "zone");
      this.fromFormat = formatter(from);
      this.toFormat = formatter(to);
    }

    private @Nullable DateTimeFormatter formatter(String pattern) {
      if (DATE_KEYWORDS.contains(pattern)) {
        return null;
      }
      try {
        return new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(strict(pattern))
            .toFormatter(locale).withResolverStyle(ResolverStyle.STRICT);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a date pattern: '" + pattern + "' (" + e.getMessage()
            + "); give a java.time pattern such as dd/MM/yyyy, or iso, iso-date, iso-datetime, iso-instant, epoch-millis");
      }
    }

    /** {@code yyyy} as {@code uuuu}, so that strict resolution needs no era (31/02 is refused, not moved). */
    private static String strict(String pattern) {
      if (pattern.indexOf('G') >= 0) {
        return pattern;
      }
      StringBuilder sb = new StringBuilder(pattern.length());
      boolean quoted = false;
      for (char c : pattern.toCharArray()) {
        if (c == '\'') {
          quoted = !quoted;
        }
        sb.append(!quoted && c == 'y' ? 'u' : c);
      }
      return sb.toString();
    }

    @Override
    public String name() {
      return "date";
    }

    @Override
    public @Nullable Object apply(Object value) {
      if (value instanceof String s && s.isBlank()) {
        return null;
      }
      TemporalAccessor parsed = parse(value);
      return format(parsed);
    }

    private TemporalAccessor parse(Object value) {
      if (from.equals(EPOCH_MILLIS)) {
        long millis;
        try {
          millis = value instanceof Number n ? new BigDecimal(n.toString()).longValueExact()
              : Long.parseLong(text(value, "date").strip());
        } catch (ArithmeticException | NumberFormatException e) {
          throw new IllegalArgumentException("not a time in milliseconds since 1970");
        }
        return Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
      }
      String s = text(value, "date").strip();
      try {
        return switch (from) {
          case ISO_DATE -> LocalDate.parse(s);
          case ISO, ISO_DATETIME, ISO_INSTANT -> s.indexOf('T') < 0 && s.length() <= 10 && from.equals(ISO)
              ? LocalDate.parse(s)
              : ISO_LENIENT.parseBest(s, ZonedDateTime::from, LocalDateTime::from);
          default -> Objects.requireNonNull(fromFormat).parseBest(s, ZonedDateTime::from, LocalDateTime::from,
              LocalDate::from);
        };
      } catch (DateTimeException e) {
        // the parser's message quotes the text: say what was expected instead
        throw new IllegalArgumentException("not a date in the form " + describe(from));
      }
    }

    private Object format(TemporalAccessor t) {
      boolean dateOnly = t instanceof LocalDate;
      ZonedDateTime z;
      if (t instanceof LocalDate d) {
        z = d.atStartOfDay(zone);
      } else if (t instanceof LocalDateTime dt) {
        z = dt.atZone(zone);
      } else {
        z = ((ZonedDateTime) t).withZoneSameInstant(zone);
      }
      try {
        return switch (to) {
          case EPOCH_MILLIS -> z.toInstant().toEpochMilli();
          case ISO -> dateOnly ? z.toLocalDate().toString() : DateTimeFormatter.ISO_INSTANT.format(z.toInstant());
          case ISO_DATE -> z.toLocalDate().toString();
          case ISO_DATETIME -> DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(z.toLocalDateTime());
          case ISO_INSTANT -> DateTimeFormatter.ISO_INSTANT.format(z.toInstant());
          default -> Objects.requireNonNull(toFormat).format(z);
        };
      } catch (DateTimeException e) {
        throw new IllegalArgumentException("cannot be written in the form " + describe(to));
      }
    }

    private static String describe(String pattern) {
      return switch (pattern) {
        case ISO -> "of an ISO-8601 date or date-time";
        case ISO_DATE -> "yyyy-MM-dd (iso-date)";
        case ISO_DATETIME -> "yyyy-MM-ddTHH:mm:ss (iso-datetime)";
        case ISO_INSTANT -> "yyyy-MM-ddTHH:mm:ssZ (iso-instant)";
        case EPOCH_MILLIS -> "of milliseconds since 1970 (epoch-millis)";
        default -> "'" + pattern + "'";
      };
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(new DateFormat(to, from, locale, zone));
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return from.equals(EPOCH_MILLIS) ? kind == ValueKind.NUMBER || kind == ValueKind.TEXT || kind == ValueKind.ANY
          : kind == ValueKind.TEXT || kind == ValueKind.DATE || kind == ValueKind.DATETIME || kind == ValueKind.ANY;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return switch (to) {
        case ISO_DATE -> ValueKind.DATE;
        case ISO, ISO_DATETIME, ISO_INSTANT -> ValueKind.DATETIME;
        case EPOCH_MILLIS -> ValueKind.NUMBER;
        default -> ValueKind.TEXT;
      };
    }

    @Override
    public String toString() {
      return "date(" + from + " -> " + to + ")";
    }
  }

  // ---- numbers -------------------------------------------------------------------------------------

  /**
   * Reads numbers written with a pattern and locale ({@code #,##0.00} in {@code de-DE}: {@code 1.234,50}) and
   * gives a number, or writes numbers with a pattern. Without {@code from} it reads plain numbers ({@code
   * 1234.5}) and numbers as they are; without {@code to} it gives a number (whole numbers as integers).
   */
  static final class NumberFormat implements Transform {
    private final @Nullable String from;
    private final @Nullable String to;
    private final Locale locale;

    NumberFormat(@Nullable String from, @Nullable String to, Locale locale) {
      this.from = from;
      this.to = to;
      this.locale = Objects.requireNonNull(locale, "locale");
      if (from != null) {
        format(from);
      }
      if (to != null) {
        format(to);
      }
    }

    private DecimalFormat format(String pattern) {
      try {
        DecimalFormat f = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(locale));
        f.setParseBigDecimal(true);
        f.setRoundingMode(RoundingMode.HALF_EVEN);
        return f;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a number pattern: '" + pattern + "'; give a java.text.DecimalFormat "
            + "pattern such as #,##0.00");
      }
    }

    @Override
    public String name() {
      return "number";
    }

    @Override
    public @Nullable Object apply(Object value) {
      if (value instanceof String s && s.isBlank()) {
        return null;
      }
      BigDecimal n = parse(value);
      return to == null ? canonical(n) : format(to).format(n);
    }

    private BigDecimal parse(Object value) {
      if (value instanceof Boolean) {
        throw new IllegalArgumentException("number takes text or a number, not a boolean");
      }
      if (value instanceof BigDecimal d) {
        return d;
      }
      if (value instanceof Number n) {
        return new BigDecimal(n.toString());
      }
      String s = text(value, "number").strip();
      if (from == null) {
        try {
          return new BigDecimal(s);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a plain number (digits, '.', an optional sign)");
        }
      }
      ParsePosition at = new ParsePosition(0);
      Number n = format(from).parse(s, at);
      if (n == null || at.getIndex() != s.length()) {
        throw new IllegalArgumentException("not a number in the form '" + from + "' (" + locale.toLanguageTag() + ")");
      }
      return n instanceof BigDecimal d ? d : new BigDecimal(n.toString());
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(from == null && to == null ? ToText.INSTANCE : new NumberFormat(to, from, locale));
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind == ValueKind.TEXT || kind == ValueKind.NUMBER || kind == ValueKind.PICKLIST || kind == ValueKind.ANY;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return to == null ? ValueKind.NUMBER : ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return "number(" + (from == null ? "plain" : from) + " -> " + (to == null ? "a number" : to) + ")";
    }
  }

  /** Whole numbers as {@link Long}, others as {@link BigDecimal} without trailing zeros: one form per number. */
  static Object canonical(BigDecimal n) {
    BigDecimal d = n.stripTrailingZeros();
    if (d.scale() <= 0) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException tooLarge) {
        return d.setScale(0);
      }
    }
    return d;
  }

  static final class ToText implements Transform {
    static final ToText INSTANCE = new ToText();

    @Override
    public String name() {
      return "to-text";
    }

    @Override
    public Object apply(Object value) {
      return text(value, name());
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(Identity.INSTANCE);
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  static final class ToBoolean implements Transform {
    static final ToBoolean INSTANCE = new ToBoolean();

    @Override
    public String name() {
      return "to-boolean";
    }

    @Override
    public @Nullable Object apply(Object value) {
      if (value instanceof Boolean) {
        return value;
      }
      if (value instanceof Number n) {
        BigDecimal d = new BigDecimal(n.toString());
        if (d.signum() == 0 || d.compareTo(BigDecimal.ONE) == 0) {
          return d.signum() != 0;
        }
        throw new IllegalArgumentException("not a boolean: numbers other than 0 and 1 are not");
      }
      String s = text(value, name()).strip().toLowerCase(Locale.ROOT);
      return switch (s) {
        case "" -> null;
        case "true", "yes", "y", "1", "on" -> Boolean.TRUE;
        case "false", "no", "n", "0", "off" -> Boolean.FALSE;
        default -> throw new IllegalArgumentException("not a boolean (true/false, yes/no, 1/0, on/off)");
      };
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(ToText.INSTANCE);
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind.isTextual() || kind == ValueKind.BOOLEAN || kind == ValueKind.NUMBER;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.BOOLEAN;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  // ---- picklists -----------------------------------------------------------------------------------

  /** The key a value is looked up by in a picklist map: its text. */
  static String key(Object value) {
    return value instanceof BigDecimal d ? d.toPlainString() : value.toString();
  }

  /**
   * Maps values one by one; values it does not list become {@code otherwise}, or fail the record when there
   * is none. Its inverse is {@code reverse} when given, else the map turned round when it is one-to-one.
   */
  static final class PicklistMap implements Transform {
    private final Map<String, Object> values;
    private final @Nullable Object otherwise;
    private final @Nullable Map<String, Object> reverse;
    private final @Nullable Object reverseOtherwise;

    PicklistMap(Map<String, ?> values, @Nullable Object otherwise, @Nullable Map<String, ?> reverse,
        @Nullable Object reverseOtherwise) {
      this.values = copy(values, "values");
      this.otherwise = otherwise;
      this.reverse = reverse == null ? null : copy(reverse, "reverse");
      this.reverseOtherwise = reverseOtherwise;
      if (this.values.isEmpty()) {
        throw new IllegalArgumentException("map needs at least one value");
      }
    }

    private static Map<String, Object> copy(Map<String, ?> m, String what) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(Objects.requireNonNull(k, what + " key"),
          Objects.requireNonNull(v, () -> what + " of '" + k + "'")));
      return java.util.Collections.unmodifiableMap(out);
    }

    @Override
    public String name() {
      return "map";
    }

    @Override
    public Object apply(Object value) {
      Object mapped = values.get(key(value));
      if (mapped != null) {
        return mapped;
      }
      if (otherwise != null) {
        return otherwise;
      }
      throw new IllegalArgumentException("a value the map does not list, and the map has no default");
    }

    /** The map turned round, when one-to-one and its default has a way back; else null. */
    private @Nullable Map<String, Object> inverted() {
      Map<String, Object> out = new HashMap<>();
      for (Map.Entry<String, Object> e : values.entrySet()) {
        if (out.put(key(e.getValue()), e.getKey()) != null) {
          return null; // several values map to one
        }
      }
      if (otherwise != null && reverseOtherwise == null && !out.containsKey(key(otherwise))) {
        return null; // the default would have nowhere to go back to
      }
      return out;
    }

    @Override
    public Optional<Transform> inverse() {
      Map<String, Object> back = reverse != null ? reverse : inverted();
      if (back == null) {
        return Optional.empty();
      }
      return Optional.of(new PicklistMap(back, reverseOtherwise, values, otherwise));
    }

    /** Why {@link #inverse()} is empty, for the message that asks for a reverse map. */
    String whyIrreversible() {
      Set<String> seen = new LinkedHashSet<>();
      for (Object v : values.values()) {
        if (!seen.add(key(v))) {
          return "several values map to '" + key(v) + "'";
        }
      }
      return "its default '" + key(Objects.requireNonNull(otherwise)) + "' is not among its values";
    }

    @Override
    public Optional<Collection<Object>> possibleOutputs() {
      List<Object> out = new ArrayList<>(values.values());
      if (otherwise != null) {
        out.add(otherwise);
      }
      return Optional.of(out);
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind != ValueKind.REFERENCE;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      ValueKind kind = null;
      for (Object v : possibleOutputs().orElseThrow()) {
        ValueKind k = v instanceof Boolean ? ValueKind.BOOLEAN : v instanceof Number ? ValueKind.NUMBER : ValueKind.TEXT;
        kind = kind == null || kind == k ? k : ValueKind.ANY;
      }
      return kind == ValueKind.TEXT ? ValueKind.PICKLIST : Objects.requireNonNull(kind);
    }

    @Override
    public String toString() {
      return "map" + values.keySet();
    }
  }

  // ---- several fields ------------------------------------------------------------------------------

  static final class SplitName implements Transform {
    static final SplitName INSTANCE = new SplitName();

    @Override
    public String name() {
      return "split-name";
    }

    @Override
    public Object apply(Object value) {
      throw new UnsupportedOperationException("split-name gives two values: use applyAll");
    }

    @Override
    public int outputs() {
      return 2;
    }

    @Override
    public List<@Nullable Object> applyAll(List<@Nullable Object> values) {
      Object full = values.get(0);
      if (full == null) {
        return Arrays.asList(null, null);
      }
      return new ArrayList<>(NameParts.split(text(full, name())));
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(JoinName.INSTANCE);
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind.isTextual();
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  static final class JoinName implements Transform {
    static final JoinName INSTANCE = new JoinName();

    @Override
    public String name() {
      return "join-name";
    }

    @Override
    public Object apply(Object value) {
      throw new UnsupportedOperationException("join-name takes two values: use applyAll");
    }

    @Override
    public int inputs() {
      return 2;
    }

    @Override
    public List<@Nullable Object> applyAll(List<@Nullable Object> values) {
      Object first = values.get(0);
      Object last = values.get(1);
      return Arrays.asList(NameParts.join(first == null ? null : text(first, name()),
          last == null ? null : text(last, name())));
    }

    @Override
    public Optional<Transform> inverse() {
      return Optional.of(SplitName.INSTANCE);
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind.isTextual();
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /** Joins the present, non-blank values of two or more fields with a separator. One way only. */
  static final class Concat implements Transform {
    private final String separator;

    Concat(String separator) {
      this.separator = Objects.requireNonNull(separator, "separator");
    }

    @Override
    public String name() {
      return "concat";
    }

    @Override
    public Object apply(Object value) {
      throw new UnsupportedOperationException("concat takes several values: use applyAll");
    }

    @Override
    public int inputs() {
      return -1;
    }

    @Override
    public List<@Nullable Object> applyAll(List<@Nullable Object> values) {
      List<String> parts = new ArrayList<>();
      for (Object v : values) {
        if (v != null) {
          String s = text(v, name()).strip();
          if (!s.isEmpty()) {
            parts.add(s);
          }
        }
      }
      return Arrays.asList(parts.isEmpty() ? null : String.join(separator, parts));
    }

    @Override
    public boolean accepts(ValueKind kind) {
      return kind != ValueKind.REFERENCE && kind != ValueKind.MULTI_PICKLIST;
    }

    @Override
    public ValueKind outputKind(ValueKind input) {
      return ValueKind.TEXT;
    }

    @Override
    public String toString() {
      return "concat('" + separator + "')";
    }
  }
}

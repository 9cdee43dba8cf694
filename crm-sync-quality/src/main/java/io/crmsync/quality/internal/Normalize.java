package io.crmsync.quality.internal;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Value normalisation per field role. Every method returns {@code null} for a value that is empty after
 * normalisation, so "missing" has one representation. Thread-safe.
 */
public final class Normalize {
  /** Local parts that name a function rather than a person: shared mailboxes. */
  static final Set<String> ROLE_LOCAL_PARTS =
      Set.of("info", "sales", "office", "admin", "administrator", "support", "contact", "contactus",
          "hello", "team", "marketing", "billing", "accounts", "accounting", "hr", "jobs", "careers",
          "enquiries", "enquiry", "inquiries", "inquiry", "help", "helpdesk", "service", "services",
          "customerservice", "noreply", "no-reply", "donotreply", "webmaster", "postmaster", "hostmaster",
          "reception", "frontdesk", "mail", "general", "press", "media", "orders", "finance", "legal",
          "it", "ops", "operations", "feedback", "news", "newsletter", "invoices", "purchasing",
          "recruiting", "security", "privacy", "abuse", "partners", "events", "all", "staff");

  private static final Set<String> DOT_INSENSITIVE_DOMAINS = Set.of("gmail.com", "googlemail.com");

  private static final Set<String> LEGAL_SUFFIXES =
      Set.of("inc", "incorporated", "llc", "lc", "ltd", "limited", "gmbh", "corp", "corporation", "co",
          "company", "plc", "sa", "ag", "bv", "nv", "srl", "spa", "oy", "ab", "pty", "pte", "kk",
          "sarl", "sas", "lp", "llp", "kg", "se", "as", "aps", "oyj", "sl", "sro", "zoo", "ug", "ltda",
          "group", "holdings");

  private static final Set<String> NAME_AFFIXES =
      Set.of("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "jr", "sr", "ii", "iii", "iv", "phd", "md",
          "esq");

  private static final Map<String, String> ADDRESS_WORDS =
      Map.ofEntries(
          Map.entry("street", "st"), Map.entry("str", "st"), Map.entry("road", "rd"),
          Map.entry("avenue", "ave"), Map.entry("av", "ave"), Map.entry("boulevard", "blvd"),
          Map.entry("drive", "dr"), Map.entry("lane", "ln"), Map.entry("place", "pl"),
          Map.entry("court", "ct"), Map.entry("crescent", "cres"), Map.entry("terrace", "tce"),
          Map.entry("highway", "hwy"), Map.entry("parkway", "pkwy"), Map.entry("square", "sq"),
          Map.entry("north", "n"), Map.entry("south", "s"), Map.entry("east", "e"),
          Map.entry("west", "w"), Map.entry("suite", "ste"), Map.entry("apartment", "apt"),
          Map.entry("circuit", "cct"), Map.entry("close", "cl"));

  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

  /** Country names and codes, as {@link #countryKey} writes them, to ISO 3166 alpha-2 codes. */
  private static final Map<String, String> COUNTRIES = countries();

  private Normalize() {}

  /**
   * Lower case, accents stripped, every run of characters other than letters and digits turned into
   * one space, trimmed. {@code keep} lists punctuation kept as it is.
   */
  public static @Nullable String text(@Nullable String raw) {
    return clean(raw, "");
  }

  static @Nullable String clean(@Nullable String raw, String keep) {
    if (raw == null) {
      return null;
    }
    String s = raw;
    if (!isAscii(s)) {
      s = Normalizer.normalize(s, Normalizer.Form.NFD);
    }
    StringBuilder b = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + 32);
      } else if (c > 127) {
        if (Character.getType(c) == Character.NON_SPACING_MARK) {
          continue;
        }
        if (c == 'ß') {
          appendSpace(b, space);
          b.append("ss");
          space = false;
          continue;
        }
        if (c == 'ø' || c == 'Ø') {
          c = 'o';
        } else if (c == 'æ' || c == 'Æ') {
          appendSpace(b, space);
          b.append("ae");
          space = false;
          continue;
        } else if (c == 'ł' || c == 'Ł') {
          c = 'l';
        } else if (c == 'đ' || c == 'Đ') {
          c = 'd';
        } else if (Character.isLetterOrDigit(c)) {
          c = Character.toLowerCase(c);
        } else {
          space = b.length() > 0;
          continue;
        }
      }
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || keep.indexOf(c) >= 0 || c > 127) {
        appendSpace(b, space);
        space = false;
        b.append(c);
      } else if (c == '\'' || c == '’') {
        // O'Brien -> obrien: apostrophes join
      } else {
        space = b.length() > 0;
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  private static void appendSpace(StringBuilder b, boolean space) {
    if (space && b.length() > 0) {
      b.append(' ');
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 127) {
        return false;
      }
    }
    return true;
  }

  /** A person's name: {@link #text} without titles and generational suffixes (Dr, Jr, III ...). */
  public static @Nullable String name(@Nullable String raw) {
    String t = text(raw);
    if (t == null || t.indexOf(' ') < 0) {
      return t == null || NAME_AFFIXES.contains(t) ? null : t;
    }
    StringBuilder b = new StringBuilder(t.length());
    for (String token : t.split(" ")) {
      if (!NAME_AFFIXES.contains(token)) {
        if (b.length() > 0) {
          b.append(' ');
        }
        b.append(token);
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /**
   * The generational suffix in a name as written, or {@code null}: {@code "jr"} for Jr., Junior and II
   * (used alike), {@code "sr"} for Sr. and Senior, {@code "iii"}, {@code "iv"}. {@code John Smith Jr.},
   * {@code Perez, Sr}, {@code Smith III}.
   */
  public static @Nullable String generation(@Nullable String raw) {
    if (raw == null || raw.indexOf(' ') < 0 && raw.indexOf(',') < 0) {
      return null; // one word (nearly every name field): no suffix, and no normalising to find that out
    }
    String t = text(raw);
    if (t == null || t.indexOf(' ') < 0) {
      return null; // a lone "Jr" is no name's suffix; and a name of one word has none
    }
    String out = null;
    String[] tokens = t.split(" ");
    for (int k = 1; k < tokens.length; k++) { // not the first word: Junior Smith is a given name
      String token = tokens[k];
      String g = switch (token) {
        case "jr", "junior", "ii" -> "jr";
        case "sr", "senior" -> "sr";
        case "iii", "iv" -> token;
        default -> null;
      };
      out = g != null ? g : out;
    }
    return out;
  }

  /**
   * A full name's given and family name, normalised as by {@link #name}: the first and the last word of
   * {@code John A. Smith}, and the CRM export order {@code Smith, John A.} read the same way. A comma
   * followed only by titles or suffixes ({@code John Smith, Jr.}) is not that order. Either part may be
   * {@code null}; a single word counts as a given name.
   */
  public static @Nullable String[] fullName(@Nullable String raw) {
    @Nullable String[] out = new String[2];
    if (raw == null) {
      return out;
    }
    int comma = raw.indexOf(',');
    String family = null;
    String rest = raw;
    if (comma >= 0) {
      String after = name(raw.substring(comma + 1).replace(',', ' '));
      if (after == null) {
        rest = raw.substring(0, comma);
      } else {
        family = name(raw.substring(0, comma));
        rest = after;
      }
    }
    String v = name(rest);
    if (v != null) {
      int a = v.indexOf(' ');
      out[0] = a < 0 ? v : v.substring(0, a);
      out[1] = family != null || a < 0 ? null : v.substring(v.lastIndexOf(' ') + 1);
    }
    if (family != null) {
      out[1] = family.substring(family.lastIndexOf(' ') + 1);
    }
    return out;
  }

  /**
   * The name a mailbox spells beside the one a record has, for a record that has only its given or only
   * its family name: {@code tyler_lindorberden1969@} with family name {@code lindorberden} gives
   * {@code tyler}, and with given name {@code tyler} gives {@code lindorberden} (either order, separators
   * and trailing digits ignored). {@code null} unless the rest is letters, at least two for a given name
   * and three for a family name, so initials ({@code jsmith@}, {@code kyler@}) give nothing.
   */
  public static @Nullable String nameFromMailbox(String local, @Nullable String given, @Nullable String family) {
    if ((given == null) == (family == null)) {
      return null;
    }
    int end = local.length();
    while (end > 0 && Character.isDigit(local.charAt(end - 1))) {
      end--;
    }
    StringBuilder b = new StringBuilder(end);
    for (int k = 0; k < end; k++) {
      char c = local.charAt(k);
      if (c >= 'a' && c <= 'z') {
        b.append(c);
      } else if (c != '.' && c != '_' && c != '-') {
        return null;
      }
    }
    String letters = b.toString();
    String known = (given != null ? given : family).replace(" ", "");
    if (known.length() < 2 || letters.length() <= known.length()) {
      return null;
    }
    String rest = letters.startsWith(known) ? letters.substring(known.length())
        : letters.endsWith(known) ? letters.substring(0, letters.length() - known.length())
        : null;
    return rest == null || rest.length() < (given != null ? 3 : 2) ? null : rest;
  }

  /** The canonical given name: normalised, then mapped through the nickname table ({@code Bob -> robert}). */
  public static @Nullable String givenNameCanonical(@Nullable String normalizedName) {
    if (normalizedName == null) {
      return null;
    }
    int space = normalizedName.indexOf(' ');
    String first = space < 0 ? normalizedName : normalizedName.substring(0, space);
    return Nicknames.canonical(first);
  }

  /** A company name: {@link #text}, {@code &} as {@code and}, leading "the" and legal suffixes removed. */
  public static @Nullable String company(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String t = text(raw.indexOf('&') >= 0 ? raw.replace("&", " and ") : raw);
    if (t == null) {
      return null;
    }
    String[] tokens = t.split(" ");
    int start = 0;
    int end = tokens.length;
    if (end > 1 && tokens[0].equals("the")) {
      start = 1;
    }
    // strip trailing legal suffixes, also dotted ones that text() split into letters (l l c, s a)
    while (end - start > 1) {
      if (LEGAL_SUFFIXES.contains(tokens[end - 1])) {
        end--;
      } else if (end - start > 3 && tokens[end - 1].length() == 1 && tokens[end - 2].length() == 1
          && tokens[end - 3].length() == 1
          && LEGAL_SUFFIXES.contains(tokens[end - 3] + tokens[end - 2] + tokens[end - 1])) {
        end -= 3;
      } else if (end - start > 2 && tokens[end - 1].length() == 1 && tokens[end - 2].length() == 1
          && LEGAL_SUFFIXES.contains(tokens[end - 2] + tokens[end - 1])) {
        end -= 2;
      } else {
        break;
      }
    }
    return String.join(" ", java.util.Arrays.copyOfRange(tokens, start, end));
  }

  /** A street address: {@link #text} with common words abbreviated one way (street -> st ...). */
  public static @Nullable String address(@Nullable String raw) {
    String t = text(raw);
    if (t == null) {
      return null;
    }
    String[] tokens = t.split(" ");
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = ADDRESS_WORDS.getOrDefault(tokens[i], tokens[i]);
    }
    return String.join(" ", tokens);
  }

  /** Letters and digits only, lower case: postcodes, identifiers. */
  public static @Nullable String compact(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (Character.isLetterOrDigit(c)) {
        b.append(Character.toLowerCase(c));
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /**
   * A date as {@code yyyymmdd} when it reads as one ({@code 2015-10-29}, {@code 20151029}, {@code
   * 29/10/2015} day first); otherwise its digits, so that corrupted dates still compare by edits.
   */
  public static @Nullable String date(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String s = raw.strip();
    String[] parts = s.split("[-/. ]");
    if (parts.length == 3) {
      if (parts[0].length() == 4) {
        return digits(parts[0] + pad2(parts[1]) + pad2(parts[2]));
      }
      if (parts[2].length() == 4) {
        return digits(parts[2] + pad2(parts[1]) + pad2(parts[0]));
      }
    }
    return digits(s);
  }

  private static String pad2(String s) {
    return s.length() == 1 ? "0" + s : s;
  }

  private static @Nullable String digits(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        b.append(c);
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /**
   * An email address: trimmed, lower case, {@code +tag} dropped, dots dropped for Gmail (and
   * googlemail.com read as gmail.com). {@code null} when it is not an address ({@code a@b}).
   */
  public static @Nullable String email(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String s = raw.strip().toLowerCase(Locale.ROOT);
    if (s.startsWith("mailto:")) {
      s = s.substring(7);
    }
    int at = s.lastIndexOf('@');
    if (at <= 0 || at == s.length() - 1 || s.indexOf(' ') >= 0) {
      return null;
    }
    String local = s.substring(0, at);
    String domain = s.substring(at + 1);
    int plus = local.indexOf('+');
    if (plus > 0) {
      local = local.substring(0, plus);
    }
    if (domain.equals("googlemail.com")) {
      domain = "gmail.com";
    }
    if (DOT_INSENSITIVE_DOMAINS.contains(domain)) {
      local = local.replace(".", "");
    }
    if (local.isEmpty()) {
      return null;
    }
    return local + "@" + domain;
  }

  /** Whether a normalised email is a role mailbox ({@code info@}, {@code sales@} ...) shared by many. */
  public static boolean isRoleMailbox(String normalizedEmail) {
    int at = normalizedEmail.indexOf('@');
    String local = at < 0 ? normalizedEmail : normalizedEmail.substring(0, at);
    return ROLE_LOCAL_PARTS.contains(local);
  }

  /** The local part of a normalised email. */
  public static String emailLocal(String normalizedEmail) {
    return normalizedEmail.substring(0, normalizedEmail.indexOf('@'));
  }

  /**
   * The ISO 3166 alpha-2 code ({@code GB}) of a country written as CRMs hold it: the code itself, the
   * alpha-3 code ({@code GBR}), the English name or the name in French, German, Spanish, Italian,
   * Portuguese or Dutch ({@code United Kingdom}, {@code Royaume-Uni}), or a common alias ({@code UK},
   * {@code England}, {@code U.S.A.}, {@code Holland}). Case, accents, punctuation and a leading
   * "the" are ignored. {@code null} for anything else: a misspelled country is not guessed at.
   */
  public static @Nullable String country(@Nullable String raw) {
    String key = countryKey(raw);
    return key == null ? null : COUNTRIES.get(key);
  }

  private static @Nullable String countryKey(@Nullable String raw) {
    String t = text(raw);
    if (t == null) {
      return null;
    }
    if (t.startsWith("the ")) {
      t = t.substring(4);
    }
    return t.replace(" ", "");
  }

  private static Map<String, String> countries() {
    Map<String, String> m = new HashMap<>();
    List<Locale> languages = List.of(Locale.ENGLISH, Locale.FRENCH, Locale.GERMAN, Locale.forLanguageTag("es"),
        Locale.ITALIAN, Locale.forLanguageTag("pt"), Locale.forLanguageTag("nl"));
    for (String code : Locale.getISOCountries()) {
      Locale country = new Locale.Builder().setRegion(code).build();
      m.putIfAbsent(code.toLowerCase(Locale.ROOT), code);
      m.putIfAbsent(country.getISO3Country().toLowerCase(Locale.ROOT), code);
      for (Locale language : languages) {
        String key = countryKey(country.getDisplayCountry(language));
        if (key != null) {
          m.putIfAbsent(key, code);
        }
      }
    }
    String[][] aliases = {
        {"GB", "uk", "greatbritain", "britain", "england", "scotland", "wales", "northernireland",
            "unitedkingdomofgreatbritainandnorthernireland"},
        {"US", "unitedstatesofamerica", "america", "usofa"},
        {"NL", "holland"}, {"KR", "korea", "southkorea", "republicofkorea"}, {"RU", "russianfederation"},
        {"CZ", "czechrepublic", "czechia"}, {"AE", "uae"}, {"CI", "ivorycoast"}, {"TR", "turkiye"},
        {"HK", "hongkong"}, {"MO", "macau", "macao"}, {"VN", "vietnam"}, {"MK", "macedonia"},
        {"CD", "drc", "drcongo"}, {"IR", "iran"}, {"SY", "syria"}, {"TW", "taiwan"}, {"LA", "laos"},
        {"BO", "bolivia"}, {"VE", "venezuela"}, {"TZ", "tanzania"}, {"MD", "moldova"}};
    for (String[] a : aliases) {
      for (int k = 1; k < a.length; k++) {
        m.put(a[k], a[0]);
      }
    }
    return Map.copyOf(m);
  }

  /** Whether libphonenumber reads national numbers of this ISO 3166 alpha-2 region. */
  public static boolean isPhoneRegion(String region) {
    return PHONES.getSupportedRegions().contains(region);
  }

  /**
   * A phone number in E.164 ({@code +14155550123}), parsed by libphonenumber with {@code defaultRegion}
   * for numbers written without a country code; extensions are dropped. A number libphonenumber cannot
   * parse keeps its digits (prefixed {@code ?}) when it has at least 5, so it still compares exactly.
   */
  public static @Nullable String phone(@Nullable String raw, String defaultRegion) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      PhoneNumber n = PHONES.parse(raw, defaultRegion);
      if (PHONES.isPossibleNumber(n)) {
        n.clearExtension();
        return PHONES.format(n, PhoneNumberUtil.PhoneNumberFormat.E164);
      }
    } catch (NumberParseException e) {
      // fall through to the digits
    }
    String d = digits(raw);
    return d == null || d.length() < 5 ? null : "?" + d;
  }
}

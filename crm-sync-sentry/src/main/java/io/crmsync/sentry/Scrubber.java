package io.crmsync.sentry;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets and personal data from text before it leaves for Sentry. Secrets (bearer and basic
 * credentials, JWTs, values of {@code token}, {@code password}, {@code client_secret}, {@code api_key} and the
 * like in {@code key=value} or JSON form) are always removed; emails, phone numbers and names are removed
 * unless turned off; more patterns may be added. Immutable and thread-safe.
 *
 * <p>Names cannot be told from other words by their shape, so the name rule removes what CRMs quote in their
 * error messages: values of name, email and phone fields ({@code firstName=Ada}, {@code "last_name": "Byron"}),
 * quoted text that is not an identifier ({@code 'Ada Lovelace'} and {@code "Ada"} go, {@code 'email'} and
 * {@code 'Last_Name'} stay, so that a message still names the field it is about), and display names before an
 * address ({@code Ada Lovelace <ada@example.com>}). A name written into prose without quotes is not recognised:
 * add a {@link Builder#pattern} for the shapes your CRMs use.
 */
public final class Scrubber {
  private static final String REDACTED = "[redacted]";

  private static final List<Rule> SECRETS = List.of(
      new Rule("(?i)\\b(bearer|basic|zoho-oauthtoken)\\s+[A-Za-z0-9._~+/=-]{4,}", "$1 " + REDACTED),
      new Rule("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*", REDACTED),
      new Rule("(?i)\\b((?:access|refresh|id|api|auth|session|oauth)?[_-]?token|client[_-]?secret|password|passwd|pwd"
          + "|api[_-]?key|apikey|secret|authorization|private[_-]?key|assertion|sessionid)(\"?'?\\s*[:=]\\s*\"?'?)"
          + "(?!(?i:bearer|basic|zoho-oauthtoken)\\s|\\[redacted])[^\\s\"'&,;}\\]]+", "$1$2" + REDACTED));

  private static final Rule EMAILS = new Rule("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", "[email]");
  private static final List<Rule> PHONES = List.of(
      new Rule("(?<![\\w.:/+-])\\+\\d[\\d ()./-]{5,}\\d(?![\\w.:-])", "[phone]"),
      new Rule("(?<![\\w.:/-])\\(?\\d{3}\\)?[ .-]\\d{3}[ .-]\\d{4}(?![\\w.:-])", "[phone]"));
  private static final List<Rule> NAMES = List.of(
      // a display name before an address: "Ada Lovelace <ada@example.com>"
      new Rule("(?:\\p{Lu}[\\p{L}'.-]*\\s+){1,4}<([^<>\\s]+@[^<>\\s]+)>", REDACTED + " <$1>"),
      new Rule("(?i)\\b(first_?name|last_?name|full_?name|middle_?name|salutation|name|mobile|phone|email)"
          + "(\"?'?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;}\\]]+)", "$1$2" + REDACTED),
      // quoted text that opens and closes a token, unless it is an identifier (a field's name)
      new Rule("(?<!\\w)'(?![a-z][A-Za-z0-9_.]*'|[A-Za-z0-9]*_[A-Za-z0-9_.]*'|\\[redacted]')(?!\\s)[^'\\n]{1,200}(?<!\\s)'(?!\\w)",
          "'" + REDACTED + "'"),
      new Rule("(?<!\\w)\"(?![a-z][A-Za-z0-9_.]*\"|[A-Za-z0-9]*_[A-Za-z0-9_.]*\"|\\[redacted]\")(?!\\s)[^\"\\n]{1,200}(?<!\\s)\"(?!\\w)",
          "\"" + REDACTED + "\""));

  private record Rule(Pattern pattern, String replacement) {
    Rule(String regex, String replacement) {
      this(Pattern.compile(regex), replacement);
    }

    String apply(String text) {
      Matcher m = pattern.matcher(text);
      return m.find() ? m.replaceAll(replacement) : text;
    }
  }

  private final List<Rule> rules;

  private Scrubber(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Secrets, emails, phone numbers and names. */
  public static Scrubber defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code text} without what this scrubber removes. */
  public String scrub(String text) {
    Objects.requireNonNull(text, "text");
    String out = text;
    for (Rule r : rules) {
      out = r.apply(out);
    }
    return out;
  }

  @Override
  public String toString() {
    return "Scrubber{" + rules.size() + " rules}";
  }

  /** Builds a {@link Scrubber}. Not thread-safe. */
  public static final class Builder {
    private boolean emails = true;
    private boolean phones = true;
    private boolean names = true;
    private final List<Rule> extra = new ArrayList<>();

    Builder() {}

    /** Whether email addresses are removed (true by default). */
    public Builder emails(boolean remove) {
      this.emails = remove;
      return this;
    }

    /** Whether phone numbers (international, or ten digits in groups) are removed (true by default). */
    public Builder phones(boolean remove) {
      this.phones = remove;
      return this;
    }

    /** Whether names and other quoted values are removed (true by default); see {@link Scrubber}. */
    public Builder names(boolean remove) {
      this.names = remove;
      return this;
    }

    /** Also replaces what {@code regex} matches with {@code replacement} ({@link Matcher#replaceAll} syntax). */
    public Builder pattern(String regex, String replacement) {
      extra.add(new Rule(Pattern.compile(Objects.requireNonNull(regex, "regex")),
          Objects.requireNonNull(replacement, "replacement")));
      return this;
    }

    public Scrubber build() {
      List<Rule> rules = new ArrayList<>(SECRETS);
      if (names) {
        rules.addAll(NAMES); // before emails: a quoted email goes whole
      }
      if (emails) {
        rules.add(EMAILS);
      }
      if (phones) {
        rules.addAll(PHONES);
      }
      rules.addAll(extra);
      return new Scrubber(rules);
    }
  }
}

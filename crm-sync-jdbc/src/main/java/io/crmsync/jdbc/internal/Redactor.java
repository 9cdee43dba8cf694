package io.crmsync.jdbc.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Takes secrets out of text before people see it: exception messages (ours and the driver's, which we
 * wrap or log), log lines and {@code toString()}. It masks every form a PostgreSQL password can take in
 * a connection string or message, whether or not it knows the password:
 *
 * <ul>
 *   <li>user information in a URL's authority ({@code //user:secret@host});
 *   <li>a setting whose name says password ({@code password=}, {@code sslpassword=}, {@code PGPASSWORD=},
 *       {@code "password": "..."}), in a query string, a properties dump or JSON;
 *   <li>the known secret values themselves (the configured password, plain and percent-encoded), wherever
 *       they appear, such as in a host name a malformed URL made of them.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class Redactor {
  /** What a secret is replaced with. */
  public static final String MASK = "****";
  /**
   * Secrets shorter than this are not searched for as plain text: masking every "ab" in a message would
   * make it unreadable, and such a password protects nothing. The patterns still mask them where they
   * stand in a URL or a setting.
   */
  static final int MIN_SECRET_LENGTH = 3;

  /** {@code scheme://user:secret@host}: the part between the first ':' of the authority and its '@'. */
  private static final Pattern USERINFO = Pattern.compile("(//[^/?#@\\s:]*):[^/?#@\\s]*@");
  /** {@code password=x}, {@code sslpassword = x}, {@code PGPASSWORD=x}, {@code "password":"x"}, {@code passwd: x}. */
  private static final Pattern SECRET_SETTING = Pattern.compile(
      "(?i)([\\w.-]*(?:password|passwd|pwd)[\"']?\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^&;,\\s)\\]}\"']+)");

  private static final Redactor PATTERNS_ONLY = new Redactor(List.of());

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  /** A redactor that knows no secret value, only the patterns. */
  public static Redactor patternsOnly() {
    return PATTERNS_ONLY;
  }

  /** A redactor that also masks {@code secrets} (nulls and short values are ignored) wherever they appear. */
  public static Redactor of(Collection<@Nullable String> secrets) {
    Set<String> forms = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s == null || s.length() < MIN_SECRET_LENGTH) {
        continue;
      }
      forms.add(s);
      forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
      forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    // longest first, so that a secret containing another is masked whole
    List<String> sorted = new ArrayList<>(forms);
    sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
    return sorted.isEmpty() ? PATTERNS_ONLY : new Redactor(List.copyOf(sorted));
  }

  /** {@code text} with every secret masked; null stays null. */
  public @Nullable String redact(@Nullable String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String s : secrets) {
      if (out.contains(s)) {
        out = out.replace(s, MASK);
      }
    }
    out = USERINFO.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
    out = SECRET_SETTING.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
    return out;
  }

  /** Whether {@link #redact} would change {@code text}. */
  boolean changes(@Nullable String text) {
    return !Objects.equals(text, redact(text));
  }

  /**
   * {@code t} if no message in its chain (causes and suppressed) holds a secret; otherwise a copy of the
   * chain with the messages masked, each link keeping its stack trace, its class name (in {@code
   * toString()}) and, for an {@link SQLException}, its SQLState and error code. The copy is what may be
   * wrapped, logged or printed.
   */
  public Throwable redact(Throwable t) {
    Objects.requireNonNull(t, "t");
    if (!anyChanges(t, new IdentityHashMap<>())) {
      return t;
    }
    return copy(t, new IdentityHashMap<>());
  }

  /** Like {@link #redact(Throwable)}, for an {@link SQLException}: the copy is one too. */
  public SQLException redact(SQLException e) {
    return (SQLException) redact((Throwable) e);
  }

  private boolean anyChanges(Throwable t, Map<Throwable, Boolean> seen) {
    if (seen.put(t, Boolean.TRUE) != null) {
      return false;
    }
    if (changes(t.getMessage()) || changes(t.toString())) {
      return true;
    }
    for (Throwable s : t.getSuppressed()) {
      if (anyChanges(s, seen)) {
        return true;
      }
    }
    Throwable cause = t.getCause();
    return cause != null && anyChanges(cause, seen);
  }

  private Throwable copy(Throwable t, Map<Throwable, Throwable> done) {
    Throwable existing = done.get(t);
    if (existing != null) {
      return existing;
    }
    String message = redact(t.getMessage());
    Throwable c;
    if (t instanceof SQLException sql) {
      c = new RedactedSQLException(t.getClass().getName(), message, sql.getSQLState(), sql.getErrorCode());
    } else {
      c = new RedactedException(t.getClass().getName(), message);
    }
    done.put(t, c);
    c.setStackTrace(t.getStackTrace());
    Throwable cause = t.getCause();
    if (cause != null) {
      c.initCause(copy(cause, done));
    }
    for (Throwable s : t.getSuppressed()) {
      c.addSuppressed(copy(s, done));
    }
    return c;
  }

  @Override
  public String toString() {
    return "Redactor{" + secrets.size() + " secret form(s)}";
  }

  /** A copy of an exception whose message held a secret; {@code toString()} names the original class. */
  static final class RedactedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String originalClass;

    RedactedException(String originalClass, @Nullable String message) {
      super(message);
      this.originalClass = originalClass;
    }

    /** The class of the exception this copies. */
    String originalClass() {
      return originalClass;
    }

    @Override
    public String toString() {
      String m = getLocalizedMessage();
      return m != null ? originalClass + ": " + m : originalClass;
    }
  }

  /** A copy of an {@link SQLException} whose message held a secret. */
  static final class RedactedSQLException extends SQLException {
    private static final long serialVersionUID = 1L;
    private final String originalClass;

    RedactedSQLException(String originalClass, @Nullable String message, @Nullable String sqlState, int errorCode) {
      super(message, sqlState, errorCode);
      this.originalClass = originalClass;
    }

    String originalClass() {
      return originalClass;
    }

    @Override
    public String toString() {
      String m = getLocalizedMessage();
      return m != null ? originalClass + ": " + m : originalClass;
    }
  }
}

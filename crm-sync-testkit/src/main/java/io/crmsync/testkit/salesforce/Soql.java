package io.crmsync.testkit.salesforce;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The SOQL subset the emulator understands: {@code SELECT f1, Rel.f2 FROM Type [WHERE ...] [ORDER BY f [ASC|DESC]
 * [NULLS FIRST|LAST], ...] [LIMIT n]}, where conditions combine {@code AND}, {@code OR}, {@code NOT} and
 * parentheses over {@code = != <> < <= > >= LIKE IN NOT IN} against string, number, boolean, {@code null}, date
 * and datetime literals. String literals are decoded by Salesforce's escaping rules, so the escaping of a client
 * can be tested against it; an invalid escape is a {@code MALFORMED_QUERY}.
 */
final class Soql {
  /** A query the emulator could not parse; becomes a 400 {@code MALFORMED_QUERY}. */
  static final class SoqlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SoqlException(String message) {
      super(message);
    }
  }

  record OrderItem(String field, boolean descending, boolean nullsLast) {}

  /** A parsed query. */
  record Query(String type, List<String> select, @Nullable Expr where, List<OrderItem> orderBy, int limit) {}

  /** A condition over a record; {@code values} reads a field path of the record (null when unset). */
  interface Expr {
    boolean test(Function<String, @Nullable Object> values);

    /** Every field path the condition reads. */
    void fields(List<String> out);
  }

  private enum Kind { IDENT, STRING, NUMBER, DATE, DATETIME, OP, LPAREN, RPAREN, COMMA, EOF }

  private record Token(Kind kind, String text, int pos) {}

  private static final Pattern DATETIME =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:?\\d{2})");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

  private final List<Token> tokens;
  private int at;

  private Soql(List<Token> tokens) {
    this.tokens = tokens;
  }

  static Query parse(String soql) {
    Soql p = new Soql(tokenize(soql));
    return p.query();
  }

  // ---------------------------------------------------------------- tokenizer

  private static List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'') {
        int start = i++;
        StringBuilder raw = new StringBuilder();
        while (true) {
          if (i >= s.length()) {
            throw new SoqlException("unterminated string literal at " + start);
          }
          char d = s.charAt(i);
          if (d == '\\') {
            if (i + 1 >= s.length()) {
              throw new SoqlException("unterminated escape at " + i);
            }
            raw.append(d).append(s.charAt(i + 1));
            i += 2;
          } else if (d == '\'') {
            i++;
            break;
          } else {
            raw.append(d);
            i++;
          }
        }
        out.add(new Token(Kind.STRING, raw.toString(), start));
      } else if (c == '(') {
        out.add(new Token(Kind.LPAREN, "(", i++));
      } else if (c == ')') {
        out.add(new Token(Kind.RPAREN, ")", i++));
      } else if (c == ',') {
        out.add(new Token(Kind.COMMA, ",", i++));
      } else if (c == '=' || c == '<' || c == '>' || c == '!') {
        int start = i;
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        if (two.equals("<=") || two.equals(">=") || two.equals("!=") || two.equals("<>")) {
          out.add(new Token(Kind.OP, two, start));
          i += 2;
        } else if (c == '!') {
          throw new SoqlException("unexpected '!' at " + i);
        } else {
          out.add(new Token(Kind.OP, String.valueOf(c), start));
          i++;
        }
      } else if (Character.isDigit(c) || (c == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
        Matcher m = DATETIME.matcher(s).region(i, s.length());
        if (m.lookingAt()) {
          out.add(new Token(Kind.DATETIME, m.group(), i));
          i = m.end();
          continue;
        }
        m = DATE.matcher(s).region(i, s.length());
        if (m.lookingAt()) {
          out.add(new Token(Kind.DATE, m.group(), i));
          i = m.end();
          continue;
        }
        m = NUMBER.matcher(s).region(i, s.length());
        if (!m.lookingAt()) {
          throw new SoqlException("malformed number at " + i);
        }
        out.add(new Token(Kind.NUMBER, m.group(), i));
        i = m.end();
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '.')) {
          i++;
        }
        out.add(new Token(Kind.IDENT, s.substring(start, i), start));
      } else {
        throw new SoqlException("unexpected character '" + c + "' at " + i);
      }
    }
    out.add(new Token(Kind.EOF, "", s.length()));
    return out;
  }

  /**
   * Decodes the inside of a string literal. In a LIKE pattern, {@code \%} and {@code \_} stay escaped (as a
   * backslash and the character) so the pattern compiler can tell them from wildcards; elsewhere they are errors,
   * as in Salesforce.
   */
  static String decode(String raw, boolean like) {
    StringBuilder sb = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = raw.charAt(++i);
      switch (e) {
        case 'n', 'N' -> sb.append('\n');
        case 'r', 'R' -> sb.append('\r');
        case 't', 'T' -> sb.append('\t');
        case 'b', 'B' -> sb.append('\b');
        case 'f', 'F' -> sb.append('\f');
        case '"' -> sb.append('"');
        case '\'' -> sb.append('\'');
        case '\\' -> sb.append(like ? "\\\\" : "\\");
        case '%', '_' -> {
          if (!like) {
            throw new SoqlException("invalid escape sequence \\" + e + " outside LIKE");
          }
          sb.append('\\').append(e);
        }
        default -> throw new SoqlException("invalid escape sequence \\" + e);
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- parser

  private Token peek() {
    return tokens.get(at);
  }

  private Token next() {
    return tokens.get(at++);
  }

  private boolean keyword(String kw) {
    Token t = peek();
    if (t.kind == Kind.IDENT && t.text.equalsIgnoreCase(kw)) {
      at++;
      return true;
    }
    return false;
  }

  private void expectKeyword(String kw) {
    if (!keyword(kw)) {
      throw new SoqlException("expected " + kw + " at " + peek().pos + " but found '" + peek().text + "'");
    }
  }

  private Token expect(Kind kind) {
    Token t = next();
    if (t.kind != kind) {
      throw new SoqlException("expected " + kind + " at " + t.pos + " but found '" + t.text + "'");
    }
    return t;
  }

  private Query query() {
    expectKeyword("SELECT");
    List<String> select = new ArrayList<>();
    do {
      select.add(expect(Kind.IDENT).text);
    } while (peek().kind == Kind.COMMA && next() != null);
    expectKeyword("FROM");
    String type = expect(Kind.IDENT).text;
    Expr where = null;
    if (keyword("WHERE")) {
      where = or();
    }
    List<OrderItem> order = new ArrayList<>();
    if (keyword("ORDER")) {
      expectKeyword("BY");
      do {
        String f = expect(Kind.IDENT).text;
        boolean desc = false;
        if (keyword("DESC")) {
          desc = true;
        } else {
          keyword("ASC");
        }
        boolean nullsLast = desc;
        if (keyword("NULLS")) {
          if (keyword("LAST")) {
            nullsLast = true;
          } else {
            expectKeyword("FIRST");
            nullsLast = false;
          }
        }
        order.add(new OrderItem(f, desc, nullsLast));
      } while (peek().kind == Kind.COMMA && next() != null);
    }
    int limit = Integer.MAX_VALUE;
    if (keyword("LIMIT")) {
      limit = Integer.parseInt(expect(Kind.NUMBER).text);
    }
    if (peek().kind != Kind.EOF) {
      throw new SoqlException("unexpected token '" + peek().text + "' at " + peek().pos);
    }
    return new Query(type, select, where, order, limit);
  }

  private Expr or() {
    Expr left = and();
    while (keyword("OR")) {
      Expr a = left;
      Expr b = and();
      left = new Expr() {
        @Override
        public boolean test(Function<String, @Nullable Object> v) {
          return a.test(v) || b.test(v);
        }

        @Override
        public void fields(List<String> out) {
          a.fields(out);
          b.fields(out);
        }
      };
    }
    return left;
  }

  private Expr and() {
    Expr left = not();
    while (keyword("AND")) {
      Expr a = left;
      Expr b = not();
      left = new Expr() {
        @Override
        public boolean test(Function<String, @Nullable Object> v) {
          return a.test(v) && b.test(v);
        }

        @Override
        public void fields(List<String> out) {
          a.fields(out);
          b.fields(out);
        }
      };
    }
    return left;
  }

  private Expr not() {
    if (keyword("NOT")) {
      Expr inner = not();
      return new Expr() {
        @Override
        public boolean test(Function<String, @Nullable Object> v) {
          return !inner.test(v);
        }

        @Override
        public void fields(List<String> out) {
          inner.fields(out);
        }
      };
    }
    if (peek().kind == Kind.LPAREN) {
      next();
      Expr e = or();
      expect(Kind.RPAREN);
      return e;
    }
    return comparison();
  }

  private Expr comparison() {
    String field = expect(Kind.IDENT).text;
    if (keyword("LIKE")) {
      Token t = expect(Kind.STRING);
      Pattern p = likePattern(decode(t.text, true));
      return simple(field, v -> v != null && p.matcher(v.toString()).matches());
    }
    boolean negate = false;
    if (peek().kind == Kind.IDENT && peek().text.equalsIgnoreCase("NOT")) {
      next();
      negate = true;
      if (!(peek().kind == Kind.IDENT && peek().text.equalsIgnoreCase("IN"))) {
        throw new SoqlException("expected IN after NOT at " + peek().pos);
      }
    }
    if (keyword("IN")) {
      expect(Kind.LPAREN);
      List<@Nullable Object> values = new ArrayList<>();
      do {
        values.add(literal());
      } while (peek().kind == Kind.COMMA && next() != null);
      expect(Kind.RPAREN);
      boolean neg = negate;
      return simple(field, v -> {
        boolean found = false;
        for (Object lit : values) {
          if (compare(v, lit) == 0) {
            found = true;
            break;
          }
        }
        return neg != found;
      });
    }
    Token op = expect(Kind.OP);
    Object lit = literal();
    return switch (op.text) {
      case "=" -> simple(field, v -> lit == null ? v == null : v != null && compare(v, lit) == 0);
      case "!=", "<>" -> simple(field, v -> lit == null ? v != null : v == null || compare(v, lit) != 0);
      case "<" -> simple(field, v -> v != null && lit != null && compare(v, lit) < 0);
      case "<=" -> simple(field, v -> v != null && lit != null && compare(v, lit) <= 0);
      case ">" -> simple(field, v -> v != null && lit != null && compare(v, lit) > 0);
      case ">=" -> simple(field, v -> v != null && lit != null && compare(v, lit) >= 0);
      default -> throw new SoqlException("unknown operator " + op.text);
    };
  }

  private interface ValueTest {
    boolean test(@Nullable Object value);
  }

  private static Expr simple(String field, ValueTest test) {
    return new Expr() {
      @Override
      public boolean test(Function<String, @Nullable Object> v) {
        return test.test(v.apply(field));
      }

      @Override
      public void fields(List<String> out) {
        out.add(field);
      }
    };
  }

  private @Nullable Object literal() {
    Token t = next();
    return switch (t.kind) {
      case STRING -> decode(t.text, false);
      case NUMBER -> new BigDecimal(t.text);
      case DATE -> LocalDate.parse(t.text);
      case DATETIME -> Values.parseDateTime(t.text);
      case IDENT -> {
        String k = t.text.toLowerCase(Locale.ROOT);
        if (k.equals("true") || k.equals("false")) {
          yield Boolean.valueOf(k);
        }
        if (k.equals("null")) {
          yield null;
        }
        throw new SoqlException("unexpected '" + t.text + "' at " + t.pos + "; expected a literal");
      }
      default -> throw new SoqlException("expected a literal at " + t.pos + " but found '" + t.text + "'");
    };
  }

  /** A case-insensitive regex for a decoded LIKE pattern, where {@code \%} and {@code \_} are literal. */
  static Pattern likePattern(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
      } else if (c == '%') {
        re.append("(?s:.*)");
      } else if (c == '_') {
        re.append("(?s:.)");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /**
   * Compares a stored value with a literal as Salesforce does: text without regard to case, numbers by value,
   * datetimes as instants, dates as dates.
   */
  static int compare(@Nullable Object value, @Nullable Object literal) {
    if (value == null || literal == null) {
      return value == literal ? 0 : value == null ? -1 : 1;
    }
    if (literal instanceof Instant i) {
      return Values.parseDateTime(value.toString()).compareTo(i);
    }
    if (literal instanceof LocalDate d) {
      String s = value.toString();
      return LocalDate.parse(s.length() > 10 ? s.substring(0, 10) : s).compareTo(d);
    }
    if (literal instanceof BigDecimal n) {
      return new BigDecimal(value.toString()).compareTo(n);
    }
    if (literal instanceof Boolean b) {
      return Boolean.compare(Boolean.parseBoolean(value.toString()), b);
    }
    return value.toString().compareToIgnoreCase(literal.toString());
  }

  /** Orders records by the ORDER BY items, reading values with {@code values}. */
  static Comparator<Map<String, Object>> comparator(
      List<OrderItem> items, Function<Map<String, Object>, Function<String, @Nullable Object>> values) {
    return (a, b) -> {
      for (OrderItem item : items) {
        Object va = values.apply(a).apply(item.field());
        Object vb = values.apply(b).apply(item.field());
        int c;
        if (va == null || vb == null) {
          c = va == vb ? 0 : (va == null) == item.nullsLast() ? 1 : -1;
        } else {
          c = va instanceof Number || va instanceof Boolean ? compare(va, vb instanceof Number ? new BigDecimal(vb.toString()) : vb)
              : va.toString().compareToIgnoreCase(vb.toString());
          if (item.descending()) {
            c = -c;
          }
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }
}

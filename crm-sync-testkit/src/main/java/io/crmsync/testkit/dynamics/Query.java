package io.crmsync.testkit.dynamics;

import io.crmsync.testkit.dynamics.Org.Ref;
import io.crmsync.testkit.dynamics.Org.Row;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The OData query options the emulator understands: {@code $select}, {@code $filter} and {@code $orderby}, parsed
 * against a table's columns and evaluated on its rows.
 *
 * <p>{@code $filter}: comparison operators {@code eq ne gt ge lt le}, {@code and or not}, parentheses, and the
 * functions {@code contains startswith endswith} on text, with string literals in single quotes (a quote doubled
 * inside), numbers, {@code true false null}, GUIDs and dates unquoted
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows). String comparisons
 * ignore case; {@code %}, {@code _} and {@code [...]} are wildcards inside the string functions, as the same page
 * says ("Use wildcard characters").
 */
final class Query {
  private Query() {}

  /** An {@code $orderby} term. */
  record Order(ColumnSpec column, boolean descending) {}

  /** A {@code $filter} expression; {@code null} from {@link #eval} is SQL's unknown. */
  interface Expr {
    @Nullable Boolean eval(Row row);
  }

  private static final Pattern GUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern DATETIME =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?(Z|[+-]\\d{2}:\\d{2})");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?[mMdDfFlL]?");

  // ------------------------------------------------------------------------------------------- $select

  /**
   * The columns {@code $select} names, in order.
   *
   * @throws DvError 400 naming the first property the table does not have
   */
  static List<ColumnSpec> select(Table t, String select) {
    List<ColumnSpec> out = new ArrayList<>();
    for (String part : select.split(",")) {
      String name = part.strip();
      if (name.isEmpty()) {
        throw DvError.syntax();
      }
      ColumnSpec c = t.byProperty.get(name);
      if (c == null) {
        throw unknownProperty(t, name);
      }
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  static DvError unknownProperty(Table t, String name) {
    // https://github.com/MicrosoftDocs/dynamics-365-customer-engagement/issues/678
    return new DvError(400, "0x0", "Could not find a property named '" + name + "' on type '" + t.typeName() + "'.");
  }

  // ------------------------------------------------------------------------------------------ $orderby

  static List<Order> orderBy(Table t, String orderBy) {
    List<Order> out = new ArrayList<>();
    for (String part : orderBy.split(",")) {
      String[] words = part.strip().split("\\s+");
      if (words.length == 0 || words[0].isEmpty() || words.length > 2) {
        throw DvError.syntax();
      }
      ColumnSpec c = t.byProperty.get(words[0]);
      if (c == null) {
        throw unknownProperty(t, words[0]);
      }
      boolean desc = false;
      if (words.length == 2) {
        switch (words[1].toLowerCase(Locale.ROOT)) {
          case "asc" -> desc = false;
          case "desc" -> desc = true;
          default -> throw DvError.syntax();
        }
      }
      out.add(new Order(c, desc));
    }
    return out;
  }

  /** Rows in {@code order}, NULLs first when ascending as in SQL Server, then by primary key. */
  static Comparator<Row> comparator(List<Order> order) {
    Comparator<Row> cmp = (a, b) -> 0;
    for (Order o : order) {
      Comparator<Row> one = (a, b) -> compareNullsFirst(a.values.get(o.column().logicalName), b.values.get(o.column().logicalName));
      cmp = cmp.thenComparing(o.descending() ? one.reversed() : one);
    }
    return cmp.thenComparing(r -> r.id);
  }

  static int compareNullsFirst(@Nullable Object a, @Nullable Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    return compareValues(a, b);
  }

  // ------------------------------------------------------------------------------------------- $filter

  /**
   * Parses {@code $filter}.
   *
   * @throws DvError 400 for a syntax error, an unknown property or operands of incompatible types
   */
  static Expr filter(Table t, String text) {
    Parser p = new Parser(t, text);
    Expr e = p.or();
    if (p.peek() != null) {
      throw p.syntaxError();
    }
    return e;
  }

  private enum Kind { STRING, INT, DECIMAL, BOOL, NULL, GUID, DATETIME, DATE, NAME, LPAREN, RPAREN, COMMA }

  private record Token(Kind kind, String text, @Nullable Object value, int position) {}

  /** An operand: a column of the row, or a literal. */
  private record Operand(@Nullable ColumnSpec column, @Nullable Object literal, String edmType) {
    @Nullable Object value(Row r) {
      return column != null ? r.values.get(column.logicalName) : literal;
    }
  }

  private static final class Parser {
    private final Table table;
    private final String text;
    private final List<Token> tokens;
    private int i;

    Parser(Table table, String text) {
      this.table = table;
      this.text = text;
      this.tokens = tokenize(text);
    }

    @Nullable Token peek() {
      return i < tokens.size() ? tokens.get(i) : null;
    }

    Token next() {
      if (i >= tokens.size()) {
        throw syntaxError();
      }
      return tokens.get(i++);
    }

    boolean word(String w) {
      Token t = peek();
      if (t != null && t.kind == Kind.NAME && t.text.equals(w)) {
        i++;
        return true;
      }
      return false;
    }

    DvError syntaxError() {
      int pos = i < tokens.size() ? tokens.get(i).position : text.length();
      return new DvError(400, "0x0", "Syntax error at position " + pos + " in '" + text + "'.");
    }

    Expr or() {
      Expr left = and();
      while (word("or")) {
        Expr l = left;
        Expr r = and();
        left = row -> {
          Boolean a = l.eval(row);
          if (Boolean.TRUE.equals(a)) {
            return true;
          }
          Boolean b = r.eval(row);
          if (Boolean.TRUE.equals(b)) {
            return true;
          }
          return a == null || b == null ? null : false;
        };
      }
      return left;
    }

    Expr and() {
      Expr left = unary();
      while (word("and")) {
        Expr l = left;
        Expr r = unary();
        left = row -> {
          Boolean a = l.eval(row);
          if (Boolean.FALSE.equals(a)) {
            return false;
          }
          Boolean b = r.eval(row);
          if (Boolean.FALSE.equals(b)) {
            return false;
          }
          return a == null || b == null ? null : true;
        };
      }
      return left;
    }

    Expr unary() {
      if (word("not")) {
        Expr inner = unary();
        return row -> {
          Boolean v = inner.eval(row);
          return v == null ? null : !v;
        };
      }
      return primary();
    }

    Expr primary() {
      Token t = peek();
      if (t == null) {
        throw syntaxError();
      }
      if (t.kind == Kind.LPAREN) {
        i++;
        Expr e = or();
        if (next().kind != Kind.RPAREN) {
          i--;
          throw syntaxError();
        }
        return e;
      }
      if (t.kind == Kind.NAME && (t.text.equals("contains") || t.text.equals("startswith") || t.text.equals("endswith"))
          && i + 1 < tokens.size() && tokens.get(i + 1).kind == Kind.LPAREN) {
        return function();
      }
      Operand left = operand();
      Token op = next();
      if (op.kind != Kind.NAME) {
        i--;
        throw syntaxError();
      }
      String kind = switch (op.text) {
        case "eq" -> "Equal";
        case "ne" -> "NotEqual";
        case "gt" -> "GreaterThan";
        case "ge" -> "GreaterThanOrEqual";
        case "lt" -> "LessThan";
        case "le" -> "LessThanOrEqual";
        default -> null;
      };
      if (kind == null) {
        i--;
        throw syntaxError();
      }
      Operand right = operand();
      checkTypes(left, right, kind);
      String o = op.text;
      return row -> {
        Object a = left.value(row);
        Object b = right.value(row);
        if (a == null || b == null) {
          return switch (o) {
            case "eq" -> a == b;
            case "ne" -> a != b;
            default -> null;
          };
        }
        int c = compareValues(a, b);
        return switch (o) {
          case "eq" -> c == 0;
          case "ne" -> c != 0;
          case "gt" -> c > 0;
          case "ge" -> c >= 0;
          case "lt" -> c < 0;
          default -> c <= 0;
        };
      };
    }

    Expr function() {
      String name = next().text;
      next(); // (
      Token prop = next();
      if (prop.kind != Kind.NAME) {
        i--;
        throw syntaxError();
      }
      ColumnSpec c = table.byProperty.get(prop.text);
      if (c == null) {
        throw unknownProperty(table, prop.text);
      }
      if (next().kind != Kind.COMMA) {
        i--;
        throw syntaxError();
      }
      Token lit = next();
      if (lit.kind != Kind.STRING) {
        i--;
        throw new DvError(400, "0x0", "The argument for an invocation of a function with name '" + name
            + "' is not a single value. All arguments for this function must be single values.");
      }
      if (next().kind != Kind.RPAREN) {
        i--;
        throw syntaxError();
      }
      if (!c.type.isText()) {
        throw new DvError(400, "0x0", "No function signature for the function with name '" + name
            + "' matches the specified arguments. The function signatures considered are: " + name + "(Edm.String Nullable=true, Edm.String Nullable=true).");
      }
      String body = (String) lit.value;
      String pattern = switch (name) {
        case "contains" -> "%" + body + "%";
        case "startswith" -> body + "%";
        default -> "%" + body;
      };
      Pattern regex = like(pattern);
      return row -> {
        Object v = row.values.get(c.logicalName);
        return v == null ? null : regex.matcher((String) v).matches();
      };
    }

    Operand operand() {
      Token t = next();
      return switch (t.kind) {
        case NAME -> {
          if (t.text.equals("true") || t.text.equals("false")) {
            yield new Operand(null, Boolean.valueOf(t.text), "Edm.Boolean");
          }
          if (t.text.equals("null")) {
            yield new Operand(null, null, "null");
          }
          if (t.text.contains("/")) {
            throw new DvError(400, "0x0", "The emulator does not support lookup paths in $filter: '" + t.text + "'.");
          }
          ColumnSpec c = table.byProperty.get(t.text);
          if (c == null) {
            throw unknownProperty(table, t.text);
          }
          yield new Operand(c, null, edmType(c));
        }
        case STRING -> new Operand(null, t.value, "Edm.String");
        case INT -> new Operand(null, t.value, "Edm.Int32");
        case DECIMAL -> new Operand(null, t.value, "Edm.Decimal");
        case GUID -> new Operand(null, t.value, "Edm.Guid");
        case DATETIME -> new Operand(null, t.value, "Edm.DateTimeOffset");
        case DATE -> new Operand(null, t.value, "Edm.Date");
        default -> {
          i--;
          throw syntaxError();
        }
      };
    }

    private void checkTypes(Operand a, Operand b, String kind) {
      if (a.edmType.equals("null") || b.edmType.equals("null")) {
        if (!kind.equals("Equal") && !kind.equals("NotEqual")) {
          throw incompatible(a, b, kind);
        }
        return;
      }
      if (family(a.edmType) != family(b.edmType)) {
        throw incompatible(a, b, kind);
      }
      if (family(a.edmType) == 'g' && !kind.equals("Equal") && !kind.equals("NotEqual")) {
        throw incompatible(a, b, kind);
      }
    }

    private static DvError incompatible(Operand a, Operand b, String kind) {
      return new DvError(400, "0x0", "A binary operator with incompatible types was detected. Found operand types '"
          + a.edmType + "' and '" + b.edmType + "' for operator kind '" + kind + "'.");
    }
  }

  private static char family(String edm) {
    return switch (edm) {
      case "Edm.String" -> 's';
      case "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double" -> 'n';
      case "Edm.Boolean" -> 'b';
      case "Edm.Guid" -> 'g';
      case "Edm.DateTimeOffset", "Edm.Date" -> 'd';
      default -> '?';
    };
  }

  static String edmType(ColumnSpec c) {
    return switch (c.type) {
      case STRING, MEMO -> "Edm.String";
      case INTEGER, PICKLIST, STATE, STATUS -> "Edm.Int32";
      case BIGINT -> "Edm.Int64";
      case DECIMAL, MONEY -> "Edm.Decimal";
      case DOUBLE -> "Edm.Double";
      case BOOLEAN -> "Edm.Boolean";
      case DATETIME -> "Edm.DateTimeOffset";
      case LOOKUP, CUSTOMER, OWNER, UNIQUEIDENTIFIER -> "Edm.Guid";
    };
  }

  /** Compares two values of one family: text ignoring case, numbers by value, references by id. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compareValues(Object a, Object b) {
    if (a instanceof Ref r) {
      a = r.id();
    }
    if (b instanceof Ref r) {
      b = r.id();
    }
    if (a instanceof String s && b instanceof String t) {
      return s.toLowerCase(Locale.ROOT).compareTo(t.toLowerCase(Locale.ROOT));
    }
    if (a instanceof Number x && b instanceof Number y) {
      return toDecimal(x).compareTo(toDecimal(y));
    }
    if (a instanceof UUID x && b instanceof UUID y) {
      return x.toString().compareTo(y.toString());
    }
    if (a instanceof Comparable c && a.getClass() == b.getClass()) {
      return c.compareTo(b);
    }
    return a.toString().compareTo(b.toString());
  }

  private static BigDecimal toDecimal(Number n) {
    return n instanceof BigDecimal b ? b : n instanceof Long || n instanceof Integer ? BigDecimal.valueOf(n.longValue())
        : new BigDecimal(n.toString());
  }

  /**
   * A SQL LIKE pattern as a regex, ignoring case: {@code %} any run, {@code _} one character, {@code [abc]} and
   * {@code [^abc]} a character set ({@code [%]} matches a literal percent sign).
   */
  static Pattern like(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int k = 0; k < pattern.length(); k++) {
      char ch = pattern.charAt(k);
      switch (ch) {
        case '%' -> re.append(".*");
        case '_' -> re.append('.');
        case '[' -> {
          int end = pattern.indexOf(']', k + 2);
          if (end < 0) {
            re.append("\\[");
          } else {
            String set = pattern.substring(k + 1, end);
            boolean negate = set.startsWith("^") && set.length() > 1;
            if (negate) {
              set = set.substring(1);
            }
            re.append(negate ? "[^" : "[");
            for (char s : set.toCharArray()) {
              re.append(Character.isLetterOrDigit(s) || s == '-' ? String.valueOf(s) : "\\" + s);
            }
            re.append(']');
            k = end;
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(ch)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL);
  }

  // ------------------------------------------------------------------------------------------- tokenizer

  private static List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int k = 0;
    while (k < s.length()) {
      char c = s.charAt(k);
      if (Character.isWhitespace(c)) {
        k++;
        continue;
      }
      int start = k;
      if (c == '(') {
        out.add(new Token(Kind.LPAREN, "(", null, k++));
      } else if (c == ')') {
        out.add(new Token(Kind.RPAREN, ")", null, k++));
      } else if (c == ',') {
        out.add(new Token(Kind.COMMA, ",", null, k++));
      } else if (c == '\'') {
        StringBuilder sb = new StringBuilder();
        k++;
        boolean closed = false;
        while (k < s.length()) {
          char d = s.charAt(k);
          if (d == '\'') {
            if (k + 1 < s.length() && s.charAt(k + 1) == '\'') {
              sb.append('\'');
              k += 2;
              continue;
            }
            closed = true;
            k++;
            break;
          }
          sb.append(d);
          k++;
        }
        if (!closed) {
          // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows#manage-single-quotes
          throw new DvError(400, "0x0", "There is an unterminated literal at position " + start + " in '" + s + "'.");
        }
        out.add(new Token(Kind.STRING, s.substring(start, k), sb.toString(), start));
      } else {
        while (k < s.length() && !Character.isWhitespace(s.charAt(k)) && "(),'".indexOf(s.charAt(k)) < 0) {
          k++;
        }
        String w = s.substring(start, k);
        out.add(word(w, start, s));
      }
    }
    return out;
  }

  private static Token word(String w, int position, String text) {
    if (GUID.matcher(w).matches()) {
      return new Token(Kind.GUID, w, UUID.fromString(w), position);
    }
    try {
      if (DATETIME.matcher(w).matches()) {
        return new Token(Kind.DATETIME, w, OffsetDateTime.parse(w).toInstant(), position);
      }
      if (DATE.matcher(w).matches()) {
        return new Token(Kind.DATE, w, LocalDate.parse(w).atStartOfDay(ZoneOffset.UTC).toInstant(), position);
      }
    } catch (DateTimeParseException e) {
      throw new DvError(400, "0x0", "Syntax error at position " + position + " in '" + text + "'.");
    }
    if (NUMBER.matcher(w).matches()) {
      String n = w.replaceAll("[mMdDfFlL]$", "");
      if (n.matches("-?\\d+")) {
        try {
          return new Token(Kind.INT, w, Long.parseLong(n), position);
        } catch (NumberFormatException e) {
          return new Token(Kind.DECIMAL, w, new BigDecimal(n), position);
        }
      }
      return new Token(Kind.DECIMAL, w, new BigDecimal(n), position);
    }
    if (w.matches("[A-Za-z_][A-Za-z0-9_./]*")) {
      return new Token(Kind.NAME, w, null, position);
    }
    throw new DvError(400, "0x0", "Syntax error at position " + position + " in '" + text + "'.");
  }

  /** Values of a row by logical name, for callers outside this class. */
  static @Nullable Object value(Row r, ColumnSpec c) {
    return r.values.get(c.logicalName);
  }

  static Map<String, Object> values(Row r) {
    return r.values;
  }
}

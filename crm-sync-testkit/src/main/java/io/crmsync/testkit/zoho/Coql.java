package io.crmsync.testkit.zoho;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.zoho.ZohoSchema.Field;
import io.crmsync.testkit.zoho.ZohoStore.Rec;
import io.crmsync.testkit.zoho.ZohoStore.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * COQL, Zoho CRM's query language, as far as the emulator serves it: {@code select} columns (a lookup's field
 * as {@code Lookup.Field}) {@code from} a module {@code where} criteria, {@code order by}, {@code limit} and
 * {@code offset}. The rules it enforces are Zoho's:
 *
 * <ul>
 *   <li>the {@code where} clause is required ({@code SYNTAX_ERROR} "missing clause");
 *   <li>more than two criteria must be bracketed, {@code (A and (B and C))};
 *   <li>at most 50 columns, 25 criteria, 10 {@code order by} fields, 2,000 records per call and 100,000
 *       through {@code limit} and {@code offset};
 *   <li>text fields take {@code =, !=, in, not in, like, not like, is [not] null}, not {@code <} or {@code >}
 *       ({@code INVALID_QUERY} "invalid operator found");
 *   <li>string literals are single-quoted, a quote or backslash inside one escaped with a backslash.
 * </ul>
 *
 * <p>Sources: https://zoho.com/crm/developer/docs/api/v8/COQL-Limitations.html,
 * https://github.com/zoho/crm-oas/blob/main/v8.0/coql/mds/examples/executeCOQLQuery.md (error bodies),
 * https://github.com/zoho/crm-oas/blob/main/v8.0/coql/operations/executeCOQLQuery/operation.md.
 */
final class Coql {
  static final int MAX_LIMIT = 2_000;
  static final int MAX_REACH = 100_000;
  static final int MAX_COLUMNS = 50;
  static final int MAX_CRITERIA = 25;
  static final int MAX_ORDER_BY = 10;
  static final int DEFAULT_LIMIT = 200;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Coql() {}

  /** A query Zoho refuses, with the error body it answers (HTTP 400). */
  static final class CoqlException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ObjectNode body;

    CoqlException(ObjectNode body) {
      super(body.path("message").asText(), null, false, false);
      this.body = body;
    }
  }

  static CoqlException error(String code, String message, ObjectNode details) {
    ObjectNode body = NODES.objectNode();
    body.put("code", code);
    body.set("details", details);
    body.put("message", message);
    body.put("status", "error");
    return new CoqlException(body);
  }

  private static CoqlException syntax(String near) {
    return error("SYNTAX_ERROR", "error occured while parsing the query", NODES.objectNode().put("near", near));
  }

  // ------------------------------------------------------------------------------------------------- model

  record Column(String text, String field, @Nullable String subField) {}

  record Order(String field, boolean ascending) {}

  enum Kind { STRING, NUMBER, BOOLEAN, NULL }

  /** A literal; {@code instant} is its value when it is a datetime text, parsed once. */
  record Literal(Kind kind, String text, @Nullable Instant instant) {
    static Literal of(Kind kind, String text) {
      return new Literal(kind, text, kind == Kind.STRING && ZohoStore.DATE_TIME_TEXT.matcher(text).matches()
          ? ZohoStore.parseDateTime(text) : null);
    }
  }

  sealed interface Expr permits And, Or, Cond {}

  record And(Expr left, Expr right) implements Expr {}

  record Or(Expr left, Expr right) implements Expr {}

  /** {@code op} is one of {@code = != > < >= <= in notin like notlike isnull isnotnull between}. */
  record Cond(String field, String op, List<Literal> values) implements Expr {}

  record Query(String module, List<Column> columns, Expr where, List<Order> orderBy, int limit, int offset, int criteria) {}

  // ------------------------------------------------------------------------------------------------- lexer

  private record Token(String text, boolean string, boolean number) {
    boolean is(String keyword) {
      return !string && text.equalsIgnoreCase(keyword);
    }
  }

  private static List<Token> tokens(String q) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < q.length()) {
      char c = q.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'') {
        StringBuilder sb = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < q.length()) {
          char d = q.charAt(i);
          if (d == '\\' && i + 1 < q.length()) {
            sb.append(q.charAt(i + 1));
            i += 2;
          } else if (d == '\'') {
            closed = true;
            i++;
            break;
          } else {
            sb.append(d);
            i++;
          }
        }
        if (!closed) {
          throw syntax("'" + sb);
        }
        out.add(new Token(sb.toString(), true, false));
      } else if (c == '(' || c == ')' || c == ',') {
        out.add(new Token(String.valueOf(c), false, false));
        i++;
      } else if (c == '=' || c == '<' || c == '>' || c == '!') {
        int j = i + 1;
        if (j < q.length() && (q.charAt(j) == '=' || (c == '<' && q.charAt(j) == '>'))) {
          j++;
        }
        String op = q.substring(i, j);
        if (op.equals("!")) {
          throw syntax(op);
        }
        out.add(new Token(op.equals("<>") ? "!=" : op, false, false));
        i = j;
      } else if (Character.isDigit(c) || (c == '-' && i + 1 < q.length() && Character.isDigit(q.charAt(i + 1)))) {
        int j = i + 1;
        while (j < q.length() && (Character.isDigit(q.charAt(j)) || q.charAt(j) == '.')) {
          j++;
        }
        out.add(new Token(q.substring(i, j), false, true));
        i = j;
      } else if (Character.isLetter(c) || c == '_' || c == '$') {
        int j = i + 1;
        while (j < q.length() && (Character.isLetterOrDigit(q.charAt(j)) || q.charAt(j) == '_' || q.charAt(j) == '.'
            || q.charAt(j) == '$')) {
          j++;
        }
        out.add(new Token(q.substring(i, j), false, false));
        i = j;
      } else {
        throw syntax(String.valueOf(c));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ parser

  private static final class Parser {
    private final List<Token> t;
    private int p;
    private int criteria;

    Parser(List<Token> tokens) {
      this.t = tokens;
    }

    private @Nullable Token peek() {
      return p < t.size() ? t.get(p) : null;
    }

    private Token next(String what) {
      if (p >= t.size()) {
        throw syntax(what);
      }
      return t.get(p++);
    }

    private boolean accept(String keyword) {
      Token k = peek();
      if (k != null && k.is(keyword)) {
        p++;
        return true;
      }
      return false;
    }

    private void expect(String keyword) {
      Token k = next(keyword);
      if (!k.is(keyword)) {
        throw syntax(k.text());
      }
    }

    Query parse() {
      expect("select");
      List<Column> columns = new ArrayList<>();
      do {
        Token c = next("select");
        if (c.string() || c.number() || c.text().equals("*") || isKeyword(c.text())) {
          throw syntax(c.text());
        }
        int dot = c.text().indexOf('.');
        columns.add(dot < 0 ? new Column(c.text(), c.text(), null)
            : new Column(c.text(), c.text().substring(0, dot), c.text().substring(dot + 1)));
      } while (accept(","));
      expect("from");
      Token module = next("from");
      if (module.string() || module.number()) {
        throw syntax(module.text());
      }
      if (!accept("where")) {
        throw error("SYNTAX_ERROR", "missing clause", NODES.objectNode().put("clause", "where"));
      }
      Expr where = expr();
      List<Order> orders = new ArrayList<>();
      int limit = DEFAULT_LIMIT;
      int offset = 0;
      if (accept("order")) {
        expect("by");
        do {
          Token f = next("order by");
          if (f.string() || f.number()) {
            throw syntax(f.text());
          }
          boolean asc = true;
          if (accept("desc")) {
            asc = false;
          } else {
            accept("asc");
          }
          orders.add(new Order(f.text(), asc));
        } while (accept(","));
      }
      if (accept("limit")) {
        int first = integer("limit");
        if (accept(",")) {
          offset = first;
          limit = integer("limit");
        } else {
          limit = first;
          if (accept("offset")) {
            offset = integer("offset");
          }
        }
      }
      if (peek() != null) {
        throw syntax(peek().text());
      }
      return new Query(module.text(), columns, where, orders, limit, offset, criteria);
    }

    private int integer(String clause) {
      Token n = next(clause);
      if (!n.number() || n.text().contains(".") || n.text().startsWith("-")) {
        throw error("INVALID_QUERY", clause + " given seems to be invalid", NODES.objectNode().put(clause, n.text()));
      }
      try {
        return Integer.parseInt(n.text());
      } catch (NumberFormatException e) {
        throw error("INVALID_QUERY", clause + " given seems to be invalid", NODES.objectNode().put(clause, n.text()));
      }
    }

    /** Two operands at most per level: {@code A and B}; a third needs brackets. */
    private Expr expr() {
      Expr left = term();
      Token op = peek();
      if (op == null || !(op.is("and") || op.is("or"))) {
        return left;
      }
      p++;
      Expr right = term();
      Token more = peek();
      if (more != null && (more.is("and") || more.is("or"))) {
        throw syntax(more.text());
      }
      return op.is("and") ? new And(left, right) : new Or(left, right);
    }

    private Expr term() {
      if (accept("(")) {
        Expr e = expr();
        Token close = next(")");
        if (!close.text().equals(")")) {
          throw syntax(close.text());
        }
        return e;
      }
      return condition();
    }

    private Expr condition() {
      Token field = next("where");
      if (field.string() || field.number() || isKeyword(field.text())) {
        throw syntax(field.text());
      }
      criteria++;
      Token op = next(field.text());
      if (op.is("is")) {
        boolean not = accept("not");
        expect("null");
        return new Cond(field.text(), not ? "isnotnull" : "isnull", List.of());
      }
      if (op.is("not")) {
        Token what = next("not");
        if (what.is("in")) {
          return new Cond(field.text(), "notin", list());
        }
        if (what.is("like")) {
          return new Cond(field.text(), "notlike", List.of(literal()));
        }
        throw syntax(what.text());
      }
      if (op.is("in")) {
        return new Cond(field.text(), "in", list());
      }
      if (op.is("like")) {
        return new Cond(field.text(), "like", List.of(literal()));
      }
      if (op.is("between")) {
        Literal low = literal();
        expect("and");
        Literal high = literal();
        return new Cond(field.text(), "between", List.of(low, high));
      }
      if (op.string() || !List.of("=", "!=", ">", "<", ">=", "<=").contains(op.text())) {
        throw syntax(op.text());
      }
      return new Cond(field.text(), op.text(), List.of(literal()));
    }

    private List<Literal> list() {
      expect("(");
      List<Literal> out = new ArrayList<>();
      do {
        out.add(literal());
      } while (accept(","));
      expect(")");
      if (out.size() > 50) {
        throw error("LIMIT_EXCEEDED", "in and not in take up to 50 values", NODES.objectNode());
      }
      return out;
    }

    private Literal literal() {
      Token v = next("value");
      if (v.string()) {
        return Literal.of(Kind.STRING, v.text());
      }
      if (v.number()) {
        return Literal.of(Kind.NUMBER, v.text());
      }
      if (v.is("true") || v.is("false")) {
        return Literal.of(Kind.BOOLEAN, v.text().toLowerCase(Locale.ROOT));
      }
      if (v.is("null")) {
        return Literal.of(Kind.NULL, "null");
      }
      throw syntax(v.text());
    }

    private static boolean isKeyword(String s) {
      return Set.of("select", "from", "where", "order", "by", "limit", "offset", "and", "or", "in", "not", "like",
          "is", "null", "between", "asc", "desc").contains(s.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * Parses {@code query}.
   *
   * @throws CoqlException with Zoho's error body if the query is malformed
   */
  static Query parse(String query) {
    Query q = new Parser(tokens(query)).parse();
    if (q.columns().size() > MAX_COLUMNS) {
      throw error("LIMIT_EXCEEDED", "a maximum of 50 columns can be given in the select clause", NODES.objectNode());
    }
    if (q.criteria() > MAX_CRITERIA) {
      throw error("LIMIT_EXCEEDED", "a maximum of 25 criteria can be given in the where clause", NODES.objectNode());
    }
    if (q.orderBy().size() > MAX_ORDER_BY) {
      throw error("LIMIT_EXCEEDED", "a maximum of 10 fields can be given in the order by clause", NODES.objectNode());
    }
    if (q.limit() <= 0) {
      throw error("INVALID_DATA", "limit should be greater than 0", NODES.objectNode());
    }
    if (q.limit() > MAX_LIMIT) {
      throw error("LIMIT_EXCEEDED", "the maximum value of limit is 2000", NODES.objectNode());
    }
    if ((long) q.offset() + q.limit() > MAX_REACH) {
      throw error("LIMIT_EXCEEDED", "you can fetch up to 100000 records using limit and offset", NODES.objectNode());
    }
    return q;
  }

  /** The credits a query costs by its limit: 1 up to 200, 2 up to 1,000, 3 up to 2,000. */
  static int credits(int limit) {
    return limit <= 200 ? 1 : limit <= 1_000 ? 2 : 3;
  }

  // ------------------------------------------------------------------------------------------------ runner

  /** A resolved column: the field, or {@code null} for {@code id}. */
  private record Resolved(Column column, @Nullable Field field, @Nullable Field sub, @Nullable Table subTable) {}

  /**
   * Runs {@code q} on {@code t}. Returns the response body, or {@code null} for no rows (HTTP 204).
   *
   * @throws CoqlException for an unknown column or an operator or value the column's type does not take
   */
  static @Nullable ObjectNode run(Query q, Table t, ZohoStore store) {
    Set<String> seen = new HashSet<>();
    List<Resolved> columns = new ArrayList<>();
    for (Column c : q.columns()) {
      if (!seen.add(c.text().toLowerCase(Locale.ROOT))) {
        throw error("DUPLICATE_DATA", "duplicate select column", NODES.objectNode().put("column_name", c.text()));
      }
      columns.add(resolve(c, t, store, "select"));
    }
    checkTypes(q.where(), t);
    List<Field> orderFields = new ArrayList<>();
    for (Order o : q.orderBy()) {
      orderFields.add(o.field().equalsIgnoreCase("id") ? null : field(o.field(), t, "order by"));
    }
    List<Rec> rows = new ArrayList<>();
    for (Rec r : t.live.values()) {
      if (matches(q.where(), r, t, store)) {
        rows.add(r);
      }
    }
    Comparator<Rec> order = null;
    for (int i = 0; i < q.orderBy().size(); i++) {
      Field f = orderFields.get(i);
      Comparator<Rec> c = (a, b) -> compareValues(f, a, b, store);
      c = q.orderBy().get(i).ascending() ? c : c.reversed();
      order = order == null ? c : order.thenComparing(c);
    }
    Comparator<Rec> byId = Comparator.comparingLong(r -> r.id);
    rows.sort(order == null ? byId : order.thenComparing(byId));
    int from = Math.min(rows.size(), q.offset());
    int to = Math.min(rows.size(), from + q.limit());
    if (from == to) {
      return null;
    }
    ObjectNode out = NODES.objectNode();
    var data = out.putArray("data");
    for (Rec r : rows.subList(from, to)) {
      ObjectNode o = data.addObject();
      for (Resolved c : columns) {
        if (c.field() == null) {
          o.put(c.column().text(), Long.toString(r.id));
        } else if (c.sub() == null) {
          o.set(c.column().text(), store.coqlValue(t, r, c.field()));
        } else {
          JsonNode ref = r.values.get(c.field().apiName());
          Rec target = ref == null || ref.isNull() || c.subTable() == null ? null
              : c.subTable().live.get(Long.parseLong(ref.asText()));
          o.set(c.column().text(), target == null ? NODES.nullNode() : store.coqlValue(c.subTable(), target, c.sub()));
        }
      }
      if (!o.has("id")) {
        o.put("id", Long.toString(r.id));
      }
    }
    ObjectNode info = out.putObject("info");
    info.put("count", to - from);
    info.put("more_records", to < rows.size());
    return out;
  }

  private static Resolved resolve(Column c, Table t, ZohoStore store, String clause) {
    if (c.subField() == null) {
      return c.field().equalsIgnoreCase("id") ? new Resolved(c, null, null, null)
          : new Resolved(c, field(c.field(), t, clause), null, null);
    }
    Field lookup = field(c.field(), t, clause);
    Table target = lookup.dataType().equals("lookup") && lookup.lookupModule() != null
        ? store.tables.get(lookup.lookupModule()) : null;
    Field sub = target == null ? null : target.module.fieldIgnoringCase(c.subField());
    if (target == null || sub == null) {
      throw invalidColumn(c.text(), clause);
    }
    return new Resolved(c, lookup, sub, target);
  }

  private static Field field(String name, Table t, String clause) {
    Field f = t.module.fieldIgnoringCase(name);
    if (f == null) {
      throw invalidColumn(name, clause);
    }
    return f;
  }

  private static CoqlException invalidColumn(String name, String clause) {
    return error("INVALID_QUERY", "column given seems to be invalid",
        NODES.objectNode().put("column_name", name).put("clause", clause));
  }

  private static CoqlException invalidOperator(String column, String op) {
    return error("INVALID_QUERY", "Invalid query formed", NODES.objectNode().put("reason", "invalid operator found")
        .put("column_name", column).put("operator", readable(op)));
  }

  private static CoqlException invalidValue(String column, String op, Literal v) {
    return error("INVALID_QUERY", "Invalid query formed", NODES.objectNode().put("reason", "invalid value given")
        .put("column_name", column).put("value", v.text()).put("operator", readable(op)));
  }

  private static String readable(String op) {
    return switch (op) {
      case "notin" -> "not in";
      case "notlike" -> "not like";
      case "isnull" -> "is null";
      case "isnotnull" -> "is not null";
      default -> op;
    };
  }

  /** Refuses operators and values a column's type does not take, before any row is looked at. */
  private static void checkTypes(Expr e, Table t) {
    if (e instanceof And a) {
      checkTypes(a.left(), t);
      checkTypes(a.right(), t);
      return;
    }
    if (e instanceof Or o) {
      checkTypes(o.left(), t);
      checkTypes(o.right(), t);
      return;
    }
    Cond c = (Cond) e;
    if (c.field().contains(".")) {
      throw invalidColumn(c.field(), "where");
    }
    boolean isId = c.field().equalsIgnoreCase("id");
    Field f = isId ? null : field(c.field(), t, "where");
    String type = isId ? "bigint" : f.dataType();
    boolean nullCheck = c.op().equals("isnull") || c.op().equals("isnotnull");
    boolean ordered = List.of(">", "<", ">=", "<=", "between").contains(c.op());
    boolean textual = switch (type) {
      case "text", "textarea", "email", "phone", "website", "picklist", "multiselectpicklist", "autonumber" -> true;
      default -> false;
    };
    if (textual && ordered) {
      throw invalidOperator(c.field(), c.op());
    }
    if (!textual && (c.op().equals("like") || c.op().equals("notlike"))) {
      throw invalidOperator(c.field(), c.op());
    }
    if (type.equals("boolean") && !(c.op().equals("=") || c.op().equals("!=") || nullCheck)) {
      throw invalidOperator(c.field(), c.op());
    }
    for (Literal v : c.values()) {
      boolean ok = switch (type) {
        case "datetime" -> v.instant() != null;
        case "date" -> v.kind() == Kind.STRING && v.text().matches("\\d{4}-\\d{2}-\\d{2}");
        case "integer", "bigint", "double", "currency" -> v.kind() == Kind.NUMBER
            || (isId && v.kind() == Kind.STRING && v.text().matches("\\d{1,19}"));
        case "boolean" -> v.kind() == Kind.BOOLEAN;
        case "lookup", "ownerlookup", "userlookup" -> v.kind() == Kind.NUMBER
            || (v.kind() == Kind.STRING && v.text().matches("\\d{1,19}"));
        default -> v.kind() == Kind.STRING;
      };
      if (!ok) {
        throw invalidValue(c.field(), c.op(), v);
      }
    }
  }

  private static boolean matches(Expr e, Rec r, Table t, ZohoStore store) {
    if (e instanceof Cond c && c.values().size() == 1 && c.values().get(0).instant() != null
        && List.of("=", "!=", ">", "<", ">=", "<=").contains(c.op())) {
      Instant at = store.instant(r, t.module.fieldIgnoringCase(c.field()));
      if (at != null) {
        int cmp = at.compareTo(c.values().get(0).instant());
        return switch (c.op()) {
          case "=" -> cmp == 0;
          case "!=" -> cmp != 0;
          case ">" -> cmp > 0;
          case "<" -> cmp < 0;
          case ">=" -> cmp >= 0;
          default -> cmp <= 0;
        };
      }
    }
    if (e instanceof And a) {
      return matches(a.left(), r, t, store) && matches(a.right(), r, t, store);
    }
    if (e instanceof Or o) {
      return matches(o.left(), r, t, store) || matches(o.right(), r, t, store);
    }
    Cond c = (Cond) e;
    boolean isId = c.field().equalsIgnoreCase("id");
    Field f = isId ? null : t.module.fieldIgnoringCase(c.field());
    JsonNode value = isId ? NODES.textNode(Long.toString(r.id)) : store.comparable(r, f);
    boolean absent = value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty());
    switch (c.op()) {
      case "isnull":
        return absent;
      case "isnotnull":
        return !absent;
      default:
        break;
    }
    if (absent) {
      return c.op().equals("!=") || c.op().equals("notin") || c.op().equals("notlike");
    }
    String type = isId ? "bigint" : f.dataType();
    switch (c.op()) {
      case "=":
        return compare(type, value, c.values().get(0)) == 0;
      case "!=":
        return compare(type, value, c.values().get(0)) != 0;
      case ">":
        return compare(type, value, c.values().get(0)) > 0;
      case "<":
        return compare(type, value, c.values().get(0)) < 0;
      case ">=":
        return compare(type, value, c.values().get(0)) >= 0;
      case "<=":
        return compare(type, value, c.values().get(0)) <= 0;
      case "between":
        return compare(type, value, c.values().get(0)) >= 0 && compare(type, value, c.values().get(1)) <= 0;
      case "in":
      case "notin": {
        boolean any = false;
        for (Literal l : c.values()) {
          any |= compare(type, value, l) == 0;
        }
        return c.op().equals("in") == any;
      }
      case "like":
      case "notlike":
        return like(value.asText(), c.values().get(0).text()) == c.op().equals("like");
      default:
        return false;
    }
  }

  /** {@code %} matches any run of characters; comparisons ignore case, as Zoho's do. */
  private static boolean like(String value, String pattern) {
    StringBuilder regex = new StringBuilder("(?is)");
    for (String part : pattern.split("%", -1)) {
      if (regex.length() > 5) {
        regex.append(".*");
      }
      regex.append(java.util.regex.Pattern.quote(part));
    }
    return value.matches(regex.toString());
  }

  private static int compare(String type, JsonNode value, Literal l) {
    switch (type) {
      case "datetime": {
        Instant a = ZohoStore.parseDateTime(value.asText());
        Instant b = l.instant();
        return a == null || b == null ? -1 : a.compareTo(b);
      }
      case "integer", "bigint", "double", "currency":
        return new BigDecimal(value.asText()).compareTo(new BigDecimal(l.text()));
      case "boolean":
        return Boolean.compare(value.asBoolean(), Boolean.parseBoolean(l.text()));
      case "lookup", "ownerlookup", "userlookup":
        return value.asText().equals(l.text()) ? 0 : value.asText().compareTo(l.text());
      case "multiselectpicklist": {
        for (JsonNode item : value) {
          if (item.asText().equalsIgnoreCase(l.text())) {
            return 0;
          }
        }
        return 1;
      }
      default:
        return value.asText().compareToIgnoreCase(l.text());
    }
  }

  private static int compareValues(@Nullable Field f, Rec a, Rec b, ZohoStore store) {
    if (f == null) {
      return Long.compare(a.id, b.id);
    }
    Instant ta = store.instant(a, f);
    Instant tb = store.instant(b, f);
    if (ta != null && tb != null) {
      return ta.compareTo(tb);
    }
    JsonNode va = store.comparable(a, f);
    JsonNode vb = store.comparable(b, f);
    boolean na = va == null || va.isNull();
    boolean nb = vb == null || vb.isNull();
    if (na || nb) {
      return na == nb ? 0 : na ? 1 : -1;
    }
    return switch (f.dataType()) {
      case "datetime" -> {
        Instant ia = ZohoStore.parseDateTime(va.asText());
        Instant ib = ZohoStore.parseDateTime(vb.asText());
        yield ia == null || ib == null ? 0 : ia.compareTo(ib);
      }
      case "integer", "bigint", "double", "currency" -> new BigDecimal(va.asText()).compareTo(new BigDecimal(vb.asText()));
      default -> va.asText().compareToIgnoreCase(vb.asText());
    };
  }
}

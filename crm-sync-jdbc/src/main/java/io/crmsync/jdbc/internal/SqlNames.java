package io.crmsync.jdbc.internal;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The qualified, quoted names of this library's tables in one schema with one table prefix. Both parts
 * are validated against a strict pattern (lower-case letters, digits, underscores), so that the names
 * can be spliced into SQL text: identifiers cannot be bound as parameters.
 *
 * @param schema the schema holding the tables
 * @param prefix prepended to every table, sequence and index name; may be empty
 */
public record SqlNames(String schema, String prefix) {
  /** The longest identifier PostgreSQL keeps whole (NAMEDATALEN - 1 bytes). */
  public static final int MAX_IDENTIFIER = 63;
  /** The longest prefix allowed, so that the longest name this library derives still fits. */
  public static final int MAX_PREFIX = 40;

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final Pattern PREFIX = Pattern.compile("([a-z_][a-z0-9_]*)?");

  public SqlNames {
    checkSchema(schema, "schema");
    checkPrefix(prefix, "tablePrefix");
  }

  /**
   * @throws IllegalArgumentException naming {@code parameter} unless {@code schema} is a plain
   *     lower-case identifier of at most {@value #MAX_IDENTIFIER} characters
   */
  public static String checkSchema(String schema, String parameter) {
    Objects.requireNonNull(schema, parameter);
    if (!SCHEMA.matcher(schema).matches() || schema.length() > MAX_IDENTIFIER || schema.startsWith("pg_")) {
      throw new IllegalArgumentException(parameter + " must be a lower-case identifier ([a-z_][a-z0-9_]*, at most "
          + MAX_IDENTIFIER + " characters, not starting with pg_): '" + printable(schema) + "'");
    }
    return schema;
  }

  /**
   * @throws IllegalArgumentException naming {@code parameter} unless {@code prefix} is empty or a plain
   *     lower-case identifier of at most {@value #MAX_PREFIX} characters
   */
  public static String checkPrefix(String prefix, String parameter) {
    Objects.requireNonNull(prefix, parameter);
    if (!PREFIX.matcher(prefix).matches() || prefix.length() > MAX_PREFIX) {
      throw new IllegalArgumentException(parameter + " must be empty or a lower-case identifier ([a-z_][a-z0-9_]*, "
          + "at most " + MAX_PREFIX + " characters): '" + printable(prefix) + "'");
    }
    return prefix;
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** The quoted schema name. */
  public String quotedSchema() {
    return '"' + schema + '"';
  }

  /** The quoted, schema-qualified name of table (or sequence) {@code name}. */
  public String table(String name) {
    return quotedSchema() + ".\"" + prefix + name + '"';
  }

  /** The quoted, unqualified name of an index or constraint {@code name}. */
  public String local(String name) {
    return '"' + prefix + name + '"';
  }

  /**
   * The LISTEN/NOTIFY channel of this queue's tasks: readable where it fits in an identifier, otherwise
   * a digest of schema and prefix.
   */
  public String channel() {
    String readable = schema + "." + prefix + "tasks";
    if (readable.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER) {
      return readable;
    }
    return "crmsync_" + Integer.toHexString(readable.hashCode()) + "_" + Integer.toHexString(new StringBuilder(readable).reverse().toString().hashCode());
  }

  @Override
  public String toString() {
    return schema + "." + prefix + "*";
  }
}

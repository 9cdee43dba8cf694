package io.crmsync.fieldmapping;

import io.crmsync.adapter.FieldInfo;
import java.util.Locale;
import java.util.Objects;

/**
 * What kind of value a field holds, read from the type a CRM's {@code describe()} gives it, and which
 * kinds can be written into which. {@link FieldMapping#check} reports a rule whose values cannot be
 * written into its target field.
 *
 * <table>
 *   <caption>Which kinds convert to which</caption>
 *   <tr><th>value</th><th>can be written to</th></tr>
 *   <tr><td>{@link #TEXT}</td><td>text, picklist, multi-picklist, number, boolean, date, date-time: the CRM
 *       parses the text, and refuses that one record if it does not parse (add a {@code number}, {@code
 *       to-boolean} or {@code date} transform to parse it in the mapping, with a pattern)</td></tr>
 *   <tr><td>{@link #PICKLIST}</td><td>picklist, multi-picklist, text</td></tr>
 *   <tr><td>{@link #MULTI_PICKLIST}</td><td>multi-picklist, text</td></tr>
 *   <tr><td>{@link #NUMBER}</td><td>number, text, picklist</td></tr>
 *   <tr><td>{@link #BOOLEAN}</td><td>boolean, text, picklist</td></tr>
 *   <tr><td>{@link #DATE}</td><td>date, date-time (midnight), text</td></tr>
 *   <tr><td>{@link #DATETIME}</td><td>date-time, date (the CRM keeps the day), text</td></tr>
 *   <tr><td>{@link #REFERENCE}</td><td>text only: an id of one system means nothing as a reference in
 *       another, and the engine never writes into reference fields</td></tr>
 *   <tr><td>{@link #ANY}</td><td>anything (a type this table does not know is not checked)</td></tr>
 * </table>
 *
 * <p>Type names are matched without regard to case: {@code string}, {@code text}, {@code textarea},
 * {@code email}, {@code phone}, {@code url}, {@code website}, {@code varchar}, {@code name}, {@code
 * char}, {@code encryptedstring} are text; {@code picklist}, {@code enumeration}, {@code enum}, {@code
 * select}, {@code radio}, {@code combobox}, {@code status}, {@code state} picklists; {@code
 * multipicklist}, {@code multiselectpicklist}, {@code multienum}, {@code set} multi-picklists; {@code
 * number}, {@code int}, {@code integer}, {@code long}, {@code bigint}, {@code double}, {@code decimal},
 * {@code float}, {@code currency}, {@code money}, {@code monetary}, {@code percent} numbers; {@code
 * boolean}, {@code bool}, {@code booleancheckbox}, {@code checkbox} booleans; {@code date} dates; {@code
 * datetime}, {@code date-time}, {@code timestamp} date-times; {@code reference}, {@code id}, {@code
 * lookup}, {@code ownerlookup}, {@code owner}, {@code relate}, {@code user}, {@code org}, {@code people},
 * {@code customer}, {@code uniqueidentifier} references, as is any field {@link FieldInfo#reference()}
 * says holds ids.
 */
public enum ValueKind {
  TEXT,
  PICKLIST,
  MULTI_PICKLIST,
  NUMBER,
  BOOLEAN,
  DATE,
  DATETIME,
  REFERENCE,
  ANY;

  /**
   * The kind of {@code field}: {@link #REFERENCE} when it holds ids, else by its type name.
   *
   * @throws NullPointerException if {@code field} is null
   */
  public static ValueKind of(FieldInfo field) {
    Objects.requireNonNull(field, "field");
    return field.reference() ? REFERENCE : ofType(field.type());
  }

  /**
   * The kind of a CRM type name, such as {@code email} or {@code double}; {@link #ANY} for a name this
   * table does not know.
   *
   * @throws NullPointerException if {@code type} is null
   */
  public static ValueKind ofType(String type) {
    return switch (type.toLowerCase(Locale.ROOT)) {
      case "string", "text", "textarea", "email", "phone", "url", "website", "varchar", "varchar_auto", "name",
          "char", "encryptedstring", "memo", "html", "richtext", "address", "fullname" -> TEXT;
      case "picklist", "enumeration", "enum", "select", "radio", "combobox", "status", "state" -> PICKLIST;
      case "multipicklist", "multiselectpicklist", "multienum", "set", "multiselect" -> MULTI_PICKLIST;
      case "number", "int", "integer", "long", "bigint", "double", "decimal", "float", "currency", "money",
          "monetary", "percent", "autonumber_int" -> NUMBER;
      case "boolean", "bool", "booleancheckbox", "checkbox", "two_options" -> BOOLEAN;
      case "date" -> DATE;
      case "datetime", "date-time", "timestamp" -> DATETIME;
      case "reference", "id", "lookup", "ownerlookup", "owner", "relate", "user", "org", "people", "customer",
          "uniqueidentifier" -> REFERENCE;
      default -> ANY;
    };
  }

  /** Whether a value of this kind can be written into a field of {@code target} kind (see the table above). */
  public boolean convertsTo(ValueKind target) {
    Objects.requireNonNull(target, "target");
    if (this == ANY || target == ANY || this == target) {
      return target != REFERENCE || this == ANY;
    }
    return switch (this) {
      case TEXT -> target != REFERENCE;
      case PICKLIST -> target == MULTI_PICKLIST || target == TEXT;
      case MULTI_PICKLIST, REFERENCE -> target == TEXT;
      case NUMBER, BOOLEAN -> target == TEXT || target == PICKLIST;
      case DATE -> target == DATETIME || target == TEXT;
      case DATETIME -> target == DATE || target == TEXT;
      case ANY -> true;
    };
  }

  /** Whether values of this kind are text (or may be: {@link #ANY}), as text transforms take. */
  public boolean isTextual() {
    return this == TEXT || this == PICKLIST || this == MULTI_PICKLIST || this == ANY;
  }

  /** The kind in words, for messages: {@code "a number"}, {@code "a date-time"}. */
  String describe() {
    return switch (this) {
      case TEXT -> "text";
      case PICKLIST -> "a picklist value";
      case MULTI_PICKLIST -> "multi-picklist values";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case DATE -> "a date";
      case DATETIME -> "a date-time";
      case REFERENCE -> "a record id";
      case ANY -> "any value";
    };
  }
}

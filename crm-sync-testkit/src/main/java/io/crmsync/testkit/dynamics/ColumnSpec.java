package io.crmsync.testkit.dynamics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A column (attribute) of an emulated table, as its definition in {@code EntityDefinitions(...)/Attributes}
 * describes it: logical name, type, {@code MaxLength}, {@code RequiredLevel}, whether it is valid for create
 * and update, lookup targets and choice options. Immutable: the modifiers return a new spec.
 *
 * <pre>{@code
 * ColumnSpec.string("new_favouritecolour", 100)
 * ColumnSpec.integer("example_key1").required()
 * ColumnSpec.lookup("regardingobjectid", "account").navigationProperty("account", "regardingobjectid_account_task")
 * }</pre>
 *
 * <p>Attribute metadata shape: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 */
public final class ColumnSpec {
  final String logicalName;
  final String schemaName;
  final ColumnType type;
  final int maxLength;
  final String requiredLevel;
  final boolean validForCreate;
  final boolean validForUpdate;
  final boolean custom;
  final @Nullable String format;
  final Map<Integer, String> options;
  final List<String> targets;
  final Map<String, String> navigationProperties;

  private ColumnSpec(String logicalName, String schemaName, ColumnType type, int maxLength, String requiredLevel,
      boolean validForCreate, boolean validForUpdate, boolean custom, @Nullable String format, Map<Integer, String> options,
      List<String> targets, Map<String, String> navigationProperties) {
    this.logicalName = logicalName;
    this.schemaName = schemaName;
    this.type = type;
    this.maxLength = maxLength;
    this.requiredLevel = requiredLevel;
    this.validForCreate = validForCreate;
    this.validForUpdate = validForUpdate;
    this.custom = custom;
    this.format = format;
    this.options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options)); // in the order defined
    this.targets = List.copyOf(targets);
    this.navigationProperties = Map.copyOf(navigationProperties);
  }

  private static ColumnSpec of(String name, ColumnType type, int maxLength) {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("a column's logical name is lower-case letters, digits and underscores: '" + name + "'");
    }
    if (maxLength < 0) {
      throw new IllegalArgumentException("maxLength must not be negative: " + maxLength);
    }
    return new ColumnSpec(name, schemaName(name), type, maxLength, "None", true, true, false,
        type.isText() ? (type == ColumnType.MEMO ? "TextArea" : "Text") : null, Map.of(), List.of(), Map.of());
  }

  private static String schemaName(String logical) {
    StringBuilder sb = new StringBuilder();
    boolean up = true;
    for (char c : logical.toCharArray()) {
      sb.append(up ? Character.toUpperCase(c) : c);
      up = c == '_';
    }
    return sb.toString();
  }

  /** A single line of text of at most {@code maxLength} characters. */
  public static ColumnSpec string(String name, int maxLength) {
    return of(name, ColumnType.STRING, requirePositive(maxLength));
  }

  /** Multiple lines of text of at most {@code maxLength} characters. */
  public static ColumnSpec memo(String name, int maxLength) {
    return of(name, ColumnType.MEMO, requirePositive(maxLength));
  }

  public static ColumnSpec integer(String name) {
    return of(name, ColumnType.INTEGER, 0);
  }

  public static ColumnSpec bigInt(String name) {
    return of(name, ColumnType.BIGINT, 0);
  }

  public static ColumnSpec decimal(String name) {
    return of(name, ColumnType.DECIMAL, 0);
  }

  public static ColumnSpec money(String name) {
    return of(name, ColumnType.MONEY, 0);
  }

  public static ColumnSpec bool(String name) {
    return of(name, ColumnType.BOOLEAN, 0);
  }

  public static ColumnSpec dateTime(String name) {
    return of(name, ColumnType.DATETIME, 0);
  }

  public static ColumnSpec uniqueIdentifier(String name) {
    return of(name, ColumnType.UNIQUEIDENTIFIER, 0);
  }

  /** A choice column whose allowed values are {@code options} (value to label). */
  public static ColumnSpec picklist(String name, Map<Integer, String> options) {
    ColumnSpec c = of(name, ColumnType.PICKLIST, 0);
    return c.with(c.requiredLevel, c.validForCreate, c.validForUpdate, c.custom, c.format, new LinkedHashMap<>(options),
        c.targets, c.navigationProperties);
  }

  static ColumnSpec optionSet(String name, ColumnType type, Map<Integer, String> options) {
    ColumnSpec c = of(name, type, 0);
    return c.with(c.requiredLevel, c.validForCreate, c.validForUpdate, c.custom, c.format, new LinkedHashMap<>(options),
        c.targets, c.navigationProperties);
  }

  /**
   * A lookup to rows of the {@code targets} tables (logical names). Its single-valued navigation property is
   * named like the column for one target and {@code <column>_<target>} for several, unless set with {@link
   * #navigationProperty}.
   */
  public static ColumnSpec lookup(String name, String... targets) {
    if (targets.length == 0) {
      throw new IllegalArgumentException("a lookup needs at least one target table");
    }
    ColumnType type = ColumnType.LOOKUP;
    ColumnSpec c = of(name, type, 0);
    Map<String, String> nav = new LinkedHashMap<>();
    for (String t : targets) {
      nav.put(t, targets.length == 1 ? name : name + "_" + t);
    }
    return c.with(c.requiredLevel, c.validForCreate, c.validForUpdate, c.custom, c.format, c.options, List.of(targets), nav);
  }

  static ColumnSpec reference(String name, ColumnType type, List<String> targets, Map<String, String> navigation) {
    ColumnSpec c = of(name, type, 0);
    return c.with(c.requiredLevel, c.validForCreate, c.validForUpdate, c.custom, c.format, c.options, targets, navigation);
  }

  /** This lookup's navigation property to {@code target} is called {@code name} (as in {@code name@odata.bind}). */
  public ColumnSpec navigationProperty(String target, String name) {
    if (!targets.contains(target)) {
      throw new IllegalArgumentException(logicalName + " does not look up " + target + "; its targets are " + targets);
    }
    Map<String, String> nav = new LinkedHashMap<>(navigationProperties);
    nav.put(target, Objects.requireNonNull(name, "name"));
    return with(requiredLevel, validForCreate, validForUpdate, custom, format, options, targets, nav);
  }

  /** {@code RequiredLevel} ApplicationRequired (a form hint: the Web API does not enforce it). */
  public ColumnSpec required() {
    return with("ApplicationRequired", validForCreate, validForUpdate, custom, format, options, targets, navigationProperties);
  }

  /** {@code RequiredLevel} SystemRequired: a create without a value is refused. */
  public ColumnSpec systemRequired() {
    return with("SystemRequired", validForCreate, validForUpdate, custom, format, options, targets, navigationProperties);
  }

  /** {@code RequiredLevel} Recommended. */
  public ColumnSpec recommended() {
    return with("Recommended", validForCreate, validForUpdate, custom, format, options, targets, navigationProperties);
  }

  /** Computed by Dataverse: neither valid for create nor for update. */
  public ColumnSpec readOnly() {
    return with(requiredLevel, false, false, custom, format, options, targets, navigationProperties);
  }

  /** Valid for create only ({@code IsValidForUpdate} false). */
  public ColumnSpec createOnly() {
    return with(requiredLevel, true, false, custom, format, options, targets, navigationProperties);
  }

  /** Valid for update only ({@code IsValidForCreate} false). */
  public ColumnSpec updateOnly() {
    return with(requiredLevel, false, true, custom, format, options, targets, navigationProperties);
  }

  /** Text formatted as an email address ({@code FormatName} Email). */
  public ColumnSpec email() {
    return withFormat("Email");
  }

  /** Text formatted as a phone number. */
  public ColumnSpec phone() {
    return withFormat("Phone");
  }

  /** Text formatted as a URL. */
  public ColumnSpec url() {
    return withFormat("Url");
  }

  private ColumnSpec withFormat(String f) {
    if (type != ColumnType.STRING) {
      throw new IllegalStateException("only text columns have a format: " + logicalName);
    }
    return with(requiredLevel, validForCreate, validForUpdate, custom, f, options, targets, navigationProperties);
  }

  ColumnSpec asCustom(boolean isCustom) {
    return with(requiredLevel, validForCreate, validForUpdate, isCustom, format, options, targets, navigationProperties);
  }

  private ColumnSpec with(String required, boolean create, boolean update, boolean isCustom, @Nullable String fmt,
      Map<Integer, String> opts, List<String> tgts, Map<String, String> nav) {
    return new ColumnSpec(logicalName, schemaName, type, maxLength, required, create, update, isCustom, fmt, opts, tgts, nav);
  }

  private static int requirePositive(int maxLength) {
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maxLength must be positive: " + maxLength);
    }
    return maxLength;
  }

  /** The column's logical name. */
  public String logicalName() {
    return logicalName;
  }

  public ColumnType type() {
    return type;
  }

  /** The property name of the column in Web API JSON: {@code _x_value} for lookups, else the logical name. */
  String property() {
    return type.isReference() ? "_" + logicalName + "_value" : logicalName;
  }

  boolean isSystemRequired() {
    return requiredLevel.equals("SystemRequired");
  }

  @Override
  public String toString() {
    return "ColumnSpec[" + logicalName + " " + type.attributeType().toLowerCase(Locale.ROOT)
        + (maxLength > 0 ? "(" + maxLength + ")" : "") + "]";
  }
}

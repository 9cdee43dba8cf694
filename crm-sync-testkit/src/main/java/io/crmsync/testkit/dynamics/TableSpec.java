package io.crmsync.testkit.dynamics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A custom table (entity) for the emulator: its logical name, entity set name, primary key and primary name
 * columns, more columns, alternate keys and whether change tracking is enabled. Not thread-safe; hand it to
 * {@link DataverseEmulator.Builder#table}.
 *
 * <pre>{@code
 * TableSpec.custom("example_record", "example_records")
 *     .column(ColumnSpec.integer("example_key1"))
 *     .column(ColumnSpec.integer("example_key2"))
 *     .alternateKey("example_key1", "example_key2")
 * }</pre>
 *
 * <p>A table's definition is at {@code EntityDefinitions(LogicalName='...')}:
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 */
public final class TableSpec {
  final String logicalName;
  final String entitySetName;
  String primaryId;
  String primaryName;
  final boolean custom;
  boolean changeTracking;
  boolean recycleBin;
  final Map<String, ColumnSpec> columns = new LinkedHashMap<>();
  final List<List<String>> keys = new ArrayList<>();

  TableSpec(String logicalName, String entitySetName, boolean custom) {
    if (!Objects.requireNonNull(logicalName, "logicalName").matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("a table's logical name is lower-case letters, digits and underscores: '"
          + logicalName + "'");
    }
    if (!Objects.requireNonNull(entitySetName, "entitySetName").matches("[A-Za-z][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("not an entity set name: '" + entitySetName + "'");
    }
    this.logicalName = logicalName;
    this.entitySetName = entitySetName;
    this.custom = custom;
    this.primaryId = logicalName + "id";
    this.primaryName = custom && logicalName.contains("_")
        ? logicalName.substring(0, logicalName.indexOf('_')) + "_name" : "name";
  }

  /**
   * A custom table with primary key {@code <logicalName>id} and a primary name column {@code <prefix>_name}
   * (text, 100 characters), change tracking off.
   */
  public static TableSpec custom(String logicalName, String entitySetName) {
    return new TableSpec(logicalName, entitySetName, true);
  }

  /** The primary key column, {@code <logicalName>id} unless set (such as {@code activityid} for activity tables). */
  public TableSpec primaryId(String column) {
    this.primaryId = Objects.requireNonNull(column, "column");
    return this;
  }

  /** The primary name column. */
  public TableSpec primaryName(String column) {
    this.primaryName = Objects.requireNonNull(column, "column");
    return this;
  }

  /** Adds a column. */
  public TableSpec column(ColumnSpec column) {
    Objects.requireNonNull(column, "column");
    if (columns.putIfAbsent(column.logicalName, column) != null) {
      throw new IllegalArgumentException("column " + column.logicalName + " was already declared on " + logicalName);
    }
    return this;
  }

  /**
   * Declares an alternate key of these columns, in this order. Dataverse allows at most 5 keys per table and 16
   * columns per key (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity).
   */
  public TableSpec alternateKey(String... columnNames) {
    if (columnNames.length == 0 || columnNames.length > 16) {
      throw new IllegalArgumentException("an alternate key has 1 to 16 columns: " + List.of(columnNames));
    }
    if (keys.size() >= 5) {
      throw new IllegalArgumentException("a table has at most 5 alternate keys: " + logicalName);
    }
    keys.add(List.of(columnNames));
    return this;
  }

  /**
   * A copy of this custom table with what every table has: its primary key and name columns, owner, status, audit
   * stamps and row version; the columns declared here are custom columns.
   */
  TableSpec completed() {
    TableSpec t = new TableSpec(logicalName, entitySetName, custom);
    t.primaryId = primaryId;
    t.primaryName = primaryName;
    t.changeTracking = changeTracking;
    t.recycleBin = recycleBin;
    if (!columns.containsKey(primaryId)) {
      t.column(ColumnSpec.uniqueIdentifier(primaryId).createOnly().asCustom(custom));
    }
    if (!columns.containsKey(primaryName)) {
      t.column(ColumnSpec.string(primaryName, 100).asCustom(custom));
    }
    columns.values().forEach(c -> t.column(c.asCustom(custom)));
    if (!columns.containsKey("ownerid")) {
      StandardTables.systemColumns(t);
    }
    keys.forEach(k -> t.alternateKey(k.toArray(String[]::new)));
    return t;
  }

  /** Whether change tracking ({@code Prefer: odata.track-changes}) is enabled; off by default for custom tables. */
  public TableSpec changeTracking(boolean enabled) {
    this.changeTracking = enabled;
    return this;
  }

  /**
   * Whether the recycle bin keeps this table's deleted rows, so that a FetchXml query with {@code datasource='bin'}
   * returns them (https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records); off by
   * default, as it is until an administrator enables it.
   */
  public TableSpec recycleBin(boolean enabled) {
    this.recycleBin = enabled;
    return this;
  }
}

package io.crmsync.testkit.dynamics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A table as the emulator serves it: columns by logical name and by JSON property, navigation properties, keys. */
final class Table {
  /**
   * A single-valued navigation property: setting it ({@code name@odata.bind}) sets {@code column} to a row of one
   * of {@code targets} (the owner's {@code ownerid} takes users and teams).
   */
  record Navigation(String name, ColumnSpec column, List<String> targets) {}

  final String logicalName;
  final String entitySetName;
  final String primaryId;
  final String primaryName;
  final boolean custom;
  final boolean changeTracking;
  final boolean recycleBin;
  final UUID metadataId;
  final Map<String, ColumnSpec> columns;
  final Map<String, ColumnSpec> byProperty;
  final Map<String, Navigation> navigation;
  final List<List<String>> keys;

  Table(TableSpec spec, UUID metadataId) {
    this.logicalName = spec.logicalName;
    this.entitySetName = spec.entitySetName;
    this.primaryId = spec.primaryId;
    this.primaryName = spec.primaryName;
    this.custom = spec.custom;
    this.changeTracking = spec.changeTracking;
    this.recycleBin = spec.recycleBin;
    this.metadataId = metadataId;
    Map<String, ColumnSpec> cols = new LinkedHashMap<>(spec.columns);
    Map<String, ColumnSpec> props = new LinkedHashMap<>();
    Map<String, Navigation> nav = new LinkedHashMap<>();
    for (ColumnSpec c : cols.values()) {
      props.put(c.property(), c);
      for (Map.Entry<String, String> e : c.navigationProperties.entrySet()) {
        Navigation old = nav.get(e.getValue());
        List<String> targets = new ArrayList<>(old == null ? List.of() : old.targets());
        targets.add(e.getKey());
        nav.put(e.getValue(), new Navigation(e.getValue(), c, List.copyOf(targets)));
      }
    }
    if (!cols.containsKey(primaryId)) {
      throw new IllegalStateException("table " + logicalName + " has no primary key column " + primaryId);
    }
    for (List<String> key : spec.keys) {
      for (String k : key) {
        ColumnSpec c = cols.get(k);
        if (c == null) {
          throw new IllegalArgumentException("alternate key of " + logicalName + " names unknown column " + k);
        }
        // Key columns may be Decimal, Whole Number, Single line of text, DateTime, Lookup or Choice:
        // https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity
        boolean allowed = switch (c.type) {
          case STRING, INTEGER, DECIMAL, DATETIME, LOOKUP, PICKLIST -> true;
          default -> false;
        };
        if (!allowed) {
          throw new IllegalArgumentException("a " + c.type.attributeType() + " column cannot be part of an alternate key: " + k);
        }
      }
    }
    this.columns = Collections.unmodifiableMap(cols);
    this.byProperty = Collections.unmodifiableMap(props);
    this.navigation = Collections.unmodifiableMap(nav);
    this.keys = List.copyOf(new ArrayList<>(spec.keys));
  }

  @Nullable ColumnSpec column(String logical) {
    return columns.get(logical);
  }

  /** The alternate key made of exactly these columns (in any order), or null. */
  @Nullable List<String> key(List<String> columnNames) {
    for (List<String> k : keys) {
      if (k.size() == columnNames.size() && k.containsAll(columnNames)) {
        return k;
      }
    }
    return null;
  }

  /** The OData type name, such as {@code Microsoft.Dynamics.CRM.contact}. */
  String typeName() {
    return "Microsoft.Dynamics.CRM." + logicalName;
  }
}

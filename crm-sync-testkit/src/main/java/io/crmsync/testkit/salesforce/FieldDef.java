package io.crmsync.testkit.salesforce;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One field of an emulated sObject, with the attributes its describe reports (checked against the describes
 * recorded from real orgs in {@code ../shared/specs/salesforce/cumulusci-cassettes}).
 */
record FieldDef(
    String name,
    FieldType type,
    String label,
    int length,
    boolean custom,
    boolean createable,
    boolean updateable,
    boolean nillable,
    boolean defaultedOnCreate,
    boolean idLookup,
    boolean externalId,
    boolean unique,
    @Nullable String referenceTo,
    @Nullable String relationshipName,
    List<String> picklistValues,
    boolean restrictedPicklist) {

  FieldDef {
    Objects.requireNonNull(name, "name");
    picklistValues = List.copyOf(picklistValues);
  }

  FieldDef(String name, FieldType type, String label, int length, boolean custom, boolean createable,
      boolean updateable, boolean nillable, boolean defaultedOnCreate, boolean idLookup, boolean externalId,
      boolean unique, @Nullable String referenceTo, @Nullable String relationshipName) {
    this(name, type, label, length, custom, createable, updateable, nillable, defaultedOnCreate, idLookup, externalId,
        unique, referenceTo, relationshipName, List.of(), false);
  }

  static FieldDef system(String name, FieldType type, String label) {
    return new FieldDef(name, type, label, type == FieldType.ID || type == FieldType.REFERENCE ? 18 : 0,
        false, false, false, false, true, name.equals("Id"), false, false, null, null);
  }

  static FieldDef standard(String name, FieldType type, String label, int length) {
    return new FieldDef(name, type, label, length, false, true, true, true, false, false, false, false, null, null);
  }

  static FieldDef required(String name, FieldType type, String label, int length) {
    return new FieldDef(name, type, label, length, false, true, true, false, false, false, false, false, null, null);
  }

  static FieldDef reference(String name, String label, String referenceTo, String relationshipName, boolean defaulted) {
    return new FieldDef(name, FieldType.REFERENCE, label, 18, false, true, true, !defaulted, defaulted, false, false,
        false, referenceTo, relationshipName);
  }

  FieldDef asIdLookup() {
    return new FieldDef(name, type, label, length, custom, createable, updateable, nillable, defaultedOnCreate, true,
        externalId, unique, referenceTo, relationshipName, picklistValues, restrictedPicklist);
  }

  /** This picklist with {@code values}; a restricted picklist refuses any other value. */
  FieldDef withPicklist(List<String> values, boolean restricted) {
    return new FieldDef(name, type, label, length, custom, createable, updateable, nillable, defaultedOnCreate,
        idLookup, externalId, unique, referenceTo, relationshipName, values, restricted);
  }

  static FieldDef custom(String name, FieldType type, boolean externalId) {
    int length = type == FieldType.TEXTAREA ? 32_768 : type.isText() ? 255 : 0;
    String label = name.replaceAll("__c$", "").replace('_', ' ');
    return new FieldDef(name, type, label, length, true, true, true, true, false, externalId, externalId, externalId,
        null, null);
  }

  static FieldDef customLookup(String name, String referenceTo) {
    String base = name.replaceAll("__c$", "");
    return new FieldDef(name, FieldType.REFERENCE, base.replace('_', ' '), 18, true, true, true, true, false, false,
        false, false, referenceTo, base + "__r");
  }

  /** Required on create: not nillable and not defaulted. */
  boolean requiredOnCreate() {
    return createable && !nillable && !defaultedOnCreate && type != FieldType.BOOLEAN;
  }
}

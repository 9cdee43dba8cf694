package io.crmsync.testkit.dynamics;

/**
 * The column types the emulator stores, named as Dataverse's {@code AttributeType} names them.
 *
 * <p>Types and their JSON values follow the table reference pages, such as
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/contact
 */
public enum ColumnType {
  /** Single line of text: a JSON string of at most {@code MaxLength} characters. */
  STRING("String", "StringType", "StringAttributeMetadata"),
  /** Multiple lines of text. */
  MEMO("Memo", "MemoType", "MemoAttributeMetadata"),
  /** Whole number (32 bits). */
  INTEGER("Integer", "IntegerType", "IntegerAttributeMetadata"),
  /** Big integer (64 bits), such as {@code versionnumber}. */
  BIGINT("BigInt", "BigIntType", "BigIntAttributeMetadata"),
  /** Decimal number. */
  DECIMAL("Decimal", "DecimalType", "DecimalAttributeMetadata"),
  /** Floating point number. */
  DOUBLE("Double", "DoubleType", "DoubleAttributeMetadata"),
  /** Currency. */
  MONEY("Money", "MoneyType", "MoneyAttributeMetadata"),
  /** Yes/No. */
  BOOLEAN("Boolean", "BooleanType", "BooleanAttributeMetadata"),
  /** Date and time, UTC, to the second. */
  DATETIME("DateTime", "DateTimeType", "DateTimeAttributeMetadata"),
  /** Choice: an option value. */
  PICKLIST("Picklist", "PicklistType", "PicklistAttributeMetadata"),
  /** Status ({@code statecode}). */
  STATE("State", "StateType", "StateAttributeMetadata"),
  /** Status reason ({@code statuscode}). */
  STATUS("Status", "StatusType", "StatusAttributeMetadata"),
  /** A reference to a row of one table. */
  LOOKUP("Lookup", "LookupType", "LookupAttributeMetadata"),
  /** A reference to an account or a contact. */
  CUSTOMER("Customer", "CustomerType", "LookupAttributeMetadata"),
  /** The user or team that owns the row. */
  OWNER("Owner", "OwnerType", "LookupAttributeMetadata"),
  /** A GUID, such as the primary key. */
  UNIQUEIDENTIFIER("Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifierAttributeMetadata");

  private final String attributeType;
  private final String typeName;
  private final String metadataType;

  ColumnType(String attributeType, String typeName, String metadataType) {
    this.attributeType = attributeType;
    this.typeName = typeName;
    this.metadataType = metadataType;
  }

  /** The {@code AttributeType} value of the column's definition. */
  public String attributeType() {
    return attributeType;
  }

  String typeName() {
    return typeName;
  }

  String metadataType() {
    return metadataType;
  }

  boolean isReference() {
    return this == LOOKUP || this == CUSTOMER || this == OWNER;
  }

  boolean isText() {
    return this == STRING || this == MEMO;
  }

  boolean isOptionSet() {
    return this == PICKLIST || this == STATE || this == STATUS;
  }
}

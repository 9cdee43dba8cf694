package io.crmsync.testkit.salesforce;

import java.util.Locale;

/** The field types the emulator stores and validates, named as Salesforce's describe names them. */
public enum FieldType {
  ID("tns:ID"),
  REFERENCE("tns:ID"),
  STRING("xsd:string"),
  TEXTAREA("xsd:string"),
  EMAIL("xsd:string"),
  PHONE("xsd:string"),
  URL("xsd:string"),
  PICKLIST("xsd:string"),
  BOOLEAN("xsd:boolean"),
  INT("xsd:int"),
  DOUBLE("xsd:double"),
  CURRENCY("xsd:double"),
  PERCENT("xsd:double"),
  DATE("xsd:date"),
  DATETIME("xsd:dateTime");

  private final String soapType;

  FieldType(String soapType) {
    this.soapType = soapType;
  }

  /** The name describe reports, such as {@code email}. */
  public String describeName() {
    return name().toLowerCase(Locale.ROOT);
  }

  String soapType() {
    return soapType;
  }

  boolean isText() {
    return soapType.equals("xsd:string") || this == ID || this == REFERENCE;
  }

  boolean isNumber() {
    return this == INT || this == DOUBLE || this == CURRENCY || this == PERCENT;
  }
}

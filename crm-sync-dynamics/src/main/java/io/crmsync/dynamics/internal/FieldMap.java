package io.crmsync.dynamics.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * crm-sync's canonical field names and Dataverse's column names, per object type. Contacts and accounts (companies)
 * have their standard fields mapped; every other column passes through under its logical name, so custom columns
 * and custom tables round-trip.
 *
 * <p>A contact's company is, in Dataverse, the account its {@code parentcustomerid} looks up (the {@code company}
 * column of the contact table is "Company Phone", despite its name, and is left out). By default {@code company} is
 * read from the lookup's formatted value and not written; {@code contactCompanyField} names a text column to read
 * and write it instead.
 */
public final class FieldMap {
  /** The contact table's "Company Phone" column, which is not a company name. */
  public static final String CONTACT_COMPANY_PHONE = "company";

  private final String objectType;
  private final boolean contact;
  private final @Nullable String companyField;
  private final Map<String, String> toNative;
  private final Map<String, String> toCanonical = new HashMap<>();

  private FieldMap(String objectType, boolean contact, @Nullable String companyField, Map<String, String> toNative) {
    this.objectType = objectType;
    this.contact = contact;
    this.companyField = companyField;
    this.toNative = toNative;
    toNative.forEach((canonical, nat) -> toCanonical.put(nat, canonical));
  }

  public static FieldMap of(String objectType, @Nullable String contactCompanyField) {
    Map<String, String> m = new LinkedHashMap<>();
    switch (objectType) {
      case ObjectTypes.CONTACT -> {
        m.put(Contact.Fields.EMAIL, "emailaddress1");
        m.put(Contact.Fields.FIRST_NAME, "firstname");
        m.put(Contact.Fields.LAST_NAME, "lastname");
        m.put(Contact.Fields.PHONE, "telephone1");
        m.put(Contact.Fields.TITLE, "jobtitle");
        address(m);
        m.put(Contact.Fields.OWNER_ID, "ownerid");
        m.put(Contact.Fields.CREATED_AT, "createdon");
        if (contactCompanyField != null) {
          m.put(Contact.Fields.COMPANY, contactCompanyField);
        }
        return new FieldMap(objectType, true, contactCompanyField, m);
      }
      case ObjectTypes.COMPANY -> {
        m.put("name", "name");
        m.put("website", "websiteurl");
        m.put(Contact.Fields.PHONE, "telephone1");
        m.put(Contact.Fields.EMAIL, "emailaddress1");
        address(m);
        m.put(Contact.Fields.OWNER_ID, "ownerid");
        m.put(Contact.Fields.CREATED_AT, "createdon");
        return new FieldMap(objectType, false, null, m);
      }
      default -> {
        m.put(Contact.Fields.OWNER_ID, "ownerid");
        m.put(Contact.Fields.CREATED_AT, "createdon");
        return new FieldMap(objectType, false, null, m);
      }
    }
  }

  private static void address(Map<String, String> m) {
    m.put(Contact.Fields.STREET, "address1_line1");
    m.put(Contact.Fields.CITY, "address1_city");
    m.put(Contact.Fields.STATE, "address1_stateorprovince");
    m.put(Contact.Fields.POSTAL_CODE, "address1_postalcode");
    m.put(Contact.Fields.COUNTRY, "address1_country");
  }

  public String objectType() {
    return objectType;
  }

  /** Whether the object type has canonical fields: contacts and companies. */
  public boolean isStandard() {
    return contact || objectType.equals(ObjectTypes.COMPANY);
  }

  public boolean isContact() {
    return contact;
  }

  /** The column of canonical field {@code field}; unmapped names are column names already. */
  public String nativeName(String field) {
    return toNative.getOrDefault(field, field);
  }

  /** The canonical name of column {@code column}; unmapped columns keep their names. */
  public String canonicalName(String column) {
    return toCanonical.getOrDefault(column, column);
  }

  /** The mapped columns, by canonical name. */
  public Map<String, String> mapped() {
    return toNative;
  }

  /** Whether {@code company} comes from the contact's parent account (read only). */
  public boolean companyFromParent() {
    return contact && companyField == null;
  }

  /** Whether {@code column} is left out of reads, writes and describe: the contact's "Company Phone". */
  public boolean hidden(String column) {
    return contact && column.equals(CONTACT_COMPANY_PHONE) && !column.equals(companyField);
  }
}

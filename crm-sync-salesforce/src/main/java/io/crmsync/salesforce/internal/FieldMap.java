package io.crmsync.salesforce.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Names of one object type in both worlds: the canonical type and field names of crm-sync and Salesforce's
 * sObject and field API names. Standard fields translate; every other field passes through under its API name,
 * so custom {@code __c} fields round-trip.
 */
public final class FieldMap {
  /** The relationship path a contact's {@code company} is read from unless {@code contactCompanyField} is set. */
  public static final String ACCOUNT_NAME = "Account.Name";

  private final String objectType;
  private final String sObject;
  private final Map<String, String> toNative;
  private final Map<String, String> toCanonical = new HashMap<>();
  private final @Nullable String companyPath;

  private FieldMap(String objectType, String sObject, Map<String, String> toNative, @Nullable String companyPath) {
    this.objectType = objectType;
    this.sObject = sObject;
    this.toNative = toNative;
    this.companyPath = companyPath;
    toNative.forEach((canonical, nat) -> toCanonical.put(nat.toLowerCase(Locale.ROOT), canonical));
  }

  /**
   * @throws IllegalArgumentException if {@code objectType} is not a canonical type nor an sObject API name
   */
  public static FieldMap of(String objectType, @Nullable String contactCompanyField) {
    Map<String, String> m = new LinkedHashMap<>();
    switch (objectType) {
      case ObjectTypes.CONTACT -> {
        m.put(Contact.Fields.EMAIL, "Email");
        m.put(Contact.Fields.FIRST_NAME, "FirstName");
        m.put(Contact.Fields.LAST_NAME, "LastName");
        m.put(Contact.Fields.PHONE, "Phone");
        m.put(Contact.Fields.TITLE, "Title");
        m.put(Contact.Fields.STREET, "MailingStreet");
        m.put(Contact.Fields.CITY, "MailingCity");
        m.put(Contact.Fields.STATE, "MailingState");
        m.put(Contact.Fields.POSTAL_CODE, "MailingPostalCode");
        m.put(Contact.Fields.COUNTRY, "MailingCountry");
        m.put(Contact.Fields.OWNER_ID, "OwnerId");
        m.put(Contact.Fields.CREATED_AT, "CreatedDate");
        if (contactCompanyField != null) {
          m.put(Contact.Fields.COMPANY, contactCompanyField);
        }
        return new FieldMap(objectType, "Contact", m, contactCompanyField == null ? ACCOUNT_NAME : null);
      }
      case ObjectTypes.COMPANY -> {
        m.put("name", "Name");
        m.put("website", "Website");
        m.put("phone", "Phone");
        m.put("industry", "Industry");
        m.put("street", "BillingStreet");
        m.put("city", "BillingCity");
        m.put("state", "BillingState");
        m.put("postalCode", "BillingPostalCode");
        m.put("country", "BillingCountry");
        m.put("ownerId", "OwnerId");
        m.put("createdAt", "CreatedDate");
        return new FieldMap(objectType, "Account", m, null);
      }
      case ObjectTypes.DEAL -> {
        m.put("name", "Name");
        m.put("amount", "Amount");
        m.put("stage", "StageName");
        m.put("closeDate", "CloseDate");
        m.put("companyId", "AccountId");
        m.put("ownerId", "OwnerId");
        m.put("createdAt", "CreatedDate");
        return new FieldMap(objectType, "Opportunity", m, null);
      }
      default -> {
        if (!objectType.matches("[A-Za-z][A-Za-z0-9_]{0,79}")) {
          throw new IllegalArgumentException("not an object type nor an sObject API name: '" + objectType + "'");
        }
        return new FieldMap(objectType, objectType, m, null);
      }
    }
  }

  public String objectType() {
    return objectType;
  }

  public String sObject() {
    return sObject;
  }

  /** The standard fields, canonical name to API name. */
  public Map<String, String> standardFields() {
    return toNative;
  }

  /** The API name of {@code canonical}: the mapped name for a standard field, the name itself for others. */
  public String nativeName(String canonical) {
    return toNative.getOrDefault(canonical, canonical);
  }

  /** The canonical name of the field whose API name is {@code nativeName}. */
  public String canonicalName(String nativeName) {
    return toCanonical.getOrDefault(nativeName.toLowerCase(Locale.ROOT), nativeName);
  }

  /** For contacts without {@code contactCompanyField}: {@value #ACCOUNT_NAME}, read-only. Otherwise null. */
  public @Nullable String companyPath() {
    return companyPath;
  }

  /** Whether {@code canonical} is the read-only company of a contact, which writes leave alone. */
  public boolean isReadOnlyCompany(String canonical) {
    return companyPath != null && canonical.equals(Contact.Fields.COMPANY);
  }

  /** Whether the canonical field holds an ISO-8601 instant that Salesforce writes in its own format. */
  public boolean isCanonicalInstant(String canonical) {
    return canonical.equals(Contact.Fields.CREATED_AT) && toNative.containsKey(canonical);
  }
}

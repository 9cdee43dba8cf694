package io.crmsync.zoho.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Names of one object type in both worlds: crm-sync's canonical type and field names and Zoho CRM's module and
 * field API names. Contacts, companies and deals are the modules Contacts, Accounts and Deals with their
 * standard fields mapped; any other object type is a module API name ({@code Leads}, a custom module), and
 * every field not mapped passes through under its API name, so custom fields round-trip.
 */
public final class Names {
  /** The COQL path of a contact's account name, which is the contact's {@code company} unless configured. */
  public static final String ACCOUNT_NAME_PATH = "Account_Name.Account_Name";

  private static final Pattern API_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");

  /**
   * The system-defined duplicate check field of each standard module: what an upsert can match on without a
   * field marked unique. https://help.zoho.com/portal/en/community/topic/kaizen-56-upsert-records-api
   */
  private static final Map<String, String> SYSTEM_DUPLICATE_FIELDS = Map.ofEntries(
      Map.entry("Leads", "Email"),
      Map.entry("Contacts", "Email"),
      Map.entry("Accounts", "Account_Name"),
      Map.entry("Deals", "Deal_Name"),
      Map.entry("Campaigns", "Campaign_Name"),
      Map.entry("Cases", "Subject"),
      Map.entry("Solutions", "Solution_Title"),
      Map.entry("Products", "Product_Name"),
      Map.entry("Vendors", "Vendor_Name"),
      Map.entry("Price_Books", "Price_Book_Name"),
      Map.entry("Quotes", "Subject"),
      Map.entry("Sales_Orders", "Subject"),
      Map.entry("Purchase_Orders", "Subject"),
      Map.entry("Invoices", "Subject"));

  private final String objectType;
  private final String module;
  private final Map<String, String> toNative;
  private final Map<String, String> toCanonical = new HashMap<>();
  private final boolean companyFromAccount;
  private final boolean passThrough;

  private Names(String objectType, String module, Map<String, String> toNative, boolean companyFromAccount,
      boolean passThrough) {
    this.objectType = objectType;
    this.module = module;
    this.toNative = toNative;
    this.companyFromAccount = companyFromAccount;
    this.passThrough = passThrough;
    toNative.forEach((canonical, nat) -> toCanonical.put(nat, canonical));
  }

  /** Whether {@code s} has the shape of a Zoho API name (letters, digits, underscores; a letter first). */
  public static boolean isApiName(String s) {
    return API_NAME.matcher(s).matches();
  }

  /**
   * The names of {@code objectType}.
   *
   * @param contactCompanyField a text field of Contacts holding {@code company}, or null to read it from the
   *     contact's account (and not write it)
   * @throws IllegalArgumentException if {@code objectType} is neither canonical nor a module API name
   */
  public static Names of(String objectType, @Nullable String contactCompanyField) {
    Map<String, String> m = new LinkedHashMap<>();
    switch (objectType) {
      case ObjectTypes.CONTACT -> {
        m.put(Contact.Fields.EMAIL, "Email");
        m.put(Contact.Fields.FIRST_NAME, "First_Name");
        m.put(Contact.Fields.LAST_NAME, "Last_Name");
        m.put(Contact.Fields.PHONE, "Phone");
        m.put(Contact.Fields.TITLE, "Title");
        m.put(Contact.Fields.STREET, "Mailing_Street");
        m.put(Contact.Fields.CITY, "Mailing_City");
        m.put(Contact.Fields.STATE, "Mailing_State");
        m.put(Contact.Fields.POSTAL_CODE, "Mailing_Zip");
        m.put(Contact.Fields.COUNTRY, "Mailing_Country");
        m.put(Contact.Fields.OWNER_ID, "Owner");
        m.put(Contact.Fields.CREATED_AT, "Created_Time");
        if (contactCompanyField != null) {
          m.put(Contact.Fields.COMPANY, contactCompanyField);
        }
        return new Names(objectType, "Contacts", m, contactCompanyField == null, false);
      }
      case ObjectTypes.COMPANY -> {
        m.put("name", "Account_Name");
        m.put("website", "Website");
        m.put("phone", "Phone");
        m.put("industry", "Industry");
        m.put("street", "Billing_Street");
        m.put("city", "Billing_City");
        m.put("state", "Billing_State");
        m.put("postalCode", "Billing_Code");
        m.put("country", "Billing_Country");
        m.put("ownerId", "Owner");
        m.put("createdAt", "Created_Time");
        return new Names(objectType, "Accounts", m, false, false);
      }
      case ObjectTypes.DEAL -> {
        m.put("name", "Deal_Name");
        m.put("amount", "Amount");
        m.put("stage", "Stage");
        m.put("closeDate", "Closing_Date");
        m.put("companyId", "Account_Name");
        m.put("ownerId", "Owner");
        m.put("createdAt", "Created_Time");
        return new Names(objectType, "Deals", m, false, false);
      }
      default -> {
        if (!isApiName(objectType)) {
          throw new IllegalArgumentException("not an object type nor a Zoho module API name: '" + objectType + "'");
        }
        m.put("ownerId", "Owner");
        m.put("createdAt", "Created_Time");
        return new Names(objectType, objectType, m, false, true);
      }
    }
  }

  public String objectType() {
    return objectType;
  }

  /** The module's API name. */
  public String module() {
    return module;
  }

  /** The standard fields: canonical name to API name. */
  public Map<String, String> standardFields() {
    return toNative;
  }

  /** The API name of {@code canonical}: the mapped name of a standard field, the name itself otherwise. */
  public String nativeName(String canonical) {
    return toNative.getOrDefault(canonical, canonical);
  }

  /** The canonical name of the field whose API name is {@code apiName}. */
  public String canonicalName(String apiName) {
    return toCanonical.getOrDefault(apiName, apiName);
  }

  /**
   * Whether the object type is a module by API name, without canonical fields: reads return all its fields, not
   * only the mapped and custom ones.
   */
  public boolean passThrough() {
    return passThrough;
  }

  /** Whether a contact's {@code company} is its account's name: read through the lookup, never written. */
  public boolean companyFromAccount() {
    return companyFromAccount;
  }

  /** Whether {@code canonical} is that read-only company. */
  public boolean isReadOnlyCompany(String canonical) {
    return companyFromAccount && canonical.equals(Contact.Fields.COMPANY);
  }

  /** The system-defined duplicate check field of this module, or null (custom modules have none). */
  public @Nullable String systemDuplicateField() {
    return SYSTEM_DUPLICATE_FIELDS.get(module);
  }

  /** Whether {@code canonical} holds an instant crm-sync writes as ISO-8601 in UTC ({@code createdAt}). */
  public boolean isCanonicalInstant(String canonical) {
    return canonical.equals(Contact.Fields.CREATED_AT) && toNative.containsKey(canonical);
  }

  @Override
  public String toString() {
    return objectType + " (" + module.toLowerCase(Locale.ROOT) + ")";
  }
}

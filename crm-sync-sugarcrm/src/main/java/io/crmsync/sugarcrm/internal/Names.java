package io.crmsync.sugarcrm.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates crm-sync's canonical object types and field names to SugarCRM's modules and fields, and back.
 * Contacts and Accounts have canonical names for their standard fields; every other field passes through
 * under its Sugar name, so custom fields ({@code *_c}) round-trip.
 */
public final class Names {
  private Names() {}

  /** Sugar's contact fields for the canonical ones. */
  private static final Map<String, String> CONTACT = Map.ofEntries(
      Map.entry(Contact.Fields.EMAIL, "email"),
      Map.entry(Contact.Fields.FIRST_NAME, "first_name"),
      Map.entry(Contact.Fields.LAST_NAME, "last_name"),
      Map.entry(Contact.Fields.COMPANY, "account_name"),
      Map.entry(Contact.Fields.PHONE, "phone_work"),
      Map.entry(Contact.Fields.TITLE, "title"),
      Map.entry(Contact.Fields.STREET, "primary_address_street"),
      Map.entry(Contact.Fields.CITY, "primary_address_city"),
      Map.entry(Contact.Fields.STATE, "primary_address_state"),
      Map.entry(Contact.Fields.POSTAL_CODE, "primary_address_postalcode"),
      Map.entry(Contact.Fields.COUNTRY, "primary_address_country"),
      Map.entry(Contact.Fields.OWNER_ID, "assigned_user_id"),
      Map.entry(Contact.Fields.CREATED_AT, "date_entered"));

  /** Sugar's account fields for the canonical company ones (the contact's names where they apply). */
  private static final Map<String, String> COMPANY = Map.ofEntries(
      Map.entry("name", "name"),
      Map.entry("website", "website"),
      Map.entry("industry", "industry"),
      Map.entry(Contact.Fields.EMAIL, "email"),
      Map.entry(Contact.Fields.PHONE, "phone_office"),
      Map.entry(Contact.Fields.STREET, "billing_address_street"),
      Map.entry(Contact.Fields.CITY, "billing_address_city"),
      Map.entry(Contact.Fields.STATE, "billing_address_state"),
      Map.entry(Contact.Fields.POSTAL_CODE, "billing_address_postalcode"),
      Map.entry(Contact.Fields.COUNTRY, "billing_address_country"),
      Map.entry(Contact.Fields.OWNER_ID, "assigned_user_id"),
      Map.entry(Contact.Fields.CREATED_AT, "date_entered"));

  private static final Map<String, String> OTHER = Map.of(
      Contact.Fields.OWNER_ID, "assigned_user_id", Contact.Fields.CREATED_AT, "date_entered");

  private static final Map<String, String> CONTACT_BACK = invert(CONTACT);
  private static final Map<String, String> COMPANY_BACK = invert(COMPANY);
  private static final Map<String, String> OTHER_BACK = invert(OTHER);

  /**
   * Fields Sugar computes or adds to every answer and that are not record data: never sent on writes, not
   * reported as fields on reads ({@code date_modified} is the record's modification time, {@code deleted} its
   * flag).
   */
  public static final Set<String> SYSTEM = Set.of("id", "date_modified", "deleted", "_acl", "_module", "_hash",
      "my_favorite", "following", "locked_fields", "modified_user_id", "modified_by_name", "created_by",
      "created_by_name", "assigned_user_name", "email1", "email2", "email_addresses_non_primary", "name_2",
      "_erased_fields", "_link", "full_name");

  /** Sugar's module for a canonical object type: {@code contact} is {@code Contacts}; others pass through. */
  public static String module(String objectType) {
    return switch (objectType) {
      case ObjectTypes.CONTACT -> "Contacts";
      case ObjectTypes.COMPANY -> "Accounts";
      default -> objectType;
    };
  }

  /** The standard fields of a module a read asks for by default (Sugar names), or empty for every field. */
  public static List<String> defaultFields(String module) {
    return switch (module) {
      case "Contacts" -> List.copyOf(CONTACT.values());
      case "Accounts" -> List.copyOf(COMPANY.values());
      default -> List.of();
    };
  }

  /** Whether the module has canonical standard fields. */
  public static boolean isStandard(String module) {
    return module.equals("Contacts") || module.equals("Accounts");
  }

  /** The Sugar field for canonical field {@code field} of {@code module}. */
  public static String toSugar(String module, String field) {
    return forward(module).getOrDefault(field, field);
  }

  /** The canonical field for Sugar field {@code field} of {@code module}. */
  public static String fromSugar(String module, String field) {
    return backward(module).getOrDefault(field, field);
  }

  /** Whether {@code field} of Contacts is the read-only company name (the related Account's name). */
  public static boolean isRelatedName(String module, @Nullable String sugarField) {
    return module.equals("Contacts") && "account_name".equals(sugarField);
  }

  private static Map<String, String> forward(String module) {
    return switch (module) {
      case "Contacts" -> CONTACT;
      case "Accounts" -> COMPANY;
      default -> OTHER;
    };
  }

  private static Map<String, String> backward(String module) {
    return switch (module) {
      case "Contacts" -> CONTACT_BACK;
      case "Accounts" -> COMPANY_BACK;
      default -> OTHER_BACK;
    };
  }

  private static Map<String, String> invert(Map<String, String> m) {
    Map<String, String> out = new HashMap<>();
    m.forEach((k, v) -> out.put(v, k));
    return Map.copyOf(out);
  }
}

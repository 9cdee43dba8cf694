package io.crmsync.hubspot.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates crm-sync's canonical object-type and field names to HubSpot's and back. Standard contact
 * fields have canonical names ({@link Contact.Fields}); the owner and creation date are mapped on every
 * object type; every other property passes through under its HubSpot name, so custom properties
 * round-trip.
 */
public final class Names {
  private Names() {}

  private static final Map<String, String> CONTACT_TO_HUBSPOT =
      Map.ofEntries(
          Map.entry(Contact.Fields.EMAIL, "email"),
          Map.entry(Contact.Fields.FIRST_NAME, "firstname"),
          Map.entry(Contact.Fields.LAST_NAME, "lastname"),
          Map.entry(Contact.Fields.COMPANY, "company"),
          Map.entry(Contact.Fields.PHONE, "phone"),
          Map.entry(Contact.Fields.TITLE, "jobtitle"),
          Map.entry(Contact.Fields.STREET, "address"),
          Map.entry(Contact.Fields.CITY, "city"),
          Map.entry(Contact.Fields.STATE, "state"),
          Map.entry(Contact.Fields.POSTAL_CODE, "zip"),
          Map.entry(Contact.Fields.COUNTRY, "country"),
          Map.entry(Contact.Fields.OWNER_ID, "hubspot_owner_id"),
          Map.entry(Contact.Fields.CREATED_AT, "createdate"));

  private static final Map<String, String> COMMON_TO_HUBSPOT =
      Map.of(Contact.Fields.OWNER_ID, "hubspot_owner_id", Contact.Fields.CREATED_AT, "createdate");

  private static final Map<String, String> CONTACT_FROM_HUBSPOT = invert(CONTACT_TO_HUBSPOT);
  private static final Map<String, String> COMMON_FROM_HUBSPOT = invert(COMMON_TO_HUBSPOT);

  /** Properties HubSpot computes; never sent on writes, and not reported as record fields on reads. */
  public static final Set<String> SYSTEM_PROPERTIES =
      Set.of("hs_object_id", "lastmodifieddate", "hs_lastmodifieddate", "hs_createdate");

  /**
   * Properties HubSpot defines whose values are ids of records of the account (its owners, teams, companies,
   * the record itself), whether or not their definitions name a {@code referencedObjectType}.
   */
  public static final Set<String> ID_PROPERTIES = Set.of("hs_object_id", "hubspot_owner_id", "hubspot_team_id",
      "hs_all_owner_ids", "hs_all_team_ids", "associatedcompanyid", "hs_merged_object_ids", "hs_created_by_user_id",
      "hs_updated_by_user_id");

  /** Properties read by default, beyond the configured extra ones. */
  private static final Map<String, List<String>> DEFAULT_PROPERTIES =
      Map.of(
          "contacts", List.copyOf(CONTACT_TO_HUBSPOT.values()),
          "companies",
          List.of("name", "domain", "phone", "address", "city", "state", "zip", "country", "industry",
              "hubspot_owner_id", "createdate"),
          "deals",
          List.of("dealname", "amount", "closedate", "pipeline", "dealstage", "hubspot_owner_id", "createdate"));

  /** HubSpot's object type for a canonical one: {@code contact} is {@code contacts}; others pass through. */
  public static String objectType(String canonical) {
    return switch (canonical) {
      case ObjectTypes.CONTACT -> "contacts";
      case ObjectTypes.COMPANY -> "companies";
      case ObjectTypes.DEAL -> "deals";
      default -> canonical;
    };
  }

  /** The HubSpot property for canonical field {@code field} of object type {@code hubspotType}. */
  public static String toHubSpot(String hubspotType, String field) {
    Map<String, String> m = hubspotType.equals("contacts") ? CONTACT_TO_HUBSPOT : COMMON_TO_HUBSPOT;
    return m.getOrDefault(field, field);
  }

  /** The canonical field for HubSpot property {@code property} of object type {@code hubspotType}. */
  public static String fromHubSpot(String hubspotType, String property) {
    Map<String, String> m = hubspotType.equals("contacts") ? CONTACT_FROM_HUBSPOT : COMMON_FROM_HUBSPOT;
    return m.getOrDefault(property, property);
  }

  /** The property holding the last-modified time, by which incremental reads search. */
  public static String modifiedProperty(String hubspotType) {
    return hubspotType.equals("contacts") ? "lastmodifieddate" : "hs_lastmodifieddate";
  }

  /** The properties a read asks for by default. */
  public static Set<String> defaultProperties(String hubspotType) {
    Set<String> s = new LinkedHashSet<>(DEFAULT_PROPERTIES.getOrDefault(hubspotType, List.of("hubspot_owner_id")));
    s.add(modifiedProperty(hubspotType));
    return s;
  }

  private static Map<String, String> invert(Map<String, String> m) {
    Map<String, String> out = new java.util.HashMap<>();
    m.forEach((k, v) -> out.put(v, k));
    return Map.copyOf(out);
  }
}

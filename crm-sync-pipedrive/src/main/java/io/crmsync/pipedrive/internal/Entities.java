package io.crmsync.pipedrive.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Pipedrive's entities under crm-sync's names, and what the adapter knows of their standard fields. Persons
 * are contacts and organizations companies; every other entity goes by its API v2 name.
 *
 * <p>The writable standard fields are those of the v2 create and update bodies
 * (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson,
 * https://developers.pipedrive.com/docs/api/v1/Organizations#addOrganization,
 * https://developers.pipedrive.com/docs/api/v1/Deals#addDeal,
 * https://developers.pipedrive.com/docs/api/v1/Products#addProduct,
 * https://developers.pipedrive.com/docs/api/v1/Activities#addActivity); the creation and update times, which
 * the bodies accept too, are left to Pipedrive. Every other standard field is read only.
 */
public final class Entities {
  private Entities() {}

  public static final String PERSONS = "persons";
  public static final String ORGANIZATIONS = "organizations";
  public static final String DEALS = "deals";
  public static final String PRODUCTS = "products";
  public static final String ACTIVITIES = "activities";

  /** Person fields that exist only with Contact Sync ("returns a 403" without it). */
  public static final Set<String> CONTACT_SYNC_FIELDS = Set.of("job_title", "notes", "birthday", "im", "postal_address");

  private static final Map<String, Set<String>> WRITABLE = Map.of(
      PERSONS, Set.of("name", "owner_id", "org_id", "emails", "phones", "visible_to", "label_ids", "job_title", "notes",
          "birthday", "im", "postal_address"),
      ORGANIZATIONS, Set.of("name", "owner_id", "visible_to", "label_ids", "address", "website", "linkedin", "industry",
          "annual_revenue", "employee_count"),
      DEALS, Set.of("title", "owner_id", "person_id", "org_id", "pipeline_id", "stage_id", "value", "currency", "status",
          "probability", "lost_reason", "expected_close_date", "visible_to", "label_ids", "is_archived"),
      PRODUCTS, Set.of("name", "code", "description", "unit", "tax", "category", "owner_id", "is_linkable", "visible_to",
          "prices"),
      ACTIVITIES, Set.of("subject", "type", "owner_id", "deal_id", "lead_id", "org_id", "project_id", "due_date",
          "due_time", "duration", "busy", "done", "note", "public_description", "priority", "location", "participants",
          "attendees"));

  /** Standard fields that are never record fields: the id, deletion flag and update time are the record's own. */
  public static final Set<String> RECORD_PROPERTIES = Set.of("id", "is_deleted", "update_time", "custom_fields");

  /** The search endpoint's {@code fields} values, by entity; entities without search are absent. */
  private static final Map<String, Set<String>> SEARCH_FIELDS = Map.of(
      PERSONS, Set.of("custom_fields", "email", "notes", "phone", "name"),
      ORGANIZATIONS, Set.of("address", "custom_fields", "notes", "name"),
      DEALS, Set.of("custom_fields", "notes", "title"),
      PRODUCTS, Set.of("code", "custom_fields", "name"));

  /** Canonical names of fields that map one to one to a native field, by entity. */
  private static final Map<String, String> COMMON = Map.of(
      Contact.Fields.OWNER_ID, "owner_id",
      Contact.Fields.CREATED_AT, "add_time");

  private static final Map<String, String> PERSON_SIMPLE = Map.of(
      Contact.Fields.OWNER_ID, "owner_id",
      Contact.Fields.CREATED_AT, "add_time",
      Contact.Fields.TITLE, "job_title");

  /** Address parts: canonical field to Pipedrive's address subfield (Google's address components). */
  public static final Map<String, String> ADDRESS_PARTS = Map.of(
      Contact.Fields.STREET, "route",
      Contact.Fields.CITY, "locality",
      Contact.Fields.STATE, "admin_area_level_1",
      Contact.Fields.POSTAL_CODE, "postal_code",
      Contact.Fields.COUNTRY, "country");

  /** The entity for a canonical object type: {@code contact} is {@code persons}, {@code company} {@code organizations}. */
  public static String entity(String objectType) {
    String t = objectType.strip().toLowerCase(Locale.ROOT);
    return switch (t) {
      case ObjectTypes.CONTACT, "person", PERSONS -> PERSONS;
      case ObjectTypes.COMPANY, "organization", "org", ORGANIZATIONS -> ORGANIZATIONS;
      case ObjectTypes.DEAL, DEALS -> DEALS;
      case "product", PRODUCTS -> PRODUCTS;
      case "activity", ACTIVITIES -> ACTIVITIES;
      default -> throw new IllegalArgumentException("Pipedrive has no entity '" + objectType + "' in API v2; use contact "
          + "(persons), company (organizations), deal, product or activity");
    };
  }

  /** The fields endpoint of {@code entity}: {@code personFields}, {@code organizationFields}, ... */
  public static String fieldsPath(String entity) {
    return switch (entity) {
      case PERSONS -> "personFields";
      case ORGANIZATIONS -> "organizationFields";
      case DEALS -> "dealFields";
      case PRODUCTS -> "productFields";
      case ACTIVITIES -> "activityFields";
      default -> throw new IllegalArgumentException("no fields endpoint for " + entity);
    };
  }

  /** The field holding a record's name: {@code title} for deals, {@code subject} for activities. */
  public static String nameField(String entity) {
    return switch (entity) {
      case DEALS -> "title";
      case ACTIVITIES -> "subject";
      default -> "name";
    };
  }

  /** Whether a request may set standard field {@code code} of {@code entity}. */
  public static boolean writable(String entity, String code) {
    return WRITABLE.getOrDefault(entity, Set.of()).contains(code);
  }

  /** The search endpoint's {@code fields} values of {@code entity}; empty when it has no search. */
  public static Set<String> searchFields(String entity) {
    return SEARCH_FIELDS.getOrDefault(entity, Set.of());
  }

  /** The native field a canonical one maps to one to one, or null. */
  public static @Nullable String simpleNative(String entity, String canonical) {
    return (entity.equals(PERSONS) ? PERSON_SIMPLE : COMMON).get(canonical);
  }

  /** The canonical name of a native field that maps one to one, or null. */
  public static @Nullable String simpleCanonical(String entity, String nativeCode) {
    for (Map.Entry<String, String> e : (entity.equals(PERSONS) ? PERSON_SIMPLE : COMMON).entrySet()) {
      if (e.getValue().equals(nativeCode)) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The address field holding a record's address parts: persons' postal address, organizations' address. */
  public static @Nullable String addressField(String entity) {
    return switch (entity) {
      case PERSONS -> "postal_address";
      case ORGANIZATIONS -> "address";
      default -> null;
    };
  }
}

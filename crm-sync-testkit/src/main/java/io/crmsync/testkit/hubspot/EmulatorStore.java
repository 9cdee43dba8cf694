package io.crmsync.testkit.hubspot;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The emulator's data: object types, their property definitions, records and the account's owners. Not
 * thread-safe on its own; the emulator serialises access to it.
 */
final class EmulatorStore {
  static final Pattern EMAIL =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  /** One option of an enumeration property. */
  record Option(String value, String label) {}

  /**
   * One property definition, as {@code /crm/v3/properties} describes it
   * (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property: {@code
   * calculated}, {@code externalOptions}, {@code hasUniqueValue}, {@code hubspotDefined}, {@code
   * modificationMetadata.readOnlyValue}, {@code options}, {@code referencedObjectType}).
   *
   * @param email whether values must be email addresses (the contact's {@code email})
   */
  record Property(String name, String label, String type, String fieldType, boolean unique, boolean hubspotDefined,
      boolean readOnly, boolean calculated, List<Option> options, @Nullable String referencedObjectType,
      boolean externalOptions, boolean email) {
    Property {
      options = List.copyOf(options);
    }

    static Property text(String name, boolean hubspotDefined) {
      return new Property(name, label(name), "string", "text", false, hubspotDefined, false, false, List.of(), null,
          false, false);
    }

    boolean isDate() {
      return type.equals("datetime") || type.equals("date");
    }

    boolean isNumber() {
      return type.equals("number");
    }

    boolean isEnumeration() {
      return type.equals("enumeration");
    }

    /** Whether several options may be chosen at once ({@code ;}-separated), as with checkboxes. */
    boolean isMultiple() {
      return fieldType.equals("checkbox");
    }

    Property readOnlyValue() {
      return new Property(name, label, type, fieldType, unique, hubspotDefined, true, calculated, options,
          referencedObjectType, externalOptions, email);
    }

    private static String label(String name) {
      String spaced = name.replace('_', ' ');
      return spaced.isEmpty() ? spaced : Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
    }
  }

  /** Why HubSpot refuses one value, in the fields of its "Property values were not valid" list. */
  record Problem(String code, String message, String property) {}

  /** One owner of the account, as {@code /crm/v3/owners} lists them. */
  record Owner(String id, String email, String firstName, String lastName, long userId, boolean archived,
      Instant createdAt) {}

  /** One stored record. */
  static final class Obj {
    final long id;
    final Map<String, String> props = new LinkedHashMap<>();
    final Instant createdAt;
    Instant updatedAt;
    boolean archived;
    @Nullable Instant archivedAt;

    Obj(long id, Instant createdAt) {
      this.id = id;
      this.createdAt = createdAt;
      this.updatedAt = createdAt;
    }
  }

  /** One object type. */
  static final class Type {
    final String name;
    final String typeId;
    final String modifiedProperty;
    final Map<String, Property> properties = new LinkedHashMap<>();
    final TreeMap<Long, Obj> objects = new TreeMap<>();
    /** Live records by unique property, then normalised value. */
    final Map<String, Map<String, Long>> unique = new HashMap<>();

    Type(String name, String typeId, String modifiedProperty) {
      this.name = name;
      this.typeId = typeId;
      this.modifiedProperty = modifiedProperty;
    }

    void define(Property p) {
      properties.put(p.name(), p);
    }

    @Nullable Obj live(long id) {
      Obj o = objects.get(id);
      return o == null || o.archived ? null : o;
    }

    @Nullable Obj byUnique(String property, String value) {
      Long id = unique.getOrDefault(property, Map.of()).get(normalize(property, value));
      return id == null ? null : live(id);
    }

    boolean isUnique(String property) {
      Property p = properties.get(property);
      return p != null && p.unique();
    }

    String normalize(String property, String value) {
      Property p = properties.get(property);
      return p != null && p.email() ? value.strip().toLowerCase(Locale.ROOT) : value.strip();
    }

    void index(Obj o) {
      for (Property p : properties.values()) {
        if (p.unique()) {
          String v = o.props.get(p.name());
          if (v != null && !v.isEmpty()) {
            unique.computeIfAbsent(p.name(), k -> new HashMap<>()).put(normalize(p.name(), v), o.id);
          }
        }
      }
    }

    void unindex(Obj o) {
      for (Map.Entry<String, Map<String, Long>> e : unique.entrySet()) {
        String v = o.props.get(e.getKey());
        if (v != null) {
          e.getValue().remove(normalize(e.getKey(), v), o.id);
        }
      }
    }

    /** One property of the record as HubSpot reports it, computed ones included; null when unset. */
    @Nullable String value(Obj o, String property) {
      return switch (property) {
        case "hs_object_id" -> Long.toString(o.id);
        case "hs_lastmodifieddate" -> o.updatedAt.toString();
        case "lastmodifieddate" -> name.equals("contacts") ? o.updatedAt.toString() : o.props.get(property);
        case "createdate" -> o.props.getOrDefault("createdate", o.createdAt.toString());
        case "hs_createdate" -> o.createdAt.toString();
        case "hs_email_domain" -> emailDomain(o);
        default -> o.props.get(property);
      };
    }

    private @Nullable String emailDomain(Obj o) {
      String email = o.props.get("email");
      int at = email == null ? -1 : email.lastIndexOf('@');
      return at < 0 || !name.equals("contacts") ? o.props.get("hs_email_domain") : email.substring(at + 1);
    }

    /** A date property in epoch milliseconds, without formatting and parsing the computed ones. */
    @Nullable Long millis(Obj o, String property) {
      return switch (property) {
        case "hs_lastmodifieddate" -> o.updatedAt.toEpochMilli();
        case "lastmodifieddate" -> name.equals("contacts") ? o.updatedAt.toEpochMilli() : parsed(o, property);
        case "createdate" -> o.props.containsKey("createdate") ? parsed(o, property) : o.createdAt.toEpochMilli();
        case "hs_createdate" -> o.createdAt.toEpochMilli();
        default -> parsed(o, property);
      };
    }

    private @Nullable Long parsed(Obj o, String property) {
      String v = o.props.get(property);
      return v == null ? null : EmulatorDispatcher.millis(v);
    }

    /** The record's properties as HubSpot reports them, computed ones included. */
    Map<String, @Nullable String> view(Obj o, @Nullable Collection<String> requested) {
      Map<String, @Nullable String> all = new LinkedHashMap<>(o.props);
      all.put("hs_object_id", Long.toString(o.id));
      all.putIfAbsent("createdate", o.createdAt.toString());
      all.put("hs_lastmodifieddate", o.updatedAt.toString());
      if (name.equals("contacts")) {
        all.put("lastmodifieddate", o.updatedAt.toString());
        String domain = emailDomain(o);
        if (domain != null) {
          all.put("hs_email_domain", domain);
        }
      }
      if (properties.containsKey("hs_createdate")) {
        all.put("hs_createdate", o.createdAt.toString());
      }
      if (requested == null) {
        return all;
      }
      Map<String, @Nullable String> out = new LinkedHashMap<>();
      for (String r : requested) {
        if (properties.containsKey(r) || all.containsKey(r)) {
          out.put(r, all.get(r));
        }
      }
      out.put("hs_object_id", Long.toString(o.id));
      return out;
    }
  }

  private final Map<String, Type> types = new LinkedHashMap<>();
  private final Map<String, String> aliases = new HashMap<>();
  private final Map<String, Owner> owners = new LinkedHashMap<>();
  private long nextId = 1001;

  EmulatorStore() {
    // Default properties per object: https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
    // (default returned properties) and https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide.
    Type contacts = addType("contacts", "0-1", "lastmodifieddate", "contact");
    standard(contacts, "firstname", "lastname", "company", "phone", "mobilephone", "jobtitle", "address", "city",
        "state", "zip", "country", "website", "fax");
    contacts.define(new Property("email", "Email", "string", "text", true, true, false, false, List.of(), null, false,
        true));
    // The 8 default lifecycle stages: https://developers.hubspot.com/changelog/upcoming-customized-lifecycle-stages-for-contacts-and-companies
    contacts.define(enumeration("lifecyclestage", "radio", "subscriber", "lead", "marketingqualifiedlead",
        "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"));
    // Calculated from the email address, so its value cannot be written.
    contacts.define(new Property("hs_email_domain", "Email Domain", "string", "text", false, true, true, true, List.of(),
        null, false, false));
    common(contacts);
    contacts.define(new Property("lastmodifieddate", "Last Modified Date", "datetime", "date", false, true, true, true,
        List.of(), null, false, false));

    Type companies = addType("companies", "0-2", "hs_lastmodifieddate", "company");
    standard(companies, "name", "domain", "phone", "address", "city", "state", "zip", "country", "industry",
        "description", "website");
    companies.define(new Property("numberofemployees", "Number of Employees", "number", "number", false, true, false,
        false, List.of(), null, false, false));
    companies.define(enumeration("lifecyclestage", "radio", "subscriber", "lead", "marketingqualifiedlead",
        "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"));
    common(companies);

    Type deals = addType("deals", "0-3", "hs_lastmodifieddate", "deal");
    standard(deals, "dealname", "description");
    // The default sales pipeline and its stages, as HubSpot names them when refusing another value.
    deals.define(enumeration("pipeline", "select", "default"));
    deals.define(enumeration("dealstage", "radio", "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"));
    deals.define(new Property("amount", "Amount", "number", "number", false, true, false, false, List.of(), null, false,
        false));
    deals.define(new Property("closedate", "Close Date", "datetime", "date", false, true, false, false, List.of(), null,
        false, false));
    common(deals);
  }

  private Type addType(String name, String typeId, String modified, String singular) {
    Type t = new Type(name, typeId, modified);
    types.put(name, t);
    aliases.put(typeId, name);
    aliases.put(singular, name);
    return t;
  }

  private static void standard(Type t, String... names) {
    for (String n : names) {
      t.define(Property.text(n, true));
    }
  }

  static Property enumeration(String name, String fieldType, String... values) {
    List<Option> options = new ArrayList<>();
    for (String v : values) {
      options.add(new Option(v, v));
    }
    return new Property(name, Property.label(name), "enumeration", fieldType, false, true, false, false, options, null,
        false, false);
  }

  private static void common(Type t) {
    // The record owner: an enumeration whose options are the account's owners
    // (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property: referencedObjectType
    // "should be set to 'OWNER' when 'externalOptions' is true").
    t.define(new Property("hubspot_owner_id", "Owner", "enumeration", "select", false, true, false, false, List.of(),
        "OWNER", true, false));
    t.define(new Property("createdate", "Create Date", "datetime", "date", false, true, false, false, List.of(), null,
        false, false));
    t.define(new Property("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", false, true, true, true,
        List.of(), null, false, false));
    t.define(new Property("hs_object_id", "Record ID", "number", "number", true, true, true, true, List.of(), null,
        false, false));
  }

  /** Adds a custom object type with the standard computed properties. */
  Type defineType(String name) {
    Objects.requireNonNull(name, "name");
    Type existing = type(name);
    if (existing != null) {
      return existing;
    }
    Type t = addType(name, "2-" + (types.size() + 100), "hs_lastmodifieddate", name);
    t.define(new Property("hs_createdate", "Create Date", "datetime", "date", false, true, true, true, List.of(), null,
        false, false));
    common(t);
    return t;
  }

  @Nullable Type type(String nameOrAlias) {
    Type t = types.get(nameOrAlias);
    if (t != null) {
      return t;
    }
    String alias = aliases.get(nameOrAlias.toLowerCase(Locale.ROOT));
    return alias == null ? null : types.get(alias);
  }

  Collection<Type> types() {
    return types.values();
  }

  void addOwner(Owner owner) {
    owners.put(owner.id(), owner);
  }

  Collection<Owner> owners() {
    return owners.values();
  }

  @Nullable Owner owner(String id) {
    return owners.get(id.strip());
  }

  Obj create(Type t, Map<String, String> props, Instant now) {
    Obj o = new Obj(nextId++, now);
    putAll(t, o, props);
    t.objects.put(o.id, o);
    t.index(o);
    return o;
  }

  void update(Type t, Obj o, Map<String, String> props, Instant now) {
    t.unindex(o);
    putAll(t, o, props);
    o.updatedAt = later(o.updatedAt, now);
    t.index(o);
  }

  private static void putAll(Type t, Obj o, Map<String, String> props) {
    props.forEach((k, v) -> {
      Property p = t.properties.get(k);
      String value = p != null && p.email() ? v.strip().toLowerCase(Locale.ROOT) : v;
      if (value.isEmpty()) {
        o.props.remove(k);
      } else {
        o.props.put(k, value);
      }
    });
  }

  void archive(Type t, Obj o, Instant now) {
    t.unindex(o);
    o.archived = true;
    o.archivedAt = now;
    o.updatedAt = later(o.updatedAt, now);
  }

  private static Instant later(Instant a, Instant b) {
    return b.isAfter(a) ? b : a;
  }

  /**
   * Validates one property value as HubSpot does before writing it; null when it is fine. Codes and
   * messages as HubSpot's "Property values were not valid" list has them
   * (https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis, error handling).
   */
  @Nullable Problem invalid(Type t, String name, String value) {
    Property p = t.properties.get(name);
    if (p == null) {
      return new Problem("PROPERTY_DOESNT_EXIST", "Property \"" + name + "\" does not exist", name);
    }
    if (p.readOnly() || p.calculated()) {
      // HubSpot answers writes to read-only and calculated properties with "... is a read only property; its value
      // cannot be set." (the error code is not documented; READ_ONLY_VALUE is what the list carries).
      return new Problem("READ_ONLY_VALUE", name + " is a read only property; its value cannot be set.", name);
    }
    if (value.isEmpty()) {
      return null; // an empty string clears the value
    }
    String v = value.strip();
    if (p.email() && !EMAIL.matcher(v).matches()) {
      return new Problem("INVALID_EMAIL", "Email address " + value + " is invalid", name);
    }
    if (p.isNumber()) {
      try {
        new BigDecimal(v);
      } catch (NumberFormatException e) {
        // https://developers.hubspot.com/docs/api-reference/error-handling: "discount was not a valid number",
        // code INVALID_INTEGER
        return new Problem("INVALID_INTEGER", value + " was not a valid number", name);
      }
    }
    if (p.isDate() && EmulatorDispatcher.millis(v) == null) {
      return new Problem("INVALID_DATE", value + " is not a valid date for property " + name, name);
    }
    if (p.isEnumeration()) {
      List<String> chosen = p.isMultiple() ? List.of(v.split(";")) : List.of(v);
      for (String c : chosen) {
        if (!allowed(p, c.strip())) {
          // "Japan Summer was not one of the allowed options: [...]" with code INVALID_OPTION, as HubSpot answers
          // a value outside an enumeration's options; an owner property's options are the account's owners.
          String list = p.externalOptions() ? "" : p.options().stream().map(Option::label)
              .collect(Collectors.joining(", ", ": [", "]"));
          return new Problem("INVALID_OPTION", c.strip() + " was not one of the allowed options" + list, name);
        }
      }
    }
    return null;
  }

  private boolean allowed(Property p, String value) {
    if ("OWNER".equals(p.referencedObjectType())) {
      Owner o = owners.get(value);
      return o != null && !o.archived();
    }
    if (p.externalOptions()) {
      return true; // options from elsewhere in the account that the emulator does not keep
    }
    for (Option o : p.options()) {
      if (o.value().equals(value)) {
        return true;
      }
    }
    return false;
  }

  List<Obj> all(Type t) {
    return new ArrayList<>(t.objects.values());
  }
}

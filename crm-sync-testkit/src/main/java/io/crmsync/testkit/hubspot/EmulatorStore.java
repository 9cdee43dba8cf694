package io.crmsync.testkit.hubspot;

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
import org.jspecify.annotations.Nullable;

/**
 * The emulator's data: object types, their property definitions and records. Not thread-safe on its own;
 * the emulator serialises access to it.
 */
final class EmulatorStore {
  static final Pattern EMAIL =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  /** One property definition, as {@code /crm/v3/properties} describes it. */
  record Property(String name, String type, String fieldType, boolean unique, boolean hubspotDefined, boolean readOnly) {
    boolean isDate() {
      return type.equals("datetime") || type.equals("date");
    }

    boolean isNumber() {
      return type.equals("number");
    }
  }

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
      return p != null && p.fieldType().equals("email") ? value.strip().toLowerCase(Locale.ROOT) : value.strip();
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
        default -> o.props.get(property);
      };
    }

    /** A date property in epoch milliseconds, without formatting and parsing the computed ones. */
    @Nullable Long millis(Obj o, String property) {
      return switch (property) {
        case "hs_lastmodifieddate" -> o.updatedAt.toEpochMilli();
        case "lastmodifieddate" -> name.equals("contacts") ? o.updatedAt.toEpochMilli() : parsed(o, property);
        case "createdate" -> o.props.containsKey("createdate") ? parsed(o, property) : o.createdAt.toEpochMilli();
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
  private long nextId = 1001;

  EmulatorStore() {
    Type contacts = addType("contacts", "0-1", "lastmodifieddate", "contact");
    standard(contacts, "firstname", "lastname", "company", "phone", "mobilephone", "jobtitle", "address", "city",
        "state", "zip", "country", "website", "lifecyclestage");
    contacts.define(new Property("email", "string", "email", true, true, false));
    common(contacts);
    contacts.define(new Property("lastmodifieddate", "datetime", "date", false, true, true));

    Type companies = addType("companies", "0-2", "hs_lastmodifieddate", "company");
    standard(companies, "name", "domain", "phone", "address", "city", "state", "zip", "country", "industry",
        "description", "website");
    companies.define(new Property("numberofemployees", "number", "number", false, true, false));
    common(companies);

    Type deals = addType("deals", "0-3", "hs_lastmodifieddate", "deal");
    standard(deals, "dealname", "pipeline", "dealstage", "description");
    deals.define(new Property("amount", "number", "number", false, true, false));
    deals.define(new Property("closedate", "datetime", "date", false, true, false));
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
      t.define(new Property(n, "string", "text", false, true, false));
    }
  }

  private static void common(Type t) {
    t.define(new Property("hubspot_owner_id", "enumeration", "select", false, true, false));
    t.define(new Property("createdate", "datetime", "date", false, true, false));
    t.define(new Property("hs_lastmodifieddate", "datetime", "date", false, true, true));
    t.define(new Property("hs_object_id", "number", "number", true, true, true));
  }

  /** Adds a custom object type with the standard computed properties. */
  Type defineType(String name) {
    Objects.requireNonNull(name, "name");
    Type existing = type(name);
    if (existing != null) {
      return existing;
    }
    Type t = addType(name, "2-" + (types.size() + 100), "hs_lastmodifieddate", name);
    t.define(new Property("hs_createdate", "datetime", "date", false, true, true));
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
      String value = p != null && p.fieldType().equals("email") ? v.strip().toLowerCase(Locale.ROOT) : v;
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

  /** Validates one property value; returns {@code [code, message]} or null when it is fine. */
  static String @Nullable [] invalid(Type t, String name, String value) {
    Property p = t.properties.get(name);
    if (p == null) {
      return new String[] {"PROPERTY_DOESNT_EXIST", "Property \"" + name + "\" does not exist"};
    }
    if (p.readOnly()) {
      return new String[] {"READ_ONLY_VALUE", "Property \"" + name + "\" is read-only"};
    }
    if (value.isEmpty()) {
      return null;
    }
    if (p.fieldType().equals("email") && !EMAIL.matcher(value.strip()).matches()) {
      return new String[] {"INVALID_EMAIL", "Email address " + value + " is invalid"};
    }
    if (p.isNumber()) {
      try {
        new java.math.BigDecimal(value.strip());
      } catch (NumberFormatException e) {
        return new String[] {"INVALID_DECIMAL", value + " is not a valid number for property " + name};
      }
    }
    if (p.isDate() && EmulatorDispatcher.millis(value) == null) {
      return new String[] {"INVALID_DATE", value + " is not a valid date for property " + name};
    }
    return null;
  }

  List<Obj> all(Type t) {
    return new ArrayList<>(t.objects.values());
  }
}

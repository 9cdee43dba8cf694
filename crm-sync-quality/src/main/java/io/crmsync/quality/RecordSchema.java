package io.crmsync.quality;

import io.crmsync.model.Contact;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which record field plays which {@link FieldRole}. Immutable.
 *
 * <p>{@link #contacts()} is the built-in contact profile over {@link Contact.Fields} names; {@link
 * #detect(List)} recognises CSV headers with those meanings ({@code E-mail}, {@code first_name}, {@code
 * Surname}, {@code Organization}, {@code updated_at} ...).
 *
 * @param fields the fields with a role, in comparison order; names are unique
 */
public record RecordSchema(List<Field> fields) {

  /** A field name and its role. */
  public record Field(String name, FieldRole role) {
    public Field {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      if (name.isBlank()) {
        throw new IllegalArgumentException("field name must not be blank");
      }
    }
  }

  private static final Map<String, FieldRole> HEADER_SYNONYMS = headerSynonyms();

  /** Words CRM exports put before a column's meaning: Mailing City, Business Phone, Primary Email. */
  private static final List<String> HEADER_QUALIFIERS = List.of("mailing", "billing", "shipping", "primary",
      "business", "work", "office", "home", "other", "personal", "main", "contact", "company", "current",
      "address1", "address2", "address"); // Dynamics 365: Address 1: City, address1_city

  public RecordSchema {
    fields = List.copyOf(Objects.requireNonNull(fields, "fields"));
    Set<String> names = new HashSet<>();
    int updated = 0;
    int source = 0;
    int country = 0;
    for (Field f : fields) {
      if (!names.add(f.name())) {
        throw new IllegalArgumentException("field '" + f.name() + "' is listed twice");
      }
      updated += f.role() == FieldRole.UPDATED_AT ? 1 : 0;
      source += f.role() == FieldRole.SOURCE ? 1 : 0;
      country += f.role() == FieldRole.COUNTRY ? 1 : 0;
    }
    if (updated > 1 || source > 1 || country > 1) {
      throw new IllegalArgumentException("at most one UPDATED_AT, one SOURCE and one COUNTRY field: " + fields);
    }
    if (fields.stream().noneMatch(f -> isCompared(f.role()))) {
      throw new IllegalArgumentException("schema has no field to compare: " + fields);
    }
  }

  /**
   * The built-in contact profile: email, first and last name, company, phone and city under their
   * {@link Contact.Fields} names.
   */
  public static RecordSchema contacts() {
    return builder()
        .field(Contact.Fields.EMAIL, FieldRole.EMAIL)
        .field(Contact.Fields.FIRST_NAME, FieldRole.FIRST_NAME)
        .field(Contact.Fields.LAST_NAME, FieldRole.LAST_NAME)
        .field(Contact.Fields.COMPANY, FieldRole.COMPANY)
        .field(Contact.Fields.PHONE, FieldRole.PHONE)
        .field(Contact.Fields.CITY, FieldRole.CITY)
        .build();
  }

  /**
   * A schema from CSV column names: each column whose name means a known role gets it (the first column
   * wins when two mean the same role, except phones: {@code Phone}, {@code Mobile} and {@code Home Phone}
   * are all compared, as one set of numbers). Columns with no recognised meaning are left out (still
   * merged).
   *
   * @throws IllegalArgumentException if no column has a comparable meaning
   */
  public static RecordSchema detect(List<String> header) {
    Builder b = builder();
    Set<FieldRole> seen = new HashSet<>();
    for (String column : header) {
      FieldRole role = roleOfHeader(column);
      if (role != null && (seen.add(role) || role == FieldRole.PHONE)) {
        b.field(column, role);
      }
    }
    if (b.fields.stream().noneMatch(f -> isCompared(f.role()))) {
      throw new IllegalArgumentException(
          "no column is recognised as email, name, company, phone or city: " + header
              + " (map columns to roles explicitly)");
    }
    return b.build();
  }

  /**
   * The role a CSV column name usually means, or {@code null}: a known name ({@code E-mail}, {@code
   * Surname}, {@code Account Name}), also qualified as CRM exports do ({@code Mailing City}, {@code
   * Business Phone}, {@code Mobile phone number}).
   */
  public static @Nullable FieldRole roleOfHeader(String column) {
    String key = column.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    FieldRole role = HEADER_SYNONYMS.get(key);
    if (role == null && key.endsWith("number") && key.length() > 6) {
      role = HEADER_SYNONYMS.get(key.substring(0, key.length() - 6));
    }
    for (int k = 0; role == null && k < HEADER_QUALIFIERS.size(); k++) {
      String q = HEADER_QUALIFIERS.get(k);
      if (key.startsWith(q) && key.length() > q.length()) {
        String rest = key.substring(q.length());
        role = HEADER_SYNONYMS.get(rest);
        if (role == null && rest.endsWith("number") && rest.length() > 6) {
          role = HEADER_SYNONYMS.get(rest.substring(0, rest.length() - 6));
        }
      }
    }
    return role;
  }


  private static Map<String, FieldRole> headerSynonyms() {
    Map<String, FieldRole> m = new LinkedHashMap<>();
    for (String s : List.of("email", "emailaddress", "mail", "workemail", "emailid")) {
      m.put(s, FieldRole.EMAIL);
    }
    for (String s : List.of("firstname", "givenname", "forename", "first", "fname")) {
      m.put(s, FieldRole.FIRST_NAME);
    }
    for (String s : List.of("lastname", "surname", "familyname", "last", "lname")) {
      m.put(s, FieldRole.LAST_NAME);
    }
    for (String s : List.of("name", "fullname", "contactname")) {
      m.put(s, FieldRole.FULL_NAME);
    }
    for (String s : List.of("company", "companyname", "organization", "organisation", "organizationname",
        "organisationname", "account", "accountname", "employer", "employername")) {
      m.put(s, FieldRole.COMPANY);
    }
    for (String s : List.of("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone",
        "workphone", "mobilenumber", "cell", "cellphone", "homephone", "otherphone", "businessphone",
        "directphone", "directdial", "phone2", "secondaryphone", "telephone1", "telephone2", "telephone3")) {
      m.put(s, FieldRole.PHONE);
    }
    for (String s : List.of("city", "town", "suburb", "locality")) {
      m.put(s, FieldRole.CITY);
    }
    for (String s : List.of("title", "jobtitle")) { // the job title: text, weighed as the data show it
      m.put(s, FieldRole.TEXT);
    }
    for (String s : List.of("country", "countryregion", "countrycode", "countryname", "nation")) {
      m.put(s, FieldRole.COUNTRY);
    }
    for (String s : List.of("address", "street", "streetaddress", "address1", "line1", "street1")) {
      m.put(s, FieldRole.ADDRESS);
    }
    for (String s : List.of("zip", "zipcode", "postcode", "postalcode", "zippostalcode", "postalzipcode")) {
      m.put(s, FieldRole.POSTCODE);
    }
    for (String s : List.of("dob", "dateofbirth", "birthdate", "birthday")) {
      m.put(s, FieldRole.DATE);
    }
    for (String s : List.of("updatedat", "modifiedat", "lastmodified", "lastmodifieddate", "updated",
        "modified", "lastupdated", "modifiedon", "updatedon", "lastmodifiedon")) {
      m.put(s, FieldRole.UPDATED_AT);
    }
    for (String s : List.of("source", "sourcesystem", "origin")) {
      m.put(s, FieldRole.SOURCE);
    }
    return Map.copyOf(m);
  }

  /**
   * Whether fields of this role are compared (all but {@link FieldRole#UPDATED_AT}, {@link
   * FieldRole#SOURCE} and {@link FieldRole#COUNTRY}).
   */
  public static boolean isCompared(FieldRole role) {
    return role != FieldRole.UPDATED_AT && role != FieldRole.SOURCE && role != FieldRole.COUNTRY;
  }

  /** The first field with {@code role}, or {@code null}. */
  public @Nullable String fieldFor(FieldRole role) {
    for (Field f : fields) {
      if (f.role() == role) {
        return f.name();
      }
    }
    return null;
  }

  /** This schema with one field's role replaced or added (a {@code null} role removes the field). */
  public RecordSchema with(String name, @Nullable FieldRole role) {
    List<Field> copy = new ArrayList<>();
    boolean replaced = false;
    for (Field f : fields) {
      if (f.name().equals(name)) {
        replaced = true;
        if (role != null) {
          copy.add(new Field(name, role));
        }
      } else if (role == null || !isSingleton(role) || f.role() != role) {
        copy.add(f);
      }
    }
    if (!replaced && role != null) {
      copy.add(new Field(name, role));
    }
    return new RecordSchema(copy);
  }

  private static boolean isSingleton(FieldRole role) {
    return role == FieldRole.UPDATED_AT || role == FieldRole.SOURCE || role == FieldRole.COUNTRY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RecordSchema}. Not thread-safe. */
  public static final class Builder {
    private final List<Field> fields = new ArrayList<>();

    Builder() {}

    /**
     * Gives {@code name} the {@code role}.
     *
     * @throws IllegalArgumentException if {@code name} was already given a role
     */
    public Builder field(String name, FieldRole role) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      for (Field f : fields) {
        if (f.name().equals(name)) {
          throw new IllegalArgumentException("field '" + name + "' already has role " + f.role());
        }
      }
      fields.add(new Field(name, role));
      return this;
    }

    public RecordSchema build() {
      return new RecordSchema(fields);
    }
  }
}

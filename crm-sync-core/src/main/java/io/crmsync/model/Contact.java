package io.crmsync.model;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A person, with the standard fields every CRM has and the custom fields it was asked to carry.
 *
 * <p>A typed view of a {@link CrmRecord} of type {@link ObjectTypes#CONTACT}: {@link #toRecord(String)}
 * and {@link #fromRecord(String, CrmRecord)} convert losslessly, the standard fields under the names of
 * {@link Fields} and the custom ones as they are. Companies and deals follow the same shape: canonical
 * standard fields plus pass-through custom fields on a {@link CrmRecord}.
 *
 * @param ids this contact's id in each system, by system id ({@code "hubspot" -> "51"})
 * @param customFields fields outside the standard set, by their CRM name
 */
public record Contact(
    Map<String, String> ids,
    @Nullable String email,
    @Nullable String firstName,
    @Nullable String lastName,
    @Nullable String company,
    @Nullable String phone,
    @Nullable String title,
    @Nullable String street,
    @Nullable String city,
    @Nullable String state,
    @Nullable String postalCode,
    @Nullable String country,
    @Nullable String ownerId,
    @Nullable Instant createdAt,
    @Nullable Instant modifiedAt,
    Map<String, Object> customFields) {

  /** Canonical names of the standard contact fields in {@link CrmRecord#fields()}. */
  public static final class Fields {
    public static final String EMAIL = "email";
    public static final String FIRST_NAME = "firstName";
    public static final String LAST_NAME = "lastName";
    public static final String COMPANY = "company";
    public static final String PHONE = "phone";
    public static final String TITLE = "title";
    public static final String STREET = "street";
    public static final String CITY = "city";
    public static final String STATE = "state";
    public static final String POSTAL_CODE = "postalCode";
    public static final String COUNTRY = "country";
    public static final String OWNER_ID = "ownerId";
    /** ISO-8601 instant, as text. */
    public static final String CREATED_AT = "createdAt";

    /** Every standard field name. */
    public static final Set<String> ALL =
        Set.of(EMAIL, FIRST_NAME, LAST_NAME, COMPANY, PHONE, TITLE, STREET, CITY, STATE, POSTAL_CODE,
            COUNTRY, OWNER_ID, CREATED_AT);

    private Fields() {}
  }

  public Contact {
    ids = Map.copyOf(Objects.requireNonNull(ids, "ids"));
    customFields = Map.copyOf(Objects.requireNonNull(customFields, "customFields"));
    for (String name : customFields.keySet()) {
      if (Fields.ALL.contains(name)) {
        throw new IllegalArgumentException("custom field '" + name + "' clashes with a standard field");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.ids.putAll(ids);
    b.email = email;
    b.firstName = firstName;
    b.lastName = lastName;
    b.company = company;
    b.phone = phone;
    b.title = title;
    b.street = street;
    b.city = city;
    b.state = state;
    b.postalCode = postalCode;
    b.country = country;
    b.ownerId = ownerId;
    b.createdAt = createdAt;
    b.modifiedAt = modifiedAt;
    b.customFields.putAll(customFields);
    return b;
  }

  /** This contact's id in {@code system}, or {@code null}. */
  public @Nullable String id(String system) {
    return ids.get(system);
  }

  /**
   * This contact as a record of {@code system}: its id there becomes the record's id, standard fields
   * take their canonical names, custom fields keep theirs.
   */
  public CrmRecord toRecord(String system) {
    Map<String, Object> f = new LinkedHashMap<>();
    put(f, Fields.EMAIL, email);
    put(f, Fields.FIRST_NAME, firstName);
    put(f, Fields.LAST_NAME, lastName);
    put(f, Fields.COMPANY, company);
    put(f, Fields.PHONE, phone);
    put(f, Fields.TITLE, title);
    put(f, Fields.STREET, street);
    put(f, Fields.CITY, city);
    put(f, Fields.STATE, state);
    put(f, Fields.POSTAL_CODE, postalCode);
    put(f, Fields.COUNTRY, country);
    put(f, Fields.OWNER_ID, ownerId);
    put(f, Fields.CREATED_AT, createdAt == null ? null : createdAt.toString());
    f.putAll(customFields);
    return new CrmRecord(ObjectTypes.CONTACT, ids.get(system), f, modifiedAt, false);
  }

  /**
   * Reads a contact from a record of {@code system}.
   *
   * @throws IllegalArgumentException if the record is not a contact, or a standard field has a value
   *     that is not text (or, for {@code createdAt}, not an ISO-8601 instant)
   */
  public static Contact fromRecord(String system, CrmRecord record) {
    if (!ObjectTypes.CONTACT.equals(record.objectType())) {
      throw new IllegalArgumentException("not a contact: objectType=" + record.objectType());
    }
    Builder b = builder();
    if (record.id() != null) {
      b.id(system, record.id());
    }
    Map<String, Object> f = record.fields();
    b.email = text(f, Fields.EMAIL);
    b.firstName = text(f, Fields.FIRST_NAME);
    b.lastName = text(f, Fields.LAST_NAME);
    b.company = text(f, Fields.COMPANY);
    b.phone = text(f, Fields.PHONE);
    b.title = text(f, Fields.TITLE);
    b.street = text(f, Fields.STREET);
    b.city = text(f, Fields.CITY);
    b.state = text(f, Fields.STATE);
    b.postalCode = text(f, Fields.POSTAL_CODE);
    b.country = text(f, Fields.COUNTRY);
    b.ownerId = text(f, Fields.OWNER_ID);
    String created = text(f, Fields.CREATED_AT);
    if (created != null) {
      try {
        b.createdAt = Instant.parse(created);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("field createdAt is not an ISO-8601 instant: '" + created + "'", e);
      }
    }
    b.modifiedAt = record.modifiedAt();
    for (Map.Entry<String, Object> e : f.entrySet()) {
      if (!Fields.ALL.contains(e.getKey())) {
        b.customFields.put(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  private static void put(Map<String, Object> f, String name, @Nullable Object value) {
    if (value != null) {
      f.put(name, value);
    }
  }

  private static @Nullable String text(Map<String, Object> f, String name) {
    Object v = f.get(name);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw new IllegalArgumentException(
        "field " + name + " must be text but was " + v.getClass().getSimpleName() + ": " + v);
  }

  /** Builds a {@link Contact}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> ids = new LinkedHashMap<>();
    private @Nullable String email;
    private @Nullable String firstName;
    private @Nullable String lastName;
    private @Nullable String company;
    private @Nullable String phone;
    private @Nullable String title;
    private @Nullable String street;
    private @Nullable String city;
    private @Nullable String state;
    private @Nullable String postalCode;
    private @Nullable String country;
    private @Nullable String ownerId;
    private @Nullable Instant createdAt;
    private @Nullable Instant modifiedAt;
    private final Map<String, Object> customFields = new LinkedHashMap<>();

    Builder() {}

    public Builder id(String system, String id) {
      ids.put(Objects.requireNonNull(system, "system"), Objects.requireNonNull(id, "id"));
      return this;
    }

    public Builder email(@Nullable String email) {
      this.email = email;
      return this;
    }

    public Builder firstName(@Nullable String firstName) {
      this.firstName = firstName;
      return this;
    }

    public Builder lastName(@Nullable String lastName) {
      this.lastName = lastName;
      return this;
    }

    public Builder company(@Nullable String company) {
      this.company = company;
      return this;
    }

    public Builder phone(@Nullable String phone) {
      this.phone = phone;
      return this;
    }

    public Builder title(@Nullable String title) {
      this.title = title;
      return this;
    }

    public Builder street(@Nullable String street) {
      this.street = street;
      return this;
    }

    public Builder city(@Nullable String city) {
      this.city = city;
      return this;
    }

    public Builder state(@Nullable String state) {
      this.state = state;
      return this;
    }

    public Builder postalCode(@Nullable String postalCode) {
      this.postalCode = postalCode;
      return this;
    }

    public Builder country(@Nullable String country) {
      this.country = country;
      return this;
    }

    public Builder ownerId(@Nullable String ownerId) {
      this.ownerId = ownerId;
      return this;
    }

    public Builder createdAt(@Nullable Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    public Builder modifiedAt(@Nullable Instant modifiedAt) {
      this.modifiedAt = modifiedAt;
      return this;
    }

    public Builder customField(String name, Object value) {
      customFields.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Contact build() {
      return new Contact(ids, email, firstName, lastName, company, phone, title, street, city, state,
          postalCode, country, ownerId, createdAt, modifiedAt, customFields);
    }
  }
}

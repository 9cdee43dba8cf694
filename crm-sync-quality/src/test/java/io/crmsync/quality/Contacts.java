package io.crmsync.quality;

import io.crmsync.model.Contact;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Contact records for the dedupe tests, in the default contact schema; null values are left out. */
final class Contacts {
  private Contacts() {}

  static DedupeRecord contact(String id, @Nullable String first, @Nullable String last, @Nullable String email,
      @Nullable String company, @Nullable String phone, @Nullable String city) {
    return contact(id, first, last, email, company, phone, city, null, null);
  }

  static DedupeRecord contact(String id, @Nullable String first, @Nullable String last, @Nullable String email,
      @Nullable String company, @Nullable String phone, @Nullable String city, @Nullable String updated,
      @Nullable String source) {
    Map<String, String> f = new LinkedHashMap<>();
    put(f, Contact.Fields.FIRST_NAME, first);
    put(f, Contact.Fields.LAST_NAME, last);
    put(f, Contact.Fields.EMAIL, email);
    put(f, Contact.Fields.COMPANY, company);
    put(f, Contact.Fields.PHONE, phone);
    put(f, Contact.Fields.CITY, city);
    return new DedupeRecord(id, f, updated == null ? null : Instant.parse(updated), source);
  }

  private static void put(Map<String, String> f, String key, @Nullable String value) {
    if (value != null) {
      f.put(key, value);
    }
  }
}

package io.crmsync.testkit;

import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Contacts for tests and benchmarks: predictable, distinct, and as many invalid ones as asked for. */
public final class TestContacts {
  private TestContacts() {}

  /**
   * {@code n} contacts {@code person<i>@example.com}, {@code First<i> Last<i>}, at one of 50 companies, with a
   * phone and a custom field {@code tier}; every {@code invalidEvery}-th (if positive) has an invalid email
   * ({@code person<i>(at)example.com}).
   */
  public static List<CrmRecord> contacts(int n, int invalidEvery) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      boolean invalid = invalidEvery > 0 && i % invalidEvery == invalidEvery - 1;
      out.add(Contact.builder()
          .email(invalid ? "person" + i + "(at)example.com" : "person" + i + "@example.com")
          .firstName("First" + i)
          .lastName("Last" + i)
          .company("Company " + (i % 50))
          .phone("+1555" + String.format(Locale.ROOT, "%07d", i))
          .customField("tier", i % 3 == 0 ? "gold" : "silver")
          .build()
          .toRecord("test"));
    }
    return out;
  }
}

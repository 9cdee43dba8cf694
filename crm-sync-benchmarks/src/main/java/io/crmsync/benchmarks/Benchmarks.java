package io.crmsync.benchmarks;

import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What the benchmark mains share: their synthetic contacts and how rounds are summarised. */
public final class Benchmarks {
  private Benchmarks() {}

  /** {@code n} distinct, valid contacts: unique emails, names and phones drawn from small pools. */
  public static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    String[] companies = {"Acme Inc", "Globex LLC", "Initech", "Umbrella Corp", "Hooli"};
    for (int i = 0; i < n; i++) {
      out.add(Contact.builder()
          .email("person" + i + "@example.com")
          .firstName("First" + (i % 1000))
          .lastName("Last" + (i % 5000))
          .company(companies[i % companies.length])
          .phone("+1415555" + String.format(Locale.ROOT, "%04d", i % 10_000))
          .build()
          .toRecord("seed"));
    }
    return out;
  }

  /** The median of {@code values} (the mean of the middle two for an even count). */
  public static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
}

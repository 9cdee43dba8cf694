package io.crmsync.examples;

import io.crmsync.quality.Cluster;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.RecordSchema;
import java.util.List;
import java.util.Map;

/** The README's deduplication snippet. */
public final class DedupeExample {
  private DedupeExample() {}

  public static DedupeResult dedupe(List<DedupeRecord> records) {
    // README:dedupe:start
    DataQualityEngine engine = DataQualityEngine.builder()
        .schema(RecordSchema.contacts())     // the default; RecordSchema maps any field names to roles
        .defaultRegion("GB")                 // for phone numbers written without a country code
        .build();
    DedupeResult result = engine.deduplicate(records);
    for (Cluster c : result.duplicateClusters()) {
      System.out.println(c.masterId() + " <- " + c.memberIds() + ": " + c.merged().fields());
    }
    System.out.println(result.explain("42", "42-crm"));   // each comparison, its level and weight, the total
    // README:dedupe:end
    return result;
  }

  public static void main(String[] args) {
    dedupe(List.of(
        DedupeRecord.of("42", Map.of("email", "carol.taylor@example.com", "firstName", "Carol", "lastName", "Taylor",
            "company", "Acme Ltd", "phone", "020 7946 0042")),
        DedupeRecord.of("42-crm", Map.of("email", "CAROL.TAYLOR+crm@example.com", "firstName", "Carol",
            "lastName", "TAYLOR", "company", "ACME", "phone", "+44 20 7946 0042"))));
  }
}

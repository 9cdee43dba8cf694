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

  /**
   * Six contacts as two systems hold them: Carol Taylor twice (case, plus-tag, legal suffix, phone
   * written two ways), Robert Jones twice (nickname, email case), and two colleagues who share the
   * office mailbox and the switchboard. A handful of records is enough: no background data needed.
   */
  public static List<DedupeRecord> sampleRecords() {
    return List.of(
        DedupeRecord.of("42", Map.of("email", "carol.taylor@example.com", "firstName", "Carol", "lastName", "Taylor",
            "company", "Acme Ltd", "phone", "020 7946 0042", "city", "London")),
        DedupeRecord.of("42-crm", Map.of("email", "CAROL.TAYLOR+crm@example.com", "firstName", "Carol",
            "lastName", "TAYLOR", "company", "ACME", "phone", "+44 20 7946 0042")),
        DedupeRecord.of("43", Map.of("email", "info@example.com", "firstName", "Dave", "lastName", "Smith",
            "company", "Acme Ltd", "phone", "020 7946 0000", "city", "London")),
        DedupeRecord.of("44", Map.of("email", "info@example.com", "firstName", "Erin", "lastName", "Brown",
            "company", "Acme Ltd", "phone", "020 7946 0000", "city", "London")),
        DedupeRecord.of("45", Map.of("email", "robert.jones@example.org", "firstName", "Robert", "lastName", "Jones",
            "company", "Globex Corporation", "phone", "0161 496 0101", "city", "Manchester")),
        DedupeRecord.of("46", Map.of("email", "Robert.Jones@Example.org", "firstName", "Bob", "lastName", "Jones",
            "company", "Globex", "phone", "+44 161 496 0101")));
  }

  public static void main(String[] args) {
    dedupe(sampleRecords());
  }
}

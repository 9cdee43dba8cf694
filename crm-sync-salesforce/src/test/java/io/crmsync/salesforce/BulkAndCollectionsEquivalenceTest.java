package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The same batch, written through a Bulk API 2.0 job and through sObject Collections, leaves the org in the same
 * state and reports the same outcome per record, partial failures included.
 */
class BulkAndCollectionsEquivalenceTest {

  @RepeatedTest(2)
  void bothPathsLeaveTheSameStateAndResults(RepetitionInfo info) {
    List<CrmRecord> batch = batch(new SplittableRandom(info.getCurrentRepetition()), 450);
    Outcome bulk = run(batch, Map.of("bulkThreshold", "1"));
    Outcome collections = run(batch, Map.of("bulkThreshold", "100000"));

    assertThat(bulk.bulkJobs).as("bulk path used a Bulk job").isPositive();
    assertThat(collections.bulkJobs).as("collections path used no Bulk job").isZero();
    assertThat(bulk.results).hasSize(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      RecordResult b = bulk.results.get(i);
      RecordResult c = collections.results.get(i);
      assertThat(b.status()).as("status of record %d", i).isEqualTo(c.status());
      if (b.error() != null) {
        assertThat(b.error().code()).as("error code of record %d", i).isEqualTo(c.error().code());
        assertThat(b.error().fieldErrors()).as("field errors of record %d", i).isEqualTo(c.error().fieldErrors());
        assertThat(b.error().retryable()).isEqualTo(c.error().retryable());
      }
    }
    assertThat(bulk.state.keySet()).isEqualTo(collections.state.keySet());
    for (String key : bulk.state.keySet()) {
      assertThat(bulk.state.get(key)).as("record %s", key).isEqualTo(collections.state.get(key));
    }
    assertThat(bulk.results).anyMatch(r -> !r.succeeded());
    assertThat(bulk.results).anyMatch(r -> r.status() == RecordResult.Status.CREATED);
    assertThat(bulk.results).anyMatch(r -> r.status() == RecordResult.Status.UPDATED);
  }

  @Test
  void deletesThroughBothPathsAgree() {
    FakeTimeSource clock = new FakeTimeSource();
    try (SalesforceEmulator a = Emulators.emulator(clock).build().start();
        SalesforceEmulator b = Emulators.emulator(clock).build().start()) {
      List<String> idsA = new ArrayList<>();
      List<String> idsB = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        idsA.add(a.insert("Contact", Map.of("LastName", "L" + i)));
        idsB.add(b.insert("Contact", Map.of("LastName", "L" + i)));
      }
      idsA.add(idsA.get(0));
      idsB.add(idsB.get(0));
      idsA.add("003000000000999AAA");
      idsB.add("003000000000999AAA");
      idsA.add("bad id");
      idsB.add("bad id");
      List<RecordResult> viaBulk = Emulators.adapter(a, clock, Map.of("bulkThreshold", "1")).delete(ObjectTypes.CONTACT, idsA);
      List<RecordResult> viaCollections = Emulators.adapter(b, clock, Map.of()).delete(ObjectTypes.CONTACT, idsB);
      assertThat(viaBulk).extracting(RecordResult::status).isEqualTo(viaCollections.stream().map(RecordResult::status).toList());
      assertThat(viaBulk.subList(0, 32)).allMatch(r -> r.status() == RecordResult.Status.DELETED);
      assertThat(viaBulk.get(32).status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(a.records("Contact")).isEmpty();
      assertThat(b.records("Contact")).isEmpty();
      assertThat(a.requestLog()).anyMatch(l -> l.contains("/jobs/ingest"));
    }
  }

  private record Outcome(List<RecordResult> results, Map<String, Map<String, Object>> state, long bulkJobs) {}

  private static Outcome run(List<CrmRecord> batch, Map<String, String> settings) {
    FakeTimeSource clock = new FakeTimeSource();
    try (SalesforceEmulator sf = Emulators.emulator(clock).bulkPollsBeforeComplete(2).build().start()) {
      // two contacts already share an email, so matching on it is ambiguous
      sf.insert("Contact", Map.of("LastName", "Twin", "Email", "twin@example.com"));
      sf.insert("Contact", Map.of("LastName", "Twin", "Email", "TWIN@example.com"));
      sf.insert("Contact", Map.of("LastName", "Existing", "Email", "c3@example.com", "Title", "Old"));
      SalesforceAdapter adapter = Emulators.adapter(sf, clock, settings);
      List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
      Map<String, Map<String, Object>> state = new TreeMap<>();
      for (Map<String, Object> r : sf.allRecords("Contact")) {
        Map<String, Object> copy = new TreeMap<>(r);
        // ids and timestamps differ by when each path ran, not by what it did
        copy.keySet().removeAll(List.of("Id", "CreatedById", "LastModifiedById", "CreatedDate", "LastModifiedDate", "SystemModstamp"));
        state.put(r.get("Email") + "/" + r.get("LastName"), copy);
      }
      long jobs = sf.requestLog().stream().filter(l -> l.startsWith("POST") && l.contains("/jobs/ingest")).count();
      return new Outcome(results, state, jobs);
    }
  }

  /** Contacts with a mix of creates, updates and failures of every kind. */
  private static List<CrmRecord> batch(SplittableRandom random, int size) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put(Contact.Fields.EMAIL, "c" + random.nextInt(size * 2) + "@example.com");
      f.put(Contact.Fields.FIRST_NAME, random.nextBoolean() ? "Ann, \"the\" First" : "Bob\nSecond line");
      f.put(Contact.Fields.LAST_NAME, "Last" + i);
      f.put(Contact.Fields.COMPANY, "Ignored Inc");
      if (random.nextInt(4) == 0) {
        f.put("Favourite_Colour__c", random.nextBoolean() ? "" : "teal");
      }
      if (random.nextInt(5) == 0) {
        f.put(Contact.Fields.TITLE, "Title " + random.nextInt(3));
      }
      switch (random.nextInt(14)) {
        case 0 -> f.put(Contact.Fields.EMAIL, "not-an-email");
        case 1 -> f.remove(Contact.Fields.EMAIL);
        case 2 -> f.put(Contact.Fields.LAST_NAME, "");
        case 3 -> f.put(Contact.Fields.EMAIL, "twin@example.com");
        case 4 -> f.put("No_Such_Field__c", "x");
        case 5 -> f.put(Contact.Fields.TITLE, "t".repeat(200));
        case 6 -> f.put(Contact.Fields.EMAIL, "c3@example.com");
        default -> { }
      }
      out.add(CrmRecord.of(ObjectTypes.CONTACT, f));
    }
    return out;
  }
}

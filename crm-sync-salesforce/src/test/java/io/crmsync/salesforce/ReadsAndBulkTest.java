package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReadsAndBulkTest {
  private final FakeTimeSource clock = new FakeTimeSource();

  @Test
  void largePagesFollowNextRecordsUrlAndSmallPagesPageById() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      for (int i = 0; i < 450; i++) {
        sf.insert("Contact", Map.of("LastName", "L" + i, "Email", "p" + i + "@example.com"));
      }
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      Page first = a.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(200));
      assertThat(first.records()).hasSize(200);
      assertThat(first.nextCursor()).startsWith("q:/services/data/v66.0/query/");
      List<CrmRecord> all = a.stream(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(200)).collect(Collectors.toList());
      assertThat(all).hasSize(450).extracting(CrmRecord::id).doesNotHaveDuplicates();
      assertThat(sf.requestLog()).anyMatch(l -> l.matches("GET /services/data/v66.0/query/01g\\w+-400"));

      List<CrmRecord> small = a.stream(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(7)).collect(Collectors.toList());
      assertThat(small).extracting(CrmRecord::id).isEqualTo(all.stream().map(CrmRecord::id).sorted().toList());
      assertThat(small.get(0).string(Contact.Fields.EMAIL)).isEqualTo("p0@example.com");
      assertThat(small.get(0).modifiedAt()).isEqualTo(FakeTimeSource.DEFAULT_START);
      assertThat(small.get(0).string(Contact.Fields.CREATED_AT)).isEqualTo(FakeTimeSource.DEFAULT_START.toString());

      assertThatThrownBy(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT).withCursor("q:/services/data/v66.0/sobjects/User")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT).withCursor("k:' OR Id != '")))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void incrementalReadsIncludeTheOverlapWindowAndDeletes() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      String old = sf.insert("Contact", Map.of("LastName", "Old"));
      clock.advance(Duration.ofMinutes(3));
      Instant watermark = clock.now();
      clock.advance(Duration.ofMinutes(1));
      String recent = sf.insert("Contact", Map.of("LastName", "Recent"));
      clock.advance(Duration.ofHours(1));
      String ancient = sf.insert("Contact", Map.of("LastName", "Gone"));
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("incrementalOverlap", "5m"));
      assertThat(a.delete(ObjectTypes.CONTACT, List.of(ancient))).allMatch(r -> r.status() == RecordResult.Status.DELETED);

      List<String> since = ids(a, ReadRequest.of(ObjectTypes.CONTACT).withSince(watermark));
      assertThat(since).as("the overlap window reaches back 5 minutes").contains(old, recent).doesNotContain(ancient);
      List<String> noOverlap = ids(Emulators.adapter(sf, clock, Map.of("incrementalOverlap", "0s")),
          ReadRequest.of(ObjectTypes.CONTACT).withSince(watermark));
      assertThat(noOverlap).containsExactly(recent);

      List<CrmRecord> withDeleted = a.stream(ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true)).toList();
      assertThat(withDeleted).filteredOn(CrmRecord::deleted).extracting(CrmRecord::id).containsExactly(ancient);
      assertThat(a.lookup(ObjectTypes.CONTACT, MatchKey.field("Id"), ancient)).isEmpty();
    }
  }

  private static List<String> ids(SalesforceAdapter a, ReadRequest r) {
    return a.stream(r).map(CrmRecord::id).toList();
  }

  @Test
  void bulkPollingBacksOffOnTheAdaptersClock() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).bulkPollsBeforeComplete(4).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock,
          Map.of("bulkThreshold", "1", "bulkPollInitial", "1s", "bulkPollMax", "4s"));
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
      assertThat(r).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(clock.sleepCount()).isEqualTo(4);
      assertThat(clock.totalSlept()).isEqualTo(Duration.ofSeconds(1 + 2 + 4 + 4));
    }
  }

  @Test
  void aBulkJobThatDoesNotFinishInTimeIsAbortedAndUnavailable() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).bulkPollsBeforeComplete(1000).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock,
          Map.of("bulkThreshold", "1", "bulkPollInitial", "1s", "bulkPollMax", "10s", "bulkTimeout", "1m"));
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, contacts(2), MatchKey.email()))
          .isInstanceOf(CrmUnavailableException.class)
          .hasMessageContaining("aborted");
      assertThat(sf.requestLog()).anyMatch(l -> l.startsWith("PATCH /services/data/v66.0/jobs/ingest/750"));
      assertThat(clock.totalSlept()).isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(sf.records("Contact")).isEmpty();
    }
  }

  @Test
  void aBulkJobWithABadHeaderFailsTheCall() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("bulkThreshold", "1"));
      // describe says Name is not writable, so the adapter leaves it out and the job succeeds
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT,
          List.of(contacts(1).get(0).with("Name", "computed")), MatchKey.email());
      assertThat(r.get(0).succeeded()).isTrue();
    }
  }

  @Test
  void companyIsReadFromTheAccountAndNotWritten() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      String account = sf.insert("Account", Map.of("Name", "Acme Ltd"));
      sf.insert("Contact", Map.of("LastName", "Works", "Email", "w@acme.test", "AccountId", account));
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      CrmRecord c = a.lookup(ObjectTypes.CONTACT, MatchKey.email(), "W@ACME.TEST").orElseThrow();
      assertThat(c.string(Contact.Fields.COMPANY)).isEqualTo("Acme Ltd");

      a.upsert(ObjectTypes.CONTACT, List.of(c.with(Contact.Fields.COMPANY, "Other").with(Contact.Fields.TITLE, "CEO")), MatchKey.email());
      assertThat(sf.records("Account")).extracting(r -> r.get("Name")).containsExactly("Acme Ltd");
      assertThat(sf.records("Contact")).singleElement().satisfies(r -> assertThat(r.get("Title")).isEqualTo("CEO"));

      SalesforceAdapter own = Emulators.adapter(sf, clock, Map.of("contactCompanyField", "Note__c"));
      own.upsert(ObjectTypes.CONTACT, List.of(c.with(Contact.Fields.COMPANY, "Own Co")), MatchKey.email());
      assertThat(own.lookup(ObjectTypes.CONTACT, MatchKey.email(), "w@acme.test").orElseThrow().string(Contact.Fields.COMPANY))
          .isEqualTo("Own Co");
    }
  }

  @Test
  void accountsAndCustomObjectsRoundTrip() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).sObject("Invoice__c").externalIdField("Invoice__c", "Number__c")
        .externalIdField("Account", "Ext__c").build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      List<RecordResult> r = a.upsert(ObjectTypes.COMPANY,
          List.of(CrmRecord.of(ObjectTypes.COMPANY, Map.of("Ext__c", "A1", "name", "Acme", "website", "acme.test"))),
          MatchKey.field("Ext__c"));
      assertThat(r.get(0).status()).isEqualTo(RecordResult.Status.CREATED);
      assertThat(a.lookup(ObjectTypes.COMPANY, MatchKey.field("Ext__c"), "A1").orElseThrow().fields())
          .containsEntry("name", "Acme").containsEntry("website", "acme.test");

      a.upsert("Invoice__c", List.of(CrmRecord.of("Invoice__c", Map.of("Number__c", "INV-1", "Name", "First"))),
          MatchKey.field("Number__c"));
      assertThat(a.read(ReadRequest.of("Invoice__c")).records()).singleElement()
          .satisfies(x -> assertThat(x.fields()).containsEntry("Name", "First").containsEntry("Number__c", "INV-1"));
    }
  }

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "b" + i + "@example.com", "lastName", "B" + i)));
    }
    return out;
  }
}

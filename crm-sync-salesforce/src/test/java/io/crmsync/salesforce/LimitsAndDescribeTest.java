package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.Fault;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.IngestJob;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The daily allocation, the cost of reads and writes in requests, and what describe tells the engine. */
class LimitsAndDescribeTest {
  private final FakeTimeSource clock = new FakeTimeSource();

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "l" + i + "@example.com", "lastName", "L" + i)));
    }
    return out;
  }

  // ------------------------------------------------------------------ quota

  @Test
  void aSpentDailyAllocationIsAnExhaustedQuotaNotARetryLoop() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).dailyApiLimit(4).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.upsert(ObjectTypes.CONTACT, contacts(200), MatchKey.email()); // describe + 1 Collections request
      a.upsert(ObjectTypes.CONTACT, contacts(400), MatchKey.email()); // 2 more: the allocation is spent
      long before = sf.apiRequests();
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, contacts(10), MatchKey.email()))
          .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
            assertThat(e.isQuotaExhausted()).isTrue();
            assertThat(e.statusCode()).isEqualTo(403);
          })
          .hasMessageContaining("REQUEST_LIMIT_EXCEEDED")
          .hasMessageContaining("rolling 24 hours")
          .hasMessageContaining("4 of 4");
      assertThat(sf.apiRequests()).as("no retry against a spent allocation").isEqualTo(before);
      assertThat(sf.refusals()).isEqualTo(Map.of("REQUEST_LIMIT_EXCEEDED", 1L));
    }
  }

  @Test
  void aBulkJobIsNotOpenedWithTooFewRequestsLeftToFinishIt() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).dailyApiLimit(8).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("bulkThreshold", "1"));
      a.describe(ObjectTypes.CONTACT);
      a.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email")));
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, contacts(5), MatchKey.email()))
          .isInstanceOfSatisfying(CrmRateLimitException.class, e -> assertThat(e.isQuotaExhausted()).isTrue())
          .hasMessageContaining("Bulk");
      assertThat(sf.ingestJobs()).as("no job opened that could not be closed").isEmpty();
    }
  }

  // ------------------------------------------------------------------ reads

  @Test
  void tenThousandRecordsAreReadInFiveQueries() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      for (int i = 0; i < 10_000; i++) {
        sf.insert("Contact", Map.of("LastName", "R" + i, "Email", "r" + i + "@example.com"));
      }
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      assertThat(a.capabilities().maxPageSize()).isEqualTo(2_000);
      long before = sf.apiRequests();
      List<CrmRecord> all = a.stream(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email"))
          .withPageSize(a.capabilities().maxPageSize())).toList();
      assertThat(all).hasSize(10_000).extracting(CrmRecord::id).doesNotHaveDuplicates();
      assertThat(sf.apiRequests() - before).as("one query and four queryMore").isEqualTo(5);
      assertThat(sf.requestLog().stream().filter(l -> l.contains("/query")).count()).isEqualTo(5);
    }
  }

  @Test
  void aReadOfEveryFieldOfAWideObjectFitsSalesforcesUriLimit() {
    SalesforceEmulator.Builder b = Emulators.emulator(clock);
    for (int i = 0; i < 500; i++) {
      b.customField("Contact", String.format("Quarterly_Revenue_Forecast_Field_%03d__c", i), FieldType.STRING);
    }
    try (SalesforceEmulator sf = b.build().start()) {
      for (int i = 0; i < 450; i++) {
        sf.insert("Contact", Map.of("LastName", "W" + i, "Email", "w" + i + "@example.com",
            "Quarterly_Revenue_Forecast_Field_499__c", "v" + i));
      }
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      List<CrmRecord> all = a.stream(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(200)).toList();
      assertThat(all).hasSize(450);
      assertThat(all.get(7).fields()).containsEntry("Quarterly_Revenue_Forecast_Field_499__c", "v7");
      assertThat(a.lookup(ObjectTypes.CONTACT, MatchKey.email(), "w9@example.com").orElseThrow().fields())
          .containsEntry("Quarterly_Revenue_Forecast_Field_499__c", "v9");
      assertThat(sf.refusals()).as("no URI too long").isEmpty();
    }
  }

  // ------------------------------------------------------------------ writes

  @Test
  void capabilitiesDescribeTheCollectionsAndBulkPaths() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      AdapterCapabilities c = Emulators.adapter(sf, clock, Map.of()).capabilities();
      assertThat(c.preferredBatchSize()).isEqualTo(200);
      assertThat(c.maxBatchSize()).isEqualTo(10_000);
      assertThat(c.bulkThreshold()).isEqualTo(2_000);
      assertThat(c.maxPageSize()).isEqualTo(2_000);
      AdapterCapabilities noBulk = Emulators.adapter(sf, clock, Map.of("bulkEnabled", "false")).capabilities();
      assertThat(noBulk.maxBatchSize()).isEqualTo(200);
      assertThat(noBulk.bulkThreshold()).isZero();
    }
  }

  @Test
  void anUpsertBelowTheBulkThresholdIsSplitIntoCollectionsRequestsOf200() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      List<CrmRecord> batch = contacts(1_500);
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
      assertThat(r).hasSize(1_500).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      for (int i = 0; i < r.size(); i++) {
        assertThat(r.get(i).index()).isEqualTo(i);
      }
      assertThat(r).extracting(RecordResult::id).doesNotHaveDuplicates();
      assertThat(sf.requestLog().stream().filter(l -> l.startsWith("PATCH /services/data/v66.0/composite/sobjects")).count())
          .isEqualTo(8);
      assertThat(sf.ingestJobs()).isEmpty();
      assertThat(sf.refusals()).isEmpty();

      a.upsert(ObjectTypes.CONTACT, contacts(2_000), MatchKey.email());
      assertThat(sf.ingestJobs()).as("2,000 records, the threshold, go through Bulk").hasSize(1);
    }
  }

  @Test
  void aCollectionsRequestThatFailsIsSentAgainAndOnlyWhatStillFailsIsReportedTransient() {
    String collections = "/services/data/v[0-9.]+/composite/sobjects/Contact/Email";
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.describe(ObjectTypes.CONTACT);
      sf.injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY, "PATCH", collections, 1);
      List<RecordResult> once = a.upsert(ObjectTypes.CONTACT, contacts(450), MatchKey.email());
      assertThat(once).as("the lost answer was sent again: an upsert by key is idempotent").allMatch(RecordResult::succeeded);
      assertThat(sf.records("Contact")).hasSize(450);

      for (int i = 0; i < 3; i++) {
        sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML, "PATCH", collections, 1);
      }
      List<CrmRecord> next = contacts(450).stream().map(r -> r.with("title", "Second")).toList();
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, next, MatchKey.email());
      assertThat(r.subList(0, 200)).allMatch(x -> x.status() == RecordResult.Status.UPDATED);
      assertThat(r.subList(200, 450)).allSatisfy(x -> {
        assertThat(x.error().code()).isEqualTo(RecordError.TRANSIENT);
        assertThat(x.error().retryable()).isTrue();
        assertThat(x.error().message()).contains("503");
      });
      assertThat(sf.records("Contact")).filteredOn(c -> "Second".equals(c.get("Title"))).hasSize(200);

      for (int i = 0; i < 3; i++) {
        sf.injectFault(Fault.SERVER_ERROR, "PATCH", collections);
      }
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, next, MatchKey.email()))
          .as("nothing written: the call fails, for the engine to retry").isInstanceOf(CrmUnavailableException.class);
    }
  }

  @Test
  void requestsPerTenThousandWrittenThroughEachPath() {
    for (String path : List.of("collections", "bulk")) {
      try (SalesforceEmulator sf = Emulators.emulator(clock).bulkPollsBeforeComplete(2).build().start()) {
        SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
        a.describe(ObjectTypes.CONTACT);
        long before = sf.apiRequests();
        List<CrmRecord> all = contacts(10_000);
        if (path.equals("bulk")) {
          a.upsert(ObjectTypes.CONTACT, all, MatchKey.email());
        } else {
          for (int i = 0; i < all.size(); i += 200) {
            a.upsert(ObjectTypes.CONTACT, all.subList(i, i + 200), MatchKey.email());
          }
        }
        long requests = sf.apiRequests() - before;
        assertThat(sf.records("Contact")).hasSize(10_000);
        if (path.equals("bulk")) {
          // create, upload, close, 3 polls, 3 results
          assertThat(requests).isLessThanOrEqualTo(9);
          assertThat(sf.ingestJobs()).extracting(IngestJob::state).containsExactly("JobComplete");
        } else {
          assertThat(requests).isEqualTo(50);
        }
      }
    }
  }

  // ------------------------------------------------------------------ describe

  @Test
  void describeSaysWhatCanBeWrittenAndWhatIsAnIdOfThisOrg() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).lookupField("Contact", "Referrer__c", "Contact")
        .picklistField("Contact", "Tier__c", List.of("Gold", "Silver"), true).build().start()) {
      Map<String, FieldInfo> f = Emulators.adapter(sf, clock, Map.of()).describe(ObjectTypes.CONTACT).stream()
          .collect(Collectors.toMap(FieldInfo::nativeName, Function.identity(), (x, y) -> x));
      assertThat(f.get("OwnerId").reference()).isTrue();
      assertThat(f.get("OwnerId").readOnly()).isFalse();
      assertThat(f.get("OwnerId").required()).as("defaulted to the running user").isFalse();
      assertThat(f.get("OwnerId").name()).isEqualTo(Contact.Fields.OWNER_ID);
      assertThat(f.get("AccountId").reference()).isTrue();
      assertThat(f.get("Referrer__c").reference()).isTrue();
      assertThat(f.get("Referrer__c").custom()).isTrue();
      assertThat(f.get("Id").reference()).isTrue();
      assertThat(f.get("Id").readOnly()).isTrue();
      assertThat(f.get("Email").reference()).isFalse();
      assertThat(f.get("Email").maxLength()).isEqualTo(80);
      assertThat(f.get("LastName").required()).isTrue();
      assertThat(f.get("LastName").maxLength()).isEqualTo(80);
      assertThat(f.get("FirstName").required()).isFalse();
      assertThat(f.get("FirstName").maxLength()).isEqualTo(40);
      assertThat(f.get("CreatedDate").readOnly()).isTrue();
      assertThat(f.get("Name").readOnly()).as("computed from first and last name").isTrue();
      assertThat(f.get("HasOptedOutOfEmail").required()).as("booleans default to false").isFalse();
      assertThat(f.get("Tier__c").picklistValues()).containsExactly("Gold", "Silver");
      assertThat(f.get("CleanStatus").picklistValues()).contains("Matched", "Pending");
      assertThat(f.get("LeadSource").picklistValues()).as("an unrestricted picklist takes any value").isEmpty();
      assertThat(f.get("Description").maxLength()).isEqualTo(32_000);
      assertThat(f.get("HasOptedOutOfEmail").maxLength()).isZero();
    }
  }
}

package io.crmsync.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The engine syncing into and out of the emulator, through faults, rate limits and deletes. */
class SugarCrmSyncTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static List<CrmRecord> contacts(String prefix, int n, int invalidEvery) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String email = invalidEvery > 0 && i % invalidEvery == 0 ? "broken-" + i : prefix + i + "@example.com";
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", email, "firstName", "S" + i, "lastName", "Sync")));
    }
    return out;
  }

  private static RetryPolicy<Object> patientRetries() {
    return RetryPolicy.builder()
        .handleIf((r, e) -> e != null && !(e instanceof CrmRequestException || e instanceof CrmAuthenticationException
            || e instanceof CrmConfigurationException || e instanceof IllegalArgumentException))
        .withMaxAttempts(12).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build();
  }

  private static Set<String> emails(List<Map<String, Object>> records) {
    Set<String> out = new HashSet<>();
    for (Map<String, Object> r : records) {
      Object email = r.get("email1");
      assertThat(out.add(String.valueOf(email).toLowerCase(Locale.ROOT))).as("written once: " + email).isTrue();
    }
    return out;
  }

  @Test
  void throughFaultsEveryRecordLandsExactlyOnce() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).validateEmails(false).build();
    source.seed(contacts("f", 2_000, 400));
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).seed(7)
        .serverErrorRate(0.04).serviceUnavailableRate(0.02).htmlErrorPageRate(0.02)
        .truncatedBodyRate(0.03).droppedConnectionRate(0.03)
        .build().start()) {
      SugarCrmAdapter target = Emulated.adapter(sugar, clock);
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).retryPolicy(patientRetries())
          .build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.balanced()).isTrue();
      assertThat(report.written()).isEqualTo(1_995);
      assertThat(report.deadLettered()).as("the five invalid emails").isEqualTo(5);
      assertThat(sugar.faultCount()).as("faults were injected").isGreaterThan(5);
      // creates whose answer was lost (dropped connection, truncated body) were found by the retry and updated
      assertThat(emails(sugar.records("Contacts"))).hasSize(1_995);
    }
  }

  @Test
  void withTheInstancesLimitOnTheBudgetKeepsEveryRequestUnderIt() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts("r", 1_000, 0));
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).rateLimit(5, Duration.ofSeconds(1))
        .build().start()) {
      SugarCrmAdapter target = Emulated.adapter(sugar, clock, "budgetRequests", "5", "budgetWindow", "1s");
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(4).build().run();
      assertThat(report.created()).isEqualTo(1_000);
      assertThat(sugar.countByStatus(429)).isZero();
      assertThat(sugar.maxRequestsInAnyWindow(Duration.ofSeconds(1))).isLessThanOrEqualTo(5);
    }
  }

  @Test
  void a429WithoutABudgetIsWaitedOutAndNothingIsLost() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts("q", 500, 0));
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).rateLimit(3, Duration.ofSeconds(1))
        .build().start()) {
      SugarCrmAdapter target = Emulated.adapter(sugar, clock);
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).build().run();
      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.created()).isEqualTo(500);
      assertThat(sugar.countByStatus(429)).as("the instance refused some").isPositive();
      assertThat(emails(sugar.records("Contacts"))).hasSize(500);
    }
  }

  @Test
  void sugarAsTheSourceSyncsIncrementallyAndPropagatesDeletes() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", "tier_c")
        .build().start()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 450; i++) {
        ids.add(sugar.insert("Contacts", Map.of("email", "s" + i + "@example.com", "first_name", "S" + i, "last_name", "Src",
            "tier_c", i % 2 == 0 ? "gold" : "silver")));
      }
      clock.advance(Duration.ofMinutes(10));
      SugarCrmAdapter source = Emulated.adapter(sugar, clock, "pageSize", "100");
      FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
      CRMSync sync = CRMSync.builder().source(source).target(target).timeSource(clock).propagateDeletes(true).build();
      assertThat(sync.run().created()).isEqualTo(450);
      assertThat(target.records(ObjectTypes.CONTACT)).allSatisfy(r -> assertThat(r.string("tier_c")).isIn("gold", "silver"));

      clock.advance(Duration.ofMinutes(10));
      sugar.update("Contacts", ids.get(7), Map.of("first_name", "Changed"));
      sugar.delete("Contacts", ids.get(8));
      SyncReport second = sync.run();
      assertThat(second.read()).as("only what changed since the last pass, the delete included").isEqualTo(2);
      assertThat(second.updated()).isEqualTo(1);
      Set<String> names = target.records(ObjectTypes.CONTACT).stream().map(r -> r.string("firstName"))
          .collect(Collectors.toSet());
      assertThat(names).contains("Changed").doesNotContain("S8").hasSize(449);
    }
  }

  @Test
  void aReadPagesStablyWhileRecordsChangeUnderIt() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        ids.add(sugar.insert("Contacts", Map.of("last_name", "P" + i)));
      }
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      ReadRequest all = ReadRequest.of(ObjectTypes.CONTACT).withPageSize(50).withSince(java.time.Instant.EPOCH);
      var page = adapter.read(all);
      Set<String> seen = new HashSet<>();
      page.records().forEach(r -> seen.add(r.id()));
      // records already read move to the end, as with offset paging they would push unread ones back a place
      clock.advance(Duration.ofSeconds(5));
      for (int i = 0; i < 40; i++) {
        sugar.update("Contacts", page.records().get(i).id(), Map.of("title", "moved"));
      }
      while (page.hasMore()) {
        page = adapter.read(all.withCursor(page.nextCursor()));
        page.records().forEach(r -> seen.add(r.id()));
      }
      assertThat(seen).containsAll(ids);
    }
  }

  @Test
  void aRecordCreatedTwiceInOneBatchIsCreatedOnceAndUpdated() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      var results = adapter.upsert(ObjectTypes.CONTACT, List.of(
          CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "same@example.com", "lastName", "First")),
          CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "SAME@example.com", "lastName", "Second"))), MatchKey.email());
      assertThat(results.get(0).status()).isEqualTo(io.crmsync.adapter.RecordResult.Status.CREATED);
      assertThat(results.get(1).status()).isEqualTo(io.crmsync.adapter.RecordResult.Status.UPDATED);
      assertThat(sugar.records("Contacts")).singleElement().satisfies(r -> assertThat(r.get("last_name")).isEqualTo("Second"));
    }
  }

  @Test
  void aFieldTheModuleLacksFailsItsRecordInsteadOfBeingDroppedSilently() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      var results = adapter.upsert(ObjectTypes.CONTACT, List.of(
          CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "a@example.com", "lastName", "A", "no_such_field_c", "x")),
          CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "b@example.com", "lastName", "B"))), MatchKey.email());
      assertThat(results.get(0).error().code()).isEqualTo("INVALID_FIELD");
      assertThat(results.get(0).error().fieldErrors()).singleElement().satisfies(f -> assertThat(f.field()).isEqualTo("no_such_field_c"));
      assertThat(results.get(1).succeeded()).isTrue();
      assertThat(sugar.records("Contacts")).hasSize(1);
    }
  }

  @Test
  void describeSaysWhatIsWritableAndWhatIsAReference() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", "tier_c").build().start()) {
      var fields = Emulated.adapter(sugar, clock).describe(ObjectTypes.CONTACT).stream()
          .collect(Collectors.toMap(io.crmsync.adapter.FieldInfo::name, f -> f));
      assertThat(fields.get("email").writable()).isTrue();
      assertThat(fields.get("lastName").required()).isTrue();
      assertThat(fields.get("firstName").maxLength()).isEqualTo(100);
      assertThat(fields.get("company").readOnly()).as("the related Account's name").isTrue();
      assertThat(fields.get("createdAt").readOnly()).isTrue();
      assertThat(fields.get("ownerId").reference()).isTrue();
      assertThat(fields.get("ownerId").writable()).isTrue();
      assertThat(fields.get("account_id").reference()).isTrue();
      assertThat(fields.get("tier_c").custom()).isTrue();
      assertThat(fields.get("lead_source").picklistValues()).contains("Web Site", "Partner");
      assertThat(fields).doesNotContainKeys("id", "deleted", "date_modified");
    }
  }

  @Test
  void anyModuleByItsNameWithItsFieldsAsTheyAre() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).module("cust_Vehicles")
        .customField("cust_Vehicles", "plate_c").build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      var results = adapter.upsert("cust_Vehicles", List.of(
          CrmRecord.of("cust_Vehicles", Map.of("name", "Van 1", "plate_c", "AB12 CDE", "description", "blue")),
          CrmRecord.of("cust_Vehicles", Map.of("name", "Van 2", "plate_c", "XY98 ZZZ"))), MatchKey.field("plate_c"));
      assertThat(results).allMatch(io.crmsync.adapter.RecordResult::succeeded);
      var page = adapter.read(ReadRequest.of("cust_Vehicles"));
      assertThat(page.records()).hasSize(2).allSatisfy(r -> assertThat(r.objectType()).isEqualTo("cust_Vehicles"));
      assertThat(page.records()).anySatisfy(r -> assertThat(r.fields()).containsEntry("name", "Van 1")
          .containsEntry("plate_c", "AB12 CDE").containsEntry("description", "blue"));
      assertThat(adapter.lookup("cust_Vehicles", MatchKey.field("plate_c"), "XY98 ZZZ")).get()
          .satisfies(r -> assertThat(r.string("name")).isEqualTo("Van 2"));
      assertThat(adapter.describe("cust_Vehicles")).anySatisfy(f -> {
        assertThat(f.name()).isEqualTo("plate_c");
        assertThat(f.custom()).isTrue();
      });
    }
  }
}

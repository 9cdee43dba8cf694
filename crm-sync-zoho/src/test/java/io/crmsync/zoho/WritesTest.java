package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Upserts and deletes: one result per record in order, per-record failures naming the field, repeatable deletes. */
class WritesTest {
  final FakeTimeSource clock = new FakeTimeSource();
  ZohoEmulator zoho;

  @AfterEach
  void stop() {
    if (zoho != null) {
      zoho.close();
    }
  }

  private ZohoAdapter start(ZohoEmulator.Builder b, String... settings) {
    zoho = b.timeSource(clock).build().start();
    return Emulated.adapter(zoho, clock, settings);
  }

  private static CrmRecord contact(String email, Object... more) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("email", email);
    f.put("lastName", "Last");
    for (int i = 0; i + 1 < more.length; i += 2) {
      f.put((String) more[i], more[i + 1]);
    }
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  @Test
  void eachRecordFailsAloneNamingItsField() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "Score", "integer"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        contact("ok@example.com"),
        contact("bad-email"),
        contact("long@example.com", "lastName", "x".repeat(81)),
        contact("score@example.com", "Score", "high"),
        contact("nolast@example.com", "lastName", ""),
        contact("fine@example.com", "Score", "42")), MatchKey.email());
    assertThat(results).extracting(RecordResult::index).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(results.get(0).status()).isEqualTo(RecordResult.Status.CREATED);
    assertThat(results.get(1).error().code()).isEqualTo("INVALID_DATA");
    assertThat(results.get(1).error().fieldErrors()).singleElement().satisfies(f -> assertThat(f.field()).isEqualTo("email"));
    assertThat(results.get(1).error().message()).contains("expected email");
    assertThat(results.get(2).error().message()).contains("lastName").contains("at most 80 characters");
    assertThat(results.get(3).error().message()).contains("Score").contains("expected integer");
    assertThat(results.get(4).error().code()).isEqualTo("MANDATORY_NOT_FOUND");
    assertThat(results.get(4).error().fieldErrors().get(0).field()).isEqualTo("lastName");
    assertThat(results.get(5).succeeded()).as("text that is a number goes as a number to an integer field").isTrue();
    assertThat(results).filteredOn(r -> !r.succeeded()).allSatisfy(r -> assertThat(r.error().retryable()).isFalse());
    assertThat(zoho.record("Contacts", "Email", "fine@example.com").orElseThrow()).containsEntry("Score", 42);
    assertThat(zoho.records("Contacts")).hasSize(2);
  }

  @Test
  void aBatchWhoseRecordsAllFailIsAnsweredPerRecordToo() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT,
        List.of(contact("bad-1"), contact("bad-2")), MatchKey.email());
    assertThat(results).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(r.error().code()).isEqualTo("INVALID_DATA");
    });
    assertThat(zoho.countByStatus(400)).as("Zoho answers 400 when none succeeded").isEqualTo(1);
  }

  @Test
  void unknownFieldsFailTheirRecordBeforeSendingEvenWhereZohoWouldDropThemSilently() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        contact("a@example.com", "favourite_colour", "blue"), contact("b@example.com")), MatchKey.email());
    assertThat(results.get(0).error().code()).isEqualTo("INVALID_FIELD");
    assertThat(results.get(0).error().fieldErrors().get(0).field()).isEqualTo("favourite_colour");
    assertThat(results.get(1).succeeded()).isTrue();
    assertThat(zoho.records("Contacts")).hasSize(1);
  }

  @Test
  void readOnlyFieldsAndTheAccountsNameAreNotWrittenButAConfiguredCompanyFieldIs() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "Company_Name", "text"));
    CrmRecord c = contact("a@example.com", "company", "Acme", "createdAt", "2020-01-01T00:00:00Z");
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(c), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(zoho.record("Contacts", "Email", "a@example.com").orElseThrow()).doesNotContainKey("Company_Name")
        .doesNotContainKey("Account_Name");
    ZohoAdapter withField = Emulated.adapter(zoho, clock, "contactCompanyField", "Company_Name");
    assertThat(withField.upsert(ObjectTypes.CONTACT, List.of(c), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(zoho.record("Contacts", "Email", "a@example.com").orElseThrow()).containsEntry("Company_Name", "Acme");
    assertThat(withField.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a@example.com").orElseThrow().string("company"))
        .isEqualTo("Acme");
  }

  @Test
  void recordsSharingAKeyGoInSuccessiveCallsInOrder() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        contact("same@example.com", "firstName", "First"), contact("other@example.com"),
        contact("SAME@example.com", "firstName", "Second")), MatchKey.email());
    assertThat(results).extracting(RecordResult::status).containsExactly(RecordResult.Status.CREATED,
        RecordResult.Status.CREATED, RecordResult.Status.UPDATED);
    assertThat(results.get(2).id()).isEqualTo(results.get(0).id());
    assertThat(zoho.record("Contacts", "Email", "same@example.com").orElseThrow()).containsEntry("First_Name", "Second");
    assertThat(zoho.requests()).filteredOn(r -> r.path().endsWith("/upsert")).hasSize(2);
  }

  @Test
  void theMatchKeyMustBeTheDuplicateCheckFieldOrAUniqueOne() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "External_Id", "text", 40, true));
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, List.of(contact("a@example.com")), MatchKey.field("firstName")))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("First_Name").hasMessageContaining("unique");
    assertThat(zoho.requests()).filteredOn(r -> r.path().endsWith("/upsert")).isEmpty();

    CrmRecord byExternal = contact("x1@example.com", "External_Id", "X-1");
    RecordResult first = adapter.upsert(ObjectTypes.CONTACT, List.of(byExternal), MatchKey.field("External_Id")).get(0);
    RecordResult again = adapter.upsert(ObjectTypes.CONTACT, List.of(byExternal.with("email", "x2@example.com")),
        MatchKey.field("External_Id")).get(0);
    assertThat(again.status()).isEqualTo(RecordResult.Status.UPDATED);
    assertThat(again.id()).isEqualTo(first.id());
    RecordResult missing = adapter.upsert(ObjectTypes.CONTACT, List.of(contact("y@example.com")),
        MatchKey.field("External_Id")).get(0);
    assertThat(missing.error().code()).isEqualTo(RecordError.MISSING_MATCH_KEY);
    assertThat(missing.error().message()).contains("External_Id");
  }

  @Test
  void aUniqueValueTakenByAnotherRecordFailsThatRecordAsDuplicateData() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "External_Id", "text", 40, true));
    adapter.upsert(ObjectTypes.CONTACT, List.of(contact("a@example.com", "External_Id", "X-1")), MatchKey.email());
    RecordResult clash = adapter.upsert(ObjectTypes.CONTACT, List.of(contact("b@example.com", "External_Id", "X-1")),
        MatchKey.email()).get(0);
    assertThat(clash.error().code()).isEqualTo("DUPLICATE_DATA");
    assertThat(clash.error().fieldErrors().get(0).field()).isEqualTo("External_Id");
    assertThat(clash.error().toString()).doesNotContain("Patricia").as("the duplicate's owner is not quoted");
  }

  @Test
  void companiesAndDealsMapTheirStandardFields() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    RecordResult account = adapter.upsert(ObjectTypes.COMPANY, List.of(CrmRecord.of(ObjectTypes.COMPANY,
        Map.of("name", "Acme", "website", "https://acme.example", "city", "Leeds", "industry", "Large Enterprise"))),
        MatchKey.field("name")).get(0);
    assertThat(account.status()).isEqualTo(RecordResult.Status.CREATED);
    assertThat(zoho.record("Accounts", "Account_Name", "Acme").orElseThrow()).containsEntry("Billing_City", "Leeds")
        .containsEntry("Website", "https://acme.example");
    RecordResult deal = adapter.upsert(ObjectTypes.DEAL, List.of(CrmRecord.of(ObjectTypes.DEAL, Map.of("name", "Big deal",
        "amount", "1500.50", "stage", "Qualification", "closeDate", "2026-03-01", "companyId", account.id()))),
        MatchKey.field("name")).get(0);
    assertThat(deal.status()).isEqualTo(RecordResult.Status.CREATED);
    CrmRecord read = adapter.lookup(ObjectTypes.DEAL, MatchKey.field("name"), "Big deal").orElseThrow();
    assertThat(read.fields()).containsEntry("amount", new BigDecimal("1500.5")).containsEntry("companyId", account.id())
        .containsEntry("stage", "Qualification").containsEntry("closeDate", "2026-03-01");
  }

  @Test
  void oversizedAndMixedBatchesAreRejectedBeforeSending() {
    ZohoAdapter adapter = start(ZohoEmulator.builder(), "batchSize", "10");
    List<CrmRecord> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(contact("c" + i + "@example.com"));
    }
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, eleven, MatchKey.email()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatchSize 10");
    assertThatThrownBy(() -> adapter.delete(ObjectTypes.CONTACT, List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(zoho.requestCount()).isZero();
  }

  @Test
  void deletesAreRepeatableAndCheckWhatZohoDidNotDelete() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    List<RecordResult> written = adapter.upsert(ObjectTypes.CONTACT,
        List.of(contact("a@example.com"), contact("b@example.com")), MatchKey.email());
    String a = written.get(0).id();
    String b = written.get(1).id();
    List<RecordResult> first = adapter.delete(ObjectTypes.CONTACT, List.of(a, "not-an-id", a));
    assertThat(first.get(0).status()).isEqualTo(RecordResult.Status.DELETED);
    assertThat(first.get(1).error().code()).isEqualTo(RecordError.INVALID_VALUE);
    assertThat(first.get(2).status()).as("the same id twice in one batch").isEqualTo(RecordResult.Status.DELETED);
    List<RecordResult> again = adapter.delete(ObjectTypes.CONTACT, List.of(a, b));
    assertThat(again).extracting(RecordResult::status).containsOnly(RecordResult.Status.DELETED);
    assertThat(zoho.records("Contacts")).isEmpty();
    assertThat(zoho.deletedIds("Contacts")).containsExactlyInAnyOrder(a, b);
  }
}

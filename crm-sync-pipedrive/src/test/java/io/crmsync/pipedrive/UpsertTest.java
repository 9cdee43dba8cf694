package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Writes: matching, custom fields by name, what Pipedrive would refuse, organizations, deletes. */
class UpsertTest {
  final FakeTimeSource clock = new FakeTimeSource();
  PipedriveEmulator pipedrive;

  @AfterEach
  void stop() {
    if (pipedrive != null) {
      pipedrive.close();
    }
  }

  private PipedriveAdapter start(PipedriveEmulator.Builder b, String... settings) {
    pipedrive = b.timeSource(clock).build().start();
    return Emulated.adapter(pipedrive, clock, settings);
  }

  private static CrmRecord person(String email, Object... fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(Contact.Fields.EMAIL, email);
    f.put(Contact.Fields.FIRST_NAME, "Ada");
    f.put(Contact.Fields.LAST_NAME, "Lovelace");
    for (int i = 0; i + 1 < fields.length; i += 2) {
      f.put((String) fields[i], fields[i + 1]);
    }
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  @Test
  void customFieldsRoundTripByNameAndOptionsByLabel() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder()
        .customField("persons", "Tier", "enum", "Gold", "Silver")
        .customField("persons", "Interests", "set", "Boats", "Planes", "Trains")
        .customField("persons", "Score", "double")
        .customField("persons", "Renewal", "date"));
    CrmRecord r = person("ada@example.com", "Tier", "silver", "Interests", List.of("Trains", "Boats"),
        "Score", new BigDecimal("4.5"), "Renewal", "2027-02-01");
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(r), MatchKey.email())).allMatch(RecordResult::succeeded);
    JsonNode stored = pipedrive.personsByEmail("ada@example.com").get(0).path("custom_fields");
    assertThat(stored.path(pipedrive.customFieldKey("persons", "Tier")).isIntegralNumber()).isTrue();
    assertThat(stored.path(pipedrive.customFieldKey("persons", "Interests"))).hasSize(2);

    CrmRecord read = adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "ADA@example.com").orElseThrow();
    assertThat(read.fields()).containsEntry("Tier", "Silver")
        .containsEntry("Interests", List.of("Trains", "Boats"))
        .containsEntry("Score", new BigDecimal("4.5"))
        .containsEntry("Renewal", "2027-02-01");
    List<FieldInfo> fields = adapter.describe(ObjectTypes.CONTACT);
    assertThat(fields).filteredOn(f -> f.name().equals("Tier")).singleElement().satisfies(f -> {
      assertThat(f.custom()).isTrue();
      assertThat(f.nativeName()).hasSize(40);
      assertThat(f.picklistValues()).containsExactly("Gold", "Silver");
    });
    assertThat(pipedrive.refusedCount()).isZero();
  }

  @Test
  void describeSaysWhatMayBeWrittenAndWhatIsAReference() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().customField("persons", "Nickname", "varchar")
        .customField("persons", "Account manager", "user"));
    Map<String, FieldInfo> fields = new LinkedHashMap<>();
    adapter.describe(ObjectTypes.CONTACT).forEach(f -> fields.put(f.name(), f));
    assertThat(fields.get(Contact.Fields.EMAIL).type()).isEqualTo("email");
    assertThat(fields.get(Contact.Fields.FIRST_NAME).writable()).isTrue();
    assertThat(fields.get(Contact.Fields.CREATED_AT).readOnly()).isTrue();
    assertThat(fields.get(Contact.Fields.OWNER_ID)).satisfies(f -> {
      assertThat(f.reference()).isTrue();
      assertThat(f.writable()).isTrue();
      assertThat(f.nativeName()).isEqualTo("owner_id");
    });
    assertThat(fields.get("org_id").reference()).isTrue();
    assertThat(fields.get(Contact.Fields.COMPANY).readOnly()).isTrue();
    assertThat(fields.get("Nickname")).satisfies(f -> {
      assertThat(f.custom()).isTrue();
      assertThat(f.maxLength()).isEqualTo(255);
    });
    assertThat(fields.get("Account manager").reference()).isTrue();
    assertThat(fields).doesNotContainKeys("id", "update_time", "is_deleted", "emails", "name");
  }

  @Test
  void aValueThatIsNotAnOptionOrAnUnknownFieldFailsAloneBeforeAnythingIsSent() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().customField("persons", "Tier", "enum", "Gold"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        person("a@example.com", "Tier", "Platinum"),
        person("b@example.com", "Nickname", "Bee"),
        person("c@example.com")), MatchKey.email());
    assertThat(results.get(0).error().fieldErrors()).singleElement().satisfies(f -> {
      assertThat(f.field()).isEqualTo("Tier");
      assertThat(f.message()).contains("[Gold]").doesNotContain("Platinum");
    });
    assertThat(results.get(1).error().fieldErrors()).singleElement().satisfies(f -> {
      assertThat(f.field()).isEqualTo("Nickname");
      assertThat(f.code()).isEqualTo("UNKNOWN_FIELD");
    });
    assertThat(results.get(2).status()).isEqualTo(RecordResult.Status.CREATED);
    assertThat(pipedrive.records("persons")).hasSize(1);
    assertThat(pipedrive.refusedCount()).isZero();
  }

  @Test
  void aCustomFieldCreatedAfterTheCatalogWasCachedIsFound() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    adapter.describe(ObjectTypes.CONTACT); // caches the catalog
    pipedrive.addCustomField("persons", "Nickname", "varchar");
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(person("a@example.com", "Nickname", "Ada")), MatchKey.email()))
        .allMatch(RecordResult::succeeded);
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a@example.com").orElseThrow().fields())
        .containsEntry("Nickname", "Ada");
  }

  @Test
  void contactSyncFieldsFailAloneWithoutContactSyncAndRoundTripWithIt() {
    PipedriveAdapter without = start(PipedriveEmulator.builder());
    RecordResult r = without.upsert(ObjectTypes.CONTACT, List.of(person("a@example.com", Contact.Fields.TITLE, "CTO")),
        MatchKey.email()).get(0);
    assertThat(r.error().code()).isEqualTo("CONTACT_SYNC_REQUIRED");
    assertThat(r.error().fieldErrors()).extracting(f -> f.field()).containsExactly(Contact.Fields.TITLE);
    assertThat(pipedrive.refusedCount()).as("not sent, so no 403").isZero();
    assertThat(without.describe(ObjectTypes.CONTACT)).extracting(FieldInfo::name).doesNotContain(Contact.Fields.TITLE);
    pipedrive.close();

    PipedriveAdapter with = start(PipedriveEmulator.builder().contactSync(true));
    CrmRecord full = person("a@example.com", Contact.Fields.TITLE, "CTO", Contact.Fields.STREET, "1 Main St",
        Contact.Fields.CITY, "Tallinn", Contact.Fields.POSTAL_CODE, "10111", Contact.Fields.COUNTRY, "Estonia");
    assertThat(with.upsert(ObjectTypes.CONTACT, List.of(full), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(with.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a@example.com").orElseThrow().fields())
        .containsEntry(Contact.Fields.TITLE, "CTO").containsEntry(Contact.Fields.STREET, "1 Main St")
        .containsEntry(Contact.Fields.CITY, "Tallinn").containsEntry(Contact.Fields.POSTAL_CODE, "10111")
        .containsEntry(Contact.Fields.COUNTRY, "Estonia");
    assertThat(pipedrive.refusedCount()).isZero();
  }

  @Test
  void anUpdateByAnotherKeyMakesTheNewEmailPrimaryAndKeepsTheOthers() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().customField("persons", "External id", "varchar"));
    String key = pipedrive.customFieldKey("persons", "External id");
    pipedrive.insert("persons", Map.of("name", "Ada Lovelace",
        "emails", List.of(Map.of("value", "old@example.com", "primary", true), Map.of("value", "home@example.com", "label", "home")),
        "custom_fields", Map.of(key, "X-1")));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT,
        List.of(person("new@example.com", "External id", "X-1")), MatchKey.field("External id"));
    assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED));
    JsonNode emails = pipedrive.records("persons").get(0).path("emails");
    assertThat(emails).extracting(e -> e.path("value").asText())
        .containsExactly("new@example.com", "old@example.com", "home@example.com");
    assertThat(emails.get(0).path("primary").asBoolean()).isTrue();
    assertThat(emails.get(2).path("label").asText()).isEqualTo("home");
  }

  @Test
  void aKeyMatchingSeveralPersonsFailsAsAmbiguousAndWritesNothing() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    for (int i = 0; i < 2; i++) {
      pipedrive.insert("persons", Map.of("name", "Twin " + i, "emails", List.of(Map.of("value", "twin@example.com"))));
    }
    RecordResult r = adapter.upsert(ObjectTypes.CONTACT, List.of(person("twin@example.com")), MatchKey.email()).get(0);
    assertThat(r.error().code()).isEqualTo(RecordError.AMBIGUOUS_MATCH);
    assertThat(r.error().retryable()).isFalse();
    assertThat(r.error().message()).contains("ids 1, 2");
    assertThat(pipedrive.records("persons")).extracting(p -> p.path("name").asText()).containsExactly("Twin 0", "Twin 1");
  }

  @Test
  void recordsSharingAKeyInOneBatchAreWrittenInOrder() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    List<CrmRecord> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(person("other" + i + "@example.com"));
    }
    batch.add(5, person("same@example.com", Contact.Fields.LAST_NAME, "First"));
    batch.add(person("SAME@example.com", Contact.Fields.LAST_NAME, "Second"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
    assertThat(results.get(5).status()).isEqualTo(RecordResult.Status.CREATED);
    assertThat(results.get(21).status()).isEqualTo(RecordResult.Status.UPDATED);
    assertThat(results.get(21).id()).isEqualTo(results.get(5).id());
    assertThat(pipedrive.personsByEmail("same@example.com")).singleElement()
        .satisfies(p -> assertThat(p.path("last_name").asText()).isEqualTo("Second"));
    assertThat(pipedrive.records("persons")).hasSize(21);
  }

  @Test
  void aCompanyLinksToTheOrganizationOfThatNameCreatedOnce() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder(), "linkOrganizations", "true");
    long existing = pipedrive.insert("organizations", Map.of("name", "Acme Ltd"));
    List<CrmRecord> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      batch.add(person("p" + i + "@example.com", Contact.Fields.COMPANY, i % 2 == 0 ? "ACME LTD" : "Initech"));
    }
    assertThat(adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(pipedrive.records("organizations")).extracting(o -> o.path("name").asText())
        .containsExactlyInAnyOrder("Acme Ltd", "Initech");
    assertThat(pipedrive.personsByEmail("p0@example.com").get(0).path("org_id").asLong()).isEqualTo(existing);
    CrmRecord read = adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "p1@example.com").orElseThrow();
    assertThat(read.string(Contact.Fields.COMPANY)).isEqualTo("Initech");
  }

  @Test
  void withoutLinkingTheCompanyIsReadOnly() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(person("a@example.com", Contact.Fields.COMPANY, "Acme")),
        MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(pipedrive.records("organizations")).isEmpty();
    assertThat(adapter.describe(ObjectTypes.CONTACT)).filteredOn(f -> f.name().equals(Contact.Fields.COMPANY))
        .singleElement().satisfies(f -> assertThat(f.readOnly()).isTrue());
  }

  @Test
  void aNewPersonNeedsANameButAnExistingOneCanBeUpdatedWithout() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().customField("persons", "Nickname", "varchar"));
    CrmRecord nameless = CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "x@example.com", "Nickname", "X"));
    RecordResult r = adapter.upsert(ObjectTypes.CONTACT, List.of(nameless), MatchKey.email()).get(0);
    assertThat(r.error().code()).isEqualTo("REQUIRED_FIELD");
    pipedrive.insert("persons", Map.of("name", "Xavier", "emails", List.of(Map.of("value", "x@example.com"))));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(nameless), MatchKey.email()).get(0).status())
        .isEqualTo(RecordResult.Status.UPDATED);
    assertThat(pipedrive.records("persons").get(0).path("name").asText()).isEqualTo("Xavier");
    assertThat(pipedrive.refusedCount()).isZero();
  }

  @Test
  void companiesMatchByNameAndDealsByTitle() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    CrmRecord org = CrmRecord.of(ObjectTypes.COMPANY, Map.of("name", "Globex", Contact.Fields.CITY, "Springfield",
        "website", "https://globex.example"));
    assertThat(adapter.upsert(ObjectTypes.COMPANY, List.of(org), MatchKey.field("name")).get(0).status())
        .isEqualTo(RecordResult.Status.CREATED);
    assertThat(adapter.upsert(ObjectTypes.COMPANY, List.of(org.with("website", "https://globex.test")),
        MatchKey.field("name")).get(0).status()).isEqualTo(RecordResult.Status.UPDATED);
    CrmRecord read = adapter.read(ReadRequest.of(ObjectTypes.COMPANY)).records().get(0);
    assertThat(read.fields()).containsEntry("name", "Globex").containsEntry(Contact.Fields.CITY, "Springfield")
        .containsEntry("website", "https://globex.test");

    CrmRecord deal = CrmRecord.of(ObjectTypes.DEAL, Map.of("title", "Big one", "value", 1200L, "currency", "EUR"));
    assertThat(adapter.upsert(ObjectTypes.DEAL, List.of(deal), MatchKey.field("title"))).allMatch(RecordResult::succeeded);
    assertThat(pipedrive.records("deals").get(0).path("value").asInt()).isEqualTo(1200);
    assertThat(pipedrive.refusedCount()).isZero();
  }

  @Test
  void deletesCountMissingRecordsAsDeletedAndFailBadIdsAlone() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    long id = pipedrive.insert("persons", Map.of("name", "Gone"));
    List<RecordResult> results = adapter.delete(ObjectTypes.CONTACT, List.of(Long.toString(id), "999", "abc"));
    assertThat(results.get(0).status()).isEqualTo(RecordResult.Status.DELETED);
    assertThat(results.get(1).status()).isEqualTo(RecordResult.Status.DELETED);
    assertThat(results.get(2).error().code()).isEqualTo(RecordError.INVALID_VALUE);
    assertThat(pipedrive.deletedRecords("persons")).hasSize(1);
  }

  @Test
  void deletedDealsAreReadFlaggedWhileOtherEntitiesRefuseToReadDeletes() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    long kept = pipedrive.insert("deals", Map.of("title", "Kept"));
    long gone = pipedrive.insert("deals", Map.of("title", "Gone"));
    pipedrive.delete("deals", gone);
    List<CrmRecord> all = adapter.read(ReadRequest.of(ObjectTypes.DEAL).withIncludeDeleted(true)).records();
    assertThat(all).extracting(CrmRecord::id).containsExactlyInAnyOrder(Long.toString(kept), Long.toString(gone));
    assertThat(all).filteredOn(CrmRecord::deleted).extracting(CrmRecord::id).containsExactly(Long.toString(gone));
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deals only");
  }
}

package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batch upserts: multi-status answers, batches refused whole, duplicate keys, custom unique keys. */
class UpsertTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    hubspot.close();
  }

  private HubSpotAdapter start(HubSpotEmulator.Builder b) {
    hubspot = b.timeSource(clock).build().start();
    return Emulated.adapter(hubspot, clock);
  }

  private static CrmRecord contact(int i) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("email", "u" + i + "@example.com");
    f.put("firstName", "U" + i);
    f.put("title", "Engineer");
    f.put("postalCode", "1000" + i);
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  private static List<CrmRecord> batchWithTwoBadRecords() {
    List<CrmRecord> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(contact(i));
    }
    batch.set(2, contact(2).with("no_such_property", "x"));
    batch.set(6, contact(6).with("email", "not-an-email"));
    return batch;
  }

  private static void assertTwoBadRecordsFailedAlone(List<RecordResult> results) {
    assertThat(results).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(results.get(i).index()).isEqualTo(i);
      if (i != 2 && i != 6) {
        assertThat(results.get(i).status()).as("record " + i).isEqualTo(RecordResult.Status.CREATED);
      }
    }
    RecordError unknown = results.get(2).error();
    assertThat(unknown.code()).isEqualTo("PROPERTY_DOESNT_EXIST");
    assertThat(unknown.retryable()).isFalse();
    assertThat(unknown.fieldErrors()).anySatisfy(f -> assertThat(f.field()).isEqualTo("no_such_property"));
    RecordError email = results.get(6).error();
    assertThat(email.code()).isEqualTo("INVALID_EMAIL");
    assertThat(email.message()).contains("not-an-email");
    assertThat(email.fieldErrors()).anySatisfy(f -> assertThat(f.field()).isEqualTo("email"));
  }

  @Test
  void aMultiStatusAnswerGivesEachRecordItsOwnResultInOneCall() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    assertTwoBadRecordsFailedAlone(adapter.upsert(ObjectTypes.CONTACT, batchWithTwoBadRecords(), MatchKey.email()));
    assertThat(hubspot.requestCount()).isEqualTo(1);
    assertThat(hubspot.countByStatus(207)).isEqualTo(1);
    assertThat(hubspot.records("contacts")).hasSize(8);
  }

  @Test
  void aBatchRefusedWholeIsNotSplitHereButThrowsItsFieldErrorsForTheEngine() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().multiStatus(false));
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, batchWithTwoBadRecords(), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRequestException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(400);
          assertThat(e.fieldErrors()).extracting(f -> f.field(), f -> f.code()).containsExactlyInAnyOrder(
              tuple("no_such_property", "PROPERTY_DOESNT_EXIST"), tuple("email", "INVALID_EMAIL"));
          assertThat(e.getMessage()).contains("whole batch of 10").contains("no_such_property (PROPERTY_DOESNT_EXIST)")
              .doesNotContain("not-an-email");
        });
    assertThat(hubspot.requestCount()).as("one call; isolating the bad records is the engine's job").isEqualTo(1);
    assertThat(hubspot.records("contacts")).isEmpty();
  }

  @Test
  void aBatchOfOneRefusedWholeFailsThatRecordWithTheCallersFieldNames() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().multiStatus(false));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(contact(1).with("createdAt", "soon")),
        MatchKey.email());
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(RecordResult.Status.FAILED);
      assertThat(r.error().retryable()).isFalse();
      assertThat(r.error().fieldErrors()).extracting(f -> f.field()).containsExactly("createdAt");
    });
  }

  @Test
  void recordsSharingAKeyAndABadRecordEachGetTheirOwnResult() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    List<CrmRecord> batch = List.of(contact(1), contact(1).with("firstName", "Second"),
        contact(2).with("no_such_property", "x"), contact(3), contact(2).with("firstName", "Fixed"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
    assertThat(results).extracting(RecordResult::status).containsExactly(RecordResult.Status.CREATED,
        RecordResult.Status.UPDATED, RecordResult.Status.FAILED, RecordResult.Status.CREATED, RecordResult.Status.CREATED);
    assertThat(results.get(2).error().code()).isEqualTo("PROPERTY_DOESNT_EXIST");
    assertThat(hubspot.record("contacts", "email", "u1@example.com").orElseThrow()).containsEntry("firstname", "Second");
    assertThat(hubspot.record("contacts", "email", "u2@example.com").orElseThrow()).containsEntry("firstname", "Fixed");
    assertThat(hubspot.requestCount()).isEqualTo(2);
  }

  @Test
  void resultsAreMatchedToRecordsWhateverOrderHubSpotAnswersIn() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    List<CrmRecord> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(contact(i));
    }
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
    for (int i = 0; i < 50; i++) {
      Map<String, String> stored = hubspot.record("contacts", "email", "u" + i + "@example.com").orElseThrow();
      assertThat(results.get(i).id()).isEqualTo(stored.get("hs_object_id"));
      assertThat(stored).containsEntry("jobtitle", "Engineer").containsEntry("zip", "1000" + i).containsEntry("firstname", "U" + i);
    }
  }

  @Test
  void recordsWithTheSameKeyInOneBatchAreWrittenInOrder() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    List<CrmRecord> batch = List.of(contact(1), contact(1).with("firstName", "Second"), contact(2),
        contact(1).with("firstName", "Third").with("email", "U1@EXAMPLE.com"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
    assertThat(results).extracting(RecordResult::status).containsExactly(RecordResult.Status.CREATED,
        RecordResult.Status.UPDATED, RecordResult.Status.CREATED, RecordResult.Status.UPDATED);
    assertThat(results.get(1).id()).isEqualTo(results.get(0).id());
    assertThat(hubspot.record("contacts", "email", "u1@example.com").orElseThrow()).containsEntry("firstname", "Third");
    assertThat(hubspot.requestCount()).isEqualTo(3);
  }

  @Test
  void aCustomUniquePropertyCanBeTheMatchKey() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().property("contacts", "external_id", "string", true));
    CrmRecord r = CrmRecord.of(ObjectTypes.CONTACT, Map.of("external_id", "EXT-1", "firstName", "Ext", "lastName", "One"));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(r), MatchKey.field("external_id")))
        .singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(RecordResult.Status.CREATED));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(r.with("firstName", "Changed")), MatchKey.field("external_id")))
        .singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(RecordResult.Status.UPDATED));
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.field("external_id"), "EXT-1").orElseThrow()
        .string("firstName")).isEqualTo("Changed");
  }

  @Test
  void fieldErrorsNameTheCallersFields() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().property("contacts", "score", "number", false));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT,
        List.of(contact(1).with("createdAt", "yesterday"), contact(2).with("score", "lots")), MatchKey.email());
    assertThat(results.get(0).error().fieldErrors()).extracting(f -> f.field()).containsExactly("createdAt");
    assertThat(results.get(1).error().fieldErrors()).extracting(f -> f.field()).containsExactly("score");
  }

  @Test
  void aKeyHubSpotDoesNotHoldUniqueFailsTheWholeCallWithoutSplitting() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    List<CrmRecord> batch = List.of(contact(1), contact(2), contact(3), contact(4));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.field("firstName")))
        .isInstanceOf(io.crmsync.CrmRequestException.class)
        .hasMessageContaining("non-unique");
    assertThat(hubspot.requestCount()).isEqualTo(1);
  }

  @Test
  void changeNotificationsLeadToTheRecordsTheyNameInOneCall() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    List<RecordResult> written = adapter.upsert(ObjectTypes.CONTACT, List.of(contact(1), contact(2), contact(3)), MatchKey.email());
    adapter.delete(ObjectTypes.CONTACT, List.of(written.get(1).id()));
    List<CrmRecord> fetched = adapter.fetch(ObjectTypes.CONTACT,
        List.of(written.get(2).id(), written.get(1).id(), written.get(0).id(), "999999"));
    assertThat(fetched).extracting(CrmRecord::id).containsExactly(written.get(2).id(), written.get(0).id());
    assertThat(fetched.get(0).string("title")).isEqualTo("Engineer");
  }

  @Test
  void readsCanCarryEveryCustomPropertyWithoutListingThem() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).objectType("p_cars")
        .property("p_cars", "vin", "string", true).property("p_cars", "model").property("p_cars", "colour").build().start();
    HubSpotAdapter plain = Emulated.adapter(hubspot, clock);
    HubSpotAdapter all = Emulated.adapter(hubspot, clock, "readCustomProperties", "true");
    hubspot.insert("p_cars", Map.of("vin", "V1", "model", "T", "colour", "red"));
    assertThat(plain.read(io.crmsync.adapter.ReadRequest.of("p_cars")).records().get(0).fields()).doesNotContainKey("colour");
    CrmRecord car = all.read(io.crmsync.adapter.ReadRequest.of("p_cars")).records().get(0);
    assertThat(car.fields()).containsEntry("vin", "V1").containsEntry("model", "T").containsEntry("colour", "red");
    all.read(io.crmsync.adapter.ReadRequest.of("p_cars"));
    assertThat(hubspot.requests()).filteredOn(r -> r.path().startsWith("/crm/v3/properties")).hasSize(1);
  }

  @Test
  void valuesOfEveryTypeAreSentAsHubSpotText() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder()
        .property("contacts", "score", "number", false)
        .property("contacts", "vip", "bool", false)
        .enumerationProperty("contacts", "tags", true, "a", "b"));
    CrmRecord r = contact(1).with("score", new java.math.BigDecimal("12.50")).with("vip", true)
        .with("tags", List.of("a", "b"));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(r), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(hubspot.record("contacts", "email", "u1@example.com").orElseThrow())
        .containsEntry("score", "12.50").containsEntry("vip", "true").containsEntry("tags", "a;b");
  }

  @Test
  void companiesAndCustomObjectsWorkByName() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder()
        .property("companies", "company_key", "string", true)
        .objectType("p_cars").property("p_cars", "vin", "string", true).property("p_cars", "model"));
    CrmRecord company = CrmRecord.of(ObjectTypes.COMPANY, Map.of("company_key", "ACME", "name", "Acme", "domain", "acme.test"));
    assertThat(adapter.upsert(ObjectTypes.COMPANY, List.of(company), MatchKey.field("company_key"))).allMatch(RecordResult::succeeded);
    CrmRecord car = CrmRecord.of("p_cars", Map.of("vin", "VIN1", "model", "T"));
    assertThat(adapter.upsert("p_cars", List.of(car), MatchKey.field("vin"))).allMatch(RecordResult::succeeded);
    assertThat(adapter.lookup("p_cars", MatchKey.field("vin"), "VIN1").orElseThrow().objectType()).isEqualTo("p_cars");
    assertThat(adapter.describe(ObjectTypes.COMPANY)).anySatisfy(f -> {
      assertThat(f.name()).isEqualTo("company_key");
      assertThat(f.custom()).isTrue();
    });
  }
}

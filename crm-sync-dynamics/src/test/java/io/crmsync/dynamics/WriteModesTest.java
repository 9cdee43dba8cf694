package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.dynamics.Fault;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Create-only ({@code If-None-Match: *}) and update-only ({@code If-Match: *}) writes, and what each write does when
 * its response is lost after Dataverse applied it: sent again, an upsert lands in the same row, a create-only write
 * recognises the row its first attempt created, and a delete of a row already gone succeeds.
 */
class WriteModesTest {
  final FakeTimeSource clock = new FakeTimeSource();
  DataverseEmulator dv;
  DynamicsAdapter adapter;

  @BeforeEach
  void start() {
    dv = Emulated.emulator(clock).build().start();
    adapter = Emulated.adapter(dv, clock);
    // token and table definitions fetched, so that an injected fault hits the write under test
    adapter.upsert(ObjectTypes.CONTACT, List.of(contact("warm@example.com", "Warm")), MatchKey.email());
    adapter.delete(ObjectTypes.CONTACT, List.of(dv.records("contact").get(0).get("contactid").toString()));
  }

  @AfterEach
  void stop() {
    adapter.close();
    dv.close();
  }

  private static CrmRecord contact(String email, String first) {
    return CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, email, Contact.Fields.FIRST_NAME, first,
        Contact.Fields.LAST_NAME, "Mode"));
  }

  @Test
  void createOnlyCreatesAndRefusesAnExistingRow() {
    String existing = dv.insert("contact", Map.of("emailaddress1", "old@example.com", "firstname", "Old", "lastname", "Mode"));
    List<RecordResult> r = adapter.write(ObjectTypes.CONTACT, List.of(contact("new@example.com", "New"),
        contact("old@example.com", "Changed")), MatchKey.email(), WriteMode.CREATE_ONLY);
    assertThat(r.get(0).status()).isEqualTo(RecordResult.Status.CREATED);
    assertThat(r.get(1).status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(r.get(1).error().retryable()).isFalse();
    assertThat(r.get(1).error().code()).isEqualTo("DUPLICATE_RECORD");
    assertThat(dv.record("contact", existing)).containsEntry("firstname", "Old");
  }

  @Test
  void updateOnlyUpdatesAndNeverCreates() {
    String existing = dv.insert("contact", Map.of("emailaddress1", "old@example.com", "firstname", "Old", "lastname", "Mode"));
    List<RecordResult> r = adapter.write(ObjectTypes.CONTACT, List.of(contact("old@example.com", "Changed"),
        contact("missing@example.com", "Nobody")), MatchKey.email(), WriteMode.UPDATE_ONLY);
    assertThat(r.get(0)).satisfies(x -> {
      assertThat(x.status()).isEqualTo(RecordResult.Status.UPDATED);
      assertThat(x.id()).isEqualTo(existing);
    });
    assertThat(r.get(1).status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(r.get(1).error().code()).isEqualTo(RecordError.NOT_FOUND);
    assertThat(r.get(1).error().retryable()).isFalse();
    assertThat(dv.count("contact")).isEqualTo(1);
    assertThat(dv.record("contact", existing)).containsEntry("firstname", "Changed");
  }

  @Test
  void anUpsertWhoseResponseWasLostLandsInTheSameRowWhenSentAgain() {
    dv.injectFaults(Fault.TRUNCATED_BODY);
    List<CrmRecord> batch = List.of(contact("a@example.com", "A"), contact("b@example.com", "B"));
    try {
      // an answer cut short: the records it still holds succeed, the others have no result and are retryable
      assertThat(adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email()))
          .allSatisfy(r -> assertThat(r.succeeded() || r.error().retryable()).isTrue());
    } catch (CrmUnavailableException e) {
      // or none could be read
    }
    assertThat(dv.count("contact")).as("applied before the answer was lost").isEqualTo(2);
    List<RecordResult> again = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
    assertThat(again).allSatisfy(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED));
    assertThat(dv.count("contact")).isEqualTo(2);
  }

  @Test
  void aCreateOnlyWriteWhoseResponseWasLostIsRecognisedAsCreatedWhenSentAgain() {
    dv.injectFaults(Fault.EMPTY_BODY);
    List<CrmRecord> batch = List.of(contact("c@example.com", "C"));
    assertThatThrownBy(() -> adapter.write(ObjectTypes.CONTACT, batch, MatchKey.email(), WriteMode.CREATE_ONLY))
        .as("an empty answer to a batch").isInstanceOf(CrmUnavailableException.class);
    String id = dv.records("contact").get(0).get("contactid").toString();

    List<RecordResult> again = adapter.write(ObjectTypes.CONTACT, batch, MatchKey.email(), WriteMode.CREATE_ONLY);
    assertThat(again).singleElement().satisfies(r -> {
      assertThat(r.status()).as("the row holds exactly what was sent: the first attempt created it").isEqualTo(RecordResult.Status.CREATED);
      assertThat(r.id()).isEqualTo(id);
    });

    dv.update("contact", id, Map.of("firstname", "Someone else"));
    assertThat(adapter.write(ObjectTypes.CONTACT, batch, MatchKey.email(), WriteMode.CREATE_ONLY))
        .singleElement().satisfies(r -> assertThat(r.error().code()).as("a row that differs is somebody else's").isEqualTo("DUPLICATE_RECORD"));
    assertThat(dv.count("contact")).isEqualTo(1);
  }

  @Test
  void withoutAnAlternateKeyACreateOnlyRetryAlsoRecognisesItsRow() {
    try (DataverseEmulator noKey = DataverseEmulator.builder().timeSource(clock).noServiceProtection().build().start()) {
      DynamicsAdapter a = Emulated.adapter(noKey, clock, "batch", "false");
      a.upsert(ObjectTypes.CONTACT, List.of(contact("warm@example.com", "Warm")), MatchKey.email());
      noKey.injectFaults("PATCH", Fault.DROPPED_CONNECTION);
      List<CrmRecord> batch = List.of(contact("e@example.com", "E"));
      List<RecordResult> first = a.write(ObjectTypes.CONTACT, batch, MatchKey.email(), WriteMode.CREATE_ONLY);
      // the answer was lost: a retryable failure (or CREATED, if the HTTP client resent the request itself)
      assertThat(first).singleElement().satisfies(r -> assertThat(r.succeeded() || r.error().retryable()).isTrue());
      assertThat(noKey.count("contact")).as("applied before the answer was lost").isEqualTo(2);
      List<RecordResult> again = a.write(ObjectTypes.CONTACT, batch, MatchKey.email(), WriteMode.CREATE_ONLY);
      assertThat(again).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.CREATED));
      assertThat(a.write(ObjectTypes.CONTACT, List.of(contact("e@example.com", "Other")), MatchKey.email(), WriteMode.CREATE_ONLY))
          .singleElement().satisfies(r -> assertThat(r.error().code()).isEqualTo("DUPLICATE_RECORD"));
      assertThat(noKey.count("contact")).isEqualTo(2);
    }
  }

  @Test
  void deletesCanBeRepeatedAndSurviveALostResponse() {
    String a = dv.insert("contact", Map.of("lastname", "A"));
    String b = dv.insert("contact", Map.of("lastname", "B"));
    dv.injectFaults(Fault.EMPTY_BODY);
    assertThatThrownBy(() -> adapter.delete(ObjectTypes.CONTACT, List.of(a, b))).isInstanceOf(CrmUnavailableException.class);
    assertThat(dv.count("contact")).as("applied before the answer was lost").isZero();
    List<RecordResult> again = adapter.delete(ObjectTypes.CONTACT, List.of(a, b, "0a0a0a0a-0000-0000-0000-000000000000"));
    assertThat(again).allSatisfy(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.DELETED));
    assertThat(dv.count("contact")).isZero();
    assertThat(adapter.delete(ObjectTypes.CONTACT, List.of("not-a-guid"))).singleElement()
        .satisfies(r -> assertThat(r.error().retryable()).isFalse());
  }

  @Test
  void theWriteModeSettingAppliesToUpserts() {
    dv.insert("contact", Map.of("emailaddress1", "old@example.com", "lastname", "Mode"));
    DynamicsAdapter createOnly = Emulated.adapter(dv, clock, "writeMode", "create-only");
    assertThat(createOnly.upsert(ObjectTypes.CONTACT, List.of(contact("old@example.com", "X")), MatchKey.email()))
        .singleElement().satisfies(r -> assertThat(r.error().code()).isEqualTo("DUPLICATE_RECORD"));
  }
}

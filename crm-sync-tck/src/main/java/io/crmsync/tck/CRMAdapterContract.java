package io.crmsync.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link CRMAdapter} owes the engine. Extend it in the adapter's tests and return an
 * adapter connected to a fake or emulator (or, in a {@code *ManualIT}, a sandbox):
 *
 * <pre>{@code
 * class HubSpotAdapterContractTest extends CRMAdapterContract {
 *   HubSpotEmulator emulator = HubSpotEmulator.start();
 *   protected CRMAdapter newAdapter() { return new HubSpotAdapter(config(emulator.url())); }
 * }
 * }</pre>
 *
 * <p>Each test writes contacts with emails unique to the test, so the CRM need not be empty. Override
 * the protected hooks to adapt to the CRM (custom field name, match key).
 */
public abstract class CRMAdapterContract {

  /** The adapter under test; called once per test, and closed after it. */
  protected abstract CRMAdapter newAdapter();

  /** A custom field the CRM accepts on contacts, for the round-trip test; empty skips that test. */
  protected Optional<String> customField() {
    return Optional.empty();
  }

  /** The match key the contract upserts by. */
  protected MatchKey matchKey() {
    return MatchKey.email();
  }

  protected CRMAdapter adapter;
  private String tag;

  @BeforeEach
  void openAdapter() {
    adapter = newAdapter();
    tag = UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void closeAdapter() throws Exception {
    adapter.close();
  }

  /** A contact unique to this test, number {@code i}. */
  protected CrmRecord contact(int i) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(Contact.Fields.EMAIL, "c" + i + "." + tag + "@example.com");
    f.put(Contact.Fields.FIRST_NAME, "First" + i);
    f.put(Contact.Fields.LAST_NAME, "Last" + tag);
    f.put(Contact.Fields.COMPANY, "Acme " + (i % 7));
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  private List<RecordResult> upsertAll(List<CrmRecord> records) {
    int max = adapter.capabilities().maxBatchSize();
    List<RecordResult> all = new ArrayList<>();
    for (int from = 0; from < records.size(); from += max) {
      List<CrmRecord> batch = records.subList(from, Math.min(records.size(), from + max));
      List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, matchKey());
      assertThat(results).as("one result per record").hasSize(batch.size());
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).index()).as("results in input order").isEqualTo(i);
      }
      all.addAll(results);
    }
    return all;
  }

  private Map<String, CrmRecord> readAllOfTag(ReadRequest request) {
    Map<String, CrmRecord> byEmail = new HashMap<>();
    try (var stream = adapter.stream(request)) {
      stream.forEach(
          r -> {
            String email = r.string(Contact.Fields.EMAIL);
            if (email != null && email.toLowerCase(Locale.ROOT).contains("." + tag + "@")) {
              assertThat(byEmail.put(email.toLowerCase(Locale.ROOT), r)).as("read once: " + email).isNull();
            }
          });
    }
    return byEmail;
  }

  @Test
  void pagingReturnsEveryRecordExactlyOnce() {
    List<CrmRecord> records = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      records.add(contact(i));
    }
    assertThat(upsertAll(records)).allMatch(RecordResult::succeeded);

    ReadRequest first = ReadRequest.of(ObjectTypes.CONTACT).withPageSize(100);
    Page page = adapter.read(first);
    assertThat(page.records().size()).isLessThanOrEqualTo(100);
    Map<String, CrmRecord> read = readAllOfTag(first);
    assertThat(read).hasSize(250);
    for (CrmRecord r : read.values()) {
      assertThat(r.id()).isNotBlank();
      assertThat(r.objectType()).isEqualTo(ObjectTypes.CONTACT);
    }
  }

  @Test
  void upsertIsIdempotent() {
    List<CrmRecord> records = List.of(contact(1), contact(2), contact(3));
    List<RecordResult> first = upsertAll(records);
    List<RecordResult> second = upsertAll(records);
    assertThat(first).allMatch(r -> r.status() == RecordResult.Status.CREATED);
    assertThat(second).allMatch(r -> r.status() == RecordResult.Status.UPDATED);
    assertThat(second.stream().map(RecordResult::id).collect(Collectors.toList()))
        .isEqualTo(first.stream().map(RecordResult::id).collect(Collectors.toList()));
    assertThat(readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT))).hasSize(3);
  }

  @Test
  void upsertUpdatesFieldsOfTheMatchedRecord() {
    CrmRecord c = contact(1);
    String id = upsertAll(List.of(c)).get(0).id();
    upsertAll(List.of(c.with(Contact.Fields.FIRST_NAME, "Changed")));
    String email = c.string(Contact.Fields.EMAIL);
    CrmRecord found = adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), email.toUpperCase(Locale.ROOT)).orElseThrow();
    assertThat(found.id()).isEqualTo(id);
    assertThat(found.string(Contact.Fields.FIRST_NAME)).isEqualTo("Changed");
    assertThat(found.string(Contact.Fields.LAST_NAME)).isEqualTo(c.string(Contact.Fields.LAST_NAME));
  }

  @Test
  void badRecordsFailAloneAndTheRestOfTheBatchLands() {
    List<CrmRecord> batch = new ArrayList<>();
    batch.add(contact(1));
    batch.add(contact(2).with(Contact.Fields.EMAIL, "not-an-email"));
    batch.add(contact(3));
    batch.add(contact(4).with(matchKey().field(), null));
    batch.add(contact(5));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, batch, matchKey());

    assertThat(results).hasSize(5);
    assertThat(results.get(0).succeeded()).isTrue();
    assertThat(results.get(2).succeeded()).isTrue();
    assertThat(results.get(4).succeeded()).isTrue();
    RecordResult invalid = results.get(1);
    assertThat(invalid.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(invalid.error().retryable()).isFalse();
    assertThat(invalid.error().toString()).containsIgnoringCase("email");
    RecordResult missingKey = results.get(3);
    assertThat(missingKey.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(missingKey.error().code()).isEqualTo(RecordError.MISSING_MATCH_KEY);
    assertThat(missingKey.error().message()).contains(matchKey().field());

    assertThat(readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT))).hasSize(3);
  }

  @Test
  void deleteRemovesTheRecordAndCanBeRepeated() {
    assumeTrue(adapter.capabilities().deletes(), "adapter does not support deletes");
    List<RecordResult> written = upsertAll(List.of(contact(1), contact(2)));
    String gone = written.get(0).id();

    List<RecordResult> deleted = adapter.delete(ObjectTypes.CONTACT, List.of(gone));
    assertThat(deleted).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.DELETED));
    assertThat(adapter.delete(ObjectTypes.CONTACT, List.of(gone)))
        .as("deleting again succeeds, so deletes can be retried")
        .allMatch(RecordResult::succeeded);

    Map<String, CrmRecord> live = readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(live.values()).extracting(CrmRecord::id).containsExactly(written.get(1).id());
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), contact(1).string(Contact.Fields.EMAIL))).isEmpty();

    if (adapter.capabilities().readsDeleted()) {
      // a deletion marker needs its id only: some CRMs keep no field values of deleted records (Zoho's deleted
      // records API, Dataverse's delta tombstones), so markers are found by id, not by this test's emails
      Set<String> deletedIds = new HashSet<>();
      try (var stream = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true))) {
        stream.filter(CrmRecord::deleted).forEach(r -> deletedIds.add(r.id()));
      }
      assertThat(deletedIds).contains(gone);
    }
  }

  @Test
  void incrementalReadsFilterByModificationTime() {
    assumeTrue(adapter.capabilities().incrementalReads(), "adapter does not support incremental reads");
    upsertAll(List.of(contact(1), contact(2)));
    Map<String, CrmRecord> all = readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.EPOCH));
    assertThat(all).hasSize(2);
    assertThat(all.values()).allSatisfy(r -> assertThat(r.modifiedAt()).isNotNull());
    Instant future = all.values().stream().map(CrmRecord::modifiedAt).max(Instant::compareTo).orElseThrow().plusSeconds(3600);
    assertThat(readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT).withSince(future))).isEmpty();
  }

  @Test
  void customFieldsSurviveARoundTrip() {
    String field = customField().orElse(null);
    assumeTrue(field != null, "no custom field configured for this CRM");
    CrmRecord c = contact(1).with(field, "note " + tag);
    upsertAll(List.of(c));
    CrmRecord found = adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), c.string(Contact.Fields.EMAIL)).orElseThrow();
    assertThat(found.string(field)).isEqualTo("note " + tag);
  }

  @Test
  void lookupOfAnUnknownValueIsEmpty() {
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "nobody." + tag + "@example.com")).isEmpty();
  }

  @Test
  void batchesLargerThanTheDeclaredMaximumAreRejectedBeforeSending() {
    int max = adapter.capabilities().maxBatchSize();
    List<CrmRecord> tooMany = new ArrayList<>();
    for (int i = 0; i <= max; i++) {
      tooMany.add(contact(i));
    }
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, tooMany, matchKey()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatchSize");
    assertThat(readAllOfTag(ReadRequest.of(ObjectTypes.CONTACT))).isEmpty();
  }

  @Test
  void recordsOfAnotherTypeInABatchAreRejected() {
    CrmRecord company = CrmRecord.of(ObjectTypes.COMPANY, Map.of("name", "Acme"));
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, List.of(contact(1), company), matchKey()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void describeListsTheStandardFields() {
    List<FieldInfo> fields = adapter.describe(ObjectTypes.CONTACT);
    Set<String> names = new HashSet<>();
    for (FieldInfo f : fields) {
      names.add(f.name());
    }
    assertThat(names).contains(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME, Contact.Fields.LAST_NAME);
  }

  @Test
  void pageSizeIsRespected() {
    upsertAll(List.of(contact(1), contact(2), contact(3), contact(4), contact(5)));
    Page page = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(2));
    assertThat(page.records().size()).isLessThanOrEqualTo(2);
    assertThat(page.hasMore()).isTrue();
  }
}

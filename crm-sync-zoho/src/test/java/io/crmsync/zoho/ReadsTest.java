package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads: COQL keyset paging, incremental reads, deleted records, describe, lookups. */
class ReadsTest {
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

  private List<CrmRecord> readAll(ZohoAdapter adapter, ReadRequest request) {
    List<CrmRecord> out = new ArrayList<>();
    try (var s = adapter.stream(request)) {
      s.forEach(out::add);
    }
    return out;
  }

  @Test
  void aFullReadPagesByIdPastCoqlsReachOfOffsets() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    for (int i = 0; i < 4_500; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "L" + i, "Email", "r" + i + "@example.com"));
    }
    ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withPageSize(10_000);
    Page first = adapter.read(request);
    assertThat(first.records()).as("COQL's 2,000 per call").hasSize(2_000);
    List<CrmRecord> all = readAll(adapter, request);
    assertThat(all).hasSize(4_500);
    assertThat(all.stream().map(CrmRecord::id).collect(Collectors.toSet())).hasSize(4_500);
    assertThat(zoho.requests()).filteredOn(r -> r.path().endsWith("/coql")).hasSize(1 + 3);
    assertThat(zoho.creditsUsed()).as("3 credits per 2,000 records, plus the fields metadata once").isEqualTo(4 * 3 + 1);
    assertThat(zoho.refusedCount()).isZero();
  }

  @Test
  void recordsCarryCanonicalStandardFieldsCustomFieldsAndTheAccountsName() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "Score", "integer")
        .field("Contacts", "Ratio", "double").field("Contacts", "Vip", "boolean")
        .field("Contacts", "Interests", "multiselectpicklist"));
    String account = zoho.insert("Accounts", Map.of("Account_Name", "Acme Ltd"));
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("Last_Name", "Lovelace");
    values.put("First_Name", "Ada");
    values.put("Email", "ada@example.com");
    values.put("Title", "Countess");
    values.put("Mailing_City", "London");
    values.put("Mailing_Zip", "W1");
    values.put("Account_Name", Map.of("id", account));
    values.put("Score", 42);
    values.put("Ratio", 0.25);
    values.put("Vip", true);
    values.put("Interests", List.of("Maths", "Engines"));
    zoho.insert("Contacts", values);
    CrmRecord r = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0);
    Contact c = Contact.fromRecord("zoho", r.withFields(standardOnly(r.fields())));
    assertThat(c.email()).isEqualTo("ada@example.com");
    assertThat(c.firstName()).isEqualTo("Ada");
    assertThat(c.lastName()).isEqualTo("Lovelace");
    assertThat(c.title()).isEqualTo("Countess");
    assertThat(c.city()).isEqualTo("London");
    assertThat(c.postalCode()).isEqualTo("W1");
    assertThat(c.company()).isEqualTo("Acme Ltd");
    assertThat(c.ownerId()).matches("\\d+");
    assertThat(c.createdAt()).isEqualTo(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(r.modifiedAt()).isEqualTo(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(r.fields()).containsEntry("Score", 42L).containsEntry("Ratio", new BigDecimal("0.25"))
        .containsEntry("Vip", true).containsEntry("Interests", List.of("Maths", "Engines"))
        .doesNotContainKeys("Modified_Time", "Full_Name", "Account_Name", "id");
  }

  private static Map<String, Object> standardOnly(Map<String, Object> fields) {
    Map<String, Object> out = new LinkedHashMap<>(fields);
    out.keySet().retainAll(Contact.Fields.ALL);
    return out;
  }

  @Test
  void anIncrementalReadFollowsModificationTimeAndId() {
    ZohoAdapter adapter = start(ZohoEmulator.builder(), "incrementalOverlap", "0s");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(zoho.insert("Contacts", Map.of("Last_Name", "Old" + i)));
    }
    clock.advance(Duration.ofMinutes(10));
    Instant since = clock.now();
    // more records in one second than a page holds: the keyset continues by id within the second
    for (int i = 0; i < 7; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "New" + i));
    }
    clock.advance(Duration.ofSeconds(1));
    zoho.update("Contacts", ids.get(0), Map.of("First_Name", "Touched"));
    ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withPageSize(3);
    List<CrmRecord> read = readAll(adapter, request);
    assertThat(read).extracting(r -> r.string("lastName"))
        .containsExactly("New0", "New1", "New2", "New3", "New4", "New5", "New6", "Old0");
    assertThat(read).allSatisfy(r -> assertThat(r.modifiedAt()).isAfterOrEqualTo(since));
  }

  @Test
  void aRecordModifiedDuringAnIncrementalReadMovesAheadAndIsStillRead() {
    ZohoAdapter adapter = start(ZohoEmulator.builder(), "incrementalOverlap", "0s");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(zoho.insert("Contacts", Map.of("Last_Name", "C" + i)));
      clock.advance(Duration.ofSeconds(1));
    }
    ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.EPOCH).withPageSize(2);
    Page first = adapter.read(request);
    assertThat(first.records()).extracting(r -> r.string("lastName")).containsExactly("C0", "C1");
    zoho.update("Contacts", ids.get(2), Map.of("First_Name", "Moved"));
    Set<String> rest = new HashSet<>();
    String cursor = first.nextCursor();
    while (cursor != null) {
      Page p = adapter.read(request.withCursor(cursor));
      p.records().forEach(r -> rest.add(r.string("lastName")));
      cursor = p.nextCursor();
    }
    assertThat(rest).containsExactlyInAnyOrder("C2", "C3", "C4", "C5");
  }

  @Test
  void deletedRecordsFollowTheLiveOnesIncrementallyToo() {
    ZohoAdapter adapter = start(ZohoEmulator.builder(), "incrementalOverlap", "0s");
    String early = zoho.insert("Contacts", Map.of("Last_Name", "Early"));
    zoho.delete("Contacts", early);
    clock.advance(Duration.ofHours(1));
    Instant since = clock.now();
    String kept = zoho.insert("Contacts", Map.of("Last_Name", "Kept"));
    List<String> gone = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = zoho.insert("Contacts", Map.of("Last_Name", "Gone" + i));
      zoho.delete("Contacts", id);
      gone.add(id);
    }
    List<CrmRecord> all = readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true).withPageSize(2));
    assertThat(all).filteredOn(CrmRecord::deleted).extracting(CrmRecord::id).containsExactlyInAnyOrder(
        early, gone.get(0), gone.get(1), gone.get(2));
    assertThat(all).filteredOn(r -> !r.deleted()).extracting(CrmRecord::id).containsExactly(kept);

    List<CrmRecord> recent = readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withIncludeDeleted(true));
    assertThat(recent).filteredOn(CrmRecord::deleted).extracting(CrmRecord::id).containsExactlyInAnyOrderElementsOf(gone);
    assertThat(recent).filteredOn(CrmRecord::deleted).allSatisfy(r -> assertThat(r.modifiedAt()).isNotNull());
  }

  @Test
  void describeIsAccurate() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().field("Contacts", "External_Id", "text", 50, true)
        .picklist("Contacts", "Tier", "Gold", "Silver"));
    Map<String, FieldInfo> fields = new HashMap<>();
    adapter.describe(ObjectTypes.CONTACT).forEach(f -> fields.put(f.name(), f));
    assertThat(fields.get("email").nativeName()).isEqualTo("Email");
    assertThat(fields.get("email").maxLength()).isEqualTo(100);
    assertThat(fields.get("lastName").required()).isTrue();
    assertThat(fields.get("ownerId").reference()).isTrue();
    assertThat(fields.get("ownerId").writable()).isTrue();
    assertThat(fields.get("Account_Name").reference()).isTrue();
    assertThat(fields.get("createdAt").readOnly()).isTrue();
    assertThat(fields.get("Modified_Time").readOnly()).isTrue();
    assertThat(fields.get("company").readOnly()).as("the account's name").isTrue();
    assertThat(fields.get("company").nativeName()).isEqualTo("Account_Name.Account_Name");
    assertThat(fields.get("External_Id").custom()).isTrue();
    assertThat(fields.get("External_Id").maxLength()).isEqualTo(50);
    assertThat(fields.get("Tier").picklistValues()).containsExactly("Gold", "Silver");
    assertThat(fields.get("email").custom()).isFalse();
    assertThat(zoho.requests()).filteredOn(r -> r.path().endsWith("/settings/fields")).hasSize(1);
    adapter.describe(ObjectTypes.CONTACT);
    assertThat(zoho.requests()).as("cached").filteredOn(r -> r.path().endsWith("/settings/fields")).hasSize(1);
    clock.advance(Duration.ofMinutes(16));
    adapter.describe(ObjectTypes.CONTACT);
    assertThat(zoho.requests()).filteredOn(r -> r.path().endsWith("/settings/fields")).hasSize(2);
  }

  @Test
  void lookupsQuoteTheirValue() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    zoho.insert("Contacts", Map.of("Last_Name", "O'Brien", "Email", "o'brien@example.com"));
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "O'Brien@example.com"))
        .hasValueSatisfying(r -> assertThat(r.string("lastName")).isEqualTo("O'Brien"));
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.field("lastName"), "x' or Last_Name is not null or 'a"))
        .isEmpty();
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "  ")).isEmpty();
    assertThat(zoho.refusedCount()).isZero();
  }

  @Test
  void otherModulesAreReadByTheirApiNames() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().module("Projects").field("Projects", "Budget", "currency"));
    zoho.insert("Projects", Map.of("Name", "Apollo", "Budget", 1000.5));
    zoho.insert("Leads", Map.of("Last_Name", "Lead", "Company", "Initech"));
    assertThat(adapter.read(ReadRequest.of("Projects")).records()).singleElement()
        .satisfies(r -> assertThat(r.fields()).containsEntry("Name", "Apollo").containsEntry("Budget", new BigDecimal("1000.5")));
    assertThat(adapter.read(ReadRequest.of("Leads")).records()).singleElement()
        .satisfies(r -> assertThat(r.fields()).containsEntry("Company", "Initech"));
    assertThatThrownBy(() -> adapter.read(ReadRequest.of("not a module"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void moreColumnsThanCoqlSelectsIsAConfigurationError() {
    ZohoEmulator.Builder b = ZohoEmulator.builder();
    for (int i = 0; i < 40; i++) {
      b.field("Contacts", "Custom_" + i, "text");
    }
    ZohoAdapter adapter = start(b);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("readCustomFields");
    ZohoAdapter narrow = Emulated.adapter(zoho, clock, "readCustomFields", "false", "fields", "Custom_7");
    zoho.insert("Contacts", Map.of("Last_Name", "L", "Custom_7", "seven"));
    assertThat(narrow.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).singleElement()
        .satisfies(r -> assertThat(r.fields()).containsEntry("Custom_7", "seven").doesNotContainKey("Custom_8"));
  }

  @Test
  void aCursorIsBoundToItsRead() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    for (int i = 0; i < 3; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "L" + i));
    }
    String cursor = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(1)).nextCursor();
    assertThat(cursor).startsWith("zo1.");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.COMPANY).withCursor(cursor)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contact");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.EPOCH).withCursor(cursor)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withCursor("zo1.!!!")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

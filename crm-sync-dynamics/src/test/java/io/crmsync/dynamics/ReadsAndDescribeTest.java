package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.ColumnSpec;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.dynamics.TableSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the adapter reads and says about tables: {@code describe()} from the attribute definitions, custom tables and
 * columns round-tripping, lookups kept with their table, formatted values beside raw ones, incremental reads by
 * {@code modifiedon} for tables without change tracking, and deleted rows with and without the recycle bin.
 */
class ReadsAndDescribeTest {
  final FakeTimeSource clock = new FakeTimeSource();
  DataverseEmulator dv;
  DynamicsAdapter adapter;

  @BeforeEach
  void start() {
    dv = Emulated.emulator(clock)
        .table(TableSpec.custom("new_widget", "new_widgets")
            .column(ColumnSpec.string("new_code", 20))
            .column(ColumnSpec.integer("new_size"))
            .column(ColumnSpec.money("new_price"))
            .column(ColumnSpec.bool("new_active"))
            .column(ColumnSpec.dateTime("new_due"))
            .column(ColumnSpec.lookup("new_contactid", "contact"))
            .alternateKey("new_code"))
        .build().start();
    adapter = Emulated.adapter(dv, clock);
  }

  @AfterEach
  void stop() {
    adapter.close();
    dv.close();
  }

  private List<CrmRecord> readAll(DynamicsAdapter a, ReadRequest request) {
    List<CrmRecord> out = new ArrayList<>();
    try (var s = a.stream(request)) {
      s.forEach(out::add);
    }
    return out;
  }

  @Test
  void describeReadsTheAttributeDefinitions() {
    Map<String, FieldInfo> f = adapter.describe(ObjectTypes.CONTACT).stream().collect(Collectors.toMap(FieldInfo::name, Function.identity()));
    assertThat(f.get(Contact.Fields.EMAIL)).satisfies(e -> {
      assertThat(e.nativeName()).isEqualTo("emailaddress1");
      assertThat(e.type()).isEqualTo("email");
      assertThat(e.maxLength()).isEqualTo(100);
      assertThat(e.readOnly()).isFalse();
      assertThat(e.reference()).isFalse();
    });
    assertThat(f.get(Contact.Fields.LAST_NAME).required()).isTrue();
    assertThat(f.get(Contact.Fields.FIRST_NAME).required()).isFalse();
    assertThat(f.get("fullname").readOnly()).as("composed by Dataverse").isTrue();
    assertThat(f.get(Contact.Fields.CREATED_AT).readOnly()).isTrue();
    assertThat(f.get("statecode").readOnly()).as("valid for update only, so an upsert cannot set it").isTrue();
    assertThat(f.get(Contact.Fields.OWNER_ID)).satisfies(o -> {
      assertThat(o.reference()).isTrue();
      assertThat(o.required()).as("defaulted to the caller").isFalse();
    });
    assertThat(f.get("parentcustomerid").reference()).isTrue();
    assertThat(f.get("gendercode").picklistValues()).containsExactly("1", "2");
    assertThat(f.get(Emulated.CUSTOM_COLUMN).custom()).isTrue();
    assertThat(f.get(Contact.Fields.COMPANY)).as("the parent account's name, read only").satisfies(c -> {
      assertThat(c.readOnly()).isTrue();
      assertThat(c.nativeName()).isEqualTo("parentcustomerid");
    });
    assertThat(f.values()).extracting(FieldInfo::nativeName).as("Company Phone is not a company").doesNotContain("company");

    Map<String, FieldInfo> w = adapter.describe("new_widgets").stream().collect(Collectors.toMap(FieldInfo::name, Function.identity()));
    assertThat(w.get("new_code").maxLength()).isEqualTo(20);
    assertThat(w.get("new_contactid").reference()).isTrue();
    assertThat(w.get("new_price").type()).isEqualTo("money");
  }

  @Test
  void customTablesAndColumnsRoundTrip() {
    String contact = dv.insert("contact", Map.of("lastname", "Owner"));
    CrmRecord widget = CrmRecord.of("new_widgets", Map.of("new_code", "W-1'\"&", "new_name", "Sprocket", "new_size", 42L,
        "new_price", new BigDecimal("9.99"), "new_active", true, "new_due", "2026-03-01T10:00:00Z", "new_contactid", contact));
    List<RecordResult> r = adapter.upsert("new_widgets", List.of(widget), MatchKey.field("new_code"));
    assertThat(r).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(RecordResult.Status.CREATED));

    CrmRecord read = readAll(adapter, ReadRequest.of("new_widgets")).get(0);
    assertThat(read.id()).isEqualTo(r.get(0).id());
    assertThat(read.fields()).containsEntry("new_code", "W-1'\"&").containsEntry("new_name", "Sprocket")
        .containsEntry("new_size", 42L).containsEntry("new_active", true).containsEntry("new_due", "2026-03-01T10:00:00Z")
        .containsEntry("new_contactid", contact);
    assertThat(new BigDecimal(read.fields().get("new_price").toString())).isEqualByComparingTo("9.99");

    // written back as read: the same row, nothing refused
    assertThat(adapter.upsert("new_widgets", List.of(read), MatchKey.field("new_code"))).singleElement()
        .satisfies(x -> assertThat(x.status()).isEqualTo(RecordResult.Status.UPDATED));
    assertThat(dv.refusals()).isEmpty();
    assertThat(adapter.objectTypeForTable("new_widget")).isEqualTo("new_widgets");
  }

  @Test
  void lookupsKeepTheirTableAndTheCompanyIsTheParentAccountsName() {
    String account = dv.insert("account", Map.of("name", "Fourth Coffee"));
    dv.insert("contact", Map.of("emailaddress1", "l@example.com", "lastname", "Lookup", "gendercode", 2,
        "parentcustomerid_account@odata.bind", "/accounts(" + account + ")"));
    List<String> fields = List.of(Contact.Fields.EMAIL, Contact.Fields.LAST_NAME, Contact.Fields.COMPANY, Contact.Fields.OWNER_ID,
        "gendercode", "parentcustomerid");
    CrmRecord c = readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withFields(fields)).get(0);
    assertThat(c.fields()).containsEntry(Contact.Fields.COMPANY, "Fourth Coffee").containsEntry("parentcustomerid", account)
        .containsEntry("parentcustomerid@Microsoft.Dynamics.CRM.lookuplogicalname", "account")
        .containsEntry("gendercode", 2L)
        .containsEntry(Contact.Fields.OWNER_ID, dv.callerId());

    // the same record written as another contact binds the same account
    CrmRecord copy = CrmRecord.of(ObjectTypes.CONTACT, new java.util.HashMap<>(c.fields())).with(Contact.Fields.EMAIL, "copy@example.com");
    assertThat(adapter.upsert(ObjectTypes.CONTACT, List.of(copy), MatchKey.email())).singleElement()
        .satisfies(x -> assertThat(x.succeeded()).isTrue());
    assertThat(dv.records("contact")).filteredOn(r -> "copy@example.com".equals(r.get("emailaddress1")))
        .singleElement().satisfies(r -> assertThat(r.get("parentcustomerid")).isEqualTo(account));

    DynamicsAdapter formatted = Emulated.adapter(dv, clock, "formattedValues", "true");
    CrmRecord f = readAll(formatted, ReadRequest.of(ObjectTypes.CONTACT).withFields(fields)).get(0);
    assertThat(f.fields()).containsEntry("gendercode", 2L)
        .containsEntry("gendercode@OData.Community.Display.V1.FormattedValue", "Female")
        .containsEntry("parentcustomerid@OData.Community.Display.V1.FormattedValue", "Fourth Coffee");
  }

  @Test
  void tablesWithoutChangeTrackingAreReadByModifiedOnWithAnOverlap() {
    String early = dv.insert("new_widget", Map.of("new_code", "early"));
    clock.advance(Duration.ofMinutes(5));
    String recent = dv.insert("new_widget", Map.of("new_code", "recent"));
    clock.advance(Duration.ofSeconds(30));
    Instant since = clock.now();
    clock.advance(Duration.ofMinutes(1));
    String later = dv.insert("new_widget", Map.of("new_code", "later"));

    List<String> ids = readAll(adapter, ReadRequest.of("new_widgets").withSince(since)).stream().map(CrmRecord::id).toList();
    assertThat(ids).as("changed at or after since, less the one-minute overlap").containsExactly(recent, later).doesNotContain(early);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of("new_widgets").withSince(since).withIncludeDeleted(true)))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("change tracking");
  }

  @Test
  void deletedRowsComeFromTheRecycleBinOnFullReadsAndFromChangeTrackingOnIncrementalOnes() {
    String kept = dv.insert("contact", Map.of("emailaddress1", "kept@example.com", "lastname", "Kept"));
    String gone = dv.insert("contact", Map.of("emailaddress1", "gone@example.com", "lastname", "Gone"));
    Instant since = clock.now();
    readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withSince(since)); // the first delta link
    clock.advance(Duration.ofMinutes(1));
    dv.delete("contact", gone);

    // read apart from the sync's delta links: a full read starts them again (see the README)
    DynamicsAdapter adHoc = Emulated.adapter(dv, clock, "changeTrackingScope", "ad-hoc");
    List<CrmRecord> full = readAll(adHoc, ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true).withPageSize(1));
    assertThat(full).extracting(CrmRecord::id).containsExactly(kept, gone);
    assertThat(full.get(1)).satisfies(r -> {
      assertThat(r.deleted()).isTrue();
      assertThat(r.string(Contact.Fields.EMAIL)).as("kept whole in the bin").isEqualTo("gone@example.com");
    });
    assertThat(readAll(adHoc, ReadRequest.of(ObjectTypes.CONTACT))).as("not asked for").extracting(CrmRecord::id).containsExactly(kept);

    List<CrmRecord> delta = readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withSince(clock.now()).withIncludeDeleted(true));
    assertThat(delta).singleElement().satisfies(r -> {
      assertThat(r.id()).isEqualTo(gone);
      assertThat(r.deleted()).isTrue();
    });
  }

  @Test
  void withoutTheRecycleBinAFullReadReportsNoDeletedRows() {
    try (DataverseEmulator noBin = Emulated.emulator(clock).recycleBin("contact", false).build().start()) {
      String gone = noBin.insert("contact", Map.of("lastname", "Gone"));
      noBin.insert("contact", Map.of("lastname", "Kept"));
      noBin.delete("contact", gone);
      List<CrmRecord> full = readAll(Emulated.adapter(noBin, clock), ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true));
      assertThat(full).hasSize(1).noneMatch(CrmRecord::deleted);
    }
  }

  @Test
  void aRowRecreatedWithTheSameIdIsNotReportedDeleted() {
    String id = dv.insert("contact", Map.of("lastname", "Phoenix"));
    dv.delete("contact", id);
    dv.insert("contact", Map.of("contactid", id, "lastname", "Phoenix again"));
    List<CrmRecord> full = readAll(adapter, ReadRequest.of(ObjectTypes.CONTACT).withIncludeDeleted(true));
    assertThat(full).singleElement().satisfies(r -> {
      assertThat(r.id()).isEqualTo(id);
      assertThat(r.deleted()).isFalse();
    });
  }

  @Test
  void onlyTheFieldsAskedForAreRead() {
    dv.insert("contact", Map.of("emailaddress1", "f@example.com", "firstname", "Only", "lastname", "Fields"));
    Page p = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of(Contact.Fields.EMAIL)));
    assertThat(p.records().get(0).fields()).containsOnlyKeys(Contact.Fields.EMAIL);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("nosuchfield"))))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("nosuchfield");
  }
}

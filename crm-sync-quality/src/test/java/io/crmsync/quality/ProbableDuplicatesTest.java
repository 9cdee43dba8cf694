package io.crmsync.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.DuplicatePolicy;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.spi.DuplicateFinder;
import io.crmsync.spi.ProbableDuplicate;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.adapter.RequestBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Duplicates on ingest with the quality matcher, through the sync engine against fake CRMs. */
class ProbableDuplicatesTest {
  private final FakeTimeSource time = new FakeTimeSource();

  private FakeCrm fake(String id) {
    return FakeCrm.builder().id(id).timeSource(time).seed(3).maxPageSize(100).build();
  }

  private static CrmRecord contact(String email, String first, String last, String company, String phone) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(Contact.Fields.EMAIL, email);
    f.put(Contact.Fields.FIRST_NAME, first);
    f.put(Contact.Fields.LAST_NAME, last);
    f.put(Contact.Fields.COMPANY, company);
    f.put(Contact.Fields.PHONE, phone);
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  private CRMSync sync(FakeCrm source, FakeCrm target, DuplicatePolicy policy) {
    return CRMSync.builder().source(source).target(target).timeSource(time).jobId("job")
        .duplicatesOnIngest(ProbableDuplicates.builder().defaultRegion("US").build(), policy)
        .build();
  }

  @Test
  void johnSmithOfAcmeIncIsLinkedToJSmithOfAcmeNotCreatedAndLaterRunsUpdateHim() {
    FakeCrm source = fake("app");
    FakeCrm target = fake("crm");
    CrmRecord jSmith = target.seed(List.of(
        contact("j.smith@acme.example", "J.", "Smith", "Acme", "+1 555 201 3344"))).get(0);
    CrmRecord john = source.seed(List.of(
        contact("john@smith-family.example", "John", "Smith", "Acme Inc.", "(555) 201-3344"))).get(0);
    CRMSync sync = sync(source, target, DuplicatePolicy.LINK);

    SyncReport first = sync.run();

    assertThat(first.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(first.created()).isZero();
    assertThat(first.updated()).isEqualTo(1);
    assertThat(first.linkedToDuplicates()).isEqualTo(1);
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(1);
    CrmRecord linked = target.get(ObjectTypes.CONTACT, jSmith.id()).orElseThrow();
    assertThat(linked.string(Contact.Fields.FIRST_NAME)).isEqualTo("John");
    assertThat(linked.string(Contact.Fields.EMAIL)).isEqualTo("j.smith@acme.example");

    time.advance(Duration.ofMinutes(10));
    source.edit(ObjectTypes.CONTACT, john.id(), Map.of(Contact.Fields.TITLE, "CFO"));
    SyncReport second = sync.run();

    assertThat(second.created()).isZero();
    assertThat(second.updated()).isEqualTo(1);
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(1);
    assertThat(target.get(ObjectTypes.CONTACT, jSmith.id()).orElseThrow().string(Contact.Fields.TITLE)).isEqualTo("CFO");
  }

  @Test
  void aNamesakeAtAnotherCompanyWithAnotherPhoneIsCreated() {
    FakeCrm source = fake("app");
    FakeCrm target = fake("crm");
    target.seed(List.of(contact("j.smith@acme.example", "J.", "Smith", "Acme", "+1 555 201 3344")));
    source.seed(List.of(contact("john.smith@globex.example", "John", "Smith", "Globex Corp", "(555) 777-0000")));

    SyncReport report = sync(source, target, DuplicatePolicy.LINK).run();

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.duplicatesFound()).isZero();
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(2);
  }

  @Test
  void reviewHoldsJohnSmithWithBothRecords() {
    FakeCrm source = fake("app");
    FakeCrm target = fake("crm");
    CrmRecord jSmith = target.seed(List.of(
        contact("j.smith@acme.example", "J.", "Smith", "Acme", "+1 555 201 3344"))).get(0);
    source.seed(List.of(contact("john@smith-family.example", "John", "Smith", "Acme Inc.", "(555) 201-3344")));
    CRMSync sync = sync(source, target, DuplicatePolicy.REVIEW);

    SyncReport report = sync.run();

    assertThat(report.heldForReview()).isEqualTo(1);
    assertThat(report.written()).isZero();
    assertThat(sync.duplicatesInReview(10)).singleElement().satisfies(h -> {
      assertThat(h.candidateId()).isEqualTo(jSmith.id());
      assertThat(h.reason()).isEqualTo("given name matches an initial, same family name, same phone, same company");
      assertThat(h.score()).isEqualTo(0.85, org.assertj.core.data.Offset.offset(1e-9));
    });
  }

  @Test
  void readsTheTargetOncePerRunAndAsksNothingPerRecord() {
    FakeCrm source = fake("app");
    FakeCrm target = fake("crm");
    List<CrmRecord> existing = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      existing.add(contact("person" + i + "@acme.example", "Given" + i, "Family" + i, "Acme",
          String.format("+1 555 300 %04d", i)));
    }
    target.seed(existing);
    List<CrmRecord> incoming = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      // the first 100 are people the target has, under their home emails; the rest are new
      incoming.add(contact("home" + i + "@mail.example", "Given" + i, "Family" + i, "Acme Inc",
          i < 100 ? String.format("(555) 300-%04d", i) : String.format("(555) 900-%04d", i)));
    }
    source.seed(incoming);

    SyncReport report = sync(source, target, DuplicatePolicy.LINK).run();

    assertThat(report.linkedToDuplicates()).isEqualTo(100);
    assertThat(report.created()).isEqualTo(200);
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(450);
    // 250 contacts in pages of 100: three reads, and no lookup, for 300 records
    assertThat(target.requestCount("read")).isEqualTo(3);
    assertThat(target.requestCount("lookup")).isZero();
  }

  @Test
  void neverProposesARecordWhoseMatchKeyTheTargetHas() {
    FakeCrm target = fake("crm");
    target.seed(List.of(contact("ann@acme.example", "Ann", "Lee", "Acme", "+1 555 201 0100"),
        contact("a.lee@acme.example", "A.", "Lee", "Acme", "+1 555 201 0100")));
    DuplicateFinder.Session session = ProbableDuplicates.ofDefaults().open(new DuplicateFinder.Scope(target,
        ObjectTypes.CONTACT, MatchKey.email(), RequestLimiter.of(RequestBudget.unlimited(), time)));
    List<ProbableDuplicate> found = session.find(List.of(
        contact("ANN@acme.example", "Ann", "Lee", "Acme", "555 201 0100"),
        contact("ann@home.example", "Annie", "Lee", "Acme Ltd", "555 201 0100")));
    assertThat(found).singleElement().satisfies(p -> {
      assertThat(p.index()).isEqualTo(1);
      assertThat(p.reason()).contains("same phone").doesNotContain("555");
    });
  }

  @Test
  void generationsAndDifferentGivenNamesAreNeverDuplicates() {
    FakeCrm target = fake("crm");
    target.seed(List.of(contact("rs@acme.example", "Robert", "Smith Sr.", "Smith & Sons", "+1 555 201 0100")));
    DuplicateFinder.Session session = ProbableDuplicates.ofDefaults().open(new DuplicateFinder.Scope(target,
        ObjectTypes.CONTACT, MatchKey.email(), RequestLimiter.of(RequestBudget.unlimited(), time)));
    List<ProbableDuplicate> found = session.find(List.of(
        contact("bob@home.example", "Bob", "Smith", "Smith and Sons LLC", "555 201 0100"),
        contact("rj@home.example", "Robert", "Smith Jr.", "Smith & Sons", "555 201 0100"),
        contact("mary@home.example", "Mary", "Smith", "Smith & Sons", "555 201 0100")));
    assertThat(found).singleElement().satisfies(p -> {
      assertThat(p.index()).as("Bob is Robert").isEqualTo(0);
      assertThat(p.reason()).contains("nicknames");
    });
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> ProbableDuplicates.builder().defaultRegion("XX"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("XX");
    assertThatThrownBy(() -> ProbableDuplicates.builder().threshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
  }
}

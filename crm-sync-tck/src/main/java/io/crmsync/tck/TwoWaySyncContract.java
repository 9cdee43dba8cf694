package io.crmsync.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.MatchKey;
import io.crmsync.backend.SyncBackend;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.twoway.ConflictInReview;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.DeletePolicy;
import io.crmsync.twoway.TwoWayReport;
import io.crmsync.twoway.TwoWaySync;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link TwoWaySync}'s behaviour against a backend: what each side ends up with after edits on one side,
 * both, deletions, conflicts and faults, and that quiet runs write nothing. Extend it with the backend to
 * check. Everything runs on a {@link FakeTimeSource}.
 */
public abstract class TwoWaySyncContract {
  private static final String C = ObjectTypes.CONTACT;

  /** A new, empty backend on {@code time}; closed after the test. */
  protected abstract SyncBackend newBackend(TimeSource time);

  protected FakeTimeSource time;
  protected SyncBackend backend;
  protected FakeCrm a;
  protected FakeCrm b;

  @BeforeEach
  void setUpTwoWay() {
    time = new FakeTimeSource();
    backend = newBackend(time);
    a = FakeCrm.builder().id("a").timeSource(time).build();
    b = FakeCrm.builder().id("b").timeSource(time).build();
  }

  @AfterEach
  void tearDownTwoWay() {
    backend.close();
  }

  protected TwoWaySync.Builder sync() {
    return TwoWaySync.builder().first(a).second(b).backend(backend).timeSource(time);
  }

  protected static CrmRecord contact(String email, Object... fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(Contact.Fields.EMAIL, email);
    for (int i = 0; i < fields.length; i += 2) {
      f.put((String) fields[i], fields[i + 1]);
    }
    return new CrmRecord(C, null, f, null, false);
  }

  protected static Map<String, Object> on(FakeCrm crm, String email) {
    CrmRecord r = crm.recordsBy(C, MatchKey.email()).get(email);
    assertThat(r).as("%s on %s", email, crm.id()).isNotNull();
    return r.fields();
  }

  protected static String idOf(FakeCrm crm, String email) {
    return crm.recordsBy(C, MatchKey.email()).get(email).id();
  }

  /** Runs, expects both passes completed, and returns the report. */
  protected TwoWayReport runs(TwoWaySync sync) {
    time.advance(Duration.ofMinutes(1));
    TwoWayReport report = sync.run();
    assertThat(report.completed()).as("%s", report).isTrue();
    return report;
  }

  /** Runs and expects nothing written to either side. */
  protected void quiet(TwoWaySync sync) {
    a.clearRequests();
    b.clearRequests();
    TwoWayReport report = runs(sync);
    assertThat(report.written()).as("%s", report).isZero();
    assertThat(a.requestCount("upsert") + a.requestCount("delete")).isZero();
    assertThat(b.requestCount("upsert") + b.requestCount("delete")).isZero();
  }

  @Test
  void theFirstRunCopiesEachSideToTheOtherAndPairsRecordsByTheirKey() {
    a.seed(List.of(contact("both@x.io", "FirstName", "Ann", "Phone", "1"), contact("only-a@x.io", "FirstName", "Al")));
    time.advance(Duration.ofSeconds(1));
    b.seed(List.of(contact("both@x.io", "Title", "CEO", "Phone", "2"), contact("only-b@x.io", "FirstName", "Bo")));
    TwoWaySync sync = sync().build();

    TwoWayReport report = runs(sync);

    assertThat(a.size(C)).isEqualTo(3);
    assertThat(b.size(C)).isEqualTo(3);
    // never agreed before: where the two differ, the record modified last wins; the rest is combined
    Map<String, Object> expected = Map.of(Contact.Fields.EMAIL, "both@x.io", "FirstName", "Ann", "Title", "CEO", "Phone", "2");
    assertThat(on(a, "both@x.io")).isEqualTo(expected);
    assertThat(on(b, "both@x.io")).isEqualTo(expected);
    assertThat(on(a, "only-b@x.io")).containsEntry("FirstName", "Bo");
    assertThat(on(b, "only-a@x.io")).containsEntry("FirstName", "Al");
    assertThat(report.conflictsResolved()).isEqualTo(1);
    assertThat(report.readFromSecond()).isEqualTo(2);
    quiet(sync);
    quiet(sync);
  }

  @Test
  void aChangeOnOneSideReachesTheOtherAndIsNotEchoedBack() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1")));
    TwoWaySync sync = sync().build();
    runs(sync);

    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "2"));
    TwoWayReport report = runs(sync);
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "2");
    assertThat(report.toFirst().written()).isEqualTo(1);
    assertThat(report.toSecond().written()).isZero();
    quiet(sync);

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "3"));
    report = runs(sync);
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "3");
    assertThat(report.toSecond().written()).isEqualTo(1);
    assertThat(report.toFirst().written()).isZero();
    quiet(sync);
  }

  @Test
  void differentFieldsChangedOnEachSideAreBothKept() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev")));
    TwoWaySync sync = sync().build();
    runs(sync);

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "2"));
    time.advance(Duration.ofSeconds(5));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Title", "CTO"));
    TwoWayReport report = runs(sync);

    Map<String, Object> expected = Map.of(Contact.Fields.EMAIL, "ann@x.io", "Phone", "2", "Title", "CTO");
    assertThat(on(a, "ann@x.io")).isEqualTo(expected);
    assertThat(on(b, "ann@x.io")).isEqualTo(expected);
    assertThat(report.conflictsResolved()).as("no field changed on both sides").isZero();
    quiet(sync);
  }

  @Test
  void aFieldChangedOnBothSidesIsSettledByThePolicy() {
    Map<ConflictPolicy, List<String>> expected = new LinkedHashMap<>();
    expected.put(ConflictPolicy.latestWins(), List.of("from-b", "from-b"));
    expected.put(ConflictPolicy.firstWins(), List.of("from-a", "from-a"));
    expected.put(ConflictPolicy.secondWins(), List.of("from-b", "from-b"));
    expected.put(ConflictPolicy.ownedBy(Map.of("Phone", ConflictPolicy.Side.FIRST), ConflictPolicy.secondWins()),
        List.of("from-a", "from-b"));
    expected.put(c -> io.crmsync.twoway.Resolution.value(c.field() + "!"), List.of("Phone!", "Title!"));
    boolean fresh = true;
    for (Map.Entry<ConflictPolicy, List<String>> e : expected.entrySet()) {
      if (!fresh) { // each policy starts on an empty backend and empty CRMs
        tearDownTwoWay();
        setUpTwoWay();
      }
      fresh = false;
      a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev")));
      TwoWaySync sync = sync().conflicts(e.getKey()).build();
      runs(sync);

      a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "from-a", "Title", "from-a"));
      time.advance(Duration.ofSeconds(5));
      b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b", "Title", "from-b"));
      TwoWayReport report = runs(sync);

      Map<String, Object> agreed = Map.of(Contact.Fields.EMAIL, "ann@x.io",
          "Phone", e.getValue().get(0), "Title", e.getValue().get(1));
      assertThat(on(a, "ann@x.io")).isEqualTo(agreed);
      assertThat(on(b, "ann@x.io")).isEqualTo(agreed);
      assertThat(report.conflictsResolved()).isEqualTo(2);
      quiet(sync);
    }
  }

  @Test
  void latestWinsTakesTheRecordModifiedLast() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1")));
    TwoWaySync sync = sync().build();
    runs(sync);

    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "older"));
    time.advance(Duration.ofSeconds(5));
    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "newer"));
    runs(sync);
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "newer");
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "newer");

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "older"));
    time.advance(Duration.ofSeconds(5));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "newest"));
    runs(sync);
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "newest");
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "newest");
    quiet(sync);
  }

  @Test
  void fieldsOwnedByASideTakeItsValueAndTheRestFollowTheFallback() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev")));
    TwoWaySync sync = sync()
        .conflicts(ConflictPolicy.ownedBy(Map.of("Phone", ConflictPolicy.Side.FIRST), ConflictPolicy.secondWins()))
        .build();
    runs(sync);

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "from-a", "Title", "from-a"));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b", "Title", "from-b"));
    runs(sync);

    Map<String, Object> expected = Map.of(Contact.Fields.EMAIL, "ann@x.io", "Phone", "from-a", "Title", "from-b");
    assertThat(on(a, "ann@x.io")).isEqualTo(expected);
    assertThat(on(b, "ann@x.io")).isEqualTo(expected);
    quiet(sync);
  }

  @Test
  void aPairInReviewIsWrittenNowhereUntilResolved() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1"), contact("bob@x.io", "Phone", "1")));
    TwoWaySync sync = sync().conflicts(ConflictPolicy.review()).build();
    runs(sync);

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "from-a"));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b"));
    a.edit(C, idOf(a, "bob@x.io"), Map.of("Title", "CTO"));
    TwoWayReport report = runs(sync);

    assertThat(report.sentToReview()).isEqualTo(1);
    assertThat(on(b, "bob@x.io")).as("the rest lands").containsEntry("Title", "CTO");
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "from-a");
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "from-b");
    assertThat(sync.conflicts(10)).singleElement().satisfies(c -> {
      assertThat(c.firstId()).isEqualTo(idOf(a, "ann@x.io"));
      assertThat(c.secondId()).isEqualTo(idOf(b, "ann@x.io"));
      assertThat(c.first()).containsEntry("Phone", "from-a");
      assertThat(c.second()).containsEntry("Phone", "from-b");
      assertThat(c.base()).containsEntry("Phone", "1");
      assertThat(c.reason()).contains("Phone");
    });
    assertThat(backend.stateStore().deadLetters(DeadLetterQuery.job(sync.jobId()).operation(DeadLetter.Operation.UPSERT)))
        .as("a review is not a failure").isEmpty();

    runs(sync);
    assertThat(sync.conflicts(10)).as("still waiting on a person").hasSize(1);
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "from-a");

    sync.resolve(idOf(a, "ann@x.io"), ConflictPolicy.Side.SECOND);
    assertThat(sync.conflicts(10)).isEmpty();
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "from-b");
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "from-b");
    quiet(sync);
    assertThatThrownBy(() -> sync.resolve("no-such-id", ConflictPolicy.Side.FIRST))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-id");
  }

  @Test
  void aPairInReviewStaysHeldThroughLaterEditsAndIsResolvedOnTheirLatestValues() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev")));
    TwoWaySync sync = sync().conflicts(ConflictPolicy.review()).build();
    runs(sync);
    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "from-a"));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b"));
    runs(sync);
    assertThat(sync.conflicts(10)).hasSize(1);

    // one side edits again while the pair waits: nothing moves, and the review shows the new version
    time.advance(Duration.ofSeconds(5));
    a.edit(C, idOf(a, "ann@x.io"), Map.of("Title", "CTO"));
    runs(sync);
    assertThat(on(b, "ann@x.io")).as("held: written nowhere").containsEntry("Title", "Dev");
    time.advance(Duration.ofSeconds(5));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b-again"));
    runs(sync);
    assertThat(on(a, "ann@x.io")).as("held: written nowhere").containsEntry("Phone", "from-a");
    assertThat(sync.conflicts(10)).singleElement().satisfies(c -> {
      assertThat(c.first()).containsEntry("Title", "CTO").containsEntry("Phone", "from-a");
      assertThat(c.second()).containsEntry("Phone", "from-b-again");
    });

    sync.resolve(idOf(a, "ann@x.io"), ConflictPolicy.Side.FIRST);
    Map<String, Object> agreed = Map.of(Contact.Fields.EMAIL, "ann@x.io", "Phone", "from-a", "Title", "CTO");
    assertThat(on(a, "ann@x.io")).isEqualTo(agreed);
    assertThat(on(b, "ann@x.io")).isEqualTo(agreed);
    quiet(sync);
  }

  @Test
  void aPairResolvedWithChosenValuesGetsThemOnBothSides() {
    a.seed(List.of(contact("ann@x.io", "Phone", "1")));
    TwoWaySync sync = sync().conflicts(ConflictPolicy.review()).build();
    runs(sync);
    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "from-a"));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b"));
    runs(sync);

    ConflictInReview c = sync.conflicts(1).get(0);
    Map<String, Object> chosen = new LinkedHashMap<>(c.second());
    chosen.put("Phone", "agreed");
    sync.resolve(c.firstId(), chosen);

    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "agreed");
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "agreed");
    quiet(sync);
  }

  @Test
  void deletionsReachTheOtherSideOnlyWhereThePolicySaysSo() {
    a.seed(List.of(contact("ann@x.io"), contact("bob@x.io")));
    TwoWaySync sync = sync().whenFirstDeletes(DeletePolicy.DELETE).whenSecondDeletes(DeletePolicy.IGNORE).build();
    runs(sync);

    a.delete(C, List.of(idOf(a, "ann@x.io")));
    b.delete(C, List.of(idOf(b, "bob@x.io")));
    runs(sync);

    assertThat(b.recordsBy(C, MatchKey.email())).doesNotContainKey("ann@x.io");
    assertThat(a.recordsBy(C, MatchKey.email())).as("the second side's deletions are ignored").containsKey("bob@x.io");
    runs(sync);
    assertThat(b.recordsBy(C, MatchKey.email())).doesNotContainKey("bob@x.io");
  }

  @Test
  void aMappingIsAppliedOneWayAndInvertedTheOther() {
    RecordMapper renames = new RecordMapper() {
      @Override
      public CrmRecord map(CrmRecord r, Direction d) {
        String from = d == Direction.TO_TARGET ? "phone_number" : "Phone";
        String to = d == Direction.TO_TARGET ? "Phone" : "phone_number";
        Map<String, Object> f = new LinkedHashMap<>(r.fields());
        Object v = f.remove(from);
        if (v != null) {
          f.put(to, v);
        }
        return r.withFields(f);
      }
    };
    a.seed(List.of(contact("ann@x.io", "phone_number", "1")));
    TwoWaySync sync = sync().mapping(renames).build();
    runs(sync);
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "1").doesNotContainKey("phone_number");

    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "2"));
    runs(sync);
    assertThat(on(a, "ann@x.io")).containsEntry("phone_number", "2").doesNotContainKey("Phone");
    quiet(sync);
  }

  @Test
  void aMergeTheFirstSideMissedBecauseItsPassFailedIsWrittenByTheNextRun() {
    AtomicInteger failWritesToA = new AtomicInteger();
    a = FakeCrm.builder().id("a").timeSource(time).faults((op, type, records) ->
        op.equals("upsert") && failWritesToA.getAndDecrement() > 0
            ? new CrmUnavailableException("a", 503, null, "down for maintenance", null) : null).build();
    a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev")));
    TwoWaySync sync = sync().retryPolicy(dev.failsafe.RetryPolicy.builder().withMaxRetries(0).build()).build();
    runs(sync);

    a.edit(C, idOf(a, "ann@x.io"), Map.of("Phone", "2"));
    b.edit(C, idOf(b, "ann@x.io"), Map.of("Title", "CTO"));
    failWritesToA.set(1_000);
    time.advance(Duration.ofMinutes(1));
    TwoWayReport failed = sync.run();
    assertThat(failed.completed()).isFalse();
    assertThat(on(b, "ann@x.io")).containsEntry("Phone", "2").containsEntry("Title", "CTO");
    assertThat(on(a, "ann@x.io")).containsEntry("Title", "Dev");

    failWritesToA.set(0);
    runs(sync);
    Map<String, Object> expected = Map.of(Contact.Fields.EMAIL, "ann@x.io", "Phone", "2", "Title", "CTO");
    assertThat(on(a, "ann@x.io")).isEqualTo(expected);
    assertThat(on(b, "ann@x.io")).isEqualTo(expected);
    quiet(sync);
  }

  @Test
  void aWriteBackThatFailedIsTriedAgainWithTheSecondSidesCurrentValuesNotStaleOnes() {
    java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
    FakeCrm fake = a;
    io.crmsync.adapter.CRMAdapter refusing = new io.crmsync.adapter.CRMAdapter() {
      @Override
      public String id() {
        return fake.id();
      }

      @Override
      public io.crmsync.adapter.AdapterCapabilities capabilities() {
        return fake.capabilities();
      }

      @Override
      public io.crmsync.adapter.Page read(io.crmsync.adapter.ReadRequest request) {
        return fake.read(request);
      }

      @Override
      public List<io.crmsync.adapter.RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
        // records whose email is refused fail alone, transiently; the rest land
        List<CrmRecord> passing = new java.util.ArrayList<>();
        for (CrmRecord r : records) {
          if (!refused.contains(r.fields().get(Contact.Fields.EMAIL))) {
            passing.add(r);
          }
        }
        List<io.crmsync.adapter.RecordResult> landed = passing.isEmpty() ? List.of() : fake.upsert(objectType, passing, key);
        List<io.crmsync.adapter.RecordResult> out = new java.util.ArrayList<>();
        int next = 0;
        for (int i = 0; i < records.size(); i++) {
          if (refused.contains(records.get(i).fields().get(Contact.Fields.EMAIL))) {
            out.add(io.crmsync.adapter.RecordResult.failed(i,
                io.crmsync.adapter.RecordError.transientError("UNABLE_TO_LOCK_ROW", "record locked")));
          } else {
            io.crmsync.adapter.RecordResult r = landed.get(next++);
            out.add(new io.crmsync.adapter.RecordResult(i, r.status(), r.id(), r.error()));
          }
        }
        return out;
      }

      @Override
      public List<io.crmsync.adapter.RecordResult> delete(String objectType, List<String> ids) {
        return fake.delete(objectType, ids);
      }

      @Override
      public java.util.Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
        return fake.lookup(objectType, key, value);
      }

      @Override
      public List<io.crmsync.adapter.FieldInfo> describe(String objectType) {
        return fake.describe(objectType);
      }

      @Override
      public void close() {}
    };
    a.seed(List.of(contact("ann@x.io", "Phone", "1", "Title", "Dev"), contact("bob@x.io", "Phone", "1")));
    TwoWaySync sync = TwoWaySync.builder().first(refusing).second(b).backend(backend).timeSource(time)
        .retryPolicy(dev.failsafe.RetryPolicy.builder().withMaxRetries(0).build()).build();
    runs(sync);

    b.edit(C, idOf(b, "ann@x.io"), Map.of("Phone", "from-b"));
    b.edit(C, idOf(b, "bob@x.io"), Map.of("Phone", "2"));
    refused.add("ann@x.io");
    TwoWayReport partly = runs(sync);
    assertThat(partly.deadLettered()).as("%s", partly).isEqualTo(1);
    assertThat(on(a, "bob@x.io")).containsEntry("Phone", "2");
    assertThat(on(a, "ann@x.io")).containsEntry("Phone", "1");

    // meanwhile the first side changes another field of the record its letter holds an older version of
    refused.clear();
    time.advance(Duration.ofSeconds(5));
    a.edit(C, idOf(a, "ann@x.io"), Map.of("Title", "CTO"));
    runs(sync);
    Map<String, Object> expected = Map.of(Contact.Fields.EMAIL, "ann@x.io", "Phone", "from-b", "Title", "CTO");
    assertThat(on(a, "ann@x.io")).isEqualTo(expected);
    assertThat(on(b, "ann@x.io")).isEqualTo(expected);
    assertThat(backend.stateStore().deadLetters(DeadLetterQuery.job(sync.jobId() + ":to-a"))).as("cleared").isEmpty();
    quiet(sync);
  }
}

package io.crmsync.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.backend.SyncBackend;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.DeletePolicy;
import io.crmsync.twoway.TwoWayReport;
import io.crmsync.twoway.TwoWaySync;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever both sides do between runs (edits, creations, deletions, conflicting edits) and whatever fails
 * on the way (refused requests, answers lost after the side acted), once the faults stop both sides hold
 * the same records with the same values, and a further run writes nothing.
 */
class TwoWayConvergenceProperties {
  private static final String C = ObjectTypes.CONTACT;
  private static final List<String> FIELDS = List.of("FirstName", "Phone", "Title");

  /** One step between runs: who does what to which record. */
  record Step(boolean onFirst, int kind, int record, int field, int value) {}

  @Provide
  Arbitrary<List<List<Step>>> rounds() {
    Arbitrary<Step> step = Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 9),
        Arbitraries.integers().between(0, 39), Arbitraries.integers().between(0, FIELDS.size() - 1),
        Arbitraries.integers().between(0, 3)).as(Step::new);
    return step.list().ofMaxSize(12).list().ofMinSize(1).ofMaxSize(5);
  }

  // a fixed seed keeps the build repeatable (its first 300 tries pass); when changing the engine, explore with
  // another seed, or none, and many more tries
  @Property(tries = 40, seed = "-1501738653223184445")
  void bothSidesConvergeAndQuietRunsWriteNothing(
      @ForAll long seed,
      @ForAll("rounds") List<List<Step>> rounds,
      @ForAll @IntRange(min = 0, max = 3) int policyIndex,
      @ForAll boolean firstDeletes,
      @ForAll boolean secondDeletes,
      @ForAll @DoubleRange(min = 0, max = 0.25) double faultRate,
      @ForAll @IntRange(min = 1, max = 3) int workers) throws Exception {
    FakeTimeSource time = new FakeTimeSource();
    FakeCrm a = FakeCrm.builder().id("a").timeSource(time).build();
    FakeCrm b = FakeCrm.builder().id("b").timeSource(time).build();
    Random random = new Random(seed);
    for (int i = 0; i < 20; i++) {
      FakeCrm side = i % 3 == 0 ? b : a;
      side.seed(List.of(contact(i, random)));
      if (i % 5 == 0) {
        time.advance(Duration.ofSeconds(1));
        (side == a ? b : a).seed(List.of(contact(i, random))); // on both before the first run
      }
    }
    Flaky first = new Flaky(a, new Random(seed + 1));
    Flaky second = new Flaky(b, new Random(seed + 2));
    ConflictPolicy policy = List.of(ConflictPolicy.latestWins(), ConflictPolicy.firstWins(), ConflictPolicy.secondWins(),
        ConflictPolicy.ownedBy(Map.of("Phone", ConflictPolicy.Side.SECOND), ConflictPolicy.latestWins())).get(policyIndex);
    try (SyncBackend backend = SyncBackend.inMemory(time)) {
      TwoWaySync sync = TwoWaySync.builder().first(first).second(second).backend(backend).timeSource(time)
          .workers(workers).conflicts(policy)
          .whenFirstDeletes(firstDeletes ? DeletePolicy.DELETE : DeletePolicy.IGNORE)
          .whenSecondDeletes(secondDeletes ? DeletePolicy.DELETE : DeletePolicy.IGNORE)
          .build();

      Map<FakeCrm, java.util.Set<String>> deletedOn = Map.of(a, new java.util.HashSet<>(), b, new java.util.HashSet<>());
      for (List<Step> round : rounds) {
        for (Step s : round) {
          time.advance(Duration.ofSeconds(1 + s.value()));
          FakeCrm side = s.onFirst() ? a : b;
          if (apply(s, side, random)) {
            deletedOn.get(side).add("c" + s.record() + "@x.io");
          }
        }
        first.rate = faultRate;
        second.rate = faultRate;
        time.advance(Duration.ofMinutes(1));
        sync.run(); // may fail: the next run picks up what it left
      }

      first.rate = 0;
      second.rate = 0;
      TwoWayReport last = null;
      for (int i = 0; i < 4; i++) {
        time.advance(Duration.ofMinutes(1));
        last = sync.run();
        assertThat(last.completed()).as("%s", last).isTrue();
      }
      assertThat(last.written()).as("a run after three quiet ones writes nothing: %s", last).isZero();
      Map<String, Map<String, Object>> onA = live(a);
      Map<String, Map<String, Object>> onB = live(b);
      for (String email : onA.keySet()) {
        if (onB.containsKey(email)) {
          assertThat(onA.get(email)).as("%s on both sides", email).isEqualTo(onB.get(email));
        } else {
          assertThat(deletedOn.get(b)).as("%s only on the first side: deleted on the second, which is ignored", email)
              .contains(email);
          assertThat(secondDeletes).as("%s only on the first side", email).isFalse();
        }
      }
      for (String email : onB.keySet()) {
        if (!onA.containsKey(email)) {
          assertThat(deletedOn.get(a)).as("%s only on the second side: deleted on the first, which is ignored", email)
              .contains(email);
          assertThat(firstDeletes).as("%s only on the second side", email).isFalse();
        }
      }
    }
  }

  private static CrmRecord contact(int i, Random random) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put(Contact.Fields.EMAIL, "c" + i + "@x.io");
    for (String name : FIELDS) {
      if (random.nextInt(3) > 0) {
        f.put(name, name.charAt(0) + "" + random.nextInt(4));
      }
    }
    return new CrmRecord(C, null, f, null, false);
  }

  /** kind 0-6 edits, 7-8 creates, 9 deletes; whether it deleted. */
  private static boolean apply(Step s, FakeCrm side, Random random) {
    String email = "c" + s.record() + "@x.io";
    CrmRecord r = side.recordsBy(C, MatchKey.email()).get(email);
    if (s.kind() <= 6 && r != null) {
      side.edit(C, r.id(), Map.of(FIELDS.get(s.field()), FIELDS.get(s.field()).charAt(0) + "" + s.value()));
    } else if (s.kind() <= 8 && r == null) {
      side.seed(List.of(contact(s.record(), random)));
    } else if (s.kind() == 9 && r != null) {
      side.delete(C, List.of(r.id()));
      return true;
    }
    return false;
  }

  /** Each live record's fields, by email. */
  private static Map<String, Map<String, Object>> live(FakeCrm side) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (CrmRecord r : side.records(C)) {
      out.put((String) r.fields().get(Contact.Fields.EMAIL), new TreeMap<>(r.fields()));
    }
    return out;
  }

  /** Fails calls at a rate: refused before the side acts, or the answer lost after it did. */
  static final class Flaky implements CRMAdapter {
    private final FakeCrm crm;
    private final Random random;
    volatile double rate;

    Flaky(FakeCrm crm, Random random) {
      this.crm = crm;
      this.random = random;
    }

    private synchronized boolean roll() {
      return rate > 0 && random.nextDouble() < rate;
    }

    private CrmUnavailableException fault(String what) {
      return new CrmUnavailableException(crm.id(), 503, null, what + " (injected)", null);
    }

    @Override
    public String id() {
      return crm.id();
    }

    @Override
    public AdapterCapabilities capabilities() {
      return crm.capabilities();
    }

    @Override
    public Page read(ReadRequest request) {
      if (roll()) {
        throw fault("read refused");
      }
      return crm.read(request);
    }

    @Override
    public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
      if (roll()) {
        throw fault("upsert refused");
      }
      List<RecordResult> out = crm.upsert(objectType, records, key);
      if (roll()) {
        throw fault("upsert applied, answer lost");
      }
      return out;
    }

    @Override
    public List<RecordResult> delete(String objectType, List<String> ids) {
      if (roll()) {
        throw fault("delete refused");
      }
      List<RecordResult> out = crm.delete(objectType, ids);
      if (roll()) {
        throw fault("delete applied, answer lost");
      }
      return out;
    }

    @Override
    public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
      return crm.lookup(objectType, key, value);
    }

    @Override
    public List<FieldInfo> describe(String objectType) {
      if (roll()) {
        throw fault("describe refused");
      }
      return crm.describe(objectType);
    }
  }
}

package io.crmsync.benchmarks;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.backend.SyncBackend;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.twoway.TwoWayReport;
import io.crmsync.twoway.TwoWaySync;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What keeping two systems in agreement field by field costs, against the cheapest way to move the same
 * changes: two one-way incremental syncs (one each way, echoes suppressed), which lose one side's change
 * when both sides edit a record but read and write the same records otherwise.
 *
 * <p>Both setups hold the same linked contacts (paired by a first run, not measured). Each round edits 1%
 * of the records on each side (a different field on each side, some records on both), then runs the
 * two-way sync on one setup and the pair of one-way syncs on the other, alternating which goes first.
 * Prints each round's time, the requests each made per changed record, and the medians. Time in the CRMs
 * and the engine is a fake clock moved an hour between rounds, so that incremental reads see exactly the
 * round's edits; durations are wall-clock.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -Xmx2g -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.TwoWaySyncBenchmark [records] [rounds]
 * </pre>
 *
 * Defaults: 100,000 records, 5 rounds.
 */
public final class TwoWaySyncBenchmark {
  private TwoWaySyncBenchmark() {}

  public static void main(String[] args) {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int changed = Math.max(1, records / 100);
    System.out.printf(Locale.ROOT, "TwoWaySyncBenchmark: %,d linked records, %,d edits on each side per round, %d rounds, "
            + "max heap %,d MB, %d cores%n",
        records, changed, rounds, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

    FakeTimeSource time = new FakeTimeSource();
    List<CrmRecord> seed = Benchmarks.contacts(records);
    Setup two = new Setup("two-way", time, seed);
    Setup one = new Setup("one-way", time, seed);

    TwoWaySync twoWay = TwoWaySync.builder().first(two.a).second(two.b).backend(SyncBackend.inMemory(time))
        .timeSource(time).build();
    SyncBackend oneWayState = SyncBackend.inMemory(time);
    CRMSync aToB = oneWay(one.a, one.b, oneWayState, time);
    CRMSync bToA = oneWay(one.b, one.a, oneWayState, time);

    long t0 = System.nanoTime();
    TwoWayReport first = twoWay.run();
    double twoFirst = (System.nanoTime() - t0) / 1e9;
    check(first.completed() && first.written() == records, first);
    t0 = System.nanoTime();
    check(aToB.run().written() == records, "one-way first run");
    check(bToA.run().status() == SyncReport.Status.COMPLETED, "one-way first run back");
    double oneFirst = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "first run (pairs %,d records): two-way %.1f s, one-way pair %.1f s%n",
        records, twoFirst, oneFirst);
    two.index();
    one.index();

    double[] twoSeconds = new double[rounds];
    double[] oneSeconds = new double[rounds];
    double[] twoRequests = new double[rounds];
    double[] oneRequests = new double[rounds];
    Random random = new Random(42);
    for (int r = 0; r < rounds; r++) {
      List<Integer> onA = pick(random, records, changed);
      List<Integer> onB = pick(random, records, changed);
      // a tenth of the records edited on b are also edited on a: different fields, so both changes must land
      for (int i = 0; i < changed / 10; i++) {
        onB.set(i, onA.get(i));
      }
      time.advance(Duration.ofHours(1));
      for (Setup s : List.of(two, one)) {
        s.edit(onA, onB, r);
      }
      time.advance(Duration.ofMinutes(1));
      int rr = r;
      Runnable runTwo = () -> {
        two.clearRequests();
        long start = System.nanoTime();
        TwoWayReport report = twoWay.run();
        twoSeconds[rr] = (System.nanoTime() - start) / 1e9;
        check(report.completed() && report.deadLettered() == 0, report);
        twoRequests[rr] = two.requests();
      };
      Runnable runOne = () -> {
        one.clearRequests();
        long start = System.nanoTime();
        SyncReport there = aToB.run();
        SyncReport back = bToA.run();
        oneSeconds[rr] = (System.nanoTime() - start) / 1e9;
        check(there.status() == SyncReport.Status.COMPLETED && back.status() == SyncReport.Status.COMPLETED,
            there + " / " + back);
        oneRequests[rr] = one.requests();
      };
      if (r % 2 == 0) {
        runTwo.run();
        runOne.run();
      } else {
        runOne.run();
        runTwo.run();
      }
      int lostByOneWay = one.disagreements(onA, onB, r); // expected: the records edited on both sides
      check(two.disagreements(onA, onB, r) == 0, "the two-way sync lost an edit in round " + (r + 1));
      int edits = onA.size() + onB.size();
      java.util.Set<Integer> both = new java.util.HashSet<>(onA);
      both.retainAll(onB);
      System.out.printf(Locale.ROOT, "round %d: two-way %.2f s, %.2f requests per edit; one-way pair %.2f s, %.2f "
              + "requests per edit, %d of %d records edited on both sides lost an edit%n",
          r + 1, twoSeconds[r], twoRequests[r] / edits, oneSeconds[r], oneRequests[r] / edits, lostByOneWay,
          both.size());
    }
    double ts = Benchmarks.median(twoSeconds);
    double os = Benchmarks.median(oneSeconds);
    int edits = 2 * changed;
    System.out.printf(Locale.ROOT, "median: two-way %.2f s (%.2f requests per edit), one-way pair %.2f s (%.2f requests "
            + "per edit), time ratio %.2f%n",
        ts, Benchmarks.median(twoRequests) / edits, os, Benchmarks.median(oneRequests) / edits, ts / os);
  }

  private static CRMSync oneWay(FakeCrm from, FakeCrm to, SyncBackend backend, FakeTimeSource time) {
    return CRMSync.builder().source(from).target(to).backend(backend).timeSource(time).incremental(true)
        .twoWay(true).jobId(from.id() + "->" + to.id()).build();
  }

  private static List<Integer> pick(Random random, int records, int n) {
    List<Integer> out = new ArrayList<>(n);
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    while (out.size() < n) {
      int i = random.nextInt(records);
      if (seen.add(i)) {
        out.add(i);
      }
    }
    return out;
  }

  private static void check(boolean ok, Object what) {
    if (!ok) {
      throw new IllegalStateException("benchmark run did not sync cleanly: " + what);
    }
  }

  /** Two CRMs seeded alike, and the ids of their records by seed index once linked. */
  private static final class Setup {
    final FakeCrm a;
    final FakeCrm b;
    final List<CrmRecord> seed;
    String[] aIds;
    String[] bIds;

    Setup(String name, FakeTimeSource time, List<CrmRecord> seed) {
      this.seed = seed;
      this.a = FakeCrm.builder().id("a").timeSource(time).logRequests(true).build();
      this.b = FakeCrm.builder().id("b").timeSource(time).logRequests(true).build();
      a.seed(seed);
    }

    void index() {
      Map<String, CrmRecord> onA = a.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
      Map<String, CrmRecord> onB = b.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
      aIds = new String[seed.size()];
      bIds = new String[seed.size()];
      for (int i = 0; i < seed.size(); i++) {
        String email = (String) seed.get(i).fields().get(Contact.Fields.EMAIL);
        aIds[i] = onA.get(email).id();
        bIds[i] = onB.get(email).id();
      }
    }

    void edit(List<Integer> onA, List<Integer> onB, int round) {
      for (int i : onA) {
        a.edit(ObjectTypes.CONTACT, aIds[i], Map.of(Contact.Fields.TITLE, title(round, i)));
      }
      for (int i : onB) {
        b.edit(ObjectTypes.CONTACT, bIds[i], Map.of(Contact.Fields.PHONE, phone(round, i)));
      }
    }

    /** How many edited records do not hold every edit of the round on both sides. */
    int disagreements(List<Integer> onA, List<Integer> onB, int round) {
      java.util.Set<Integer> touched = new java.util.HashSet<>(onA);
      touched.addAll(onB);
      java.util.Set<Integer> titled = new java.util.HashSet<>(onA);
      java.util.Set<Integer> phoned = new java.util.HashSet<>(onB);
      int bad = 0;
      for (int i : touched) {
        Map<String, Object> x = a.get(ObjectTypes.CONTACT, aIds[i]).orElseThrow().fields();
        Map<String, Object> y = b.get(ObjectTypes.CONTACT, bIds[i]).orElseThrow().fields();
        boolean ok = true;
        if (titled.contains(i)) {
          ok &= title(round, i).equals(x.get(Contact.Fields.TITLE)) && title(round, i).equals(y.get(Contact.Fields.TITLE));
        }
        if (phoned.contains(i)) {
          ok &= phone(round, i).equals(x.get(Contact.Fields.PHONE)) && phone(round, i).equals(y.get(Contact.Fields.PHONE));
        }
        if (!ok) {
          bad++;
        }
      }
      return bad;
    }

    static String title(int round, int i) {
      return "title-" + round + "-" + i;
    }

    static String phone(int round, int i) {
      return "+1415666" + String.format(Locale.ROOT, "%04d", (i + round) % 10_000);
    }

    void clearRequests() {
      a.clearRequests();
      b.clearRequests();
    }

    long requests() {
      return a.requests().size() + b.requests().size();
    }
  }
}

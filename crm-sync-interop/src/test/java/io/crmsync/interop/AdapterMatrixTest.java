package io.crmsync.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ordered pair of the six adapters: {@value #CONTACTS} contacts from one CRM's emulator into another's through
 * the engine with its defaults, every emulator strict, answering {@value #FAULT_PERCENT}% of requests with a fault
 * drawn by its seeded random (server errors, HTML error pages, answers cut short or garbled or lost after the server
 * acted), keeping the limits its vendor documents for a common plan, and expiring its access tokens every few seconds
 * (Zoho every two minutes, as often as its accounts server allows).
 *
 * <p>Afterwards the target holds every source contact once, with the same value of every field it holds and none of
 * the source's owner ids; no run dead-lettered a contact the target in fact holds; the last run completed with
 * nothing dead-lettered; and neither emulator refused a request its vendor would refuse.
 *
 * <p>With {@code INTEROP_HARD=1}, pages and batches of ten make each pair take dozens of calls on each side and
 * outlive many tokens, and a {@link FaultScript} makes the kinds of fault each emulator has (its 429 and a refused
 * token included) fall in turn, on the source after every second page read and on the target after every third
 * batch written. {@code INTEROP_PAIRS=HUBSPOT-ZOHO,ZOHO-SUGARCRM} runs only the pairs named, and prints their reports.
 */
class AdapterMatrixTest {
  /**
   * Whether to run the harder configuration: pages of {@value #HARD_PAGE} and batches of {@value #HARD_BATCH}, so that
   * a pair takes dozens of calls and outlives many tokens, and a {@link FaultScript}. Set {@code INTEROP_HARD=1}; the
   * README lists what it finds.
   */
  static final boolean HARD = "1".equals(System.getenv("INTEROP_HARD"));
  static final int CONTACTS = 1_000;
  static final int FAULT_PERCENT = 5;
  static final int HARD_PAGE = 10;
  static final int HARD_BATCH = 10;
  static final int SCRIPT_ROUNDS = HARD ? 2 : 0;
  private static final List<Row> ROWS = Collections.synchronizedList(new ArrayList<>());

  static Stream<Arguments> pairs() {
    String only = System.getenv("INTEROP_PAIRS");
    List<Arguments> pairs = new ArrayList<>();
    for (Crm from : Crm.values()) {
      for (Crm to : Crm.values()) {
        if (from != to && (only == null || only.contains(from + "-" + to))) {
          pairs.add(Arguments.of(from, to));
        }
      }
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("pairs")
  void contactsArriveWhole(Crm from, Crm to) {
    WireClock clock = new WireClock();
    Conditions conditions = new Conditions(clock, 1_000L * from.ordinal() + to.ordinal(), FAULT_PERCENT / 100.0, true,
        Duration.ofSeconds(4), Duration.ofMillis(400));
    try (Side source = from.open(conditions); Side target = to.open(conditions)) {
      source.seed(People.contacts(from.name().substring(0, 2).toLowerCase(Locale.ROOT), CONTACTS));
      FaultScript script = new FaultScript(source, target, SCRIPT_ROUNDS, 2, 3);
      CRMSync.Builder b = CRMSync.builder().source(source.adapter()).target(target.adapter()).timeSource(clock)
          .listener(script).jobId(source.name() + "-to-" + target.name());
      if (HARD) {
        b.readPageSize(HARD_PAGE).batchSize(HARD_BATCH);
      }
      CRMSync sync = b.build();

      long started = System.nanoTime();
      List<SyncReport> reports = Syncs.runUntilDone(sync, 3, target);
      Duration wall = Duration.ofNanos(System.nanoTime() - started);
      if (System.getenv("INTEROP_PAIRS") != null) {
        reports.forEach(System.out::println);
        System.out.println("scripted: " + script.injected());
      }

      Syncs.assertSameContacts(source, target);
      Counts s = source.counts();
      Counts t = target.counts();
      ROWS.add(new Row(source + " -> " + target, reports.size(), s, t, script.count(),
          reports.stream().mapToLong(SyncReport::retries).sum(),
          reports.stream().mapToLong(SyncReport::rateLimited).sum(), clock.elapsed(), wall, clock.heldBack(),
          clock.cutShort()));
      assertThat(s.refusedBesidesExpiredTokens()).as("refused by %s (the source)", source).isEmpty();
      assertThat(t.refusedBesidesExpiredTokens()).as("refused by %s (the target)", target).isEmpty();
      assertThat(reports.get(reports.size() - 1).deadLettered()).isZero();
      if (HARD) {
        assertThat(s.faults() + s.rateLimited()).as("faults and 429s served by %s", source).isPositive();
        assertThat(t.faults() + t.rateLimited()).as("faults and 429s served by %s", target).isPositive();
      }
    }
  }

  /** What one pair cost. */
  record Row(String pair, int runs, Counts source, Counts target, int scripted, long retries, long engineRateLimited,
      Duration clock, Duration wall, long heldBack, long cutShort) {

    long faults() {
      return source.faults() + target.faults();
    }

    long rateLimited() {
      return source.rateLimited() + target.rateLimited();
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "| %s | %d | %d + %d | %d + %d | %d | %d | %d / %d | %d | %d | %d s | %.1f s | %d / %d |",
          pair, runs, source.apiRequests(), target.apiRequests(), source.tokenRequests(), target.tokenRequests(),
          scripted, faults(), source.rateLimited(), target.rateLimited(), retries, engineRateLimited,
          clock.toSeconds(), wall.toMillis() / 1000.0, heldBack, cutShort);
    }
  }

  @AfterAll
  static void printTable() {
    List<Row> rows = new ArrayList<>(ROWS);
    rows.sort((a, b) -> a.pair().compareTo(b.pair()));
    System.out.println("| pair | runs | API requests (source + target) | token requests | faults scripted | faults served"
        + " | 429s (source / target) | engine retries | engine rate-limited | fake clock | wall time | held / cut short |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    if (!rows.isEmpty()) {
      System.out.printf(Locale.ROOT, "medians over %d pairs of %d contacts: API requests %d, faults served %d, 429s %d,"
              + " engine retries %d, fake clock %d s, wall time %.1f s%n", rows.size(), CONTACTS,
          median(rows, r -> r.source().apiRequests() + r.target().apiRequests()), median(rows, Row::faults),
          median(rows, Row::rateLimited), median(rows, Row::retries), median(rows, r -> r.clock().toSeconds()),
          median(rows, r -> r.wall().toMillis()) / 1000.0);
    }
  }

  private static long median(List<Row> rows, ToLongFunction<Row> f) {
    long[] v = rows.stream().mapToLong(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}

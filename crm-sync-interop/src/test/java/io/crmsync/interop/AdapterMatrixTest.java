package io.crmsync.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ordered pair of the six adapters: {@value #CONTACTS} contacts from one CRM's emulator into another's through
 * the engine with its defaults, every emulator strict, answering {@value #FAULT_PERCENT}% of requests with a fault,
 * keeping the limits its vendor documents for a common plan, and expiring its access tokens every few seconds (Zoho
 * every two minutes, as often as its accounts server allows). Afterwards the target holds every source contact once,
 * with the same value of every field it holds and none of the source's owner ids, and neither emulator refused a
 * request.
 */
class AdapterMatrixTest {
  static final int CONTACTS = 1_000;
  static final int FAULT_PERCENT = 6;
  private static final List<String> ROWS = Collections.synchronizedList(new ArrayList<>());

  static Stream<Arguments> pairs() {
    List<Arguments> pairs = new ArrayList<>();
    for (Crm from : Crm.values()) {
      for (Crm to : Crm.values()) {
        if (from != to && (System.getenv("INTEROP_PAIRS") == null || System.getenv("INTEROP_PAIRS").contains(from + "-" + to))) {
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
    Conditions conditions = new Conditions(clock, 1_000L * from.ordinal() + to.ordinal(), FAULT_PERCENT / 100.0, true, Duration.ofSeconds(4),
        Duration.ofMillis(400));
    try (Side source = from.open(conditions); Side target = to.open(conditions)) {
      source.seed(People.contacts(from.name().substring(0, 2).toLowerCase(Locale.ROOT), CONTACTS));
      CRMSync sync = CRMSync.builder().source(source.adapter()).target(target.adapter()).timeSource(clock)
          .jobId(source.name() + "-to-" + target.name()).build();

      List<SyncReport> reports = Syncs.runUntilDone(sync, 3);
      if (System.getenv("INTEROP_PAIRS") != null) {
        reports.forEach(System.out::println);
      }

      Syncs.assertSameContacts(source, target);
      Counts s = source.counts();
      Counts t = target.counts();
      ROWS.add(String.format(Locale.ROOT, "| %s -> %s | %d | %d + %d | %d + %d | %d / %d | %d | %s | %d / %d |", source, target,
          reports.size(), s.apiRequests(), t.apiRequests(), s.tokenRequests(), t.tokenRequests(),
          s.rateLimited(), t.rateLimited(), s.faults() + t.faults(), clock.elapsed().toSeconds() + " s",
          clock.heldBack(), clock.cutShort()));
      assertThat(s.refused()).as("refused by %s (the source)", source).isEmpty();
      assertThat(t.refused()).as("refused by %s (the target)", target).isEmpty();
      assertThat(reports.get(reports.size() - 1).deadLettered()).isZero();
    }
  }

  @AfterAll
  static void printTable() {
    System.out.println("| pair | runs | API requests (source + target) | token requests | 429s | faults | clock | held / cut short |");
    ROWS.stream().sorted().forEach(System.out::println);
  }
}

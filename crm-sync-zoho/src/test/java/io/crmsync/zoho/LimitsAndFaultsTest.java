package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Credits, concurrency and faults: typed errors, retried reads, and syncs that lose no record. */
class LimitsAndFaultsTest {
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

  private static List<CrmRecord> contacts(String prefix, int n) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", prefix + i + "@example.com", "lastName", "L" + i)));
    }
    return out;
  }

  private static RetryPolicy<Object> patientRetries() {
    return RetryPolicy.builder()
        .handleIf((r, e) -> e != null && !(e instanceof CrmRequestException || e instanceof CrmAuthenticationException
            || e instanceof CrmConfigurationException || e instanceof IllegalArgumentException))
        .withMaxAttempts(12).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build();
  }

  @Test
  void spentCreditsAreAQuotaNotAWaitAndTheRemainderIsReported() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().dailyCredits(25));
    for (int i = 0; i < 2; i++) {
      assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts("q" + i + "-", 100), MatchKey.email()))
          .allMatch(RecordResult::succeeded);
    }
    assertThat(adapter.creditsRemaining()).as("1 for the fields metadata, 10 per 100 records written").hasValue(4);
    adapter.upsert(ObjectTypes.CONTACT, contacts("q2-", 40), MatchKey.email());
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts("q3-", 10), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> assertThat(e.isQuotaExhausted()).isTrue());
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .as("a read does not retry a spent quota").isInstanceOf(CrmRateLimitException.class);
    assertThat(zoho.rateLimitedCount()).isEqualTo(2);
    assertThat(adapter.creditsRemaining()).hasValue(0);
  }

  @Test
  void aCreditBudgetPacesCallsSoTheAllowanceIsNeverExceeded() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().credits(30, Duration.ofMinutes(1)),
        "creditBudget", "30", "creditWindow", "1m");
    for (int i = 0; i < 10; i++) {
      assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts("p" + i + "-", 100), MatchKey.email()))
          .allMatch(RecordResult::succeeded);
    }
    assertThat(zoho.rateLimitedCount()).isZero();
    assertThat(zoho.creditsUsed()).isEqualTo(101);
    assertThat(clock.totalSlept()).as("101 credits at 30 a minute").isGreaterThanOrEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void aSyncWithZohosLimitsOnKeepsToThemWithoutA429() {
    // a Standard edition's concurrency (10) and its credits scaled down to a minute: 300 in any rolling minute
    ZohoAdapter target = start(ZohoEmulator.builder().concurrency(10).credits(300, Duration.ofMinutes(1)),
        "edition", "standard", "creditBudget", "300", "creditWindow", "1m");
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts("limited", 6_000));
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(4).build().run();
    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(6_000);
    assertThat(zoho.rateLimitedCount()).isZero();
    assertThat(zoho.refusedCount()).isZero();
    assertThat(zoho.creditsUsed()).as("10 per 100 records, 1 for the fields metadata").isEqualTo(601);
    assertThat(clock.totalSlept()).as("601 credits at 300 a minute").isGreaterThanOrEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void callsKeepToTheConcurrencyLimitAndReadsRetryItsRefusals() throws Exception {
    zoho = ZohoEmulator.builder().timeSource(clock).concurrency(2).latency(Duration.ofMillis(40)).build().start();
    for (int i = 0; i < 10; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "L" + i));
    }
    ZohoAdapter polite = Emulated.adapter(zoho, clock, "concurrency", "2");
    polite.describe(ObjectTypes.CONTACT);
    assertThat(parallelReads(polite, 8)).isEqualTo(8 * 10);
    assertThat(zoho.maxConcurrentRequests()).isLessThanOrEqualTo(2);
    assertThat(zoho.rateLimitedCount()).isZero();

    // a refusal for concurrency (another app of the same user holding the slots) is retried by a read;
    // injected rather than provoked so that the count does not depend on thread timing
    zoho.injectFaults(Fault.CONCURRENCY_LIMITED, Fault.CONCURRENCY_LIMITED);
    assertThat(polite.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).as("refused reads retried").hasSize(10);
    assertThat(zoho.rateLimitedCount()).isEqualTo(2);
  }

  private static int parallelReads(ZohoAdapter adapter, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().size()));
      }
      int total = 0;
      for (Future<Integer> f : futures) {
        total += f.get();
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readsRetryFaultsWaitingOnTheClockAndWritesLeaveThatToTheEngine() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    zoho.insert("Contacts", Map.of("Last_Name", "A"));
    adapter.describe(ObjectTypes.CONTACT);
    zoho.injectFaults(Fault.SERVER_ERROR, Fault.HTML_ERROR_PAGE);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    assertThat(clock.sleepCount()).isEqualTo(2);
    zoho.injectFaults(Fault.GARBLED_JSON, Fault.TRUNCATED_BODY, Fault.SERVER_ERROR);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT))).isInstanceOf(CrmUnavailableException.class);
    zoho.injectFaults(Fault.SERVER_ERROR);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts("w", 3), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
    assertThat(zoho.records("Contacts")).hasSize(1);
  }

  @Test
  void aLostUpsertAnswerIsSafeToSendAgain() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    adapter.describe(ObjectTypes.CONTACT);
    zoho.injectFaults(Fault.GARBLED_JSON);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts("lost", 5), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
    assertThat(zoho.records("Contacts")).as("applied before the answer was lost").hasSize(5);
    List<RecordResult> again = adapter.upsert(ObjectTypes.CONTACT, contacts("lost", 5), MatchKey.email());
    assertThat(again).extracting(RecordResult::status).containsOnly(RecordResult.Status.UPDATED);
    assertThat(zoho.records("Contacts")).hasSize(5);
  }

  @Test
  void throughEveryKindOfFaultASyncWritesEachRecordExactlyOnce() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts("f", 2_000));
    ZohoAdapter target = start(ZohoEmulator.builder().seed(3).serverErrorRate(0.04).htmlErrorPageRate(0.02)
        .droppedConnectionRate(0.03).garbledJsonRate(0.03).truncatedBodyRate(0.02).concurrencyLimitedRate(0.03)
        .slowResponses(0.02, Duration.ofSeconds(30)));
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).retryPolicy(patientRetries())
        .build().run();
    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.balanced()).isTrue();
    assertThat(report.deadLettered()).isZero();
    assertThat(report.written()).isEqualTo(2_000);
    assertThat(zoho.faultCount()).isPositive();
    Set<String> emails = new HashSet<>();
    for (Map<String, Object> r : zoho.records("Contacts")) {
      assertThat(emails.add((String) r.get("Email"))).as("once: " + r.get("Email")).isTrue();
    }
    assertThat(emails).hasSize(2_000);
  }

  @Test
  void zohoAsTheSourceUnderFaultsDeliversEachRecordExactlyOnce() {
    ZohoAdapter source = start(ZohoEmulator.builder().seed(5).serverErrorRate(0.1).htmlErrorPageRate(0.05)
        .truncatedBodyRate(0.05).concurrencyLimitedRate(0.05), "readRetries", "8");
    for (int i = 0; i < 4_500; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "S" + i, "Email", "s" + i + "@example.com"));
    }
    FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).retryPolicy(patientRetries())
        .build().run();
    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(4_500);
    assertThat(target.records(ObjectTypes.CONTACT)).hasSize(4_500);
    assertThat(zoho.faultCount()).isPositive();
  }
}

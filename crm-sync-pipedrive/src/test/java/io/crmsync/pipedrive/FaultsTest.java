package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every fault the emulator injects ends as a retry or a typed failure, and no record is lost or doubled. */
class FaultsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  PipedriveEmulator pipedrive;

  @AfterEach
  void stop() {
    if (pipedrive != null) {
      pipedrive.close();
    }
  }

  private PipedriveAdapter start(PipedriveEmulator.Builder b, String... settings) {
    pipedrive = b.timeSource(clock).build().start();
    return Emulated.adapter(pipedrive, clock, settings);
  }

  private static List<CrmRecord> contacts(int from, int to) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "f" + i + "@example.com", "firstName", "F" + i,
          "lastName", "Fault")));
    }
    return out;
  }

  @Test
  void aReadIsRetriedOnServerErrorsHtmlPagesAndTruncatedBodiesWaitingOnTheClock() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    pipedrive.insert("persons", Map.of("name", "A"));
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.injectFaults(Fault.SERVER_ERROR, Fault.HTML_ERROR_PAGE);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    pipedrive.injectFaults(Fault.TRUNCATED_BODY, Fault.DROPPED_CONNECTION);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    assertThat(clock.sleepCount()).isEqualTo(4);
  }

  @Test
  void aReadGivesUpWithATypedErrorAfterItsRetries() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.injectFaults(Fault.SERVER_ERROR, Fault.SERVER_ERROR, Fault.SERVER_ERROR);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmUnavailableException.class, e -> assertThat(e.statusCode()).isEqualTo(500))
        .hasMessageContaining("Internal Server Error");
  }

  @Test
  void aCreateWhoseAnswerWasLostIsUpdatedWhenSentAgainEvenBeforeSearchSeesIt() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().searchIndexLag(Duration.ofSeconds(30)));
    List<CrmRecord> one = contacts(0, 1);
    pipedrive.injectFaults("POST", "/api/v2/persons", Fault.DROPPED_CONNECTION);
    RecordResult lost = adapter.upsert(ObjectTypes.CONTACT, one, MatchKey.email()).get(0);
    assertThat(lost.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(lost.error().retryable()).isTrue();
    assertThat(pipedrive.records("persons")).as("applied before the connection dropped").hasSize(1);

    clock.advance(Duration.ofSeconds(2));
    RecordResult again = adapter.upsert(ObjectTypes.CONTACT, one, MatchKey.email()).get(0);
    assertThat(again.status()).isEqualTo(RecordResult.Status.UPDATED);
    assertThat(again.id()).isEqualTo(pipedrive.records("persons").get(0).path("id").asText());
    assertThat(pipedrive.records("persons")).hasSize(1);
  }

  @Test
  void aTruncatedAnswerToACreateIsRecoveredTheSameWay() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().searchIndexLag(Duration.ofSeconds(30)));
    pipedrive.injectFaults("POST", "/api/v2/persons", Fault.TRUNCATED_BODY);
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 3), MatchKey.email()))
        .filteredOn(r -> !r.succeeded()).singleElement()
        .satisfies(r -> assertThat(r.error().message()).contains("not valid JSON"));
    clock.advance(Duration.ofSeconds(1));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 3), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(pipedrive.records("persons")).hasSize(3);
  }

  @Test
  void oneRecordUpsertedByTwoCallsAtOnceIsCreatedOnce() throws Exception {
    // search lags writes, as Pipedrive's does, and the first create's answer takes 600 ms to come
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().searchIndexLag(Duration.ofSeconds(30))
        .stalledResponses(0, Duration.ofMillis(600)));
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.injectFaults("POST", "/api/v2/persons", Fault.STALLED);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<RecordResult>>> calls = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        calls.add(pool.submit(() -> {
          go.await();
          return adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email());
        }));
      }
      go.countDown();
      for (Future<List<RecordResult>> call : calls) {
        assertThat(call.get(10, TimeUnit.SECONDS)).allMatch(RecordResult::succeeded);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(pipedrive.records("persons")).as("the second call updates what the first created").hasSize(1);
  }

  @Test
  void aWriteFailureOfOneRecordLeavesTheOthersWritten() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder());
    pipedrive.injectFaults("POST", "/api/v2/persons", Fault.SERVER_ERROR);
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, contacts(0, 10), MatchKey.email());
    assertThat(results).filteredOn(r -> !r.succeeded()).hasSize(1)
        .allSatisfy(r -> assertThat(r.error().retryable()).isTrue());
    assertThat(pipedrive.records("persons")).hasSize(9);
  }

  @Test
  void aStalledResponseTimesOutAndTheReadIsRetried() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).stalledResponses(0, Duration.ofMillis(600)).build().start();
    OkHttpClient impatient = Emulated.CLIENT.newBuilder().readTimeout(Duration.ofMillis(150)).build();
    PipedriveAdapter adapter = PipedriveAdapter.create(AdapterConfig.builder("pipedrive")
        .settings(pipedrive.adapterSettings()).timeSource(clock).httpClient(impatient).build());
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.injectFaults(Fault.STALLED);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    pipedrive.injectFaults("POST", "/api/v2/persons", Fault.STALLED);
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email())).singleElement()
        .satisfies(r -> assertThat(r.error().message()).contains("timed out"));
  }

  @Test
  void theBurstLimitPipedriveStatesIsKeptFromItsFirstAnswer() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().burstLimit(8), "burstLimit", "100");
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 60), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(adapter.rateLimitStatus()).hasValueSatisfying(s -> assertThat(s.burstLimit()).isEqualTo(8));
    assertThat(adapter.capabilities().budget().requests()).as("what was declared stays declared").isEqualTo(100);
    // the first requests go out at the configured 100 per 2 s until an answer states 8; after that none is refused
    assertThat(pipedrive.countByStatus(429)).isLessThanOrEqualTo(8);
    assertThat(pipedrive.records("persons")).hasSize(60);
    assertThat(pipedrive.maxRequestsInAnyWindow(PipedriveEmulator.BURST_WINDOW)).isLessThanOrEqualTo(8 + 8);
  }

  @Test
  void aBurst429IsSatOutOnTheClock() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().burstLimit(100));
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.injectFaults(Fault.RATE_LIMITED);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(clock.totalSlept()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(pipedrive.countByStatus(429)).isEqualTo(1);
  }

  @Test
  void aSpentDailyBudgetStopsTheBatchAsAnExhaustedQuota() {
    clock.advance(Duration.ofHours(23)); // 23:00 UTC
    // one write at a time, so that the budget runs out at a known record: the fields (10 tokens), then
    // 25 a record (a search and a create), leaves 15 for the fourth search, which costs 20
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().dailyTokenBudget(100), "writeConcurrency", "1");
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 10), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.retryAfter()).isLessThanOrEqualTo(Duration.ofHours(1));
        });
    assertThat(pipedrive.records("persons")).as("written before the budget ran out").hasSize(3);
    clock.advance(Duration.ofHours(1));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 3), MatchKey.email()))
        .as("a new day, a new budget; what was written is found and updated").allMatch(RecordResult::succeeded);
  }

  @Test
  void theDailyReserveIsLeftToOthersWithoutAsking() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().dailyTokenBudget(200), "dailyTokenReserve", "150");
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT)); // fields 10 + list 10: 180 left
    assertThat(adapter.rateLimitStatus().orElseThrow().dailyTokensLeft()).hasValue(180);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 5), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.getMessage()).contains("150 are kept in reserve");
        });
    assertThat(pipedrive.refusedCount()).as("the adapter stopped; Pipedrive refused nothing").isZero();
  }

  @Test
  void underRandomFaultsARetryingCallerLosesAndDoublesNoRecord() {
    PipedriveAdapter adapter = start(PipedriveEmulator.builder().seed(7)
        .serverErrorRate(0.06).htmlErrorPageRate(0.03).truncatedBodyRate(0.04).droppedConnectionRate(0.04)
        .slowResponses(0.05, Duration.ofSeconds(3)));
    List<CrmRecord> all = contacts(0, 400);
    int attempts = 0;
    List<CrmRecord> pending = new ArrayList<>(all);
    while (!pending.isEmpty()) {
      attempts++;
      assertThat(attempts).as("converges").isLessThan(40);
      List<CrmRecord> batch = pending.subList(0, Math.min(100, pending.size()));
      List<CrmRecord> failed = new ArrayList<>();
      try {
        List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.copyOf(batch), MatchKey.email());
        for (int i = 0; i < results.size(); i++) {
          if (!results.get(i).succeeded()) {
            assertThat(results.get(i).error().retryable()).as(results.get(i).error().toString()).isTrue();
            failed.add(batch.get(i));
          }
        }
      } catch (CrmSyncException e) {
        assertThat(e.isRetryable()).as(e.toString()).isTrue();
        failed.addAll(batch);
      }
      List<CrmRecord> rest = new ArrayList<>(pending.subList(batch.size(), pending.size()));
      rest.addAll(failed);
      pending = rest;
      clock.advance(Duration.ofSeconds(5));
    }
    assertThat(attempts).as("some calls failed and were repeated").isGreaterThan(4);
    Set<String> emails = new HashSet<>();
    for (JsonNode p : pipedrive.records("persons")) {
      assertThat(emails.add(p.path("emails").get(0).path("value").asText())).as("no duplicate").isTrue();
    }
    assertThat(emails).hasSize(400);
  }

  @Test
  void aSyncUnderFaultsLandsEveryRecordExactlyOnce() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).validateEmails(false).build();
    List<CrmRecord> records = contacts(0, 1_500);
    records.set(300, records.get(300).with("email", "broken-300"));
    records.set(900, records.get(900).with("email", "broken-900"));
    source.seed(records);
    PipedriveAdapter target = start(PipedriveEmulator.builder().seed(11).searchIndexLag(Duration.ofSeconds(3))
        .serverErrorRate(0.04).truncatedBodyRate(0.03).droppedConnectionRate(0.03).htmlErrorPageRate(0.02));
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(3)
        .retryPolicy(RetryPolicy.builder()
            .handleIf((r, e) -> e != null && !(e instanceof CrmRequestException || e instanceof CrmAuthenticationException
                || e instanceof CrmConfigurationException || e instanceof IllegalArgumentException))
            .withMaxAttempts(12).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build())
        .build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.balanced()).isTrue();
    assertThat(report.written()).isEqualTo(1_498);
    assertThat(report.deadLettered()).isEqualTo(2);
    Set<String> emails = new HashSet<>();
    for (JsonNode p : pipedrive.records("persons")) {
      assertThat(emails.add(p.path("emails").get(0).path("value").asText().toLowerCase(Locale.ROOT)))
          .as("every record lands exactly once").isTrue();
    }
    assertThat(emails).hasSize(1_498);
    assertThat(pipedrive.refusals().keySet()).allMatch(r -> r.contains("fault"), "only injected faults: " + pipedrive.refusals());
  }
}

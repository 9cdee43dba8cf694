package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmRateLimitException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter paces by what HubSpot's responses say the account allows, not by its budget setting: the
 * burst limit and remaining budget of {@code X-HubSpot-RateLimit-*}, and a spent daily limit.
 */
class PacingTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  private static List<CrmRecord> contacts(int from, int to) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "p" + i + "@example.com", "firstName", "P" + i)));
    }
    return out;
  }

  /** Upserts one batch after another as the engine would, waiting out any 429; returns the 429s met. */
  private int upsertAll(HubSpotAdapter adapter, int batches) throws InterruptedException {
    int limited = 0;
    for (int b = 0; b < batches; b++) {
      while (true) {
        try {
          assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(b * 10, b * 10 + 10), MatchKey.email()))
              .allMatch(RecordResult::succeeded);
          break;
        } catch (CrmRateLimitException e) {
          limited++;
          clock.sleep(e.retryAfter());
        }
      }
    }
    return limited;
  }

  @Test
  void theAccountsLimitFromTheHeadersIsKeptThoughTheBudgetSettingIsHigher() throws InterruptedException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock); // budget setting unchanged: 190 per 10 s
    assertThat(adapter.capabilities().budget().requests()).isEqualTo(190);
    Instant start = clock.now();

    assertThat(upsertAll(adapter, 500)).as("429s met").isZero();

    assertThat(hubspot.rateLimited()).isEmpty();
    assertThat(hubspot.refusals()).isEmpty();
    assertThat(hubspot.maxRequestsInAnyWindow(Duration.ofSeconds(10))).isEqualTo(100);
    // 500 requests at 100 per rolling 10 s: the last hundred go at 40 s; 90% of the allowed rate is 44.4 s.
    Duration elapsed = Duration.between(start, clock.now());
    assertThat(elapsed).isLessThanOrEqualTo(Duration.ofMillis(44_400));
  }

  @Test
  void otherClientsOfTheAppLeaveLessAndTheAdapterKeepsToWhatRemains() throws InterruptedException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).otherClients(40).build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);

    assertThat(upsertAll(adapter, 400)).as("429s met").isZero();

    assertThat(hubspot.rateLimited()).isEmpty();
    assertThat(adapter.rateLimitStatus()).hasValueSatisfying(s -> assertThat(s.max()).isEqualTo(100));
  }

  @Test
  void withoutRateLimitHeadersTheBudgetSettingIsKept() throws InterruptedException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start(); // no limits, so no headers
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock, "budgetRequests", "5", "budgetWindow", "10s");
    assertThat(upsertAll(adapter, 23)).isZero();
    assertThat(adapter.rateLimitStatus()).isEmpty();
    assertThat(hubspot.maxRequestsInAnyWindow(Duration.ofSeconds(10))).isEqualTo(5);
  }

  @Test
  void aSyncThroughTheEngineMeetsNo429() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).build().start();
    HubSpotAdapter target = Emulated.adapter(hubspot, clock);
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).logRequests(false).build();
    source.seed(contacts(0, 12_000));

    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(1).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.written()).isEqualTo(12_000);
    assertThat(hubspot.rateLimited()).isEmpty();
    assertThat(hubspot.refusals()).isEmpty();
  }

  @Test
  void aSpentDailyLimitStopsCallsUntilMidnightWithoutSendingThem() {
    clock.advance(Duration.ofHours(15)); // 15:00 UTC, 10:00 in New York
    hubspot = HubSpotEmulator.builder().timeSource(clock).dailyLimit(3).timeZone(ZoneId.of("America/New_York"))
        .build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock, "dailyResetZone", "America/New_York");
    for (int i = 0; i < 3; i++) {
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    }
    assertThat(adapter.rateLimitStatus().orElseThrow().dailyLeft()).hasValue(0);
    long sent = hubspot.apiRequestCount();

    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(14)); // midnight in New York is 05:00 UTC
          assertThat(e.getMessage()).contains("daily");
        });
    assertThat(hubspot.apiRequestCount()).as("not sent: HubSpot would refuse it").isEqualTo(sent);

    clock.advance(Duration.ofHours(14));
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email())).allMatch(RecordResult::succeeded);
  }

  @Test
  void aDaily429IsASpentQuotaUntilMidnight() {
    clock.advance(Duration.ofHours(15));
    hubspot = HubSpotEmulator.builder().timeSource(clock).dailyLimit(1).build().start();
    HubSpotAdapter other = Emulated.adapter(hubspot, clock);
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    other.read(ReadRequest.of(ObjectTypes.CONTACT)); // another client spends the day's last request

    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(9));
          assertThat(e.getMessage()).contains("DAILY");
        });
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .as("reads do not retry a spent quota").isInstanceOf(CrmRateLimitException.class);
    assertThat(hubspot.rateLimited()).containsExactly(Map.entry("DAILY", 1L));
    assertThat(clock.sleepCount()).isZero();
  }
}

package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every fault the emulator injects ends as a retry or a typed exception, and no record is lost. */
class FaultsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  private HubSpotAdapter start(HubSpotEmulator.Builder b, String... settings) {
    hubspot = b.timeSource(clock).build().start();
    return Emulated.adapter(hubspot, clock, settings);
  }

  private static List<CrmRecord> contacts(int from, int to) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "f" + i + "@example.com", "firstName", "F" + i)));
    }
    return out;
  }

  @Test
  void aReadIsRetriedOnServerErrorsWaitingOnTheClock() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.insert("contacts", Map.of("email", "a@example.com"));
    hubspot.injectFaults(Fault.SERVER_ERROR, Fault.HTML_ERROR_PAGE);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    assertThat(hubspot.requestCount()).isEqualTo(3);
    assertThat(clock.sleepCount()).isEqualTo(2);
  }

  @Test
  void aReadGivesUpWithATypedErrorAfterItsRetries() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.injectFaults(Fault.SERVER_ERROR, Fault.SERVER_ERROR, Fault.SERVER_ERROR);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmUnavailableException.class)
        .satisfies(e -> assertThat(((CrmSyncException) e).statusCode()).isEqualTo(500))
        .hasMessageContaining("internal error");
  }

  @Test
  void aWriteIsNotRetriedByTheAdapterButFailsTyped() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.injectFaults(Fault.SERVER_ERROR);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 10), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
    assertThat(hubspot.records("contacts")).isEmpty();
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(0, 10), MatchKey.email())).allMatch(RecordResult::succeeded);
  }

  @Test
  void anHtmlErrorPageIsUnavailableWithAReadableMessage() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.injectFaults(Fault.HTML_ERROR_PAGE);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 3), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("502 Bad Gateway")
        .hasMessageNotContaining("<html>");
  }

  @Test
  void garbledJsonIsUnavailableAndTheRetriedWriteDoesNotDuplicate() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.injectFaults(Fault.GARBLED_JSON);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 5), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("not valid JSON");
    assertThat(hubspot.records("contacts")).as("applied before the answer was garbled").hasSize(5);
    List<RecordResult> again = adapter.upsert(ObjectTypes.CONTACT, contacts(0, 5), MatchKey.email());
    assertThat(again).allMatch(r -> r.status() == RecordResult.Status.UPDATED);
    assertThat(hubspot.records("contacts")).hasSize(5);
  }

  @Test
  void aDroppedConnectionEndsAsARetryOrUnavailable() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder());
    hubspot.injectFaults(Fault.DROPPED_CONNECTION);
    try {
      adapter.upsert(ObjectTypes.CONTACT, contacts(0, 5), MatchKey.email());
    } catch (CrmUnavailableException expected) {
      assertThat(expected.statusCode()).isZero();
    }
    adapter.upsert(ObjectTypes.CONTACT, contacts(0, 5), MatchKey.email());
    assertThat(hubspot.records("contacts")).hasSize(5);
  }

  @Test
  void aStalledResponseTimesOutAndTheReadIsRetried() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).stalledResponses(0, Duration.ofMillis(600)).build().start();
    OkHttpClient impatient = Emulated.CLIENT.newBuilder().readTimeout(Duration.ofMillis(150)).build();
    HubSpotAdapter adapter = HubSpotAdapter.create(
        AdapterConfig.builder("hubspot").settings(hubspot.adapterSettings()).timeSource(clock).httpClient(impatient).build());
    hubspot.injectFaults(Fault.STALLED);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    hubspot.injectFaults(Fault.STALLED);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("timed out");
  }

  @Test
  void aRateLimitedReadWaitsTheWindowThenSucceeds() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().rateLimit(100, Duration.ofSeconds(10)));
    hubspot.injectFaults(Fault.RATE_LIMITED);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(clock.totalSlept()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void underRandomFaultsARetryingCallerLosesNoRecord() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().seed(7)
        .serverErrorRate(0.08).htmlErrorPageRate(0.04).garbledJsonRate(0.06).droppedConnectionRate(0.04)
        .slowResponses(0.05, Duration.ofSeconds(3)));
    List<CrmRecord> all = contacts(0, 1_000);
    int attempts = 0;
    for (int from = 0; from < all.size(); from += 100) {
      List<CrmRecord> batch = all.subList(from, from + 100);
      while (true) {
        attempts++;
        try {
          assertThat(adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email())).allMatch(RecordResult::succeeded);
          break;
        } catch (CrmSyncException e) {
          assertThat(e.isRetryable()).as(e.toString()).isTrue();
        }
      }
    }
    Set<String> emails;
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT))) {
      emails = s.map(r -> r.string("email")).collect(Collectors.toSet());
    }
    assertThat(attempts).as("some calls failed and were repeated").isGreaterThan(10);
    assertThat(emails).hasSize(1_000);
    assertThat(hubspot.records("contacts")).hasSize(1_000);
    assertThat(new HashSet<>(emails)).allMatch(e -> e.endsWith("@example.com"));
  }

  @Test
  void aRateLimitedCallCarriesTheWaitItNeedsAndHoldsTheNextOneBack() {
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().rateLimit(2, Duration.ofSeconds(10)));
    adapter.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email());
    assertThat(adapter.rateLimitStatus()).hasValueSatisfying(s -> {
      assertThat(s.max()).isEqualTo(2);
      assertThat(s.windowRemaining()).hasValue(1);
      assertThat(s.interval()).isEqualTo(Duration.ofSeconds(10));
    });
    hubspot.injectFaults(Fault.RATE_LIMITED);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(1, 2), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(429);
          assertThat(e.isQuotaExhausted()).isFalse();
          assertThat(e.retryAfter()).as("the interval HubSpot's headers name").isEqualTo(Duration.ofSeconds(10));
          assertThat(e.getMessage()).contains("TEN_SECONDLY_ROLLING").contains("ten_secondly_rolling limit");
        });
    Instant refused = clock.now();
    assertThat(adapter.upsert(ObjectTypes.CONTACT, contacts(1, 2), MatchKey.email())).allMatch(RecordResult::succeeded);
    assertThat(clock.now()).as("the next call waited out the 429").isAfterOrEqualTo(refused.plusSeconds(10));
  }

  @Test
  void retryAfterWinsOverThePolicyDefault() {
    HubSpotAdapter first = start(HubSpotEmulator.builder().rateLimit(1, Duration.ofSeconds(10)).retryAfterHeader(true));
    HubSpotAdapter second = Emulated.adapter(hubspot, clock); // another client that has not seen the headers yet
    first.upsert(ObjectTypes.CONTACT, contacts(0, 1), MatchKey.email());
    clock.advance(Duration.ofSeconds(7));
    assertThatThrownBy(() -> second.upsert(ObjectTypes.CONTACT, contacts(1, 2), MatchKey.email()))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
          assertThat(e.isRetryAfterFromServer()).isTrue();
        });
  }

  @Test
  void theDailyLimitWaitsUntilMidnightInTheAccountsZone() {
    clock.advance(Duration.ofHours(15)); // 15:00 UTC
    HubSpotAdapter adapter = start(HubSpotEmulator.builder().dailyLimit(1), "dailyResetZone", "America/New_York");
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(adapter.rateLimitStatus().orElseThrow().dailyLeft()).hasValue(0);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .as("not retried: a spent quota")
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.getMessage()).contains("daily");
          // 15:00 UTC is 10:00 in New York; midnight there is 05:00 UTC tomorrow
          assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(14));
        });
    assertThat(clock.sleepCount()).isZero();
  }
}

package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.RecordingAdapterListener;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the adapter tells its listeners: requests by operation, its own retries, 429s, token renewals, the daily quota. */
class AdapterEventsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final RecordingAdapterListener events = new RecordingAdapterListener();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  private static List<CrmRecord> contacts(int n) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "e" + i + "@example.com")))
        .toList();
  }

  @Test
  void everyRequestIsReportedUnderItsOperationWithStatusAndLatency() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    try (AdapterListener.Registration r = adapter.listen(events)) {
      adapter.describe(ObjectTypes.CONTACT);
      adapter.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
      String id = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
      adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "e1@example.com");
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(clock.now().minusSeconds(60)));
      adapter.delete(ObjectTypes.CONTACT, List.of(id));
    }
    assertThat(events.operations()).containsExactlyInAnyOrder("describe", "upsert", "read", "lookup", "search", "delete");
    assertThat(events.requests()).hasSize(hubspot.requestCount())
        .allSatisfy(r -> {
          assertThat(r.adapterId()).isEqualTo("hubspot");
          assertThat(r.status()).isBetween(200, 299);
          assertThat(r.latency()).isPositive();
        });
    assertThat(events.retries()).isEmpty();
    assertThat(events.rateLimits()).isEmpty();

    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.requests()).as("a closed registration hears nothing").hasSize(hubspot.requestCount() - 1);
  }

  @Test
  void aReadRetriedAfterAServerErrorAndA429IsReportedAsEach() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).rateLimit(100, Duration.ofSeconds(10)).build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    adapter.listen(events);
    hubspot.injectFaults(Fault.SERVER_ERROR, Fault.RATE_LIMITED);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));

    assertThat(events.requests("read")).extracting(RecordingAdapterListener.Request::status).containsExactly(500, 429, 200);
    assertThat(events.retries()).hasSize(2).allSatisfy(r -> assertThat(r.operation()).isEqualTo("read"));
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.retryAfter()).isEqualTo(Duration.ofSeconds(10));
      assertThat(l.quota()).isFalse();
    });
  }

  @Test
  void theDailyQuotaComesFromTheHeadersAndASpentOneIsReportedAsSuch() {
    clock.advance(Duration.ofHours(15)); // 15:00 UTC, 10:00 in New York
    hubspot = HubSpotEmulator.builder().timeSource(clock).dailyLimit(2).timeZone(ZoneId.of("America/New_York"))
        .build().start();
    HubSpotAdapter other = Emulated.adapter(hubspot, clock);
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock, "dailyResetZone", "America/New_York");
    adapter.listen(events);
    assertThat(adapter.quotaStatus()).as("nothing said yet").isEmpty();

    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> {
      assertThat(q.name()).isEqualTo("daily");
      assertThat(q.remaining()).isEqualTo(1);
      assertThat(q.limit()).isEqualTo(2);
      assertThat(q.resetsAt()).as("midnight in New York").isEqualTo(Instant.parse("2026-01-02T05:00:00Z"));
      assertThat(q.observedAt()).isEqualTo(clock.now());
    });

    other.read(ReadRequest.of(ObjectTypes.CONTACT)); // another client spends the day's last request
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(1), MatchKey.email()))
        .isInstanceOf(CrmRateLimitException.class);
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("upsert");
      assertThat(l.quota()).isTrue();
    });
  }

  @Test
  void oauthTokenRequestsAndRenewalsAreReported() {
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("client-1", "secret-1", "refresh-1")
        .accessTokenLifetime(Duration.ofMinutes(30)).build().start();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    adapter.listen(events);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    hubspot.revokeAccessTokens();
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));

    assertThat(events.tokenRenewals()).as("the first token is no renewal; the one after the 401 is").isEqualTo(1);
    assertThat(events.requests("token")).hasSize(2).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    assertThat(events.requests("read")).extracting(RecordingAdapterListener.Request::status).containsExactly(200, 401, 200);
    assertThat(events.retries()).singleElement().satisfies(r -> {
      assertThat(r.operation()).isEqualTo("read");
      assertThat(r.cause()).hasMessageContaining("401");
    });
  }
}

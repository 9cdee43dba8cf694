package io.crmsync.pipedrive;

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
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the adapter tells its listeners: requests by operation, its own retries, 429s, token renewals, daily tokens. */
class AdapterEventsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final RecordingAdapterListener events = new RecordingAdapterListener();
  PipedriveEmulator pipedrive;

  @AfterEach
  void stop() {
    if (pipedrive != null) {
      pipedrive.close();
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", prefix + i + "@example.com", "lastName", "P")))
        .toList();
  }

  @Test
  void everyRequestIsReportedUnderItsOperationAndTheDailyBudgetComesFromTheHeaders() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).dailyTokenBudget(10_000).build().start();
    PipedriveAdapter adapter = Emulated.adapter(pipedrive, clock, "writeConcurrency", "1");
    assertThat(adapter.quotaStatus()).isEmpty();
    try (AdapterListener.Registration r = adapter.listen(events)) {
      adapter.describe(ObjectTypes.CONTACT);
      adapter.upsert(ObjectTypes.CONTACT, contacts("a", 3), MatchKey.email());
      String id = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
      adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a1@example.com");
      adapter.delete(ObjectTypes.CONTACT, List.of(id));
    }
    assertThat(events.operations()).contains("describe", "search", "upsert", "read", "lookup", "delete");
    assertThat(events.requests()).hasSize(pipedrive.requestCount()).allSatisfy(req -> {
      assertThat(req.adapterId()).isEqualTo("pipedrive");
      assertThat(req.status()).isBetween(200, 299);
      assertThat(req.latency()).isPositive();
    });
    assertThat(events.retries()).isEmpty();
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> {
      assertThat(q.name()).isEqualTo("daily-tokens");
      assertThat(q.limit()).isEqualTo(10_000);
      assertThat(q.remaining()).isEqualTo(10_000 - pipedrive.tokensSpent());
      assertThat(q.resetsAt()).as("midnight in dailyResetZone (UTC)").isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
    });
  }

  @Test
  void retriedReadsSatOut429sAndRenewedTokensAreReported() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).burstLimit(100)
        .oauthApp("client-1", "secret-1", "refresh-1").accessTokenLifetime(Duration.ofHours(1)).build().start();
    PipedriveAdapter adapter = Emulated.adapter(pipedrive, clock);
    adapter.describe(ObjectTypes.CONTACT);
    adapter.listen(events);
    pipedrive.injectFaults(Fault.SERVER_ERROR, Fault.RATE_LIMITED);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.requests("read")).extracting(RecordingAdapterListener.Request::status).containsExactly(500, 429, 200);
    assertThat(events.retries()).extracting(RecordingAdapterListener.Retry::operation).containsExactly("read", "read");
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.quota()).isFalse();
    });

    events.clear();
    pipedrive.revokeAccessTokens();
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.tokenRenewals()).isEqualTo(1);
    assertThat(events.requests("token")).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(200));
    assertThat(events.retries()).singleElement().satisfies(r -> assertThat(r.cause()).hasMessageContaining("401"));
  }

  @Test
  void aSpentDailyBudgetIsReportedAsAQuota() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).dailyTokenBudget(30).build().start();
    PipedriveAdapter adapter = Emulated.adapter(pipedrive, clock);
    PipedriveAdapter other = Emulated.adapter(pipedrive, clock);
    adapter.listen(events);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT)); // the fields (10 tokens) and a page (10): 10 left
    other.describe(ObjectTypes.CONTACT); // another integration spends the last 10
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> assertThat(e.isQuotaExhausted()).isTrue());
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.quota()).isTrue();
    });
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> {
      assertThat(q.remaining()).isZero();
      assertThat(q.limit()).isEqualTo(30);
    });
  }
}

package io.crmsync.zoho;

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
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator.Fault;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the adapter tells its listeners: requests by operation, its own retries, refusals, token renewals, credits. */
class AdapterEventsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final RecordingAdapterListener events = new RecordingAdapterListener();
  ZohoEmulator zoho;

  @AfterEach
  void stop() {
    if (zoho != null) {
      zoho.close();
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", prefix + i + "@example.com", "lastName", "Z" + i)))
        .toList();
  }

  @Test
  void everyRequestIsReportedUnderItsOperation() {
    zoho = ZohoEmulator.builder().timeSource(clock).build().start();
    ZohoAdapter adapter = Emulated.adapter(zoho, clock);
    try (AdapterListener.Registration r = adapter.listen(events)) {
      adapter.describe(ObjectTypes.CONTACT);
      adapter.upsert(ObjectTypes.CONTACT, contacts("a", 3), MatchKey.email());
      String id = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
      adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a1@example.com");
      adapter.delete(ObjectTypes.CONTACT, List.of(id));
    }
    assertThat(events.operations()).containsExactlyInAnyOrder("token", "describe", "upsert", "read", "lookup", "delete");
    assertThat(events.requests()).hasSize(zoho.requestCount()).allSatisfy(req -> {
      assertThat(req.adapterId()).isEqualTo("zoho");
      assertThat(req.status()).isBetween(200, 299);
      assertThat(req.latency()).isPositive();
    });
    assertThat(events.retries()).isEmpty();
    assertThat(events.tokenRenewals()).as("the first token is no renewal").isZero();
  }

  @Test
  void retriedReadsRefusedTokensAndSpentCreditsAreReported() {
    zoho = ZohoEmulator.builder().timeSource(clock).dailyCredits(25).build().start();
    ZohoAdapter adapter = Emulated.adapter(zoho, clock);
    adapter.listen(events);
    adapter.describe(ObjectTypes.CONTACT);
    assertThat(adapter.quotaStatus()).as("Zoho says nothing before half the credits are used").isEmpty();

    zoho.injectFaults(Fault.SERVER_ERROR, Fault.CONCURRENCY_LIMITED);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.requests("read")).extracting(RecordingAdapterListener.Request::status).containsExactly(500, 429, 204); // COQL answers 204 when nothing matches
    assertThat(events.retries()).extracting(RecordingAdapterListener.Retry::operation).containsExactly("read", "read");
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.quota()).isFalse();
    });

    events.clear();
    zoho.revokeAccessTokens();
    adapter.upsert(ObjectTypes.CONTACT, contacts("b", 100), MatchKey.email());
    assertThat(events.tokenRenewals()).isEqualTo(1);
    assertThat(events.retries()).singleElement().satisfies(r -> assertThat(r.operation()).isEqualTo("upsert"));
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> {
      assertThat(q.name()).isEqualTo("api-credits");
      assertThat(q.remaining()).isEqualTo(adapter.creditsRemaining().orElseThrow()).isLessThan(25);
      assertThat(q.resetsAt()).as("a rolling 24 hours").isNull();
      assertThat(q.observedAt()).isEqualTo(clock.now());
    });

    events.clear();
    adapter.upsert(ObjectTypes.CONTACT, contacts("c", 100), MatchKey.email());
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts("d", 100), MatchKey.email()))
        .isInstanceOf(CrmRateLimitException.class);
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("upsert");
      assertThat(l.quota()).isTrue();
    });
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> assertThat(q.remaining()).isZero());
  }

  @Test
  void aCreditBudgetGivesTheQuotaItsLimit() {
    zoho = ZohoEmulator.builder().timeSource(clock).dailyCredits(20).build().start();
    ZohoAdapter adapter = Emulated.adapter(zoho, clock, "creditBudget", "20", "creditWindow", "24h");
    adapter.upsert(ObjectTypes.CONTACT, contacts("e", 100), MatchKey.email());
    assertThat(adapter.quotaStatus()).hasValueSatisfying(q -> assertThat(q.limit()).isEqualTo(20));
  }
}

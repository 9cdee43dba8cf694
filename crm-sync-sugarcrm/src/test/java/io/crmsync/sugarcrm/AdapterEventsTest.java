package io.crmsync.sugarcrm;

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
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the adapter tells its listeners: requests by operation, its own retries, 429s, session renewals. */
class AdapterEventsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final RecordingAdapterListener events = new RecordingAdapterListener();

  private static List<CrmRecord> contacts(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "s" + i + "@example.com", "lastName", "S" + i)))
        .toList();
  }

  @Test
  void everyRequestIsReportedUnderItsOperation() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      try (AdapterListener.Registration r = adapter.listen(events)) {
        adapter.describe(ObjectTypes.CONTACT);
        adapter.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
        String id = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
        adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "s1@example.com");
        adapter.delete(ObjectTypes.CONTACT, List.of(id));
      }
      assertThat(events.operations()).contains("token", "describe", "upsert", "read", "lookup", "delete");
      assertThat(events.requests()).hasSize(sugar.requestCount()).allSatisfy(req -> {
        assertThat(req.adapterId()).isEqualTo("sugarcrm");
        assertThat(req.status()).isBetween(200, 299);
        assertThat(req.latency()).isPositive();
      });
      assertThat(events.tokenRenewals()).as("the first login is no renewal").isZero();
      assertThat(adapter.quotaStatus()).as("SugarCRM states no quota").isEmpty();
    }
  }

  @Test
  void retriesRateLimitsAndRenewedSessionsAreReported() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).retryAfterHeader(true).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      adapter.listen(events);
      sugar.injectFaults(Fault.SERVICE_UNAVAILABLE, Fault.RATE_LIMITED);
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(events.requests("read")).extracting(RecordingAdapterListener.Request::status)
          .containsExactly(503, 429, 200);
      assertThat(events.retries()).extracting(RecordingAdapterListener.Retry::operation).containsExactly("read", "read");
      assertThat(events.rateLimits()).singleElement().satisfies(l -> {
        assertThat(l.operation()).isEqualTo("read");
        assertThat(l.retryAfter()).isPositive();
        assertThat(l.quota()).isFalse();
      });

      events.clear();
      sugar.expireAccessTokens();
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(events.tokenRenewals()).isEqualTo(1);
      assertThat(events.requests("token")).hasSize(1);
      assertThat(events.retries()).singleElement().satisfies(r -> assertThat(r.cause()).hasMessageContaining("401"));

      events.clear();
      sugar.injectFaults(Fault.RATE_LIMITED);
      assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts(2), MatchKey.email()))
          .isInstanceOf(CrmRateLimitException.class);
      assertThat(events.rateLimits()).singleElement().satisfies(l -> assertThat(l.operation()).isIn("lookup", "upsert"));
      assertThat(events.retries()).as("writes are the engine's to retry").isEmpty();
    }
  }

  @Test
  void aRetryAfterTheWindowIsWaitedOnTheClock() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).rateLimit(1, Duration.ofSeconds(2))
        .build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      adapter.listen(events);
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(events.rateLimits()).allSatisfy(l -> assertThat(l.operation()).isEqualTo("read"));
      assertThat(events.retries()).hasSameSizeAs(events.rateLimits());
    }
  }
}

package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.RecordingAdapterListener;
import io.crmsync.testkit.RecordingAdapterListener.Request;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.dynamics.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the adapter tells its listeners: every request under its operation, the retry with a renewed token after a
 * 401, service protection's 429s with their {@code Retry-After}, token renewals; and that it states no quota.
 */
class AdapterEventsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final RecordingAdapterListener events = new RecordingAdapterListener();
  DataverseEmulator dv;

  @AfterEach
  void stop() {
    if (dv != null) {
      dv.close();
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", prefix + i + "@example.com", "lastName", "D" + i)))
        .toList();
  }

  private static List<Integer> statuses(List<Request> requests) {
    return requests.stream().map(Request::status).toList();
  }

  /** What the emulator answered, in order: the same requests the adapter reported. */
  private List<Integer> answered() {
    return dv.requests().stream().map(DataverseEmulator.RequestLog::status).toList();
  }

  private long answered(String pathPart) {
    return dv.requests().stream().filter(r -> r.path().contains(pathPart)).count();
  }

  @Test
  void everyRequestIsReportedUnderItsOperationAndABatchAsWhatItCarries() {
    dv = Emulated.emulator(clock).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock);
    try (AdapterListener.Registration r = adapter.listen(events)) {
      adapter.describe(ObjectTypes.CONTACT);
      adapter.upsert(ObjectTypes.CONTACT, contacts("a", 3), MatchKey.email()); // one $batch, by the alternate key
      String id = adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
      assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "a1@example.com")).isPresent();
      assertThat(adapter.delete(ObjectTypes.CONTACT, List.of(id))).allMatch(RecordResult::succeeded); // one $batch
    }
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));

    assertThat(events.operations()).containsExactly("delete", "describe", "lookup", "read", "token", "upsert");
    assertThat(statuses(events.requests())).as("one event per request, after closing the registration none")
        .isEqualTo(answered().subList(0, answered().size() - 1));
    assertThat(events.requests()).allSatisfy(req -> {
      assertThat(req.adapterId()).isEqualTo(DynamicsAdapter.ID);
      assertThat(req.status()).isBetween(200, 299);
      assertThat(req.latency()).isPositive();
    });
    assertThat(events.requests("token")).hasSize(1).hasSize((int) answered("/oauth2/"));
    assertThat(events.requests("describe")).as("every table definition request, and only those")
        .isNotEmpty().hasSize((int) answered("EntityDefinitions"));
    assertThat(events.requests("upsert")).hasSize(1);
    assertThat(events.requests("delete")).hasSize(1);
    assertThat(answered("$batch")).isEqualTo(2);
    assertThat(events.requests("read")).hasSize(1);
    assertThat(events.requests("lookup")).hasSize(1);
    assertThat(events.retries()).isEmpty();
    assertThat(events.rateLimits()).isEmpty();
    assertThat(events.tokenRenewals()).as("the first token is no renewal").isZero();
  }

  @Test
  void withoutBatchEachWriteAndDeleteIsARequestOfItsOwn() {
    dv = Emulated.emulator(clock).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock, "batch", "false");
    adapter.describe(ObjectTypes.CONTACT);
    adapter.listen(events);
    List<RecordResult> written = adapter.upsert(ObjectTypes.CONTACT, contacts("b", 3), MatchKey.email());
    adapter.delete(ObjectTypes.CONTACT, List.of(written.get(0).id(), written.get(1).id()));

    assertThat(statuses(events.requests("upsert"))).containsExactly(201, 201, 201);
    assertThat(statuses(events.requests("delete"))).containsExactly(204, 204);
    assertThat(events.requests()).hasSize(5);
  }

  @Test
  void aServiceProtection429IsARateLimitWithItsRetryAfterAndNoRetry() {
    dv = Emulated.emulator(clock).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock);
    adapter.describe(ObjectTypes.CONTACT);
    adapter.listen(events);

    dv.injectFaults(Fault.RATE_LIMITED);
    CrmRateLimitException refused = catchThrowableOfType(CrmRateLimitException.class,
        () -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)));
    assertThat(refused).isNotNull();
    assertThat(statuses(events.requests("read"))).containsExactly(429);
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.adapterId()).isEqualTo(DynamicsAdapter.ID);
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.retryAfter()).isEqualTo(Duration.ofSeconds(1)).isEqualTo(refused.retryAfter());
      assertThat(l.quota()).as("a 5-minute window, not a long-period quota").isFalse();
    });
    assertThat(events.retries()).as("the engine retries a rate-limited call, not the adapter").isEmpty();

    events.clear();
    dv.injectFaults("POST", Fault.RATE_LIMITED);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, contacts("c", 2), MatchKey.email()))
        .isInstanceOf(CrmRateLimitException.class);
    assertThat(events.rateLimits()).singleElement().satisfies(l -> assertThat(l.operation()).isEqualTo("upsert"));
    assertThat(statuses(events.requests())).as("no lookup before a write by the alternate key").containsExactly(429);

    adapter.upsert(ObjectTypes.CONTACT, contacts("c", 2), MatchKey.email()); // after waiting out Retry-After
    assertThat(statuses(events.requests("upsert"))).containsExactly(429, 200);
    assertThat(events.rateLimits()).hasSize(1);
  }

  @Test
  void theWindowsRetryAfterIsTheWaitReported() {
    dv = Emulated.emulator(clock).serviceProtection(8, Duration.ofMinutes(5)).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock);
    adapter.listen(events);
    CrmRateLimitException refused = null;
    for (int i = 0; i < 10 && refused == null; i++) {
      try {
        adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      } catch (CrmRateLimitException e) {
        refused = e;
      }
    }
    assertThat(refused).as("a request beyond the window's 8 is refused").isNotNull();
    assertThat(refused.getMessage()).contains("0x80072322");
    Duration wait = refused.retryAfter();
    assertThat(events.rateLimits()).singleElement().satisfies(l -> {
      assertThat(l.operation()).isEqualTo("read");
      assertThat(l.retryAfter()).isEqualTo(wait).isEqualTo(Duration.ofMinutes(5)); // the clock stood still: the whole window
      assertThat(l.quota()).isFalse();
    });
    assertThat(events.requests().stream().filter(r -> r.status() == 429)).hasSize(1);
    assertThat(adapter.serviceProtectionStatus()).get().satisfies(s -> assertThat(s.requestsRemaining()).isZero());
    assertThat(adapter.quotaStatus()).as("service protection's headers are no long-period quota").isEmpty();
  }

  @Test
  void a401IsRetriedOnceWithARenewedTokenAndBothAreReported() {
    dv = Emulated.emulator(clock).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock);
    adapter.describe(ObjectTypes.CONTACT);
    adapter.listen(events);

    dv.revokeTokens();
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(statuses(events.requests("read"))).containsExactly(401, 200);
    assertThat(events.requests("token")).hasSize(1);
    assertThat(events.tokenRenewals()).isEqualTo(1);
    assertThat(events.retries()).singleElement().satisfies(r -> {
      assertThat(r.operation()).isEqualTo("read");
      assertThat(r.cause()).isInstanceOfSatisfying(CrmAuthenticationException.class,
          e -> assertThat(e.statusCode()).isEqualTo(401));
    });

    events.clear();
    dv.revokeTokens();
    adapter.upsert(ObjectTypes.CONTACT, contacts("d", 2), MatchKey.email());
    assertThat(statuses(events.requests("upsert"))).as("a $batch refused, then sent again").containsExactly(401, 200);
    assertThat(events.retries()).extracting(RecordingAdapterListener.Retry::operation).containsExactly("upsert");
    assertThat(events.tokenRenewals()).isEqualTo(1);

    events.clear();
    dv.failAuthentication(2);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT))).isInstanceOf(CrmAuthenticationException.class);
    assertThat(statuses(events.requests("read"))).as("one retry, not a loop").containsExactly(401, 401);
    assertThat(events.retries()).hasSize(1);
    assertThat(events.tokenRenewals()).isEqualTo(1);
    assertThat(events.rateLimits()).isEmpty();
  }

  @Test
  void aTokenRenewedAheadOfItsExpiryIsARenewalWithoutARetry() {
    dv = Emulated.emulator(clock).tokenLifetime(Duration.ofHours(1)).build().start();
    DynamicsAdapter adapter = Emulated.adapter(dv, clock);
    adapter.listen(events);
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.tokenRenewals()).isZero();

    clock.advance(Duration.ofMinutes(56)); // within tokenRefreshAhead (5 minutes) of expiry
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(events.requests("token")).hasSize(2);
    assertThat(events.tokenRenewals()).isEqualTo(1);
    assertThat(events.retries()).isEmpty();
    assertThat(dv.countByStatus(401)).isZero();
  }
}

package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.RecordingAdapterListener;
import io.crmsync.testkit.salesforce.Fault;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the adapter tells its listeners: requests by operation, its own retries, refusals, session renewals, the quota. */
class AdapterEventsTest {
  private final FakeTimeSource clock = new FakeTimeSource();
  private final RecordingAdapterListener events = new RecordingAdapterListener();

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "v" + i + "@example.com", "lastName", "V" + i)));
    }
    return out;
  }

  @Test
  void everyRequestIsReportedUnderItsOperationAndTheQuotaComesFromSforceLimitInfo() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).dailyApiLimit(1_000).bulkPollsBeforeComplete(1).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("bulkThreshold", "300"));
      assertThat(a.quotaStatus()).as("nothing said yet").isEmpty();
      try (AdapterListener.Registration r = a.listen(events)) {
        a.describe(ObjectTypes.CONTACT);
        a.upsert(ObjectTypes.CONTACT, contacts(10), MatchKey.email());
        a.upsert(ObjectTypes.CONTACT, contacts(400), MatchKey.email()); // through Bulk API 2.0
        String id = a.read(ReadRequest.of(ObjectTypes.CONTACT)).records().get(0).id();
        a.lookup(ObjectTypes.CONTACT, MatchKey.email(), "v1@example.com");
        a.delete(ObjectTypes.CONTACT, List.of(id));
      }
      assertThat(events.operations()).containsExactlyInAnyOrder(
          "token", "describe", "upsert", "bulk", "read", "lookup", "delete");
      assertThat(events.requests("token")).as("the JWT bearer login").hasSize(1);
      assertThat(events.requests()).allSatisfy(req -> {
        assertThat(req.adapterId()).isEqualTo("salesforce");
        assertThat(req.status()).isBetween(200, 299);
        assertThat(req.latency()).isPositive();
      });
      assertThat(events.requests().size() - 1).as("every API request, the login aside").isEqualTo(sf.apiRequests());
      assertThat(events.retries()).isEmpty();
      assertThat(events.tokenRenewals()).as("the first session is no renewal").isZero();

      assertThat(a.quotaStatus()).hasValueSatisfying(q -> {
        assertThat(q.name()).isEqualTo("DailyApiRequests");
        assertThat(q.limit()).isEqualTo(1_000);
        assertThat(q.remaining()).isEqualTo(1_000 - sf.apiRequestsLast24Hours());
        assertThat(q.resetsAt()).as("a rolling 24 hours").isNull();
        assertThat(q.observedAt()).isEqualTo(clock.now());
      });
    }
  }

  @Test
  void aRejectedSessionIsARetryAfterARenewalAndAResentCollectionsRequestIsARetry() {
    String collections = "/services/data/v[0-9.]+/composite/sobjects/Contact/Email";
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.describe(ObjectTypes.CONTACT);
      a.listen(events);
      sf.expireSessions();
      assertThat(a.upsert(ObjectTypes.CONTACT, contacts(5), MatchKey.email())).allMatch(RecordResult::succeeded);
      sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML, "PATCH", collections);
      assertThat(a.upsert(ObjectTypes.CONTACT, contacts(5), MatchKey.email())).allMatch(RecordResult::succeeded);

      assertThat(events.tokenRenewals()).isEqualTo(1);
      assertThat(events.requests("upsert")).extracting(RecordingAdapterListener.Request::status)
          .containsExactly(401, 200, 503, 200);
      assertThat(events.retries()).extracting(RecordingAdapterListener.Retry::operation).containsExactly("upsert", "upsert");
      assertThat(events.retries().get(0).cause()).hasMessageContaining("401");
      assertThat(events.retries().get(1).cause()).hasMessageContaining("503");
    }
  }

  @Test
  void aSpentAllocationIsReportedAsAQuotaRefusal() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).dailyApiLimit(2).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.listen(events);
      a.upsert(ObjectTypes.CONTACT, contacts(1), MatchKey.email()); // describe + 1 Collections request
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, contacts(1), MatchKey.email()))
          .isInstanceOf(CrmRateLimitException.class);
      assertThat(events.rateLimits()).singleElement().satisfies(l -> {
        assertThat(l.operation()).isEqualTo("upsert");
        assertThat(l.quota()).isTrue();
      });
      assertThat(a.quotaStatus()).hasValueSatisfying(q -> assertThat(q.remaining()).isZero());
    }
  }
}

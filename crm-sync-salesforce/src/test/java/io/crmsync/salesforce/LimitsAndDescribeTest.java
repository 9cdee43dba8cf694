package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daily allocation, the cost of reads and writes in requests, and what describe tells the engine. */
class LimitsAndDescribeTest {
  private final FakeTimeSource clock = new FakeTimeSource();

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "l" + i + "@example.com", "lastName", "L" + i)));
    }
    return out;
  }

  // ------------------------------------------------------------------ quota

  @Test
  void aSpentDailyAllocationIsAnExhaustedQuotaNotARetryLoop() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).dailyApiLimit(4).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.upsert(ObjectTypes.CONTACT, contacts(200), MatchKey.email()); // describe + 1 Collections request
      a.upsert(ObjectTypes.CONTACT, contacts(400), MatchKey.email()); // 2 more: the allocation is spent
      long before = sf.apiRequests();
      assertThatThrownBy(() -> a.upsert(ObjectTypes.CONTACT, contacts(10), MatchKey.email()))
          .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
            assertThat(e.isQuotaExhausted()).isTrue();
            assertThat(e.statusCode()).isEqualTo(403);
          })
          .hasMessageContaining("REQUEST_LIMIT_EXCEEDED")
          .hasMessageContaining("rolling 24 hours")
          .hasMessageContaining("4 of 4");
      assertThat(sf.apiRequests()).as("no retry against a spent allocation").isEqualTo(before);
      assertThat(sf.refusals()).isEqualTo(Map.of("REQUEST_LIMIT_EXCEEDED", 1L));
    }
  }
}

package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.SyncReport;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.dynamics.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine syncing into and out of the emulator through its seeded faults: 5xx, HTML pages, bodies cut short and
 * connections dropped after the write was applied. No record is lost and none is written twice.
 */
class FaultsSyncTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static RetryPolicy<Object> retries() {
    return RetryPolicy.builder()
        .handleIf((r, e) -> e != null && !(e instanceof CrmRequestException || e instanceof CrmAuthenticationException
            || e instanceof CrmConfigurationException || e instanceof IllegalArgumentException))
        .withMaxAttempts(12).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build();
  }

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "f" + i + "@example.com", "firstName", "F" + i, "lastName", "Fault")));
    }
    return out;
  }

  private static DataverseEmulator.Builder faulty(DataverseEmulator.Builder b) {
    return b.seed(7).serverErrorRate(0.04).htmlErrorPageRate(0.03).truncatedBodyRate(0.03).droppedConnectionRate(0.03);
  }

  private void intoDataverse(DataverseEmulator dv, String... settings) {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts(800));
    dv.injectFaults(Fault.EMPTY_BODY, Fault.DROPPED_CONNECTION, Fault.TRUNCATED_BODY);
    SyncReport report = CRMSync.builder().source(source).target(Emulated.adapter(dv, clock, settings)).timeSource(clock)
        .batchSize(20).retryPolicy(retries()).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.deadLettered()).isZero();
    assertThat(report.balanced()).isTrue();
    assertThat(dv.faultCount()).as("faults were injected").isGreaterThan(10);
    List<Map<String, Object>> rows = dv.records("contact");
    Set<Object> emails = new HashSet<>();
    rows.forEach(r -> emails.add(r.get("emailaddress1")));
    assertThat(rows).as("every record, once").hasSize(800);
    assertThat(emails).hasSize(800);
    assertThat(dv.refusals()).as("no request Dataverse would refuse").isEmpty();
  }

  @Test
  void intoDataverseByAlternateKeyThroughBatches() {
    try (DataverseEmulator dv = faulty(Emulated.emulator(clock)).build().start()) {
      intoDataverse(dv);
    }
  }

  @Test
  void intoDataverseWithoutAnAlternateKeyOneRequestPerRecord() {
    try (DataverseEmulator dv = faulty(DataverseEmulator.builder().timeSource(clock).noServiceProtection()).build().start()) {
      intoDataverse(dv, "batch", "false");
    }
  }

  @Test
  void outOfDataverseEveryRowArrives() {
    try (DataverseEmulator dv = faulty(Emulated.emulator(clock)).build().start()) {
      for (int i = 0; i < 600; i++) {
        dv.insert("contact", Map.of("emailaddress1", "o" + i + "@example.com", "lastname", "Out" + i));
      }
      FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
      SyncReport report = CRMSync.builder().source(Emulated.adapter(dv, clock)).target(target).timeSource(clock)
          .readPageSize(100).retryPolicy(retries()).build().run();
      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(600);
      assertThat(dv.faultCount()).isGreaterThan(0);
    }
  }
}

package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The engine syncing into and out of the emulator, through faults and rate limits. */
class HubSpotSyncTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static List<CrmRecord> contacts(int n, int invalidEvery) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String email = invalidEvery > 0 && i % invalidEvery == 0 ? "broken-" + i : "s" + i + "@example.com";
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", email, "firstName", "S" + i, "lastName", "Sync")));
    }
    return out;
  }

  @Test
  void throughFaultsAndRateLimitsEveryRecordIsWrittenOrDeadLetteredWithItsCause() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).validateEmails(false).build();
    source.seed(contacts(2_000, 400));
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).seed(11)
        .rateLimit(20, Duration.ofSeconds(10))
        .serverErrorRate(0.05).garbledJsonRate(0.03).droppedConnectionRate(0.03).htmlErrorPageRate(0.02)
        .build().start()) {
      HubSpotAdapter target = Emulated.adapter(hubspot, clock, "budgetRequests", "20");
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock)
          .retryPolicy(RetryPolicy.builder()
              .handleIf((r, e) -> e != null && !(e instanceof CrmRequestException || e instanceof CrmAuthenticationException
                  || e instanceof CrmConfigurationException || e instanceof IllegalArgumentException))
              .withMaxAttempts(10).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build())
          .build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.balanced()).isTrue();
      assertThat(report.written()).as("created, or updated when a lost answer made the engine send it again")
          .isEqualTo(1_995);
      assertThat(report.deadLettered()).isEqualTo(5);
      assertThat(hubspot.records("contacts")).hasSize(1_995);
      // The engine keeps to the declared budget; the odd 429 comes from OkHttp silently resending a request
      // whose connection was dropped, which the engine's limiter cannot see.
      long dropped = hubspot.requests().stream().filter(r -> r.fault() == HubSpotEmulator.Fault.DROPPED_CONNECTION).count();
      assertThat(hubspot.countByStatus(429)).isLessThanOrEqualTo(dropped);
    }
  }

  @Test
  void theEngineIsolatesTheRecordsOfABatchHubSpotRefusedWhole() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).validateEmails(false).build();
    source.seed(contacts(300, 100)); // three invalid emails, one in each batch
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).multiStatus(false).build().start()) {
      HubSpotAdapter target = Emulated.adapter(hubspot, clock);
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(1).build().run();

      assertThat(report.balanced()).isTrue();
      assertThat(report.written()).isEqualTo(297);
      assertThat(report.deadLettered()).isEqualTo(3);
      assertThat(hubspot.records("contacts")).hasSize(297);
      assertThat(hubspot.refusals()).containsOnlyKeys("INVALID_EMAIL");
    }
  }

  @Test
  void aCleanSyncSendsNothingHubSpotWouldRefuse() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(contacts(1_000, 0));
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).plan(HubSpotEmulator.Plan.STARTER)
        .build().start()) {
      SyncReport report = CRMSync.builder().source(source).target(Emulated.adapter(hubspot, clock)).timeSource(clock)
          .build().run();
      assertThat(report.written()).isEqualTo(1_000);
      assertThat(hubspot.refusals()).isEmpty();
      assertThat(hubspot.rateLimited()).isEmpty();
    }
  }

  @Test
  void hubSpotAsTheSourceSyncsIncrementally() {
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).build().start()) {
      for (int i = 0; i < 250; i++) {
        hubspot.insert("contacts", Map.of("email", "h" + i + "@example.com", "firstname", "H" + i));
      }
      clock.advance(Duration.ofMinutes(10));
      HubSpotAdapter source = Emulated.adapter(hubspot, clock);
      FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
      CRMSync sync = CRMSync.builder().source(source).target(target).timeSource(clock).build();
      assertThat(sync.run().created()).isEqualTo(250);

      clock.advance(Duration.ofMinutes(10));
      String id = hubspot.record("contacts", "email", "h7@example.com").orElseThrow().get("hs_object_id");
      hubspot.update("contacts", id, Map.of("firstname", "Changed"));
      SyncReport second = sync.run();
      assertThat(second.updated()).isEqualTo(1);
      assertThat(second.read()).as("only what changed since the last pass").isEqualTo(1);
      Set<String> names = target.records(ObjectTypes.CONTACT).stream().map(r -> r.string("firstName"))
          .collect(Collectors.toSet());
      assertThat(names).contains("Changed").hasSize(250);
      assertThat(source.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isNotEmpty();
      assertThat(MatchKey.email().normalize("H7@example.com")).isEqualTo("h7@example.com");
    }
  }
}

package io.crmsync.examples.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.backend.SyncBackend;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine moving contacts between an application ({@link FakeCrm}) and Acme, through the Acme adapter. */
class AcmeCrmSyncTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final AcmeCrmServer acme = AcmeCrmServer.builder().timeSource(clock).customField("favourite_colour", "text")
      .build().start();
  final CRMAdapter adapter = new AcmeCrmProvider().create(
      AdapterConfig.builder("acme").settings(acme.settings()).timeSource(clock).build());
  final FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();

  @AfterEach
  void stop() {
    acme.close();
  }

  /** {@code n} contacts of the application, every third with a favourite colour, each with its owner there. */
  static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("email", "c" + i + "@example.com");
      f.put("firstName", "First" + i);
      f.put("lastName", "Last" + (i % 97));
      f.put("company", "Company " + (i % 13));
      f.put("ownerId", "app-user-" + (i % 5));
      if (i % 3 == 0) {
        f.put("favourite_colour", "green");
      }
      out.add(CrmRecord.of(ObjectTypes.CONTACT, f));
    }
    return out;
  }

  @Test
  void contactsGoFromTheAppIntoAcmeAndWhatUsersChangeInAcmeComesBack() {
    int n = 10_000;
    List<CrmRecord> seed = new ArrayList<>(contacts(n));
    seed.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "not-an-email", "firstName", "Bad")));
    app.seed(seed);
    SyncBackend state = SyncBackend.inMemory(clock); // both directions share links and written content

    CRMSync toAcme = CRMSync.builder().source(app).target(adapter).matchKey(MatchKey.email()).timeSource(clock)
        .backend(state).twoWay(true).build();
    SyncReport out = toAcme.run();

    assertThat(out.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(out.created()).isEqualTo(n);
    assertThat(toAcme.deadLetters(10)).singleElement()
        .satisfies(d -> assertThat(d.message()).contains("invalid_email"));
    assertThat(out.fieldsLeftOut()).as("the app's owner ids mean nothing in Acme").containsEntry("ownerId", (long) n);
    assertThat(acme.contacts()).hasSize(n);
    ObjectNode c3 = acme.contact("C3@example.com").orElseThrow();
    assertThat(c3.path("first_name").asText()).isEqualTo("First3");
    assertThat(c3.path("company_name").asText()).isEqualTo("Company 3");
    assertThat(c3.path("custom_fields").path("favourite_colour").asText()).isEqualTo("green");
    assertThat(c3.has("owner_id")).isFalse();
    // the engine paced the adapter: 10,000 contacts in 100 batches, within Acme's rate limit, nothing refused
    assertThat(acme.refusals()).isEmpty();
    assertThat(acme.maxRequestsInAnyWindow(AcmeCrmServer.RATE_WINDOW)).isLessThanOrEqualTo(AcmeCrmServer.RATE_LIMIT);

    clock.advance(Duration.ofMinutes(10));
    acme.edit(acme.contact("c7@example.com").orElseThrow().path("id").asText(),
        Map.of("first_name", "Changed", "favourite_colour", "teal"));
    CRMSync fromAcme = CRMSync.builder().source(adapter).target(app).matchKey(MatchKey.email()).timeSource(clock)
        .mapping(RecordMapper.of(r -> r.with("createdAt", null))) // when Acme created it is Acme's own
        .backend(state).twoWay(true).build();
    SyncReport back = fromAcme.run();

    assertThat(back.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(back.read()).as("the first pass reads everything").isEqualTo(n);
    assertThat(back.created()).as("every contact found its own in the app").isZero();
    assertThat(back.updated()).as("what the app wrote into Acme is not echoed back").isEqualTo(1);
    CrmRecord c7 = app.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("c7@example.com");
    assertThat(c7.fields()).containsEntry("firstName", "Changed").containsEntry("favourite_colour", "teal")
        .containsEntry("ownerId", "app-user-2");
    assertThat(app.size(ObjectTypes.CONTACT)).isEqualTo(n + 1);

    clock.advance(Duration.ofMinutes(10));
    acme.edit(acme.contact("c8@example.com").orElseThrow().path("id").asText(), Map.of("job_title", "CTO"));
    SyncReport next = fromAcme.run();

    // later passes read what changed since the last began: c8, and c7, edited at the very instant it began
    assertThat(next.read()).isEqualTo(2);
    assertThat(next.updated()).isEqualTo(1);
    assertThat(app.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("c8@example.com").string("title"))
        .isEqualTo("CTO");
    assertThat(acme.refusals()).isEmpty();
  }

  @Test
  void lostAnswersAreRetriedWithoutDuplicatingAContact() {
    app.seed(contacts(500));
    acme.loseNextWriteAnswer();

    SyncReport report = CRMSync.builder().source(app).target(adapter).timeSource(clock).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.written()).isEqualTo(500);
    assertThat(report.retries()).isPositive();
    assertThat(report.deadLettered()).isZero();
    assertThat(acme.contacts()).hasSize(500);
  }

  @Test
  void aSpentDailyQuotaStopsTheRunAndTheNextDayFinishesIt() {
    // six requests a day: a session token, describe(), and four batches of 100
    try (AcmeCrmServer limited = AcmeCrmServer.builder().timeSource(clock).dailyQuota(6).build().start()) {
      CRMAdapter small = new AcmeCrmProvider().create(
          AdapterConfig.builder("acme").settings(limited.settings()).timeSource(clock).build());
      app.seed(contacts(500));
      List<Alert> alerts = new CopyOnWriteArrayList<>();
      CRMSync sync = CRMSync.builder().source(app).target(small).batchSize(100).workers(1).timeSource(clock)
          .alertSink(alerts::add).build();

      SyncReport today = sync.run();

      assertThat(today.status()).isEqualTo(SyncReport.Status.FAILED);
      assertThat(alerts).extracting(Alert::kind).containsExactly(Alert.Kind.QUOTA_EXHAUSTED);
      assertThat(today.quotaResetsAt()).contains(Instant.parse("2026-01-02T00:00:00Z"));
      assertThat(today.written()).isEqualTo(400);
      assertThat(today.remaining()).isEqualTo(100);

      clock.advance(Duration.ofDays(1));
      SyncReport tomorrow = sync.run();

      assertThat(tomorrow.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(tomorrow.created()).isEqualTo(100);
      assertThat(limited.contacts()).hasSize(500);
      assertThat(limited.refusals()).containsOnlyKeys("429 daily_quota_exceeded");
    }
  }
}

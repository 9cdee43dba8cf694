package io.crmsync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.backend.SyncBackend;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.CrmRecord;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.queue.NewTask;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metrics of real syncs, read back as Prometheus scrapes them. */
class CrmSyncMetricsTest {
  private static final Set<String> LABELS = Set.of("job", "adapter", "operation", "status", "state", "stage", "quota",
      "kind", "phase", "error_code", "quantile", "le", "env");

  final FakeTimeSource clock = new FakeTimeSource();
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final CrmSyncMetrics metrics = CrmSyncMetrics.builder(registry).queueStatsTtl(Duration.ZERO)
      .commonTags("env", "test").build();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
    registry.close();
  }

  private PrometheusScrape scrape() {
    return PrometheusScrape.parse(registry.scrape());
  }

  @Test
  void aSyncIntoHubSpotIsCountedRecordByRecordAndRequestByRequest() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).seed(3).build();
    List<CrmRecord> seeded = app.seed(SyncEngineContract.contacts(300, 30)); // every 30th email invalid: 10
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    HubSpotAdapter target = HubSpotAdapter.create(AdapterConfig.builder("hubspot")
        .settings(hubspot.adapterSettings()).timeSource(clock).build());
    // the describe fails once with a 500 and once with a 429: the adapter retries both itself
    hubspot.injectFaults(Fault.SERVER_ERROR, Fault.RATE_LIMITED);
    CRMSync sync = CRMSync.builder().source(app).target(target).jobId("app-to-hubspot").timeSource(clock)
        .listener(metrics).build();
    metrics.bind(sync);

    clock.advance(Duration.ofMinutes(1));
    SyncReport report = sync.run();
    assertThat(report.written()).isEqualTo(290);
    assertThat(report.deadLettered()).isEqualTo(10);

    PrometheusScrape s = scrape();
    assertThat(s.type("crmsync_records_read_total")).isEqualTo("counter");
    assertThat(s.type("crmsync_adapter_requests_seconds")).isEqualTo("summary");
    assertThat(s.value("crmsync_records_read_total", "job", "app-to-hubspot", "adapter", "app", "env", "test"))
        .isEqualTo(300);
    assertThat(s.value("crmsync_records_written_total", "job", "app-to-hubspot", "adapter", "hubspot")).isEqualTo(290);
    assertThat(s.value("crmsync_records_unchanged_total", "job", "app-to-hubspot")).isZero();
    assertThat(s.find("crmsync_records_dead_lettered_total", "job", "app-to-hubspot", "adapter", "hubspot",
        "operation", "upsert")).singleElement().satisfies(d -> {
          assertThat(d.value()).isEqualTo(10);
          assertThat(d.labels().get("error_code")).isNotBlank();
        });
    assertThat(s.value("crmsync_runs_seconds_count", "job", "app-to-hubspot", "status", "completed")).isEqualTo(1);
    assertThat(s.value("crmsync_run_last_success_seconds", "job", "app-to-hubspot"))
        .isCloseTo(clock.now().getEpochSecond(), within(1.0));

    // request latency by operation, with percentiles; the adapter's own retries and the 429 it met
    assertThat(s.sum("crmsync_adapter_requests_seconds_count", "adapter", "hubspot", "operation", "upsert"))
        .isEqualTo(hubspot.requests().stream().filter(r -> r.path().endsWith("/batch/upsert")).count());
    assertThat(s.find("crmsync_adapter_requests_seconds", "adapter", "hubspot", "operation", "upsert", "quantile", "0.95"))
        .isNotEmpty();
    assertThat(s.value("crmsync_adapter_requests_seconds_count", "adapter", "hubspot", "operation", "describe",
        "status", "500")).isEqualTo(1);
    assertThat(s.value("crmsync_adapter_retries_total", "adapter", "hubspot", "operation", "describe")).isEqualTo(2);
    assertThat(s.value("crmsync_adapter_rate_limits_seconds_count", "adapter", "hubspot", "operation", "describe",
        "quota", "false")).isEqualTo(1);

    // the queue is drained; the checkpoint lag grows with the clock
    assertThat(s.value("crmsync_queue_tasks", "job", "app-to-hubspot", "state", "ready")).isZero();
    assertThat(s.value("crmsync_queue_tasks", "job", "app-to-hubspot", "state", "leased")).isZero();
    assertThat(s.value("crmsync_queue_oldest_task_age_seconds", "job", "app-to-hubspot")).isZero();
    double lag = s.value("crmsync_checkpoint_lag_seconds", "job", "app-to-hubspot");
    assertThat(lag).isBetween(0.0, (double) report.duration().toSeconds() + 60);
    clock.advance(Duration.ofMinutes(10));
    assertThat(scrape().value("crmsync_checkpoint_lag_seconds", "job", "app-to-hubspot")).isEqualTo(lag + 600);

    // never a record's data or id in a label, and only the documented label names
    for (PrometheusScrape.Sample sample : s.samples()) {
      assertThat(LABELS).as(sample.toString()).containsAll(sample.labels().keySet());
      for (String v : sample.labels().values()) {
        assertThat(v).as(sample.toString()).doesNotContain("@").doesNotContain("example.com");
        assertThat(seeded).noneMatch(r -> v.equals(r.id()));
      }
    }
  }

  @Test
  void recordsSkippedAsUnchangedWhenReadAreCountedByTheEndOfTheRun() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).seed(3).build();
    FakeCrm crm = FakeCrm.builder().id("crm").timeSource(clock).seed(4).build();
    app.seed(SyncEngineContract.contacts(250, 0));
    CRMSync sync = CRMSync.builder().source(app).target(crm).jobId("j").timeSource(clock).incremental(false)
        .listener(metrics).build();
    try (CrmSyncMetrics.Binding b = metrics.bind(sync)) {
      sync.run();
      SyncReport second = sync.run();
      assertThat(second.unchanged()).isEqualTo(250);
      PrometheusScrape s = scrape();
      assertThat(s.value("crmsync_records_read_total", "job", "j")).isEqualTo(500);
      assertThat(s.value("crmsync_records_written_total", "job", "j")).isEqualTo(250);
      assertThat(s.value("crmsync_records_unchanged_total", "job", "j")).isEqualTo(250);
      assertThat(s.value("crmsync_runs_seconds_count", "job", "j", "status", "completed")).isEqualTo(2);
    }
    assertThat(scrape().find("crmsync_records_read_total", "job", "j")).as("removed with the binding").isEmpty();
    assertThat(scrape().find("crmsync_queue_tasks", "job", "j")).isEmpty();
  }

  @Test
  void rateLimitsThatReachTheEngineAndItsRetriesAreCounted() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).seed(3).build();
    FakeCrm crm = FakeCrm.builder().id("crm").timeSource(clock).seed(4)
        .rateLimitAfter(3, Duration.ofSeconds(20)).transientFailureRate(0.2).build();
    app.seed(SyncEngineContract.contacts(500, 0));
    CRMSync sync = CRMSync.builder().source(app).target(crm).jobId("limited").timeSource(clock).batchSize(50)
        .listener(metrics).build();
    metrics.bind(sync);
    SyncReport report = sync.run();
    PrometheusScrape s = scrape();
    assertThat(s.value("crmsync_rate_limit_waits_seconds_count", "job", "limited", "adapter", "crm"))
        .isEqualTo(report.rateLimited()).isPositive();
    assertThat(s.value("crmsync_rate_limit_waits_seconds_sum", "job", "limited", "adapter", "crm"))
        .as("each refusal asks for what is left of the 20 s window").isPositive().isLessThanOrEqualTo(20.0 * report.rateLimited());
    assertThat(s.sum("crmsync_retries_total", "job", "limited")).isEqualTo(report.retries()).isPositive();
    assertThat(s.value("crmsync_records_written_total", "job", "limited")).isEqualTo(report.written());
  }

  @Test
  void queueDepthAndTheAgeOfItsOldestTaskComeFromTheQueue() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
    FakeCrm crm = FakeCrm.builder().id("crm").timeSource(clock).build();
    SyncBackend backend = SyncBackend.inMemory(clock);
    CRMSync sync = CRMSync.builder().source(app).target(crm).jobId("q").timeSource(clock).backend(backend)
        .listener(metrics).build();
    metrics.bind(sync);
    backend.queue().enqueue("crmsync:q", List.of(NewTask.of("{}"), new NewTask("{}", Duration.ofMinutes(5), 1)));
    clock.advance(Duration.ofSeconds(90));
    PrometheusScrape s = scrape();
    assertThat(s.value("crmsync_queue_tasks", "job", "q", "state", "ready")).isEqualTo(1);
    assertThat(s.value("crmsync_queue_tasks", "job", "q", "state", "delayed")).isEqualTo(1);
    assertThat(s.value("crmsync_queue_oldest_task_age_seconds", "job", "q")).isEqualTo(90);
    assertThat(s.value("crmsync_checkpoint_lag_seconds", "job", "q")).as("no pass yet").isNaN();
  }

  @Test
  void aJobIsBoundOnceAndAnUnboundJobIsStillCounted() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
    FakeCrm crm = FakeCrm.builder().id("crm").timeSource(clock).build();
    app.seed(SyncEngineContract.contacts(10, 0));
    CRMSync sync = CRMSync.builder().source(app).target(crm).jobId("once").timeSource(clock).listener(metrics).build();
    sync.run(); // not bound: counted, without the adapters' names
    assertThat(scrape().value("crmsync_records_read_total", "job", "once", "adapter", "unknown")).isEqualTo(10);

    CRMSync other = CRMSync.builder().source(app).target(crm).jobId("twice").timeSource(clock).build();
    metrics.bind(other);
    assertThatThrownBy(() -> metrics.bind(other)).isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
  }

  @Test
  void dedupePhasesAreTimed() {
    List<DedupeRecord> records = List.of(
        DedupeRecord.of("1", Map.of("email", "ada@example.com", "firstName", "Ada", "lastName", "Lovelace")),
        DedupeRecord.of("2", Map.of("email", "ada@example.com", "firstName", "Ada", "lastName", "Lovelace")),
        DedupeRecord.of("3", Map.of("email", "alan@example.com", "firstName", "Alan", "lastName", "Turing")));
    DataQualityEngine.builder().build().deduplicate(records, metrics.dedupeListener());
    PrometheusScrape s = scrape();
    assertThat(s.find("crmsync_dedupe_phase_seconds_count")).extracting(x -> x.labels().get("phase"))
        .contains("normalize", "block", "compare", "cluster", "merge");
    assertThat(s.find("crmsync_dedupe_phase_seconds_count")).allSatisfy(x -> assertThat(x.value()).isEqualTo(1));
  }
}

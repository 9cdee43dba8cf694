package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The engine reading Pipedrive, incrementally, and writing into it within its documented limits. */
class PipedriveSyncTest {
  final FakeTimeSource clock = new FakeTimeSource();

  @Test
  void pipedriveAsTheSourceSyncsIncrementally() {
    try (PipedriveEmulator pipedrive = PipedriveEmulator.builder().timeSource(clock).build().start()) {
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < 1_200; i++) {
        ids.add(pipedrive.insert("persons", Map.of("name", "Per" + i + " Son",
            "emails", List.of(Map.of("value", "p" + i + "@example.com")))));
      }
      clock.advance(Duration.ofMinutes(10));
      PipedriveAdapter source = Emulated.adapter(pipedrive, clock);
      FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
      CRMSync sync = CRMSync.builder().source(source).target(target).timeSource(clock)
          .readPageSize(source.capabilities().maxPageSize()).build();
      SyncReport first = sync.run();
      assertThat(first.created()).isEqualTo(1_200);
      long lists = pipedrive.requests().stream().filter(r -> r.path().equals("/api/v2/persons")).count();
      assertThat(lists).as("pages of 500, the most a list returns").isEqualTo(3);

      clock.advance(Duration.ofMinutes(10));
      pipedrive.update("persons", ids.get(7), Map.of("name", "Changed Son"));
      SyncReport second = sync.run();
      assertThat(second.read()).as("only what changed since the last pass").isEqualTo(1);
      assertThat(second.updated()).isEqualTo(1);
      Set<String> names = target.records(ObjectTypes.CONTACT).stream().map(r -> r.string("firstName"))
          .collect(Collectors.toSet());
      assertThat(names).contains("Changed").hasSize(1_200);
      assertThat(pipedrive.refusedCount()).isZero();
    }
  }

  /**
   * With Pipedrive's limits on (the Lite plan: 20 requests per 2 seconds with an API token, 10 searches per 2
   * seconds, 30,000 tokens a day for one seat), a sync keeps to all of them: nothing is refused.
   */
  @Test
  void aSyncIntoPipedriveKeepsToItsBurstSearchAndTokenLimits() {
    try (PipedriveEmulator pipedrive = PipedriveEmulator.builder().timeSource(clock)
        .plan(PipedriveEmulator.Plan.LITE, 1).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
      List<CrmRecord> records = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        records.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "l" + i + "@example.com", "firstName", "L" + i,
            "lastName", "Limited")));
      }
      source.seed(records);
      PipedriveAdapter target = Emulated.adapter(pipedrive, clock);
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(3).build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.created()).isEqualTo(600);
      assertThat(pipedrive.refusedCount()).as("no 429, no refusal: " + pipedrive.refusals()).isZero();
      assertThat(pipedrive.maxRequestsInAnyWindow(PipedriveEmulator.BURST_WINDOW))
          .isLessThanOrEqualTo(PipedriveEmulator.Plan.LITE.apiTokenBurst());
      // 20 tokens for each exact-match search and 5 for each create, and the fields catalog once
      assertThat(pipedrive.tokensSpent()).isEqualTo(600 * 25 + 10);
      assertThat(target.rateLimitStatus().orElseThrow().dailyTokensLeft()).hasValue(30_000 - 600 * 25 - 10);

      // a second pass writes nothing: the engine skips what it already wrote
      SyncReport again = CRMSync.builder().source(source).target(target).timeSource(clock).build().run();
      assertThat(again.unchanged() + again.written()).isEqualTo(600);
    }
  }

  @Test
  void whatIsWrittenCanBeReadBackThroughTheSameAdapter() {
    try (PipedriveEmulator pipedrive = PipedriveEmulator.builder().timeSource(clock).build().start()) {
      PipedriveAdapter adapter = Emulated.adapter(pipedrive, clock);
      List<CrmRecord> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "r" + i + "@example.com", "firstName", "R" + i,
            "lastName", "Read", "phone", "+3725550" + i)));
      }
      assertThat(adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email())).allMatch(RecordResult::succeeded);
      List<CrmRecord> read = new ArrayList<>();
      try (var s = adapter.stream(io.crmsync.adapter.ReadRequest.of(ObjectTypes.CONTACT).withPageSize(30))) {
        s.forEach(read::add);
      }
      assertThat(read).hasSize(100);
      assertThat(read).allSatisfy(r -> assertThat(r.fields()).containsKeys("email", "firstName", "lastName", "phone"));
    }
  }
}

package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.SyncReport;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental reads by change tracking: creates, updates and deletes made between two passes arrive exactly once,
 * also when the process is restarted between them (the delta link kept in the sync's state store or a file), and a
 * pass started again after a crash reads its changes again rather than losing them.
 */
class DeltaTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static List<String> seed(DataverseEmulator dv, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(dv.insert("contact", Map.of("emailaddress1", "d" + i + "@example.com", "firstname", "D" + i, "lastname", "Delta")));
    }
    return ids;
  }

  private CRMSync sync(DataverseEmulator dv, FakeCrm target, SyncStateStore state) {
    // A new adapter and engine each time: what a restarted process builds from its configuration
    DynamicsAdapter source = DynamicsAdapter.create(Emulated.config(dv, clock).build(), DeltaLinkStore.of(state, clock));
    return CRMSync.builder().source(source).target(target).jobId("dataverse-to-app")
        .backend(SyncBackend.of(TaskQueue.inMemory(clock), state)).timeSource(clock).propagateDeletes(true).build();
  }

  @Test
  void changesBetweenTwoPassesArriveExactlyOnceAcrossARestart() {
    SyncStateStore state = SyncStateStore.inMemory(); // stands for the PostgreSQL store that outlives the process
    FakeCrm target = FakeCrm.builder().id("app").timeSource(clock).build();
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      List<String> ids = seed(dv, 120);
      clock.advance(Duration.ofMinutes(5));

      SyncReport first = sync(dv, target, state).run();
      assertThat(first.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(first.created()).isEqualTo(120);
      assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(120);

      clock.advance(Duration.ofMinutes(5));
      for (int i = 0; i < 7; i++) {
        dv.insert("contact", Map.of("emailaddress1", "new" + i + "@example.com", "firstname", "New" + i));
      }
      for (int i = 0; i < 5; i++) {
        dv.update("contact", ids.get(10 + i), Map.of("firstname", "Changed" + i));
      }
      for (int i = 0; i < 3; i++) {
        dv.delete("contact", ids.get(50 + i));
      }
      dv.update("contact", ids.get(60), Map.of("firstname", "Twice"));
      dv.update("contact", ids.get(60), Map.of("firstname", "Thrice")); // two changes, one row in the delta
      clock.advance(Duration.ofMinutes(5));

      SyncReport second = sync(dv, target, state).run();
      assertThat(second.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(second.read()).as("7 creates, 6 updated rows and 3 deletions, each once (a full read would be 124)")
          .isEqualTo(16);
      assertThat(second.created()).isEqualTo(7);
      assertThat(second.updated()).isEqualTo(6);
      assertThat(second.deleted()).isEqualTo(3);

      Map<String, String> names = target.records(ObjectTypes.CONTACT).stream()
          .collect(Collectors.toMap(r -> r.string("email"), r -> String.valueOf(r.string("firstName"))));
      assertThat(names).hasSize(120 + 7 - 3);
      assertThat(names).containsEntry("d10@example.com", "Changed0").containsEntry("d60@example.com", "Thrice")
          .containsEntry("new6@example.com", "New6").doesNotContainKeys("d50@example.com", "d51@example.com", "d52@example.com");

      clock.advance(Duration.ofMinutes(5));
      SyncReport third = sync(dv, target, state).run();
      assertThat(third.read()).as("nothing changed since").isZero();
      assertThat(dv.refusals()).isEmpty();
    }
  }

  /** Reads every page of an incremental read of contacts with {@code since}, from a fresh adapter each page. */
  private List<CrmRecord> readAll(DataverseEmulator dv, DeltaLinkStore links, Instant since) {
    List<CrmRecord> out = new ArrayList<>();
    String cursor = null;
    do {
      try (DynamicsAdapter a = DynamicsAdapter.create(Emulated.config(dv, clock).build(), links)) {
        Page p = a.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withPageSize(4).withIncludeDeleted(true)
            .withCursor(cursor));
        out.addAll(p.records());
        cursor = p.nextCursor();
      }
    } while (cursor != null);
    return out;
  }

  @Test
  void aPassStartedAgainAfterACrashReadsItsChangesAgainAndTheNextPassDoesNot(@TempDir Path dir) {
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      List<String> ids = seed(dv, 10);
      Path file = dir.resolve("delta-links.properties");
      Instant t0 = clock.now();
      assertThat(readAll(dv, DeltaLinkStore.file(file), t0)).as("no delta link yet: the whole table").hasSize(10);

      clock.advance(Duration.ofMinutes(1));
      for (int i = 0; i < 6; i++) {
        dv.update("contact", ids.get(i), Map.of("lastname", "Changed"));
      }
      dv.delete("contact", ids.get(9));
      Instant t1 = clock.now();
      List<CrmRecord> changes = readAll(dv, DeltaLinkStore.file(file), t1);
      assertThat(changes).as("read across pages, each page by a new process").hasSize(7);
      assertThat(changes).filteredOn(CrmRecord::deleted).extracting(CrmRecord::id).containsExactly(ids.get(9));

      // The pass with since t1 crashed before its records settled: the engine starts it again with the same since
      List<CrmRecord> again = readAll(dv, DeltaLinkStore.file(file), t1);
      assertThat(again).extracting(CrmRecord::id).containsExactlyInAnyOrderElementsOf(
          changes.stream().map(CrmRecord::id).collect(Collectors.toList()));

      clock.advance(Duration.ofMinutes(1));
      dv.update("contact", ids.get(7), Map.of("lastname", "Later"));
      List<CrmRecord> next = readAll(dv, DeltaLinkStore.file(file), clock.now());
      assertThat(next).as("only what changed after the settled pass").extracting(CrmRecord::id).containsExactly(ids.get(7));
    }
  }

  @Test
  void anExpiredDeltaLinkFallsBackToAFullReadWithoutLosingRows() {
    try (DataverseEmulator dv = Emulated.emulator(clock).deltaTokenLifetime(Duration.ofDays(1)).build().start()) {
      seed(dv, 5);
      DeltaLinkStore links = DeltaLinkStore.inMemory();
      assertThat(readAll(dv, links, clock.now())).hasSize(5);
      clock.advance(Duration.ofDays(2));
      dv.insert("contact", Map.of("emailaddress1", "late@example.com"));
      List<CrmRecord> after = readAll(dv, links, clock.now());
      assertThat(after).as("the whole table again, the new row with it").hasSize(6);
      Map<String, Integer> seen = new HashMap<>();
      after.forEach(r -> seen.merge(r.id(), 1, Integer::sum));
      assertThat(seen.values()).containsOnly(1);
    }
  }
}

package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CrmSyncException;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.Settlement;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeTimeSource;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresStateStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static HikariDataSource pool;
  private FakeTimeSource time;
  private PostgresSync pg;
  private SyncStateStore store;
  private TaskQueue queue;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(6);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @BeforeEach
  void open() {
    time = new FakeTimeSource();
    pg = PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("state")).timeSource(time).build();
    store = pg.stateStore();
    queue = pg.taskQueue();
  }

  @AfterEach
  void close() {
    pg.close();
  }

  private static StateUpdate links(IdLink... links) {
    return new StateUpdate(List.of(links), List.of(), List.of());
  }

  @Test
  void checkpointsRoundTripIncludingAbsentParts() {
    assertThat(store.checkpoint("job")).isEmpty();
    Checkpoint inPass = new Checkpoint("000000000300", Instant.parse("2026-01-01T00:00:00.123456Z"),
        Instant.parse("2026-01-02T00:00:00Z"), Instant.parse("2026-01-03T00:00:00Z"));
    store.saveCheckpoint("job", inPass);
    assertThat(store.checkpoint("job")).contains(inPass);
    Checkpoint done = new Checkpoint(null, null, null, Instant.parse("2026-01-04T00:00:00Z"));
    store.saveCheckpoint("job", done);
    assertThat(store.checkpoint("job")).contains(done);
    assertThat(store.checkpoint("other")).isEmpty();
  }

  @Test
  void linksAreSymmetricUniquePerSystemPairAndIdAndTheLastOneWins() {
    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h1"), new IdLink("contact", "app", "a2", "hubspot", "h2")));
    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2", "a3"), "hubspot")).isEqualTo(Map.of("a1", "h1", "a2", "h2"));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h1", "h2"), "app")).isEqualTo(Map.of("h1", "a1", "h2", "a2"));
    assertThat(store.linkedIds("company", "app", List.of("a1"), "hubspot")).isEmpty();
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "salesforce")).isEmpty();

    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h9"), new IdLink("contact", "app", "a1", "salesforce", "s1")));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "hubspot")).isEqualTo(Map.of("a1", "h9"));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "salesforce")).isEqualTo(Map.of("a1", "s1"));
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema()
        + ".id_links WHERE from_system = 'app' AND from_id = 'a1'")).isEqualTo(2);
  }

  @Test
  void fingerprintsAreReadInBulkPerScope() {
    store.apply(new StateUpdate(List.of(), List.of(
        new Fingerprint("hubspot/contact", "app:1", "d1"),
        new Fingerprint("hubspot/contact", "app:2", "d2"),
        new Fingerprint("salesforce/contact", "app:1", "s1"),
        new Fingerprint("hubspot/contact", "app:1", "d1b")), List.of()));
    assertThat(store.fingerprints("hubspot/contact", List.of("app:1", "app:2", "app:3", "app:1")))
        .isEqualTo(Map.of("app:1", "d1b", "app:2", "d2"));
    assertThat(store.fingerprints("salesforce/contact", List.of("app:1"))).isEqualTo(Map.of("app:1", "s1"));
    assertThat(store.fingerprints("x", List.of())).isEmpty();
  }

  @Test
  void deadLettersKeepTheirRecordExactlyAndInOrder() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("email", "ä@example.com");
    fields.put("score", 12345678901234L);
    fields.put("ratio", new BigDecimal("0.10"));
    fields.put("tags", List.of("a", "b", 3L));
    fields.put("address", Map.of("city", "Zürich", "zip", "8000", "nested", Map.of("ok", true)));
    fields.put("note", "quote \" backslash \\ newline \n emoji 😀");
    CrmRecord record = new CrmRecord("contact", "000000000042", fields, Instant.parse("2026-01-01T10:00:00.5Z"), false);
    DeadLetter first = new DeadLetter("job", "upsert", record, "INVALID_VALUE", "email: not an address", 3,
        Instant.parse("2026-01-05T00:00:00Z"));
    DeadLetter second = new DeadLetter("job", "delete", CrmRecord.of("contact", Map.of("email", "b@example.com")),
        "CrmUnavailableException", "[target HTTP 503] down", 1, Instant.parse("2026-01-05T00:00:01Z"));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(first, second)));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        new DeadLetter("other", "upsert", record, "X", "y", 1, Instant.parse("2026-01-05T00:00:02Z")))));

    assertThat(store.deadLetters("job", 10)).containsExactly(first, second);
    assertThat(store.deadLetters("job", 1)).containsExactly(first);
    assertThat(store.deadLetterCount("job")).isEqualTo(2);
    assertThat(store.deadLetterCount("other")).isEqualTo(1);
    assertThat(store.deadLetterCount("none")).isZero();
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema()
        + ".dead_letters WHERE record->'fields'->>'email' = 'ä@example.com'")).as("queryable JSON").isEqualTo(2);
  }

  @Test
  void applyAndSettleCommitsTheStateAndTheCompletionTogether() {
    queue.enqueue("t", List.of(NewTask.of("{\"batch\":1}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    StateUpdate update = links(new IdLink("contact", "app", "a1", "crm", "c1"));

    boolean settled = store.applyAndSettle(update, queue,
        Settlement.complete(task, List.of(NewTask.of("{\"followUp\":1}"))));

    assertThat(settled).isTrue();
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).containsEntry("a1", "c1");
    assertThat(queue.lease("t", "w", 10, LEASE)).extracting(LeasedTask::payload).containsExactly("{\"followUp\":1}");
  }

  @Test
  void aLostLeaseAppliesNothing() {
    queue.enqueue("t", List.of(NewTask.of("{\"batch\":1}")));
    LeasedTask stale = queue.lease("t", "w1", 1, LEASE).get(0);
    time.advance(LEASE.plusSeconds(1));
    LeasedTask fresh = queue.lease("t", "w2", 1, LEASE).get(0);

    boolean settled = store.applyAndSettle(links(new IdLink("contact", "app", "a1", "crm", "c1")), queue,
        Settlement.complete(stale, List.of(NewTask.of("{\"ghost\":1}"))));
    boolean dead = store.applyAndSettle(new StateUpdate(List.of(), List.of(new Fingerprint("s", "k", "v")), List.of()),
        queue, Settlement.deadLetter(stale, "gave up"));

    assertThat(settled).isFalse();
    assertThat(dead).isFalse();
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).isEmpty();
    assertThat(store.fingerprints("s", List.of("k"))).isEmpty();
    assertThat(queue.stats("t").unfinished()).isEqualTo(1);
    assertThat(queue.deadLetters("t", 10)).isEmpty();
    assertThat(queue.complete(fresh)).isTrue();
  }

  @Test
  void aFailedStateWriteLeavesTheTaskLeasedAndEnqueuesNothing() {
    queue.enqueue("t", List.of(NewTask.of("{\"batch\":1}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    // PostgreSQL text cannot hold NUL: the state write fails after the task's row was deleted
    StateUpdate poisoned = new StateUpdate(List.of(new IdLink("contact", "app", "a1", "crm", "c1")),
        List.of(new Fingerprint("s", "k", "bad\u0000digest")), List.of());

    assertThatThrownBy(() -> store.applyAndSettle(poisoned, queue, Settlement.complete(task, List.of(NewTask.of("{}")))))
        .isInstanceOf(CrmSyncException.class)
        .hasMessageContaining("settling task " + task.id());

    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).as("rolled back").isEmpty();
    assertThat(queue.stats("t").leased()).as("the task is still leased, not completed").isEqualTo(1);
    assertThat(queue.stats("t").ready()).as("no follow-up").isZero();
    assertThat(queue.complete(task)).isTrue();
  }

  @Test
  void deadLetteringATaskWithItsRecordsIsOneTransactionToo() {
    queue.enqueue("t", List.of(NewTask.of("{\"poison\":true}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    DeadLetter letter = new DeadLetter("job", "upsert", CrmRecord.of("contact", Map.of("email", "p@example.com")),
        "CrmUnavailableException", "503", 3, time.now());

    assertThat(store.applyAndSettle(new StateUpdate(List.of(), List.of(), List.of(letter)), queue,
        Settlement.deadLetter(task, "CrmUnavailableException: 503"))).isTrue();

    assertThat(store.deadLetters("job", 10)).containsExactly(letter);
    assertThat(queue.deadLetters("t", 10)).singleElement().satisfies(d -> {
      assertThat(d.payload()).isEqualTo("{\"poison\":true}");
      assertThat(d.cause()).isEqualTo("CrmUnavailableException: 503");
    });
  }

  @Test
  void anotherQueueGetsTheDefaultApplyThenSettle() {
    TaskQueue memory = TaskQueue.inMemory(time);
    memory.enqueue("t", List.of(NewTask.of("{}")));
    LeasedTask task = memory.lease("t", "w", 1, LEASE).get(0);
    assertThat(store.applyAndSettle(links(new IdLink("contact", "app", "a1", "crm", "c1")), memory,
        Settlement.complete(task, List.of()))).isTrue();
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).containsEntry("a1", "c1");
    assertThat(memory.stats("t").unfinished()).isZero();
  }
}

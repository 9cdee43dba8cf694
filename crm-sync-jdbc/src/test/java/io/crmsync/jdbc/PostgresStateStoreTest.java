package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CrmSyncException;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.backend.Settlement;
import io.crmsync.jdbc.internal.Db;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncStateStoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The state store contract on PostgreSQL, and what only a database store does: one transaction with the queue. */
class PostgresStateStoreTest extends SyncStateStoreContract {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static HikariDataSource pool;
  private FakeTimeSource time;
  private PostgresSync pg;
  private TaskQueue queue;
  private final List<AutoCloseable> restarted = new ArrayList<>();

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(6);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Override
  protected SyncStateStore newStore() {
    time = new FakeTimeSource();
    pg = PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("state")).timeSource(time).build();
    queue = pg.taskQueue();
    return pg.stateStore();
  }

  /** A new pool and store on the same schema, as a restarted process opens them. */
  @Override
  protected SyncStateStore reopen() {
    HikariDataSource again = TestDatabase.pool(2);
    PostgresSync reopened = PostgresSync.builder().dataSource(again).schema(pg.config().schema()).timeSource(time).build();
    restarted.add(again);
    restarted.add(reopened);
    return reopened.stateStore();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = restarted.size() - 1; i >= 0; i--) {
      restarted.get(i).close();
    }
    restarted.clear();
    pg.close();
  }

  private static StateUpdate links(IdLink... links) {
    return new StateUpdate(List.of(links), List.of(), List.of());
  }

  @Test
  void aLinkIsOneRowKeyedByTheIdThatSavedIt() {
    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h1")));
    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h9"), new IdLink("contact", "app", "a1", "salesforce", "s1")));
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema()
        + ".id_links WHERE from_system = 'app' AND from_id = 'a1'")).isEqualTo(2);
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema() + ".id_links"))
        .as("no row for the other direction").isEqualTo(2);
  }

  /**
   * Earlier versions wrote each link twice, once keyed by each id; the second row reads as a link saved
   * from the other side, so what they saved is found as before and an unlink removes both rows.
   */
  @Test
  void linksWrittenAsTwoRowsByEarlierVersionsReadAsBefore() {
    // a1 and a2 written into c1, as an earlier version stored them: c1's row names the last of them
    TestDatabase.execute(pool, "INSERT INTO " + pg.config().schema() + ".id_links (object_type, from_system, "
        + "to_system, from_id, to_id) VALUES ('contact', 'app', 'crm', 'a1', 'c1'), ('contact', 'app', 'crm', 'a2', "
        + "'c1'), ('contact', 'crm', 'app', 'c1', 'a2'), ('contact', 'app', 'crm', 'a3', 'c3'), "
        + "('contact', 'crm', 'app', 'c3', 'a3')");
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c3"), "app"))
        .isEqualTo(Map.of("c1", Set.of("a1", "a2"), "c3", Set.of("a3")));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c3"), "app")).isEqualTo(Map.of("c1", "a2", "c3", "a3"));

    store.apply(StateUpdate.unlinking(List.of(new IdLink("contact", "app", "a2", "crm", "c1"),
        new IdLink("contact", "app", "a3", "crm", "c3"))));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c3"), "app")).isEqualTo(Map.of("c1", Set.of("a1")));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c3"), "app")).isEqualTo(Map.of("c1", "a1"));
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema() + ".id_links")).isEqualTo(1);
  }

  @Test
  void deadLetterRecordsAreQueryableJson() {
    CrmRecord record = CrmRecord.of("contact", Map.of("email", "ä@example.com"));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        DeadLetter.builder("job", DeadLetter.Operation.UPSERT, record).errorCode("INVALID_VALUE")
            .message("email: not an address").attempts(3).at(time.now()).build())));
    assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + pg.config().schema()
        + ".dead_letters WHERE record->'fields'->>'email' = 'ä@example.com'")).isEqualTo(1);
  }

  @Test
  void theBackendCommitsTheStateAndTheCompletionTogether() {
    queue.enqueue("t", List.of(NewTask.of("{\"batch\":1}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    StateUpdate update = links(new IdLink("contact", "app", "a1", "crm", "c1"));

    boolean settled = pg.backend().commit(update,
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

    boolean settled = pg.backend().commit(links(new IdLink("contact", "app", "a1", "crm", "c1")),
        Settlement.complete(stale, List.of(NewTask.of("{\"ghost\":1}"))));
    boolean dead = pg.backend().commit(new StateUpdate(List.of(), List.of(new Fingerprint("s", "k", "v")), List.of()),
        Settlement.deadLetter(stale, "gave up"));

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

    assertThatThrownBy(() -> pg.backend().commit(poisoned, Settlement.complete(task, List.of(NewTask.of("{}")))))
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
    DeadLetter letter = DeadLetter.builder("job", DeadLetter.Operation.UPSERT,
            CrmRecord.of("contact", Map.of("email", "p@example.com")))
        .errorCode("CrmUnavailableException").message("503").attempts(3).retryable(true).at(Db.micros(time.now()))
        .build();

    assertThat(pg.backend().commit(new StateUpdate(List.of(), List.of(), List.of(letter)),
        Settlement.deadLetter(task, "CrmUnavailableException: 503"))).isTrue();

    assertThat(store.deadLetters("job", 10)).containsExactly(letter);
    assertThat(queue.deadLetters("t", 10)).singleElement().satisfies(d -> {
      assertThat(d.payload()).isEqualTo("{\"poison\":true}");
      assertThat(d.cause()).isEqualTo("CrmUnavailableException: 503");
    });
  }
}

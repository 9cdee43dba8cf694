package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.jdbc.LostAnswerDataSource.Fault;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.backend.Settlement;
import io.crmsync.state.StateUpdate;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A commit (or a single statement) that PostgreSQL applied but whose answer was lost, and one that was
 * never sent: every queue and store operation finds out which after reconnecting, so that its work is
 * applied exactly once and its result says what happened.
 */
class LostAnswerTest {
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final FakeTimeSource time = new FakeTimeSource();
  private LostAnswerDataSource faults;
  private String schema;

  @BeforeEach
  void freshSchema() {
    faults = new LostAnswerDataSource(TestDatabase.server().getPostgresDatabase());
    schema = TestDatabase.freshSchema("lost");
  }

  private PostgresSync open() {
    return PostgresSync.builder().dataSource(faults).schema(schema).timeSource(time).notifications(false).build();
  }

  private long count(String sql) {
    return TestDatabase.count(TestDatabase.server().getPostgresDatabase(), sql.replace("$s", schema));
  }

  @Test
  void anEnqueueWhoseCommitAnswerWasLostIsAppliedOnceAndReturnsItsIds() {
    try (PostgresSync pg = open()) {
      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      List<String> ids = pg.taskQueue().enqueue("t", List.of(NewTask.of("{\"a\":1}"), NewTask.of("{\"a\":2}")));
      assertThat(faults.fired()).isEqualTo(1);
      assertThat(count("SELECT count(*) FROM $s.tasks")).as("applied once, not again").isEqualTo(2);
      assertThat(count("SELECT count(*) FROM $s.tasks WHERE id IN (" + String.join(",", ids) + ")")).isEqualTo(2);
      assertThat(time.totalSlept()).as("waited on the time source").isPositive();
    }
  }

  @Test
  void anEnqueueWhoseCommitWasNeverSentRunsAgainAndIsAppliedOnce() {
    try (PostgresSync pg = open()) {
      faults.arm(Fault.COMMIT_NEVER_SENT, null);
      List<String> ids = pg.taskQueue().enqueue("t", List.of(NewTask.of("{}")));
      assertThat(faults.fired()).isEqualTo(1);
      assertThat(count("SELECT count(*) FROM $s.tasks")).isEqualTo(1);
      assertThat(count("SELECT id FROM $s.tasks")).isEqualTo(Long.parseLong(ids.get(0)));
    }
  }

  @Test
  void settlementsWhoseCommitAnswerWasLostReportTheirSuccessAndApplyOnce() {
    try (PostgresSync pg = open()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{\"n\":1}"), NewTask.of("{\"n\":2}"), NewTask.of("{\"n\":3}"),
          NewTask.of("{\"n\":4}")));
      List<LeasedTask> leased = q.lease("t", "w", 4, LEASE);

      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      assertThat(q.complete(leased.get(0))).as("complete").isTrue();
      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      assertThat(q.complete(leased.get(1), List.of(NewTask.of("{\"follow\":1}")))).as("complete with a follow-up")
          .isTrue();
      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      assertThat(q.retry(leased.get(2), Duration.ofSeconds(30), "503")).as("retry").isTrue();
      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      assertThat(q.deadLetter(leased.get(3), "poison")).as("dead-letter").isTrue();
      assertThat(faults.fired()).isEqualTo(4);

      assertThat(count("SELECT count(*) FROM $s.tasks WHERE payload = '{\"follow\":1}'")).as("one follow-up")
          .isEqualTo(1);
      assertThat(count("SELECT attempts FROM $s.tasks WHERE payload = '{\"n\":3}'")).as("one attempt counted")
          .isEqualTo(1);
      assertThat(count("SELECT count(*) FROM $s.dead_tasks")).isEqualTo(1);
      assertThat(count("SELECT count(*) FROM $s.tasks")).as("the retried task and the follow-up").isEqualTo(2);
      // and a second settlement of the same lease is refused: the first one happened
      assertThat(q.complete(leased.get(0))).isFalse();
    }
  }

  @Test
  void aBatchOutcomeWhoseCommitAnswerWasLostIsAppliedOnceWithItsSettlement() {
    try (PostgresSync pg = open()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{}"), NewTask.of("{}")));
      List<LeasedTask> leased = q.lease("t", "w", 2, LEASE);
      // a record without an id: its dead letters are appended, so a second application would show
      CrmRecord noId = new CrmRecord("contact", null, Map.of("email", "x@example.com"), null, false);
      StateUpdate update = new StateUpdate(List.of(), List.of(new Fingerprint("s", "k", "d1")),
          List.of(DeadLetter.builder("job", DeadLetter.Operation.UPSERT, noId).errorCode("INVALID").message("bad email")
              .at(time.now()).build()));

      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      assertThat(pg.backend().commit(update, Settlement.complete(leased.get(0), List.of()))).isTrue();
      faults.arm(Fault.COMMIT_APPLIED_ANSWER_LOST, null);
      pg.stateStore().apply(update);
      assertThat(faults.fired()).isEqualTo(2);

      assertThat(pg.stateStore().deadLetterCount("job")).as("one letter per application, none repeated").isEqualTo(2);
      assertThat(pg.stateStore().fingerprints("s", List.of("k"))).isEqualTo(Map.of("k", "d1"));
      assertThat(count("SELECT count(*) FROM $s.tasks")).isEqualTo(1);
    }
  }

  @Test
  void aLeaseWhoseAnswerWasLostReturnsTheTasksItLeased() {
    try (PostgresSync pg = open()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{\"n\":1}"), NewTask.of("{\"n\":2}")));
      faults.arm(Fault.STATEMENT_APPLIED_ANSWER_LOST, "AS t SET lease_owner");
      List<LeasedTask> leased = q.lease("t", "w", 1, LEASE);
      assertThat(faults.fired()).isEqualTo(1);
      assertThat(leased).hasSize(1);
      assertThat(count("SELECT count(*) FROM $s.tasks WHERE lease_token IS NOT NULL"))
          .as("the lease the lost answer granted, not a second one").isEqualTo(1);
      assertThat(q.complete(leased.get(0))).as("the returned lease is the one in the table").isTrue();
    }
  }
}

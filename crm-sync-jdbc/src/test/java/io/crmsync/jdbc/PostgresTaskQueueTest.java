package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL queue does beyond the contract: several processes, notifications, its tables. */
class PostgresTaskQueueTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(10);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  private static PostgresSync.Builder on(String schema, FakeTimeSource time) {
    return PostgresSync.builder().dataSource(pool).schema(schema).timeSource(time);
  }

  @Test
  void twoInstancesOnTheSameTablesShareTheTasksLikeTwoProcesses() {
    String schema = TestDatabase.freshSchema("share");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync one = on(schema, time).build(); PostgresSync two = on(schema, time).build()) {
      List<NewTask> tasks = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        tasks.add(NewTask.of("{\"i\":" + i + "}"));
      }
      one.taskQueue().enqueue("t", tasks);
      List<LeasedTask> a = one.taskQueue().lease("t", "a", 6, LEASE);
      List<LeasedTask> b = two.taskQueue().lease("t", "b", 6, LEASE);
      assertThat(a).hasSize(6);
      assertThat(b).hasSize(4);
      assertThat(a).extracting(LeasedTask::id).doesNotContainAnyElementsOf(b.stream().map(LeasedTask::id).toList());
      // a settlement through the other instance works: the lease is in the table, not in memory
      assertThat(two.taskQueue().complete(a.get(0))).isTrue();
      assertThat(one.taskQueue().stats("t").leased()).isEqualTo(9);
    }
  }

  @Test
  void aWaitingWorkerWakesOnAnEnqueueFromAnotherProcessWithoutPolling() throws Exception {
    String schema = TestDatabase.freshSchema("notify");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync worker = on(schema, time).build(); PostgresSync producer = on(schema, time).build()) {
      TaskQueue q = worker.taskQueue();
      q.awaitWork("t", Duration.ofMillis(50)); // starts listening
      CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
        long start = System.nanoTime();
        try {
          q.awaitWork("t", Duration.ofSeconds(20));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      });
      Thread.sleep(300); // let it block: nothing is ready
      assertThat(waited).isNotDone();
      producer.taskQueue().enqueue("t", List.of(NewTask.of("{}")));
      long millis = waited.get(10, TimeUnit.SECONDS);
      assertThat(millis).as("woken by the notification, long before maxWait").isLessThan(5_000);
    }
  }

  @Test
  void anEnqueueOnAnotherTopicDoesNotWakeTheWaiter() throws Exception {
    String schema = TestDatabase.freshSchema("topics");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync pg = on(schema, time).build()) {
      TaskQueue q = pg.taskQueue();
      q.awaitWork("mine", Duration.ofMillis(50));
      long start = System.nanoTime();
      CompletableFuture<Void> other = CompletableFuture.runAsync(() -> q.enqueue("other", List.of(NewTask.of("{}"))));
      q.awaitWork("mine", Duration.ofMillis(700));
      other.get(5, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }
  }

  @Test
  void withoutNotificationsAnIdleWorkerPollsAtTheInterval() throws Exception {
    String schema = TestDatabase.freshSchema("poll");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync pg = on(schema, time).notifications(false).pollInterval(Duration.ofMillis(200)).build()) {
      long start = System.nanoTime();
      pg.taskQueue().awaitWork("t", Duration.ofSeconds(10));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(millis).isBetween(150L, 5_000L);
      pg.taskQueue().enqueue("t", List.of(NewTask.of("{}")));
      start = System.nanoTime();
      pg.taskQueue().awaitWork("t", Duration.ofSeconds(10));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ready work: no wait").isLessThan(150L);
    }
  }

  @Test
  void tasksAreRowsAnOperatorCanRead() {
    String schema = TestDatabase.freshSchema("rows");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).tablePrefix("cs_").timeSource(time).build()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{\"a\":1}"), new NewTask("{\"b\":2}", Duration.ofMinutes(1), 2)));
      LeasedTask t = q.lease("t", "worker-7", 1, LEASE).get(0);
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".cs_tasks WHERE lease_owner LIKE '%/worker-7' "
          + "AND deliveries = 1 AND lease_expires_at = run_at + interval '30 seconds'")).isEqualTo(1);
      assertThat(q.retry(t, Duration.ofSeconds(5), "CrmUnavailableException: 503")).isTrue();
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".cs_tasks WHERE lease_token IS NULL "
          + "AND attempts = 1 AND last_error LIKE '%503%'")).isEqualTo(1);
      time.advance(Duration.ofSeconds(5));
      LeasedTask again = q.lease("t", "w", 1, LEASE).get(0);
      assertThat(q.deadLetter(again, "gave up: 503")).isTrue();
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".cs_dead_tasks WHERE payload = '{\"a\":1}' "
          + "AND cause = 'gave up: 503' AND attempts = 2 AND deliveries = 2")).isEqualTo(1);
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".cs_tasks")).isEqualTo(1);
    }
  }

  @Test
  void settlementsOfForeignOrForgedLeasesAreRefused() {
    String schema = TestDatabase.freshSchema("forged");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync pg = on(schema, time).build()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{}")));
      LeasedTask t = q.lease("t", "w", 1, LEASE).get(0);
      LeasedTask wrongToken = new LeasedTask(t.id(), t.topic(), t.payload(), 0, 1, "w#1", t.leaseExpiresAt());
      LeasedTask otherToken = new LeasedTask(t.id(), t.topic(), t.payload(), 0, 1,
          java.util.UUID.randomUUID().toString(), t.leaseExpiresAt());
      LeasedTask wrongId = new LeasedTask("not-a-number", t.topic(), t.payload(), 0, 1, t.leaseToken(), t.leaseExpiresAt());
      LeasedTask wrongTopic = new LeasedTask(t.id(), "other", t.payload(), 0, 1, t.leaseToken(), t.leaseExpiresAt());
      for (LeasedTask forged : List.of(wrongToken, otherToken, wrongId, wrongTopic)) {
        assertThat(q.complete(forged)).isFalse();
        assertThat(q.retry(forged, Duration.ZERO, "x")).isFalse();
        assertThat(q.deadLetter(forged, "x")).isFalse();
      }
      assertThat(q.complete(t)).isTrue();
    }
  }
}

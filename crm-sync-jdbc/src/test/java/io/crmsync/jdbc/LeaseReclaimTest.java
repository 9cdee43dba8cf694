package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leases are tied to the session of the process that took them: the leases of a process that ended are
 * taken back by the next worker that finds nothing ready, at once, not after the visibility timeout (the
 * clock moves a second, not five minutes); those of a live process are left alone; and who holds what
 * can be asked. Two {@link PostgresSync} instances on one schema stand for two processes.
 */
class LeaseReclaimTest {
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(8);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  private static PostgresSync.Builder on(String schema, FakeTimeSource time) {
    return PostgresSync.builder().dataSource(pool).schema(schema).timeSource(time).notifications(false)
        .restartGrace(Duration.ZERO);
  }

  private static List<NewTask> tasks(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> NewTask.of("{\"i\":" + i + "}")).toList();
  }

  @Test
  void theLeasesOfAProcessThatEndedAreTakenBackAtOnceAndItsLateSettlementIsRefused() {
    String schema = TestDatabase.freshSchema("reclaim");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync survivor = on(schema, time).build()) {
      PostgresSync ended = on(schema, time).build();
      ended.taskQueue().enqueue("t", tasks(3));
      List<LeasedTask> held = ended.taskQueue().lease("t", "worker-0", 2, LEASE);
      assertThat(held).hasSize(2);
      assertThat(survivor.taskQueue().lease("t", "worker-0", 5, LEASE)).as("the one free task").hasSize(1);

      // alive: its leases are left alone, and shown as held by a live process
      assertThat(survivor.taskQueue().lease("t", "worker-0", 5, LEASE)).isEmpty();
      List<LeaseHolder> holders = survivor.leaseHolders("t");
      assertThat(holders).extracting(LeaseHolder::status)
          .containsExactlyInAnyOrder(LeaseHolder.Status.ALIVE, LeaseHolder.Status.THIS_PROCESS);
      LeaseHolder other = holders.stream().filter(h -> h.status() == LeaseHolder.Status.ALIVE).findFirst().orElseThrow();
      assertThat(other.tasks()).isEqualTo(2);
      assertThat(other.process()).contains(":" + ProcessHandle.current().pid() + "#");
      assertThat(other.describe(time.now())).isEqualTo("2 tasks leased by a process that is still alive ("
          + other.process() + "), lease ends in 5 min");
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".tasks WHERE lease_owner = '"
          + other.process() + "/worker-0'")).as("lease_owner names the process and the worker").isEqualTo(2);

      // the process ends: its session, and with it its lock, is gone
      ended.close();
      assertThat(survivor.leaseHolders("t")).filteredOn(h -> h.status() == LeaseHolder.Status.GONE)
          .singleElement().satisfies(h -> assertThat(h.describe(time.now()))
              .isEqualTo("2 tasks leased by a process that has ended (" + other.process() + "), taken back now"));
      // a queue looks for leases to take back at most once a second, and it looked a moment ago
      Instant leasedAt = held.get(0).leaseExpiresAt().minus(LEASE);
      time.advance(Duration.ofSeconds(1));
      List<LeasedTask> taken = survivor.taskQueue().lease("t", "worker-0", 5, LEASE);
      assertThat(taken).extracting(LeasedTask::id).containsExactlyInAnyOrderElementsOf(
          held.stream().map(LeasedTask::id).toList());
      assertThat(taken).allSatisfy(t -> assertThat(t.deliveries()).isEqualTo(2));
      assertThat(Duration.between(leasedAt, time.now())).as("far from the visibility timeout")
          .isEqualTo(Duration.ofSeconds(1));

      // a settlement the ended process still sends (a zombie) is refused: the task is someone else's now
      assertThat(survivor.taskQueue().complete(held.get(0))).isFalse();
      assertThat(survivor.taskQueue().complete(taken.get(0))).isTrue();
    }
  }

  @Test
  void leasesAreNotTakenBackRightAfterTheServerStartedWhenLiveProcessesHaveNotReconnectedYet() {
    String schema = TestDatabase.freshSchema("grace");
    FakeTimeSource time = new FakeTimeSource();
    // a grace longer than the server has been up: every session lock looks free, as after a restart
    try (PostgresSync survivor = on(schema, time).build();
        PostgresSync inGrace = PostgresSync.builder().dataSource(pool).schema(schema).timeSource(time)
            .notifications(false).restartGrace(Duration.ofDays(365)).build()) {
      PostgresSync ended = on(schema, time).build();
      ended.taskQueue().enqueue("t", tasks(1));
      assertThat(ended.taskQueue().lease("t", "w", 1, LEASE)).hasSize(1);
      ended.close();
      assertThat(inGrace.taskQueue().lease("t", "w", 1, LEASE)).isEmpty();
      assertThat(survivor.taskQueue().lease("t", "w", 1, LEASE)).hasSize(1);
    }
  }

  @Test
  void withoutSessionLocksLeasesEndOnlyOnTheirVisibilityTimeout() {
    String schema = TestDatabase.freshSchema("nolock");
    FakeTimeSource time = new FakeTimeSource();
    try (PostgresSync survivor = on(schema, time).build()) {
      PostgresSync ended = on(schema, time).reclaimLeases(false).build();
      ended.taskQueue().enqueue("t", tasks(1));
      assertThat(ended.taskQueue().lease("t", "w", 1, LEASE)).hasSize(1);
      ended.close();
      assertThat(survivor.leaseHolders("t")).singleElement()
          .satisfies(h -> assertThat(h.status()).isEqualTo(LeaseHolder.Status.UNKNOWN));
      assertThat(survivor.taskQueue().lease("t", "w", 1, LEASE)).isEmpty();
      time.advance(LEASE);
      assertThat(survivor.taskQueue().lease("t", "w", 1, LEASE)).hasSize(1);
    }
  }
}

package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.queue.QueueStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sync process killed with SIGKILL midway, then a new process resumes it: the target ends equal to the
 * source, with no record missing and none twice. The child processes build their queue and store with
 * {@link PostgresSync#fromJdbcUrl}, as the command line does, with the engine's default visibility timeout
 * of 5 minutes: the killed process's leases are taken back as soon as the new process has nothing else to
 * do, so it finishes long before they would have expired.
 */
class CrashRecoveryTest {
  private static final int RECORDS = 50_000;
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(4);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Test
  void aKilledSyncResumesInANewProcessAndTheTargetEndsEqualToTheSource() throws Exception {
    String schema = TestDatabase.freshSchema("crash");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
      JdbcContactsTarget.createTable(pool, schema + ".contacts");
      String[] args = {"mode=sync", "url=" + TestDatabase.jdbcUrl(), "schema=" + schema, "records=" + RECORDS,
          "workers=2", "visibility=PT5M", "pooled=false"};
      String topic = "crmsync:" + SyncProcess.JOB;

      long start = System.nanoTime();
      long writtenAtKill;
      long firstPid;
      // the first process stalls after a fifth of the records, its two workers each holding a lease
      String[] stalling = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
          java.util.stream.Stream.of("stallAfter=" + RECORDS / 5 / 100)).toArray(String[]::new);
      try (ChildJvm first = ChildJvm.start("crash-first", stalling)) {
        firstPid = first.pid();
        boolean midway = ChildJvm.await(() -> contacts(schema) >= RECORDS / 5 && leased(schema) == 2,
            Duration.ofMinutes(3));
        assertThat(midway).as("the first process got going; log:\n%s", first.tail()).isTrue();
        assertThat(first.isAlive()).as("still running when killed").isTrue();
        first.kill();
        writtenAtKill = contacts(schema);
      }
      assertThat(writtenAtKill).as("killed midway").isLessThan(RECORDS);
      QueueStats left = pg.taskQueue().stats(topic);
      // the killed process's leases: shown as held by a process that has ended, named by its pid
      List<LeaseHolder> holders = pg.leaseHolders(topic);
      assertThat(holders).as("the killed process held leases").singleElement().satisfies(h -> {
        assertThat(h.status()).isEqualTo(LeaseHolder.Status.GONE);
        assertThat(h.process()).contains(":" + firstPid + "#");
        assertThat(h.tasks()).isEqualTo(2);
      });
      Instant deadLeasesEnd = holders.stream().map(LeaseHolder::leaseEndsAt).min(Instant::compareTo).orElseThrow();
      assertThat(pg.stateStore().checkpoint(SyncProcess.JOB)).as("a checkpoint to resume from")
          .hasValueSatisfying(cp -> assertThat(cp.inPass()).isTrue());

      Map<String, String> report;
      long secondStart = System.nanoTime();
      try (ChildJvm second = ChildJvm.start("crash-second", args)) {
        report = second.awaitReport(Duration.ofMinutes(4));
      }
      long secondMillis = (System.nanoTime() - secondStart) / 1_000_000;
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(Instant.now()).as("the new process did not wait for the killed process's leases to expire")
          .isBefore(deadLeasesEnd);

      assertThat(report).containsEntry("status", "COMPLETED").containsEntry("balanced", "true")
          .containsEntry("dead", "0").containsEntry("remaining", "0");
      assertThat(Long.parseLong(report.get("read"))).as("resumed from the checkpoint, not from the start")
          .isLessThan(RECORDS);
      MultiProcessSupport.assertTargetEqualsSource(pool, schema, RECORDS);
      assertThat(pg.taskQueue().stats(topic)).isEqualTo(new QueueStats(0, 0, 0, 0));
      assertThat(pg.stateStore().deadLetterCount(SyncProcess.JOB)).isZero();
      assertThat(pg.stateStore().checkpoint(SyncProcess.JOB)).hasValueSatisfying(cp -> assertThat(cp.inPass()).isFalse());
      long rewrites = TestDatabase.count(pool, "SELECT coalesce(sum(writes), 0) - count(*) FROM " + schema + ".contacts");
      System.out.printf("crash test: killed at %d of %d contacts written (queue then: %s); the new process read %s, "
              + "recovered %s, created %s, updated %s, unchanged %s; %d contacts written twice (at least once); "
              + "resumed run %d ms (engine %s ms); %d ms in all%n",
          writtenAtKill, RECORDS, left, report.get("read"), report.get("recovered"), report.get("created"),
          report.get("updated"), report.get("unchanged"), rewrites, secondMillis, report.get("millis"), millis);
    }
  }

  private static long leased(String schema) {
    return TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".tasks WHERE lease_token IS NOT NULL");
  }

  private static long contacts(String schema) {
    return TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".contacts");
  }
}

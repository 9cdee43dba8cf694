package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.queue.QueueStats;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sync process killed with SIGKILL midway, then a new process resumes it: the target ends equal to the
 * source, with no record missing and none twice. The child processes build their queue and store with
 * {@link PostgresSync#fromJdbcUrl}, as the command line does.
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
          "workers=2", "visibility=PT5S", "pooled=false"};
      String topic = "crmsync:" + SyncProcess.JOB;

      long start = System.nanoTime();
      long writtenAtKill;
      try (ChildJvm first = ChildJvm.start("crash-first", args)) {
        boolean midway = ChildJvm.await(() -> contacts(schema) >= RECORDS / 5, Duration.ofMinutes(3));
        assertThat(midway).as("the first process got going; log:\n%s", first.tail()).isTrue();
        assertThat(first.isAlive()).as("still running when killed").isTrue();
        first.kill();
        writtenAtKill = contacts(schema);
      }
      assertThat(writtenAtKill).as("killed midway").isLessThan(RECORDS);
      QueueStats left = pg.taskQueue().stats(topic);
      assertThat(pg.stateStore().checkpoint(SyncProcess.JOB)).as("a checkpoint to resume from")
          .hasValueSatisfying(cp -> assertThat(cp.inPass()).isTrue());

      Map<String, String> report;
      try (ChildJvm second = ChildJvm.start("crash-second", args)) {
        report = second.awaitReport(Duration.ofMinutes(4));
      }
      long millis = (System.nanoTime() - start) / 1_000_000;

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
              + "recovered %s, created %s, updated %s, unchanged %s; %d contacts written twice (at least once); %d ms%n",
          writtenAtKill, RECORDS, left, report.get("read"), report.get("recovered"), report.get("created"),
          report.get("updated"), report.get("unchanged"), rewrites, millis);
    }
  }

  private static long contacts(String schema) {
    return TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".contacts");
  }
}

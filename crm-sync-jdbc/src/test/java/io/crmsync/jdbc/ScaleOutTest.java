package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.SyncListener;
import io.crmsync.SyncReport;
import io.crmsync.queue.QueueStats;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three worker processes share one queue and finish a 100,000-record sync. This JVM reads the source and
 * enqueues every batch (stopping once the last page is read, so that it leaves the writing to the
 * workers); the three child JVMs run {@link CRMSync#runWorker}. Every record is counted by exactly one
 * process, only when its task's completion succeeded: if a task were completed twice its records would be
 * counted twice, and if one were lost the counts would fall short.
 */
class ScaleOutTest {
  private static final int RECORDS = 100_000;
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(6);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Test
  void threeWorkerProcessesFinishA100000RecordSyncWithNoTaskCompletedTwiceAndNoneLost() throws Exception {
    String schema = TestDatabase.freshSchema("scale");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
      JdbcContactsTarget.createTable(pool, schema + ".contacts");
      String topic = "crmsync:" + SyncProcess.JOB;
      long start = System.nanoTime();

      // the reader: enqueues every page, then stops; its one worker thread takes a share meanwhile
      FakeCrm source = FakeCrm.builder().id("app").timeSource(new FakeTimeSource()).logRequests(false).build();
      source.seed(SyncEngineContract.contacts(RECORDS, 0));
      AtomicInteger pages = new AtomicInteger();
      CRMSync[] reader = new CRMSync[1];
      reader[0] = CRMSync.builder()
          .source(source)
          .target(new JdbcContactsTarget(pool, schema + ".contacts"))
          .backend(pg.backend())
          .jobId(SyncProcess.JOB)
          .workers(1)
          .maxInFlightRecords(RECORDS)
          .listener(new SyncListener() {
            @Override
            public void onPageRead(String jobId, int records) {
              if (pages.incrementAndGet() == RECORDS / 100) {
                reader[0].stop();
              }
            }
          })
          .build();

      List<ChildJvm> children = new ArrayList<>();
      List<Map<String, String>> reports = new ArrayList<>();
      SyncReport read;
      try {
        for (int i = 0; i < 3; i++) {
          children.add(ChildJvm.start("scale-worker-" + i, "mode=worker", "url=" + TestDatabase.jdbcUrl(),
              "schema=" + schema, "workers=2", "idleExit=PT4S", "visibility=PT60S"));
        }
        read = reader[0].run();
        for (ChildJvm child : children) {
          reports.add(child.awaitReport(Duration.ofMinutes(5)));
        }
      } finally {
        children.forEach(ChildJvm::close);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(read.read()).isEqualTo(RECORDS);
      assertThat(read.balanced()).isTrue();
      for (Map<String, String> r : reports) {
        assertThat(r).containsEntry("status", "COMPLETED").containsEntry("balanced", "true")
            .containsEntry("dead", "0").containsEntry("read", "0");
        assertThat(Long.parseLong(r.get("recovered"))).as("every worker process took a share").isPositive();
      }
      long byWorkers = MultiProcessSupport.sum(reports, "recovered");
      assertThat(byWorkers).as("what the reader left is what the workers settled").isEqualTo(read.remaining() + read.delegated());
      assertThat(read.written() + read.unchanged() + MultiProcessSupport.sum(reports, "created")
          + MultiProcessSupport.sum(reports, "updated") + MultiProcessSupport.sum(reports, "unchanged"))
          .as("every record settled exactly once").isEqualTo(RECORDS);
      assertThat(read.created() + MultiProcessSupport.sum(reports, "created")).as("created once each").isEqualTo(RECORDS);
      assertThat(pg.taskQueue().stats(topic)).isEqualTo(new QueueStats(0, 0, 0, 0));
      MultiProcessSupport.assertTargetEqualsSource(pool, schema, RECORDS);
      System.out.printf("scale-out: reader settled %d, workers %s; %d ms%n", read.written() + read.unchanged(),
          reports.stream().map(r -> r.get("recovered")).toList(), millis);
    }
  }
}

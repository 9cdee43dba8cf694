package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A process running {@link CRMSync#run()} while another runs {@link CRMSync#runWorker} on the same durable
 * queue: what {@code crm-sync sync} plus {@code crm-sync worker} do. The coordinator used to wait forever
 * for records the other process settled; on a durable queue it now bounds memory by the queue's
 * unfinished tasks, ends when the queue is drained, and reports the other process's share as delegated.
 */
class CoordinatorWithExternalWorkersTest {

  @Test
  void aCoordinatorAndAnExtraWorkerProcessFinishTogether() throws Exception {
    try (HikariDataSource pool = TestDatabase.pool(10)) {
      String schema = TestDatabase.freshSchema("coord");
      try (PostgresSync a = PostgresSync.builder().dataSource(pool).schema(schema).build();
          PostgresSync b = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
        FakeCrm source = FakeCrm.builder().id("app").timeSource(new FakeTimeSource()).logRequests(false).build();
        source.seed(SyncEngineContract.contacts(5_000, 0));
        FakeCrm target = FakeCrm.builder().id("crm").logRequests(false).latency(Duration.ofMillis(5)).build();
        CRMSync coordinator = CRMSync.builder().source(source).target(target).backend(a.backend()).jobId("j").workers(1).build();
        CRMSync worker = CRMSync.builder().source(FakeCrm.builder().id("app").build()).target(target)
            .backend(b.backend()).jobId("j").workers(2).build();
        CompletableFuture<SyncReport> extra = CompletableFuture.supplyAsync(() -> worker.runWorker(Duration.ofSeconds(5)));
        CompletableFuture<SyncReport> main = CompletableFuture.supplyAsync(coordinator::run);
        try {
          SyncReport r = main.get(60, TimeUnit.SECONDS);
          SyncReport w = extra.get(30, TimeUnit.SECONDS);
          assertThat(r.status()).isEqualTo(SyncReport.Status.COMPLETED);
          assertThat(r.written() + w.written()).isEqualTo(5_000);
          assertThat(r.delegated()).isEqualTo(w.recovered());
          assertThat(r.balanced()).isTrue();
          assertThat(target.size("contact")).isEqualTo(5_000);
        } finally {
          coordinator.stop();
          worker.stop();
        }
      }
    }
  }
}

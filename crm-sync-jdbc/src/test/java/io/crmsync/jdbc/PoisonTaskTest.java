package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.CrmUnavailableException;
import io.crmsync.SyncReport;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.queue.DeadTask;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A task that always fails ends in the dead tasks table after its attempts, with its cause, and does not
 * hold up the others.
 */
class PoisonTaskTest {
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(8);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Test
  void aTaskThatAlwaysFailsIsDeadLetteredWithItsCauseAndTheOthersFinish() {
    FakeTimeSource time = new FakeTimeSource();
    String schema = TestDatabase.freshSchema("poison");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).timeSource(time).build()) {
      List<CrmRecord> records = new ArrayList<>(SyncEngineContract.contacts(1_000, 0));
      records.set(3, records.get(3).with("tier", "poison"));
      FakeCrm source = FakeCrm.builder().id("source").timeSource(time).build();
      source.seed(records);
      List<String> calls = new ArrayList<>();
      FakeCrm target = FakeCrm.builder().id("target").timeSource(time)
          .faults((op, type, batch) -> {
            boolean poisoned = batch.stream().anyMatch(r -> "poison".equals(r.string("tier")));
            synchronized (calls) {
              calls.add(poisoned ? "poison" : "ok");
            }
            return poisoned ? new CrmUnavailableException("target", 503, "req-9", "upstream timeout", null) : null;
          })
          .build();

      SyncReport report = CRMSync.builder()
          .source(source).target(target)
          .backend(pg.backend())
          .timeSource(time).jobId("job").batchSize(10).workers(3)
          .build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.created()).as("the others finished").isEqualTo(990);
      assertThat(report.deadLettered()).isEqualTo(10);
      assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(990);

      List<DeadTask> dead = pg.taskQueue().deadLetters("crmsync:job", 10);
      assertThat(dead).singleElement().satisfies(d -> {
        assertThat(d.attempts()).isEqualTo(3);
        assertThat(d.cause()).contains("CrmUnavailableException").contains("503").contains("upstream timeout");
        assertThat(d.payload()).contains("person3@example.com");
      });
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".dead_tasks WHERE attempts = 3 "
          + "AND cause LIKE '%upstream timeout%' AND payload LIKE '%person3@example.com%'")).isEqualTo(1);
      assertThat(pg.stateStore().deadLetters("job", 100)).hasSize(10).allSatisfy(d -> {
        assertThat(d.errorCode()).isEqualTo("CrmUnavailableException");
        assertThat(d.attempts()).isEqualTo(3);
      });
      assertThat(pg.stateStore().deadLetters("job", 100)).extracting(d -> d.record().string(Contact.Fields.EMAIL))
          .contains("person3@example.com");
      // while the poison task waited out its backoff, the other batches kept going
      int firstPoison = calls.indexOf("poison");
      int lastPoison = calls.lastIndexOf("poison");
      assertThat(calls.subList(firstPoison, lastPoison)).as("other batches ran between the poison's attempts")
          .contains("ok");
      assertThat(calls).filteredOn("poison"::equals).hasSize(3);
      assertThat(pg.taskQueue().stats("crmsync:job").unfinished()).isZero();
    }
  }
}

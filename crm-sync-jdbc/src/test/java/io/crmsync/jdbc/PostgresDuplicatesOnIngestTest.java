package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;
import io.crmsync.tck.DuplicatesOnIngestContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Duplicates on ingest on PostgreSQL: the records held for review, the decisions that link a record to a
 * target record found, and the letters a decision turns into go through the PostgreSQL state store.
 */
class PostgresDuplicatesOnIngestTest extends DuplicatesOnIngestContract {
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(8);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Override
  protected SyncBackend newBackend(TimeSource time) {
    PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("duplicates"))
        .timeSource(time).build();
    SyncBackend backend = pg.backend();
    return new SyncBackend() {
      @Override
      public io.crmsync.queue.TaskQueue queue() {
        return backend.queue();
      }

      @Override
      public io.crmsync.state.SyncStateStore stateStore() {
        return backend.stateStore();
      }

      @Override
      public boolean commit(io.crmsync.state.StateUpdate update, io.crmsync.backend.Settlement settlement) {
        return backend.commit(update, settlement);
      }

      @Override
      public void close() {
        pg.close();
      }
    };
  }
}

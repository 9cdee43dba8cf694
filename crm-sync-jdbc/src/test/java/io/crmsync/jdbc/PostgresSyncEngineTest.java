package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import io.crmsync.tck.SyncEngineContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The engine's own behaviours on the PostgreSQL queue and state store, sharing one schema per test, so
 * that batches settle through the one-transaction path.
 */
class PostgresSyncEngineTest extends SyncEngineContract {
  private static HikariDataSource pool;
  private PostgresSync pg;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(16);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Override
  protected SyncBackend newBackend(TimeSource time) {
    pg = PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("engine")).timeSource(time).build();
    return new SyncBackend() {
      @Override
      public TaskQueue queue() {
        return pg.backend().queue();
      }

      @Override
      public SyncStateStore stateStore() {
        return pg.backend().stateStore();
      }

      @Override
      public boolean commit(io.crmsync.state.StateUpdate update, io.crmsync.backend.Settlement settlement) {
        return pg.backend().commit(update, settlement);
      }

      @Override
      public void close() {
        pg.close();
      }
    };
  }
}

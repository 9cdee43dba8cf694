package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;
import io.crmsync.tck.TwoWaySyncContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Two-way syncs whose checkpoints, links, baselines and reviews are kept in PostgreSQL. */
class PostgresTwoWaySyncTest extends TwoWaySyncContract {
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
    PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("twoway")).timeSource(time)
        .build();
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

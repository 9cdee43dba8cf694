package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.TimeSource;
import io.crmsync.queue.TaskQueue;
import io.crmsync.tck.TaskQueueContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The testkit's queue contract on the PostgreSQL queue: a fresh schema per test. */
class PostgresTaskQueueContractTest extends TaskQueueContract {
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(12);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Override
  protected TaskQueue newQueue(TimeSource time) {
    return PostgresSync.builder().dataSource(pool).schema(TestDatabase.freshSchema("queue")).timeSource(time).build()
        .taskQueue();
  }
}

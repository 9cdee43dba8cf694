package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.queue.NewTask;
import io.crmsync.state.DeadLetter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The entry point: settings, validation, migrations, the JDBC URL factory. */
class PostgresSyncTest {
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(10);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  private static List<String> tables(String schema) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
      ps.setString(1, schema);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  @Test
  void buildCreatesThePrefixedTablesOnceAndMigratingAgainDoesNothing() throws SQLException {
    String schema = TestDatabase.freshSchema("migrate");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).tablePrefix("cs_").build()) {
      assertThat(tables(schema)).containsExactly("cs_baselines", "cs_checkpoints", "cs_dead_letters", "cs_dead_tasks",
          "cs_fingerprints", "cs_id_links", "cs_schema_history", "cs_tasks");
      assertThat(pg.migrate()).isZero();
      assertThat(TestDatabase.count(pool, "SELECT max(version) FROM " + schema + ".cs_schema_history"))
          .isEqualTo(PostgresSync.schemaVersion());
    }
    try (PostgresSync other = PostgresSync.builder().dataSource(pool).schema(schema).tablePrefix("b_").build()) {
      other.taskQueue().enqueue("t", List.of(NewTask.of("{}")));
      assertThat(tables(schema)).contains("b_tasks", "cs_tasks");
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".cs_tasks")).isZero();
    }
  }

  @Test
  void processesStartingTogetherMigrateOneAfterTheOther() throws Exception {
    String schema = TestDatabase.freshSchema("race");
    int n = 6;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool6 = Executors.newFixedThreadPool(n);
    try {
      List<Future<PostgresSync>> starts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        starts.add(pool6.submit(() -> {
          go.await();
          return PostgresSync.builder().dataSource(pool).schema(schema).migrate(false).build();
        }));
      }
      go.countDown();
      List<CompletableFuture<Integer>> migrations = new ArrayList<>();
      for (Future<PostgresSync> f : starts) {
        PostgresSync pg = f.get();
        migrations.add(CompletableFuture.supplyAsync(pg::migrate, pool6));
      }
      int applied = 0;
      for (CompletableFuture<Integer> m : migrations) {
        applied += m.get();
      }
      assertThat(applied).as("each script applied by exactly one process").isEqualTo(PostgresSync.schemaVersion());
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM " + schema + ".schema_history"))
          .isEqualTo(PostgresSync.schemaVersion());
    } finally {
      pool6.shutdownNow();
    }
  }

  @Test
  void upgradingToOneDeadLetterPerRecordKeepsEachRecordsLatest() {
    String schema = TestDatabase.freshSchema("upgrade");
    PostgresSync.builder().dataSource(pool).schema(schema).build().close();
    // back to version 2, as a database created before version 3 is
    TestDatabase.execute(pool, "DROP INDEX " + schema + ".dead_letters_record; ALTER TABLE " + schema
        + ".dead_letters DROP COLUMN record_id; DELETE FROM " + schema + ".schema_history WHERE version = 3");
    String insert = "INSERT INTO " + schema + ".dead_letters (job_id, operation, record, error_code, message, attempts, "
        + "dead_at) VALUES ";
    String letter = "('job', '%s', '{\"objectType\":\"contact\",%s\"fields\":{},\"modifiedAt\":null,\"deleted\":false}', "
        + "'E', '%s', 1, now())";
    TestDatabase.execute(pool, insert + String.join(", ",
        String.format(letter, "upsert", "\"id\":\"1\",", "first"),
        String.format(letter, "upsert", "\"id\":\"2\",", "other"),
        String.format(letter, "upsert", "\"id\":\"1\",", "second"),
        String.format(letter, "delete", "\"id\":\"1\",", "a delete"),
        String.format(letter, "upsert", "\"id\":null,", "no id"),
        String.format(letter, "upsert", "\"id\":null,", "no id either")));

    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
      assertThat(pg.stateStore().deadLetters("job", 10)).extracting(DeadLetter::message)
          .containsExactly("other", "second", "a delete", "no id", "no id either");
      assertThat(TestDatabase.count(pool, "SELECT max(version) FROM " + schema + ".schema_history"))
          .isEqualTo(PostgresSync.schemaVersion());
    }
  }

  @Test
  void upgradingToDeadLettersToActOnMarksTransientOnesForTheNextRun() {
    String schema = TestDatabase.freshSchema("upgrade5");
    PostgresSync.builder().dataSource(pool).schema(schema).build().close();
    // back to version 4, with letters a version-4 store wrote
    TestDatabase.execute(pool, "DROP INDEX " + schema + ".dead_letters_retryable; ALTER TABLE " + schema
        + ".dead_letters DROP COLUMN retryable, DROP COLUMN request_id, DROP COLUMN field_errors, "
        + "DROP COLUMN first_failed_at; DELETE FROM " + schema + ".schema_history WHERE version = 5");
    TestDatabase.execute(pool, "INSERT INTO " + schema + ".dead_letters (job_id, operation, record, record_id, "
        + "error_code, message, attempts, dead_at) VALUES "
        + "('job', 'upsert', '{\"objectType\":\"contact\",\"id\":\"1\",\"fields\":{}}', '1', "
        + "'CrmUnavailableException', 'down', 3, '2026-01-05T00:00:00Z'), "
        + "('job', 'upsert', '{\"objectType\":\"contact\",\"id\":\"2\",\"fields\":{}}', '2', "
        + "'INVALID_VALUE', 'email: not an address', 1, '2026-01-05T00:00:01Z')");

    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
      assertThat(pg.stateStore().deadLetters("job", 10)).satisfiesExactly(
          d -> {
            assertThat(d.recordId()).isEqualTo("1");
            assertThat(d.retryable()).isTrue();
            assertThat(d.firstFailedAt()).isEqualTo(d.at());
          },
          d -> {
            assertThat(d.recordId()).isEqualTo("2");
            assertThat(d.retryable()).isFalse();
          });
    }
  }

  @Test
  void upgradingToLinksIndexedByTargetIdFindsTheLinksSavedBefore() {
    String schema = TestDatabase.freshSchema("upgrade4");
    PostgresSync.builder().dataSource(pool).schema(schema).build().close();
    // back to version 3, with links a version-3 store saved: two app records written into one crm record
    TestDatabase.execute(pool, "DROP INDEX " + schema + ".id_links_to; DELETE FROM " + schema
        + ".schema_history WHERE version = 4");
    TestDatabase.execute(pool, "INSERT INTO " + schema + ".id_links (object_type, from_system, to_system, from_id, to_id) "
        + "VALUES ('contact', 'app', 'crm', 'a1', 'c1'), ('contact', 'app', 'crm', 'a2', 'c1'), "
        + "('contact', 'crm', 'app', 'c1', 'a2')");

    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).build()) {
      assertThat(TestDatabase.count(pool, "SELECT max(version) FROM " + schema + ".schema_history"))
          .isEqualTo(PostgresSync.schemaVersion());
      assertThat(TestDatabase.count(pool, "SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema
          + "' AND indexname = 'id_links_to'")).isEqualTo(1);
      assertThat(pg.stateStore().allLinkedIds("contact", "crm", List.of("c1"), "app"))
          .isEqualTo(Map.of("c1", java.util.Set.of("a1", "a2")));
    }
  }

  @Test
  void aChangedScriptIsDetected() {
    String schema = TestDatabase.freshSchema("checksum");
    PostgresSync.builder().dataSource(pool).schema(schema).build().close();
    TestDatabase.execute(pool, "UPDATE " + schema + ".schema_history SET checksum = 'edited' WHERE version = 1");
    assertThatThrownBy(() -> PostgresSync.builder().dataSource(pool).schema(schema).build())
        .hasMessageContaining("V1").hasMessageContaining("different script");
  }

  @Test
  void identifiersThatCouldInjectSqlAreRejectedNamingTheSetting() {
    for (String bad : List.of("crm\"; DROP TABLE x; --", "Crm", "1abc", "a-b", "a b", "", "pg_catalog", "x".repeat(64))) {
      assertThatThrownBy(() -> PostgresSync.builder().schema(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("schema must be");
    }
    for (String bad : List.of("cs_\"", "CS_", "1_", "a;b", "x".repeat(41))) {
      assertThatThrownBy(() -> PostgresSync.builder().tablePrefix(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tablePrefix must be");
    }
    assertThat(PostgresSync.builder().tablePrefix("")).isNotNull();
  }

  @Test
  void settingsAreValidatedOnceEach() {
    assertThatThrownBy(() -> PostgresSync.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dataSource");
    assertThatThrownBy(() -> PostgresSync.builder().schema("a").schema("b")).hasMessage("schema was already set");
    assertThatThrownBy(() -> PostgresSync.builder().pollInterval(Duration.ZERO)).hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> PostgresSync.builder().dataSource(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource");
  }

  @Test
  void fromJdbcUrlBuildsAWorkingQueueAndStore() {
    String schema = TestDatabase.freshSchema("url");
    try (PostgresSync pg = PostgresSync.fromJdbcUrl(TestDatabase.jdbcUrl(),
        Map.of("user", "postgres", "schema", schema, "tablePrefix", "x_", "pollInterval", "250",
            "ApplicationName", "crm-sync-test"))) {
      assertThat(pg.config().pollInterval()).isEqualTo(Duration.ofMillis(250));
      assertThat(pg.taskQueue().enqueue("t", List.of(NewTask.of("{}")))).hasSize(1);
      assertThat(pg.taskQueue().stats("t").ready()).isEqualTo(1);
      assertThat(pg.stateStore().checkpoint("job")).isEmpty();
    }
  }

  @Test
  void passwordsAndUrlsStayOutOfMessagesAndToString() {
    String secret = "s3cr3t-Pa55";
    assertThatThrownBy(() -> PostgresSync.fromJdbcUrl("jdbc:mysql://h/db?password=" + secret, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain(secret);
    assertThatThrownBy(() -> PostgresSync.fromJdbcUrl(TestDatabase.jdbcUrl(),
        Map.of("password", secret, "notifications", "maybe")))
        .hasMessageContaining("notifications").message().doesNotContain(secret);
    assertThatThrownBy(() -> PostgresSync.fromJdbcUrl(TestDatabase.jdbcUrl(), Map.of("password", secret, "bogus", "1")))
        .hasMessageContaining("bogus").message().doesNotContain(secret);
    // an unreachable server at the first contact: a configuration error naming where, never the password
    assertThatThrownBy(() -> PostgresSync.fromJdbcUrl("jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=2",
        Map.of("user", "postgres", "password", secret)))
        .isInstanceOf(io.crmsync.CrmConfigurationException.class)
        .hasMessageContaining("cannot reach PostgreSQL at 127.0.0.1:1/postgres").message().doesNotContain(secret);
    String schema = TestDatabase.freshSchema("secret");
    try (PostgresSync pg = PostgresSync.fromJdbcUrl(TestDatabase.jdbcUrl(),
        Map.of("user", "postgres", "password", secret, "schema", schema))) {
      assertThat(pg.toString()).doesNotContain(secret);
      assertThat(pg.config().toString()).doesNotContain(secret);
      assertThat(pg.taskQueue().toString()).doesNotContain(secret);
      assertThat(pg.stateStore().toString()).doesNotContain(secret);
    }
  }
}

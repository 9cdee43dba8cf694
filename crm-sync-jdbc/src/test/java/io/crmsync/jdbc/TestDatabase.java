package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * One embedded PostgreSQL per test JVM, started on first use and stopped when the JVM exits (the
 * embedded server's shutdown hook), and fresh schemas in it so that tests do not see each other's rows.
 */
final class TestDatabase {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestDatabase() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("max_connections", "300")
            // the server is not what the tests crash: durability of its disk writes does not matter here
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off")
            .setRegisterShutdownHook(true)
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
    }
    return server;
  }

  /** The JDBC URL of the {@code postgres} database, for child processes and {@code fromJdbcUrl}. */
  static String jdbcUrl() {
    return server().getJdbcUrl("postgres", "postgres");
  }

  /** A connection pool on the {@code postgres} database; close it after use. */
  static HikariDataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(server().getPostgresDatabase());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setPoolName("test-" + SCHEMAS.get());
    return new HikariDataSource(config);
  }

  /** A schema name no test used before in this JVM (the schema itself is created by the migrations). */
  static String freshSchema(String hint) {
    return ("t_" + hint + "_" + SCHEMAS.incrementAndGet() + "_" + ProcessHandle.current().pid()).toLowerCase(Locale.ROOT);
  }

  static void execute(DataSource ds, String sql) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static long count(DataSource ds, String sql) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}

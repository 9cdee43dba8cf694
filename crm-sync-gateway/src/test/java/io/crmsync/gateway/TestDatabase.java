package io.crmsync.gateway;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded PostgreSQL per test JVM, and fresh schemas in it so that tests do not see each other's rows. */
final class TestDatabase {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestDatabase() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setRegisterShutdownHook(true)
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
    }
    return server;
  }

  static HikariDataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(server().getPostgresDatabase());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    return new HikariDataSource(config);
  }

  static String freshSchema(String hint) {
    return ("t_" + hint + "_" + SCHEMAS.incrementAndGet() + "_" + ProcessHandle.current().pid()).toLowerCase(Locale.ROOT);
  }
}

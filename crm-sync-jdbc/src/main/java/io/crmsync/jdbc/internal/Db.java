package io.crmsync.jdbc.internal;

import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the queue and the state store share: a {@link DataSource} and the names of the tables.
 * Runs units of work on a connection, in a transaction where asked, retrying those PostgreSQL aborted
 * for a deadlock or a serialization failure (nothing of them was applied). Other failures become a
 * {@link CrmSyncException}; failures to reach the database a {@link CrmUnavailableException}.
 * Thread-safe.
 */
public final class Db {
  /** The component name in exceptions. */
  public static final String COMPONENT = "postgresql";
  private static final Logger log = LoggerFactory.getLogger(Db.class);
  private static final int MAX_TRIES = 5;

  private final DataSource dataSource;
  private final SqlNames names;

  /** A unit of work on a connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  public Db(DataSource dataSource, SqlNames names) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.names = Objects.requireNonNull(names, "names");
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public SqlNames names() {
    return names;
  }

  /** Whether {@code other} works on the same tables through the same data source. */
  public boolean sameTablesAs(Db other) {
    return other.dataSource == dataSource && other.names.equals(names);
  }

  /** Runs {@code work} on a connection in auto-commit mode; {@code what} names it in failures. */
  public <T> T autoCommit(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        return work.run(c);
      } catch (SQLException e) {
        if (!retryable(e) || attempt >= MAX_TRIES) {
          throw failure(what, e);
        }
        log.debug("{} was aborted by PostgreSQL ({}); trying again", what, e.getSQLState());
      }
    }
  }

  /**
   * Runs {@code work} in one transaction and commits it, or rolls it back if {@code work} throws. A
   * transaction PostgreSQL aborts for a deadlock or serialization failure runs again, whole.
   */
  public <T> T transaction(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        boolean auto = c.getAutoCommit();
        if (auto) {
          c.setAutoCommit(false);
        }
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException | Error e) {
          rollbackQuietly(c, e);
          throw e;
        } finally {
          if (auto) {
            restoreAutoCommit(c);
          }
        }
      } catch (SQLException e) {
        if (!retryable(e) || attempt >= MAX_TRIES) {
          throw failure(what, e);
        }
        log.debug("{} was aborted by PostgreSQL ({}); trying again", what, e.getSQLState());
      }
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      log.debug("Could not restore auto-commit on a connection: {}", e.getMessage());
    }
  }

  /** Deadlocks and serialization failures: PostgreSQL rolled the transaction back, so it can run again. */
  static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  /** The exception that reports {@code e}, which failed {@code what}. */
  public static CrmSyncException failure(String what, SQLException e) {
    String state = e.getSQLState();
    String message = what + " failed: " + e.getMessage() + (state != null ? " (SQLState " + state + ")" : "");
    if (state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P"))) {
      // connection failures, insufficient resources, server shutting down: try later
      return new CrmUnavailableException(COMPONENT, 0, null, message, e);
    }
    return new CrmSyncException(COMPONENT, 0, null, message, e);
  }

  /** {@code instant} at the precision PostgreSQL keeps (microseconds), so values read back are equal. */
  public static Instant micros(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  /** {@code instant} as a parameter for a {@code timestamptz}. */
  public static @Nullable OffsetDateTime timestamp(@Nullable Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(micros(instant), ZoneOffset.UTC);
  }

  /** A {@code timestamptz} column value as an instant. */
  public static @Nullable Instant instant(@Nullable OffsetDateTime value) {
    return value == null ? null : value.toInstant();
  }

  @Override
  public String toString() {
    return "Db{" + names + "}";
  }
}

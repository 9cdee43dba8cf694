package io.crmsync.jdbc.internal;

import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGStatement;
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
    return transaction(what, false, work);
  }

  /**
   * Like {@link #transaction(String, Work)}, but the commit does not wait for its WAL to reach disk
   * ({@code synchronous_commit = off} for this transaction only). For writes whose loss in a crash of the
   * database server is harmless because they can only lag: a lease (the task is delivered again) or a
   * checkpoint (records are read again and skipped by their fingerprints). WAL is written in order, so
   * once any later commit is on disk, this one is too: the database never shows a later state without it.
   */
  public <T> T lazyTransaction(String what, Work<T> work) {
    return transaction(what, true, work);
  }

  private <T> T transaction(String what, boolean lazy, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        boolean auto = c.getAutoCommit();
        if (auto) {
          c.setAutoCommit(false);
        }
        try {
          if (lazy) {
            try (Statement s = c.createStatement()) {
              s.execute("SET LOCAL synchronous_commit TO OFF");
            }
          }
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

  /**
   * Prepares {@code sql} to be planned on every execution, with its parameters, instead of once
   * generically: the driver would otherwise switch to a server-side prepared statement after a few runs,
   * and PostgreSQL may cache a generic plan made while a table was nearly empty (a sequential scan) and
   * keep it as the table grows into the millions. Planning these short statements costs far less than
   * that risk.
   */
  public static PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    if (ps.isWrapperFor(PGStatement.class)) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(0);
    }
    return ps;
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

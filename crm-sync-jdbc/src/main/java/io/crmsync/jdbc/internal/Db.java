package io.crmsync.jdbc.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmSyncException;
import io.crmsync.TimeSource;
import io.crmsync.jdbc.PostgresUnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the queue and the state store share: a {@link DataSource}, the names of the tables, and
 * how operations on them survive failures. Thread-safe.
 *
 * <p><b>Aborted transactions.</b> A transaction PostgreSQL aborted for a deadlock or a serialization
 * failure runs again, whole (nothing of it was applied).
 *
 * <p><b>Outages.</b> When the database cannot be reached (SQLState class 08, the driver's I/O errors, an
 * administrator's shutdown {@code 57P01}, a server starting up {@code 57P03}, too many connections {@code
 * 53300}, ...), an operation waits on the {@link TimeSource} with backoff and tries again, until the
 * database has been unreachable for the outage tolerance; then it throws {@link
 * PostgresUnavailableException}. Every operation is safe to try again: reads and idempotent writes simply
 * run again; a statement or transaction whose answer may have been lost after it was applied finds out
 * first whether it was, by its own {@link Recheck} or by the status of its transaction id ({@link Tx}),
 * so that it is applied exactly once. Until the database was reached once, a failure to reach it is not
 * waited out: it is most likely a wrong URL, and is reported as a {@link CrmConfigurationException}.
 *
 * <p><b>Configuration errors</b> (credentials refused, a missing database, missing privileges, missing
 * tables) become a {@link CrmConfigurationException} whose one-line message says what to do; the driver's
 * exception (with its stack trace) goes to the debug log.
 *
 * <p>Messages never hold a secret: every text taken from the driver goes through the {@link Redactor},
 * and exceptions chained as causes are redacted copies where needed.
 */
public final class Db {
  /** The component name in exceptions. */
  public static final String COMPONENT = "postgresql";
  /** The columns a {@linkplain #checkedTransaction checked transaction} returns and passes to {@link Tx#record}. */
  public static final String TX_COLUMNS = "txid_current(), pg_backend_pid(), pg_postmaster_start_time()";

  private static final Logger log = LoggerFactory.getLogger(Db.class);
  private static final int MAX_TRIES = 5;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /** SQLStates outside class 08 that mean the connection is gone or could not be made. */
  private static final Set<String> CONNECTION_STATES = Set.of(
      "57P01", // admin_shutdown
      "57P02", // crash_shutdown
      "57P03", // cannot_connect_now: starting up, shutting down, recovering
      "57P05", // idle_session_timeout
      "53300", // too_many_connections
      "25P03"); // idle_in_transaction_session_timeout: the session was closed

  private final DataSource dataSource;
  private final SqlNames names;
  private final TimeSource time;
  private final Duration outageTolerance;
  private final Redactor redactor;
  private volatile String location;
  /** Whether an operation ever succeeded: before that, an unreachable database is a configuration error. */
  private volatile boolean contacted;
  private final Object outageLock = new Object();
  /** When the current outage began (the first failure seen), or null while the database answers. */
  private volatile @Nullable Instant outageSince;

  /** A unit of work on a connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * A transaction that must not be applied twice. Its first statement returns {@link #TX_COLUMNS} and
   * passes them to {@link Tx#record}, so that if the answer to its {@code COMMIT} is lost, the status of
   * its transaction id says whether it was applied.
   */
  @FunctionalInterface
  public interface CheckedWork<T> {
    T run(Connection connection, Tx tx) throws SQLException;
  }

  /**
   * Finds out, on a new connection, whether an earlier attempt of a statement whose answer was lost was
   * applied: its result if it was, empty if it was not (the statement then runs again).
   */
  @FunctionalInterface
  public interface Recheck<T> {
    Optional<T> run(Connection connection) throws SQLException;
  }

  /** The identity of a transaction in the server, recorded by its first statement. */
  public static final class Tx {
    private long xid = -1;
    private int pid;
    private @Nullable OffsetDateTime serverStart;

    /** Records the values of {@link #TX_COLUMNS} read from {@code rs}, starting at column {@code first}. */
    public void record(ResultSet rs, int first) throws SQLException {
      if (xid < 0) {
        xid = rs.getLong(first);
        pid = rs.getInt(first + 1);
        serverStart = rs.getObject(first + 2, OffsetDateTime.class);
      }
    }

    boolean recorded() {
      return xid >= 0;
    }
  }

  /**
   * @param location where the database is, for messages (host, port and database; never credentials)
   * @param outageTolerance how long operations wait for an unreachable database before giving up
   */
  public Db(DataSource dataSource, SqlNames names, TimeSource time, Duration outageTolerance, Redactor redactor,
      String location) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.names = Objects.requireNonNull(names, "names");
    this.time = Objects.requireNonNull(time, "time");
    this.outageTolerance = Objects.requireNonNull(outageTolerance, "outageTolerance");
    this.redactor = Objects.requireNonNull(redactor, "redactor");
    this.location = Objects.requireNonNull(location, "location");
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public SqlNames names() {
    return names;
  }

  public TimeSource time() {
    return time;
  }

  public Redactor redactor() {
    return redactor;
  }

  /** Where the database is (host, port, database), for messages. */
  public String location() {
    return location;
  }

  /** Whether {@code other} works on the same tables through the same data source. */
  public boolean sameTablesAs(Db other) {
    return other.dataSource == dataSource && other.names.equals(names);
  }

  // ---- running work ---------------------------------------------------------------------------

  /**
   * Runs {@code work} on a connection in auto-commit mode: a read, or a write that may be applied twice
   * (an upsert); after a lost connection it simply runs again.
   */
  public <T> T autoCommit(String what, Work<T> work) {
    return autoCommit(what, work, null);
  }

  /**
   * Runs {@code work}, one statement in auto-commit mode; if the connection fails while it runs, {@code
   * recheck} says on the next connection whether it was applied before it runs again.
   */
  public <T> T autoCommit(String what, Work<T> work, @Nullable Recheck<T> recheck) {
    Attempts attempts = new Attempts(what);
    boolean unsure = false;
    while (true) {
      try (Connection c = dataSource.getConnection()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        if (unsure && recheck != null) {
          Optional<T> done = recheck.run(c);
          if (done.isPresent()) {
            reachable();
            log.debug("{}: the attempt whose answer was lost had been applied", what);
            return done.get();
          }
        }
        unsure = false;
        try {
          T result = work.run(c);
          reachable();
          return result;
        } catch (SQLException e) {
          unsure = isConnectionFailure(e);
          throw e;
        }
      } catch (SQLException e) {
        attempts.failed(e);
      }
    }
  }

  /**
   * Runs {@code work} in one transaction and commits it, or rolls it back if {@code work} throws. For
   * work that may be applied twice: after a lost connection it runs again, whole.
   */
  public <T> T transaction(String what, Work<T> work) {
    return transaction(what, (c, tx) -> work.run(c), false, null);
  }

  /**
   * Runs {@code work} in one transaction that must be applied exactly once: if the connection fails while
   * it commits, the status of its transaction id (recorded through {@link Tx}) says whether it was, and it
   * runs again only if it was not. After the server restarted, {@code verify} (when given) decides
   * instead: a transaction id that never reached the server's disk before a crash can be issued again.
   */
  public <T> T checkedTransaction(String what, CheckedWork<T> work, @Nullable Recheck<T> verify) {
    return transaction(what, work, true, verify);
  }

  private <T> T transaction(String what, CheckedWork<T> work, boolean checked, @Nullable Recheck<T> verify) {
    Attempts attempts = new Attempts(what);
    while (true) {
      Tx tx = new Tx();
      T result = null;
      boolean committing = false;
      try (Connection c = dataSource.getConnection()) {
        boolean auto = c.getAutoCommit();
        if (auto) {
          c.setAutoCommit(false);
        }
        try {
          result = work.run(c, tx);
          committing = true;
          c.commit();
          reachable();
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
        // a transaction that recorded no id changed nothing (its work records the id with its first
        // write), so it simply runs again like any other
        if (checked && committing && tx.recorded() && isConnectionFailure(e)) {
          Outcome<T> outcome = resolve(attempts, tx, e, verify);
          if (outcome.applied()) {
            log.debug("{}: the commit whose answer was lost had been applied", what);
            T verified = outcome.verified();
            return verified != null ? verified : result;
          }
          log.debug("{}: the commit whose answer was lost had not been applied; trying again", what);
          continue;
        }
        attempts.failed(e);
      }
    }
  }

  /** What became of a transaction whose commit was cut off; {@code verified} is the result a verification found. */
  private record Outcome<T>(boolean applied, @Nullable T verified) {
    static <T> Outcome<T> notApplied() {
      return new Outcome<>(false, null);
    }
  }

  /**
   * Waits for the database and finds out whether the transaction of {@code tx}, whose commit failed with
   * {@code e}, was applied.
   */
  private <T> Outcome<T> resolve(Attempts attempts, Tx tx, SQLException e, @Nullable Recheck<T> verify) {
    attempts.failed(e);
    while (true) {
      try (Connection c = dataSource.getConnection()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        String status;
        OffsetDateTime serverStart;
        try (PreparedStatement ps = c.prepareStatement("SELECT txid_status(?), pg_postmaster_start_time()")) {
          ps.setLong(1, tx.xid);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            status = rs.getString(1);
            serverStart = rs.getObject(2, OffsetDateTime.class);
          }
        } catch (SQLException statusFailure) {
          if ("22023".equals(statusFailure.getSQLState())) {
            // "transaction ID is in the future": the server crashed before the id reached its disk
            return Outcome.notApplied();
          }
          throw statusFailure;
        }
        if (verify != null && !Objects.equals(serverStart.toInstant(),
            tx.serverStart == null ? null : tx.serverStart.toInstant())) {
          Optional<T> v = verify.run(c);
          reachable();
          return v.isPresent() ? new Outcome<>(true, v.get()) : Outcome.notApplied();
        }
        if ("committed".equals(status)) {
          reachable();
          return new Outcome<>(true, null);
        }
        if ("aborted".equals(status)) {
          reachable();
          return Outcome.notApplied();
        }
        if (status == null) {
          throw new CrmSyncException(COMPONENT, attempts.what + ": cannot tell whether the transaction whose "
              + "commit was cut off was applied (its id is too old for the server to remember)");
        }
        // in progress: the session that ran it is still open (a cut connection the server has not noticed)
        terminateQuietly(c, tx);
        attempts.waitForOutcome();
      } catch (SQLException e2) {
        attempts.failed(e2);
      }
    }
  }

  /** Ends the session of an interrupted transaction, if it is still the one that holds it. */
  private void terminateQuietly(Connection c, Tx tx) {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        + "WHERE pid = ? AND backend_xid = (? % 4294967296)::text::xid")) {
      ps.setInt(1, tx.pid);
      ps.setLong(2, tx.xid);
      ps.execute();
    } catch (SQLException e) {
      log.debug("Could not end the session of an interrupted transaction: {}", redactor.redact(e.getMessage()));
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      log.debug("Could not restore auto-commit on a connection: {}", redactor.redact(e.getMessage()));
    }
  }

  /** Notes that the database answered: an outage, if there was one, is over. */
  private void reachable() {
    if (!contacted) {
      contacted = true;
    }
    if (outageSince != null) {
      synchronized (outageLock) {
        Instant since = outageSince;
        if (since != null) {
          outageSince = null;
          log.info("PostgreSQL at {} answers again, after {}", location,
              Durations.format(Duration.between(since, time.now())));
        }
      }
    }
  }

  /** When the current outage began: {@code now} if this is its first failure. */
  private Instant outageStarted(Instant now, SQLException e) {
    synchronized (outageLock) {
      Instant since = outageSince;
      if (since == null) {
        outageSince = now;
        log.warn("PostgreSQL at {} is unreachable ({}); waiting up to {} for it to come back", location,
            reason(e), Durations.format(outageTolerance));
        return now;
      }
      return since;
    }
  }

  /** The attempts of one operation: what to do after each failure. */
  private final class Attempts {
    final String what;
    private int aborts;
    private @Nullable Instant since;
    private Duration backoff = FIRST_BACKOFF;
    private @Nullable SQLException last;

    Attempts(String what) {
      this.what = what;
    }

    /** Returns when the operation should be tried again after {@code e}; throws when it should not. */
    void failed(SQLException e) {
      if (retryableAbort(e)) {
        if (++aborts >= MAX_TRIES) {
          throw failure(what, e);
        }
        log.debug("{} was aborted by PostgreSQL ({}); trying again", what, e.getSQLState());
        return;
      }
      if (!isConnectionFailure(e)) {
        throw failure(what, e);
      }
      if (!contacted) {
        throw unreachable(e);
      }
      last = e;
      pause();
    }

    /** Waits before asking again for the outcome of an interrupted transaction. */
    void waitForOutcome() {
      pause();
    }

    private void pause() {
      Instant now = time.now();
      if (since == null) {
        since = last != null ? outageStarted(now, last) : now;
      }
      Duration down = Duration.between(since, now);
      if (down.compareTo(outageTolerance) >= 0) {
        throw gaveUp(what, down, last);
      }
      Duration remaining = outageTolerance.minus(down);
      Duration nap = backoff.compareTo(remaining) < 0 ? backoff : remaining;
      log.debug("{} failed ({}); trying again in {} ms", what, last == null ? "outcome unknown" : reason(last),
          nap.toMillis());
      try {
        time.sleep(nap);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new CrmSyncException(COMPONENT, 0, null, what + " was interrupted while waiting for PostgreSQL at "
            + location, last == null ? null : redactor.redact(last));
      }
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }
  }

  // ---- classifying failures -------------------------------------------------------------------

  /** Deadlocks and serialization failures: PostgreSQL rolled the transaction back, so it can run again. */
  static boolean retryableAbort(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  /**
   * Whether {@code e} means the database could not be reached or the connection was lost: SQLState class
   * 08, the states of {@link #CONNECTION_STATES}, the JDBC connection exception types, or an I/O error
   * anywhere in its causes.
   */
  public static boolean isConnectionFailure(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        if (state != null && (state.startsWith("08") || CONNECTION_STATES.contains(state))) {
          return true;
        }
        if (s instanceof SQLTransientConnectionException || s instanceof SQLRecoverableException) {
          return true;
        }
      }
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** A short reason for a connection failure: "connection refused", "unknown host db.example", ... */
  String reason(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + redactor.redact(String.valueOf(t.getMessage()));
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof SocketTimeoutException) {
        return "timed out";
      }
      if (t instanceof SSLException) {
        return "TLS failed: " + firstSentence(t.getMessage());
      }
    }
    String state = e instanceof SQLException s ? s.getSQLState() : null;
    String text = firstSentence(e.getMessage());
    return state != null ? text + " (SQLState " + state + ")" : text;
  }

  private String firstSentence(@Nullable String message) {
    if (message == null || message.isBlank()) {
      return "no message";
    }
    String m = redactor.redact(message.strip());
    int nl = m.indexOf('\n');
    if (nl > 0) {
      m = m.substring(0, nl);
    }
    int dot = m.indexOf(". ");
    return dot > 0 ? m.substring(0, dot) : m;
  }

  /** The exception that reports {@code e}, which failed {@code what} and will not be tried again. */
  public CrmSyncException failure(String what, SQLException e) {
    String state = e.getSQLState();
    String message = firstLine(redactor.redact(String.valueOf(e.getMessage())));
    CrmConfigurationException config = configurationError(message, state);
    if (config != null) {
      log.debug("{} failed: {}", what, config.getMessage(), redactor.redact(e));
      return config;
    }
    return new CrmSyncException(COMPONENT, 0, null,
        what + " failed: " + message + (state != null ? " (SQLState " + state + ")" : ""), redactor.redact(e));
  }

  private static String firstLine(String message) {
    String m = message.strip();
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl).strip() : m;
  }

  /** A configuration error saying what to do, if {@code state} is one; null otherwise. */
  private @Nullable CrmConfigurationException configurationError(String message, @Nullable String state) {
    if (state == null) {
      return null;
    }
    String schema = names.schema();
    String text = switch (state) {
      case "28P01", "28000" -> "PostgreSQL at " + location + " refused the connection: " + message + " (SQLState "
          + state + "); check the user and password" + ("28000".equals(state) ? ", and that pg_hba.conf admits "
          + "this user from this host" : "");
      case "3D000" -> "PostgreSQL at " + location + " has no such database: " + message
          + " (SQLState 3D000); create it, or name an existing one in the URL";
      case "42501" -> "the database user may not create or use the tables of schema " + schema + " at " + location
          + ": " + message + " (SQLState 42501); grant it USAGE and CREATE on the schema (and CREATE on the "
          + "database if the schema does not exist yet), or have a privileged user create the tables and set "
          + "migrate=false";
      case "3F000", "42P01" -> "the tables of schema " + schema + " do not exist at " + location + ": " + message
          + " (SQLState " + state + "); create them once with migrate=true (the default) or PostgresSync.migrate()";
      default -> null;
    };
    return text == null ? null : new CrmConfigurationException(COMPONENT, text);
  }

  /** The first contact failed: most likely a wrong host or port, so not waited for. */
  private CrmConfigurationException unreachable(SQLException e) {
    log.debug("Cannot reach PostgreSQL at {}", location, redactor.redact(e));
    return new CrmConfigurationException(COMPONENT, "cannot reach PostgreSQL at " + location + ": " + reason(e)
        + "; check the host and port of the URL, and that the server is running and accepts TCP/IP connections");
  }

  private PostgresUnavailableException gaveUp(String what, Duration down, @Nullable SQLException last) {
    String message = "PostgreSQL at " + location + " was unreachable for " + Durations.format(down)
        + (last != null ? " (" + reason(last) + ")" : "") + ", longer than the outage tolerance of "
        + Durations.format(outageTolerance) + ", while " + what + "; nothing committed was lost: run again once "
        + "the database is back to resume, or raise outageTolerance to wait longer";
    return new PostgresUnavailableException(message, what, down, last == null ? null : redactor.redact(last));
  }

  // ---- statements and values ------------------------------------------------------------------

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

  /**
   * A common table expression (name {@code async}) that turns off {@code synchronous_commit} for the
   * statement's own transaction; join it ({@code FROM async}) into a single-statement write whose loss in
   * a crash of the database server is harmless because it can only lag: a lease (the task is delivered
   * again) or a checkpoint (records are read again and skipped by their fingerprints). WAL is written in
   * order, so once any later commit is on disk, this one is too. One round trip instead of the three of
   * {@code SET LOCAL} in a transaction.
   */
  public static final String ASYNC_COMMIT = "async AS (SELECT set_config('synchronous_commit', 'off', true) AS v)";

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
    return "Db{" + location + " " + names + "}";
  }
}

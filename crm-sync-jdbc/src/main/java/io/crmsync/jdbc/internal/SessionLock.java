package io.crmsync.jdbc.internal;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue's life as the database sees it: a session-level advisory lock, keyed by a random 64-bit number,
 * held on one dedicated connection while the queue is open. Leases record the key. When the process ends,
 * however it ends (SIGKILL included), the operating system closes its connections, the server ends the
 * session and the lock is free: another process that can take it knows the leases of that key belong to
 * no one and takes them back at once, instead of waiting for the visibility timeout.
 *
 * <p>Taken on first use ({@link #hold()}); a daemon thread then checks the connection every second and
 * takes the lock again on a new connection if it was lost (the server restarted, the connection was cut).
 * If the key's lock cannot be taken again (the server still holds the old session), a new key is drawn;
 * leases of the old key then stay with the old session until the server ends it.
 *
 * <p>Thread-safe.
 */
final class SessionLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SessionLock.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long CHECK_MILLIS = 1_000;
  private static final int VALID_TIMEOUT_SECONDS = 5;

  private final DataSource dataSource;
  private final Redactor redactor;
  private final String name;
  /** Every key this lock has used, the current one last: leases of any of them are this process's. */
  private final List<Long> keys = new CopyOnWriteArrayList<>();
  private long key;
  private @Nullable Connection connection;
  private boolean closed;
  private @Nullable Thread keeper;

  SessionLock(DataSource dataSource, Redactor redactor, String name) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.redactor = Objects.requireNonNull(redactor, "redactor");
    this.name = Objects.requireNonNull(name, "name");
    this.key = newKey();
    keys.add(key);
  }

  private static long newKey() {
    return RANDOM.nextLong();
  }

  /**
   * The key of the lock this process holds, taking it first if it is not held.
   *
   * @throws SQLException if the database cannot be reached
   */
  synchronized long hold() throws SQLException {
    if (closed) {
      throw new IllegalStateException("the queue was closed");
    }
    if (connection == null) {
      acquire();
    }
    if (keeper == null) {
      Thread t = new Thread(this::keep, "crm-sync-pg-session-" + name);
      t.setDaemon(true);
      keeper = t;
      t.start();
    }
    return key;
  }

  /** Every key this lock has used: leases of these are this process's own. */
  Long[] keys() {
    return keys.toArray(new Long[0]);
  }

  /** Whether {@code k} is one of this lock's keys. */
  boolean owns(long k) {
    return keys.contains(k);
  }

  private void acquire() throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      if (!c.getAutoCommit()) {
        c.setAutoCommit(true);
      }
      for (int tries = 0; tries < 4; tries++) {
        if (tryLock(c, key)) {
          connection = c;
          return;
        }
        // held by our earlier connection the server has not closed yet, or (vanishingly rare) by another process
        key = newKey();
        keys.add(key);
      }
      throw new SQLException("could not take an advisory lock for this process: every key tried was taken");
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static boolean tryLock(Connection c, long k) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, k);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** The keeper thread: notices a lost connection and takes the lock again. */
  private void keep() {
    boolean warned = false;
    while (true) {
      try {
        Thread.sleep(CHECK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      Connection c;
      synchronized (this) {
        if (closed) {
          return;
        }
        c = connection;
      }
      boolean valid;
      try {
        valid = c != null && c.isValid(VALID_TIMEOUT_SECONDS);
      } catch (SQLException e) {
        valid = false;
      }
      synchronized (this) {
        if (closed) {
          return;
        }
        if (c != null && !valid && connection == c) {
          closeQuietly(c);
          connection = null;
          log.info("The session that shows this process alive ({}) was lost; taking it again", name);
        }
        if (connection == null) {
          try {
            acquire();
            warned = false;
          } catch (SQLException | RuntimeException e) {
            if (!warned) {
              log.debug("Cannot take this process's session lock again yet: {}", redactor.redact(e.getMessage()));
              warned = true;
            }
          }
        }
      }
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // the connection is being discarded
    }
  }

  /** Releases the lock (by closing its connection) and stops the keeper thread. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      t = keeper;
      if (connection != null) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
          ps.setLong(1, key);
          ps.execute();
        } catch (SQLException e) {
          // closing the connection releases it anyway
        }
        closeQuietly(connection);
        connection = null;
      }
    }
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public String toString() {
    return "SessionLock{" + name + "}";
  }
}

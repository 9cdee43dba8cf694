package io.crmsync.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the queue's channel on one dedicated connection, from one daemon thread, and wakes the
 * threads waiting for work on a topic when a notification for it arrives. Started on first use; while
 * the connection is down it reconnects with backoff and reports {@link #listening()} false, so that
 * waiters poll instead. Thread-safe.
 */
final class Notifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  /** The payload that wakes every topic (a topic too long for a notification payload). */
  static final String ANY_TOPIC = "*";
  private static final int POLL_MILLIS = 500;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final DataSource dataSource;
  private final String channel;
  private final Redactor redactor;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Long> generations = new HashMap<>();
  private long everyTopic;
  private boolean listening;
  private boolean closed;
  private @Nullable Thread thread;

  Notifier(DataSource dataSource, String channel, Redactor redactor) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.channel = Objects.requireNonNull(channel, "channel");
    this.redactor = Objects.requireNonNull(redactor, "redactor");
  }

  /** Starts the listening thread unless it runs or this was closed. */
  void start() {
    lock.lock();
    try {
      if (thread != null || closed) {
        return;
      }
      Thread t = new Thread(this::run, "crm-sync-pg-listen-" + channel);
      t.setDaemon(true);
      thread = t;
      t.start();
    } finally {
      lock.unlock();
    }
  }

  /** Whether notifications are being received now. */
  boolean listening() {
    lock.lock();
    try {
      return listening;
    } finally {
      lock.unlock();
    }
  }

  /** A number that changes whenever work may have arrived for {@code topic}. */
  long generation(String topic) {
    lock.lock();
    try {
      return everyTopic + generations.getOrDefault(topic, 0L);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until {@link #generation(String)} of {@code topic} differs from {@code seen}, at most {@code
   * maxWait}, or until listening stops.
   */
  void await(String topic, long seen, Duration maxWait) throws InterruptedException {
    long nanos = maxWait.toNanos();
    lock.lockInterruptibly();
    try {
      while (listening && !closed && everyTopic + generations.getOrDefault(topic, 0L) == seen && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  private void bump(String topic) {
    if (topic.equals(ANY_TOPIC)) {
      everyTopic++;
    } else {
      generations.merge(topic, 1L, Long::sum);
    }
  }

  private void setListening(boolean on) {
    lock.lock();
    try {
      listening = on;
      everyTopic++; // whatever was sent while we were not listening is unknown: wake everyone
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    Duration backoff = Duration.ofMillis(100);
    boolean warned = false;
    while (!isClosed()) {
      try (Connection c = dataSource.getConnection()) {
        if (!c.getAutoCommit()) {
          c.setAutoCommit(true);
        }
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN \"" + channel + '"');
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        setListening(true);
        if (warned) {
          log.info("Listening for crm-sync tasks on channel {} again", channel);
        }
        warned = false;
        backoff = Duration.ofMillis(100);
        while (!isClosed()) {
          PGNotification[] received = pg.getNotifications(POLL_MILLIS);
          if (received == null || received.length == 0) {
            continue;
          }
          lock.lock();
          try {
            for (PGNotification n : received) {
              bump(n.getParameter());
            }
            changed.signalAll();
          } finally {
            lock.unlock();
          }
        }
        try (Statement s = c.createStatement()) {
          s.execute("UNLISTEN *");
        }
      } catch (SQLException | RuntimeException e) {
        setListening(false);
        if (isClosed()) {
          break;
        }
        // once per outage: the operations themselves report the database's state
        if (!warned) {
          log.warn("Listening for crm-sync tasks on channel {} failed ({}); idle workers poll until it is back",
              channel, redactor.redact(e.getMessage()));
          warned = true;
        } else {
          log.debug("Listening on channel {} failed again ({}); retrying in {} ms", channel,
              redactor.redact(e.getMessage()), backoff.toMillis());
        }
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException ie) {
          break;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
    setListening(false);
  }

  /** Stops listening and releases the connection; waits briefly for the thread to end. */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      t = thread;
    } finally {
      lock.unlock();
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.MILLISECONDS.toMillis(POLL_MILLIS * 4L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

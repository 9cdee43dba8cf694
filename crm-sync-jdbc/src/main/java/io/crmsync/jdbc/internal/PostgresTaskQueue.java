package io.crmsync.jdbc.internal;

import io.crmsync.TimeSource;
import io.crmsync.internal.Checks;
import io.crmsync.queue.DeadTask;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.QueueStats;
import io.crmsync.queue.TaskQueue;
import io.crmsync.backend.Settlement;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * {@link TaskQueue} on PostgreSQL tables. Leasing claims up to {@code max} ready tasks in one statement
 * with {@code SELECT ... FOR UPDATE SKIP LOCKED}, so concurrent workers never wait on each other's rows
 * nor take the same task; a settlement succeeds only with the lease's token while the lease lasts. "Now"
 * comes from the {@link TimeSource} and is passed to every statement, never read from the database
 * clock, so all processes of a sync must have synchronised clocks (as leases anywhere need). Enqueues
 * notify the queue's channel; {@link #awaitWork} wakes on it. Thread-safe.
 */
public final class PostgresTaskQueue implements TaskQueue {
  /** Longest topic sent as a notification payload (PostgreSQL's limit is 8000 bytes). */
  private static final int MAX_NOTIFY_TOPIC_BYTES = 4000;

  private final Db db;
  private final TimeSource time;
  private final @Nullable Notifier notifier;
  private final Duration pollInterval;
  private final String tasks;
  private final String deadTasks;
  private final String channel;

  /**
   * @param listen whether idle workers wait for notifications (one connection held while in use) rather
   *     than poll every {@code pollInterval}
   */
  public PostgresTaskQueue(Db db, TimeSource time, boolean listen, Duration pollInterval) {
    this.db = Objects.requireNonNull(db, "db");
    this.time = Objects.requireNonNull(time, "time");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.tasks = db.names().table("tasks");
    this.deadTasks = db.names().table("dead_tasks");
    this.channel = db.names().channel();
    this.notifier = listen ? new Notifier(db.dataSource(), channel) : null;
  }

  /** The database this queue keeps its tasks in. */
  public Db db() {
    return db;
  }

  @Override
  public boolean isDurable() {
    return true;
  }

  private Instant now() {
    return Db.micros(time.now());
  }

  // ---- enqueue -------------------------------------------------------------------------------

  @Override
  public List<String> enqueue(String topic, List<NewTask> newTasks) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(newTasks, "tasks");
    if (newTasks.isEmpty()) {
      return List.of();
    }
    List<NewTask> copy = List.copyOf(newTasks);
    Instant now = now();
    return db.transaction("enqueueing " + copy.size() + " task(s) on " + topic, c -> insert(c, topic, copy, now, true));
  }

  /**
   * Inserts {@code newTasks} on {@code topic} and notifies waiting workers when the transaction commits.
   *
   * @param wantIds whether to allocate the ids first, so that they can be returned in order
   */
  List<String> insert(Connection c, String topic, List<NewTask> newTasks, Instant now, boolean wantIds)
      throws SQLException {
    int n = newTasks.size();
    Long[] ids = null;
    if (wantIds) {
      ids = new Long[n];
      try (PreparedStatement ps = Db.prepare(c, 
          "SELECT nextval('" + db.names().table("task_ids") + "') FROM generate_series(1, ?)")) {
        ps.setInt(1, n);
        try (ResultSet rs = ps.executeQuery()) {
          for (int i = 0; rs.next(); i++) {
            ids[i] = rs.getLong(1);
          }
        }
      }
      java.util.Arrays.sort(ids); // one sequence, so ascending ids keep the tasks' order
    }
    String[] payloads = new String[n];
    String[] runAts = new String[n];
    Integer[] attempts = new Integer[n];
    boolean anyReady = false;
    for (int i = 0; i < n; i++) {
      NewTask t = Objects.requireNonNull(newTasks.get(i), "task");
      payloads[i] = t.payload();
      runAts[i] = Db.micros(now.plus(t.delay())).toString();
      attempts[i] = t.attempts();
      anyReady |= t.delay().isZero();
    }
    String sql = "INSERT INTO " + tasks + " (id, topic, payload, run_at, attempts, enqueued_at) "
        + "SELECT " + (wantIds ? "x.id" : "nextval('" + db.names().table("task_ids") + "')")
        + ", ?, x.payload, x.run_at::timestamptz, x.attempts, ? "
        + "FROM unnest(?::bigint[], ?::text[], ?::text[], ?::int[]) AS x(id, payload, run_at, attempts)";
    try (PreparedStatement ps = Db.prepare(c, sql)) {
      Array idArray = c.createArrayOf("int8", wantIds ? ids : new Long[n]);
      ps.setString(1, topic);
      ps.setObject(2, Db.timestamp(now));
      ps.setArray(3, idArray);
      ps.setArray(4, c.createArrayOf("text", payloads));
      ps.setArray(5, c.createArrayOf("text", runAts));
      ps.setArray(6, c.createArrayOf("int4", attempts));
      ps.executeUpdate();
    }
    if (anyReady) {
      notifyWorkers(c, topic);
    }
    if (ids == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(n);
    for (Long id : ids) {
      out.add(Long.toString(id));
    }
    return out;
  }

  /** Sends a notification for {@code topic}; PostgreSQL delivers it when the transaction commits. */
  void notifyWorkers(Connection c, String topic) throws SQLException {
    String payload = topic.getBytes(StandardCharsets.UTF_8).length <= MAX_NOTIFY_TOPIC_BYTES ? topic : Notifier.ANY_TOPIC;
    try (PreparedStatement ps = Db.prepare(c, "SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }

  // ---- lease ---------------------------------------------------------------------------------

  @Override
  public List<LeasedTask> lease(String topic, String workerId, int max, Duration visibilityTimeout) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Checks.positive(max, "max");
    Checks.positive(visibilityTimeout, "visibilityTimeout");
    Instant now = now();
    Instant expires = Db.micros(now.plus(visibilityTimeout));
    String token = UUID.randomUUID().toString();
    String sql = "WITH picked AS ("
        + "SELECT id, due_at FROM " + tasks + " WHERE topic = ? AND due_at <= ? "
        + "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
        + "UPDATE " + tasks + " AS t SET lease_owner = ?, lease_token = ?::uuid, lease_expires_at = ?, "
        + "deliveries = t.deliveries + 1 "
        + "FROM picked WHERE t.id = picked.id "
        + "RETURNING t.id, t.payload, t.attempts, t.deliveries, picked.due_at";
    // a lease lost in a crash of the database server only means the task is delivered again
    return db.lazyTransaction("leasing tasks of " + topic, c -> {
      List<Leased> rows = new ArrayList<>();
      try (PreparedStatement ps = Db.prepare(c, sql)) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now));
        ps.setInt(3, max);
        ps.setString(4, workerId);
        ps.setString(5, token);
        ps.setObject(6, Db.timestamp(expires));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new Leased(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getInt(4),
                rs.getObject(5, OffsetDateTime.class).toInstant()));
          }
        }
      }
      rows.sort(Comparator.comparing(Leased::due).thenComparingLong(Leased::id));
      List<LeasedTask> out = new ArrayList<>(rows.size());
      for (Leased r : rows) {
        out.add(new LeasedTask(Long.toString(r.id), topic, r.payload, r.attempts, r.deliveries, token, expires));
      }
      return out;
    });
  }

  private record Leased(long id, String payload, int attempts, int deliveries, Instant due) {}

  // ---- settle --------------------------------------------------------------------------------

  @Override
  public boolean complete(LeasedTask task, List<NewTask> followUps) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(followUps, "followUps");
    List<NewTask> copy = List.copyOf(followUps);
    Instant now = now();
    if (copy.isEmpty()) {
      return db.autoCommit("completing task " + task.id(), c -> complete(c, task, copy, now));
    }
    return db.transaction("completing task " + task.id(), c -> complete(c, task, copy, now));
  }

  @Override
  public boolean retry(LeasedTask task, Duration delay, String cause) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(cause, "cause");
    Checks.notNegative(delay, "delay");
    Instant now = now();
    return db.transaction("retrying task " + task.id(), c -> {
      Long id = ownId(task);
      UUID token = token(task);
      if (id == null || token == null) {
        return false;
      }
      try (PreparedStatement ps = Db.prepare(c, "UPDATE " + tasks + " SET lease_owner = NULL, lease_token = NULL, "
          + "lease_expires_at = NULL, attempts = attempts + 1, run_at = ?, last_error = ? "
          + "WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ?")) {
        ps.setObject(1, Db.timestamp(now.plus(delay)));
        ps.setString(2, cause);
        ps.setLong(3, id);
        ps.setString(4, task.topic());
        ps.setObject(5, token);
        ps.setObject(6, Db.timestamp(now));
        if (ps.executeUpdate() != 1) {
          return false;
        }
      }
      if (delay.isZero()) {
        notifyWorkers(c, task.topic());
      }
      return true;
    });
  }

  @Override
  public boolean deadLetter(LeasedTask task, String cause) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(cause, "cause");
    Instant now = now();
    return db.autoCommit("dead-lettering task " + task.id(), c -> deadLetter(c, task, cause, now));
  }

  /**
   * Carries {@code settlement} out on connection {@code c}, inside the caller's transaction.
   *
   * @return false if the lease was lost; nothing was changed then
   */
  boolean settle(Connection c, Settlement settlement) throws SQLException {
    Instant now = now();
    if (settlement instanceof Settlement.Complete complete) {
      return complete(c, complete.task(), complete.followUps(), now);
    }
    if (settlement instanceof Settlement.DeadLetterTask dead) {
      return deadLetter(c, dead.task(), dead.cause(), now);
    }
    throw new IllegalArgumentException("unknown settlement " + settlement.getClass().getName());
  }

  private boolean complete(Connection c, LeasedTask task, List<NewTask> followUps, Instant now) throws SQLException {
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return false;
    }
    try (PreparedStatement ps = Db.prepare(c, 
        "DELETE FROM " + tasks + " WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ?")) {
      ps.setLong(1, id);
      ps.setString(2, task.topic());
      ps.setObject(3, token);
      ps.setObject(4, Db.timestamp(now));
      if (ps.executeUpdate() != 1) {
        return false;
      }
    }
    if (!followUps.isEmpty()) {
      insert(c, task.topic(), followUps, now, false);
    }
    return true;
  }

  private boolean deadLetter(Connection c, LeasedTask task, String cause, Instant now) throws SQLException {
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return false;
    }
    try (PreparedStatement ps = Db.prepare(c, "WITH gone AS (DELETE FROM " + tasks
        + " WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ? "
        + "RETURNING id, topic, payload, attempts, deliveries, enqueued_at) "
        + "INSERT INTO " + deadTasks + " (id, topic, payload, attempts, deliveries, cause, enqueued_at, dead_at) "
        + "SELECT id, topic, payload, attempts + 1, deliveries, ?, enqueued_at, ? FROM gone")) {
      ps.setLong(1, id);
      ps.setString(2, task.topic());
      ps.setObject(3, token);
      ps.setObject(4, Db.timestamp(now));
      ps.setString(5, cause);
      ps.setObject(6, Db.timestamp(now));
      return ps.executeUpdate() == 1;
    }
  }

  /** The task's id as this queue issues them, or null if it cannot be one of this queue's. */
  private static @Nullable Long ownId(LeasedTask task) {
    try {
      return Long.parseLong(task.id());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static @Nullable UUID token(LeasedTask task) {
    try {
      return UUID.fromString(task.leaseToken());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ---- inspection ----------------------------------------------------------------------------

  @Override
  public QueueStats stats(String topic) {
    Objects.requireNonNull(topic, "topic");
    Instant now = now();
    return db.autoCommit("counting tasks of " + topic, c -> {
      try (PreparedStatement ps = Db.prepare(c, "SELECT "
          + "count(*) FILTER (WHERE due_at <= ?), "
          + "count(*) FILTER (WHERE due_at > ? AND lease_token IS NULL), "
          + "count(*) FILTER (WHERE due_at > ? AND lease_token IS NOT NULL), "
          + "(SELECT count(*) FROM " + deadTasks + " WHERE topic = ?), "
          + "min(enqueued_at) "
          + "FROM " + tasks + " WHERE topic = ?")) {
        OffsetDateTime ts = Db.timestamp(now);
        ps.setObject(1, ts);
        ps.setObject(2, ts);
        ps.setObject(3, ts);
        ps.setString(4, topic);
        ps.setString(5, topic);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          OffsetDateTime oldest = rs.getObject(5, OffsetDateTime.class);
          return new QueueStats(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
              oldest == null ? null : oldest.toInstant());
        }
      }
    });
  }

  @Override
  public Optional<Instant> nextDueAt(String topic) {
    Objects.requireNonNull(topic, "topic");
    Instant now = now();
    return db.autoCommit("reading when tasks of " + topic + " are due", c -> {
      try (PreparedStatement ps = Db.prepare(c, 
          "SELECT min(due_at) FROM " + tasks + " WHERE topic = ? AND due_at > ?")) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return Optional.ofNullable(Db.instant(rs.getObject(1, OffsetDateTime.class)));
        }
      }
    });
  }

  /** Whether a task of {@code topic} may be leased now. */
  private boolean ready(String topic) {
    Instant now = now();
    return db.autoCommit("looking for ready tasks of " + topic, c -> {
      try (PreparedStatement ps = Db.prepare(c, 
          "SELECT EXISTS (SELECT 1 FROM " + tasks + " WHERE topic = ? AND due_at <= ?)")) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    });
  }

  /**
   * Returns at once if a task is ready; otherwise waits for a notification of an enqueue on {@code
   * topic}, at most {@code maxWait} of real time. Without notifications (turned off, or the listening
   * connection is down) it sleeps for the poll interval, at most {@code maxWait}, and returns.
   */
  @Override
  public void awaitWork(String topic, Duration maxWait) throws InterruptedException {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(maxWait, "maxWait");
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Notifier n = notifier;
    if (n != null) {
      n.start();
    }
    // the generation is read before looking, so that an enqueue committed after the look still wakes us
    long seen = n != null ? n.generation(topic) : 0;
    if (ready(topic) || maxWait.isNegative() || maxWait.isZero()) {
      return;
    }
    if (n != null && n.listening()) {
      n.await(topic, seen, maxWait);
    } else {
      Duration nap = pollInterval.compareTo(maxWait) < 0 ? pollInterval : maxWait;
      Thread.sleep(nap.toMillis(), nap.toNanosPart() % 1_000_000);
    }
  }

  @Override
  public List<DeadTask> deadLetters(String topic, int limit) {
    Objects.requireNonNull(topic, "topic");
    Checks.notNegative(limit, "limit");
    return db.autoCommit("reading dead tasks of " + topic, c -> {
      try (PreparedStatement ps = Db.prepare(c, "SELECT id, topic, payload, attempts, cause, dead_at FROM "
          + deadTasks + " WHERE topic = ? ORDER BY dead_at, id LIMIT ?")) {
        ps.setString(1, topic);
        ps.setInt(2, limit);
        List<DeadTask> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new DeadTask(Long.toString(rs.getLong(1)), rs.getString(2), rs.getString(3), rs.getInt(4),
                rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant()));
          }
        }
        return out;
      }
    });
  }

  /** Stops listening for notifications. The tasks stay in the database. */
  @Override
  public void close() {
    if (notifier != null) {
      notifier.close();
    }
  }

  @Override
  public String toString() {
    return "PostgresTaskQueue{" + db.names() + "}";
  }
}

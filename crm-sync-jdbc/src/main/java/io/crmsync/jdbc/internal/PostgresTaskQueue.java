package io.crmsync.jdbc.internal;

import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
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
import io.crmsync.jdbc.LeaseHolder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TaskQueue} on PostgreSQL tables. Leasing claims up to {@code max} ready tasks in one statement
 * with {@code SELECT ... FOR UPDATE SKIP LOCKED}, so concurrent workers never wait on each other's rows
 * nor take the same task; a settlement succeeds only with the lease's token while the lease lasts. "Now"
 * comes from the {@link TimeSource} and is passed to every statement, never read from the database
 * clock, so all processes of a sync must have synchronised clocks (as leases anywhere need). Enqueues
 * notify the queue's channel; {@link #awaitWork} wakes on it.
 *
 * <p>A lease records its holder: {@code lease_owner} names the process ({@code host:pid#instance}) and
 * the worker, and {@code lease_session} the key of the process's {@link SessionLock}. A worker that finds
 * no ready task takes back, at once, the leases of processes whose session lock is free (they ended), so
 * that a run resumed after a crash does not wait out the dead process's visibility timeouts.
 *
 * <p>Every operation is safe to try again after a lost connection (see {@link Db}): reads run again; a
 * lease that may have been granted is looked up by its token; enqueues and settlements are transactions
 * whose outcome is checked by their transaction id. Thread-safe.
 */
public final class PostgresTaskQueue implements TaskQueue {
  private static final Logger log = LoggerFactory.getLogger(PostgresTaskQueue.class);
  /** Longest topic sent as a notification payload (PostgreSQL's limit is 8000 bytes). */
  private static final int MAX_NOTIFY_TOPIC_BYTES = 4000;
  /**
   * How long after the server started leases are not taken back from processes whose session is gone: every
   * session ends when the server restarts, and live processes need a moment to take theirs again.
   */
  public static final Duration RESTART_GRACE = Duration.ofSeconds(10);
  /**
   * How often, at most, a queue looks for leases to take back on a topic: workers that find nothing ready
   * (several at once after every enqueue notification) would otherwise each run the query.
   */
  static final Duration RECLAIM_INTERVAL = Duration.ofSeconds(1);

  private final Db db;
  private final TimeSource time;
  private final @Nullable Notifier notifier;
  private final @Nullable SessionLock session;
  private final String process;
  private final Duration pollInterval;
  private final String tasks;
  private final String deadTasks;
  private final String channel;
  private final Duration restartGrace;
  /** When this queue last looked for leases to take back, per topic. */
  private final java.util.concurrent.ConcurrentMap<String, Instant> lastReclaim =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param listen whether idle workers wait for notifications (one connection held while in use) rather
   *     than poll every {@code pollInterval}
   * @param reclaim whether this queue holds a session lock while it leases (one connection held while in
   *     use) and takes back at once the leases of processes whose session is gone
   * @param restartGrace how long after the server started no lease is taken back ({@link #RESTART_GRACE})
   */
  public PostgresTaskQueue(Db db, TimeSource time, boolean listen, Duration pollInterval, boolean reclaim,
      Duration restartGrace) {
    this.db = Objects.requireNonNull(db, "db");
    this.time = Objects.requireNonNull(time, "time");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.restartGrace = Objects.requireNonNull(restartGrace, "restartGrace");
    this.tasks = db.names().table("tasks");
    this.deadTasks = db.names().table("dead_tasks");
    this.channel = db.names().channel();
    this.notifier = listen ? new Notifier(db.dataSource(), channel, db.redactor()) : null;
    this.process = ProcessId.next();
    this.session = reclaim ? new SessionLock(db.dataSource(), db.redactor(), process) : null;
  }

  /** The database this queue keeps its tasks in. */
  public Db db() {
    return db;
  }

  /** This queue's process identity in {@code lease_owner}: {@code host:pid#instance}. */
  public String process() {
    return process;
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
    for (NewTask t : copy) {
      Objects.requireNonNull(t, "task");
    }
    List<List<String>> allocated = new ArrayList<>(1);
    return db.checkedTransaction("enqueueing " + copy.size() + " task(s) on " + topic, (c, tx) -> {
      List<String> ids = insert(c, tx, topic, copy, now(), true);
      allocated.clear();
      allocated.add(ids);
      return ids;
    }, c -> allocated.isEmpty() ? Optional.empty() : enqueued(c, allocated.get(0)));
  }

  /**
   * After a restart of the server interrupted an enqueue's commit: its ids if its tasks are in the tables.
   * Tasks of it that other workers completed meanwhile would be enqueued again; they are processed twice at
   * most (at least once, as everywhere), and their records found unchanged.
   */
  private Optional<List<String>> enqueued(Connection c, List<String> ids) throws SQLException {
    Long[] array = ids.stream().map(Long::valueOf).toArray(Long[]::new);
    try (PreparedStatement ps = Db.prepare(c, "SELECT EXISTS (SELECT 1 FROM " + tasks + " WHERE id = ANY (?)) "
        + "OR EXISTS (SELECT 1 FROM " + deadTasks + " WHERE id = ANY (?))")) {
      java.sql.Array a = c.createArrayOf("int8", array);
      ps.setArray(1, a);
      ps.setArray(2, a);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1) ? Optional.of(ids) : Optional.empty();
      }
    }
  }

  /**
   * Inserts {@code newTasks} on {@code topic} and notifies waiting workers when the transaction commits.
   *
   * @param wantIds whether to allocate the ids first, so that they can be returned in order; the statement
   *     that allocates them records the transaction in {@code tx}
   */
  List<String> insert(Connection c, Db.Tx tx, String topic, List<NewTask> newTasks, Instant now, boolean wantIds)
      throws SQLException {
    int n = newTasks.size();
    Long[] ids = null;
    if (wantIds) {
      ids = new Long[n];
      try (PreparedStatement ps = Db.prepare(c, "SELECT nextval('" + db.names().table("task_ids") + "'), "
          + Db.TX_COLUMNS + " FROM generate_series(1, ?)")) {
        ps.setInt(1, n);
        try (ResultSet rs = ps.executeQuery()) {
          for (int i = 0; rs.next(); i++) {
            ids[i] = rs.getLong(1);
            tx.record(rs, 2);
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
      NewTask t = newTasks.get(i);
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

  /**
   * Leases up to {@code max} ready tasks. If none is ready, takes back the leases of processes that are
   * gone (their session lock is free), at most once per {@link #RECLAIM_INTERVAL} of the time source per
   * topic, then looks again.
   */
  @Override
  public List<LeasedTask> lease(String topic, String workerId, int max, Duration visibilityTimeout) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Checks.positive(max, "max");
    Checks.positive(visibilityTimeout, "visibilityTimeout");
    String owner = process + "/" + workerId;
    List<LeasedTask> leased = leaseReady(topic, owner, max, visibilityTimeout);
    if (leased.isEmpty() && session != null && reclaimDue(topic) && reclaim(topic) > 0) {
      leased = leaseReady(topic, owner, max, visibilityTimeout);
    }
    return leased;
  }

  private List<LeasedTask> leaseReady(String topic, String owner, int max, Duration visibilityTimeout) {
    String token = UUID.randomUUID().toString();
    // one statement, committed without waiting for its WAL to reach disk: a lease lost in a crash of the
    // database server only means the task is delivered again
    String sql = "WITH " + Db.ASYNC_COMMIT + ", picked AS ("
        + "SELECT id, due_at FROM " + tasks + " WHERE topic = ? AND due_at <= ? "
        + "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
        + "UPDATE " + tasks + " AS t SET lease_owner = ?, lease_token = ?::uuid, lease_expires_at = ?, "
        + "lease_session = ?, deliveries = t.deliveries + 1 "
        + "FROM picked, async WHERE t.id = picked.id "
        + "RETURNING t.id, t.payload, t.attempts, t.deliveries, picked.due_at, t.lease_expires_at";
    return db.autoCommit("leasing tasks of " + topic, c -> {
      Long key = session != null ? session.hold() : null;
      Instant now = now();
      Instant expires = Db.micros(now.plus(visibilityTimeout));
      try (PreparedStatement ps = Db.prepare(c, sql)) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now));
        ps.setInt(3, max);
        ps.setString(4, owner);
        ps.setString(5, token);
        ps.setObject(6, Db.timestamp(expires));
        if (key != null) {
          ps.setLong(7, key);
        } else {
          ps.setNull(7, java.sql.Types.BIGINT);
        }
        return leased(ps, topic, token);
      }
    }, c -> {
      // the answer was lost: the lease was granted if rows carry its token
      try (PreparedStatement ps = Db.prepare(c, "SELECT id, payload, attempts, deliveries, run_at, lease_expires_at "
          + "FROM " + tasks + " WHERE lease_token = ?::uuid AND topic = ?")) {
        ps.setString(1, token);
        ps.setString(2, topic);
        List<LeasedTask> found = leased(ps, topic, token);
        return found.isEmpty() ? Optional.empty() : Optional.of(found);
      }
    });
  }

  /** The leased tasks of {@code ps}'s rows (id, payload, attempts, deliveries, due, expiry), oldest due first. */
  private static List<LeasedTask> leased(PreparedStatement ps, String topic, String token) throws SQLException {
    List<Leased> rows = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(new Leased(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getInt(4),
            rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant()));
      }
    }
    rows.sort(Comparator.comparing(Leased::due).thenComparingLong(Leased::id));
    List<LeasedTask> out = new ArrayList<>(rows.size());
    for (Leased r : rows) {
      out.add(new LeasedTask(Long.toString(r.id), topic, r.payload, r.attempts, r.deliveries, token, r.expires));
    }
    return out;
  }

  private record Leased(long id, String payload, int attempts, int deliveries, Instant due, Instant expires) {}

  /** Whether it is time to look for leases to take back on {@code topic}; if so, the next look waits. */
  private boolean reclaimDue(String topic) {
    Instant now = time.now();
    boolean[] due = new boolean[1];
    lastReclaim.compute(topic, (t, last) -> {
      due[0] = last == null || !now.isBefore(last.plus(RECLAIM_INTERVAL));
      return due[0] ? now : last;
    });
    return due[0];
  }

  /**
   * Takes back the unexpired leases on {@code topic} of processes whose session lock is free: their lease
   * ends now, so the tasks are ready (and a settlement by the old holder, should it still come, is
   * refused). Not within the restart grace ({@link #RESTART_GRACE}) of a server start, when live processes
   * have not yet taken their session again.
   *
   * @return how many leases were taken back
   */
  int reclaim(String topic) {
    SessionLock s = Objects.requireNonNull(session, "session");
    String sql = "WITH owners AS (SELECT DISTINCT lease_session FROM " + tasks
        + " WHERE topic = ? AND due_at > ? AND lease_token IS NOT NULL AND lease_session IS NOT NULL "
        + "AND lease_session <> ALL (?)), "
        + "gone AS (SELECT lease_session FROM owners "
        + "WHERE now() - pg_postmaster_start_time() > ? * interval '1 millisecond' "
        + "AND pg_try_advisory_xact_lock(lease_session)) "
        + "UPDATE " + tasks + " AS t SET lease_expires_at = ? FROM gone "
        + "WHERE t.topic = ? AND t.lease_session = gone.lease_session AND t.lease_token IS NOT NULL "
        + "AND t.lease_expires_at > ? "
        + "RETURNING t.lease_owner";
    List<String> owners = db.autoCommit("taking back the leases of ended processes on " + topic, c -> {
      Instant now = now();
      List<String> out = new ArrayList<>();
      try (PreparedStatement ps = Db.prepare(c, sql)) {
        OffsetDateTime ts = Db.timestamp(now);
        ps.setString(1, topic);
        ps.setObject(2, ts);
        ps.setArray(3, c.createArrayOf("int8", s.keys()));
        ps.setLong(4, restartGrace.toMillis());
        ps.setObject(5, ts);
        ps.setString(6, topic);
        ps.setObject(7, ts);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(processOf(rs.getString(1)));
          }
        }
      }
      return out;
    });
    if (!owners.isEmpty()) {
      log.info("Took back {} lease(s) on {} from {}, which ended; their tasks run again now", owners.size(), topic,
          new java.util.TreeSet<>(owners));
    }
    return owners.size();
  }

  /** The process part of a {@code lease_owner} ({@code host:pid#instance/worker}). */
  static String processOf(@Nullable String owner) {
    if (owner == null) {
      return "unknown";
    }
    int slash = owner.indexOf('/');
    return slash > 0 ? owner.substring(0, slash) : owner;
  }

  /**
   * Who holds the unexpired leases of {@code topic} now, one entry per process, the longest-held first, and
   * whether each is this process, another that is alive, or one that is gone.
   */
  public List<LeaseHolder> leaseHolders(String topic) {
    Objects.requireNonNull(topic, "topic");
    Long[] mine = session != null ? session.keys() : new Long[0];
    return db.autoCommit("reading who holds the leases of " + topic, c -> {
      Instant now = now();
      List<LeaseHolder> out = new ArrayList<>();
      try (PreparedStatement ps = Db.prepare(c, "SELECT min(lease_owner), count(*), max(lease_expires_at), "
          + "CASE WHEN lease_session IS NULL THEN NULL WHEN lease_session = ANY (?) THEN 'mine' "
          + "WHEN pg_try_advisory_xact_lock(lease_session) THEN 'gone' ELSE 'alive' END "
          + "FROM " + tasks + " WHERE topic = ? AND lease_token IS NOT NULL AND lease_expires_at > ? "
          + "GROUP BY lease_session ORDER BY min(lease_expires_at)")) {
        ps.setArray(1, c.createArrayOf("int8", mine));
        ps.setString(2, topic);
        ps.setObject(3, Db.timestamp(now));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String state = rs.getString(4);
            LeaseHolder.Status status = state == null ? LeaseHolder.Status.UNKNOWN : switch (state) {
              case "mine" -> LeaseHolder.Status.THIS_PROCESS;
              case "gone" -> LeaseHolder.Status.GONE;
              default -> LeaseHolder.Status.ALIVE;
            };
            out.add(new LeaseHolder(processOf(rs.getString(1)), status, rs.getLong(2),
                rs.getObject(3, OffsetDateTime.class).toInstant()));
          }
        }
      }
      return out;
    });
  }

  // ---- settle --------------------------------------------------------------------------------

  @Override
  public boolean complete(LeasedTask task, List<NewTask> followUps) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(followUps, "followUps");
    List<NewTask> copy = List.copyOf(followUps);
    return db.checkedTransaction("completing task " + task.id(), (c, tx) -> complete(c, tx, task, copy, now()),
        c -> settled(c, task));
  }

  @Override
  public boolean retry(LeasedTask task, Duration delay, String cause) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(cause, "cause");
    Checks.notNegative(delay, "delay");
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return false;
    }
    return db.checkedTransaction("retrying task " + task.id(), (c, tx) -> {
      Instant now = now();
      try (PreparedStatement ps = Db.prepare(c, "UPDATE " + tasks + " SET lease_owner = NULL, lease_token = NULL, "
          + "lease_expires_at = NULL, lease_session = NULL, attempts = attempts + 1, run_at = ?, last_error = ? "
          + "WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ? RETURNING " + Db.TX_COLUMNS)) {
        ps.setObject(1, Db.timestamp(now.plus(delay)));
        ps.setString(2, cause);
        ps.setLong(3, id);
        ps.setString(4, task.topic());
        ps.setObject(5, token);
        ps.setObject(6, Db.timestamp(now));
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return false;
          }
          tx.record(rs, 1);
        }
      }
      if (delay.isZero()) {
        notifyWorkers(c, task.topic());
      }
      return true;
    }, c -> settled(c, task));
  }

  @Override
  public boolean deadLetter(LeasedTask task, String cause) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(cause, "cause");
    return db.checkedTransaction("dead-lettering task " + task.id(), (c, tx) -> deadLetter(c, tx, task, cause, now()),
        c -> settled(c, task));
  }

  /**
   * Carries {@code settlement} out on connection {@code c}, inside the caller's transaction, recording
   * the transaction in {@code tx} when it changes anything.
   *
   * @return false if the lease was lost; nothing was changed then
   */
  boolean settle(Connection c, Db.Tx tx, Settlement settlement) throws SQLException {
    Instant now = now();
    if (settlement instanceof Settlement.Complete complete) {
      return complete(c, tx, complete.task(), complete.followUps(), now);
    }
    if (settlement instanceof Settlement.DeadLetterTask dead) {
      return deadLetter(c, tx, dead.task(), dead.cause(), now);
    }
    throw new IllegalArgumentException("unknown settlement " + settlement.getClass().getName());
  }

  /**
   * After a restart of the server interrupted the commit of a settlement of {@code task}: true if it was
   * applied (the task's row no longer holds this lease), empty if it was not (it runs again, and finds
   * whether the lease still holds).
   */
  Optional<Boolean> settled(Connection c, LeasedTask task) throws SQLException {
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return Optional.empty();
    }
    try (PreparedStatement ps = Db.prepare(c, "SELECT EXISTS (SELECT 1 FROM " + tasks
        + " WHERE id = ? AND lease_token = ?)")) {
      ps.setLong(1, id);
      ps.setObject(2, token);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1) ? Optional.empty() : Optional.of(Boolean.TRUE);
      }
    }
  }

  private boolean complete(Connection c, Db.Tx tx, LeasedTask task, List<NewTask> followUps, Instant now)
      throws SQLException {
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return false;
    }
    try (PreparedStatement ps = Db.prepare(c, "DELETE FROM " + tasks
        + " WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ? RETURNING " + Db.TX_COLUMNS)) {
      ps.setLong(1, id);
      ps.setString(2, task.topic());
      ps.setObject(3, token);
      ps.setObject(4, Db.timestamp(now));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        tx.record(rs, 1);
      }
    }
    if (!followUps.isEmpty()) {
      insert(c, tx, task.topic(), followUps, now, false);
    }
    return true;
  }

  private boolean deadLetter(Connection c, Db.Tx tx, LeasedTask task, String cause, Instant now) throws SQLException {
    Long id = ownId(task);
    UUID token = token(task);
    if (id == null || token == null) {
      return false;
    }
    try (PreparedStatement ps = Db.prepare(c, "WITH gone AS (DELETE FROM " + tasks
        + " WHERE id = ? AND topic = ? AND lease_token = ? AND lease_expires_at > ? "
        + "RETURNING id, topic, payload, attempts, deliveries, enqueued_at) "
        + "INSERT INTO " + deadTasks + " (id, topic, payload, attempts, deliveries, cause, enqueued_at, dead_at) "
        + "SELECT id, topic, payload, attempts + 1, deliveries, ?, enqueued_at, ? FROM gone "
        + "RETURNING " + Db.TX_COLUMNS)) {
      ps.setLong(1, id);
      ps.setString(2, task.topic());
      ps.setObject(3, token);
      ps.setObject(4, Db.timestamp(now));
      ps.setString(5, cause);
      ps.setObject(6, Db.timestamp(now));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        tx.record(rs, 1);
        return true;
      }
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
    return db.autoCommit("counting tasks of " + topic, c -> {
      try (PreparedStatement ps = Db.prepare(c, "SELECT "
          + "count(*) FILTER (WHERE due_at <= ?), "
          + "count(*) FILTER (WHERE due_at > ? AND lease_token IS NULL), "
          + "count(*) FILTER (WHERE due_at > ? AND lease_token IS NOT NULL), "
          + "(SELECT count(*) FROM " + deadTasks + " WHERE topic = ?), "
          + "min(enqueued_at) "
          + "FROM " + tasks + " WHERE topic = ?")) {
        OffsetDateTime ts = Db.timestamp(now());
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
    return db.autoCommit("reading when tasks of " + topic + " are due", c -> {
      try (PreparedStatement ps = Db.prepare(c,
          "SELECT min(due_at) FROM " + tasks + " WHERE topic = ? AND due_at > ?")) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now()));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return Optional.ofNullable(Db.instant(rs.getObject(1, OffsetDateTime.class)));
        }
      }
    });
  }

  /** Whether a task of {@code topic} may be leased now. */
  private boolean ready(String topic) {
    return db.autoCommit("looking for ready tasks of " + topic, c -> {
      try (PreparedStatement ps = Db.prepare(c,
          "SELECT EXISTS (SELECT 1 FROM " + tasks + " WHERE topic = ? AND due_at <= ?)")) {
        ps.setString(1, topic);
        ps.setObject(2, Db.timestamp(now()));
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

  /**
   * Stops listening for notifications and releases this process's session lock (its leases still
   * pending are taken back by the next worker that finds nothing else to do). The tasks stay.
   */
  @Override
  public void close() {
    if (notifier != null) {
      notifier.close();
    }
    if (session != null) {
      session.close();
    }
  }

  @Override
  public String toString() {
    return "PostgresTaskQueue{" + db.names() + "}";
  }
}

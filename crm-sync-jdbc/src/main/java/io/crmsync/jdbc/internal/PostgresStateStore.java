package io.crmsync.jdbc.internal;

import io.crmsync.state.Baseline;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * {@link SyncStateStore} on PostgreSQL tables. {@link #apply} writes a batch's links, fingerprints and
 * dead letters, and removes its unlinks, in one transaction; {@link PostgresBackend} writes them in the
 * transaction that settles the batch's task. Rows are written in
 * key order, so concurrent batches that touch the same keys cannot deadlock. Thread-safe.
 *
 * <p>A link is one row of {@code id_links}, keyed by the id that saved it, which its next save replaces;
 * reads from the other side find it by {@code to_id}. Versions before this one also wrote a row keyed by
 * the other id, which could replace a link that id had saved itself, or outlive the link it mirrored;
 * such rows left in a table read as links saved from the other side.
 */
public final class PostgresStateStore implements SyncStateStore {
  private final Db db;
  private final String checkpoints;
  private final String links;
  private final String fingerprints;
  private final String baselines;
  private final String deadLetters;

  public PostgresStateStore(Db db) {
    this.db = Objects.requireNonNull(db, "db");
    this.checkpoints = db.names().table("checkpoints");
    this.links = db.names().table("id_links");
    this.fingerprints = db.names().table("fingerprints");
    this.baselines = db.names().table("baselines");
    this.deadLetters = db.names().table("dead_letters");
  }

  @Override
  public Optional<Checkpoint> checkpoint(String jobId) {
    Objects.requireNonNull(jobId, "jobId");
    return db.autoCommit("reading the checkpoint of job " + jobId, c -> {
      try (PreparedStatement ps = Db.prepare(c,
          "SELECT page_cursor, pass_since, watermark, updated_at FROM " + checkpoints + " WHERE job_id = ?")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          return Optional.of(new Checkpoint(rs.getString(1),
              Db.instant(rs.getObject(2, OffsetDateTime.class)),
              Db.instant(rs.getObject(3, OffsetDateTime.class)),
              rs.getObject(4, OffsetDateTime.class).toInstant()));
        }
      }
    });
  }

  @Override
  public void saveCheckpoint(String jobId, Checkpoint checkpoint) {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(checkpoint, "checkpoint");
    // a checkpoint lost in a crash of the database server only lags: the records after it are read
    // again and skipped by their fingerprints. One statement, an upsert: safe to run again.
    db.autoCommit("saving the checkpoint of job " + jobId, c -> {
      try (PreparedStatement ps = Db.prepare(c, "WITH " + Db.ASYNC_COMMIT + " INSERT INTO " + checkpoints
          + " (job_id, page_cursor, pass_since, watermark, updated_at) SELECT ?, ?, ?::timestamptz, "
          + "?::timestamptz, ?::timestamptz FROM async "
          + "ON CONFLICT (job_id) DO UPDATE SET page_cursor = excluded.page_cursor, "
          + "pass_since = excluded.pass_since, watermark = excluded.watermark, updated_at = excluded.updated_at")) {
        ps.setString(1, jobId);
        ps.setString(2, checkpoint.cursor());
        ps.setObject(3, Db.timestamp(checkpoint.passSince()));
        ps.setObject(4, Db.timestamp(checkpoint.watermark()));
        ps.setObject(5, Db.timestamp(checkpoint.updatedAt()));
        return ps.executeUpdate();
      }
    });
  }

  /** The id's own row if it has one, else the first (by id) of the rows saved from the other side that name it. */
  @Override
  public Map<String, String> linkedIds(String objectType, String fromSystem, Collection<String> fromIds, String toSystem) {
    Map<String, String> out = new HashMap<>();
    readLinks("reading id links", objectType, fromSystem, fromIds, toSystem, false, out::put);
    return out;
  }

  /**
   * The id's own row, and the rows saved from the other side that name it: a row holds one link, saved
   * from one side, so only the second finds all the records written into one. The V4 index on {@code
   * to_id} serves it.
   */
  @Override
  public Map<String, Set<String>> allLinkedIds(
      String objectType, String fromSystem, Collection<String> fromIds, String toSystem) {
    Map<String, Set<String>> out = new HashMap<>();
    readLinks("reading all id links", objectType, fromSystem, fromIds, toSystem, true,
        (from, to) -> out.computeIfAbsent(from, k -> new HashSet<>()).add(to));
    return out;
  }

  /**
   * Passes (from id, to id) pairs of the links of {@code fromIds} to {@code row}: those of the rows saved
   * from {@code fromSystem} and of the rows saved from {@code toSystem} that name them, read the other way
   * round; with {@code all} every pair, else one per id, its own row's where it has one.
   */
  private void readLinks(String what, String objectType, String fromSystem, Collection<String> fromIds,
      String toSystem, boolean all, BiConsumer<String, String> row) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(fromSystem, "fromSystem");
    Objects.requireNonNull(fromIds, "fromIds");
    Objects.requireNonNull(toSystem, "toSystem");
    if (fromIds.isEmpty()) {
      return;
    }
    String[] ids = new LinkedHashSet<>(fromIds).toArray(new String[0]);
    String own = " FROM " + links + " WHERE object_type = ? AND from_system = ? AND to_system = ? AND from_id = ANY (?)";
    String back = " FROM " + links + " WHERE object_type = ? AND from_system = ? AND to_system = ? AND to_id = ANY (?)";
    String sql = all
        ? "SELECT from_id, to_id" + own + " UNION SELECT to_id, from_id" + back
        : "SELECT DISTINCT ON (id) id, other FROM (SELECT from_id AS id, to_id AS other, 0 AS rank" + own
            + " UNION ALL SELECT to_id, from_id, 1" + back + ") AS x ORDER BY id, rank, other";
    db.autoCommit(what, c -> {
      try (PreparedStatement ps = Db.prepare(c, sql)) {
        java.sql.Array array = c.createArrayOf("text", ids);
        ps.setString(1, objectType);
        ps.setString(2, fromSystem);
        ps.setString(3, toSystem);
        ps.setArray(4, array);
        ps.setString(5, objectType);
        ps.setString(6, toSystem);
        ps.setString(7, fromSystem);
        ps.setArray(8, array);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            row.accept(rs.getString(1), rs.getString(2));
          }
        }
        return null;
      }
    });
  }

  @Override
  public Map<String, String> fingerprints(String scope, Collection<String> keys) {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(keys, "keys");
    if (keys.isEmpty()) {
      return Map.of();
    }
    String[] array = new LinkedHashSet<>(keys).toArray(new String[0]);
    return db.autoCommit("reading fingerprints", c -> {
      try (PreparedStatement ps = Db.prepare(c,
          "SELECT record_key, digest FROM " + fingerprints + " WHERE scope = ? AND record_key = ANY (?)")) {
        ps.setString(1, scope);
        ps.setArray(2, c.createArrayOf("text", array));
        return twoColumns(ps);
      }
    });
  }

  @Override
  public Map<String, Map<String, Object>> baselines(String scope, Collection<String> keys) {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(keys, "keys");
    if (keys.isEmpty()) {
      return Map.of();
    }
    String[] array = new LinkedHashSet<>(keys).toArray(new String[0]);
    return db.autoCommit("reading baselines", c -> {
      try (PreparedStatement ps = Db.prepare(c,
          "SELECT record_key, fields::text FROM " + baselines + " WHERE scope = ? AND record_key = ANY (?)")) {
        ps.setString(1, scope);
        ps.setArray(2, c.createArrayOf("text", array));
        Map<String, Map<String, Object>> out = new HashMap<>();
        twoColumns(ps).forEach((k, json) -> out.put(k, RecordJson.readFields(json)));
        return out;
      }
    });
  }

  /** The rows of {@code ps}'s query as a map from its first column to its second. */
  private static Map<String, String> twoColumns(PreparedStatement ps) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }

  @Override
  public void apply(StateUpdate update) {
    Objects.requireNonNull(update, "update");
    if (update.isEmpty()) {
      return;
    }
    if (update.deadLetters().stream().noneMatch(d -> d.record().id() == null)) {
      // upserts and deletes by key: applying the update twice leaves the same rows
      db.transaction("saving a batch's state", c -> {
        write(c, update);
        return null;
      });
      return;
    }
    // letters of records without an id are appended, never replaced: apply them exactly once
    db.checkedTransaction("saving a batch's state", (c, tx) -> {
      try (PreparedStatement ps = Db.prepare(c, "SELECT " + Db.TX_COLUMNS); ResultSet rs = ps.executeQuery()) {
        rs.next();
        tx.record(rs, 1);
      }
      write(c, update);
      return Boolean.TRUE;
    }, null);
  }

  /** Writes {@code update} in the caller's transaction, for a backend that settles a task in it too. */
  void writeIn(Connection c, StateUpdate update) throws SQLException {
    write(c, update);
  }

  private void write(Connection c, StateUpdate update) throws SQLException {
    if (!update.links().isEmpty()) {
      writeLinks(c, update.links());
    }
    if (!update.fingerprints().isEmpty()) {
      writeFingerprints(c, update.fingerprints());
    }
    if (!update.resolved().isEmpty()) {
      resolveDeadLetters(c, update.resolved());
    }
    if (!update.baselines().isEmpty()) {
      writeBaselines(c, update.baselines());
    }
    if (!update.deadLetters().isEmpty()) {
      writeDeadLetters(c, update.deadLetters());
    }
    if (!update.unlinks().isEmpty()) {
      removeLinks(c, update.unlinks());
    }
  }

  private void resolveDeadLetters(Connection c, List<StateUpdate.Resolved> resolved) throws SQLException {
    int n = resolved.size();
    String[] jobs = new String[n];
    String[] ops = new String[n];
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      StateUpdate.Resolved r = resolved.get(i);
      jobs[i] = r.jobId();
      ops[i] = r.operation().label();
      ids[i] = r.recordId();
    }
    try (PreparedStatement ps = Db.prepare(c, "DELETE FROM " + deadLetters + " d USING unnest(?::text[], ?::text[], "
        + "?::text[]) AS x(job_id, operation, record_id) WHERE d.job_id = x.job_id AND d.operation = x.operation "
        + "AND d.record_id = x.record_id")) {
      ps.setArray(1, c.createArrayOf("text", jobs));
      ps.setArray(2, c.createArrayOf("text", ops));
      ps.setArray(3, c.createArrayOf("text", ids));
      ps.executeUpdate();
    }
  }

  private record LinkKey(String objectType, String fromSystem, String toSystem, String fromId)
      implements Comparable<LinkKey> {
    @Override
    public int compareTo(LinkKey o) {
      int r = objectType.compareTo(o.objectType);
      if (r == 0) {
        r = fromSystem.compareTo(o.fromSystem);
      }
      if (r == 0) {
        r = toSystem.compareTo(o.toSystem);
      }
      return r != 0 ? r : fromId.compareTo(o.fromId);
    }
  }

  /**
   * Writes each link as one row, keyed by the id that saved it: its earlier link is replaced, and the rows
   * the other side saved are left alone (a row for the other direction would share its key with them).
   */
  private void writeLinks(Connection c, List<IdLink> list) throws SQLException {
    // one row per key (the last link wins), in key order
    TreeMap<LinkKey, String> rows = new TreeMap<>();
    for (IdLink l : list) {
      rows.put(new LinkKey(l.objectType(), l.fromSystem(), l.toSystem(), l.fromId()), l.toId());
    }
    int n = rows.size();
    String[] types = new String[n];
    String[] froms = new String[n];
    String[] tos = new String[n];
    String[] fromIds = new String[n];
    String[] toIds = new String[n];
    int i = 0;
    for (Map.Entry<LinkKey, String> e : rows.entrySet()) {
      types[i] = e.getKey().objectType();
      froms[i] = e.getKey().fromSystem();
      tos[i] = e.getKey().toSystem();
      fromIds[i] = e.getKey().fromId();
      toIds[i] = e.getValue();
      i++;
    }
    try (PreparedStatement ps = Db.prepare(c, "INSERT INTO " + links
        + " (object_type, from_system, to_system, from_id, to_id) "
        + "SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
        + "ON CONFLICT (from_id, from_system, to_system, object_type) DO UPDATE SET to_id = excluded.to_id "
        + "WHERE " + links + ".to_id IS DISTINCT FROM excluded.to_id")) {
      ps.setArray(1, c.createArrayOf("text", types));
      ps.setArray(2, c.createArrayOf("text", froms));
      ps.setArray(3, c.createArrayOf("text", tos));
      ps.setArray(4, c.createArrayOf("text", fromIds));
      ps.setArray(5, c.createArrayOf("text", toIds));
      ps.executeUpdate();
    }
  }

  /** One row of {@code id_links}, ordered as its key is. */
  private record LinkRow(LinkKey key, String toId) implements Comparable<LinkRow> {
    @Override
    public int compareTo(LinkRow o) {
      int r = key.compareTo(o.key);
      return r != 0 ? r : toId.compareTo(o.toId);
    }
  }

  /**
   * Deletes the rows of each link, saved from either side (or both), where they still name each other.
   * Nothing else changes: no row holds a copy of another, so an id's other links are rows of their own.
   */
  private void removeLinks(Connection c, List<IdLink> list) throws SQLException {
    TreeSet<LinkRow> rows = new TreeSet<>();
    for (IdLink l : list) {
      rows.add(new LinkRow(new LinkKey(l.objectType(), l.fromSystem(), l.toSystem(), l.fromId()), l.toId()));
      rows.add(new LinkRow(new LinkKey(l.objectType(), l.toSystem(), l.fromSystem(), l.toId()), l.fromId()));
    }
    int n = rows.size();
    String[] types = new String[n];
    String[] froms = new String[n];
    String[] tos = new String[n];
    String[] fromIds = new String[n];
    String[] toIds = new String[n];
    int i = 0;
    for (LinkRow row : rows) {
      types[i] = row.key().objectType();
      froms[i] = row.key().fromSystem();
      tos[i] = row.key().toSystem();
      fromIds[i] = row.key().fromId();
      toIds[i] = row.toId();
      i++;
    }
    try (PreparedStatement ps = Db.prepare(c, "DELETE FROM " + links + " l "
        + "USING unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
        + "AS x(object_type, from_system, to_system, from_id, to_id) "
        + "WHERE l.from_id = x.from_id AND l.from_system = x.from_system AND l.to_system = x.to_system "
        + "AND l.object_type = x.object_type AND l.to_id = x.to_id")) {
      ps.setArray(1, c.createArrayOf("text", types));
      ps.setArray(2, c.createArrayOf("text", froms));
      ps.setArray(3, c.createArrayOf("text", tos));
      ps.setArray(4, c.createArrayOf("text", fromIds));
      ps.setArray(5, c.createArrayOf("text", toIds));
      ps.executeUpdate();
    }
  }

  private void writeFingerprints(Connection c, List<Fingerprint> list) throws SQLException {
    TreeMap<String, TreeMap<String, String>> byScope = new TreeMap<>();
    for (Fingerprint f : list) {
      byScope.computeIfAbsent(f.scope(), k -> new TreeMap<>()).put(f.key(), f.value());
    }
    List<String> scopes = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    byScope.forEach((scope, entries) -> entries.forEach((k, v) -> {
      scopes.add(scope);
      keys.add(k);
      digests.add(v);
    }));
    try (PreparedStatement ps = Db.prepare(c, "INSERT INTO " + fingerprints + " (scope, record_key, digest) "
        + "SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) "
        + "ON CONFLICT (record_key, scope) DO UPDATE SET digest = excluded.digest "
        + "WHERE " + fingerprints + ".digest IS DISTINCT FROM excluded.digest")) {
      ps.setArray(1, c.createArrayOf("text", scopes.toArray(new String[0])));
      ps.setArray(2, c.createArrayOf("text", keys.toArray(new String[0])));
      ps.setArray(3, c.createArrayOf("text", digests.toArray(new String[0])));
      ps.executeUpdate();
    }
  }

  private void writeBaselines(Connection c, List<Baseline> list) throws SQLException {
    // key order, as for fingerprints, so that concurrent batches cannot deadlock; the last one per key wins
    TreeMap<String, TreeMap<String, String>> byScope = new TreeMap<>();
    for (Baseline b : list) {
      byScope.computeIfAbsent(b.scope(), k -> new TreeMap<>()).put(b.key(), RecordJson.writeFields(b.fields()));
    }
    List<String> scopes = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    byScope.forEach((scope, entries) -> entries.forEach((k, v) -> {
      scopes.add(scope);
      keys.add(k);
      values.add(v);
    }));
    try (PreparedStatement ps = Db.prepare(c, "INSERT INTO " + baselines + " (scope, record_key, fields) "
        + "SELECT x.scope, x.record_key, x.fields::json FROM unnest(?::text[], ?::text[], ?::text[]) "
        + "AS x(scope, record_key, fields) ON CONFLICT (record_key, scope) DO UPDATE SET fields = excluded.fields")) {
      ps.setArray(1, c.createArrayOf("text", scopes.toArray(new String[0])));
      ps.setArray(2, c.createArrayOf("text", keys.toArray(new String[0])));
      ps.setArray(3, c.createArrayOf("text", values.toArray(new String[0])));
      ps.executeUpdate();
    }
  }

  /**
   * Appends the letters; a letter for a record that already has one in its job and operation (by record
   * id) replaces it, and so moves to the end. Within the batch, the last letter for a record wins.
   */
  private void writeDeadLetters(Connection c, List<DeadLetter> all) throws SQLException {
    Map<List<String>, Integer> latest = new LinkedHashMap<>();
    for (int i = 0; i < all.size(); i++) {
      DeadLetter d = all.get(i);
      if (d.record().id() != null) {
        latest.put(List.of(d.jobId(), d.operation().label(), d.record().id()), i);
      }
    }
    List<DeadLetter> list = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      DeadLetter d = all.get(i);
      if (d.record().id() == null || latest.get(List.of(d.jobId(), d.operation().label(), d.record().id())) == i) {
        list.add(d);
      }
    }
    // a replaced letter keeps when its record first failed
    Map<List<String>, Instant> firstFailed = new HashMap<>();
    if (!latest.isEmpty()) {
      int k = latest.size();
      String[] jobs = new String[k];
      String[] ops = new String[k];
      String[] ids = new String[k];
      int i = 0;
      for (List<String> key : latest.keySet()) {
        jobs[i] = key.get(0);
        ops[i] = key.get(1);
        ids[i] = key.get(2);
        i++;
      }
      try (PreparedStatement ps = Db.prepare(c, "DELETE FROM " + deadLetters + " d USING unnest(?::text[], ?::text[], "
          + "?::text[]) AS x(job_id, operation, record_id) WHERE d.job_id = x.job_id AND d.operation = x.operation "
          + "AND d.record_id = x.record_id RETURNING d.job_id, d.operation, d.record_id, d.first_failed_at")) {
        ps.setArray(1, c.createArrayOf("text", jobs));
        ps.setArray(2, c.createArrayOf("text", ops));
        ps.setArray(3, c.createArrayOf("text", ids));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            OffsetDateTime first = rs.getObject(4, OffsetDateTime.class);
            if (first != null) {
              firstFailed.merge(List.of(rs.getString(1), rs.getString(2), rs.getString(3)), first.toInstant(),
                  (a, b) -> a.isBefore(b) ? a : b);
            }
          }
        }
      }
    }
    int n = list.size();
    String[] jobs = new String[n];
    String[] ops = new String[n];
    String[] records = new String[n];
    String[] ids = new String[n];
    String[] codes = new String[n];
    String[] messages = new String[n];
    Integer[] attempts = new Integer[n];
    String[] at = new String[n];
    Boolean[] retryable = new Boolean[n];
    String[] requestIds = new String[n];
    String[] fieldErrors = new String[n];
    String[] first = new String[n];
    for (int i = 0; i < n; i++) {
      DeadLetter d = list.get(i);
      jobs[i] = d.jobId();
      ops[i] = d.operation().label();
      records[i] = RecordJson.write(d.record());
      ids[i] = d.record().id();
      codes[i] = d.errorCode();
      messages[i] = d.message();
      attempts[i] = d.attempts();
      at[i] = Db.micros(d.at()).toString();
      retryable[i] = d.retryable();
      requestIds[i] = d.requestId();
      fieldErrors[i] = d.fieldErrors().isEmpty() ? null : RecordJson.writeFieldErrors(d.fieldErrors());
      Instant earlier = ids[i] == null ? null : firstFailed.get(List.of(jobs[i], ops[i], ids[i]));
      Instant f = earlier != null && earlier.isBefore(d.firstFailedAt()) ? earlier : d.firstFailedAt();
      first[i] = Db.micros(f).toString();
    }
    try (PreparedStatement ps = Db.prepare(c, "INSERT INTO " + deadLetters
        + " (job_id, operation, record, record_id, error_code, message, attempts, dead_at, retryable, request_id, "
        + "field_errors, first_failed_at) "
        + "SELECT x.job_id, x.operation, x.record::json, x.record_id, x.error_code, x.message, x.attempts, "
        + "x.dead_at::timestamptz, x.retryable, x.request_id, x.field_errors::json, x.first_failed_at::timestamptz "
        + "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], "
        + "?::int[], ?::text[], ?::boolean[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
        + "AS x(job_id, operation, record, record_id, error_code, message, attempts, dead_at, retryable, request_id, "
        + "field_errors, first_failed_at, ord) ORDER BY x.ord")) {
      ps.setArray(1, c.createArrayOf("text", jobs));
      ps.setArray(2, c.createArrayOf("text", ops));
      ps.setArray(3, c.createArrayOf("text", records));
      ps.setArray(4, c.createArrayOf("text", ids));
      ps.setArray(5, c.createArrayOf("text", codes));
      ps.setArray(6, c.createArrayOf("text", messages));
      ps.setArray(7, c.createArrayOf("int4", attempts));
      ps.setArray(8, c.createArrayOf("text", at));
      ps.setArray(9, c.createArrayOf("bool", retryable));
      ps.setArray(10, c.createArrayOf("text", requestIds));
      ps.setArray(11, c.createArrayOf("text", fieldErrors));
      ps.setArray(12, c.createArrayOf("text", first));
      ps.executeUpdate();
    }
  }

  @Override
  public List<DeadLetter> deadLetters(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    return db.autoCommit("reading the dead letters of job " + query.jobId(), c -> {
      List<Object> params = new ArrayList<>();
      String where = where(query, params);
      try (PreparedStatement ps = Db.prepare(c, "SELECT job_id, operation, record::text, error_code, message, "
          + "attempts, dead_at, retryable, request_id, field_errors::text, first_failed_at FROM " + deadLetters
          + " WHERE " + where + " ORDER BY id LIMIT ?")) {
        int i = bind(ps, params);
        ps.setInt(i, query.limit());
        List<DeadLetter> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Instant at = rs.getObject(7, OffsetDateTime.class).toInstant();
            OffsetDateTime first = rs.getObject(11, OffsetDateTime.class);
            String fieldErrors = rs.getString(10);
            out.add(DeadLetter.builder(rs.getString(1), DeadLetter.Operation.fromLabel(rs.getString(2)),
                    RecordJson.read(rs.getString(3)))
                .errorCode(rs.getString(4))
                .message(rs.getString(5))
                .attempts(rs.getInt(6))
                .at(at)
                .retryable(rs.getBoolean(8))
                .requestId(rs.getString(9))
                .fieldErrors(fieldErrors == null ? List.of() : RecordJson.readFieldErrors(fieldErrors))
                .firstFailedAt(first == null ? at : first.toInstant())
                .build());
          }
        }
        return out;
      }
    });
  }

  @Override
  public long removeDeadLetters(DeadLetterQuery query) {
    Objects.requireNonNull(query, "query");
    return db.transaction("removing dead letters of job " + query.jobId(), c -> {
      List<Object> params = new ArrayList<>();
      String where = where(query, params);
      try (PreparedStatement ps = Db.prepare(c, "DELETE FROM " + deadLetters + " WHERE id IN (SELECT id FROM "
          + deadLetters + " WHERE " + where + " ORDER BY id LIMIT ?)")) {
        int i = bind(ps, params);
        ps.setInt(i, query.limit());
        return (long) ps.executeUpdate();
      }
    });
  }

  private static String where(DeadLetterQuery q, List<Object> params) {
    StringBuilder w = new StringBuilder("job_id = ?");
    params.add(q.jobId());
    if (q.operation() != null) {
      w.append(" AND operation = ?");
      params.add(q.operation().label());
    }
    if (q.errorCode() != null) {
      w.append(" AND error_code = ?");
      params.add(q.errorCode());
    }
    if (q.retryableOnly()) {
      w.append(" AND retryable");
    }
    if (q.before() != null) {
      // dead_at holds microseconds: a letter given up on within the microsecond before the bound is before it
      Instant bound = Db.micros(q.before());
      w.append(" AND dead_at < ?");
      params.add(Db.timestamp(bound.equals(q.before()) ? bound : bound.plus(1, ChronoUnit.MICROS)));
    }
    return w.toString();
  }

  private static int bind(PreparedStatement ps, List<Object> params) throws SQLException {
    int i = 1;
    for (Object p : params) {
      if (p instanceof String text) {
        ps.setString(i++, text);
      } else {
        ps.setObject(i++, p);
      }
    }
    return i;
  }

  @Override
  public long deadLetterCount(String jobId) {
    Objects.requireNonNull(jobId, "jobId");
    return db.autoCommit("counting the dead letters of job " + jobId, c -> {
      try (PreparedStatement ps = Db.prepare(c, "SELECT count(*) FROM " + deadLetters + " WHERE job_id = ?")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  @Override
  public String toString() {
    return "PostgresStateStore{" + db.names() + "}";
  }
}

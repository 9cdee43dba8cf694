package io.crmsync.testkit.dynamics;

import io.crmsync.TimeSource;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The emulated org's rows, with a row version per change (what change tracking and ETags are made of), the
 * tombstones of deleted rows, unique indexes for alternate keys, and an undo log for change sets. Not
 * thread-safe: the emulator calls it under its lock.
 */
final class Org {
  /** A reference to a row of another table (the value of a lookup column). */
  record Ref(String table, UUID id) {}

  /** A deleted row, kept for change tracking. */
  record Tombstone(long version, UUID id, Instant at) {}

  /** A deleted row kept whole in the recycle bin of a table that has one, and when it was deleted. */
  record Binned(Row row, Instant deletedAt) {}

  static final class Row {
    final UUID id;
    final Map<String, Object> values = new HashMap<>();
    long version;

    Row(UUID id) {
      this.id = id;
    }
  }

  static final class Data {
    final Table table;
    final TreeMap<UUID, Row> rows = new TreeMap<>();
    final List<Map<String, UUID>> keyIndexes = new ArrayList<>();
    final List<Tombstone> tombstones = new ArrayList<>();
    /** Deleted rows by id, for tables with the recycle bin on (restore-deleted-records). */
    final TreeMap<UUID, Binned> bin = new TreeMap<>();

    Data(Table table) {
      this.table = table;
      for (int i = 0; i < table.keys.size(); i++) {
        keyIndexes.add(new HashMap<>());
      }
    }
  }

  final Map<String, Table> byLogical = new LinkedHashMap<>();
  final Map<String, Table> bySet = new LinkedHashMap<>();
  final Map<String, Data> data = new HashMap<>();
  private final TimeSource time;
  private final SplittableRandom random;
  private long version = 1_000;
  private @Nullable Deque<Runnable> undo;
  /** The application user the emulator's tokens act as: the default owner and the creator of rows. */
  final UUID callerId;

  Org(TimeSource time, long seed) {
    this.time = time;
    this.random = new SplittableRandom(seed);
    this.callerId = newId();
  }

  void add(Table t) {
    byLogical.put(t.logicalName, t);
    bySet.put(t.entitySetName, t);
    data.put(t.logicalName, new Data(t));
  }

  Data data(Table t) {
    return data.get(t.logicalName);
  }

  /** A new GUID from the seeded generator, so runs are repeatable. */
  UUID newId() {
    return new UUID(random.nextLong(), random.nextLong());
  }

  long version() {
    return version;
  }

  /** Now, to the second: Dataverse returns date and time values without fractions of a second. */
  Instant now() {
    return time.now().truncatedTo(ChronoUnit.SECONDS);
  }

  // --------------------------------------------------------------------------------------- change sets

  /** Starts recording undo steps, for a change set that may have to be rolled back. */
  void begin() {
    undo = new ArrayDeque<>();
  }

  void commit() {
    undo = null;
  }

  /** Undoes everything since {@link #begin()}: a change set is atomic. */
  void rollback() {
    Deque<Runnable> steps = undo;
    undo = null;
    if (steps != null) {
      while (!steps.isEmpty()) {
        steps.pop().run();
      }
    }
  }

  private void onUndo(Runnable step) {
    if (undo != null) {
      undo.push(step);
    }
  }

  // ----------------------------------------------------------------------------------------- reading

  @Nullable Row get(Table t, UUID id) {
    return data(t).rows.get(id);
  }

  /** The row whose alternate key {@code key} has these values, or null. */
  @Nullable Row byKey(Table t, List<String> key, Map<String, Object> values) {
    int i = t.keys.indexOf(key);
    if (i < 0) {
      return null;
    }
    UUID id = data(t).keyIndexes.get(i).get(indexKey(key, values));
    return id == null ? null : data(t).rows.get(id);
  }

  // ----------------------------------------------------------------------------------------- writing

  /**
   * Creates a row with {@code values} (logical names to values, already checked against the columns).
   *
   * @throws DvError 412 if the id or an alternate key's values are taken
   */
  Row insert(Table t, @Nullable UUID id, Map<String, Object> values) {
    Data d = data(t);
    UUID rowId = id != null ? id : newId();
    if (d.rows.containsKey(rowId)) {
      throw new DvError(412, "", "A record with matching key values already exists.");
    }
    Row r = new Row(rowId);
    Instant now = now();
    r.values.put(t.primaryId, rowId);
    if (t.column("ownerid") != null) {
      r.values.put("ownerid", new Ref("systemuser", callerId));
      r.values.put("statecode", 0L);
      r.values.put("statuscode", 1L);
      r.values.put("createdby", new Ref("systemuser", callerId));
      r.values.put("modifiedby", new Ref("systemuser", callerId));
    }
    putAll(r, values);
    if (t.column("createdon") != null) {
      r.values.put("createdon", now);
      r.values.put("modifiedon", now);
    }
    compose(t, r);
    claimKeys(t, r);
    r.version = ++version;
    if (t.column("versionnumber") != null) {
      r.values.put("versionnumber", r.version);
    }
    d.rows.put(rowId, r);
    onUndo(() -> {
      d.rows.remove(rowId);
      releaseKeys(t, r);
    });
    return r;
  }

  /**
   * Applies {@code changes} to {@code r}.
   *
   * @throws DvError 412 if a changed alternate key's values are taken by another row
   */
  void update(Table t, Row r, Map<String, Object> changes) {
    Map<String, Object> before = new HashMap<>(r.values);
    long beforeVersion = r.version;
    releaseKeys(t, r);
    putAll(r, changes);
    try {
      claimKeys(t, r);
    } catch (DvError e) {
      r.values.clear();
      r.values.putAll(before);
      claimKeys(t, r);
      throw e;
    }
    if (t.column("modifiedon") != null) {
      r.values.put("modifiedon", now());
      r.values.put("modifiedby", new Ref("systemuser", callerId));
    }
    compose(t, r);
    r.version = ++version;
    if (t.column("versionnumber") != null) {
      r.values.put("versionnumber", r.version);
    }
    onUndo(() -> {
      releaseKeys(t, r);
      r.values.clear();
      r.values.putAll(before);
      r.version = beforeVersion;
      claimKeys(t, r);
    });
  }

  void delete(Table t, Row r) {
    Data d = data(t);
    d.rows.remove(r.id);
    releaseKeys(t, r);
    Tombstone tomb = new Tombstone(++version, r.id, now());
    d.tombstones.add(tomb);
    // "If the record with same primary key was already deleted before, copy to Recycle Bin is ignored for the
    // record": https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records
    boolean binned = t.recycleBin && !d.bin.containsKey(r.id);
    if (binned) {
      d.bin.put(r.id, new Binned(r, tomb.at()));
    }
    onUndo(() -> {
      if (binned) {
        d.bin.remove(r.id);
      }
      d.tombstones.remove(tomb);
      d.rows.put(r.id, r);
      claimKeys(t, r);
    });
  }

  private static void putAll(Row r, Map<String, Object> values) {
    values.forEach((k, v) -> {
      if (v == null) {
        r.values.remove(k);
      } else {
        r.values.put(k, v);
      }
    });
  }

  /** Fills the columns Dataverse composes, such as a contact's full name. */
  private static void compose(Table t, Row r) {
    if (t.column("fullname") != null && t.column("firstname") != null && t.column("lastname") != null) {
      String first = (String) r.values.get("firstname");
      String last = (String) r.values.get("lastname");
      String full = ((first == null ? "" : first) + " " + (last == null ? "" : last)).strip();
      if (full.isEmpty()) {
        r.values.remove("fullname");
      } else {
        r.values.put("fullname", full);
      }
    }
  }

  /** Indexes {@code r}'s alternate keys; checks all of them before indexing any. */
  private void claimKeys(Table t, Row r) {
    Data d = data(t);
    for (int i = 0; i < t.keys.size(); i++) {
      List<String> key = t.keys.get(i);
      if (hasAll(key, r.values)) {
        UUID owner = d.keyIndexes.get(i).get(indexKey(key, r.values));
        if (owner != null && !owner.equals(r.id)) {
          // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
          throw new DvError(412, "", "A record with matching key values already exists.");
        }
      }
    }
    for (int i = 0; i < t.keys.size(); i++) {
      List<String> key = t.keys.get(i);
      if (hasAll(key, r.values)) {
        d.keyIndexes.get(i).put(indexKey(key, r.values), r.id);
      }
    }
  }

  private void releaseKeys(Table t, Row r) {
    Data d = data(t);
    for (int i = 0; i < t.keys.size(); i++) {
      List<String> key = t.keys.get(i);
      if (hasAll(key, r.values)) {
        d.keyIndexes.get(i).remove(indexKey(key, r.values), r.id);
      }
    }
  }

  private static boolean hasAll(List<String> key, Map<String, Object> values) {
    for (String k : key) {
      if (values.get(k) == null) {
        return false;
      }
    }
    return true;
  }

  /**
   * The index entry of a key's values. Text compares without regard to case, as the org's database collation
   * does (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows: "All filters
   * using string values are case insensitive").
   */
  static String indexKey(List<String> key, Map<String, Object> values) {
    StringBuilder sb = new StringBuilder();
    for (String k : key) {
      Object v = values.get(k);
      if (v instanceof String s) {
        sb.append(s.toLowerCase(Locale.ROOT));
      } else if (v instanceof BigDecimal b) {
        sb.append(b.stripTrailingZeros().toPlainString());
      } else if (v instanceof Ref ref) {
        sb.append(ref.id());
      } else {
        sb.append(v);
      }
      sb.append('\u0000');
    }
    return sb.toString();
  }
}

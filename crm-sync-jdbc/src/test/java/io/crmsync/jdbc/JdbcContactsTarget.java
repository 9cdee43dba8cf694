package io.crmsync.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.model.CrmRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A CRM whose contacts live in a PostgreSQL table, so that they outlive the process that wrote them:
 * the target of the crash and scale-out tests. Upserts by email as a real CRM does ({@code ON CONFLICT}),
 * and counts the writes of each contact, so that tests can see redeliveries.
 */
final class JdbcContactsTarget implements CRMAdapter {
  static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private final DataSource dataSource;
  private final String table;
  private final int stallAfter;
  private final java.util.concurrent.atomic.AtomicInteger upserts = new java.util.concurrent.atomic.AtomicInteger();

  /** @param table the schema-qualified table, made by {@link #createTable} */
  JdbcContactsTarget(DataSource dataSource, String table) {
    this(dataSource, table, Integer.MAX_VALUE);
  }

  /**
   * @param stallAfter after this many upsert calls, every further call blocks for good: the process holds
   *     its leases and makes no progress, until it is killed
   */
  JdbcContactsTarget(DataSource dataSource, String table, int stallAfter) {
    this.dataSource = dataSource;
    this.table = table;
    this.stallAfter = stallAfter;
  }

  static void createTable(DataSource ds, String table) {
    TestDatabase.execute(ds, "CREATE TABLE " + table + " (id bigint GENERATED ALWAYS AS IDENTITY UNIQUE, "
        + "email text PRIMARY KEY, fields text NOT NULL, writes integer NOT NULL DEFAULT 1)");
  }

  /** The canonical JSON of a record's fields, as stored: compare it with the source's. */
  static String canonical(Map<String, Object> fields) {
    try {
      return CANONICAL.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  public String id() {
    return "crm";
  }

  @Override
  public AdapterCapabilities capabilities() {
    return AdapterCapabilities.builder().maxBatchSize(100).build();
  }

  @Override
  public Page read(ReadRequest request) {
    String sql = "SELECT id, email, fields FROM " + table + " WHERE email > ? ORDER BY email LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, request.cursor() == null ? "" : request.cursor());
      ps.setInt(2, request.pageSize());
      List<CrmRecord> out = new ArrayList<>();
      String last = null;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          @SuppressWarnings("unchecked")
          Map<String, Object> fields = CANONICAL.readValue(rs.getString(3), Map.class);
          out.add(new CrmRecord(request.objectType(), rs.getString(1), fields, null, false));
          last = rs.getString(2);
        }
      }
      return new Page(out, out.size() == request.pageSize() ? last : null);
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    if (upserts.incrementAndGet() > stallAfter) {
      try {
        new java.util.concurrent.CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while stalled", e);
      }
    }
    RecordResult[] results = new RecordResult[records.size()];
    List<String> emails = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      String email = key.normalize(records.get(i).fields().get(key.field()));
      if (email == null || index.containsKey(email)) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.MISSING_MATCH_KEY, "no " + key));
        continue;
      }
      index.put(email, i);
      emails.add(email);
      fields.add(canonical(records.get(i).fields()));
    }
    String sql = "INSERT INTO " + table + " AS t (email, fields) SELECT * FROM unnest(?::text[], ?::text[]) "
        + "ON CONFLICT (email) DO UPDATE SET fields = excluded.fields, writes = t.writes + 1 "
        + "RETURNING email, id, (xmax = 0) AS created";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("text", emails.toArray(new String[0])));
      ps.setArray(2, c.createArrayOf("text", fields.toArray(new String[0])));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int i = index.get(rs.getString(1));
          String id = Long.toString(rs.getLong(2));
          results[i] = rs.getBoolean(3) ? RecordResult.created(i, id) : RecordResult.updated(i, id);
        }
      }
    } catch (SQLException e) {
      throw new io.crmsync.CrmUnavailableException(id(), 0, null, "upsert failed: " + e.getMessage(), e);
    }
    return List.of(results);
  }

  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    throw new UnsupportedOperationException("this test CRM does not delete");
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    return Optional.empty();
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    return List.of();
  }

  @Override
  public String toString() {
    return "JdbcContactsTarget{" + table + "}";
  }
}

package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression: the per-batch fingerprint lookup must stay on the index while a new table grows. It used to
 * become a server-side prepared statement whose generic plan, made while the table was nearly empty,
 * scanned every row, and the key's leading column was the scope, so even a fresh plan filtered every
 * fingerprint of the scope: a first sync slowed down with every batch.
 */
class LookupPlanTest {
  private static HikariDataSource pool;

  @BeforeAll
  static void openPool() {
    pool = TestDatabase.pool(1); // one session: the store's statements and this test's queries share it
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Test
  void fingerprintLookupsArePlannedFreshAndGoStraightToTheKeys() throws Exception {
    String schema = TestDatabase.freshSchema("plan");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).notifications(false).build()) {
      SyncStateStore store = pg.stateStore();
      List<String> keys = new ArrayList<>();
      for (int b = 0; b < 200; b++) {
        keys = new ArrayList<>();
        List<Fingerprint> fps = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String key = "app:" + (b * 100 + i);
          keys.add(key);
          fps.add(new Fingerprint("crm/contact", key, "d" + i));
        }
        store.fingerprints("crm/contact", keys); // what the engine does per batch
        store.apply(new StateUpdate(List.of(), fps, List.of()));
      }
      try (Connection c = pool.getConnection()) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%fingerprints%'");
            ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getLong(1)).as("no generic plan cached for the store's statements").isZero();
        }
        // a table of a large CRM (never analysed): the lookup must go straight to the keys
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".fingerprints (scope, record_key, digest) "
            + "SELECT 'crm/contact', 'app:' || i, 'd' FROM generate_series(20000, 499999) AS i")) {
          ps.executeUpdate();
        }
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN SELECT record_key, digest FROM " + schema
            + ".fingerprints WHERE scope = ? AND record_key = ANY (?)")) {
          ps.setString(1, "crm/contact");
          ps.setArray(2, c.createArrayOf("text", keys.toArray(new String[0])));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              plan.append(rs.getString(1)).append('\n');
            }
          }
        }
        assertThat(plan.toString()).as("plan of the lookup on 500,000 unanalysed rows")
            .doesNotContain("Seq Scan").contains("Index Cond: ((record_key = ANY");
      }
    }
  }

  /** Before a delete is propagated, the records linked to each target record are looked up by to_id (V4's index). */
  @Test
  void lookupsOfAllLinksGoStraightToTheIdsEitherWay() throws Exception {
    String schema = TestDatabase.freshSchema("plan");
    try (PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).notifications(false).build()) {
      // a table of a large CRM, never analysed: two app records written into each crm record
      TestDatabase.execute(pool, "INSERT INTO " + schema + ".id_links (object_type, from_system, to_system, from_id, "
          + "to_id) SELECT 'contact', 'app', 'crm', 'a' || i, 'c' || (i / 2) FROM generate_series(0, 399999) AS i");
      assertThat(pg.stateStore().allLinkedIds("contact", "crm", List.of("c7", "c8"), "app"))
          .isEqualTo(java.util.Map.of("c7", java.util.Set.of("a14", "a15"), "c8", java.util.Set.of("a16", "a17")));
      StringBuilder plan = new StringBuilder();
      try (Connection c = pool.getConnection()) {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN SELECT from_id, to_id FROM " + schema + ".id_links"
            + " WHERE object_type = ? AND from_system = ? AND to_system = ? AND from_id = ANY (?)"
            + " UNION SELECT to_id, from_id FROM " + schema + ".id_links"
            + " WHERE object_type = ? AND from_system = ? AND to_system = ? AND to_id = ANY (?)")) {
          java.sql.Array ids = c.createArrayOf("text", new String[] {"c7", "c8"});
          ps.setString(1, "contact");
          ps.setString(2, "crm");
          ps.setString(3, "app");
          ps.setArray(4, ids);
          ps.setString(5, "contact");
          ps.setString(6, "app");
          ps.setString(7, "crm");
          ps.setArray(8, ids);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              plan.append(rs.getString(1)).append('\n');
            }
          }
        }
      }
      assertThat(plan.toString()).as("plan of the lookup on 400,000 unanalysed rows")
          .doesNotContain("Seq Scan").contains("Index Cond: ((from_id = ANY").contains("Index Cond: ((to_id = ANY");
    }
  }
}

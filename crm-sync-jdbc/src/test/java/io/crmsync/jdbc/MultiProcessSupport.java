package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.model.CrmRecord;
import io.crmsync.tck.SyncEngineContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Checks shared by the tests that sync through several processes. */
final class MultiProcessSupport {
  private MultiProcessSupport() {}

  /** Asserts the contacts table holds exactly the {@code n} generated contacts, each once, field for field. */
  static void assertTargetEqualsSource(DataSource ds, String schema, int n) throws SQLException {
    Map<String, String> stored = new HashMap<>(n * 2);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT email, fields FROM " + schema + ".contacts")) {
      while (rs.next()) {
        assertThat(stored.put(rs.getString(1), rs.getString(2))).as("duplicate %s", rs.getString(1)).isNull();
      }
    }
    List<CrmRecord> source = SyncEngineContract.contacts(n, 0);
    assertThat(stored).as("no record missing, none extra").hasSize(n);
    for (CrmRecord r : source) {
      String email = r.string("email");
      assertThat(stored.get(email)).as("contact %s", email).isEqualTo(JdbcContactsTarget.canonical(r.fields()));
    }
  }

  static long sum(List<Map<String, String>> reports, String key) {
    return reports.stream().mapToLong(r -> Long.parseLong(r.get(key))).sum();
  }
}

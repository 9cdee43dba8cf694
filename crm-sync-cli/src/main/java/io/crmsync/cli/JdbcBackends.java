package io.crmsync.cli;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.jdbc.PostgresSync;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Opens the PostgreSQL queue and state store of {@code crm-sync-jdbc} from a JDBC URL and the settings
 * {@code crmsync.state.<name>} of the properties file, overridden by {@code CRMSYNC_STATE_<NAME>}
 * environment variables ({@code user}, {@code password}, {@code schema}, {@code tablePrefix}, and any
 * pgjdbc property).
 */
final class JdbcBackends {
  private JdbcBackends() {}

  static StateBackend open(String url, Properties properties, Map<String, String> env) {
    // crmsync.state.<name> and CRMSYNC_STATE_<NAME> follow the adapters' naming, so AdapterConfig reads them
    AdapterConfig state = AdapterConfig.builder("state").properties(properties, "properties").environment(env).build();
    Map<String, String> settings = new TreeMap<>();
    for (String name : state.names()) {
      if (!name.equals("url")) {
        settings.put(name, state.string(name));
      }
    }
    PostgresSync pg = PostgresSync.fromJdbcUrl(url, settings);
    return StateBackend.of(pg.backend(),
        "queue and state in PostgreSQL " + StateBackend.redact(url), pg::close);
  }
}

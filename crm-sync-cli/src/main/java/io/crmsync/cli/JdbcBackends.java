package io.crmsync.cli;

import io.crmsync.jdbc.PostgresSync;
import java.util.Locale;
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
    Map<String, String> settings = new TreeMap<>();
    String prefix = "crmsync.state.";
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith(prefix) && !key.equals("crmsync.state.url")) {
        settings.put(key.substring(prefix.length()), properties.getProperty(key));
      }
    }
    env.forEach((k, v) -> {
      if (k.startsWith("CRMSYNC_STATE_") && !k.equals("CRMSYNC_STATE_URL")) {
        settings.put(camel(k.substring("CRMSYNC_STATE_".length())), v);
      }
    });
    PostgresSync pg = PostgresSync.fromJdbcUrl(url, settings);
    return StateBackend.of(pg.taskQueue(), pg.stateStore(),
        "queue and state in PostgreSQL " + StateBackend.redact(url), pg::close);
  }

  private static String camel(String snake) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }
}

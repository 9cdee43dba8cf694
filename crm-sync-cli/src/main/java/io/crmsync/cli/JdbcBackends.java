package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.jdbc.LeaseHolder;
import io.crmsync.jdbc.PostgresSync;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Opens the PostgreSQL queue and state store of {@code crm-sync-jdbc} from a JDBC URL and the settings
 * {@code crmsync.state.<name>} of the properties file, overridden by {@code CRMSYNC_STATE_<NAME>}
 * environment variables ({@code user}, {@code password}, {@code schema}, {@code tablePrefix}, {@code
 * outageTolerance}, {@code reclaimLeases}, and any pgjdbc property).
 */
final class JdbcBackends {
  /** Settings of the state that are not {@link PostgresSync}'s. */
  private static final Set<String> CLI_SETTINGS = Set.of("url", "visibilityTimeout");

  private JdbcBackends() {}

  static StateBackend open(String url, AdapterConfig state, @Nullable Duration visibilityTimeout) {
    Map<String, String> settings = new TreeMap<>();
    for (String name : state.names()) {
      if (!CLI_SETTINGS.contains(name)) {
        settings.put(name, state.string(name));
      }
    }
    PostgresSync pg;
    try {
      pg = PostgresSync.fromJdbcUrl(url, settings);
    } catch (IllegalArgumentException e) {
      // a malformed or unknown setting; the message names it and never shows a secret
      throw new CrmConfigurationException("state", e.getMessage() + " (crmsync.state.<name> or CRMSYNC_STATE_<NAME>)");
    }
    int installed = pg.config().migrate() ? PostgresSync.schemaVersion() : pg.installedSchemaVersion();
    if (installed < PostgresSync.schemaVersion()) {
      pg.close();
      throw new CrmConfigurationException("state", (installed == 0
          ? "the tables of schema " + pg.config().schema() + " do not exist at " + pg.location()
          : "the tables of schema " + pg.config().schema() + " at " + pg.location() + " are at version " + installed
              + ", this crm-sync needs " + PostgresSync.schemaVersion())
          + "; run once with crmsync.state.migrate=true (the default), as a user who may create them");
    }
    return StateBackend.of(pg.backend(),
        "queue and state in PostgreSQL " + pg.location() + " (schema " + pg.config().schema() + ")", pg::close,
        visibilityTimeout, jobId -> waitingFor(pg, jobId));
  }

  private static List<String> waitingFor(PostgresSync pg, String jobId) {
    Instant now = TimeSource.system().now();
    // the engine's topic for a job's tasks
    return pg.leaseHolders("crmsync:" + jobId).stream()
        .filter(h -> h.status() != LeaseHolder.Status.THIS_PROCESS)
        .map(h -> h.describe(now))
        .toList();
  }
}

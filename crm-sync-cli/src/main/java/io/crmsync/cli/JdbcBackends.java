package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import java.util.Map;
import java.util.Properties;

/** Opens the PostgreSQL queue and state store of {@code crm-sync-jdbc}. */
final class JdbcBackends {
  private JdbcBackends() {}

  static StateBackend open(String url, Properties properties, Map<String, String> env) {
    throw new CrmConfigurationException("cli", "PostgreSQL state is not available in this build: " + StateBackend.redact(url));
  }
}

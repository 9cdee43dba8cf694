package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.model.Contact;
import io.crmsync.sentry.SentryAlertSink;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Options shared by {@code sync} and {@code worker}: which adapters, where their settings come from. */
final class SyncOptions {
  @Option(names = "--source", required = true, paramLabel = "ID",
      description = "Adapter to read from: hubspot, salesforce, or any adapter on the class path.")
  String source;

  @Option(names = "--target", required = true, paramLabel = "ID", description = "Adapter to write to.")
  String target;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with adapter settings (crmsync.<adapter>.<name>) and crmsync.state.*; "
          + "environment variables CRMSYNC_<ADAPTER>_<NAME> override it.")
  @Nullable Path config;

  @Option(names = "--object-type", defaultValue = "contact", description = "Object type (default: ${DEFAULT-VALUE}).")
  String objectType;

  @Option(names = "--match-key", defaultValue = "email",
      description = "Field upserts match on: email (case-insensitive) or an external id field (default: ${DEFAULT-VALUE}).")
  String matchKey;

  @Option(names = "--job-id", description = "Job name for checkpoints and dead letters (default: <source>-to-<target>-<type>).")
  @Nullable String jobId;

  @Option(names = "--workers", defaultValue = "2", description = "Writer threads (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Records per write call (default: the target's preferred size; a target with a bulk path, such as"
          + " Salesforce, is handed larger groups when enough records wait). Records are regrouped across pages.")
  @Nullable Integer batchSize;

  @Option(names = "--mapping", paramLabel = "FILE",
      description = "Field mapping, YAML or JSON (see 'crm-sync mapping check'). Without it, the defaults: "
          + "standard fields by their canonical names and custom fields named alike on both sides.")
  @Nullable Path mapping;

  @Option(names = "--metrics", paramLabel = "prometheus:PORT",
      description = "Serve metrics on http://HOST:PORT/metrics in Prometheus's text format while the command runs: "
          + "prometheus:PORT (every interface) or prometheus:HOST:PORT.")
  @Nullable String metrics;

  @Option(names = "--state", paramLabel = "JDBC_URL",
      description = "Durable queue and state in PostgreSQL (jdbc:postgresql://host/db); also crmsync.state.url. "
          + "Without it, the queue and state are in memory.")
  @Nullable String state;

  @Option(names = "--visibility-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long a worker may hold a task before another process takes it over (default: 5m; also "
          + "crmsync.state.visibilityTimeout). On PostgreSQL, the tasks of a process that ended are taken over "
          + "at once.")
  @Nullable Duration visibilityTimeout;

  /** A sync builder with these options, the two adapters and the state backend applied. */
  io.crmsync.CRMSync.Builder builder(CRMAdapter source, CRMAdapter target, StateBackend state) {
    io.crmsync.CRMSync.Builder b = io.crmsync.CRMSync.builder()
        .source(source)
        .target(target)
        .objectType(objectType)
        .matchKey(matchKey())
        .workers(workers)
        .mapping(mapping())
        .backend(state.backend());
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (jobId != null) {
      b.jobId(jobId);
    }
    Duration visibility = visibilityTimeout != null ? visibilityTimeout : state.visibilityTimeout();
    if (visibility != null) {
      if (visibility.isNegative() || visibility.isZero()) {
        throw new CrmConfigurationException("cli", "--visibility-timeout must be positive: " + visibility);
      }
      b.visibilityTimeout(visibility);
    }
    return b;
  }

  /** A two-way sync builder with these options: the source is its first side, the target its second. */
  io.crmsync.twoway.TwoWaySync.Builder twoWayBuilder(CRMAdapter source, CRMAdapter target, StateBackend state) {
    if (batchSize != null) {
      throw new CrmConfigurationException("cli", "--batch-size does not apply to --two-way syncs yet: each side's "
          + "preferred batch size is used");
    }
    io.crmsync.twoway.TwoWaySync.Builder b = io.crmsync.twoway.TwoWaySync.builder()
        .first(source)
        .second(target)
        .objectType(objectType)
        .matchKey(matchKey())
        .workers(workers)
        .mapping(mapping())
        .backend(state.backend());
    if (jobId != null) {
      b.jobId(jobId);
    }
    return b;
  }

  /**
   * The mapping file's mapping, or the defaults for the object type.
   *
   * @throws CrmConfigurationException if the file cannot be read
   */
  FieldMapping mapping() {
    return mapping == null ? FieldMapping.defaults(objectType) : FieldMapping.load(mapping);
  }

  MatchKey matchKey() {
    return matchKey.equals(Contact.Fields.EMAIL) ? MatchKey.email() : MatchKey.field(matchKey);
  }

  Properties properties() {
    Properties p = new Properties();
    if (config != null) {
      try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new CrmConfigurationException("cli", "cannot read " + config + ": " + e.getMessage());
      }
    }
    return p;
  }

  /** The adapter {@code id}, configured from the properties file, then the environment. */
  CRMAdapter adapter(AdapterRegistry registry, String id, Properties properties, Map<String, String> env) {
    AdapterConfig c = AdapterConfig.builder(id)
        .properties(properties, config == null ? "properties" : config.toString())
        .environment(env)
        .build();
    return registry.create(c);
  }

  /**
   * The alert sink: Sentry when a DSN is configured ({@code crmsync.sentry.dsn} in the properties file, {@code
   * CRMSYNC_SENTRY_DSN} or Sentry's own {@code SENTRY_DSN}; {@code environment} and {@code release} alike), else
   * none (alerts are logged either way).
   */
  @Nullable SentryAlertSink alertSink(Properties properties, Map<String, String> env) {
    AdapterConfig c = AdapterConfig.builder("sentry").properties(properties, config == null ? "properties" : config.toString())
        .environment(env).build();
    String dsn = c.has("dsn") ? c.string("dsn") : env.get("SENTRY_DSN");
    if (dsn == null || dsn.isBlank()) {
      return null;
    }
    return SentryAlertSink.builder()
        .dsn(dsn)
        .environment(c.has("environment") ? c.string("environment") : env.get("SENTRY_ENVIRONMENT"))
        .release(c.has("release") ? c.string("release") : "crm-sync@0.1.0-SNAPSHOT")
        .build();
  }

  /** The state URL from the option, the properties file or {@code CRMSYNC_STATE_URL}. */
  @Nullable String stateUrl(Properties properties, Map<String, String> env) {
    if (state != null) {
      return state;
    }
    String fromFile = properties.getProperty("crmsync.state.url");
    return fromFile != null ? fromFile : env.get("CRMSYNC_STATE_URL");
  }
}

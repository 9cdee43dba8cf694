package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.gateway.CrmGateway;
import io.crmsync.gateway.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crm-sync serve}: the gateway over HTTP, for applications not written in Java. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the gateway over HTTP: POST /v1/changes takes changes to records (one or a batch), answers 202 with",
      "a receipt once they are queued, and delivers them to every target; GET /v1/changes/{receipt} tells where",
      "each stands per target; GET /healthz; GET /openapi.json describes the API.",
      "Settings are crmsync.serve.<name> in the --config file or CRMSYNC_SERVE_<NAME> variables: targets,",
      "mappings, apiKeys and/or jwtIssuer, jwtAudience, jwtHmacSecret, jwtPublicKey, jwtClockSkew; host, port,",
      "quotaRequests, quotaWindow, maxBodyBytes, maxBatch. Each target's adapter takes its own settings",
      "(crmsync.<adapter>.*), and the queue crmsync.state.* (in memory unless --state or crmsync.state.url).",
      "Runs until stopped (Ctrl-C, SIGTERM); queued changes stay in a durable queue for the next start."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with crmsync.serve.*, the adapters' settings and crmsync.state.*; environment"
          + " variables override it.")
  @Nullable Path config;

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: crmsync.serve.port, else 8080).")
  @Nullable Integer port;

  @Option(names = "--state", paramLabel = "JDBC_URL",
      description = "Durable queue and state in PostgreSQL (jdbc:postgresql://host/db); also crmsync.state.url. Without"
          + " it, changes are queued in memory and lost when the server stops.")
  @Nullable String state;

  @Option(names = "--metrics", paramLabel = "prometheus:PORT",
      description = "Serve metrics on http://HOST:PORT/metrics in Prometheus's text format: each target's requests "
          + "by operation, latency, retries, 429s, token renewals and quota, and the JVM's; prometheus:PORT or "
          + "prometheus:HOST:PORT.")
  @Nullable String metrics;

  private final Map<String, String> env;

  ServeCommand() {
    this(System.getenv());
  }

  ServeCommand(Map<String, String> env) {
    this.env = env;
  }

  /** A running server, its gateway and everything they hold, closed in reverse order. */
  static final class Running implements AutoCloseable {
    final GatewayServer server;
    final CrmGateway gateway;
    private final List<AutoCloseable> resources;

    private Running(GatewayServer server, CrmGateway gateway, List<AutoCloseable> resources) {
      this.server = server;
      this.gateway = gateway;
      this.resources = resources;
    }

    String url() {
      return server.url();
    }

    @Override
    public void close() throws Exception {
      server.close();
      gateway.close();
      Exception failed = null;
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          failed = failed == null ? e : failed;
        }
      }
      if (failed != null) {
        throw failed;
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    CountDownLatch stopped = new CountDownLatch(1);
    Running running;
    try {
      running = start(System.out, TimeSource.system(), true);
    } catch (CrmConfigurationException e) {
      System.err.println("crm-sync serve: " + e.getMessage());
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        running.close();
      } catch (Exception e) {
        System.err.println("crm-sync serve: stopping: " + e.getMessage());
      }
      stopped.countDown();
    }, "crm-sync-serve-stop"));
    stopped.await();
    return 0;
  }

  /**
   * Opens the targets and the queue, builds the gateway and starts serving; with {@code deliver}, starts the
   * gateway's workers too (without, the caller runs {@link CrmGateway#deliverDue()}).
   *
   * @throws CrmConfigurationException if a setting is missing or wrong; nothing is left open
   */
  Running start(PrintStream out, TimeSource time, boolean deliver) throws Exception {
    Properties properties = properties();
    ServeSettings settings = ServeSettings.from(properties, env);
    if (port != null) {
      settings = new ServeSettings(settings.host(), port, settings.targets(), settings.mappings(), settings.apiKeys(),
          settings.jwt(), settings.quotaRequests(), settings.quotaWindow(), settings.maxBodyBytes(), settings.maxBatch());
    }
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      MetricsServer metricsServer = MetricsServer.startIfSet(metrics);
      if (metricsServer != null) {
        resources.add(metricsServer);
      }
      AdapterRegistry registry = AdapterRegistry.builder().discover().build();
      Map<String, CRMAdapter> adapters = new java.util.LinkedHashMap<>();
      CrmGateway.Builder gateway = CrmGateway.builder().timeSource(time);
      for (String id : settings.targets()) {
        CRMAdapter adapter = registry.create(AdapterConfig.builder(id)
            .properties(properties, config == null ? "properties" : config.toString())
            .environment(env)
            .timeSource(time)
            .build());
        resources.add(adapter);
        adapters.put(id, adapter);
        if (metricsServer != null) {
          resources.add(metricsServer.metrics().bind(adapter)::close); // unbound before the adapter closes
        }
        Target.Builder target = Target.builder(adapter);
        for (Path file : settings.mappings().getOrDefault(id, List.of())) {
          target.mapping(FieldMapping.load(file));
        }
        gateway.target(target.build());
      }
      String url = state != null ? state : properties.getProperty("crmsync.state.url", env.get("CRMSYNC_STATE_URL"));
      StateBackend backend = StateBackend.open(url, properties, env);
      resources.add(backend);
      CrmGateway built = gateway.backend(backend.backend()).build();
      GatewayServer server;
      try {
        server = new GatewayServer(built, settings, time, adapters).start();
      } catch (RuntimeException e) {
        built.close();
        throw e;
      }
      if (deliver) {
        built.start();
      }
      out.printf(Locale.ROOT, "Serving the gateway on %s to %s (%s); credentials: %s%n", server.url(),
          String.join(", ", built.targets()), backend.description(), credentials(settings));
      if (metricsServer != null) {
        out.println("Metrics on " + metricsServer.url());
      }
      return new Running(server, built, resources);
    } catch (Exception | Error e) {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static String credentials(ServeSettings s) {
    List<String> kinds = new ArrayList<>();
    if (!s.apiKeys().isEmpty()) {
      kinds.add(s.apiKeys().size() + " API key(s) " + s.apiKeys().keySet());
    }
    if (s.jwt() != null) {
      kinds.add("JWTs from " + s.jwt().issuer() + " for " + s.jwt().audience()
          + (s.jwt().hmacSecret() != null ? " (HS256)" : "") + (s.jwt().rsaPublicKey() != null ? " (RS256)" : ""));
    }
    return String.join(" and ", kinds);
  }

  private Properties properties() {
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
}

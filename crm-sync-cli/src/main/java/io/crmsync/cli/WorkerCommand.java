package io.crmsync.cli;

import io.crmsync.CRMSync;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.micrometer.CrmSyncMetrics;
import io.crmsync.sentry.SentryAlertSink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crm-sync worker}: joins a sync on a PostgreSQL queue as an extra writer. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Joins a sync that runs on a durable queue (--state) as an extra worker: takes its tasks and writes",
      "the target, without reading the source. Ends when the queue has been empty for --exit-when-idle.",
      "Give it the same --source, --target and --job-id as the sync it joins."
    })
final class WorkerCommand implements Callable<Integer> {
  @Mixin SyncOptions options;

  @Option(names = "--exit-when-idle", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long the queue must stay empty before the worker ends (default: ${DEFAULT-VALUE}).")
  Duration exitWhenIdle;

  private final Map<String, String> env;

  WorkerCommand() {
    this(System.getenv());
  }

  WorkerCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Properties properties = options.properties();
    String url = options.stateUrl(properties, env);
    if (url == null) {
      System.err.println("crm-sync worker: needs --state jdbc:postgresql://...: an in-memory queue cannot be shared");
      return 2;
    }
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    try (CRMAdapter source = options.adapter(registry, options.source, properties, env);
        CRMAdapter target = options.adapter(registry, options.target, properties, env);
        StateBackend state = StateBackend.open(url, properties, env);
        MetricsServer metrics = MetricsServer.startIfSet(options.metrics);
        SentryAlertSink sentry = options.alertSink(properties, env)) {
      CRMSync.Builder b = options.builder(source, target, state);
      if (metrics != null) {
        b.listener(metrics.metrics());
      }
      if (sentry != null) {
        b.alertSink(sentry);
      }
      CRMSync sync = b.build();
      try (CrmSyncMetrics.Binding bound = metrics == null ? () -> {} : metrics.metrics().bind(sync)) {
        out.printf(Locale.ROOT, "Worker on job %s (%s), %d threads%n", sync.config().jobId(), state.description(),
            options.workers);
        if (metrics != null) {
          out.println("Metrics on " + metrics.url());
        }
        SyncReport report = sync.runWorker(exitWhenIdle);
        out.println(report);
        return ReportOutcome.print("crm-sync worker", report, sync, out, System.err);
      }
    } catch (CrmConfigurationException e) {
      System.err.println("crm-sync worker: " + e.getMessage());
      return 2;
    }
  }
}

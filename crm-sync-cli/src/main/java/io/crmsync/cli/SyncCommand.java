package io.crmsync.cli;

import io.crmsync.CRMSync;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crm-sync sync}: one run of a sync between two configured adapters. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = {
      "Syncs records from one CRM to another once: reads the source (incrementally after the first pass),",
      "writes the target with retries, rate limiting and dead letters, and prints the report.",
      "Exit status: 0 completed; 1 failed or stopped, with one line on stderr saying why; 2 bad usage or",
      "configuration; 3 completed, but some records were dead-lettered (listed after the report)."
    })
final class SyncCommand implements Callable<Integer> {
  @Mixin SyncOptions options;

  @Option(names = "--full", description = "Read every record, not only those modified since the last pass.")
  boolean full;

  @Option(names = "--propagate-deletes", description = "Delete in the target what was deleted in the source; "
      + "a target record that several source records were written into goes with the last of them.")
  boolean propagateDeletes;

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  private final Map<String, String> env;

  SyncCommand() {
    this(System.getenv());
  }

  SyncCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    Properties properties = options.properties();
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    try (CRMAdapter source = options.adapter(registry, options.source, properties, env);
        CRMAdapter target = options.adapter(registry, options.target, properties, env);
        StateBackend state = StateBackend.open(options.stateUrl(properties, env), properties, env)) {
      ProgressBar bar = new ProgressBar(err, 0, System.console() != null && !noProgress);
      String[] jobId = new String[1];
      StallWatch stall = new StallWatch(err, Duration.ofSeconds(30), () -> state.waitingFor(jobId[0]));
      CRMSync sync = options.builder(source, target, state)
          .incremental(!full)
          .propagateDeletes(propagateDeletes)
          .listener(noProgress ? stall : SyncListeners.both(bar, stall))
          .build();
      jobId[0] = sync.config().jobId();
      out.printf(Locale.ROOT, "Syncing %s from %s to %s (job %s, %s)%n", options.objectType, source.id(), target.id(),
          sync.config().jobId(), state.description());
      SyncReport report;
      try (StallWatch watching = stall.start()) {
        report = sync.run();
      }
      bar.finish();
      out.println(report);
      return ReportOutcome.print("crm-sync sync", report, sync, out, err);
    } catch (CrmConfigurationException e) {
      err.println("crm-sync sync: " + e.getMessage());
      return 2;
    }
  }
}

package io.crmsync.cli;

import io.crmsync.CRMSync;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncListener;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.micrometer.CrmSyncMetrics;
import io.crmsync.sentry.SentryAlertSink;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.DeletePolicy;
import io.crmsync.twoway.TwoWayReport;
import io.crmsync.twoway.TwoWaySync;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crm-sync sync}: one run of a sync between two configured adapters, or one after another with {@code --follow}. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = {
      "Syncs records from one CRM to another once: reads the source (incrementally after the first pass),",
      "writes the target with retries, rate limiting and dead letters, and prints the report.",
      "With --follow it runs again every --interval (or when a spent quota resets, if later) until Ctrl-C,",
      "printing each run's report; Ctrl-C lets the run under way stop cleanly.",
      "Exit status: 0 completed (with --follow: stopped by Ctrl-C); 1 failed or stopped, with one line on stderr",
      "saying why; 2 bad usage or configuration; 3 completed, but some records were dead-lettered (listed after",
      "the report). With --follow, the status is the last run's."
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

  @Option(names = "--follow", description = "Run again and again, incrementally, until Ctrl-C.")
  boolean follow;

  @Option(names = "--interval", defaultValue = "1m", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "With --follow, the time from the end of one run to the start of the next (default: "
          + "${DEFAULT-VALUE}).")
  Duration interval;

  @Option(names = "--two-way", description = "Keep both CRMs in agreement both ways, field by field: what changed on "
      + "either side since the last run reaches the other (the mapping inverted on the way back); a field changed on "
      + "both is settled by --conflicts. --propagate-deletes then works both ways.")
  boolean twoWay;

  @Option(names = "--conflicts", defaultValue = "latest-wins", paramLabel = "POLICY",
      description = "With --two-way, what a field changed on both sides takes: latest-wins (the record modified last), "
          + "source-wins, target-wins, or review (written nowhere until 'crm-sync conflicts resolve'). Default: "
          + "${DEFAULT-VALUE}.")
  String conflicts;

  @Option(names = "--owned-by", paramLabel = "FIELD=SIDE", split = ",",
      description = "With --two-way, fields (as the target names them) that take one side's value, source or target, "
          + "whatever --conflicts says. Repeatable, or comma-separated.")
  @Nullable Map<String, String> ownedBy;

  private final Map<String, String> env;
  private final TimeSource time;
  private final CountDownLatch stopFollowing = new CountDownLatch(1);
  /** Stops the run under way of the sync being followed. */
  private volatile @Nullable Runnable following;

  SyncCommand() {
    this(System.getenv(), TimeSource.system());
  }

  SyncCommand(Map<String, String> env) {
    this(env, TimeSource.system());
  }

  /** @param time where {@code --follow} waits between runs */
  SyncCommand(Map<String, String> env, TimeSource time) {
    this.env = env;
    this.time = time;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    if (interval.isNegative()) {
      err.println("crm-sync sync: --interval must not be negative");
      return 2;
    }
    Properties properties = options.properties();
    if (twoWay) {
      return twoWay(properties, out, err);
    }
    if (ownedBy != null || !conflicts.equals("latest-wins")) {
      err.println("crm-sync sync: --conflicts and --owned-by apply to --two-way syncs only");
      return 2;
    }
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    try (CRMAdapter source = options.adapter(registry, options.source, properties, env);
        CRMAdapter target = options.adapter(registry, options.target, properties, env);
        StateBackend state = StateBackend.open(options.stateUrl(properties, env), properties, env);
        MetricsServer metrics = MetricsServer.startIfSet(options.metrics);
        SentryAlertSink sentry = options.alertSink(properties, env)) {
      boolean bar = !noProgress && !follow;
      ProgressBar progress = new ProgressBar(err, 0, System.console() != null && bar);
      String[] jobId = new String[1];
      StallWatch stall = new StallWatch(err, Duration.ofSeconds(30), () -> state.waitingFor(jobId[0]));
      CRMSync.Builder b = options.builder(source, target, state)
          .incremental(!full)
          .propagateDeletes(propagateDeletes)
          .listener(Listeners.of(bar ? progress : SyncListener.NONE, stall,
              metrics == null ? SyncListener.NONE : metrics.metrics()));
      if (sentry != null) {
        b.alertSink(sentry);
      }
      CRMSync sync = b.build();
      jobId[0] = sync.config().jobId();
      CrmSyncMetrics.Binding bound = metrics == null ? () -> {} : metrics.metrics().bind(sync);
      try (bound) {
        out.printf(Locale.ROOT, "Syncing %s from %s to %s (job %s, %s)%n", options.objectType, source.id(), target.id(),
            sync.config().jobId(), state.description());
        if (metrics != null) {
          out.println("Metrics on " + metrics.url());
        }
        if (sentry != null) {
          out.println("Alerts go to Sentry");
        }
        try (StallWatch watching = stall.start()) {
          if (!follow) {
            SyncReport report = sync.run();
            progress.finish();
            out.println(report);
            return ReportOutcome.print("crm-sync sync", report, sync, out, err);
          }
          return follow(sync, out, err);
        }
      }
    } catch (CrmConfigurationException e) {
      err.println("crm-sync sync: " + e.getMessage());
      return 2;
    }
  }

  /** {@code --two-way}: a {@link TwoWaySync} between the source (its first side) and the target, once or followed. */
  private int twoWay(Properties properties, PrintStream out, PrintStream err) throws Exception {
    if (full) {
      err.println("crm-sync sync: --full does not apply to --two-way: its first run reads both sides whole, later runs"
          + " what changed");
      return 2;
    }
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    try (CRMAdapter source = options.adapter(registry, options.source, properties, env);
        CRMAdapter target = options.adapter(registry, options.target, properties, env);
        StateBackend state = StateBackend.open(options.stateUrl(properties, env), properties, env);
        MetricsServer metrics = MetricsServer.startIfSet(options.metrics);
        SentryAlertSink sentry = options.alertSink(properties, env)) {
      TwoWaySync.Builder b = options.twoWayBuilder(source, target, state)
          .conflicts(policy(conflicts, ownedBy))
          .whenFirstDeletes(propagateDeletes ? DeletePolicy.DELETE : DeletePolicy.IGNORE)
          .whenSecondDeletes(propagateDeletes ? DeletePolicy.DELETE : DeletePolicy.IGNORE)
          .listener(metrics == null ? SyncListener.NONE : metrics.metrics());
      if (sentry != null) {
        b.alertSink(sentry);
      }
      TwoWaySync sync = b.build();
      out.printf(Locale.ROOT, "Syncing %s both ways between %s and %s (job %s, conflicts %s, %s)%n", options.objectType,
          source.id(), target.id(), sync.jobId(), conflicts + (ownedBy == null ? "" : ", owned " + ownedBy),
          state.description());
      if (metrics != null) {
        out.println("Metrics on " + metrics.url());
      }
      if (!follow) {
        return outcome(sync, sync.run(), out, err);
      }
      following = sync::stop;
      Thread hook = hookCtrlC();
      int code = 0;
      try {
        while (stopFollowing.getCount() > 0) {
          TwoWayReport report = sync.run();
          code = outcome(sync, report, out, err);
          if (stopFollowing.getCount() == 0) {
            break;
          }
          Instant next = time.now().plus(interval);
          Instant resets = report.failed().flatMap(f -> java.util.Optional.ofNullable(
              report.toFirst() != null ? report.toFirst() : report.toSecond())).flatMap(SyncReport::quotaResetsAt)
              .orElse(null);
          if (resets != null && resets.isAfter(next)) {
            next = resets;
          }
          out.printf(Locale.ROOT, "Next run at %s%n", next);
          out.flush();
          time.awaitUntil(next, d -> stopFollowing.await(d.toNanos(), TimeUnit.NANOSECONDS));
        }
        out.println("Stopped following job " + sync.jobId());
        return code;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return code;
      } finally {
        following = null;
        unhook(hook);
      }
    } catch (CrmConfigurationException e) {
      err.println("crm-sync sync: " + e.getMessage());
      return 2;
    }
  }

  /**
   * Prints a two-way run's report and what needs a person; the exit code as for one-way runs: 0 completed, 1
   * failed (one line on stderr saying why), 3 completed with records dead-lettered.
   */
  private static int outcome(TwoWaySync sync, TwoWayReport report, PrintStream out, PrintStream err) {
    out.println(report);
    if (report.sentToReview() > 0) {
      out.printf(Locale.ROOT, "%,d pair(s) were sent to review; see 'crm-sync conflicts list --job-id %s ...'%n",
          report.sentToReview(), sync.jobId());
    }
    java.util.Optional<SyncReport.Failure> failure = report.failed();
    if (failure.isPresent()) {
      err.println("crm-sync sync: failed (" + failure.get().kind() + "): " + failure.get().message());
      return 1;
    }
    if (report.deadLettered() > 0) {
      err.printf(Locale.ROOT, "crm-sync sync: completed, but %,d record(s) were dead-lettered; see 'crm-sync "
          + "dead-letters list --job-id %s:to-<side>'%n", report.deadLettered(), sync.jobId());
      return ReportOutcome.COMPLETED_WITH_DEAD_LETTERS;
    }
    return 0;
  }

  /**
   * The conflict policy {@code name} names, with {@code owners}' fields taking their side's value first.
   *
   * @throws CrmConfigurationException if a name or side is unknown
   */
  static ConflictPolicy policy(String name, @Nullable Map<String, String> owners) {
    ConflictPolicy base = switch (name) {
      case "latest-wins" -> ConflictPolicy.latestWins();
      case "source-wins" -> ConflictPolicy.firstWins();
      case "target-wins" -> ConflictPolicy.secondWins();
      case "review" -> ConflictPolicy.review();
      default -> throw new CrmConfigurationException("cli", "--conflicts must be latest-wins, source-wins, "
          + "target-wins or review, not '" + name + "'");
    };
    if (owners == null || owners.isEmpty()) {
      return base;
    }
    Map<String, ConflictPolicy.Side> sides = new java.util.LinkedHashMap<>();
    owners.forEach((field, side) -> sides.put(field, switch (side) {
      case "source" -> ConflictPolicy.Side.FIRST;
      case "target" -> ConflictPolicy.Side.SECOND;
      default -> throw new CrmConfigurationException("cli", "--owned-by " + field + "=" + side
          + ": the side must be source or target");
    }));
    return ConflictPolicy.ownedBy(sides, base);
  }

  /** Runs {@code sync} until {@link #stopFollowing()} (Ctrl-C), waiting {@link #interval} between runs. */
  private int follow(CRMSync sync, PrintStream out, PrintStream err) {
    following = sync::stop;
    Thread hook = hookCtrlC();
    int code = 0;
    try {
      while (stopFollowing.getCount() > 0) {
        SyncReport report = sync.run();
        out.println(report);
        boolean stopped = stopFollowing.getCount() == 0;
        code = stopped && report.status() == SyncReport.Status.STOPPED ? 0
            : ReportOutcome.print("crm-sync sync", report, sync, out, err);
        if (stopped) {
          break;
        }
        Instant next = time.now().plus(interval);
        Instant resets = report.quotaResetsAt().orElse(null);
        if (resets != null && resets.isAfter(next)) {
          next = resets;
        }
        out.printf(Locale.ROOT, "Next run at %s%n", next);
        out.flush();
        time.awaitUntil(next, d -> stopFollowing.await(d.toNanos(), TimeUnit.NANOSECONDS));
      }
      out.println("Stopped following job " + sync.config().jobId());
      return code;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return code;
    } finally {
      following = null;
      unhook(hook);
    }
  }

  /** Lets Ctrl-C stop the followed run cleanly; null if no hook could be added. */
  private @Nullable Thread hookCtrlC() {
    Thread hook = new Thread(this::stopFollowingAndWait, "crm-sync-stop");
    return addShutdownHook(hook) ? hook : null;
  }

  /** The loop has ended: a running hook may return, and one not run is removed. */
  private void unhook(@Nullable Thread hook) {
    done.countDown();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for this loop, which has ended
      }
    }
  }

  private final CountDownLatch done = new CountDownLatch(1);

  private static boolean addShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException | SecurityException e) {
      return false;
    }
  }

  /** Asks {@code --follow} to end: the run under way stops cleanly, and no other starts. Returns at once. */
  void stopFollowing() {
    stopFollowing.countDown();
    Runnable stop = following;
    if (stop != null) {
      stop.run();
    }
  }

  /** Ctrl-C: stops following and waits (up to a minute) for the run under way to end and release what it holds. */
  private void stopFollowingAndWait() {
    stopFollowing();
    try {
      done.await(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

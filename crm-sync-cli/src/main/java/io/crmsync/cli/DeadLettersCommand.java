package io.crmsync.cli;

import io.crmsync.CRMSync;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.http.HttpFailure;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.SyncStateStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crm-sync dead-letters list|show|replay|purge}: what a sync gave up on, and what to do about it. */
@Command(
    name = "dead-letters",
    mixinStandardHelpOptions = true,
    description = {
      "Lists, shows, replays and purges a job's dead letters: the records a sync gave up on, each with the",
      "operation, the CRM's error code, message and field errors, the request id, attempts and times.",
      "Dead letters live in the state store, so these commands need --state (PostgreSQL)."
    },
    subcommands = {
      DeadLettersCommand.ListLetters.class,
      DeadLettersCommand.Show.class,
      DeadLettersCommand.Replay.class,
      DeadLettersCommand.Purge.class,
    })
final class DeadLettersCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /** Which dead letters: by operation, error code, age, transience, at most so many. */
  static final class Filters {
    @Option(names = "--operation", paramLabel = "OP", description = "Only upsert, delete or review (records held for a person).")
    DeadLetter.@Nullable Operation operation;

    @Option(names = "--error-code", paramLabel = "CODE", description = "Only this error code (as list shows it).")
    @Nullable String errorCode;

    @Option(names = "--older-than", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Only those given up on at least this long ago (30m, 2h, 7d...).")
    @Nullable Duration olderThan;

    @Option(names = "--retryable", description = "Only those of transient failures.")
    boolean retryable;

    DeadLetterQuery query(String jobId, int limit) {
      DeadLetterQuery q = DeadLetterQuery.job(jobId).operation(operation).errorCode(errorCode).retryableOnly(retryable)
          .limit(Math.min(limit, DeadLetterQuery.MAX_LIMIT));
      if (olderThan != null) {
        q = q.before(TimeSource.system().now().minus(olderThan));
      }
      return q;
    }

    String describe() {
      List<String> parts = new ArrayList<>();
      if (operation != null) {
        parts.add("operation " + operation.label());
      }
      if (errorCode != null) {
        parts.add("error code " + errorCode);
      }
      if (olderThan != null) {
        parts.add("older than " + olderThan);
      }
      if (retryable) {
        parts.add("transient only");
      }
      return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }
  }

  /** Where the dead letters are and whose: the state store and the job. */
  static final class Store {
    @Option(names = "--config", paramLabel = "FILE",
        description = "Properties file with crmsync.state.* (and adapter settings); CRMSYNC_STATE_* variables override it.")
    @Nullable Path config;

    @Option(names = "--state", paramLabel = "JDBC_URL",
        description = "The sync's PostgreSQL state (jdbc:postgresql://host/db); also crmsync.state.url or CRMSYNC_STATE_URL.")
    @Nullable String state;

    @Option(names = "--job-id", paramLabel = "ID", description = "The job (default: <source>-to-<target>-<type>).")
    @Nullable String jobId;

    @Option(names = "--source", paramLabel = "ID", description = "The job's source, to name the job by default.")
    @Nullable String source;

    @Option(names = "--target", paramLabel = "ID", description = "The job's target, to name the job by default.")
    @Nullable String target;

    @Option(names = "--object-type", defaultValue = "contact", description = "The job's object type (default: ${DEFAULT-VALUE}).")
    String objectType;

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

    String job() {
      if (jobId != null) {
        return jobId;
      }
      if (source == null || target == null) {
        throw new CrmConfigurationException("cli", "name the job: --job-id ID, or --source and --target");
      }
      return source + "-to-" + target + "-" + objectType;
    }

    StateBackend open(Properties properties, Map<String, String> env) {
      return openDurable(state, properties, env);
    }
  }

  static StateBackend openDurable(@Nullable String option, Properties properties, Map<String, String> env) {
    String url = option != null ? option : properties.getProperty("crmsync.state.url", env.get("CRMSYNC_STATE_URL"));
    if (url == null) {
      throw new CrmConfigurationException("cli", "needs --state jdbc:postgresql://...: dead letters are kept in the"
          + " state store, and one in memory does not outlive the sync that filled it");
    }
    return StateBackend.open(url, properties, env);
  }

  private static String oneLine(String text, int max) {
    return HttpFailure.excerpt(text.replaceAll("\\s+", " ").strip(), max);
  }

  // ---------------------------------------------------------------------------------------- list

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Lists a job's dead letters, oldest first: when, operation, record id, error code, attempts, message.")
  static final class ListLetters implements Callable<Integer> {
    @Mixin Store store;
    @Mixin Filters filters;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Properties properties = store.properties();
      String job;
      try {
        job = store.job();
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters: " + e.getMessage());
        return 2;
      }
      try (StateBackend state = store.open(properties, System.getenv())) {
        SyncStateStore s = state.stateStore();
        List<DeadLetter> letters = s.deadLetters(filters.query(job, Math.max(1, limit)));
        out.printf(Locale.ROOT, "Dead letters of job %s%s: %d shown, %,d in the state store%n", job, filters.describe(),
            letters.size(), s.deadLetterCount(job));
        for (DeadLetter d : letters) {
          out.printf(Locale.ROOT, "  %s  %-6s  %-18s  %-24s  attempts %d%s  %s%n", d.at(), d.operation().label(),
              d.recordId(), d.errorCode(), d.attempts(), d.retryable() ? "  transient" : "", oneLine(d.message(), 160));
        }
        return 0;
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters list: " + e.getMessage());
        return 2;
      }
    }
  }

  // ---------------------------------------------------------------------------------------- show

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Shows dead letters in full: the cause (error code, message, field errors, request id), attempts,",
          "times, and the record as it was read."})
  static final class Show implements Callable<Integer> {
    @Mixin Store store;
    @Mixin Filters filters;

    @Option(names = "--record-id", paramLabel = "ID", description = "Only the dead letters of this record.")
    @Nullable String recordId;

    @Option(names = "--limit", defaultValue = "10", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Properties properties = store.properties();
      String job;
      try {
        job = store.job();
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters: " + e.getMessage());
        return 2;
      }
      try (StateBackend state = store.open(properties, System.getenv())) {
        List<DeadLetter> shown = new ArrayList<>();
        for (DeadLetter d : state.stateStore().deadLetters(filters.query(job, DeadLetterQuery.MAX_LIMIT))) {
          if (recordId == null || recordId.equals(d.recordId())) {
            shown.add(d);
          }
          if (shown.size() >= limit) {
            break;
          }
        }
        if (shown.isEmpty()) {
          out.println("No dead letter of job " + job + filters.describe()
              + (recordId == null ? "" : " for record " + recordId));
          return recordId == null ? 0 : 1;
        }
        for (DeadLetter d : shown) {
          print(d, out);
        }
        return 0;
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters show: " + e.getMessage());
        return 2;
      }
    }

    static void print(DeadLetter d, PrintStream out) {
      out.println("Dead letter of record " + d.recordId());
      out.println("  job:           " + d.jobId());
      out.println("  operation:     " + d.operation().label());
      out.println("  error code:    " + d.errorCode());
      out.println("  message:       " + oneLine(d.message(), 2_000));
      for (FieldError f : d.fieldErrors()) {
        out.println("  field error:   " + (f.field() == null ? "(no field named)" : f.field()) + ": " + f.code() + " "
            + oneLine(f.message(), 500));
      }
      out.println("  request id:    " + (d.requestId() == null ? "(none sent)" : d.requestId()));
      out.println("  attempts:      " + d.attempts());
      out.println("  transient:     " + (d.retryable() ? "yes: the job's next run tries it again" : "no: it stays until"
          + " the record changes or the letter is replayed"));
      out.println("  first failed:  " + d.firstFailedAt());
      out.println("  given up at:   " + d.at());
      out.println("  record:        " + d.record().objectType() + (d.record().modifiedAt() == null ? ""
          : ", modified " + d.record().modifiedAt()) + (d.record().deleted() ? ", deleted" : ""));
      new TreeMap<>(d.record().fields()).forEach((k, v) -> out.println("    " + k + " = " + oneLine(String.valueOf(v), 500)));
    }
  }

  // ---------------------------------------------------------------------------------------- replay

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = {"Sends the records of a job's dead letters through the sync again, once their cause is fixed:",
          "mapped, cut to the target's fields, within its rate limits, with retries. A letter is cleared when its",
          "record lands, and written again with its new cause if it fails. The source is not read.",
          "Exit status as sync's: 0 all landed, 3 some failed again, 1 the replay failed or stopped, 2 bad usage."})
  static final class Replay implements Callable<Integer> {
    @Mixin SyncOptions options;
    @Mixin Filters filters;

    @Option(names = "--limit", defaultValue = "10000", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      PrintStream err = System.err;
      Map<String, String> env = System.getenv();
      Properties properties = options.properties();
      AdapterRegistry registry = AdapterRegistry.builder().discover().build();
      try (StateBackend state = openDurable(options.state, properties, env);
          CRMAdapter source = options.adapter(registry, options.source, properties, env);
          CRMAdapter target = options.adapter(registry, options.target, properties, env)) {
        CRMSync sync = options.builder(source, target, state).build();
        String job = sync.config().jobId();
        DeadLetterQuery query = filters.query(job, Math.max(1, limit));
        long before = state.stateStore().deadLetterCount(job);
        int selected = state.stateStore().deadLetters(query).size();
        out.printf(Locale.ROOT, "Replaying %,d dead letter(s) of job %s%s into %s%n", selected, job, filters.describe(),
            target.id());
        if (selected == 0) {
          return 0;
        }
        SyncReport report = sync.replayDeadLetters(query);
        out.println(report);
        long after = state.stateStore().deadLetterCount(job);
        out.printf(Locale.ROOT, "Landed: %,d written (%,d created, %,d updated, %,d deleted), %,d already there;"
                + " %,d failed again; dead letters of the job: %,d before, %,d now%n",
            report.written(), report.created(), report.updated(), report.deleted(), report.unchanged(),
            report.deadLettered(), before, after);
        return ReportOutcome.print("crm-sync dead-letters replay", report, sync, out, err);
      } catch (CrmConfigurationException e) {
        err.println("crm-sync dead-letters replay: " + e.getMessage());
        return 2;
      }
    }
  }

  // ---------------------------------------------------------------------------------------- purge

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = {"Removes a job's dead letters that are no longer wanted (their records will not be tried again).",
          "Without --yes it only says how many it would remove."})
  static final class Purge implements Callable<Integer> {
    @Mixin Store store;
    @Mixin Filters filters;

    @Option(names = "--yes", description = "Remove them; without it, nothing is removed.")
    boolean yes;

    @Option(names = "--limit", defaultValue = "10000", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Properties properties = store.properties();
      String job;
      try {
        job = store.job();
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters: " + e.getMessage());
        return 2;
      }
      try (StateBackend state = store.open(properties, System.getenv())) {
        DeadLetterQuery query = filters.query(job, Math.max(1, limit));
        if (!yes) {
          int n = state.stateStore().deadLetters(query).size();
          out.printf(Locale.ROOT, "Would remove %,d dead letter(s) of job %s%s; add --yes to remove them%n", n, job,
              filters.describe());
          return 0;
        }
        long removed = state.stateStore().removeDeadLetters(query);
        out.printf(Locale.ROOT, "Removed %,d dead letter(s) of job %s%s; %,d left%n", removed, job, filters.describe(),
            state.stateStore().deadLetterCount(job));
        return 0;
      } catch (CrmConfigurationException e) {
        System.err.println("crm-sync dead-letters purge: " + e.getMessage());
        return 2;
      }
    }
  }
}

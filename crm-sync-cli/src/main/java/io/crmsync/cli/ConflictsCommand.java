package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmSyncException;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.http.HttpFailure;
import io.crmsync.twoway.ConflictInReview;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.TwoWaySync;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crm-sync conflicts list|show|resolve}: the pairs a two-way sync sent to review, and settling them. */
@Command(
    name = "conflicts",
    mixinStandardHelpOptions = true,
    description = {
      "Lists, shows and resolves the pairs of records a two-way sync (sync --two-way) sent to review: fields",
      "both sides changed that its conflict policy left to a person. A pair in review is written to neither",
      "side until it is resolved. Give the same --source, --target, --object-type (and --job-id, --mapping) as",
      "the sync; reviews live in the state store, so these commands need --state (PostgreSQL)."
    },
    subcommands = {ConflictsCommand.ListConflicts.class, ConflictsCommand.Show.class, ConflictsCommand.Resolve.class})
final class ConflictsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /** Opens the sync's adapters and state, and hands the two-way sync to {@code body}. */
  static int withSync(SyncOptions options, String command, SyncBody body) {
    Map<String, String> env = System.getenv();
    try {
      Properties properties = options.properties();
      String url = options.stateUrl(properties, env);
      if (url == null) {
        throw new CrmConfigurationException("cli", "needs --state jdbc:postgresql://...: reviews are kept in the state"
            + " store, and one in memory does not outlive the sync that filled it");
      }
      AdapterRegistry registry = AdapterRegistry.builder().discover().build();
      try (CRMAdapter source = options.adapter(registry, options.source, properties, env);
          CRMAdapter target = options.adapter(registry, options.target, properties, env);
          StateBackend state = StateBackend.open(url, properties, env)) {
        return body.run(options.twoWayBuilder(source, target, state).build(), System.out);
      }
    } catch (CrmConfigurationException e) {
      System.err.println(command + ": " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println(command + ": " + e.getMessage());
      return 1;
    } catch (CrmSyncException e) {
      System.err.println(command + ": failed: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println(command + ": failed: " + e);
      return 1;
    }
  }

  interface SyncBody {
    int run(TwoWaySync sync, PrintStream out) throws Exception;
  }

  private static String oneLine(String text, int max) {
    return HttpFailure.excerpt(text.replaceAll("\\s+", " ").strip(), max);
  }

  /** The pair in review whose first-side (source) id is {@code id}. */
  static ConflictInReview find(TwoWaySync sync, String id) {
    return sync.conflict(id).orElseThrow(() -> new IllegalArgumentException(
        "no pair of job " + sync.jobId() + " with source id " + id + " is in review"));
  }

  // ---------------------------------------------------------------------------------------- list

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Lists the pairs in review, oldest first: when, the source id, the target id, which fields both"
          + " sides changed. Values are not shown; 'show' shows them.")
  static final class ListConflicts implements Callable<Integer> {
    @Mixin SyncOptions options;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      return withSync(options, "crm-sync conflicts list", (sync, out) -> {
        List<ConflictInReview> pairs = sync.conflicts(Math.max(1, Math.min(limit, io.crmsync.state.DeadLetterQuery.MAX_LIMIT)));
        out.printf(Locale.ROOT, "Pairs in review of job %s: %d shown%n", sync.jobId(), pairs.size());
        for (ConflictInReview c : pairs) {
          out.printf(Locale.ROOT, "  %s  source %-18s  target %-18s  %s%n", c.at(), c.firstId(), c.secondId(),
              oneLine(c.reason(), 160));
        }
        return 0;
      });
    }
  }

  // ---------------------------------------------------------------------------------------- show

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Shows one pair in review field by field: what both sides last agreed on, and each side's value"
          + " now (by the target's field names). It prints the records' values: mind where the output goes.")
  static final class Show implements Callable<Integer> {
    @Mixin SyncOptions options;

    @Option(names = "--id", required = true, paramLabel = "SOURCE_ID", description = "The record's id in the source.")
    String id;

    @Override
    public Integer call() {
      return withSync(options, "crm-sync conflicts show", (sync, out) -> {
        ConflictInReview c = find(sync, id);
        out.printf(Locale.ROOT, "Pair in review of job %s since %s: source %s, target %s%n", sync.jobId(), c.at(),
            c.firstId(), c.secondId());
        out.println("  " + oneLine(c.reason(), 300));
        TreeSet<String> fields = new TreeSet<>(c.first().keySet());
        fields.addAll(c.second().keySet());
        if (c.base() != null) {
          fields.addAll(c.base().keySet());
        }
        out.printf(Locale.ROOT, "  %-24s  %-24s  %-24s  %s%n", "field", "agreed", "source", "target");
        for (String f : fields) {
          Object base = c.base() == null ? null : c.base().get(f);
          Object a = c.first().get(f);
          Object b = c.second().get(f);
          String mark = java.util.Objects.equals(a, b) ? " " : "*";
          out.printf(Locale.ROOT, "%s %-24s  %-24s  %-24s  %s%n", mark, f, value(base), value(a), value(b));
        }
        return 0;
      });
    }

    private static String value(@Nullable Object v) {
      return v == null ? "-" : oneLine(String.valueOf(v), 60);
    }
  }

  // ---------------------------------------------------------------------------------------- resolve

  @Command(name = "resolve", mixinStandardHelpOptions = true,
      description = {"Settles one pair in review: writes one side's values (as they were when the pair was last",
          "seen), with any --set on top, to both sides, and takes the pair out of review. Exit status 1 if a side",
          "refuses the write (the pair stays in review)."})
  static final class Resolve implements Callable<Integer> {
    @Mixin SyncOptions options;

    @Option(names = "--id", required = true, paramLabel = "SOURCE_ID", description = "The record's id in the source.")
    String id;

    @Option(names = "--take", required = true, paramLabel = "SIDE", description = "Whose values: source or target.")
    String take;

    @Option(names = "--set", paramLabel = "FIELD=VALUE", split = ",",
        description = "A value of your own for a field (by the target's name), over the side taken. Repeatable.")
    @Nullable Map<String, String> set;

    @Override
    public Integer call() {
      ConflictPolicy.Side side;
      switch (take) {
        case "source" -> side = ConflictPolicy.Side.FIRST;
        case "target" -> side = ConflictPolicy.Side.SECOND;
        default -> {
          System.err.println("crm-sync conflicts resolve: --take must be source or target, not '" + take + "'");
          return 2;
        }
      }
      return withSync(options, "crm-sync conflicts resolve", (sync, out) -> {
        ConflictInReview c = find(sync, id);
        Map<String, Object> values = new LinkedHashMap<>(side == ConflictPolicy.Side.FIRST ? c.first() : c.second());
        if (set != null) {
          values.putAll(set);
        }
        sync.resolve(id, values);
        out.printf(Locale.ROOT, "Resolved: source %s and target %s now hold the %s's values%s%n", c.firstId(),
            c.secondId(), take, set == null ? "" : " with " + set.keySet() + " set");
        return 0;
      });
    }
  }
}

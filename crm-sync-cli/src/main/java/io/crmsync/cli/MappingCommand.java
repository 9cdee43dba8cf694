package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.mapping.MappingProblem;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crm-sync mapping}: field mappings. */
@Command(
    name = "mapping",
    mixinStandardHelpOptions = true,
    description = "Field mappings between two adapters' objects (YAML or JSON files).",
    subcommands = {MappingCommand.Check.class})
final class MappingCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /** {@code crm-sync mapping check}: a mapping file against both adapters' fields, before any sync. */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Checks a mapping file against the fields both adapters describe, as a sync does before a record moves,",
        "and prints every problem on its own line (file:line: field: what is wrong and what to do).",
        "Exit status: 0 no problem; 2 problems, or the file or settings cannot be read; 1 an adapter failed."
      })
  static final class Check implements Callable<Integer> {
    @Option(names = "--source", required = true, paramLabel = "ID", description = "Adapter the sync reads from.")
    String source;

    @Option(names = "--target", required = true, paramLabel = "ID", description = "Adapter the sync writes to.")
    String target;

    @Option(names = "--mapping", required = true, paramLabel = "FILE", description = "The mapping, YAML or JSON.")
    Path mapping;

    @Option(names = "--object-type", paramLabel = "T",
        description = "Object type of the sync (default: the mapping's source-object and target-object).")
    @Nullable String objectType;

    @Option(names = "--config", paramLabel = "FILE",
        description = "Properties file with adapter settings (crmsync.<adapter>.<name>); environment variables "
            + "CRMSYNC_<ADAPTER>_<NAME> override it.")
    @Nullable Path config;

    private final Map<String, String> env;

    Check() {
      this(System.getenv());
    }

    Check(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      PrintStream out = System.out;
      PrintStream err = System.err;
      try {
        FieldMapping m = FieldMapping.load(mapping);
        SyncOptions options = new SyncOptions();
        options.config = config;
        Properties properties = options.properties();
        AdapterRegistry registry = AdapterRegistry.builder().discover().build();
        String sourceType = objectType != null ? objectType : m.sourceObjectType();
        String targetType = objectType != null ? objectType : m.targetObjectType();
        List<MappingProblem> problems;
        try (CRMAdapter from = options.adapter(registry, source, properties, env);
            CRMAdapter to = options.adapter(registry, target, properties, env)) {
          List<FieldInfo> sourceFields = from.describe(sourceType);
          List<FieldInfo> targetFields = to.describe(targetType);
          problems = objectType != null ? m.check(objectType, sourceFields, targetFields)
              : m.check(sourceFields, targetFields);
        }
        if (problems.isEmpty()) {
          out.printf(Locale.ROOT, "%s: no problems: %d rule(s), %s %s -> %s %s, fields no rule names are %s%n",
              mapping, m.rules().size(), source, sourceType, target, targetType,
              m.unmapped() == io.crmsync.fieldmapping.Unmapped.DROP ? "dropped" : "passed through");
          return 0;
        }
        problems.forEach(out::println);
        err.printf(Locale.ROOT, "crm-sync mapping check: %d problem(s) in %s%n", problems.size(), mapping);
        return 2;
      } catch (CrmConfigurationException e) {
        err.println("crm-sync mapping check: " + e.getMessage().replaceAll("\\s+", " ").strip());
        return 2;
      }
    }
  }
}

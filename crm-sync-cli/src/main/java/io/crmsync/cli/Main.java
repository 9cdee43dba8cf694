package io.crmsync.cli;

import ch.qos.logback.classic.Level;
import io.crmsync.CrmConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code crm-sync} command line. */
@Command(
    name = "crm-sync",
    mixinStandardHelpOptions = true,
    version = "crm-sync 0.1.0-SNAPSHOT",
    description = "Moves customer records between applications and CRMs, and keeps them clean.",
    subcommands = {
      DemoCommand.class,
      SyncCommand.class,
      WorkerCommand.class,
      ServeCommand.class,
      MappingCommand.class,
      DeadLettersCommand.class,
      ConflictsCommand.class,
      EmulateCommand.class,
      DedupeCommand.class,
    })
public final class Main implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL", converter = Logging.LevelConverter.class,
      description = "crm-sync's log level on stderr: error, warn, info (default), debug (a line per batch) or trace "
          + "(every library's lines too).")
  Level logLevel;

  @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "Log lines as text (default) or json: one object per line with the job, run, adapter and task.")
  Logging.Format logFormat;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code, without exiting. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::failed)
        .setExecutionStrategy(parsed -> {
          configureLogging(parsed);
          return new CommandLine.RunLast().execute(parsed);
        })
        .execute(args);
  }

  /** Applies {@code --log-level} and {@code --log-format}, wherever on the command line they were given. */
  private static void configureLogging(CommandLine.ParseResult parsed) {
    Level level = Level.INFO;
    Logging.Format format = Logging.Format.TEXT;
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      level = p.matchedOptionValue("--log-level", level);
      format = p.matchedOptionValue("--log-format", format);
    }
    Logging.configure(level, format);
  }

  /**
   * A command that failed with an exception: one line that says what went wrong (its stack trace at
   * debug), and exit code 2 for a configuration error, 1 for anything else.
   */
  private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    log.debug("{} failed", command.getCommandSpec().qualifiedName(), e);
    String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getName() : e.getMessage();
    command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + message.replaceAll("\\s+", " ").strip());
    return e instanceof CrmConfigurationException ? 2 : 1;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }
}

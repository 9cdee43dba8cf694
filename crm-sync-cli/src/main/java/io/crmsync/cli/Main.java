package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
      EmulateCommand.class,
      DedupeCommand.class,
    })
public final class Main implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code, without exiting. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::failed)
        .execute(args);
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

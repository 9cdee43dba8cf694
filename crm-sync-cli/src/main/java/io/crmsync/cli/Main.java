package io.crmsync.cli;

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
      EmulateCommand.class,
      DedupeCommand.class,
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code, without exiting. */
  public static int run(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }
}

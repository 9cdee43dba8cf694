package io.crmsync.cli;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.state.DeadLetter;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** How a sync's report ends a command: the dead letters, one line saying what went wrong, and the exit code. */
final class ReportOutcome {
  /** Exit code of a run that completed but dead-lettered records. */
  static final int COMPLETED_WITH_DEAD_LETTERS = 3;

  private ReportOutcome() {}

  /**
   * Prints the first dead letters and, unless the run completed cleanly, one line on {@code err} that
   * says why; returns the exit code: 0 completed, 1 failed or stopped, 3 completed with dead letters.
   */
  static int print(String command, SyncReport report, CRMSync sync, PrintStream out, PrintStream err) {
    if (report.deadLettered() > 0) {
      try {
        List<DeadLetter> dead = sync.deadLetters(10);
        long total = sync.config().backend().stateStore().deadLetterCount(sync.config().jobId());
        out.printf(Locale.ROOT, "Dead letters (first %d of %,d in the state store):%n", dead.size(), total);
        for (DeadLetter d : dead) {
          out.printf(Locale.ROOT, "  %s %s %s: %s%n", d.operation().label(), d.recordId(), d.errorCode(), d.message());
        }
      } catch (RuntimeException e) {
        // the report is from memory; the state store may be what failed
        out.println("Dead letters: cannot be read now (" + e.getMessage() + ")");
      }
    }
    switch (report.status()) {
      case FAILED -> {
        SyncReport.Failure f = report.failure().orElseThrow();
        String resets = report.quotaResetsAt().map(at -> "; the quota resets at " + at).orElse("");
        err.println(command + ": failed (" + f.kind() + "): " + f.message() + resets);
        return 1;
      }
      case STOPPED -> {
        err.printf(Locale.ROOT, "%s: stopped; %,d record(s) left for the next run%n", command,
            report.remaining() + report.delegated());
        return 1;
      }
      default -> {
        if (report.deadLettered() > 0) {
          err.printf(Locale.ROOT, "%s: completed, but %,d record(s) were dead-lettered (see above)%n", command,
              report.deadLettered());
          return COMPLETED_WITH_DEAD_LETTERS;
        }
        return 0;
      }
    }
  }
}

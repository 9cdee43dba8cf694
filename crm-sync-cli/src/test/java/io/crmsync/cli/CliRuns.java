package io.crmsync.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM, as the tests do: what it printed on stdout, and its exit status. */
final class CliRuns {
  private CliRuns() {}

  /** Runs {@code crm-sync args}; puts the exit status in {@code exit[0]} and returns stdout. */
  static String run(int[] exit, String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      exit[0] = Main.run(args);
    } finally {
      System.setOut(stdout);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** {@code a} followed by {@code b}. */
  static String[] cat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

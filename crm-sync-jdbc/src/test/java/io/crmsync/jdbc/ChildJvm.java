package io.crmsync.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A {@link SyncProcess} in its own JVM, on this test JVM's class path, its output in a log file. */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ChildJvm start(String name, String... args) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "child-jvms"));
      Path log = dir.resolve(name + ".log");
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp", System.getProperty("java.class.path"),
          SyncProcess.class.getName()));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new ChildJvm(p, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The child's process id. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hooks, no finally blocks, connections dropped mid-transaction. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit and returns its report, failing with its log if it did not end well. */
  Map<String, String> awaitReport(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not finish within " + timeout + "; log:\n" + tail());
    }
    if (process.exitValue() != 0) {
      throw new AssertionError("child exited with " + process.exitValue() + "; log:\n" + tail());
    }
    for (String line : lines()) {
      if (line.startsWith("REPORT ")) {
        Map<String, String> out = new HashMap<>();
        for (String kv : line.substring(7).split(" ")) {
          int eq = kv.indexOf('=');
          out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return out;
      }
    }
    throw new AssertionError("child printed no report; log:\n" + tail());
  }

  private List<String> lines() {
    try {
      return Files.readAllLines(log);
    } catch (IOException e) {
      return List.of();
    }
  }

  String tail() {
    List<String> lines = lines();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Polls {@code condition} until it holds or {@code timeout} passes; no fixed sleeps decide anything. */
  static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}

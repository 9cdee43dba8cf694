package io.crmsync.cli;

import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Says what a run is waiting for when it stops moving: every {@code every} without a settled batch, the
 * lines {@code waitingFor} gives (tasks other processes hold leases on, whether those are alive, when the
 * leases end) go to {@code err}. A listener, so that progress resets it and the time between two runs (with
 * {@code --follow}) is not taken for a stall; a daemon thread, so that it never keeps the command alive.
 */
final class StallWatch implements SyncListener, AutoCloseable {
  private final PrintStream err;
  private final Supplier<List<String>> waitingFor;
  private final Thread thread;
  private volatile long lastProgress = System.nanoTime();
  private volatile boolean running = true;

  StallWatch(PrintStream err, Duration every, Supplier<List<String>> waitingFor) {
    this.err = err;
    this.waitingFor = waitingFor;
    this.thread = new Thread(() -> watch(every), "crm-sync-stall-watch");
    this.thread.setDaemon(true);
  }

  /** Prints what the run waits for now, if anything, and starts watching. */
  StallWatch start() {
    report();
    thread.start();
    return this;
  }

  @Override
  public void onRunStarted(String jobId) {
    lastProgress = System.nanoTime();
    running = true;
  }

  @Override
  public void onRunFinished(SyncReport report) {
    running = false;
  }

  @Override
  public void onProgress(String jobId, SyncProgress progress) {
    lastProgress = System.nanoTime();
  }

  private void watch(Duration every) {
    try {
      while (true) {
        Thread.sleep(every.toMillis()); // real time: this watches a real run, for a person
        if (running && System.nanoTime() - lastProgress >= every.toNanos()) {
          report();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void report() {
    try {
      for (String line : waitingFor.get()) {
        err.println("Waiting for " + line);
      }
    } catch (RuntimeException e) {
      // only a hint for the person watching: a failure to read it must not touch the run
    }
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}

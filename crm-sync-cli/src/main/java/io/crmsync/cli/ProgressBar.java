package io.crmsync.cli;

import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Draws sync progress on a terminal (redrawn in place) or, when output is not a terminal, as a line per
 * tenth of the work. Thread-safe.
 */
final class ProgressBar implements SyncListener {
  private static final long REDRAW_NANOS = Duration.ofMillis(100).toNanos();
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final long total;
  private final boolean terminal;
  private long lastDraw;
  private long lastTenth = -1;
  private long rateLimited;
  private long retries;

  /**
   * @param total the records expected, or 0 if unknown (then counts are shown without a bar, and a line is
   *     printed every {@value #UNKNOWN_TOTAL_STEP} records when not on a terminal)
   */
  ProgressBar(PrintStream out, long total, boolean terminal) {
    this.out = out;
    this.total = total;
    this.terminal = terminal;
  }

  private static final long UNKNOWN_TOTAL_STEP = 10_000;

  @Override
  public synchronized void onRateLimited(String jobId, String system, Duration retryAfter, int records) {
    rateLimited++;
  }

  @Override
  public synchronized void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {
    retries++;
  }

  @Override
  public synchronized void onProgress(String jobId, SyncProgress p) {
    long now = System.nanoTime();
    long tenth = total > 0 ? p.settled() * 10 / total : p.settled() / UNKNOWN_TOTAL_STEP;
    if (terminal) {
      if (now - lastDraw < REDRAW_NANOS && (total <= 0 || p.settled() < total)) {
        return;
      }
      lastDraw = now;
      out.print("\r" + line(p));
      out.flush();
    } else if (tenth > lastTenth) {
      lastTenth = tenth;
      out.println(line(p));
    }
  }

  synchronized void finish() {
    if (terminal) {
      out.println();
    }
  }

  private String line(SyncProgress p) {
    double seconds = Math.max(1e-3, p.elapsed().toNanos() / 1e9);
    String counts = String.format(Locale.ROOT, "written %,d  unchanged %,d  dead %,d  rate-limited %d  retries %d  "
            + "%,.0f rec/s", p.written(), p.unchanged(), p.deadLettered(), rateLimited, retries, p.settled() / seconds);
    if (total <= 0) {
      return String.format(Locale.ROOT, "%,d settled, %,d read  %s", p.settled(), p.read(), counts);
    }
    double share = Math.min(1.0, p.settled() / (double) total);
    int filled = (int) Math.round(share * WIDTH);
    return String.format(Locale.ROOT, "[%s%s] %3.0f%%  %,d/%,d  %s",
        "#".repeat(filled), " ".repeat(WIDTH - filled), share * 100, p.settled(), total, counts);
  }
}

package io.crmsync.jdbc.internal;

import java.time.Duration;

/** Durations as people read them in messages: {@code 850 ms}, {@code 42 s}, {@code 4 min 30 s}, {@code 1 h 5 min}. */
public final class Durations {
  private Durations() {}

  public static String format(Duration d) {
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long seconds = d.getSeconds();
    if (seconds < 1) {
      return d.toMillis() + " ms";
    }
    if (seconds < 60) {
      return seconds + " s";
    }
    long hours = seconds / 3600;
    long minutes = (seconds % 3600) / 60;
    long rest = seconds % 60;
    if (hours > 0) {
      return hours + " h" + (minutes > 0 ? " " + minutes + " min" : "");
    }
    return minutes + " min" + (rest > 0 ? " " + rest + " s" : "");
  }
}

package io.crmsync.interop;

import io.crmsync.SyncReport;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What a sync cost, in a few lines of text. */
final class Figures {
  private Figures() {}

  static String of(String title, List<SyncReport> reports, Side source, Side target, Duration onClock) {
    Counts s = source.counts();
    Counts t = target.counts();
    long dead = reports.get(reports.size() - 1).deadLettered();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s: %d run(s), %s of the fake clock%n", title, reports.size(), onClock));
    b.append(String.format(Locale.ROOT, "  requests: %s %d API + %d token, %s %d API + %d token%n", source,
        s.apiRequests(), s.tokenRequests(), target, t.apiRequests(), t.tokenRequests()));
    b.append(String.format(Locale.ROOT, "  429s: %s %d (%.2f%%), %s %d (%.2f%%); refused: %s %s, %s %s%n", source,
        s.rateLimited(), 100 * s.rateLimitedShare(), target, t.rateLimited(), 100 * t.rateLimitedShare(), source,
        s.refused(), target, t.refused()));
    b.append(String.format(Locale.ROOT, "  faults injected: %s %d, %s %d; dead-lettered at the end: %d%n", source,
        s.faults(), target, t.faults(), dead));
    for (SyncReport r : reports) {
      b.append("  ").append(r).append(System.lineSeparator());
    }
    return b.toString().stripTrailing();
  }
}

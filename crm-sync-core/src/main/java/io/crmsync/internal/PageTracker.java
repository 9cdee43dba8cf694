package io.crmsync.internal;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Tracks which pages of a pass are fully settled, and reports the cursor after the longest settled
 * prefix of pages: the point a restarted run can resume from without losing a record.
 */
public final class PageTracker {
  /** Hears the settled prefix grow. */
  @FunctionalInterface
  public interface OnAdvance {
    /**
     * @param nextCursor the cursor after the newly settled prefix ({@code null} after the last page)
     * @param last whether that prefix ends the pass
     * @param lastModified the latest modification time of any record of a settled page so far, or {@code null}
     *     if none carried one
     */
    void advanced(@Nullable String nextCursor, boolean last, @Nullable Instant lastModified);
  }

  private static final class PageState {
    final @Nullable String nextCursor;
    final @Nullable Instant lastModified;
    long remaining;

    PageState(@Nullable String nextCursor, long remaining, @Nullable Instant lastModified) {
      this.nextCursor = nextCursor;
      this.remaining = remaining;
      this.lastModified = lastModified;
    }
  }

  private final TreeMap<Long, PageState> pages = new TreeMap<>();
  private final OnAdvance onAdvance;
  private @Nullable Instant settledModified;

  /**
   * @param onAdvance called, under this tracker's lock and in page order, as the settled prefix grows
   */
  public PageTracker(OnAdvance onAdvance) {
    this.onAdvance = onAdvance;
  }

  /** A page of {@code count} records was read; {@code nextCursor} is null on the last page. */
  public synchronized void register(long seq, @Nullable String nextCursor, long count) {
    register(seq, nextCursor, count, null);
  }

  /**
   * A page of {@code count} records was read, the latest of them modified at {@code lastModified} (null if
   * none says); {@code nextCursor} is null on the last page.
   */
  public synchronized void register(long seq, @Nullable String nextCursor, long count, @Nullable Instant lastModified) {
    pages.put(seq, new PageState(nextCursor, count, lastModified));
    advance();
  }

  /** {@code count} records of page {@code seq} were settled. */
  public synchronized void settled(long seq, long count) {
    PageState p = pages.get(seq);
    if (p == null) {
      throw new IllegalStateException("settled records of unknown page " + seq);
    }
    p.remaining -= count;
    if (p.remaining < 0) {
      throw new IllegalStateException("page " + seq + " settled more records than it had");
    }
    advance();
  }

  private void advance() {
    Map.Entry<Long, PageState> e;
    while ((e = pages.firstEntry()) != null && e.getValue().remaining == 0) {
      pages.pollFirstEntry();
      PageState p = e.getValue();
      if (p.lastModified != null && (settledModified == null || p.lastModified.isAfter(settledModified))) {
        settledModified = p.lastModified;
      }
      onAdvance.advanced(p.nextCursor, p.nextCursor == null, settledModified);
    }
  }
}

package io.crmsync.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Tracks which pages of a pass are fully settled, and reports the cursor after the longest settled
 * prefix of pages: the point a restarted run can resume from without losing a record.
 */
public final class PageTracker {
  private static final class PageState {
    final @Nullable String nextCursor;
    long remaining;

    PageState(@Nullable String nextCursor, long remaining) {
      this.nextCursor = nextCursor;
      this.remaining = remaining;
    }
  }

  private final TreeMap<Long, PageState> pages = new TreeMap<>();
  private final BiConsumer<@Nullable String, Boolean> onAdvance;

  /**
   * @param onAdvance called, under this tracker's lock and in page order, with the cursor after the
   *     newly settled prefix and whether that prefix ends the pass (the last page was settled)
   */
  public PageTracker(BiConsumer<@Nullable String, Boolean> onAdvance) {
    this.onAdvance = onAdvance;
  }

  /** A page of {@code count} records was read; {@code nextCursor} is null on the last page. */
  public synchronized void register(long seq, @Nullable String nextCursor, long count) {
    pages.put(seq, new PageState(nextCursor, count));
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
      onAdvance.accept(e.getValue().nextCursor, e.getValue().nextCursor == null);
    }
  }
}

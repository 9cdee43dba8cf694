package io.crmsync.interop;

import io.crmsync.SyncListener;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Injects faults by count, so that every kind each emulator has falls on a sync wherever the engine is at: after every
 * few pages read, the source's next API request fails with its next kind; after every few batches settled, the
 * target's next request does. Each side's kinds are gone through {@code rounds} times, in order. Which request gets a fault depends
 * only on how many pages and batches came before, never on time. Thread-safe.
 */
final class FaultScript implements SyncListener {
  private final List<Side.Injection> source;
  private final List<Side.Injection> target;
  private final int rounds;
  private final int pagesApart;
  private final int batchesApart;
  private final Map<String, Integer> injected = new TreeMap<>();
  private int nextSource;
  private int nextTarget;

  private int pages;
  private int batches;

  /**
   * Injects a source fault after every {@code pagesApart}-th page and a target fault after every {@code
   * batchesApart}-th batch, so that a retry of what failed meets a fault only by
   * the emulators' random draw, as it would on a wire, and is not given up on for a run of scripted faults.
   */
  FaultScript(Side source, Side target, int rounds, int pagesApart, int batchesApart) {
    this.source = source.faults();
    this.target = target.faults();
    this.rounds = rounds;
    this.pagesApart = pagesApart;
    this.batchesApart = batchesApart;
  }

  @Override
  public synchronized void onPageRead(String jobId, int records) {
    if (++pages % pagesApart == 0 && nextSource < source.size() * rounds) {
      Side.Injection i = source.get(nextSource++ % source.size());
      i.inject().run();
      injected.merge("source " + i.name(), 1, Integer::sum);
    }
  }

  @Override
  public synchronized void onBatchDone(String jobId, int written, int unchanged, int failed) {
    if (++batches % batchesApart == 0 && nextTarget < target.size() * rounds) {
      Side.Injection i = target.get(nextTarget++ % target.size());
      i.inject().run();
      injected.merge("target " + i.name(), 1, Integer::sum);
    }
  }

  /** How many faults were injected so far, on both sides. */
  synchronized int count() {
    return nextSource + nextTarget;
  }

  /** The faults injected so far, by side and kind. */
  synchronized Map<String, Integer> injected() {
    return new TreeMap<>(injected);
  }
}

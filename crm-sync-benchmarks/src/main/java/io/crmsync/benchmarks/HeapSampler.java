package io.crmsync.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Samples used heap every few milliseconds on a daemon thread and keeps the maximum. */
public final class HeapSampler implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peak;

  public HeapSampler() {
    peak = memory.getHeapMemoryUsage().getUsed();
    thread = new Thread(() -> {
      while (running) {
        long used = memory.getHeapMemoryUsage().getUsed();
        if (used > peak) {
          peak = used;
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** The largest used heap seen so far, in bytes. */
  public long peakBytes() {
    return peak;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join();
  }
}

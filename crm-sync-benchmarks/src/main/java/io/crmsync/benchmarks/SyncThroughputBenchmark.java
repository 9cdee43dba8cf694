package io.crmsync.benchmarks;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import java.util.List;
import java.util.Locale;

/**
 * Engine throughput against a bare loop, FakeCrm to FakeCrm with no latency and no faults, in the same
 * JVM and the same run, alternating so that both see the same machine noise. The bare loop reads the
 * same pages and calls upsert directly: what a hand-written sync without retries, rate limiting,
 * checkpoints or change detection costs. Prints each round, the medians, their ratio and peak heap.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -Xmx2g -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.SyncThroughputBenchmark [records] [rounds] [workers]
 * </pre>
 *
 * Defaults: 1,000,000 records, 3 rounds, 2 workers.
 */
public final class SyncThroughputBenchmark {
  private SyncThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    System.out.printf(Locale.ROOT, "SyncThroughputBenchmark: %,d records, %d rounds, %d workers, max heap %,d MB, %d cores%n",
        records, rounds, workers, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

    FakeCrm source = FakeCrm.builder().id("source").logRequests(false).build();
    source.seed(Benchmarks.contacts(records));
    double[] bare = new double[rounds];
    double[] engine = new double[rounds];
    long[] enginePeak = new long[rounds];
    long[] barePeak = new long[rounds];
    // warm-ups of each, not counted: long enough for the JIT and for G1 to size its young generation,
    // which a 50,000-record warm-up was not (the first measured round ran well below the others)
    for (int i = 0; i < 2; i++) {
      runBare(source, Math.min(records, 200_000));
      runEngine(source, workers, Math.min(records, 200_000));
    }
    for (int r = 0; r < rounds; r++) {
      System.gc();
      long gc0 = gcMillis();
      long cpu0 = cpuNanos();
      try (HeapSampler heap = new HeapSampler()) {
        bare[r] = runBare(source, records);
        barePeak[r] = heap.peakBytes();
      }
      long cpu1 = cpuNanos();
      long gc1 = gcMillis();
      System.gc();
      long gc2 = gcMillis();
      long cpu2 = cpuNanos();
      try (HeapSampler heap = new HeapSampler()) {
        engine[r] = runEngine(source, workers, records);
        enginePeak[r] = heap.peakBytes();
      }
      long cpu3 = cpuNanos();
      long gc3 = gcMillis();
      System.out.printf(Locale.ROOT, "round %d: bare loop %,.0f records/s (%.1f us CPU/record, GC %d ms, peak heap "
              + "%,d MB), engine %,.0f records/s (%.1f us CPU/record, GC %d ms, peak heap %,d MB), ratio %.2f%n",
          r + 1, bare[r], (cpu1 - cpu0) / 1e3 / records, gc1 - gc0, barePeak[r] >> 20, engine[r],
          (cpu3 - cpu2) / 1e3 / records, gc3 - gc2, enginePeak[r] >> 20, engine[r] / bare[r]);
    }
    double mb = Benchmarks.median(bare);
    double me = Benchmarks.median(engine);
    System.out.printf(Locale.ROOT, "median: bare loop %,.0f records/s, engine %,.0f records/s, ratio %.2f; "
            + "peak heap engine %,d MB (bare loop %,d MB)%n",
        mb, me, me / mb, (long) Benchmarks.median(toDouble(enginePeak)) >> 20, (long) Benchmarks.median(toDouble(barePeak)) >> 20);
  }

  /** Reads the source a page at a time and upserts each page directly. Records per second. */
  static double runBare(FakeCrm source, int limit) {
    FakeCrm target = FakeCrm.builder().id("target").logRequests(false).build();
    long start = System.nanoTime();
    ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withPageSize(100);
    String cursor = null;
    long n = 0;
    do {
      Page page = source.read(request.withCursor(cursor));
      List<RecordResult> results = target.upsert(ObjectTypes.CONTACT, page.records(), MatchKey.email());
      n += results.size();
      cursor = page.nextCursor();
    } while (cursor != null && n < limit);
    double seconds = (System.nanoTime() - start) / 1e9;
    return n / seconds;
  }

  /** The engine on its embedded defaults (in-memory queue and state). Records per second. */
  static double runEngine(FakeCrm source, int workers, int limit) {
    FakeCrm target = FakeCrm.builder().id("target").logRequests(false).build();
    long sourceSize = source.size(ObjectTypes.CONTACT); // counted once: size() copies the whole store
    CRMSync[] sync = new CRMSync[1];
    sync[0] = CRMSync.builder()
        .source(source)
        .target(target)
        .workers(workers)
        .listener(new io.crmsync.SyncListener() {
          long pages;

          @Override
          public void onPageRead(String jobId, int records) {
            // only the warm-up reads part of the source; a measured run reads and settles all of it
            if (++pages * 100 >= limit && limit < sourceSize) {
              sync[0].stop();
            }
          }
        })
        .build();
    SyncReport report = sync[0].run();
    long settled = report.written() + report.unchanged() + report.deadLettered();
    boolean full = limit >= sourceSize;
    if (report.deadLettered() != 0 || settled == 0 || (full && (report.status() != SyncReport.Status.COMPLETED
        || settled != report.read()))) {
      throw new IllegalStateException("benchmark run did not sync cleanly: " + report);
    }
    return settled / (report.duration().toNanos() / 1e9);
  }

  /** Time spent in garbage collection so far, as the collectors report it. */
  static long gcMillis() {
    long total = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  /** CPU time of this process so far (all threads, GC included). */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double[] toDouble(long[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}

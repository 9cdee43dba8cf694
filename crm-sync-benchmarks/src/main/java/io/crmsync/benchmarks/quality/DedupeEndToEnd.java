package io.crmsync.benchmarks.quality;

import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.PairwiseMetrics;
import io.crmsync.quality.internal.SyntheticContacts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end deduplication benchmark on synthetic CRM contacts (see {@code SyntheticContacts}): for each
 * size, generate (not timed), then normalise, block, estimate, compare, cluster, select masters and merge
 * (timed, median of the repetitions), and report comparisons per record, blocking pair recall and
 * pairwise P/R/F1 against the generator's truth. Then a naive all-pairs recipe on 20,000
 * records, for the speed ratio.
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -Xmx4g -cp crm-sync-benchmarks/target/benchmarks.jar \
 *     io.crmsync.benchmarks.quality.DedupeEndToEnd [--sizes 100000,1000000] [--repeat 3] [--naive 20000]
 *     [--mode probabilistic|rules] [--concentrated-names] [--employers capped_pareto|zipf]
 * </pre>
 *
 * <p>{@code --employers zipf} spreads people over employers by a Zipf law, so a few employers hold
 * thousands of contacts each (see {@code SyntheticContacts.Employers}).
 *
 * <p>{@code --concentrated-names} generates with the first generator's name frequencies (about five
 * times as concentrated as a census; see {@code SyntheticContacts}).
 *
 * <p>The machine is shared and small (2 cores): read medians and ratios, not single runs.
 */
public final class DedupeEndToEnd {
  private DedupeEndToEnd() {}

  public static void main(String[] args) {
    int[] sizes = {100_000, 1_000_000};
    int repeat = 3;
    int naive = 20_000;
    MatchMode mode = MatchMode.PROBABILISTIC;
    boolean concentrated = false;
    SyntheticContacts.Employers employers = SyntheticContacts.Employers.CAPPED_PARETO;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--sizes" -> sizes = Arrays.stream(args[++a].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--repeat" -> repeat = Integer.parseInt(args[++a]);
        case "--naive" -> naive = Integer.parseInt(args[++a]);
        case "--mode" -> mode = MatchMode.valueOf(args[++a].toUpperCase(Locale.ROOT));
        case "--concentrated-names" -> concentrated = true;
        case "--employers" -> employers = SyntheticContacts.Employers.valueOf(args[++a].toUpperCase(Locale.ROOT));
        default -> throw new IllegalArgumentException("unknown argument " + args[a]
            + " (use --sizes N,M --repeat R --naive N --mode probabilistic|rules --concentrated-names"
            + " --employers capped_pareto|zipf)");
      }
    }
    System.out.printf(Locale.ROOT, "java %s, %d processors, max heap %d MB; employers %s%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, concentrated ? "capped_pareto" : employers);
    DataQualityEngine engine = DataQualityEngine.builder().mode(mode).build();
    List<Double> medians = new ArrayList<>();
    for (int size : sizes) {
      SyntheticContacts.Dataset data = concentrated ? SyntheticContacts.generateConcentratedNames(size, 42)
          : SyntheticContacts.generate(size, 42, employers);
      long[] times = new long[repeat];
      DedupeResult result = null;
      for (int r = 0; r < repeat; r++) {
        result = null;
        System.gc();
        long t0 = System.nanoTime();
        result = engine.deduplicate(data.records());
        times[r] = System.nanoTime() - t0;
      }
      Arrays.sort(times);
      double median = times[repeat / 2] / 1e9;
      medians.add(median);
      DedupeStats s = result.stats();
      PairwiseMetrics m = result.evaluate(data.truth());
      System.out.printf(Locale.ROOT, "%,d records (%s): median %.2f s of %d (min %.2f, max %.2f)%n", size, mode,
          median, repeat, times[0] / 1e9, times[repeat - 1] / 1e9);
      System.out.printf(Locale.ROOT, "  phases of the last run (ms): %s%n", millis(s));
      System.out.printf(Locale.ROOT, "  candidate pairs %,d: %.1f comparisons per record (max %d), %d oversized blocks%n",
          s.candidatePairs(), s.meanCandidatesPerRecord(), s.maxCandidatesPerRecord(), s.oversizedBlocks());
      System.out.printf(Locale.ROOT, "  blocking pair recall %.4f; %s%n", m.blockingRecall(), m);
      System.out.printf(Locale.ROOT, "  clusters %,d (%,d with duplicates); merges refused by the chain guard %d%n",
          s.clusters(), s.duplicateClusters(), s.mergesRefusedByConflict());
    }
    if (medians.size() >= 2) {
      System.out.printf(Locale.ROOT, "time(%,d) / time(%,d) = %.2f%n", sizes[sizes.length - 1], sizes[0],
          medians.get(medians.size() - 1) / medians.get(0));
    }
    if (naive > 0) {
      SyntheticContacts.Dataset data = concentrated ? SyntheticContacts.generateConcentratedNames(naive, 42)
          : SyntheticContacts.generate(naive, 42);
      long t0 = System.nanoTime();
      NaiveAllPairsRecipe.Outcome naiveRun = NaiveAllPairsRecipe.run(data.records());
      double naiveSeconds = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      DedupeResult ours = engine.deduplicate(data.records());
      double oursSeconds = (System.nanoTime() - t1) / 1e9;
      PairwiseMetrics naiveMetrics = PairwiseMetrics.evaluate(naiveRun.clusterOf(), data.truth());
      System.out.printf(Locale.ROOT, "naive all-pairs recipe, %,d records: %.2f s, %,d comparisons; %s%n", naive,
          naiveSeconds, naiveRun.comparisons(), naiveMetrics);
      System.out.printf(Locale.ROOT, "engine, same %,d records: %.2f s, %,d comparisons; %s%n", naive, oursSeconds,
          ours.stats().candidatePairs(), ours.evaluate(data.truth()));
      System.out.printf(Locale.ROOT, "speed ratio naive / engine at %,d records: %.1fx%n", naive,
          naiveSeconds / oursSeconds);
    }
  }

  /** Wall time per phase in milliseconds, as {@code {normalize=1370, block=305, ...}}. */
  static String millis(DedupeStats s) {
    java.util.StringJoiner j = new java.util.StringJoiner(", ", "{", "}");
    s.phaseTimes().forEach((phase, time) -> j.add(phase.name().toLowerCase(Locale.ROOT) + "=" + time.toMillis()));
    return j.toString();
  }
}

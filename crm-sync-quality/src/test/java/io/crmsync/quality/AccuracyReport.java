package io.crmsync.quality;

import java.util.List;

/**
 * Prints accuracy on every dataset (a developer tool, run with exec or from the IDE). Arguments:
 * {@code synthetic} for the synthetic contacts only ({@code -Dsize=}, default 30,000;
 * {@code -Dconcentrated=true} for the first generator's name frequencies); a second argument prints the
 * estimated model.
 */
final class AccuracyReport {
  public static void main(String[] args) {
    List<Datasets.Labelled> sets = List.of(
        Datasets.febrl("dataset1.csv", true), Datasets.febrl("dataset2.csv", true),
        Datasets.febrl("dataset3.csv", true), Datasets.febrl("dataset3.csv", false),
        Datasets.splinkFake1000(), Datasets.dedupeCsvExample());
    List<Datasets.Labelled> synthetic = new java.util.ArrayList<>();
    for (int size : new int[] {Integer.getInteger("size", 30_000)}) {
      var g = (Boolean.getBoolean("concentrated")
          ? io.crmsync.quality.internal.SyntheticContacts.generateConcentratedNames(size, 42)
          : io.crmsync.quality.internal.SyntheticContacts.generate(size, 42));
      synthetic.add(new Datasets.Labelled("synthetic " + size, g.records(), g.truth(), RecordSchema.contacts()));
    }
    if (args.length > 0 && args[0].equals("synthetic")) {
      sets = synthetic;
    } else {
      sets = new java.util.ArrayList<>(sets);
      sets.addAll(synthetic);
    }
    for (MatchMode mode : MatchMode.values()) {
      for (Datasets.Labelled d : sets) {
        DataQualityEngine engine = DataQualityEngine.builder().schema(d.schema()).mode(mode).build();
        long t0 = System.nanoTime();
        DedupeResult r = engine.deduplicate(d.records());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        PairwiseMetrics m = r.evaluate(d.truth());
        System.out.printf("%-13s %-40s %s cand/rec %.1f refused %d/%d %d ms%n", mode, d.name(), m,
            r.stats().meanCandidatesPerRecord(), r.stats().mergesRefusedByConflict(), r.stats().mergesRefusedBySize(), ms);
        if (args.length > 1 && mode == MatchMode.PROBABILISTIC) {
          System.out.println(r.stats().model());
        }
      }
    }
  }
}

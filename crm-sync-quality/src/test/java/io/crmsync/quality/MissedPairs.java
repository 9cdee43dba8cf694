package io.crmsync.quality;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Developer tool: prints true pairs that blocking or matching missed. */
final class MissedPairs {
  public static void main(String[] args) {
    Datasets.Labelled d = switch (args[0]) {
      case "f3" -> Datasets.febrl("dataset3.csv", true);
      case "f3n" -> Datasets.febrl("dataset3.csv", false);
      case "f2" -> Datasets.febrl("dataset2.csv", true);
      case "s" -> Datasets.splinkFake1000();
      case "syn" -> {
        var g = io.crmsync.quality.internal.SyntheticContacts.generate(30_000, 42);
        yield new Datasets.Labelled("synthetic", g.records(), g.truth(), RecordSchema.contacts());
      }
      default -> Datasets.dedupeCsvExample();
    };
    boolean blockingOnly = args.length > 1 && args[1].equals("block");
    DedupeResult r = DataQualityEngine.builder().schema(d.schema()).build().deduplicate(d.records());
    Map<String, DedupeRecord> byId = new HashMap<>();
    d.records().forEach(x -> byId.put(x.id(), x));
    Map<String, List<String>> entities = new HashMap<>();
    d.truth().forEach((id, e) -> entities.computeIfAbsent(e, k -> new ArrayList<>()).add(id));
    int shown = 0;
    int fps = 0;
    Map<String, String> cl = r.clusterIds();
    for (List<String> ids : entities.values()) {
      for (int a = 0; a < ids.size(); a++) {
        for (int b = a + 1; b < ids.size(); b++) {
          String x = ids.get(a);
          String y = ids.get(b);
          boolean miss = blockingOnly ? !r.isCandidatePair(x, y) : !cl.get(x).equals(cl.get(y));
          if (miss && shown++ < (args.length > 2 ? 0 : 25)) {
            System.out.println(byId.get(x).fields() + "\n" + byId.get(y).fields());
            if (!blockingOnly) {
              PairExplanation e = r.explain(x, y);
              System.out.println("  " + e.reason());
              e.comparisons().forEach(c -> System.out.println("    " + c));
            }
            System.out.println();
          }
        }
      }
    }
    // false positives
    if (args.length > 2) {
      for (Cluster c : r.duplicateClusters()) {
        for (String x : c.memberIds()) {
          for (String y : c.memberIds()) {
            if (x.compareTo(y) < 0 && !d.truth().get(x).equals(d.truth().get(y)) && fps++ < 12) {
              System.out.println("FP " + byId.get(x).fields() + "\n   " + byId.get(y).fields());
              PairExplanation e = r.explain(x, y);
              System.out.println("  " + e.reason());
              e.comparisons().forEach(cd -> System.out.println("    " + cd.name() + " " + cd.level() + " " + String.format("%.2f", cd.weight())));
            }
          }
        }
      }
    }
  }
}

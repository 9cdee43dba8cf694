package io.crmsync.quality;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Developer tool: on synthetic contacts ({@code -Dsize=}, default 30,000), histograms of the agreement
 * patterns of missed true pairs and of false positive pairs, and an oracle view of the misses: what
 * each missed pair shares at all (email, phone or company; or only a name, and how many people have
 * that name). {@code -Dshow=true} prints missed pairs that share something, with their explanations
 * ({@code -Duncompared=true}: only those blocking never paired).
 */
final class MissAnalysis {
  public static void main(String[] args) {
    int size = Integer.getInteger("size", 30_000);
    var g = (Boolean.getBoolean("concentrated")
          ? io.crmsync.quality.internal.SyntheticContacts.generateConcentratedNames(size, 42)
          : io.crmsync.quality.internal.SyntheticContacts.generate(size, 42));
    Datasets.Labelled d = new Datasets.Labelled("synthetic", g.records(), g.truth(), RecordSchema.contacts());
    DedupeResult r = DataQualityEngine.builder().schema(d.schema()).build().deduplicate(d.records());
    System.out.println(r.evaluate(d.truth()));
    System.out.println(r.stats().model());
    Map<String, List<String>> entities = new HashMap<>();
    d.truth().forEach((id, e) -> entities.computeIfAbsent(e, k -> new ArrayList<>()).add(id));
    Map<String, String> cl = r.clusterIds();
    Map<String, int[]> hist = new TreeMap<>();
    Map<String, int[]> fp = new TreeMap<>();
    int miss = 0;
    int blockMiss = 0;
    for (List<String> ids : entities.values()) {
      for (int a = 0; a < ids.size(); a++) {
        for (int b = a + 1; b < ids.size(); b++) {
          String x = ids.get(a);
          String y = ids.get(b);
          if (cl.get(x).equals(cl.get(y))) {
            continue;
          }
          miss++;
          boolean cand = r.isCandidatePair(x, y);
          blockMiss += cand ? 0 : 1;
          String sig = (cand ? "C " : "- ") + sig(r.explain(x, y));
          hist.computeIfAbsent(sig, k -> new int[1])[0]++;
        }
      }
    }
    for (Cluster c : r.duplicateClusters()) {
      for (String x : c.memberIds()) {
        for (String y : c.memberIds()) {
          if (x.compareTo(y) < 0 && !d.truth().get(x).equals(d.truth().get(y))) {
            fp.computeIfAbsent(sig(r.explain(x, y)), k -> new int[1])[0]++;
          }
        }
      }
    }
    System.out.println("missed " + miss + " of which not candidates " + blockMiss);
    // oracle view: what the missed pairs share at all
    Map<String, DedupeRecord> byId = new HashMap<>();
    d.records().forEach(x -> byId.put(x.id(), x));
    Map<String, java.util.Set<String>> nameEntities = new HashMap<>();
    for (DedupeRecord x : d.records()) {
      String k = fullName(x);
      if (k != null) {
        nameEntities.computeIfAbsent(k, q -> new java.util.HashSet<>()).add(d.truth().get(x.id()));
      }
    }
    Map<String, int[]> oracle = new TreeMap<>();
    int shownShares = 0;
    for (List<String> ids : entities.values()) {
      for (int a = 0; a < ids.size(); a++) {
        for (int b = a + 1; b < ids.size(); b++) {
          String x = ids.get(a);
          String y = ids.get(b);
          if (cl.get(x).equals(cl.get(y))) {
            continue;
          }
          PairExplanation e = r.explain(x, y);
          boolean other = false;
          for (ComparisonDetail c : e.comparisons()) {
            String l = c.level();
            if (c.name().equals("email") && (l.equals("exact") || l.equals("same-local-part") || l.equals("one-edit"))
                || c.name().equals("phone") && !l.equals("disagree") && !l.equals("missing")
                || c.name().equals("company") && !l.equals("disagree") && !l.equals("missing") && !l.startsWith("jw>=0.80")) {
              other = true;
            }
          }
          boolean city = e.comparisons().stream().anyMatch(c -> c.name().equals("city") && c.level().equals("exact"));
          String nx = fullName(byId.get(x));
          String ny = fullName(byId.get(y));
          String kind;
          if (other) {
            kind = "shares email/phone/company";
            if (Boolean.getBoolean("show") && (!Boolean.getBoolean("uncompared") || !r.isCandidatePair(x, y)) && shownShares++ < 40) {
              System.out.println((r.isCandidatePair(x, y) ? "C " : "- ") + byId.get(x).fields() + "\n  " + byId.get(y).fields() + "\n  " + e.reason() + " | " + sig(e));
              for (ComparisonDetail c : e.comparisons()) {
                System.out.printf("     %s %s %.2f %s%n", c.name(), c.level(), c.weight(), c.note());
              }
            }
          } else if (nx == null || ny == null || !nx.equals(ny)) {
            kind = "no email/phone/company; names not both complete and equal" + (city ? " (city same)" : "");
          } else if (nameEntities.get(nx).size() == 1) {
            kind = "name only, name unique to this person" + (city ? " (city same)" : "");
          } else {
            kind = "name only, name shared by " + (nameEntities.get(nx).size() > 3 ? ">3" : nameEntities.get(nx).size())
                + " people" + (city ? " (city same)" : "");
          }
          oracle.computeIfAbsent((r.isCandidatePair(x, y) ? "compared, " : "not compared, ") + kind, k -> new int[1])[0]++;
        }
      }
    }
    oracle.forEach((k, v) -> System.out.printf("ORACLE %6d %s%n", v[0], k));
    hist.entrySet().stream().sorted((p, q) -> q.getValue()[0] - p.getValue()[0]).limit(60)
        .forEach(e -> System.out.printf("%6d %s%n", e.getValue()[0], e.getKey()));
    System.out.println("false positives");
    fp.entrySet().stream().sorted((p, q) -> q.getValue()[0] - p.getValue()[0]).limit(30)
        .forEach(e -> System.out.printf("%6d %s%n", e.getValue()[0], e.getKey()));
  }

  static @org.jspecify.annotations.Nullable String fullName(DedupeRecord x) {
    String f = io.crmsync.quality.internal.Normalize.givenNameCanonical(io.crmsync.quality.internal.Normalize.name(x.get("firstName")));
    String l = io.crmsync.quality.internal.Normalize.name(x.get("lastName"));
    return f == null || l == null ? null : f + "|" + l;
  }

  static String sig(PairExplanation e) {
    StringBuilder b = new StringBuilder();
    for (ComparisonDetail c : e.comparisons()) {
      String l = c.level();
      b.append(c.name().replace("_name", "")).append('=').append(l.equals("missing") ? "." : l).append(' ');
    }
    return b.toString();
  }
}

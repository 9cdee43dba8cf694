package io.crmsync.benchmarks.quality;

import io.crmsync.benchmarks.quality.DukeBaseline.Data;
import io.crmsync.benchmarks.quality.DukeSetup.DukeRow;
import io.crmsync.benchmarks.quality.DukeSetup.Prop;
import io.crmsync.quality.PairwiseMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import no.priv.garshol.duke.Comparator;
import no.priv.garshol.duke.ConfigurationImpl;
import no.priv.garshol.duke.Database;
import no.priv.garshol.duke.Record;
import no.priv.garshol.duke.RecordImpl;
import no.priv.garshol.duke.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * How {@link DukeBaseline}'s Duke configurations were found: supervised hand-tuning on data of the same
 * kind as the evaluation but another seed (7, against 42 and 20240611 for evaluation), scored by the
 * same cluster-pairwise F1.
 *
 * <p>Two nested searches. The outer one changes what decides Duke's candidates, one knob at a time:
 * the cleaners (nicknames, role mailboxes, phone digits), which properties Lucene looks up,
 * {@code max-search-hits} and fuzzy search; each variant runs Duke's real {@code LuceneDatabase} over
 * all records. For each, the inner one is a coordinate search over the scoring: for every property, its
 * comparator (from those Duke ships), low and high probability, or leaving it out; and the threshold.
 * The inner search caches each comparator's similarity on each candidate pair, then combines them as
 * Duke's {@code Processor.compare} does (best value pair, {@code PropertyImpl}'s mapping to [low, high],
 * {@code Utils.computeBayes}), so thousands of configurations cost seconds. The best configuration is then
 * run end to end through Duke's {@code Processor} on the tuning data, to check the two agree.
 *
 * <p>Duke ships a genetic algorithm for this ({@code no.priv.garshol.duke.genetic}); it runs Duke in full
 * for each of its configurations and scores link pairs, not clusters, so this exhaustive coordinate search
 * on the actual objective is both faster here and at least as strong.
 *
 * <pre>
 * java -Xmx4g -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.quality.DukeTuning \
 *     [--data synthetic|holdout-salesforce] [--size 30000] [--seed 7]
 * </pre>
 */
public final class DukeTuning {
  private DukeTuning() {}

  private static final double[] LOWS = {0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.48, 0.5};
  private static final double[] HIGHS = {0.5, 0.52, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99};
  private static final double[] THRESHOLDS = {0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96,
      0.97, 0.98, 0.985, 0.99, 0.993, 0.995, 0.997, 0.998, 0.999, 0.9995, 0.9998, 0.9999};

  /** Comparators worth trying per property. */
  private static final Map<String, List<String>> COMPARATORS = Map.of(
      "FIRST", List.of("jw", "lev", "wlev", "qgram", "exact"),
      "LAST", List.of("jw", "lev", "wlev", "qgram", "exact"),
      "NAME", List.of("pname", "jwt", "qgram", "dice"),
      "EMAIL", List.of("exact", "lev", "jw", "qgram"),
      "PHONE", List.of("exact", "lev"),
      "COMPANY", List.of("jw", "qgram", "dice", "jwt", "lev", "exact"),
      "CITY", List.of("exact", "jw", "lev"),
      "TITLE", List.of("exact", "jw", "qgram"),
      "STATE", List.of("exact"));

  private static long configurationsScored;
  private static int retrievalsRun;

  public static void main(String[] args) throws IOException {
    String kind = "synthetic";
    int size = 30_000;
    long seed = 7;
    int passes = 1;
    boolean varyHits = true;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--passes" -> passes = Integer.parseInt(args[++a]);
        case "--keep-hits" -> varyHits = false;
        case "--data" -> kind = args[++a];
        case "--size" -> size = Integer.parseInt(args[++a]);
        case "--seed" -> seed = Long.parseLong(args[++a]);
        default -> throw new IllegalArgumentException("unknown argument " + args[a]
            + " (use --data synthetic|holdout-salesforce --size N --seed S --passes P --keep-hits)");
      }
    }
    PrintStream out = System.out;
    Data data = DukeBaseline.load(kind, size, seed, Files.createTempDirectory("duke-tuning"));
    List<String> props = new ArrayList<>(List.of("FIRST", "LAST", "NAME", "EMAIL", "COMPANY", "PHONE", "CITY"));
    if (kind.startsWith("holdout")) {
      props.addAll(List.of("TITLE", "STATE"));
    }
    DukeSetup start = kind.equals("synthetic") ? DukeBaseline.tunedSynthetic() : DukeBaseline.tunedHoldout();
    // every candidate property present; a left-out one is neutral (low = high = 0.5)
    for (String p : props) {
      if (start.property(p) == null) {
        start = start.withProperty(p, new Prop(p, COMPARATORS.get(p).get(0), 0.5, 0.5, false));
      }
    }
    out.printf(Locale.ROOT, "tuning Duke on %s, %,d rows, seed %d; start:%n%s", kind, size, seed, start.describe());

    Scored best = tuneScoring(start, data, props, out);
    out.println(asJava(dropNeutral(best.setup)));
    // outer search: one retrieval knob at a time, keep what helps, two passes
    // each move changes one knob of the best setup so far, so kept moves add up
    List<java.util.function.UnaryOperator<DukeSetup>> moves = new ArrayList<>();
    for (int hits : varyHits ? new int[] {10, 20, 50, 100} : new int[0]) {
      moves.add(s -> s.withSearch(hits, s.minRelevance(), s.fuzzy()));
    }
    moves.add(s -> s.withSearch(s.maxSearchHits(), s.minRelevance(), !s.fuzzy()));
    moves.add(s -> s.withCleaning(!s.nicknames(), s.dropRoleMailboxes(), s.phoneDigits()));
    moves.add(s -> s.withCleaning(s.nicknames(), !s.dropRoleMailboxes(), s.phoneDigits()));
    moves.add(s -> s.withCleaning(s.nicknames(), s.dropRoleMailboxes(), s.phoneDigits() == 10 ? 9 : 10));
    for (String p : props) {
      moves.add(s -> {
        Prop q = s.property(p);
        return q == null || (!q.lookup() && q.high() <= 0.5) ? s : s.withProperty(p, q.withLookup(!q.lookup()));
      });
    }
    for (int pass = 0; pass < passes; pass++) {
      boolean improved = false;
      for (java.util.function.UnaryOperator<DukeSetup> move : moves) {
        DukeSetup v = move.apply(best.setup);
        if (v.equals(best.setup)) {
          continue;
        }
        Scored t = tuneScoring(v, data, props, out);
        if (t.f1 > best.f1 + 1e-4) {
          best = t;
          improved = true;
          out.printf(Locale.ROOT, "  * kept: F1 %.4f%n%s%n", best.f1, asJava(dropNeutral(best.setup)));
        }
      }
      if (!improved) {
        break;
      }
    }
    out.printf(Locale.ROOT, "%nbest on the tuning data (fast scorer): F1 %.4f, P %.4f, R %.4f%n%s", best.f1, best.p,
        best.r, best.setup.describe());
    out.printf(Locale.ROOT, "Lucene retrievals run %d, configurations scored %,d (each property/threshold combination"
        + " counts once)%n", retrievalsRun, configurationsScored);
    DukeSetup finalSetup = dropNeutral(best.setup);
    DukeBaseline.DukeOutcome check = DukeBaseline.runDuke(finalSetup, data.duke(), 2);
    out.printf(Locale.ROOT, "end-to-end Duke Processor on the tuning data: %.1f s, %s%n", check.seconds(),
        PairwiseMetrics.evaluate(check.clusterOf(), data.truth()));
    out.println("as Java:\n" + asJava(finalSetup));
  }

  static DukeSetup dropNeutral(DukeSetup s) {
    List<Prop> kept = new ArrayList<>();
    for (Prop p : s.properties()) {
      if (p.lookup() || p.low() != 0.5 || p.high() != 0.5) {
        kept.add(p);
      }
    }
    return s.withProperties(kept);
  }

  private static String asJava(DukeSetup s) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "    return new DukeSetup(%s, %d, %sf, %s, List.of(%n",
        s.threshold(), s.maxSearchHits(), s.minRelevance(), s.fuzzy()));
    for (int k = 0; k < s.properties().size(); k++) {
      Prop p = s.properties().get(k);
      b.append(String.format(Locale.ROOT, "        new Prop(\"%s\", \"%s\", %s, %s, %s)%s%n", p.name(), p.comparator(),
          p.low(), p.high(), p.lookup(), k == s.properties().size() - 1 ? ")," : ","));
    }
    return b.append(String.format(Locale.ROOT, "        %s, %s, %d);", s.nicknames(), s.dropRoleMailboxes(),
        s.phoneDigits())).toString();
  }

  private record Scored(DukeSetup setup, double f1, double p, double r) {}

  /** Candidate pairs from Duke's Lucene database and each comparator's similarity on them. */
  private static final class Candidates {
    final int[] a;
    final int[] b;
    final Map<String, float[]> sim = new HashMap<>();

    Candidates(int[] a, int[] b) {
      this.a = a;
      this.b = b;
    }
  }

  private static Scored tuneScoring(DukeSetup setup, Data data, List<String> props, PrintStream out) {
    long t0 = System.nanoTime();
    long scoredBefore = configurationsScored;
    Candidates c = candidates(setup, data.duke(), props);
    double retrievalSeconds = (System.nanoTime() - t0) / 1e9;
    int[] person = personIndex(data);
    long trueCandidates = 0;
    for (int k = 0; k < c.a.length; k++) {
      if (person[c.a[k]] == person[c.b[k]]) {
        trueCandidates++;
      }
    }
    Scorer scorer = new Scorer(c, person, setup);
    Scored best = scorer.sweep(setup, scorer.total);
    // coordinate search: each property's comparator, high, low; three rounds or until nothing improves
    for (int round = 0; round < 3; round++) {
      double before = best.f1;
      for (String p : props) {
        Prop q = best.setup.property(p);
        for (String comp : COMPARATORS.get(p)) {
          best = scorer.trial(best, q.withComparator(comp));
        }
        q = best.setup.property(p);
        for (double h : HIGHS) {
          best = scorer.trial(best, q.withHigh(h));
        }
        q = best.setup.property(p);
        for (double l : LOWS) {
          best = scorer.trial(best, q.withLow(l));
        }
        q = best.setup.property(p);
        // and jointly nudged, since low and high trade against the threshold
        for (double h : HIGHS) {
          for (double l : LOWS) {
            if (Math.abs(h - q.high()) <= 0.1 && Math.abs(l - q.low()) <= 0.1) {
              best = scorer.trial(best, q.withHigh(h).withLow(l));
            }
          }
        }
      }
      if (best.f1 <= before + 1e-5) {
        break;
      }
    }
    out.printf(Locale.ROOT, "  hits %d fuzzy %s nick %s roles %s digits %d lookup %s: %,d candidate pairs (%,d true);"
        + " best F1 %.4f P %.4f R %.4f at threshold %.4f (%,d configurations scored; %.0f s, retrieval %.0f s)%n", setup.maxSearchHits(), setup.fuzzy(),
        setup.nicknames(), setup.dropRoleMailboxes(), setup.phoneDigits(), lookups(setup), c.a.length,
        trueCandidates, best.f1, best.p, best.r, best.setup.threshold(), configurationsScored - scoredBefore, (System.nanoTime() - t0) / 1e9, retrievalSeconds);
    return best;
  }

  private static Scored better(Scored a, Scored b) {
    return b.f1 > a.f1 + 1e-6 ? b : a;
  }

  private static List<String> lookups(DukeSetup s) {
    List<String> l = new ArrayList<>();
    for (Prop p : s.properties()) {
      if (p.lookup()) {
        l.add(p.name());
      }
    }
    return l;
  }

  private static int[] personIndex(Data data) {
    Map<String, Integer> people = new HashMap<>();
    int[] person = new int[data.duke().size()];
    for (int k = 0; k < person.length; k++) {
      String id = data.truth().get(data.duke().get(k).id());
      person[k] = people.computeIfAbsent(id, x -> people.size());
    }
    return person;
  }

  private static Candidates candidates(DukeSetup setup, List<DukeRow> rows, List<String> props) {
    retrievalsRun++;
    ConfigurationImpl config = setup.configuration();
    Database db = config.getDatabase(true);
    List<RecordImpl> records = new ArrayList<>(rows.size());
    Map<String, Integer> index = new HashMap<>(rows.size() * 2);
    for (DukeRow row : rows) {
      index.put(row.id(), records.size());
      RecordImpl r = setup.record(row);
      records.add(r);
      db.index(r);
    }
    db.commit();
    Set<Long> pairs = new HashSet<>();
    for (int k = 0; k < records.size(); k++) {
      for (Record cand : db.findCandidateMatches(records.get(k))) {
        int j = index.get(cand.getValue(DukeSetup.ID));
        if (j != k) {
          pairs.add(((long) Math.min(k, j) << 32) | Math.max(k, j));
        }
      }
    }
    db.close();
    long[] sorted = pairs.stream().mapToLong(Long::longValue).sorted().toArray();
    int[] a = new int[sorted.length];
    int[] b = new int[sorted.length];
    for (int k = 0; k < sorted.length; k++) {
      a[k] = (int) (sorted[k] >>> 32);
      b[k] = (int) sorted[k];
    }
    Candidates c = new Candidates(a, b);
    for (String p : props) {
      for (String comp : COMPARATORS.get(p)) {
        Comparator cmp = DukeSetup.comparator(comp);
        float[] s = new float[a.length];
        for (int k = 0; k < a.length; k++) {
          s[k] = bestSimilarity(cmp, records.get(a[k]).getValues(p), records.get(b[k]).getValues(p));
        }
        c.sim.put(p + "/" + comp, s);
      }
    }
    return c;
  }

  /** Duke compares every value pair and keeps the best; NaN when either side has no value. */
  private static float bestSimilarity(Comparator cmp, java.util.Collection<String> x, java.util.Collection<String> y) {
    if (x == null || y == null || x.isEmpty() || y.isEmpty()) {
      return Float.NaN;
    }
    double best = 0;
    for (String u : x) {
      for (String v : y) {
        best = Math.max(best, cmp.compare(u, v));
      }
    }
    return (float) best;
  }

  /**
   * Scores configurations on cached candidates. Duke's {@code Utils.computeBayes} chain is a sum in
   * log-odds, so the scorer keeps each property's log-odds per pair and their total, and a trial that
   * changes one property costs one pass. Each trial is scored at every threshold of the grid in one sweep:
   * pairs in descending probability join clusters (small into large, each cluster keeping its count of
   * true people), and the pairwise counts are read at each threshold.
   */
  private static final class Scorer {
    final Candidates c;
    final int[] person;
    final long truePairs;
    final Map<String, double[]> logOdds = new HashMap<>();
    final double[] total;
    private final double[] buffer;

    Scorer(Candidates c, int[] person, DukeSetup setup) {
      this.c = c;
      this.person = person;
      this.truePairs = truePairs(person);
      this.total = new double[c.a.length];
      this.buffer = new double[c.a.length];
      for (Prop p : setup.properties()) {
        double[] l = logOdds(p);
        logOdds.put(p.name(), l);
        for (int k = 0; k < total.length; k++) {
          total[k] += l[k];
        }
      }
    }

    /** Log-odds of Duke's per-property probability on each pair: 0 when a side has no value. */
    double[] logOdds(Prop p) {
      double[] out = new double[c.a.length];
      if (p.low() == 0.5 && p.high() == 0.5) {
        return out;
      }
      float[] s = c.sim.get(p.name() + "/" + p.comparator());
      double low = Math.log(p.low() / (1 - p.low()));
      for (int k = 0; k < out.length; k++) {
        float v = s[k];
        if (v != v) {
          continue;
        }
        if (v >= 0.5) {
          double q = (p.high() - 0.5) * v * v + 0.5;
          out[k] = Math.log(q / (1 - q));
        } else {
          out[k] = low;
        }
      }
      return out;
    }

    /** {@code best} with property {@code p} changed, if that scores better at some threshold. */
    Scored trial(Scored best, Prop p) {
      double[] old = logOdds.get(p.name());
      double[] l = logOdds(p);
      for (int k = 0; k < buffer.length; k++) {
        buffer[k] = total[k] - old[k] + l[k];
      }
      DukeSetup setup = best.setup.withProperty(p.name(), p);
      Scored s = sweep(setup, buffer);
      if (s.f1 > best.f1 + 1e-6) {
        System.arraycopy(buffer, 0, total, 0, total.length);
        logOdds.put(p.name(), l);
        return s;
      }
      return best;
    }

    Scored sweep(DukeSetup setup, double[] odds) {
      int n = odds.length;
      double floor = Math.log(THRESHOLDS[0] / (1 - THRESHOLDS[0]));
      int m = 0;
      long[] order = new long[n];
      for (int k = 0; k < n; k++) {
        if (odds[k] > floor) {
          // descending log-odds in the high bits (odds are below 100 here), pair index in the low 23
          order[m++] = ((long) ((100 - Math.min(odds[k], 99)) * 1e6) << 23) | k;
        }
      }
      Arrays.sort(order, 0, m);
      int[] parent = new int[person.length];
      Arrays.setAll(parent, k -> k);
      int[] size = new int[person.length];
      Arrays.fill(size, 1);
      List<@Nullable Map<Integer, Integer>> counts = new ArrayList<>(java.util.Collections.nCopies(person.length, null));
      long tp = 0;
      long pp = 0;
      Scored best = null;
      int next = 0;
      for (int ti = THRESHOLDS.length - 1; ti >= 0; ti--) {
        double t = THRESHOLDS[ti];
        double tOdds = Math.log(t / (1 - t));
        while (next < m && odds[(int) (order[next] & 0x7FFFFF)] > tOdds) {
          int k = (int) (order[next++] & 0x7FFFFF);
          int ra = DukeBaseline.find(parent, c.a[k]);
          int rb = DukeBaseline.find(parent, c.b[k]);
          if (ra == rb) {
            continue;
          }
          if (size[ra] < size[rb]) {
            int x = ra;
            ra = rb;
            rb = x;
          }
          Map<Integer, Integer> big = counts(counts, ra, person);
          Map<Integer, Integer> small = counts(counts, rb, person);
          for (Map.Entry<Integer, Integer> e : small.entrySet()) {
            int have = big.getOrDefault(e.getKey(), 0);
            tp += (long) have * e.getValue();
            big.put(e.getKey(), have + e.getValue());
          }
          pp += (long) size[ra] * size[rb];
          parent[rb] = ra;
          size[ra] += size[rb];
          counts.set(rb, null);
        }
        configurationsScored++;
        PairwiseMetrics pm = PairwiseMetrics.of(truePairs, pp, tp, -1);
        if (best == null || pm.f1() > best.f1 + 1e-6) {
          best = new Scored(setup.withThreshold(t), pm.f1(), pm.precision(), pm.recall());
        }
        if (2 * pm.precision() / (1 + pm.precision()) < best.f1) {
          break; // lower thresholds only lose precision: no F1 above this one's bound
        }
      }
      return best;
    }
  }

  private static Map<Integer, Integer> counts(List<@Nullable Map<Integer, Integer>> counts, int root, int[] person) {
    Map<Integer, Integer> c = counts.get(root);
    if (c == null) {
      c = new HashMap<>(4);
      c.put(person[root], 1);
      counts.set(root, c);
    }
    return c;
  }

  private static long truePairs(int[] person) {
    Map<Integer, Long> people = new HashMap<>();
    for (int p : person) {
      people.merge(p, 1L, Long::sum);
    }
    return pairs(people.values());
  }

  private static long pairs(java.util.Collection<Long> sizes) {
    long s = 0;
    for (long v : sizes) {
      s += v * (v - 1) / 2;
    }
    return s;
  }
}

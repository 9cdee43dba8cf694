package io.crmsync.benchmarks.quality;

import io.crmsync.benchmarks.quality.DukeSetup.DukeRow;
import io.crmsync.benchmarks.quality.DukeSetup.Prop;
import io.crmsync.benchmarks.quality.holdout.HoldoutContacts;
import io.crmsync.model.Contact;
import io.crmsync.quality.CsvTable;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.PairwiseMetrics;
import io.crmsync.quality.RecordSchema;
import io.crmsync.quality.internal.SyntheticContacts;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import no.priv.garshol.duke.ConfigurationImpl;
import no.priv.garshol.duke.Processor;
import no.priv.garshol.duke.Record;
import no.priv.garshol.duke.matchers.AbstractMatchListener;
import org.jspecify.annotations.Nullable;

/**
 * A side-by-side baseline: Duke 1.2 (a peer record-linkage engine, Lucene blocking and naive
 * Bayes scoring), hand-tuned with ground truth on data of the same kind but another seed (see {@link
 * DukeTuning}), run on the same contacts as {@link DataQualityEngine} with its defaults, in the same
 * JVM. Both are scored identically: Duke's match pairs are closed transitively into clusters, then
 * {@link PairwiseMetrics} counts pairs over all records.
 *
 * <p>Data: {@code synthetic} is {@code SyntheticContacts} (seed 42, as our other benchmarks);
 * {@code holdout-salesforce} and {@code holdout-hubspot} are {@link HoldoutContacts} exports (seed
 * 20240611, as {@code HoldoutAccuracy}), written to CSV and read back: our engine through {@link
 * CsvTable} and {@link RecordSchema#detect}, Duke from the same parsed rows, with its columns mapped by
 * hand as a Duke user maps them in XML (both phone columns feed its PHONE property).
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -o -q -DskipTests package -pl crm-sync-benchmarks -am
 * java -Xmx4g -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.quality.DukeBaseline \
 *     [--sizes 30000,300000] [--data synthetic|holdout-salesforce|holdout-hubspot|all] [--threads 2]
 *     [--duke-fuzzy true|false] [--duke-thresholds 0.995,0.997] [--seed S] [--examples 3]
 * </pre>
 *
 * <p>{@code --duke-fuzzy false} runs the presets without Lucene fuzzy search (five times faster, about
 * 0.004 F1 lower at 30,000 rows); {@code --duke-thresholds} also scores Duke's same run at higher
 * thresholds, which 300,000 rows need (the presets' thresholds were tuned at 30,000 and let name-only
 * matches chain there); {@code --seed} replaces both evaluation seeds, e.g. with the tuning seed 7.
 *
 * <p>Both engines get the same number of threads (ours uses its default parallelism, the processor
 * count; Duke's {@code Processor.setThreads}). The machine is shared and small: times are indicative,
 * compare their ratio.
 */
public final class DukeBaseline {
  private DukeBaseline() {}

  static final long SYNTHETIC_SEED = 42;
  static final long HOLDOUT_SEED = 20240611L;

  /**
   * Duke's configuration for {@code SyntheticContacts}-kind data, found by {@link DukeTuning} on seed 7
   * at 30,000 rows (cluster-pairwise F1 0.9464 there). Fuzzy search added 0.005 of that F1 and costs about
   * five times the run time; {@code --duke-fuzzy false} turns it off, as for 300,000 rows.
   */
  static DukeSetup tunedSynthetic() {
    return new DukeSetup(0.99, 50, 0.0f, true, List.of(
        new Prop("FIRST", "jw", 0.15, 0.9, true),
        new Prop("LAST", "wlev", 0.1, 0.85, true),
        new Prop("EMAIL", "exact", 0.45, 0.99, true),
        new Prop("PHONE", "lev", 0.5, 0.85, true),
        new Prop("COMPANY", "qgram", 0.5, 0.65, false),
        new Prop("CITY", "exact", 0.3, 0.7, false),
        new Prop("NAME", "pname", 0.48, 0.8, false)),
        true, true, 10);
  }

  /**
   * Duke's configuration for {@code HoldoutContacts}-kind exports, found by {@link DukeTuning} on
   * Salesforce-format data of seed 7 at 30,000 rows (F1 0.9233 there; 0.9213 without fuzzy search).
   */
  static DukeSetup tunedHoldout() {
    return new DukeSetup(0.993, 50, 0.0f, true, List.of(
        new Prop("FIRST", "exact", 0.35, 0.8, true),
        new Prop("LAST", "qgram", 0.45, 0.9, true),
        new Prop("EMAIL", "exact", 0.4, 0.99, true),
        new Prop("PHONE", "lev", 0.4, 0.85, true),
        new Prop("COMPANY", "exact", 0.35, 0.75, false),
        new Prop("CITY", "lev", 0.4, 0.55, false),
        new Prop("NAME", "pname", 0.48, 0.85, false),
        new Prop("TITLE", "exact", 0.4, 0.9, false),
        new Prop("STATE", "exact", 0.45, 0.5, false)),
        true, true, 10);
  }

  /**
   * One dataset in both engines' input forms.
   *
   * @param name synthetic, holdout-salesforce or holdout-hubspot
   * @param records our engine's input
   * @param schema our engine's field mapping, null for the default contact schema
   * @param duke Duke's input, one row per record
   * @param truth person by record id
   */
  record Data(String name, List<DedupeRecord> records, @Nullable RecordSchema schema, List<DukeRow> duke,
      Map<String, String> truth) {}

  /** Generates {@code kind} data of {@code size} rows; holdout data go through a CSV file in {@code dir}. */
  static Data load(String kind, int size, long seed, Path dir) {
    if (kind.equals("synthetic")) {
      SyntheticContacts.Dataset d = SyntheticContacts.generate(size, seed);
      List<DukeRow> rows = new ArrayList<>(d.records().size());
      for (DedupeRecord r : d.records()) {
        Map<String, List<String>> raw = new HashMap<>();
        put(raw, "FIRST", r.get(Contact.Fields.FIRST_NAME));
        put(raw, "LAST", r.get(Contact.Fields.LAST_NAME));
        put(raw, "EMAIL", r.get(Contact.Fields.EMAIL));
        put(raw, "COMPANY", r.get(Contact.Fields.COMPANY));
        put(raw, "PHONE", r.get(Contact.Fields.PHONE));
        put(raw, "CITY", r.get(Contact.Fields.CITY));
        rows.add(new DukeRow(r.id(), raw));
      }
      return new Data(kind, d.records(), null, rows, d.truth());
    }
    HoldoutContacts.Format format = switch (kind) {
      case "holdout-salesforce" -> HoldoutContacts.Format.SALESFORCE;
      case "holdout-hubspot" -> HoldoutContacts.Format.HUBSPOT;
      default -> throw new IllegalArgumentException("unknown data " + kind);
    };
    try {
      Path csv = dir.resolve(kind + "-" + size + "-" + seed + ".csv");
      Path truthFile = dir.resolve(kind + "-" + size + "-" + seed + "-truth.csv");
      HoldoutContacts.Dataset generated = HoldoutContacts.generate(size, seed, format);
      generated.writeCsv(csv);
      generated.writeTruth(truthFile);
      generated = null;
      CsvTable table;
      try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
        table = CsvTable.read(r, ',');
      }
      List<String> header = table.header();
      RecordSchema schema = RecordSchema.detect(header);
      CsvTable.Records read = table.toRecords(schema, header.get(0));
      // Duke's columns, mapped by hand by position in the export (the same in both formats)
      String[] dukeProperty = {null, "FIRST", "LAST", "TITLE", "EMAIL", "COMPANY", "PHONE", "PHONE", "CITY", "STATE",
          null};
      List<DukeRow> rows = new ArrayList<>(table.rows().size());
      for (CsvTable.Row row : table.rows()) {
        Map<String, List<String>> raw = new HashMap<>();
        List<String> v = row.values();
        for (int k = 1; k < v.size() && k < dukeProperty.length; k++) {
          if (dukeProperty[k] != null) {
            put(raw, dukeProperty[k], v.get(k));
          }
        }
        rows.add(new DukeRow(v.get(0), raw));
      }
      Map<String, String> truth = new HashMap<>();
      try (Reader r = Files.newBufferedReader(truthFile, StandardCharsets.UTF_8)) {
        for (HoldoutContacts.RecordTruth t : HoldoutContacts.readTruth(r)) {
          truth.put(t.recordId(), t.personId());
        }
      }
      if (read.records().size() != rows.size() || !read.rejected().isEmpty() || !table.malformed().isEmpty()) {
        throw new IllegalStateException("CSV read lost rows: " + read.records().size() + " records, " + rows.size()
            + " rows");
      }
      Files.delete(csv);
      Files.delete(truthFile);
      return new Data(kind, read.records(), schema, rows, truth);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void put(Map<String, List<String>> raw, String property, @Nullable String value) {
    if (value != null && !value.isBlank()) {
      raw.computeIfAbsent(property, k -> new ArrayList<>()).add(value);
    }
  }

  /**
   * What Duke found.
   *
   * @param clusterOf cluster id by record id, after transitive closure of the match pairs
   * @param pairs distinct record pairs Duke reported as matches
   * @param comparisons record comparisons Duke made
   * @param seconds from raw rows to clusters: cleaning, indexing, matching, closure
   */
  record DukeOutcome(Map<String, String> clusterOf, long pairs, long comparisons, double seconds,
      Map<Long, Double> confidences, List<String> ids) {

    /** The clusters Duke would have made with a higher threshold: its pairs above {@code t}, closed. */
    Map<String, String> clustersAbove(double t) {
      return close(ids, confidences, t);
    }
  }

  private static Map<String, String> close(List<String> ids, Map<Long, Double> confidences, double t) {
    int[] parent = new int[ids.size()];
    Arrays.setAll(parent, k -> k);
    confidences.forEach((p, c) -> {
      if (c > t) {
        union(parent, (int) (p >>> 32), (int) (long) p);
      }
    });
    Map<String, String> clusterOf = new HashMap<>(ids.size() * 2);
    for (int k = 0; k < ids.size(); k++) {
      clusterOf.put(ids.get(k), ids.get(find(parent, k)));
    }
    return clusterOf;
  }

  /** Runs Duke 1.2 in deduplication mode over {@code rows}. */
  static DukeOutcome runDuke(DukeSetup setup, List<DukeRow> rows, int threads) {
    long t0 = System.nanoTime();
    ConfigurationImpl config = setup.configuration();
    List<Record> records = new ArrayList<>(rows.size());
    Map<String, Integer> index = new HashMap<>(rows.size() * 2);
    for (DukeRow row : rows) {
      index.put(row.id(), records.size());
      records.add(setup.record(row));
    }
    Processor processor = new Processor(config, config.getDatabase(true));
    processor.setThreads(threads);
    PairCollector pairs = new PairCollector(index);
    processor.addMatchListener(pairs);
    processor.deduplicate(records);
    long comparisons = processor.getComparisonCount();
    processor.close();
    List<String> ids = new ArrayList<>(rows.size());
    rows.forEach(r -> ids.add(r.id()));
    Map<String, String> clusterOf = close(ids, pairs.pairs, -1);
    return new DukeOutcome(clusterOf, pairs.pairs.size(), comparisons, (System.nanoTime() - t0) / 1e9, pairs.pairs,
        ids);
  }

  static int find(int[] parent, int k) {
    while (parent[k] != k) {
      parent[k] = parent[parent[k]];
      k = parent[k];
    }
    return k;
  }

  static void union(int[] parent, int a, int b) {
    int ra = find(parent, a);
    int rb = find(parent, b);
    if (ra != rb) {
      parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }

  /** Collects Duke's match pairs as (smaller index << 32 | larger index); called from Duke's threads. */
  private static final class PairCollector extends AbstractMatchListener {
    private final Map<String, Integer> index;
    final Map<Long, Double> pairs = new HashMap<>();

    PairCollector(Map<String, Integer> index) {
      this.index = index;
    }

    @Override
    public void matches(Record r1, Record r2, double confidence) {
      int a = index.get(r1.getValue(DukeSetup.ID));
      int b = index.get(r2.getValue(DukeSetup.ID));
      long key = ((long) Math.min(a, b) << 32) | Math.max(a, b);
      synchronized (pairs) {
        pairs.merge(key, confidence, Math::max);
      }
    }
  }

  /**
   * Where the two engines disagree: true pairs only one of them joins, false pairs only one of them
   * makes, with a few examples of each, as Duke sees the rows.
   */
  private static void compareEngines(Data data, Map<String, String> ours, Map<String, String> duke, int examples,
      PrintStream out) {
    Map<String, Integer> index = new HashMap<>();
    for (DukeRow r : data.duke()) {
      index.put(r.id(), index.size());
    }
    Set<Long> truth = pairsOf(data.truth(), index);
    Set<Long> o = pairsOf(ours, index);
    Set<Long> d = pairsOf(duke, index);
    long both = 0;
    List<Long> onlyOurs = new ArrayList<>();
    List<Long> onlyDuke = new ArrayList<>();
    for (long p : truth) {
      boolean inO = o.contains(p);
      boolean inD = d.contains(p);
      if (inO && inD) {
        both++;
      } else if (inO) {
        onlyOurs.add(p);
      } else if (inD) {
        onlyDuke.add(p);
      }
    }
    List<Long> falseOurs = new ArrayList<>();
    List<Long> falseDuke = new ArrayList<>();
    long falseBoth = 0;
    for (long p : o) {
      if (!truth.contains(p)) {
        if (d.contains(p)) {
          falseBoth++;
        } else {
          falseOurs.add(p);
        }
      }
    }
    for (long p : d) {
      if (!truth.contains(p) && !o.contains(p)) {
        falseDuke.add(p);
      }
    }
    out.printf(Locale.ROOT, "  true pairs %,d: both engines %,d, only ours %,d, only Duke %,d, neither %,d%n", truth.size(),
        both, onlyOurs.size(), onlyDuke.size(), truth.size() - both - onlyOurs.size() - onlyDuke.size());
    out.printf(Locale.ROOT, "  false pairs: both engines %,d, only ours %,d, only Duke %,d%n", falseBoth, falseOurs.size(),
        falseDuke.size());
    examples(out, "true pairs only Duke joins", onlyDuke, data, examples);
    examples(out, "true pairs only ours joins", onlyOurs, data, examples);
    examples(out, "false pairs only Duke makes", falseDuke, data, examples);
    examples(out, "false pairs only ours makes", falseOurs, data, examples);
  }

  private static void examples(PrintStream out, String title, List<Long> pairs, Data data, int n) {
    if (n == 0 || pairs.isEmpty()) {
      return;
    }
    List<Long> sorted = new ArrayList<>(pairs);
    sorted.sort(null);
    out.println("  " + title + ":");
    for (int k = 0; k < n && k < sorted.size(); k++) {
      long p = sorted.get((int) ((long) k * sorted.size() / n));
      out.println("    " + rowText(data.duke().get((int) (p >>> 32))));
      out.println("    " + rowText(data.duke().get((int) p)) + "\n");
    }
  }

  private static String rowText(DukeRow r) {
    StringBuilder b = new StringBuilder(r.id()).append(':');
    for (String p : List.of("FIRST", "LAST", "EMAIL", "COMPANY", "PHONE", "CITY", "TITLE", "STATE")) {
      if (!r.values(p).isEmpty()) {
        b.append(' ').append(String.join(" / ", r.values(p))).append(" |");
      }
    }
    return b.toString();
  }

  /** Pairs of records in the same group, as (smaller index << 32 | larger); groups over 2,000 are skipped. */
  private static Set<Long> pairsOf(Map<String, String> groupOf, Map<String, Integer> index) {
    Map<String, List<Integer>> groups = new HashMap<>();
    groupOf.forEach((id, g) -> groups.computeIfAbsent(g, k -> new ArrayList<>()).add(index.get(id)));
    Set<Long> pairs = new HashSet<>();
    for (List<Integer> g : groups.values()) {
      if (g.size() > 2_000) {
        continue;
      }
      for (int x = 0; x < g.size(); x++) {
        for (int y = x + 1; y < g.size(); y++) {
          int a = Math.min(g.get(x), g.get(y));
          int b = Math.max(g.get(x), g.get(y));
          pairs.add(((long) a << 32) | b);
        }
      }
    }
    return pairs;
  }

  public static void main(String[] args) throws IOException {
    int[] sizes = {30_000, 300_000};
    List<String> kinds = List.of("synthetic", "holdout-salesforce", "holdout-hubspot");
    int threads = Runtime.getRuntime().availableProcessors();
    int examples = 3;
    @Nullable Boolean fuzzy = null;
    @Nullable Long seedOverride = null;
    double[] sweep = {};
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--examples" -> examples = Integer.parseInt(args[++a]);
        case "--duke-fuzzy" -> fuzzy = Boolean.parseBoolean(args[++a]);
        case "--seed" -> seedOverride = Long.parseLong(args[++a]);
        case "--duke-thresholds" -> sweep = Arrays.stream(args[++a].split(",")).mapToDouble(Double::parseDouble).toArray();
        case "--sizes" -> sizes = Arrays.stream(args[++a].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--data" -> {
          String d = args[++a];
          kinds = d.equals("all") ? kinds : List.of(d.split(","));
        }
        case "--threads" -> threads = Integer.parseInt(args[++a]);
        default -> throw new IllegalArgumentException("unknown argument " + args[a]
            + " (use --sizes N,M --data synthetic|holdout-salesforce|holdout-hubspot|all --threads T --examples K --duke-fuzzy true|false --seed S --duke-thresholds T,U)");
      }
    }
    PrintStream out = System.out;
    Path dir = Files.createTempDirectory("duke-baseline");
    out.printf(Locale.ROOT, "java %s, %d processors, max heap %d MB; %d threads for both engines%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, threads);
    if (fuzzy != null) {
      out.println("Duke's fuzzy-search set to " + fuzzy + " for this run, whatever the presets say");
    }
    out.println("Duke 1.2 configuration for synthetic data:\n  " + tunedSynthetic().describe().replace("\n", "\n  "));
    out.println("Duke 1.2 configuration for holdout exports:\n  " + tunedHoldout().describe().replace("\n", "\n  "));
    List<String> table = new ArrayList<>();
    for (String kind : kinds) {
      for (int size : sizes) {
        long seed = seedOverride != null ? seedOverride : kind.equals("synthetic") ? SYNTHETIC_SEED : HOLDOUT_SEED;
        Data data = load(kind, size, seed, dir);
        out.printf(Locale.ROOT, "%n=== %s, %,d rows, seed %d%n", kind, size, seed);

        DataQualityEngine.Builder builder = DataQualityEngine.builder().parallelism(threads);
        if (data.schema() != null) {
          builder.schema(data.schema());
        }
        DataQualityEngine engine = builder.build();
        System.gc();
        long t0 = System.nanoTime();
        DedupeResult ours = engine.deduplicate(data.records());
        double oursSeconds = (System.nanoTime() - t0) / 1e9;
        PairwiseMetrics om = ours.evaluate(data.truth());
        Map<String, String> ourClusters = ours.clusterIds();
        ours = null;
        out.printf(Locale.ROOT, "  ours: %.1f s; %s%n", oursSeconds, om);

        DukeSetup setup = kind.equals("synthetic") ? tunedSynthetic() : tunedHoldout();
        if (fuzzy != null) {
          setup = setup.withSearch(setup.maxSearchHits(), setup.minRelevance(), fuzzy);
        }
        System.gc();
        DukeOutcome duke = runDuke(setup, data.duke(), threads);
        PairwiseMetrics dm = PairwiseMetrics.evaluate(duke.clusterOf(), data.truth());
        out.printf(Locale.ROOT, "  duke: %.1f s; %,d match pairs, %,d comparisons; %s%n", duke.seconds(),
            duke.pairs(), duke.comparisons(), dm);
        for (double t : sweep) {
          // Duke reports every pair above its threshold, so a higher one only filters them
          out.printf(Locale.ROOT, "  duke at threshold %s instead of %s: %s%n", t, setup.threshold(),
              PairwiseMetrics.evaluate(duke.clustersAbove(t), data.truth()));
        }
        compareEngines(data, ourClusters, duke.clusterOf(), examples, out);
        table.add(String.format(Locale.ROOT, "%-18s %,9d | %.4f %.4f %.4f %7.1f | %.4f %.4f %.4f %7.1f | %,9d",
            kind, size, om.precision(), om.recall(), om.f1(), oursSeconds, dm.precision(), dm.recall(), dm.f1(),
            duke.seconds(), duke.pairs()));
      }
    }
    out.printf(Locale.ROOT, "%n%-18s %9s | %-6s %-6s %-6s %7s | %-6s %-6s %-6s %7s | %9s%n", "data", "rows", "our P",
        "R", "F1", "s", "Duke P", "R", "F1", "s", "Duke pairs");
    table.forEach(out::println);
  }
}

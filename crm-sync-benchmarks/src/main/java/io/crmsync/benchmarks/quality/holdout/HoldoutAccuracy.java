package io.crmsync.benchmarks.quality.holdout;

import io.crmsync.benchmarks.quality.holdout.HoldoutContacts.Dataset;
import io.crmsync.benchmarks.quality.holdout.HoldoutContacts.Format;
import io.crmsync.benchmarks.quality.holdout.HoldoutContacts.RecordTruth;
import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.CsvTable;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.PairExplanation;
import io.crmsync.quality.PairwiseMetrics;
import io.crmsync.quality.RecordSchema;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures {@link DataQualityEngine} on {@link HoldoutContacts} exports as a user would: write the CSV,
 * read it with {@link CsvTable}, map columns with {@link RecordSchema#detect}, deduplicate with the
 * default configuration, then score pairwise precision, recall and F1 against the truth file and say
 * which noise the missed and false pairs come from, with a few explained examples.
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -B -o -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -Xmx4g -cp crm-sync-benchmarks/target/benchmarks.jar \
 *     io.crmsync.benchmarks.quality.holdout.HoldoutAccuracy [--sizes 30000,300000] [--seed 20240611]
 *     [--format salesforce|hubspot] [--dir DIR] [--examples 4] [--top 20]
 * </pre>
 *
 * <p>To score the CLI on the same file instead, generate with {@code --dir DIR --generate-only}, run
 * {@code java -jar crm-sync-cli/target/crm-sync.jar dedupe --input DIR/holdout-30000.csv --output
 * DIR/cli-30000.csv --id-column "Contact ID"}, then {@code HoldoutAccuracy --score-cli DIR/cli-30000.csv
 * --truth DIR/holdout-30000-truth.csv}.
 *
 * <p>The machine is shared and small: one run per size, timings are indicative.
 */
public final class HoldoutAccuracy {
  private HoldoutAccuracy() {}

  public static void main(String[] args) throws IOException {
    int[] sizes = {30_000, 300_000};
    long seed = 20240611L;
    Format format = Format.SALESFORCE;
    Path dir = null;
    int examples = 4;
    int top = 20;
    boolean generateOnly = false;
    Path scoreCli = null;
    Path truthFile = null;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--sizes" -> sizes = Arrays.stream(args[++a].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seed" -> seed = Long.parseLong(args[++a]);
        case "--format" -> format = Format.valueOf(args[++a].toUpperCase(Locale.ROOT));
        case "--dir" -> dir = Path.of(args[++a]);
        case "--examples" -> examples = Integer.parseInt(args[++a]);
        case "--top" -> top = Integer.parseInt(args[++a]);
        case "--generate-only" -> generateOnly = true;
        case "--score-cli" -> scoreCli = Path.of(args[++a]);
        case "--truth" -> truthFile = Path.of(args[++a]);
        default -> throw new IllegalArgumentException("unknown argument " + args[a] + " (use --sizes N,M --seed S"
            + " --format salesforce|hubspot --dir DIR --examples K --top K --generate-only"
            + " | --score-cli CLUSTERS.csv --truth TRUTH.csv)");
      }
    }
    PrintStream out = System.out;
    if (scoreCli != null) {
      if (truthFile == null) {
        throw new IllegalArgumentException("--score-cli needs --truth");
      }
      scoreCli(scoreCli, truthFile, top, out);
      return;
    }
    if (dir == null) {
      dir = Files.createTempDirectory("holdout");
    }
    Files.createDirectories(dir);
    out.printf(Locale.ROOT, "java %s, %d processors, max heap %d MB; seed %d, format %s, files in %s%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, seed, format, dir);
    for (int size : sizes) {
      Path csv = dir.resolve("holdout-" + size + ".csv");
      Path truth = dir.resolve("holdout-" + size + "-truth.csv");
      long g0 = System.nanoTime();
      Dataset data = HoldoutContacts.generate(size, seed, format);
      data.writeCsv(csv);
      data.writeTruth(truth);
      out.printf(Locale.ROOT, "%n=== %,d rows (%s), generated in %.1f s%n", size, format, (System.nanoTime() - g0) / 1e9);
      printProfile(data, out);
      data = null;
      if (!generateOnly) {
        run(csv, truth, examples, top, out);
      }
    }
  }

  private static void printProfile(Dataset data, PrintStream out) {
    Map<String, Long> people = new HashMap<>();
    for (RecordTruth t : data.truth()) {
      people.merge(t.personId(), 1L, Long::sum);
    }
    long[] bySize = new long[8];
    people.values().forEach(n -> bySize[(int) Math.min(n, 7)]++);
    out.printf(Locale.ROOT, "  people %,d; records per person 1:%,d 2:%,d 3:%,d 4:%,d 5+:%,d%n", people.size(),
        bySize[1], bySize[2], bySize[3], bySize[4], bySize[5] + bySize[6] + bySize[7]);
    Map<String, Long> p = new TreeMap<>(HoldoutContacts.profile(data));
    StringBuilder b = new StringBuilder("  record noise (% of rows):");
    int n = 0;
    for (Map.Entry<String, Long> e : p.entrySet()) {
      b.append(n++ % 6 == 0 ? "\n    " : "  ").append(String.format(Locale.ROOT, "%s %.1f", e.getKey(),
          PairDiagnosis.pct(e.getValue(), data.truth().size())));
    }
    out.println(b);
  }

  private static void run(Path csv, Path truthFile, int examples, int top, PrintStream out) throws IOException {
    long r0 = System.nanoTime();
    CsvTable table;
    try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      table = CsvTable.read(r, ',');
    }
    List<String> header = table.header();
    RecordSchema schema = RecordSchema.detect(header);
    String idColumn = header.get(0);
    CsvTable.Records read = table.toRecords(schema, idColumn);
    double readSeconds = (System.nanoTime() - r0) / 1e9;
    StringBuilder mapped = new StringBuilder();
    List<String> unmapped = new ArrayList<>();
    for (String h : header) {
      String role = null;
      for (RecordSchema.Field f : schema.fields()) {
        if (f.name().equals(h)) {
          role = f.role().name().toLowerCase(Locale.ROOT);
        }
      }
      if (role != null) {
        mapped.append(mapped.length() == 0 ? "" : ", ").append(h).append(" as ").append(role);
      } else if (!h.equals(idColumn)) {
        FieldRole guess = RecordSchema.roleOfHeader(h);
        unmapped.add(guess == null ? h : h + " (" + guess.name().toLowerCase(Locale.ROOT) + ", not first)");
      }
    }
    out.printf(Locale.ROOT, "  detect: %s%n  not compared: %s%n", mapped, unmapped);
    out.printf(Locale.ROOT, "  read %,d records in %.1f s; %,d malformed, %,d rejected%n", read.records().size(),
        readSeconds, table.malformed().size(), read.rejected().size());
    for (CsvTable.MalformedRow m : table.malformed().subList(0, Math.min(3, table.malformed().size()))) {
      out.println("    malformed line " + m.line() + ": " + m.reason());
    }
    for (CsvTable.MalformedRow m : read.rejected().subList(0, Math.min(3, read.rejected().size()))) {
      out.println("    rejected line " + m.line() + ": " + m.reason());
    }
    Map<String, List<String>> rows = new HashMap<>();
    for (CsvTable.Row row : table.rows()) {
      rows.put(row.values().get(0), row.values());
    }
    table = null;

    DataQualityEngine engine = DataQualityEngine.builder().schema(schema).build();
    List<DedupeRecord> records = read.records();
    read = null;
    System.gc();
    long t0 = System.nanoTime();
    DedupeResult result = engine.deduplicate(records);
    double seconds = (System.nanoTime() - t0) / 1e9;
    records = null;

    List<RecordTruth> truth;
    try (Reader r = Files.newBufferedReader(truthFile, StandardCharsets.UTF_8)) {
      truth = HoldoutContacts.readTruth(r);
    }
    Map<String, String> truthMap = new HashMap<>();
    for (RecordTruth t : truth) {
      truthMap.put(t.recordId(), t.personId());
    }
    PairwiseMetrics m = result.evaluate(truthMap);
    DedupeStats s = result.stats();
    out.printf(Locale.ROOT, "  deduplicate: %.1f s (phases ms %s), heap used after %,d MB%n", seconds,
        millis(s), (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
    out.printf(Locale.ROOT, "  %s%n", m);
    out.printf(Locale.ROOT, "  blocking keys %s%n", s.blockingKeys());
    out.printf(Locale.ROOT, "  blocks %,d (%,d oversized); candidate pairs %,d: %.1f per record (max %d); matched"
        + " %,d; clusters %,d (%,d with duplicates); merges refused: conflict %,d, size %,d%n", s.blocks(),
        s.oversizedBlocks(), s.candidatePairs(), s.meanCandidatesPerRecord(), s.maxCandidatesPerRecord(),
        s.matchedPairs(), s.clusters(), s.duplicateClusters(), s.mergesRefusedByConflict(), s.mergesRefusedBySize());
    out.printf(Locale.ROOT, "  model: %s%n", s.model().replace("\n", "\n    "));

    PairDiagnosis d = PairDiagnosis.of(truth, result.clusterIds(), result::isCandidatePair, examples);
    d.print(out, top, true);
    out.println("  examples of missed pairs (most frequent combinations first):");
    for (PairDiagnosis.Pair p : d.missedExamples(Math.max(1, top / 4))) {
      example(out, result, rows, header, p);
    }
    out.println("  examples of false pairs (most frequent relations first):");
    for (PairDiagnosis.Pair p : d.falseExamples(Math.max(1, top / 4))) {
      example(out, result, rows, header, p);
    }
  }

  private static void example(PrintStream out, DedupeResult result, Map<String, List<String>> rows,
      List<String> header, PairDiagnosis.Pair p) {
    out.printf(Locale.ROOT, "    [%s]%n", p.labels().get(0));
    out.printf(Locale.ROOT, "      %s%n      %s%n", rowText(rows.get(p.a()), header), rowText(rows.get(p.b()), header));
    PairExplanation e = result.explain(p.a(), p.b());
    StringBuilder b = new StringBuilder();
    for (ComparisonDetail c : e.comparisons()) {
      b.append(b.length() == 0 ? "" : "; ").append(c.name()).append(' ').append(c.level())
          .append(String.format(Locale.ROOT, " %+.1f", c.weight()))
          .append(c.note().isEmpty() ? "" : " (" + c.note() + ")");
    }
    out.printf(Locale.ROOT, "      compared %s, p=%.3f: %s%n      %s%n", result.isCandidatePair(p.a(), p.b()),
        e.matchProbability(), e.reason(), b);
  }

  private static String rowText(List<String> row, List<String> header) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < row.size(); k++) {
      if (!row.get(k).isEmpty() && k > 0) {
        b.append(b.length() == 0 ? "" : " | ").append(row.get(k));
      }
    }
    return row.get(0) + ": " + b;
  }

  /** Scores the id,cluster_id,is_master file of {@code crm-sync dedupe} against a truth file. */
  private static void scoreCli(Path clusters, Path truthFile, int top, PrintStream out) throws IOException {
    List<RecordTruth> truth;
    try (Reader r = Files.newBufferedReader(truthFile, StandardCharsets.UTF_8)) {
      truth = HoldoutContacts.readTruth(r);
    }
    CsvTable table;
    try (Reader r = Files.newBufferedReader(clusters, StandardCharsets.UTF_8)) {
      table = CsvTable.read(r, ',');
    }
    Map<String, String> predicted = new LinkedHashMap<>();
    for (CsvTable.Row row : table.rows()) {
      predicted.put(row.values().get(0), row.values().get(1));
    }
    Map<String, String> truthMap = new HashMap<>();
    List<RecordTruth> scored = new ArrayList<>();
    for (RecordTruth t : truth) {
      if (predicted.containsKey(t.recordId())) {
        truthMap.put(t.recordId(), t.personId());
        scored.add(t);
      }
    }
    out.printf(Locale.ROOT, "CLI output %s: %,d of %,d truth records present%n", clusters, predicted.size(),
        truth.size());
    out.printf(Locale.ROOT, "  %s%n", PairwiseMetrics.evaluate(predicted, truthMap));
    PairDiagnosis.of(scored, predicted, null, 0).print(out, top, false);
  }

  /** Wall time per phase in milliseconds, as {@code {normalize=1370, block=305, ...}}. */
  static String millis(DedupeStats s) {
    java.util.StringJoiner j = new java.util.StringJoiner(", ", "{", "}");
    s.phaseTimes().forEach((phase, time) -> j.add(phase.name().toLowerCase(Locale.ROOT) + "=" + time.toMillis()));
    return j.toString();
  }
}

package io.crmsync.cli;

import io.crmsync.quality.Cluster;
import io.crmsync.quality.CsvTable;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeListener;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.RecordSchema;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crm-sync dedupe}: deduplicates the records of a CSV file and writes which cluster each record
 * is in, and optionally the merged master of every cluster.
 */
@Command(
    name = "dedupe",
    mixinStandardHelpOptions = true,
    description = {
      "Deduplicates the rows of a CSV file (RFC 4180, first line the header) and writes id,cluster_id,is_master",
      "for every row. Columns named like email, first_name, last_name, name, company, phone, city, address, zip,",
      "dob, title, country, updated_at and source are recognised (several phone columns are one set of numbers); map",
      "others with --map ROLE=COLUMN. Progress and malformed rows",
      "(with their line numbers) go to stderr."
    })
final class DedupeCommand implements Callable<Integer> {

  @Option(names = "--input", required = true, description = "The CSV file to deduplicate.")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write id,cluster_id,is_master.")
  Path output;

  @Option(names = "--masters", description = "Also write the merged master of every cluster to this CSV file.")
  Path masters;

  @Option(names = "--id-column",
      description = "The column with record ids (default: a column named id, else the line number as line-N).")
  String idColumn;

  @Option(names = "--map", split = ",", paramLabel = "ROLE=COLUMN",
      description = "Gives a column a role, over what its name suggests: email, phone, first_name, last_name,"
          + " full_name, company, city, address, postcode, date, identifier, text, category, country, updated_at,"
          + " source."
          + " Repeat or separate with commas.")
  Map<String, String> mapping = new LinkedHashMap<>();

  @Option(names = "--ignore-column", split = ",", paramLabel = "COLUMN",
      description = "Columns not to compare even if their name suggests a role (they are still merged).")
  List<String> ignored = new ArrayList<>();

  @Option(names = "--mode", defaultValue = "probabilistic",
      description = "probabilistic (Fellegi-Sunter with EM, the default) or rules (the seed's recipe).")
  MatchMode mode;

  @Option(names = "--region", defaultValue = "US",
      description = "Region of phone numbers written without a country code (default: ${DEFAULT-VALUE}).")
  String region;

  @Option(names = "--delimiter", defaultValue = ",", description = "Field delimiter (default: '${DEFAULT-VALUE}').")
  char delimiter;

  @Option(names = "--fail-on-malformed",
      description = "Exit with status 1 when any row is malformed (they are always reported and left out).")
  boolean failOnMalformed;

  @Option(names = "--no-progress", description = "Do not report progress on stderr.")
  boolean noProgress;

  private final PrintStream err;

  DedupeCommand() {
    this(System.err);
  }

  DedupeCommand(PrintStream err) {
    this.err = err;
  }

  @Override
  public Integer call() {
    try {
      return run();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println("dedupe: " + e.getMessage());
      return 2;
    }
  }

  private int run() {
    long t0 = System.nanoTime();
    CsvTable table;
    try (Reader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      table = CsvTable.read(r, delimiter);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
    }
    String id = idColumn != null ? idColumn : table.header().contains("id") ? "id" : null;
    RecordSchema schema = schema(table.header(), id);
    CsvTable.Records read = table.toRecords(schema, id);
    List<CsvTable.MalformedRow> bad = new ArrayList<>(table.malformed());
    bad.addAll(read.rejected());
    bad.sort((a, b) -> Long.compare(a.line(), b.line()));
    for (CsvTable.MalformedRow m : bad) {
      err.println(input + ":" + m.line() + ": skipped: " + m.reason());
    }
    for (CsvTable.MalformedRow m : read.warnings()) {
      err.println(input + ":" + m.line() + ": warning: " + m.reason());
    }
    err.printf(Locale.ROOT, "read %,d records from %s (%,d rows skipped); comparing %s%n", read.records().size(),
        input, bad.size(), describe(schema));
    DataQualityEngine engine = DataQualityEngine.builder().schema(schema).mode(mode).defaultRegion(region).build();
    DedupeResult result = engine.deduplicate(read.records(), noProgress ? DedupeListener.NONE : new Progress(err));
    writeClusters(result, read.records());
    if (masters != null) {
      writeMasters(result, table.header(), id);
    }
    DedupeStats s = result.stats();
    err.printf(Locale.ROOT,
        "%,d records -> %,d clusters (%,d with duplicates); %,d pairs compared (%.1f per record); %.1f s%n",
        s.records(), s.clusters(), s.duplicateClusters(), s.candidatePairs(), s.meanCandidatesPerRecord(),
        (System.nanoTime() - t0) / 1e9);
    if (!bad.isEmpty()) {
      err.printf(Locale.ROOT, "%,d malformed rows were left out; see the lines above%n", bad.size());
    }
    return failOnMalformed && !bad.isEmpty() ? 1 : 0;
  }

  private RecordSchema schema(List<String> header, String id) {
    Map<FieldRole, String> explicit = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : mapping.entrySet()) {
      FieldRole role;
      try {
        role = FieldRole.valueOf(e.getKey().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("--map " + e.getKey() + "=" + e.getValue() + ": unknown role '"
            + e.getKey() + "' (use one of " + EnumSet.allOf(FieldRole.class).toString().toLowerCase(Locale.ROOT) + ")");
      }
      if (!header.contains(e.getValue())) {
        throw new IllegalArgumentException("--map " + e.getKey() + "=" + e.getValue() + ": column '" + e.getValue()
            + "' is not in the header " + header);
      }
      explicit.put(role, e.getValue());
    }
    for (String c : ignored) {
      if (!header.contains(c)) {
        throw new IllegalArgumentException("--ignore-column " + c + ": not in the header " + header);
      }
    }
    RecordSchema.Builder b = RecordSchema.builder();
    Set<String> used = new java.util.HashSet<>(explicit.values());
    Set<FieldRole> roles = EnumSet.noneOf(FieldRole.class);
    roles.addAll(explicit.keySet());
    explicit.forEach((role, column) -> b.field(column, role));
    for (String column : header) {
      FieldRole role = RecordSchema.roleOfHeader(column);
      // phones are the exception: Phone, Mobile and Home Phone are all compared, as one set of numbers
      if (role != null && (!roles.contains(role) || role == FieldRole.PHONE) && !used.contains(column)
          && !column.equals(id) && !ignored.contains(column)) {
        b.field(column, role);
        roles.add(role);
        used.add(column);
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no column to compare in " + header
          + ": name them like email, first_name, last_name, company, phone, city, or use --map ROLE=COLUMN");
    }
  }

  private static String describe(RecordSchema schema) {
    StringBuilder b = new StringBuilder();
    for (RecordSchema.Field f : schema.fields()) {
      b.append(b.length() == 0 ? "" : ", ").append(f.name()).append(" as ").append(f.role().name().toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }

  private void writeClusters(DedupeResult result, List<DedupeRecord> records) {
    try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
      w.write("id,cluster_id,is_master\n");
      for (DedupeRecord r : records) {
        Cluster c = result.clusterOf(r.id());
        w.write(csv(r.id()) + "," + csv(c.id()) + "," + c.masterId().equals(r.id()) + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
    }
  }

  private void writeMasters(DedupeResult result, List<String> header, String id) {
    List<String> fields = new ArrayList<>();
    for (String h : header) {
      if (!h.equals(id)) {
        fields.add(h);
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(masters, StandardCharsets.UTF_8)) {
      StringBuilder head = new StringBuilder("id,cluster_id,cluster_size");
      for (String f : fields) {
        head.append(',').append(csv(f));
      }
      w.write(head.append('\n').toString());
      for (Cluster c : result.clusters()) {
        StringBuilder line = new StringBuilder();
        line.append(csv(c.masterId())).append(',').append(csv(c.id())).append(',').append(c.size());
        for (String f : fields) {
          String v = c.merged().fields().get(f);
          line.append(',').append(v == null ? "" : csv(v));
        }
        w.write(line.append('\n').toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + masters + ": " + e.getMessage(), e);
    }
  }

  private String csv(String v) {
    if (v.indexOf(delimiter) < 0 && v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0
        && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  /** Phase lines on stderr, and the comparison phase in tenths. */
  private static final class Progress implements DedupeListener {
    private final PrintStream out;
    private volatile long total;
    private long lastTenth;

    Progress(PrintStream out) {
      this.out = out;
    }

    @Override
    public void phaseStarted(String phase, long workItems) {
      total = workItems;
      lastTenth = 0;
      out.printf(Locale.ROOT, "%s: %,d ...%n", phase, workItems);
    }

    @Override
    public synchronized void progress(String phase, long done) {
      long tenth = total <= 0 ? 10 : done * 10 / total;
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        out.printf(Locale.ROOT, "%s: %d%%%n", phase, tenth * 10);
      }
    }

    @Override
    public void phaseFinished(String phase, long millis) {
      out.printf(Locale.ROOT, "%s: done in %.1f s%n", phase, millis / 1000.0);
    }
  }
}

package io.crmsync.cli;

import io.crmsync.quality.Cluster;
import io.crmsync.quality.CsvTable;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeListener;
import io.crmsync.quality.DedupePhase;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.RecordSchema;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
      "Deduplicates the rows of a CSV file (RFC 4180, first line the header) and writes id,cluster_id,is_master"
          + " for every row. Columns named like email, first_name, last_name, name, company, phone, city, address,"
          + " zip, dob, title, country, updated_at and source are recognised (several phone columns are one set of"
          + " numbers); map others with --map ROLE=COLUMN. The delimiter (comma, semicolon, tab or bar) is read"
          + " from the header line unless --delimiter gives it. Progress and malformed rows (with their line"
          + " numbers) go to stderr.",
      "",
      "Malformed rows are reported one by one and left out; the run then still writes its files but exits with"
          + " status 2, so a script notices: --skip-malformed accepts them (status 0), --fail-on-malformed stops"
          + " before deduplicating and writes nothing. Output files are written whole or not at all.",
      "",
      "Exit status: 0 done; 1 the run failed (a file could not be written ...); 2 bad usage or input (a"
          + " missing or unreadable file, text not in the --encoding, no column to compare, malformed rows not"
          + " accepted).",
      ""
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
      description = "probabilistic (Fellegi-Sunter with EM, the default) or rules (same email, or names and"
          + " companies at least 0.85 alike by Jaro-Winkler).")
  MatchMode mode;

  @Option(names = "--region", defaultValue = "US",
      description = "Region of phone numbers written without a country code (default: ${DEFAULT-VALUE}).")
  String region;

  @Option(names = "--delimiter", paramLabel = "CHAR",
      description = "Field delimiter: one character, or tab (default: read from the header line: comma,"
          + " semicolon, tab or bar).")
  String delimiter;

  @Option(names = {"--encoding", "--charset"}, defaultValue = "UTF-8", paramLabel = "CHARSET",
      description = "The file's character encoding, such as windows-1252 or ISO-8859-1 (default: ${DEFAULT-VALUE}).")
  String encoding;

  @Option(names = "--fail-on-malformed",
      description = "Stop with status 2, writing nothing, when any row is malformed.")
  boolean failOnMalformed;

  @Option(names = "--skip-malformed",
      description = "Accept malformed rows: report and leave them out, and exit with status 0.")
  boolean skipMalformed;

  @Option(names = "--no-progress", description = "Do not report progress on stderr.")
  boolean noProgress;

  /** Exit statuses. */
  static final int OK = 0;
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;

  private final PrintStream err;

  DedupeCommand() {
    this(System.err);
  }

  DedupeCommand(PrintStream err) {
    this.err = err;
  }

  /** A run that stops with one line on stderr and an exit status. */
  private static final class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    Stop(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  @Override
  public Integer call() {
    try (Outputs outputs = new Outputs()) {
      return run(outputs);
    } catch (Stop e) {
      err.println("dedupe: " + e.getMessage());
      return e.status;
    } catch (IllegalArgumentException e) {
      err.println("dedupe: " + e.getMessage());
      return BAD_INPUT;
    } catch (UncheckedIOException e) {
      err.println("dedupe: failed: " + e.getMessage());
      return FAILED;
    } catch (OutOfMemoryError e) {
      err.println("dedupe: failed: out of memory; give Java more heap (java -Xmx4g -jar ...: about 1 GB a"
          + " quarter of a million rows)");
      return FAILED;
    } catch (RuntimeException e) {
      err.println("dedupe: failed: " + e);
      return FAILED;
    }
  }

  private int run(Outputs outputs) {
    long t0 = System.nanoTime();
    if (failOnMalformed && skipMalformed) {
      throw new Stop(BAD_INPUT, "--fail-on-malformed and --skip-malformed contradict each other: choose one");
    }
    Charset charset = charset();
    checkInput();
    // before reading a byte: whatever fails to be written later, fails now
    outputs.open("--output", output);
    if (masters != null) {
      outputs.open("--masters", masters);
    }
    char sep = delimiter();
    CsvTable table;
    try (InputStream in = Files.newInputStream(input)) {
      table = CsvTable.read(new BufferedInputStream(in, 1 << 16), charset, sep);
    } catch (IllegalArgumentException e) {
      throw new Stop(BAD_INPUT, input + ": " + e.getMessage()
          + (e.getMessage().contains("is not valid") ? " (use --encoding, such as --encoding windows-1252)" : ""));
    } catch (IOException e) {
      throw new Stop(BAD_INPUT, "cannot read " + input + ": " + e.getMessage());
    }
    String id = idColumn != null ? idColumn : table.header().contains("id") ? "id" : null;
    RecordSchema schema = schema(table.header(), id, sep);
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
    if (failOnMalformed && !bad.isEmpty()) {
      throw new Stop(BAD_INPUT, String.format(Locale.ROOT, "%,d malformed rows (see the lines above); nothing"
          + " written (--fail-on-malformed)", bad.size()));
    }
    err.printf(Locale.ROOT, "read %,d records from %s (%,d rows skipped); comparing %s%n", read.records().size(),
        input, bad.size(), describe(schema));
    DataQualityEngine engine;
    try {
      engine = DataQualityEngine.builder().schema(schema).mode(mode).defaultRegion(region).build();
    } catch (IllegalArgumentException e) {
      throw new Stop(BAD_INPUT, "--region " + region + ": not a region of phone numbers (use a two-letter ISO code"
          + " such as US, GB, DE)");
    }
    DedupeResult result = engine.deduplicate(read.records(), noProgress ? DedupeListener.NONE : new Progress(err));
    writeClusters(outputs.writer(output), result, read.records());
    if (masters != null) {
      writeMasters(outputs.writer(masters), result, table.header(), id);
    }
    outputs.commit();
    DedupeStats s = result.stats();
    err.printf(Locale.ROOT,
        "%,d records -> %,d clusters (%,d with duplicates); %,d pairs compared (%.1f per record); %.1f s%n",
        s.records(), s.clusters(), s.duplicateClusters(), s.candidatePairs(), s.meanCandidatesPerRecord(),
        (System.nanoTime() - t0) / 1e9);
    if (!bad.isEmpty()) {
      if (skipMalformed) {
        err.printf(Locale.ROOT, "%,d malformed rows were left out (accepted by --skip-malformed)%n", bad.size());
        return OK;
      }
      err.printf(Locale.ROOT, "%,d malformed rows were left out (see the lines above); exit status 2: fix them, or"
          + " accept them with --skip-malformed%n", bad.size());
      return BAD_INPUT;
    }
    return OK;
  }

  private Charset charset() {
    try {
      return Charset.forName(encoding);
    } catch (IllegalArgumentException e) {
      throw new Stop(BAD_INPUT, "--encoding " + encoding + ": not a character encoding this Java knows (such as"
          + " UTF-8, windows-1252, ISO-8859-1, UTF-16)");
    }
  }

  /** Says, before anything is written, why the input cannot be read as a CSV file, if it cannot. */
  private void checkInput() {
    if (!Files.exists(input)) {
      throw new Stop(BAD_INPUT, input + ": no such file");
    }
    if (Files.isDirectory(input)) {
      throw new Stop(BAD_INPUT, input + ": is a directory, not a CSV file");
    }
    if (!Files.isReadable(input)) {
      throw new Stop(BAD_INPUT, input + ": cannot be read (permission denied)");
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(input)) {
      head = in.readNBytes(8192);
    } catch (IOException e) {
      throw new Stop(BAD_INPUT, "cannot read " + input + ": " + e.getMessage());
    }
    String kind = binaryKind(head);
    if (kind != null) {
      throw new Stop(BAD_INPUT, input + ": " + kind + ", not CSV text; save or export it as CSV first");
    }
    if (input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())
        || masters != null && input.toAbsolutePath().normalize().equals(masters.toAbsolutePath().normalize())) {
      throw new Stop(BAD_INPUT, "--output and --masters must not be the input file " + input);
    }
    if (masters != null && output.toAbsolutePath().normalize().equals(masters.toAbsolutePath().normalize())) {
      throw new Stop(BAD_INPUT, "--output and --masters are the same file " + output);
    }
  }

  /** What a file that starts with {@code head} is when it is not text, or {@code null}. */
  static String binaryKind(byte[] head) {
    if (startsWith(head, 0x50, 0x4B, 0x03, 0x04)) {
      return "a ZIP archive (an Excel .xlsx workbook?)";
    }
    if (startsWith(head, 0xD0, 0xCF, 0x11, 0xE0)) {
      return "an old Office document (an Excel .xls workbook?)";
    }
    if (startsWith(head, 0x25, 0x50, 0x44, 0x46)) {
      return "a PDF document";
    }
    if (startsWith(head, 0x1F, 0x8B)) {
      return "a gzip archive";
    }
    boolean utf16 = startsWith(head, 0xFF, 0xFE) || startsWith(head, 0xFE, 0xFF);
    for (byte b : head) {
      if (b == 0 && !utf16) {
        return "a binary file (it holds NUL bytes)";
      }
    }
    return null;
  }

  private static boolean startsWith(byte[] head, int... magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int k = 0; k < magic.length; k++) {
      if ((head[k] & 0xFF) != magic[k]) {
        return false;
      }
    }
    return true;
  }

  /** The delimiter given, or the one the header line uses. */
  private char delimiter() {
    if (delimiter != null) {
      String d = delimiter.equalsIgnoreCase("tab") || delimiter.equals("\\t") ? "\t" : delimiter;
      if (d.length() != 1 || d.charAt(0) == '"' || d.charAt(0) == '\n' || d.charAt(0) == '\r') {
        throw new Stop(BAD_INPUT, "--delimiter " + delimiter + ": give one character other than a quote, or tab");
      }
      return d.charAt(0);
    }
    return CsvTable.sniffDelimiter(headerLine());
  }

  /** The file's first line, decoded leniently (for sniffing only). */
  private String headerLine() {
    try (InputStream in = Files.newInputStream(input)) {
      String head = new String(in.readNBytes(1 << 16), charset());
      int end = head.indexOf('\n');
      return end < 0 ? head : head.substring(0, end);
    } catch (IOException e) {
      throw new Stop(BAD_INPUT, "cannot read " + input + ": " + e.getMessage());
    }
  }

  private RecordSchema schema(List<String> header, String id, char sep) {
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
      if (header.size() == 1) {
        char other = CsvTable.sniffDelimiter(header.get(0));
        String hint = other != sep && header.get(0).indexOf(other) >= 0
            ? "; is the delimiter '" + (other == '\t' ? "tab" : String.valueOf(other)) + "'? use --delimiter "
                + (other == '\t' ? "tab" : "'" + other + "'")
            : "; is the delimiter another character? use --delimiter";
        throw new Stop(BAD_INPUT, input + ": the header has one column, " + header + hint);
      }
      throw new Stop(BAD_INPUT, "no column to compare in " + header
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

  private void writeClusters(Writer w, DedupeResult result, List<DedupeRecord> records) {
    try {
      w.write("id,cluster_id,is_master\n");
      for (DedupeRecord r : records) {
        Cluster c = result.clusterOf(r.id());
        w.write(csv(r.id(), ',') + "," + csv(c.id(), ',') + "," + c.masterId().equals(r.id()) + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
    }
  }

  private void writeMasters(Writer w, DedupeResult result, List<String> header, String id) {
    char sep = ',';
    List<String> fields = new ArrayList<>();
    for (String h : header) {
      if (!h.equals(id)) {
        fields.add(h);
      }
    }
    try {
      StringBuilder head = new StringBuilder("id").append(sep).append("cluster_id").append(sep).append("cluster_size");
      for (String f : fields) {
        head.append(sep).append(csv(f, sep));
      }
      w.write(head.append('\n').toString());
      for (Cluster c : result.clusters()) {
        StringBuilder line = new StringBuilder();
        line.append(csv(c.masterId(), sep)).append(sep).append(csv(c.id(), sep)).append(sep).append(c.size());
        for (String f : fields) {
          String v = c.merged().fields().get(f);
          line.append(sep).append(v == null ? "" : csv(v, sep));
        }
        w.write(line.append('\n').toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + masters + ": " + e.getMessage(), e);
    }
  }

  private static String csv(String v, char sep) {
    if (v.indexOf(sep) < 0 && v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0
        && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  /**
   * The output files, each written to a temporary file beside it and moved into place only when every
   * one was written: a failed run leaves none of them, and the files it would have replaced unchanged.
   * The temporary files are created before the input is read, so an unwritable place fails at once.
   */
  private final class Outputs implements AutoCloseable {
    private final Map<Path, Path> temps = new LinkedHashMap<>();
    private final Map<Path, Writer> writers = new LinkedHashMap<>();
    private boolean committed;

    void open(String option, Path target) {
      if (Files.isDirectory(target)) {
        throw new Stop(BAD_INPUT, option + " " + target + ": is a directory");
      }
      Path dir = target.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        throw new Stop(BAD_INPUT, option + " " + target + ": the folder " + dir + " does not exist");
      }
      try {
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        temps.put(target, temp);
        writers.put(target, Files.newBufferedWriter(temp, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new Stop(BAD_INPUT, option + " " + target + ": cannot write in " + dir + " (" + e + ")");
      }
    }

    Writer writer(Path target) {
      return writers.get(target);
    }

    /** Moves every file into place. */
    void commit() {
      try {
        for (Writer w : writers.values()) {
          w.close(); // a full disk shows here, before any file is moved
        }
        for (Map.Entry<Path, Path> e : temps.entrySet()) {
          if (!Files.isRegularFile(e.getValue())) {
            throw new IOException(e.getKey() + ": its temporary file " + e.getValue() + " is gone");
          }
        }
        for (Map.Entry<Path, Path> e : temps.entrySet()) {
          move(e.getValue(), e.getKey());
        }
        committed = true;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + e.getMessage(), e);
      }
    }

    private void move(Path from, Path to) throws IOException {
      try {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    }

    @Override
    public void close() {
      if (committed) {
        return;
      }
      for (Writer w : writers.values()) {
        try {
          w.close();
        } catch (IOException ignored) {
          // the run failed already; its temporary files go next
        }
      }
      for (Path temp : temps.values()) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: a leftover hidden .tmp file names itself
        }
      }
    }
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
    public void phaseStarted(DedupePhase phase, long workItems) {
      total = workItems;
      lastTenth = 0;
      out.printf(Locale.ROOT, "%s: %,d ...%n", name(phase), workItems);
    }

    private static String name(DedupePhase phase) {
      return phase.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized void progress(DedupePhase phase, long done) {
      long tenth = total <= 0 ? 10 : done * 10 / total;
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        out.printf(Locale.ROOT, "%s: %d%%%n", name(phase), tenth * 10);
      }
    }

    @Override
    public void phaseFinished(DedupePhase phase, Duration elapsed) {
      out.printf(Locale.ROOT, "%s: done in %.1f s%n", name(phase), elapsed.toMillis() / 1000.0);
    }
  }
}

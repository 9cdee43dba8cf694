package io.crmsync.quality;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.text.ParsePosition;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A CSV file read for deduplication: RFC 4180 (quoted fields may hold delimiters, doubled quotes and
 * line breaks), values trimmed. Rows that cannot be read (wrong number of columns, an unterminated
 * quote) are kept in {@link #malformed()} with their line number, never dropped silently.
 *
 * @param header column names, from the first line
 * @param rows the well-formed data rows
 * @param malformed rows that could not be read, with why
 */
public record CsvTable(List<String> header, List<Row> rows, List<MalformedRow> malformed) {

  /**
   * One data row.
   *
   * @param line the 1-based line on which the row starts
   * @param values one per header column, trimmed
   */
  public record Row(long line, List<String> values) {
    public Row {
      values = List.copyOf(values);
    }
  }

  /**
   * A row that was not used.
   *
   * @param line the 1-based line on which the row starts
   * @param reason why, naming the column where one is at fault
   */
  public record MalformedRow(long line, String reason) {
    public MalformedRow {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Records made from rows, the rows that could not become records, and the rows that became records
   * with a value left out.
   *
   * @param records one per usable row
   * @param rejected rows without an id or with a duplicate id
   * @param warnings rows kept as records without a value that could not be read: an update time in no
   *     known form (the record then has no update time; it is only used to choose masters)
   */
  public record Records(List<DedupeRecord> records, List<MalformedRow> rejected, List<MalformedRow> warnings) {
    public Records {
      records = List.copyOf(records);
      rejected = List.copyOf(rejected);
      warnings = List.copyOf(warnings);
    }
  }

  public CsvTable {
    header = List.copyOf(header);
    rows = List.copyOf(rows);
    malformed = List.copyOf(malformed);
  }

  /**
   * Reads a whole CSV file. Blank lines are skipped.
   *
   * @throws IllegalArgumentException if there is no header line, or the header names a column twice
   * @throws UncheckedIOException if reading fails
   */
  public static CsvTable read(Reader in, char delimiter) {
    Objects.requireNonNull(in, "in");
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("delimiter cannot be a quote or a line break: " + delimiter);
    }
    Parser p = new Parser(in, delimiter);
    List<String> header = null;
    List<Row> rows = new ArrayList<>();
    List<MalformedRow> bad = new ArrayList<>();
    try {
      while (p.next()) {
        if (p.blank()) {
          continue;
        }
        if (p.error != null) {
          bad.add(new MalformedRow(p.startLine, p.error));
          continue;
        }
        if (header == null) {
          header = List.copyOf(p.fields);
          Set<String> seen = new HashSet<>();
          for (String h : header) {
            if (!seen.add(h)) {
              throw new IllegalArgumentException("header line " + p.startLine + " names column '" + h + "' twice");
            }
          }
          continue;
        }
        if (p.fields.size() != header.size()) {
          bad.add(new MalformedRow(p.startLine,
              "expected " + header.size() + " columns but found " + p.fields.size()));
          continue;
        }
        rows.add(new Row(p.startLine, p.fields));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CSV at line " + p.line, e);
    }
    if (header == null) {
      throw new IllegalArgumentException("the CSV is empty: no header line");
    }
    return new CsvTable(header, rows, bad);
  }

  /** The index of {@code column} in the header, or -1. */
  public int columnIndex(String column) {
    return header.indexOf(column);
  }

  /**
   * Turns rows into records: every non-empty value becomes a field under its column name; the schema's
   * {@link FieldRole#UPDATED_AT} column (ISO-8601, or a form CRM exports and spreadsheets use: see
   * {@link Records#warnings()} for those it cannot read) and {@link
   * FieldRole#SOURCE} column fill {@link DedupeRecord#updatedAt()} and {@link DedupeRecord#source()}.
   *
   * @param idColumn the column holding record ids, or {@code null} to use line numbers ({@code line-12})
   * @throws IllegalArgumentException if {@code idColumn} or a schema field is not a column
   */
  public Records toRecords(RecordSchema schema, @Nullable String idColumn) {
    Objects.requireNonNull(schema, "schema");
    int idIndex = -1;
    if (idColumn != null) {
      idIndex = requireColumn(idColumn, "id column");
    }
    for (RecordSchema.Field f : schema.fields()) {
      requireColumn(f.name(), "column mapped to " + f.role());
    }
    String updatedField = schema.fieldFor(FieldRole.UPDATED_AT);
    int updatedIndex = updatedField == null ? -1 : header.indexOf(updatedField);
    String sourceField = schema.fieldFor(FieldRole.SOURCE);
    int sourceIndex = sourceField == null ? -1 : header.indexOf(sourceField);
    List<DedupeRecord> out = new ArrayList<>(rows.size());
    List<MalformedRow> rejected = new ArrayList<>();
    List<MalformedRow> warnings = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Row row : rows) {
      String id = idIndex < 0 ? "line-" + row.line() : row.values().get(idIndex);
      if (id.isEmpty()) {
        rejected.add(new MalformedRow(row.line(), "column " + idColumn + " (the id) is empty"));
        continue;
      }
      if (!ids.add(id)) {
        rejected.add(new MalformedRow(row.line(), "column " + idColumn + " repeats the id '" + id + "'"));
        continue;
      }
      Instant updated = null;
      if (updatedIndex >= 0 && !row.values().get(updatedIndex).isEmpty()) {
        String v = row.values().get(updatedIndex);
        updated = parseTime(v);
        if (updated == null) {
          warnings.add(new MalformedRow(row.line(), "column " + updatedField + " is not a time in a known form"
              + " (ISO-8601, 2023-03-14 10:22, 3/14/2023 10:22 AM, 14.03.2023): '" + v + "'; kept without it"));
        }
      }
      String source = sourceIndex < 0 || row.values().get(sourceIndex).isEmpty() ? null : row.values().get(sourceIndex);
      Map<String, String> fields = new LinkedHashMap<>();
      for (int c = 0; c < header.size(); c++) {
        if (c != idIndex && !row.values().get(c).isEmpty()) {
          fields.put(header.get(c), row.values().get(c));
        }
      }
      out.add(new DedupeRecord(id, fields, updated, source));
    }
    return new Records(out, rejected, warnings);
  }

  private int requireColumn(String column, String what) {
    int k = header.indexOf(column);
    if (k < 0) {
      throw new IllegalArgumentException(what + " '" + column + "' is not in the header " + header);
    }
    return k;
  }

  /**
   * Date-times as CRM exports write them, local times read as UTC: ISO-8601 instants, Salesforce's API
   * ({@code 2023-03-14T10:22:00.000+0000}) and report exports ({@code 3/14/2023 10:22 AM}, month first:
   * the US form), spreadsheets ({@code 2023-03-14 10:22}, {@code 14.03.2023}).
   */
  private static final List<TimeForm> TIMES = List.of(
      new TimeForm(DateTimeFormatter.ISO_INSTANT, true),
      new TimeForm(pattern("uuuu-MM-dd'T'HH:mm:ss[.SSS]XX"), true),
      new TimeForm(pattern("uuuu-MM-dd'T'HH:mm:ss[.SSS]XXX"), true),
      new TimeForm(pattern("uuuu-M-d[['T'][ ]H:mm[:ss][.SSS]]"), false),
      new TimeForm(pattern("M/d/uuuu[ h:mm[:ss] a]"), false),
      new TimeForm(pattern("M/d/uuuu H:mm[:ss]"), false),
      new TimeForm(pattern("d.M.uuuu[ H:mm[:ss]]"), false));

  /** A form of update time, and whether it carries its offset (else it is read as UTC). */
  private record TimeForm(DateTimeFormatter format, boolean zoned) {}

  private static DateTimeFormatter pattern(String p) {
    return new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(p).toFormatter(Locale.ROOT)
        .withResolverStyle(ResolverStyle.STRICT);
  }

  /**
   * The first form the whole value fits, checked without an exception per form tried (a file of a
   * million rows in the last form would otherwise throw six million); {@code null} if none fits or the
   * date does not exist (2/30/2023).
   */
  static @Nullable Instant parseTime(String raw) {
    String v = raw.trim();
    for (TimeForm form : TIMES) {
      ParsePosition at = new ParsePosition(0);
      TemporalAccessor fields = form.format().parseUnresolved(v, at);
      if (fields == null || at.getIndex() != v.length()) {
        continue;
      }
      try {
        if (form.zoned()) {
          return form.format().parse(v, Instant::from);
        }
        boolean time = fields.isSupported(ChronoField.HOUR_OF_DAY) || fields.isSupported(ChronoField.CLOCK_HOUR_OF_AMPM);
        return time ? form.format().parse(v, LocalDateTime::from).toInstant(ZoneOffset.UTC)
            : form.format().parse(v, LocalDate::from).atStartOfDay().toInstant(ZoneOffset.UTC);
      } catch (DateTimeException e) {
        // fits the form but names no real time (February 30th): try the next form
      }
    }
    return null;
  }

  /** RFC 4180 record reader that tracks physical line numbers. */
  private static final class Parser {
    private final Reader in;
    private final char delimiter;
    private final char[] buf = new char[8192];
    private int pos;
    private int len;
    private boolean eof;
    long line = 1;
    long startLine;
    final List<String> fields = new ArrayList<>();
    @Nullable String error;

    Parser(Reader in, char delimiter) {
      this.in = in;
      this.delimiter = delimiter;
    }

    private int read() throws IOException {
      if (pos == len) {
        if (eof) {
          return -1;
        }
        len = in.read(buf);
        pos = 0;
        if (len <= 0) {
          eof = true;
          len = 0;
          return -1;
        }
      }
      return buf[pos++];
    }

    private int peek() throws IOException {
      int c = read();
      if (c >= 0) {
        pos--;
      }
      return c;
    }

    boolean blank() {
      return error == null && fields.size() == 1 && fields.get(0).isEmpty();
    }

    /** Reads the next record; false at end of input. */
    boolean next() throws IOException {
      fields.clear();
      error = null;
      startLine = line;
      int c = read();
      if (c < 0) {
        return false;
      }
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      boolean wasQuoted = false;
      while (true) {
        if (quoted) {
          if (c < 0) {
            error = "a quoted field opened on line " + startLine + " never closes";
            fields.add(field.toString());
            return true;
          }
          if (c == '"') {
            if (peek() == '"') {
              read();
              field.append('"');
            } else {
              quoted = false;
            }
          } else {
            if (c == '\n') {
              line++;
            }
            field.append((char) c);
          }
        } else if (c < 0 || c == '\n' || c == '\r') {
          if (c == '\r' && peek() == '\n') {
            read();
          }
          if (c >= 0) {
            line++;
          }
          fields.add(wasQuoted ? field.toString().strip() : field.toString().strip());
          return true;
        } else if (c == delimiter) {
          fields.add(field.toString().strip());
          field.setLength(0);
          wasQuoted = false;
        } else if (c == '"' && field.toString().isBlank()) {
          field.setLength(0);
          quoted = true;
          wasQuoted = true;
        } else if (c == '"' && error == null) {
          error = "column " + (fields.size() + 1) + " has a quote inside an unquoted value";
          field.append((char) c);
        } else {
          field.append((char) c);
        }
        c = read();
      }
    }
  }
}

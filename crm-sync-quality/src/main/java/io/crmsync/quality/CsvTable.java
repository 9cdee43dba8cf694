package io.crmsync.quality;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
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
 * line breaks), values trimmed, a leading byte order mark ignored. Rows that cannot be read (wrong
 * number of columns, an unterminated quote) are kept in {@link #malformed()} with their line number,
 * never dropped silently, and one bad row costs only itself: when a row that runs over several lines
 * cannot be read (a quote that never closes, or that closes rows later so the row has the wrong number
 * of columns), only its first line is skipped and reading resumes on the next line.
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

  /** The longest quoted field read; a longer one is taken for a quote that never closes. */
  static final int MAX_QUOTED_CHARS = 1 << 20;

  /** The delimiters {@link #sniffDelimiter} recognises. */
  private static final String DELIMITERS = ",;\t|";

  /**
   * Reads a whole CSV file from bytes in {@code charset}, strictly: a byte sequence that is not valid in
   * that charset is reported with its line ({@code line 10 is not valid UTF-8}), never replaced.
   *
   * @throws IllegalArgumentException as {@link #read(Reader, char)}, or if the bytes are not text in
   *     {@code charset} (naming the line)
   * @throws UncheckedIOException if reading fails
   */
  public static CsvTable read(InputStream in, Charset charset, char delimiter) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(charset, "charset");
    return read(new StrictReader(in, charset), delimiter);
  }

  /**
   * The delimiter a header line uses: of comma, semicolon, tab and bar, the one that splits it into the
   * most columns outside quotes; a comma when none does.
   */
  public static char sniffDelimiter(String headerLine) {
    Objects.requireNonNull(headerLine, "headerLine");
    int[] counts = new int[DELIMITERS.length()];
    boolean quoted = false;
    for (int k = 0; k < headerLine.length(); k++) {
      char c = headerLine.charAt(k);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && DELIMITERS.indexOf(c) >= 0) {
        counts[DELIMITERS.indexOf(c)]++;
      }
    }
    int best = 0;
    for (int d = 1; d < counts.length; d++) {
      if (counts[d] > counts[best]) {
        best = d;
      }
    }
    return DELIMITERS.charAt(best);
  }

  /**
   * Reads a whole CSV file. Blank lines are skipped.
   *
   * @throws IllegalArgumentException if there is no header line, the header names a column twice, or
   *     the text holds a NUL character (a binary file)
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
          bad.add(new MalformedRow(p.startLine, giveUp(p, p.error)));
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
              giveUp(p, "expected " + header.size() + " columns but found " + p.fields.size())));
          continue;
        }
        rows.add(new Row(p.startLine, p.fields));
      }
    } catch (StrictReader.NotText e) {
      throw new IllegalArgumentException("line " + p.line + " is not valid " + e.charset + " (" + e.bytes
          + "): is the file in another encoding?", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CSV at line " + p.line + ": " + e.getMessage(), e);
    }
    if (header == null) {
      throw new IllegalArgumentException("the CSV is empty: no header line");
    }
    return new CsvTable(header, rows, bad);
  }

  /**
   * Why the record just read is unusable; when it runs over several lines (most likely a quote that
   * closes rows later), it is given up but for its first line, so the rows it swallowed are read again.
   */
  private static String giveUp(Parser p, String reason) {
    if (!p.spansLines()) {
      return reason;
    }
    String why = reason + " in a row that runs from line " + p.startLine + " to line " + p.endLine()
        + " (a quote that does not close on its line?); skipped line " + p.startLine + " alone and read on from"
        + " line " + (p.startLine + 1);
    p.resync();
    return why;
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

  /**
   * RFC 4180 record reader that tracks physical line numbers. While a record runs past its first line
   * (a quoted field with line breaks), the text after that line is kept, so that a record found
   * unreadable can be given up alone: {@link #resync} reads on from its second line.
   */
  private static final class Parser {
    private Reader in;
    private final char delimiter;
    private char[] buf = new char[8192];
    private int pos;
    private int len;
    private boolean eof;
    long line = 1;
    long startLine;
    final List<String> fields = new ArrayList<>();
    @Nullable String error;
    /** The text read since the current record's first line break, or null while it has none. */
    private @Nullable StringBuilder rest;

    Parser(Reader in, char delimiter) {
      this.in = in;
      this.delimiter = delimiter;
    }

    private boolean fill() throws IOException {
      if (pos < len) {
        return true;
      }
      if (eof) {
        return false;
      }
      len = in.read(buf);
      pos = 0;
      if (len <= 0) {
        eof = true;
        len = 0;
        return false;
      }
      return true;
    }

    private int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      char c = buf[pos++];
      if (c == 0) {
        throw new IllegalArgumentException("line " + line + " holds a NUL character: the file is binary, not CSV text");
      }
      if (rest != null) {
        rest.append(c);
      }
      return c;
    }

    private int peek() throws IOException {
      return fill() ? buf[pos] : -1;
    }

    boolean blank() {
      return error == null && fields.size() == 1 && fields.get(0).isEmpty();
    }

    /** Whether the record just read runs over more than one line. */
    boolean spansLines() {
      return rest != null;
    }

    /** The line on which the record just read ends. */
    long endLine() {
      return line - (eof && pos == len ? 0 : 1);
    }

    /** Gives up the record just read but its first line: the next record starts on the line after. */
    void resync() {
      StringBuilder text = rest;
      if (text == null) {
        return;
      }
      rest = null;
      String replay = text + new String(buf, pos, len - pos);
      in = new ChainedReader(new StringReader(replay), in);
      pos = 0;
      len = 0;
      eof = false;
      line = startLine + 1;
    }

    /** Reads the next record; false at end of input. */
    boolean next() throws IOException {
      fields.clear();
      error = null;
      rest = null;
      startLine = line;
      int c = read();
      if (c < 0) {
        return false;
      }
      if (startLine == 1 && c == '\uFEFF') {
        c = read(); // a byte order mark (spreadsheets write one)
      }
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      while (true) {
        if (quoted) {
          if (c < 0 || field.length() > MAX_QUOTED_CHARS) {
            error = c < 0
                ? "a quoted field opened on line " + startLine + " never closes"
                : "a quoted field opened on line " + startLine + " runs past " + MAX_QUOTED_CHARS
                    + " characters without closing";
            if (rest != null) {
              error += "; skipped line " + startLine + " alone and read on from line " + (startLine + 1);
              resync();
            } else {
              while (c >= 0 && c != '\n') { // one overlong line: skip the rest of it
                c = read();
              }
              line += c >= 0 ? 1 : 0;
            }
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
              if (rest == null) {
                rest = new StringBuilder();
              }
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
          fields.add(field.toString().strip());
          return true;
        } else if (c == delimiter) {
          fields.add(field.toString().strip());
          field.setLength(0);
        } else if (c == '"' && field.toString().isBlank()) {
          field.setLength(0);
          quoted = true;
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

  /** One reader, then another. */
  private static final class ChainedReader extends Reader {
    private final Reader first;
    private final Reader second;
    private boolean firstDone;

    ChainedReader(Reader first, Reader second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
      if (!firstDone) {
        int n = first.read(cbuf, off, len);
        if (n > 0) {
          return n;
        }
        firstDone = true;
      }
      return second.read(cbuf, off, len);
    }

    @Override
    public void close() throws IOException {
      second.close();
    }
  }

  /**
   * Decodes bytes strictly, handing out every character before a malformed sequence before it reports
   * that sequence, so the parser knows the line it is on.
   */
  private static final class StrictReader extends Reader {
    /** Bytes that are not text in the charset. */
    static final class NotText extends IOException {
      private static final long serialVersionUID = 1L;
      final String charset;
      final String bytes;

      NotText(String charset, String bytes) {
        super("not valid " + charset + ": " + bytes);
        this.charset = charset;
        this.bytes = bytes;
      }
    }

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    private boolean eof;
    private boolean flushed;
    private @Nullable NotText pending;

    StrictReader(InputStream in, Charset charset) {
      this.in = in;
      this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
      if (pending != null) {
        throw pending;
      }
      if (flushed) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      CharBuffer out = CharBuffer.wrap(cbuf, off, len);
      while (out.position() == off) {
        CoderResult r = decoder.decode(bytes, out, eof);
        if (r.isError()) {
          StringBuilder b = new StringBuilder(r.length() == 1 ? "byte" : "bytes");
          for (int k = 0; k < r.length(); k++) {
            b.append(String.format(Locale.ROOT, " 0x%02X", bytes.get(bytes.position() + k) & 0xFF));
          }
          NotText e = new NotText(decoder.charset().displayName(Locale.ROOT), b.toString());
          if (out.position() > off) {
            pending = e;
            break;
          }
          throw e;
        }
        if (r.isOverflow()) {
          break;
        }
        if (eof) {
          if (!flushed) {
            flushed = true;
            decoder.flush(out);
          }
          if (out.position() == off) {
            return -1;
          }
          break;
        }
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
          eof = true;
        } else {
          bytes.position(bytes.position() + n);
        }
        bytes.flip();
      }
      return out.position() - off;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}

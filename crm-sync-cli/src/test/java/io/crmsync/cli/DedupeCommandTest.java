package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.internal.SyntheticContacts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DedupeCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
    return new CommandLine(new DedupeCommand(stream)).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, String[]> rows(Path csv) throws IOException {
    Map<String, String[]> out = new HashMap<>();
    List<String> lines = Files.readAllLines(csv);
    for (String line : lines.subList(1, lines.size())) {
      String[] v = line.split(",");
      out.put(v[0], v);
    }
    return out;
  }

  @Test
  void writesClustersAndMastersAndReportsMalformedRowsByLine() throws IOException {
    Path in = dir.resolve("contacts.csv");
    Files.writeString(in, String.join("\n",
        "id,First Name,Surname,E-mail,Organisation,Telephone,Town,Last Modified,notes",
        "1,Robert,Quenby,robert.quenby+crm@zylofax.com,Zylofax Inc,(415) 555-0101,San Francisco,2024-01-01,",
        "2,Bob,Quenby,Robert.Quenby@zylofax.com,ZYLOFAX,+1 415 555 0101,,2024-06-01,\"met at \"\"expo\"\", 2024\"",
        "3,Ann,Other,info@zylofax.com,Zylofax Inc,(415) 555-0100,San Francisco,2023-01-01,",
        "4,Cy,Else,info@zylofax.com,Zylofax Inc,(415) 555-0100,San Francisco,2023-01-01,",
        "5,too,many,columns,here,x,y,z,w,extra",
        "6,Dee,Late,dee@x.com,X,,,not a date,",
        "7,\"Eve\nMultiline\",Quote,eve@y.com,Y,,,,",
        ""));
    Path out = dir.resolve("clusters.csv");
    Path masters = dir.resolve("masters.csv");
    int exit = run("--input", in.toString(), "--output", out.toString(), "--masters", masters.toString(),
        "--mode", "rules", "--no-progress");
    // the files are written, but a row was left out: the status says so
    assertThat(exit).isEqualTo(2);
    assertThat(stderr())
        .contains("contacts.csv:6: skipped: expected 9 columns but found 10")
        .contains("contacts.csv:7: warning: column Last Modified is not a time in a known form")
        .contains("1 malformed rows were left out (see the lines above); exit status 2")
        .contains("E-mail as email").contains("Telephone as phone");
    Map<String, String[]> clusters = rows(out);
    assertThat(Files.readAllLines(out).get(0)).isEqualTo("id,cluster_id,is_master");
    assertThat(clusters).containsOnlyKeys("1", "2", "3", "4", "6", "7"); // 6 kept without its update time
    assertThat(clusters.get("1")[1]).isEqualTo(clusters.get("2")[1]);
    assertThat(clusters.get("3")[1]).isNotEqualTo(clusters.get("4")[1]); // a shared info@ is no identity
    assertThat(clusters.get("2")[2]).isEqualTo("true"); // most recent
    List<String> masterLines = Files.readAllLines(masters);
    assertThat(masterLines.get(0)).isEqualTo(
        "id,cluster_id,cluster_size,First Name,Surname,E-mail,Organisation,Telephone,Town,Last Modified,notes");
    assertThat(masterLines).anySatisfy(l -> assertThat(l)
        .startsWith("2,1,2,Robert,Quenby,Robert.Quenby@zylofax.com,ZYLOFAX,+1 415 555 0101,San Francisco,2024-06-01,")
        .endsWith("\"met at \"\"expo\"\", 2024\""));
  }

  @Test
  void comparesEveryPhoneColumnAndReadsNumbersInTheRowsCountry() throws IOException {
    Path in = dir.resolve("export.csv");
    Files.writeString(in, String.join("\n",
        "Contact ID,First Name,Last Name,Phone,Mobile Phone,Mailing Country",
        "a,Olivia,Pendlebury,,020 7946 0018,United Kingdom",
        "b,Olivia,Pendlebury,+44 20 7946 0018,,",
        ""));
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--id-column", "Contact ID",
        "--no-progress")).isZero();
    assertThat(stderr()).contains("Phone as phone, Mobile Phone as phone, Mailing Country as country");
    Map<String, String[]> clusters = rows(out);
    assertThat(clusters.get("a")[1]).isEqualTo(clusters.get("b")[1]);
  }

  @Test
  void malformedRowsFailWithFailOnMalformedAndPassWithSkipMalformed() throws IOException {
    Path in = dir.resolve("bad.csv");
    Files.writeString(in, "id,email\n1,a@b.com\n2,c@d.com,extra\n");
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--fail-on-malformed", "--no-progress"))
        .isEqualTo(2);
    assertThat(stderr()).contains("bad.csv:3: skipped").contains("nothing written (--fail-on-malformed)");
    assertThat(out).doesNotExist();
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");

    assertThat(run("--input", in.toString(), "--output", out.toString(), "--skip-malformed", "--no-progress"))
        .isZero();
    assertThat(stderr()).contains("1 malformed rows were left out (accepted by --skip-malformed)");
    assertThat(rows(out)).containsOnlyKeys("1");
  }

  /** A quote that never closes cost 196 of 200 rows while stderr said "(1 rows skipped)" and the status was 0. */
  @Test
  void anUnbalancedQuoteCostsOnlyItsOwnRow() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("id,first_name,last_name,email,notes");
    for (int k = 1; k <= 200; k++) {
      String notes = k == 4 ? "\"unbalanced, says nothing more" : k == 150 ? "\"a \"\"quoted\"\" note\"" : "";
      lines.add(k + ",Ann" + k + ",Lee" + k + ",ann" + k + "@x" + k + ".com," + notes);
    }
    Path in = dir.resolve("quotes.csv");
    Files.write(in, lines);
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--no-progress")).isEqualTo(2);
    assertThat(stderr())
        .contains("quotes.csv:5: skipped: ")
        .contains("in a row that runs from line 5 to line 151 (a quote that does not close on its line?); skipped"
            + " line 5 alone and read on from line 6")
        .contains("read 199 records from " + in + " (1 rows skipped)")
        .contains("1 malformed rows were left out");
    assertThat(rows(out)).hasSize(199).doesNotContainKey("4").containsKeys("3", "5", "150", "200");

    // and when no later quote closes it, up to the end of the file
    lines.set(150, "150,Ann150,Lee150,ann150@x150.com,");
    Files.write(in, lines);
    err.reset();
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--no-progress")).isEqualTo(2);
    assertThat(stderr()).contains("quotes.csv:5: skipped: a quoted field opened on line 5 never closes; skipped line 5"
        + " alone and read on from line 6").contains("(1 rows skipped)");
    assertThat(rows(out)).hasSize(199);
  }

  @Test
  void saysWhichLineIsNotValidUtf8AndReadsOtherEncodings() throws IOException {
    StringBuilder text = new StringBuilder("id,first_name,last_name,email\n");
    for (int k = 2; k <= 12; k++) {
      text.append(k).append(k == 10 ? ",Ren\u00e9e" : ",Ann").append(",Lee,a").append(k).append("@x.com\n");
    }
    Path in = dir.resolve("latin1.csv");
    Files.write(in, text.toString().getBytes(StandardCharsets.ISO_8859_1));
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--no-progress")).isEqualTo(2);
    assertThat(stderr().strip()).isEqualTo("dedupe: " + in + ": line 10 is not valid UTF-8 (byte 0xE9): is the file"
        + " in another encoding? (use --encoding, such as --encoding windows-1252)");
    assertThat(out).doesNotExist();

    err.reset();
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--encoding", "windows-1252",
        "--masters", dir.resolve("m.csv").toString(), "--no-progress")).isZero();
    assertThat(Files.readString(dir.resolve("m.csv"))).contains("Ren\u00e9e");
  }

  @Test
  void saysWhatTheInputIsWhenItIsNoCsvFile() throws IOException {
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", dir.resolve("nope.csv").toString(), "--output", out.toString())).isEqualTo(2);
    assertThat(stderr()).isEqualTo("dedupe: " + dir.resolve("nope.csv") + ": no such file" + System.lineSeparator());

    err.reset();
    Path folder = Files.createDirectory(dir.resolve("folder"));
    assertThat(run("--input", folder.toString(), "--output", out.toString())).isEqualTo(2);
    assertThat(stderr()).contains(folder + ": is a directory, not a CSV file");

    err.reset();
    Path xlsx = dir.resolve("contacts.xlsx");
    Files.write(xlsx, new byte[] {0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0});
    assertThat(run("--input", xlsx.toString(), "--output", out.toString())).isEqualTo(2);
    assertThat(stderr()).contains(xlsx + ": a ZIP archive (an Excel .xlsx workbook?), not CSV text");

    err.reset();
    Path bin = dir.resolve("data.bin");
    Files.write(bin, new byte[] {'i', 'd', '\n', 1, 0, 2, 3});
    assertThat(run("--input", bin.toString(), "--output", out.toString())).isEqualTo(2);
    assertThat(stderr()).contains(bin + ": a binary file (it holds NUL bytes), not CSV text");
    assertThat(stderr()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(out).doesNotExist();
  }

  @Test
  void checksThatOutputsCanBeWrittenBeforeReading() throws IOException {
    Path in = dir.resolve("c.csv");
    Files.writeString(in, "id,email\n1,a@b.com\n");
    assertThat(run("--input", in.toString(), "--output", dir.resolve("missing/o.csv").toString())).isEqualTo(2);
    assertThat(stderr()).isEqualTo("dedupe: --output " + dir.resolve("missing/o.csv") + ": the folder "
        + dir.resolve("missing") + " does not exist" + System.lineSeparator());

    err.reset();
    assertThat(run("--input", in.toString(), "--output", dir.resolve("o.csv").toString(), "--masters",
        dir.toString())).isEqualTo(2);
    assertThat(stderr()).startsWith("dedupe: --masters " + dir + ": is a directory").doesNotContain("read ");
    assertThat(dir.resolve("o.csv")).doesNotExist();
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
  }

  /** A failing --masters used to leave the clusters file written. */
  @Test
  void aRunThatFailsWritingLeavesNoOutput() throws IOException {
    Path in = dir.resolve("c.csv");
    Files.writeString(in, "id,email\n1,a@b.com\n2,A@b.com\n");
    Path out = dir.resolve("o.csv");
    Files.writeString(out, "the previous run's clusters\n");
    Path mastersDir = Files.createDirectory(dir.resolve("masters"));
    // the masters' folder disappears while the run deduplicates (a full disk or an unmounted share would do)
    PrintStream sabotage = new PrintStream(err, true, StandardCharsets.UTF_8) {
      @Override
      public PrintStream printf(java.util.Locale l, String format, Object... args) {
        if (format.startsWith("%s: done") && "merge".equals(String.valueOf(args[0]))) {
          try (var files = Files.list(mastersDir)) {
            for (Path f : files.toList()) {
              Files.delete(f);
            }
            Files.delete(mastersDir);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        return super.printf(l, format, args);
      }
    };
    int exit = new CommandLine(new DedupeCommand(sabotage)).setCaseInsensitiveEnumValuesAllowed(true).execute("--input", in.toString(), "--output",
        out.toString(), "--masters", mastersDir.resolve("m.csv").toString());
    assertThat(exit).isEqualTo(1);
    assertThat(stderr()).contains("dedupe: failed: cannot write").doesNotContain("\tat ");
    assertThat(Files.readString(out)).isEqualTo("the previous run's clusters\n");
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void readsTheDelimiterFromTheHeaderAndSaysWhenItLooksWrong() throws IOException {
    Path in = dir.resolve("semicolons.csv");
    Files.writeString(in, "id;first_name;last_name;email\n1;Ann;Lee;ann@x.com\n2;Ann;Lee;ANN@x.com\n");
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--no-progress")).isZero();
    assertThat(rows(out).get("1")[1]).isEqualTo(rows(out).get("2")[1]);

    err.reset();
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--delimiter", ",")).isEqualTo(2);
    assertThat(stderr()).isEqualTo("dedupe: " + in + ": the header has one column, [id;first_name;last_name;email];"
        + " is the delimiter ';'? use --delimiter ';'" + System.lineSeparator());

    Path tabs = dir.resolve("tabs.tsv");
    Files.writeString(tabs, "id\temail\n1\ta@x.com\n2\tA@x.com\n");
    assertThat(run("--input", tabs.toString(), "--output", out.toString(), "--delimiter", "tab", "--no-progress"))
        .isZero();
    assertThat(rows(out).get("1")[1]).isEqualTo(rows(out).get("2")[1]);
  }

  @Test
  void mapsColumnsAndNamesUnknownRolesAndColumns() throws IOException {
    Path in = dir.resolve("odd.csv");
    Files.writeString(in, "key,Correo,Nombre\nk1,ana@x.com,Ana\nk2,ANA@x.com,Ana\nk3,bo@y.com,Bo\n");
    Path out = dir.resolve("o.csv");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--id-column", "key",
        "--map", "email=Correo,first_name=Nombre", "--mode", "rules", "--no-progress")).isZero();
    Map<String, String[]> clusters = rows(out);
    assertThat(clusters.get("k1")[1]).isEqualTo(clusters.get("k2")[1]);
    assertThat(clusters.get("k3")[1]).isEqualTo("k3");

    assertThat(run("--input", in.toString(), "--output", out.toString(), "--map", "mood=Correo")).isEqualTo(2);
    assertThat(stderr()).contains("unknown role 'mood'");
    assertThat(run("--input", in.toString(), "--output", out.toString(), "--map", "email=Mail")).isEqualTo(2);
    assertThat(stderr()).contains("column 'Mail' is not in the header [key, Correo, Nombre]");
    assertThat(run("--input", dir.resolve("missing.csv").toString(), "--output", out.toString())).isEqualTo(2);
    assertThat(stderr()).contains("missing.csv: no such file");
  }

  @Test
  void deduplicatesGeneratedContactsProbabilisticallyWithProgress() throws IOException {
    List<DedupeRecord> records = SyntheticContacts.generate(3000, 11).records();
    List<String> lines = new ArrayList<>();
    lines.add("id,firstName,lastName,email,company,phone,city");
    for (DedupeRecord r : records) {
      StringBuilder b = new StringBuilder(r.id());
      for (String f : List.of("firstName", "lastName", "email", "company", "phone", "city")) {
        String v = r.get(f);
        b.append(',').append(v == null ? "" : "\"" + v.replace("\"", "\"\"") + "\"");
      }
      lines.add(b.toString());
    }
    Path in = dir.resolve("synthetic.csv");
    Files.write(in, lines);
    Path out = dir.resolve("o.csv");
    assertThat(Main.run("dedupe", "--help")).isZero();
    assertThat(run("--input", in.toString(), "--output", out.toString())).isZero();
    assertThat(stderr()).contains("normalize: 3,000").contains("compare: done in").contains("3,000 records ->");
    Map<String, String[]> clusters = rows(out);
    assertThat(clusters).hasSize(3000);
    long masters = clusters.values().stream().filter(v -> v[2].equals("true")).count();
    long distinctClusters = clusters.values().stream().map(v -> v[1]).distinct().count();
    assertThat(masters).isEqualTo(distinctClusters).isLessThan(2900);
  }
}

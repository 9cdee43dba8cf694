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
    assertThat(exit).isZero();
    assertThat(stderr())
        .contains("contacts.csv:6: skipped: expected 9 columns but found 10")
        .contains("contacts.csv:7: warning: column Last Modified is not a time in a known form")
        .contains("1 malformed rows were left out")
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
  void failOnMalformedExitsWithOne() throws IOException {
    Path in = dir.resolve("bad.csv");
    Files.writeString(in, "id,email\n1,a@b.com\n2,c@d.com,extra\n");
    int exit = run("--input", in.toString(), "--output", dir.resolve("o.csv").toString(), "--fail-on-malformed",
        "--no-progress");
    assertThat(exit).isEqualTo(1);
    assertThat(stderr()).contains("bad.csv:3: skipped");
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
    assertThat(stderr()).contains("cannot read");
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

package io.crmsync.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CsvTableTest {
  @Test
  void readsQuotedFieldsWithDelimitersQuotesAndLineBreaks() {
    CsvTable t = CsvTable.read(new StringReader(
        "id,name,note\n1,\"Smith, Ann\",\"said \"\"hi\"\"\"\n2,Bob,\"two\nlines\"\n3, Cy ,x\n"), ',');
    assertThat(t.header()).containsExactly("id", "name", "note");
    assertThat(t.rows()).hasSize(3);
    assertThat(t.rows().get(0).values()).containsExactly("1", "Smith, Ann", "said \"hi\"");
    assertThat(t.rows().get(1).values()).containsExactly("2", "Bob", "two\nlines");
    assertThat(t.rows().get(2).line()).isEqualTo(5);
    assertThat(t.rows().get(2).values()).containsExactly("3", "Cy", "x");
    assertThat(t.malformed()).isEmpty();
  }

  @Test
  void reportsMalformedRowsWithTheirLineNumbers() {
    CsvTable t = CsvTable.read(new StringReader(
        "id,name\r\n1,Ann\r\n2,Bob,extra\r\n\r\n3\r\n4,Dee\r\n5,\"never closed\n"), ',');
    assertThat(t.rows()).extracting(CsvTable.Row::line).containsExactly(2L, 6L);
    assertThat(t.malformed()).extracting(CsvTable.MalformedRow::line).containsExactly(3L, 5L, 7L);
    assertThat(t.malformed().get(0).reason()).isEqualTo("expected 2 columns but found 3");
    assertThat(t.malformed().get(2).reason()).contains("opened on line 7 never closes");
  }

  /** One unbalanced quote made the parser swallow the rest of the file as one malformed row. */
  @Test
  void anUnbalancedQuoteCostsOnlyItsFirstLine() {
    String rows = "id,name,note\n1,Ann,\"oops\n2,Bob,x\n3,Cy,\"fine \"\"quoted\"\"\"\n4,Dee,y\n";
    CsvTable t = CsvTable.read(new StringReader(rows), ',');
    assertThat(t.rows()).extracting(CsvTable.Row::line).containsExactly(3L, 4L, 5L);
    assertThat(t.rows().get(1).values()).containsExactly("3", "Cy", "fine \"quoted\"");
    assertThat(t.malformed()).extracting(CsvTable.MalformedRow::line).containsExactly(2L);
    assertThat(t.malformed().get(0).reason()).contains("in a row that runs from line 2 to line 4")
        .endsWith("skipped line 2 alone and read on from line 3");

    CsvTable open = CsvTable.read(new StringReader("id,name\n1,\"Ann\n2,Bob\n3,Cy\n"), ',');
    assertThat(open.rows()).extracting(CsvTable.Row::line).containsExactly(3L, 4L);
    assertThat(open.malformed()).singleElement().satisfies(m -> assertThat(m.reason())
        .isEqualTo("a quoted field opened on line 2 never closes; skipped line 2 alone and read on from line 3"));
  }

  @Test
  void namesTheLineWhoseBytesAreNotTextInTheCharset() {
    StringBuilder text = new StringBuilder("id,name\n");
    for (int k = 2; k <= 2000; k++) { // past the decoder's and the parser's buffers
      text.append(k).append(k == 1500 ? ",Ren\u00e9e\n" : ",Ann\n");
    }
    byte[] latin1 = text.toString().getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> CsvTable.read(new ByteArrayInputStream(latin1), StandardCharsets.UTF_8, ','))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("line 1500 is not valid UTF-8 (byte 0xE9): is the file in another encoding?");
    CsvTable t = CsvTable.read(new ByteArrayInputStream(latin1), StandardCharsets.ISO_8859_1, ',');
    assertThat(t.rows()).hasSize(1999);
    assertThat(t.rows().get(1498).values()).containsExactly("1500", "Ren\u00e9e");
  }

  @Test
  void skipsAByteOrderMarkAndRefusesBinaryText() {
    byte[] bom = "\uFEFFid,email\n1,a@x.com\n".getBytes(StandardCharsets.UTF_8);
    assertThat(CsvTable.read(new ByteArrayInputStream(bom), StandardCharsets.UTF_8, ',').header())
        .containsExactly("id", "email");
    assertThatThrownBy(() -> CsvTable.read(new StringReader("id,email\n1,a\u0000b\n"), ','))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("line 2 holds a NUL character: the file is binary, not CSV text");
  }

  @Test
  void sniffsTheDelimiterOfAHeaderLine() {
    assertThat(CsvTable.sniffDelimiter("id;first_name;last_name;email")).isEqualTo(';');
    assertThat(CsvTable.sniffDelimiter("id\tfirst name\temail")).isEqualTo('\t');
    assertThat(CsvTable.sniffDelimiter("id|name")).isEqualTo('|');
    assertThat(CsvTable.sniffDelimiter("id,\"name; or alias\",email")).isEqualTo(',');
    assertThat(CsvTable.sniffDelimiter("email")).isEqualTo(',');
  }

  @Test
  void rejectsAnEmptyFileAndRepeatedColumns() {
    assertThatThrownBy(() -> CsvTable.read(new StringReader(""), ','))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no header");
    assertThatThrownBy(() -> CsvTable.read(new StringReader("a,b,a\n"), ','))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' twice");
  }

  @Test
  void turnsRowsIntoRecordsAndRejectsBadOnesByLine() {
    CsvTable t = CsvTable.read(new StringReader(
        "id,email,updated_at,source\n"
            + "1,a@x.com,2024-01-02T03:04:05Z,hubspot\n"
            + "2,b@x.com,2024-01-02,\n"
            + ",c@x.com,,\n"
            + "1,d@x.com,,\n"
            + "4,e@x.com,yesterday,\n"), ',');
    RecordSchema schema = RecordSchema.detect(t.header());
    CsvTable.Records r = t.toRecords(schema, "id");
    assertThat(r.records()).extracting(DedupeRecord::id).containsExactly("1", "2", "4");
    assertThat(r.records().get(0).updatedAt()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
    assertThat(r.records().get(0).source()).isEqualTo("hubspot");
    assertThat(r.records().get(1).updatedAt()).isEqualTo(Instant.parse("2024-01-02T00:00:00Z"));
    assertThat(r.rejected()).extracting(CsvTable.MalformedRow::line).containsExactly(4L, 5L);
    assertThat(r.rejected().get(1).reason()).contains("repeats the id '1'");
    // an unreadable update time costs the record its recency, not the record
    assertThat(r.records().get(2).updatedAt()).isNull();
    assertThat(r.records().get(2).get("email")).isEqualTo("e@x.com");
    assertThat(r.warnings()).extracting(CsvTable.MalformedRow::line).containsExactly(6L);
    assertThat(r.warnings().get(0).reason()).contains("column updated_at").contains("'yesterday'")
        .contains("kept without it");
  }

  /** Salesforce's API and report exports, spreadsheets: local times are read as UTC. */
  @Test
  void readsUpdateTimesAsCrmExportsWriteThem() {
    assertThat(CsvTable.parseTime("2023-03-14T10:22:00.000+0000")).isEqualTo(Instant.parse("2023-03-14T10:22:00Z"));
    assertThat(CsvTable.parseTime("2023-03-14T10:22:00+01:00")).isEqualTo(Instant.parse("2023-03-14T09:22:00Z"));
    assertThat(CsvTable.parseTime("2023-03-14T10:22:00Z")).isEqualTo(Instant.parse("2023-03-14T10:22:00Z"));
    assertThat(CsvTable.parseTime("2023-03-14 10:22:05")).isEqualTo(Instant.parse("2023-03-14T10:22:05Z"));
    assertThat(CsvTable.parseTime("2023-03-14 10:22")).isEqualTo(Instant.parse("2023-03-14T10:22:00Z"));
    assertThat(CsvTable.parseTime("3/14/2023 10:22 AM")).isEqualTo(Instant.parse("2023-03-14T10:22:00Z"));
    assertThat(CsvTable.parseTime("3/14/2023 10:22 pm")).isEqualTo(Instant.parse("2023-03-14T22:22:00Z"));
    assertThat(CsvTable.parseTime("03/14/2023 14:22")).isEqualTo(Instant.parse("2023-03-14T14:22:00Z"));
    assertThat(CsvTable.parseTime("3/14/2023")).isEqualTo(Instant.parse("2023-03-14T00:00:00Z"));
    assertThat(CsvTable.parseTime("14.03.2023 10:22")).isEqualTo(Instant.parse("2023-03-14T10:22:00Z"));
    assertThat(CsvTable.parseTime(" 2023-03-14 ")).isEqualTo(Instant.parse("2023-03-14T00:00:00Z"));
    assertThat(CsvTable.parseTime("14/3/2023")).isNull(); // no 14th month: not guessed day-first
    assertThat(CsvTable.parseTime("2023-02-30")).isNull();
    assertThat(CsvTable.parseTime("yesterday")).isNull();
  }

  @Test
  void namesAMissingColumn() {
    CsvTable t = CsvTable.read(new StringReader("id,email\n1,a@x.com\n"), ',');
    RecordSchema schema = RecordSchema.builder().field("phone", FieldRole.PHONE).build();
    assertThatThrownBy(() -> t.toRecords(schema, "id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'phone'").hasMessageContaining("[id, email]");
    assertThatThrownBy(() -> t.toRecords(RecordSchema.detect(t.header()), "key"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id column 'key'");
  }

  @Test
  void detectsContactColumnsByCommonNames() {
    RecordSchema s = RecordSchema.detect(java.util.List.of("Id", "E-mail", "First Name", "Surname",
        "Organisation", "Mobile Phone", "Town", "Last Modified", "notes"));
    assertThat(s.fieldFor(FieldRole.EMAIL)).isEqualTo("E-mail");
    assertThat(s.fieldFor(FieldRole.FIRST_NAME)).isEqualTo("First Name");
    assertThat(s.fieldFor(FieldRole.LAST_NAME)).isEqualTo("Surname");
    assertThat(s.fieldFor(FieldRole.COMPANY)).isEqualTo("Organisation");
    assertThat(s.fieldFor(FieldRole.PHONE)).isEqualTo("Mobile Phone");
    assertThat(s.fieldFor(FieldRole.CITY)).isEqualTo("Town");
    assertThat(s.fieldFor(FieldRole.UPDATED_AT)).isEqualTo("Last Modified");
    // Salesforce and HubSpot export headers
    RecordSchema sf = RecordSchema.detect(java.util.List.of("Contact ID", "First Name", "Last Name", "Email",
        "Account Name", "Phone", "Mobile Phone", "Mailing Street", "Mailing City", "Mailing State/Province",
        "Mailing Zip/Postal Code", "Last Modified Date", "Assistant Phone", "Email Opt Out"));
    assertThat(sf.fields()).extracting(RecordSchema.Field::name).containsExactly("First Name", "Last Name", "Email",
        "Account Name", "Phone", "Mobile Phone", "Mailing Street", "Mailing City", "Mailing Zip/Postal Code",
        "Last Modified Date");
    assertThat(sf.fieldFor(FieldRole.ADDRESS)).isEqualTo("Mailing Street");
    assertThat(sf.fieldFor(FieldRole.CITY)).isEqualTo("Mailing City");
    assertThat(sf.fieldFor(FieldRole.POSTCODE)).isEqualTo("Mailing Zip/Postal Code");
    assertThat(RecordSchema.roleOfHeader("Mobile phone number")).isEqualTo(FieldRole.PHONE);
    assertThat(RecordSchema.roleOfHeader("Business Phone")).isEqualTo(FieldRole.PHONE);
    assertThat(RecordSchema.roleOfHeader("Organization Name")).isEqualTo(FieldRole.COMPANY);
    assertThat(RecordSchema.roleOfHeader("Billing City")).isEqualTo(FieldRole.CITY);
    assertThat(RecordSchema.roleOfHeader("Contact Owner")).isNull();
    assertThat(RecordSchema.roleOfHeader("Title")).isEqualTo(FieldRole.TEXT);
    assertThat(RecordSchema.roleOfHeader("Job title")).isEqualTo(FieldRole.TEXT); // HubSpot
    assertThat(RecordSchema.roleOfHeader("Mailing Country")).isEqualTo(FieldRole.COUNTRY);
    assertThat(RecordSchema.roleOfHeader("Country/Region")).isEqualTo(FieldRole.COUNTRY); // HubSpot
    assertThat(RecordSchema.isCompared(FieldRole.COUNTRY)).isFalse();
    // Dynamics 365, as exported (display names) and as its Web API names them
    RecordSchema dynamics = RecordSchema.detect(java.util.List.of("Full Name", "Email", "Company Name",
        "Business Phone", "Mobile Phone", "Address 1: Street 1", "Address 1: City",
        "Address 1: ZIP/Postal Code", "Address 1: Country/Region", "Modified On"));
    assertThat(dynamics.fields()).extracting(RecordSchema.Field::role).containsExactly(FieldRole.FULL_NAME,
        FieldRole.EMAIL, FieldRole.COMPANY, FieldRole.PHONE, FieldRole.PHONE, FieldRole.ADDRESS, FieldRole.CITY,
        FieldRole.POSTCODE, FieldRole.COUNTRY, FieldRole.UPDATED_AT);
    assertThat(RecordSchema.roleOfHeader("address1_city")).isEqualTo(FieldRole.CITY);
    assertThat(RecordSchema.roleOfHeader("telephone1")).isEqualTo(FieldRole.PHONE);
    assertThat(RecordSchema.roleOfHeader("modifiedon")).isEqualTo(FieldRole.UPDATED_AT);
    assertThatThrownBy(() -> RecordSchema.detect(java.util.List.of("foo", "bar")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[foo, bar]");
  }
}

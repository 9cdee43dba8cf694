package io.crmsync.quality;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The public datasets with ground truth in {@code <repo root>/../shared/data} (override the shared
 * directory with {@code -Dcrmsync.shared.dir=...}). Tests that need them skip when they are absent.
 */
final class Datasets {
  private static final Pattern FEBRL_ENTITY = Pattern.compile("^rec-(\\d+)-");

  /** Records with the truth (entity by record id) and the schema to read them with. */
  record Labelled(String name, List<DedupeRecord> records, Map<String, String> truth, RecordSchema schema) {}

  private Datasets() {}

  static Path dataDir() {
    String override = System.getProperty("crmsync.shared.dir");
    Path shared = override != null
        ? Paths.get(override)
        : Paths.get("").toAbsolutePath().getParent().resolve("../shared").normalize();
    return shared.resolve("data");
  }

  static Path require(String relative) {
    Path p = dataDir().resolve(relative);
    Assumptions.assumeTrue(Files.isRegularFile(p),
        () -> "skipped: dataset " + p + " is absent (set -Dcrmsync.shared.dir to the folder holding data/)");
    return p;
  }

  private static CsvTable read(Path p) {
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      CsvTable t = CsvTable.read(r, ',');
      if (!t.malformed().isEmpty()) {
        throw new IllegalStateException(p + " has malformed rows: " + t.malformed());
      }
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Labelled febrl(String file, boolean withSocSecId) {
    CsvTable t = read(require("febrl/" + file));
    RecordSchema.Builder b = RecordSchema.builder()
        .field("given_name", FieldRole.FIRST_NAME)
        .field("surname", FieldRole.LAST_NAME)
        .field("street_number", FieldRole.TEXT)
        .field("address_1", FieldRole.ADDRESS)
        .field("address_2", FieldRole.TEXT)
        .field("suburb", FieldRole.CITY)
        .field("postcode", FieldRole.POSTCODE)
        .field("state", FieldRole.CATEGORY)
        .field("date_of_birth", FieldRole.DATE);
    if (withSocSecId) {
      b.field("soc_sec_id", FieldRole.IDENTIFIER);
    }
    RecordSchema schema = b.build();
    List<DedupeRecord> records = t.toRecords(schema, "rec_id").records();
    if (!withSocSecId) {
      records = records.stream().map(r -> {
        Map<String, String> f = new HashMap<>(r.fields());
        f.remove("soc_sec_id");
        return new DedupeRecord(r.id(), f, r.updatedAt(), r.source());
      }).toList();
    }
    Map<String, String> truth = new HashMap<>();
    for (DedupeRecord r : records) {
      Matcher m = FEBRL_ENTITY.matcher(r.id());
      if (!m.find()) {
        throw new IllegalStateException("unexpected Febrl id " + r.id());
      }
      truth.put(r.id(), m.group(1));
    }
    return new Labelled("febrl " + file + (withSocSecId ? "" : " without soc_sec_id"), records, truth, schema);
  }

  static Labelled splinkFake1000() {
    CsvTable t = read(require("splink-fake-1000/fake_1000_from_splink_demos.csv"));
    RecordSchema schema = RecordSchema.builder()
        .field("first_name", FieldRole.FIRST_NAME)
        .field("surname", FieldRole.LAST_NAME)
        .field("dob", FieldRole.DATE)
        .field("city", FieldRole.CITY)
        .field("email", FieldRole.EMAIL)
        .build();
    List<DedupeRecord> records = t.toRecords(schema, "unique_id").records();
    Map<String, String> truth = new HashMap<>();
    for (DedupeRecord r : records) {
      truth.put(r.id(), r.get("cluster"));
    }
    return new Labelled("splink fake_1000", records, truth, schema);
  }

  static Labelled dedupeCsvExample() {
    CsvTable t = read(require("dedupe-csv-example/csv_example_input_with_true_ids.csv"));
    RecordSchema schema = RecordSchema.builder()
        .field("Site name", FieldRole.COMPANY)
        .field("Address", FieldRole.ADDRESS)
        .field("Zip", FieldRole.POSTCODE)
        .field("Phone", FieldRole.PHONE)
        .field("Email Address", FieldRole.EMAIL)
        .build();
    List<DedupeRecord> records = t.toRecords(schema, "Id").records();
    Map<String, String> truth = new HashMap<>();
    for (DedupeRecord r : records) {
      truth.put(r.id(), r.get("True Id"));
    }
    // the truth must not be visible to the engine
    records = records.stream().map(r -> {
      Map<String, String> f = new HashMap<>(r.fields());
      f.remove("True Id");
      return new DedupeRecord(r.id(), f, r.updatedAt(), r.source());
    }).toList();
    return new Labelled("dedupe csv_example", records, truth, schema);
  }
}

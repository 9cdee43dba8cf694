package io.crmsync.quality;

import static io.crmsync.quality.Contacts.contact;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Deduplication of a handful of records in the default (probabilistic) mode: too few pairs for EM to
 * learn from, so the typical parameters carry the decision. Once EM had nothing to learn from and even
 * an identical email and phone matched nothing.
 */
class SmallInputTest {
  private static final DataQualityEngine ENGINE = DataQualityEngine.ofDefaults();

  private static List<List<String>> duplicateGroups(DedupeResult r) {
    List<List<String>> groups = new ArrayList<>();
    for (Cluster c : r.duplicateClusters()) {
      groups.add(c.memberIds().stream().sorted().toList());
    }
    groups.sort((a, b) -> a.get(0).compareTo(b.get(0)));
    return groups;
  }

  @Test
  void twoRecordsWithOneEmailAndPhoneAreOnePerson() {
    DedupeResult r = ENGINE.deduplicate(List.of(
        contact("a", "Robert", "Quenby", "robert.quenby@zylofax.com", "Zylofax Inc", "(415) 555-0101", "San Francisco"),
        contact("b", "Bob", "Quenby", "Robert.Quenby@Zylofax.com", "ZYLOFAX", "+1 415 555 0101", null)));
    assertThat(duplicateGroups(r)).containsExactly(List.of("a", "b"));
    assertThat(r.explain("a", "b").match()).isTrue();
  }

  /** A single name column, as many CRM exports have, written in either order. */
  @Test
  void aFullNameColumnInEitherOrder() {
    RecordSchema schema = RecordSchema.detect(List.of("Name", "Email", "Account Name", "Phone"));
    DedupeResult r = DataQualityEngine.builder().schema(schema).build().deduplicate(List.of(
        new DedupeRecord("a", Map.of("Name", "Quenby, Robert", "Account Name", "Zylofax Inc",
            "Phone", "(415) 555-0101"), null, null),
        new DedupeRecord("b", Map.of("Name", "Bob Quenby Jr.", "Email", "bob@zylofax.com",
            "Account Name", "ZYLOFAX", "Phone", "+1 415 555 0101"), null, null),
        new DedupeRecord("c", Map.of("Name", "Maria Ostrand", "Account Name", "Zylofax Inc",
            "Phone", "(415) 555-0199"), null, null)));
    assertThat(duplicateGroups(r)).containsExactly(List.of("a", "b"));
    assertThat(r.explain("a", "b").comparisons()).extracting(ComparisonDetail::level)
        .containsExactly("nickname", "exact", "missing", "exact", "exact");
  }

  /** A number written without a country code is read in its record's country, where it has one. */
  @Test
  void phonesWithoutACountryCodeAreReadInTheRecordsCountry() {
    RecordSchema schema = RecordSchema.detect(List.of("First Name", "Last Name", "Phone", "Mailing Country"));
    assertThat(schema.fieldFor(FieldRole.COUNTRY)).isEqualTo("Mailing Country");
    DedupeResult r = DataQualityEngine.builder().schema(schema).build().deduplicate(List.of(
        new DedupeRecord("london", Map.of("First Name", "Olivia", "Last Name", "Pendlebury",
            "Phone", "020 7946 0018", "Mailing Country", "United Kingdom"), null, null),
        new DedupeRecord("e164", Map.of("First Name", "Olivia", "Last Name", "Pendlebury",
            "Phone", "+44 20 7946 0018"), null, null),
        new DedupeRecord("berlin", Map.of("First Name", "Jonas", "Last Name", "Vogt",
            "Phone", "030 901820", "Mailing Country", "Deutschland"), null, null),
        new DedupeRecord("unknown", Map.of("First Name", "Jonas", "Last Name", "Vogt",
            "Phone", "(415) 555-0100", "Mailing Country", "Atlantis"), null, null),
        // the London spelling again, in a record of the default region: parsed there, not taken from London
        new DedupeRecord("us", Map.of("First Name", "Ann", "Last Name", "Brook", "Phone", "020 7946 0018"),
            null, null)));
    ComparisonDetail phone = r.explain("london", "e164").comparisons().get(2);
    assertThat(phone.level()).isEqualTo("exact");
    assertThat(phone.valueA()).isEqualTo("+442079460018");
    assertThat(r.explain("berlin", "unknown").comparisons().get(2))
        .satisfies(c -> assertThat(c.valueA()).isEqualTo("+4930901820"))
        .satisfies(c -> assertThat(c.valueB()).isEqualTo("+14155550100")); // an unknown country: the default
    assertThat(r.explain("london", "us").comparisons().get(2).valueB()).isEqualTo("?02079460018");
    assertThat(r.explain("london", "e164").comparisons()).extracting(ComparisonDetail::name)
        .containsExactly("First Name", "Last Name", "Phone"); // the country itself is not compared
  }

  /** A number one record has as the mobile and the other as the phone is one shared number. */
  @Test
  void phoneColumnsAreOneSetOfNumbers() {
    RecordSchema schema = RecordSchema.detect(List.of("First Name", "Last Name", "Phone", "Mobile Phone", "Home Phone"));
    assertThat(schema.fields()).extracting(RecordSchema.Field::role)
        .containsExactly(FieldRole.FIRST_NAME, FieldRole.LAST_NAME, FieldRole.PHONE, FieldRole.PHONE, FieldRole.PHONE);
    DedupeResult r = DataQualityEngine.builder().schema(schema).build().deduplicate(List.of(
        new DedupeRecord("a", Map.of("First Name", "Robert", "Last Name", "Quenby", "Phone", "(415) 555-0100",
            "Mobile Phone", "(415) 555-0177"), null, null),
        new DedupeRecord("b", Map.of("First Name", "Bob", "Last Name", "Quenby", "Phone", "415.555.0177"),
            null, null),
        new DedupeRecord("c", Map.of("First Name", "Maria", "Last Name", "Ostrand", "Home Phone", "415 555 0123"),
            null, null)));
    assertThat(duplicateGroups(r)).containsExactly(List.of("a", "b"));
    assertThat(r.isCandidatePair("a", "b")).isTrue();
    ComparisonDetail phone = r.explain("a", "b").comparisons().get(2);
    assertThat(phone.name()).isEqualTo("Phone");
    assertThat(phone.level()).isEqualTo("exact");
    assertThat(phone.valueA()).isEqualTo("+14155550100 / +14155550177");
    assertThat(r.explain("a", "c").comparisons().get(2).level()).isEqualTo("disagree");
  }

  @Test
  void twoDifferentPeopleStayApart() {
    DedupeResult r = ENGINE.deduplicate(List.of(
        contact("a", "Robert", "Quenby", "robert.quenby@zylofax.com", "Zylofax Inc", "(415) 555-0101", "San Francisco"),
        contact("b", "Maria", "Ostrand", "maria@ostrand.se", "Ostrand AB", "+46 8 555 0199", "Stockholm")));
    assertThat(r.duplicateClusters()).isEmpty();
  }

  @Test
  void threeRecordsIdenticalEmailAndPhone() {
    DedupeResult r = ENGINE.deduplicate(List.of(
        contact("1", "Ann", "Arkwright", "ann.arkwright@bigaccount.com", "Big Account LLC", "(212) 555-0142", "New York"),
        contact("2", "Ann", "Arkwright", "ann.arkwright@bigaccount.com", "Big Account", "212-555-0142", "New York"),
        contact("3", "Carl", "Bexley", "carl.bexley@bigaccount.com", "Big Account LLC", "(212) 555-0100", "New York")));
    assertThat(duplicateGroups(r)).containsExactly(List.of("1", "2"));
  }

  @Test
  void tenRecordsOfColleaguesAndDuplicates() {
    DedupeResult r = ENGINE.deduplicate(List.of(
        contact("ann-1", "Ann", "Arkwright", "ann.arkwright@bigaccount.com", "Big Account LLC", "(212) 555-0100", "New York"),
        contact("ann-2", "Annie", "Arkwright", "Ann.Arkwright+news@bigaccount.com", "BIG ACCOUNT", null, "New York"),
        contact("carl", "Carl", "Bexley", "info@bigaccount.com", "Big Account LLC", "(212) 555-0100", "New York"),
        contact("dora", "Dora", "Cromer", "info@bigaccount.com", "Big Account LLC", "(212) 555-0100", "New York"),
        contact("egon", "Egon", "Dunmore", "egon.dunmore@bigaccount.com", "Big Account LLC", "(212) 555-0100", "New York"),
        contact("bob-1", "Robert", "Quenby", "robert.quenby@zylofax.com", "Zylofax Inc", "(415) 555-0101", "San Francisco"),
        contact("bob-2", "Bob", "Quenby", null, "Zylofax", "415.555.0101", "San Francisco"),
        contact("bob-3", "Robert", "Quenbey", "rquenby@gmail.com", null, "+1 415 555 0101", null),
        contact("maria", "Maria", "Ostrand", "maria@ostrand.se", "Ostrand AB", "+46 8 555 0199", "Stockholm"),
        contact("fay", "Fay", "Eskdale", null, "Zylofax Inc", null, "San Francisco")));
    assertThat(duplicateGroups(r)).containsExactly(List.of("ann-1", "ann-2"), List.of("bob-1", "bob-2", "bob-3"));
  }
}

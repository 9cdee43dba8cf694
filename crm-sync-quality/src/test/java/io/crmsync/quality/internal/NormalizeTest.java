package io.crmsync.quality.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NormalizeTest {
  @Test
  void emailsLoseCasePlusTagsAndGmailDots() {
    assertThat(Normalize.email("  John.Smith+crm@Acme.COM ")).isEqualTo("john.smith@acme.com");
    assertThat(Normalize.email("J.O.H.N.Smith+x@googlemail.com")).isEqualTo("johnsmith@gmail.com");
    assertThat(Normalize.email("mailto:ann@example.org")).isEqualTo("ann@example.org");
    assertThat(Normalize.email("not an email")).isNull();
    assertThat(Normalize.email("@acme.com")).isNull();
    assertThat(Normalize.email("ann@")).isNull();
  }

  @Test
  void roleMailboxesAreRecognised() {
    assertThat(Normalize.isRoleMailbox("info@acme.com")).isTrue();
    assertThat(Normalize.isRoleMailbox("sales@acme.com")).isTrue();
    assertThat(Normalize.isRoleMailbox("office@acme.com")).isTrue();
    assertThat(Normalize.isRoleMailbox("john.smith@acme.com")).isFalse();
  }

  @Test
  void phonesBecomeE164WithTheDefaultRegion() {
    assertThat(Normalize.phone("(415) 555-0123", "US")).isEqualTo("+14155550123");
    assertThat(Normalize.phone("415.555.0123 ext. 42", "US")).isEqualTo("+14155550123");
    assertThat(Normalize.phone("+1 415 555 0123", "GB")).isEqualTo("+14155550123");
    assertThat(Normalize.phone("020 7946 0018", "GB")).isEqualTo("+442079460018");
    assertThat(Normalize.phone("   ", "US")).isNull();
    assertThat(Normalize.phone("n/a", "US")).isNull();
  }

  @Test
  void countriesBecomeIsoCodesFromCodesNamesAndAliases() {
    assertThat(Normalize.country("GB")).isEqualTo("GB");
    assertThat(Normalize.country("gbr")).isEqualTo("GB");
    assertThat(Normalize.country(" United Kingdom ")).isEqualTo("GB");
    assertThat(Normalize.country("UK")).isEqualTo("GB");
    assertThat(Normalize.country("England")).isEqualTo("GB");
    assertThat(Normalize.country("Royaume-Uni")).isEqualTo("GB");
    assertThat(Normalize.country("U.S.A.")).isEqualTo("US");
    assertThat(Normalize.country("United States of America")).isEqualTo("US");
    assertThat(Normalize.country("Deutschland")).isEqualTo("DE");
    assertThat(Normalize.country("ALLEMAGNE")).isEqualTo("DE");
    assertThat(Normalize.country("España")).isEqualTo("ES");
    assertThat(Normalize.country("The Netherlands")).isEqualTo("NL");
    assertThat(Normalize.country("Holland")).isEqualTo("NL");
    assertThat(Normalize.country("Österreich")).isEqualTo("AT");
    assertThat(Normalize.country("Brasil")).isEqualTo("BR");
    assertThat(Normalize.country("South Korea")).isEqualTo("KR");
    assertThat(Normalize.country("Untied Kingdom")).isNull(); // not guessed at
    assertThat(Normalize.country("  ")).isNull();
    assertThat(Normalize.country(null)).isNull();
  }

  @Test
  void generationalSuffixesAreReadFromNamesAsWritten() {
    assertThat(Normalize.generation("Smith Jr.")).isEqualTo("jr");
    assertThat(Normalize.generation("Perez, Sr")).isEqualTo("sr");
    assertThat(Normalize.generation("John Smith II")).isEqualTo("jr");
    assertThat(Normalize.generation("Smith III")).isEqualTo("iii");
    assertThat(Normalize.generation("Smith Senior")).isEqualTo("sr");
    assertThat(Normalize.generation("Junior Smith")).isNull(); // a given name
    assertThat(Normalize.generation("Jr")).isNull();
    assertThat(Normalize.generation("Smith")).isNull();
    assertThat(Normalize.generation(null)).isNull();
  }

  @Test
  void namesFoldAccentsCaseAndTitles() {
    assertThat(Normalize.name("  JOSÉ ")).isEqualTo("jose");
    assertThat(Normalize.name("Zoë")).isEqualTo("zoe");
    assertThat(Normalize.name("O'Brien")).isEqualTo("obrien");
    assertThat(Normalize.name("Dr. Søren Müller Jr.")).isEqualTo("soren muller");
    assertThat(Normalize.name("Straße")).isEqualTo("strasse");
  }

  @Test
  void fullNamesSplitIntoGivenAndFamilyInEitherOrder() {
    assertThat(Normalize.fullName("John A. Smith")).containsExactly("john", "smith");
    assertThat(Normalize.fullName("Smith, John A.")).containsExactly("john", "smith");
    assertThat(Normalize.fullName("Dr. Søren Müller Jr.")).containsExactly("soren", "muller");
    assertThat(Normalize.fullName("Müller, Dr. Søren")).containsExactly("soren", "muller");
    assertThat(Normalize.fullName("John Smith, Jr.")).containsExactly("john", "smith");
    assertThat(Normalize.fullName("Madonna")).containsExactly("madonna", null);
    assertThat(Normalize.fullName("Smith,")).containsExactly("smith", null);
    assertThat(Normalize.fullName(" , ")).containsExactly(null, null);
    assertThat(Normalize.fullName(null)).containsExactly(null, null);
  }

  @Test
  void aMailboxSpellsTheNameARecordLacks() {
    assertThat(Normalize.nameFromMailbox("tyler_lindorberden1969", null, "lindorberden")).isEqualTo("tyler");
    assertThat(Normalize.nameFromMailbox("tylerlindorberden", "tyler", null)).isEqualTo("lindorberden");
    assertThat(Normalize.nameFromMailbox("quenby.robert7", "robert", null)).isEqualTo("quenby");
    assertThat(Normalize.nameFromMailbox("van.der.berg.jan", "jan", null)).isEqualTo("vanderberg");
    // initials, other names, digits inside, both or neither name known: nothing
    assertThat(Normalize.nameFromMailbox("jsmith", null, "smith")).isNull();
    assertThat(Normalize.nameFromMailbox("kyler", "kyle", null)).isNull();
    assertThat(Normalize.nameFromMailbox("jane.doe", "mary", null)).isNull();
    assertThat(Normalize.nameFromMailbox("jane2doe", "jane", null)).isNull();
    assertThat(Normalize.nameFromMailbox("jane.doe", "jane", "doe")).isNull();
    assertThat(Normalize.nameFromMailbox("jane.doe", null, null)).isNull();
    assertThat(Normalize.nameFromMailbox("doe", null, "doe")).isNull();
  }

  @Test
  void nicknamesMapToOneCanonicalName() {
    assertThat(Normalize.givenNameCanonical("bob")).isEqualTo("robert");
    assertThat(Normalize.givenNameCanonical("robert")).isEqualTo("robert");
    assertThat(Normalize.givenNameCanonical("liz")).isEqualTo("elizabeth");
    assertThat(Normalize.givenNameCanonical("bill")).isEqualTo("william");
    assertThat(Normalize.givenNameCanonical("xavier")).isEqualTo("xavier");
    assertThat(Nicknames.variants("robert")).contains("robert", "bob", "bobby");
  }

  @Test
  void companiesLoseLegalSuffixesAndPunctuation() {
    assertThat(Normalize.company("Acme, Inc.")).isEqualTo("acme");
    assertThat(Normalize.company("ACME Incorporated")).isEqualTo("acme");
    assertThat(Normalize.company("Acme L.L.C.")).isEqualTo("acme");
    assertThat(Normalize.company("Müller GmbH")).isEqualTo("muller");
    assertThat(Normalize.company("The Widget Co. Ltd")).isEqualTo("widget");
    assertThat(Normalize.company("Smith & Sons")).isEqualTo("smith and sons");
    assertThat(Normalize.company("Inc")).isEqualTo("inc");
  }

  @Test
  void datesBecomeYearMonthDay() {
    assertThat(Normalize.date("2015-10-29")).isEqualTo("20151029");
    assertThat(Normalize.date("19560409")).isEqualTo("19560409");
    assertThat(Normalize.date("9/4/1956")).isEqualTo("19560409");
  }

  @Test
  void addressesAbbreviateOneWay() {
    assertThat(Normalize.address("6401 S. Pulaski Road")).isEqualTo("6401 s pulaski rd");
    assertThat(BlockingIndex.addressCore("6401 s pulaski rd")).isEqualTo("6401 pulaski");
  }

  @Test
  void soundexCodesNames() {
    assertThat(Soundex.of("robert")).isEqualTo("r163");
    assertThat(Soundex.of("rupert")).isEqualTo("r163");
    assertThat(Soundex.of("ashcraft")).isEqualTo("a261");
    assertThat(Soundex.of("tymczak")).isEqualTo("t522");
    assertThat(Soundex.of("123")).isEmpty();
  }

  @Test
  void oneEditAndNumberedSiblings() {
    assertThat(Comparison.withinOneEdit("2119", "2191")).isTrue();
    assertThat(Comparison.withinOneEdit("smith", "smth")).isTrue();
    assertThat(Comparison.withinOneEdit("smith", "smyth")).isTrue();
    assertThat(Comparison.withinOneEdit("smith", "jones")).isFalse();
    assertThat(Comparison.numberedSiblings("john.smith@a.com", "john.smith2@a.com")).isTrue();
    assertThat(Comparison.numberedSiblings("john.smith@a.com", "john.smith@a.com")).isFalse();
    assertThat(Comparison.numberedSiblings("john.smith@a.com", "jane.smith@a.com")).isFalse();
  }
}

package io.crmsync.fieldmapping;

import static io.crmsync.mapping.RecordMapper.Direction.TO_SOURCE;
import static io.crmsync.mapping.RecordMapper.Direction.TO_TARGET;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mapping a record there and back is stable: after one round trip, another changes nothing, on either side.
 * Two-way syncs compare mapped values field by field, so a value that kept changing would be written back and
 * forth for ever.
 */
class RoundTripPropertiesTest {
  static final FieldMapping MAPPING = FieldMapping.parse("""
      object: contact
      unmapped: pass-through
      drop: [internal_notes]
      rules:
        - from: email
          to: email
          transform: email
        - from: name
          to: [firstName, lastName]
          transform: [trim, split-name]
        - from: colour
          to: Colour__c
          transform: [trim, lowercase]
        - from: tier
          to: Tier__c
          transform:
            map:
              values: {bronze: Bronze, silver: Silver, gold: Gold}
        - from: birthday
          to: Birthdate
          transform: {date: {from: dd/MM/yyyy, to: iso-date}}
        - from: revenue
          to: AnnualRevenue
          transform: {number: {from: "#,##0.00", locale: de-DE}}
        - from: phone
          to: Phone
          transform: {phone: GB}
        - from: country
          to: Country__c
          default: GB
      """, "round-trip.yaml");

  /**
   * One round trip from the side {@code start} is on (there and back, or back and there), then another: the
   * second changes nothing on either side.
   */
  private static void assertStable(CrmRecord start, boolean fromSource) {
    RecordMapper.Direction there = fromSource ? TO_TARGET : TO_SOURCE;
    RecordMapper.Direction back = fromSource ? TO_SOURCE : TO_TARGET;
    CrmRecord home = MAPPING.map(MAPPING.map(start, there), back);
    CrmRecord away = MAPPING.map(home, there);
    CrmRecord homeAgain = MAPPING.map(away, back);
    assertThat(homeAgain.fields()).isEqualTo(home.fields());
    assertThat(MAPPING.map(homeAgain, there).fields()).isEqualTo(away.fields());
  }

  @Property(tries = 400)
  void aSourceRecordIsStableAfterOneRoundTrip(@ForAll("sourceRecords") CrmRecord record) {
    assertStable(record, true);
  }

  @Property(tries = 400)
  void aTargetRecordIsStableAfterOneRoundTrip(@ForAll("targetRecords") CrmRecord record) {
    assertStable(record, false);
  }

  @Property(tries = 400)
  void namesSplitBackIntoTheirPartsWhenTheyHoldNoComma(@ForAll("words") String first, @ForAll("words") String last) {
    assertThat(NameParts.split(NameParts.join(first, last))).containsExactly(first, last);
  }

  @Provide
  Arbitrary<CrmRecord> sourceRecords() {
    Arbitrary<String> email = Combinators.combine(Arbitraries.strings().withCharRange('a', 'z').withChars("._+").ofMinLength(1)
            .ofMaxLength(12).filter(s -> s.matches("[a-z].*")),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10),
        Arbitraries.of("com", "co.uk", "DE", "Org"), Arbitraries.of("", " ", "  mailto:"))
        .as((local, domain, tld, pad) -> pad + local + "@" + domain + "." + tld);
    Arbitrary<String> name = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(30),
        Combinators.combine(words(), words(), Arbitraries.of("", "van ", "de la ", "von der "), Arbitraries.of(" ", "  "))
            .as((f, l, particle, gap) -> f + gap + particle + l),
        Combinators.combine(words(), words()).as((f, l) -> l + ", " + f));
    Arbitrary<String> birthday = Arbitraries.longs().between(-25_000, 45_000)
        .map(d -> LocalDate.ofEpochDay(d).format(DateTimeFormatter.ofPattern("dd/MM/uuuu")));
    Arbitrary<String> revenue = Arbitraries.bigDecimals().between(BigDecimal.valueOf(-1e9), BigDecimal.valueOf(1e9))
        .ofScale(2).map(d -> new java.text.DecimalFormat("#,##0.00",
            java.text.DecimalFormatSymbols.getInstance(java.util.Locale.GERMANY)).format(d));
    Arbitrary<String> phone = Arbitraries.of("020 7946 0018", "+44 20 7946 0991", "07700 900123", "+1 415-555-0132",
        "(0161) 496 0000");
    return Combinators.combine(email, name, Arbitraries.strings().ofMaxLength(12), Arbitraries.of("bronze", "silver", "gold"),
            birthday, revenue, phone, Arbitraries.of("", "FR", " ", "GB"))
        .as((e, n, colour, tier, b, rev, p, country) -> {
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("email", e);
          f.put("name", n);
          f.put("colour", colour);
          f.put("tier", tier);
          f.put("birthday", b);
          f.put("revenue", rev);
          f.put("phone", p);
          f.put("country", country);
          f.put("Custom_Field__c", colour + "!");
          f.put("internal_notes", "never leaves");
          return CrmRecord.of("contact", f);
        });
  }

  @Provide
  Arbitrary<CrmRecord> targetRecords() {
    Arbitrary<String> part = Arbitraries.oneOf(words(), Arbitraries.strings().ofMaxLength(15),
        Combinators.combine(words(), words()).as((a, b) -> a + " " + b));
    Arbitrary<BigDecimal> revenue = Arbitraries.bigDecimals().between(BigDecimal.valueOf(-1e9), BigDecimal.valueOf(1e9))
        .ofScale(4);
    return Combinators.combine(part, part, Arbitraries.of("Bronze", "Silver", "Gold"),
            Arbitraries.longs().between(-25_000, 45_000).map(d -> LocalDate.ofEpochDay(d).toString()), revenue,
            Arbitraries.strings().ofMaxLength(12))
        .as((first, last, tier, birthdate, rev, colour) -> {
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("email", "someone@example.com");
          f.put("firstName", first);
          f.put("lastName", last);
          f.put("Tier__c", tier);
          f.put("Birthdate", birthdate);
          f.put("AnnualRevenue", rev);
          f.put("Phone", "+442079460018");
          f.put("Colour__c", colour);
          return CrmRecord.of("contact", f);
        });
  }

  @Provide
  Arbitrary<String> words() {
    return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10)
        .filter(w -> Character.isUpperCase(w.charAt(0)))
        .list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(" ", l));
  }
}

package io.crmsync.fieldmapping;

import static io.crmsync.mapping.RecordMapper.Direction.TO_SOURCE;
import static io.crmsync.mapping.RecordMapper.Direction.TO_TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.FieldError;
import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each transform, both ways, and what a value it refuses does to its record. */
class TransformsTest {

  private static CrmRecord record(Object... kv) {
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      f.put((String) kv[i], kv[i + 1]);
    }
    return new CrmRecord("contact", "42", f, null, false);
  }

  private static FieldMapping oneRule(Transform... transforms) {
    return FieldMapping.builder("contact", "contact").field("a").to("b").transform(transforms).build();
  }

  private static Object there(FieldMapping m, Object value) {
    return m.map(record("a", value), TO_TARGET).fields().get("b");
  }

  private static Object back(FieldMapping m, Object value) {
    return m.map(record("b", value), TO_SOURCE).fields().get("a");
  }

  @Test
  void trimAndCaseNormaliseOneWayAndPassValuesBack() {
    assertThat(there(oneRule(Transforms.trim()), "  Ada  ")).isEqualTo("Ada");
    assertThat(back(oneRule(Transforms.trim()), "  Ada  ")).isEqualTo("  Ada  ");
    assertThat(there(oneRule(Transforms.lowercase()), "ÀDA İ")).isEqualTo("àda i̇");
    assertThat(there(oneRule(Transforms.uppercase()), "ada")).isEqualTo("ADA");
    assertThat(there(oneRule(Transforms.titlecase()), "mary-ann o'neil  SMITH")).isEqualTo("Mary-Ann O'Neil  Smith");
    assertThat(back(oneRule(Transforms.titlecase()), "mary")).isEqualTo("mary");
    assertThat(there(oneRule(Transforms.trim()), List.of(" a ", "b "))).as("each value of a list").isEqualTo(List.of("a", "b"));
  }

  @Test
  void emailsAreTrimmedLowerCasedAndCheckedWithoutQuotingThem() {
    FieldMapping m = oneRule(Transforms.email());
    assertThat(there(m, "  mailto:Ada.Lovelace@Example.COM ")).isEqualTo("ada.lovelace@example.com");
    assertThat(back(m, "Ada@Example.com")).isEqualTo("Ada@Example.com");
    assertThat(m.map(record("a", "   "), TO_TARGET).fields()).doesNotContainKey("b");
    assertThatThrownBy(() -> there(m, "ada at example.com"))
        .isInstanceOf(CrmRequestException.class)
        .hasMessageContaining("a: not an email address")
        .hasMessageNotContaining("ada at example.com")
        .satisfies(e -> assertThat(((CrmRequestException) e).fieldErrors()).singleElement()
            .satisfies(fe -> {
              assertThat(fe.field()).isEqualTo("a");
              assertThat(fe.code()).isEqualTo(FieldMapping.TRANSFORM_FAILED);
              assertThat(fe.message()).contains("mapping rule 1");
            }));
  }

  @Test
  void phonesBecomeE164InTheirDefaultRegion() {
    FieldMapping gb = oneRule(Transforms.phone("GB"));
    assertThat(there(gb, "020 7946 0018")).isEqualTo("+442079460018");
    assertThat(there(gb, "+1 (415) 555-0132")).isEqualTo("+14155550132");
    assertThat(there(gb, 2079460018L)).isEqualTo("+442079460018");
    assertThat(back(gb, "+442079460018")).isEqualTo("+442079460018");
    assertThat(there(gb, there(gb, "020 7946 0018"))).as("idempotent").isEqualTo("+442079460018");
    assertThatThrownBy(() -> there(gb, "12")).hasMessageContaining("a: not a possible phone number for region GB")
        .hasMessageNotContaining(": 12");
    assertThatThrownBy(() -> there(oneRule(Transforms.phone()), "020 7946 0018"))
        .hasMessageContaining("no default region");
    assertThatThrownBy(() -> Transforms.phone("XX")).hasMessageContaining("unknown region 'XX'");
  }

  @Test
  void datesAreReadAndWrittenWithPatternsBothWays() {
    FieldMapping m = oneRule(Transforms.date("dd/MM/yyyy", "iso-date"));
    assertThat(there(m, "03/02/2024")).isEqualTo("2024-02-03");
    assertThat(back(m, "2024-02-03")).isEqualTo("03/02/2024");
    assertThatThrownBy(() -> there(m, "31/02/2024")).as("strict: no 29/02 in its place")
        .hasMessageContaining("not a date in the form 'dd/MM/yyyy'").hasMessageNotContaining("31/02");
    assertThatThrownBy(() -> there(m, "2024-02-03")).hasMessageContaining("'dd/MM/yyyy'");

    FieldMapping zoned = oneRule(Transforms.date("iso", "dd MMM yyyy HH:mm", Locale.UK, ZoneId.of("Europe/London")));
    assertThat(there(zoned, "2024-07-01T09:30:00.000+0000")).as("Salesforce's offsets").isEqualTo("01 Jul 2024 10:30");
    assertThat(back(zoned, "01 Jul 2024 10:30")).isEqualTo("2024-07-01T09:30:00Z");

    FieldMapping millis = oneRule(Transforms.date("epoch-millis", "iso-instant"));
    assertThat(there(millis, 1_704_067_200_000L)).isEqualTo("2024-01-01T00:00:00Z");
    assertThat(back(millis, "2024-01-01T00:00:00Z")).isEqualTo(1_704_067_200_000L);
    assertThatThrownBy(() -> Transforms.date("dd/MM/yyyy", "qqqqqqq-nope{")).hasMessageContaining("not a date pattern");
  }

  @Test
  void numbersAreReadWithTheirLocaleAndWrittenBack() {
    FieldMapping de = oneRule(Transforms.number("#,##0.00", null, Locale.GERMANY));
    assertThat(there(de, "1.234,50")).isEqualTo(new BigDecimal("1234.5"));
    assertThat(there(de, "1.234,00")).isEqualTo(1234L);
    assertThat(back(de, new BigDecimal("1234.5"))).isEqualTo("1.234,50");
    assertThatThrownBy(() -> there(de, "1.234,50 EUR")).hasMessageContaining("not a number in the form '#,##0.00' (de-DE)");
    assertThatThrownBy(() -> there(de, true)).hasMessageContaining("not a boolean");

    FieldMapping plain = oneRule(Transforms.toNumber());
    assertThat(there(plain, " 42 ")).isEqualTo(42L);
    assertThat(there(plain, "0.50")).isEqualTo(new BigDecimal("0.5"));
    assertThat(back(plain, 42L)).isEqualTo("42");
    assertThatThrownBy(() -> there(plain, "forty-two")).hasMessageContaining("not a plain number");

    FieldMapping out = oneRule(Transforms.number(null, "#,##0.00", Locale.US));
    assertThat(there(out, 1234.5)).isEqualTo("1,234.50");
    assertThat(back(out, "1,234.50")).isEqualTo(new BigDecimal("1234.5"));
  }

  @Test
  void booleansAndTextConvert() {
    FieldMapping b = oneRule(Transforms.toBoolean());
    assertThat(there(b, "Yes")).isEqualTo(true);
    assertThat(there(b, "0")).isEqualTo(false);
    assertThat(there(b, 1L)).isEqualTo(true);
    assertThat(back(b, true)).isEqualTo("true");
    assertThatThrownBy(() -> there(b, "maybe")).hasMessageContaining("not a boolean");
    assertThat(there(oneRule(Transforms.toText()), new BigDecimal("1E+3"))).isEqualTo("1000");
  }

  @Test
  void picklistsMapWithADefaultAndInvertWhenOneToOne() {
    FieldMapping m = oneRule(Transforms.map(Map.of("lead", "Lead", "customer", "Customer", "other", "Other"), "Other"));
    assertThat(there(m, "lead")).isEqualTo("Lead");
    assertThat(there(m, "evangelist")).as("unmapped values take the default").isEqualTo("Other");
    assertThat(back(m, "Customer")).isEqualTo("customer");
    assertThat(back(m, "Other")).isEqualTo("other");
    assertThatThrownBy(() -> back(m, "Partner")).hasMessageContaining("a value the map does not list");

    FieldMapping explicit = oneRule(Transforms.map(Map.of("1", "Low", "2", "Low", "3", "High"), null,
        Map.of("Low", 1, "High", 3), null));
    assertThat(there(explicit, 2L)).as("looked up by its text").isEqualTo("Low");
    assertThat(back(explicit, "Low")).isEqualTo(1L);

    assertThatThrownBy(() -> oneRule(Transforms.map(Map.of("1", "Low", "2", "Low"))))
        .hasMessageContaining("several values map to 'Low'");
    FieldMapping oneWay = FieldMapping.builder("contact", "contact").field("a").to("b")
        .transform(Transforms.map(Map.of("1", "Low", "2", "Low"))).direction(RuleDirection.TO_TARGET).build();
    assertThat(there(oneWay, "1")).isEqualTo("Low");
    assertThat(oneWay.map(record("b", "Low"), TO_SOURCE).fields()).as("nothing flows back").isEmpty();
  }

  @Test
  void namesSplitAndJoinBothWays() {
    FieldMapping split = FieldMapping.builder("contact", "contact")
        .field("name").to("firstName", "lastName").transform(Transforms.trim(), Transforms.splitName()).build();
    assertThat(split.map(record("name", " Ludwig  van Beethoven "), TO_TARGET).fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("firstName", "Ludwig", "lastName", "van Beethoven"));
    assertThat(split.map(record("name", "Lovelace, Ada"), TO_TARGET).fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("firstName", "Ada", "lastName", "Lovelace"));
    assertThat(split.map(record("name", "Cher"), TO_TARGET).fields()).isEqualTo(Map.of("lastName", "Cher"));
    assertThat(split.map(record("firstName", "Mary Ann", "lastName", "Smith"), TO_SOURCE).fields())
        .isEqualTo(Map.of("name", "Mary Ann Smith"));
    assertThat(split.map(record("firstName", "Ada", "lastName", "King Lovelace"), TO_SOURCE).fields())
        .as("a last name of two words comes back whole").isEqualTo(Map.of("name", "King Lovelace, Ada"));

    FieldMapping join = FieldMapping.builder("contact", "contact")
        .field("firstName", "lastName").to("Name").transform(Transforms.joinName()).build();
    assertThat(join.map(record("firstName", "Grace", "lastName", "Hopper"), TO_TARGET).fields())
        .isEqualTo(Map.of("Name", "Grace Hopper"));
    assertThat(join.map(record("lastName", "Hopper"), TO_TARGET).fields()).isEqualTo(Map.of("Name", "Hopper"));
    assertThat(join.map(record("Name", "Grace Brewster Hopper"), TO_SOURCE).fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("firstName", "Grace Brewster", "lastName", "Hopper"));
  }

  @Test
  void concatenationConstantsAndDefaults() {
    FieldMapping m = FieldMapping.builder("contact", "contact")
        .field("street1", "street2").to("street").transform(Transforms.concat(", ")).direction(RuleDirection.TO_TARGET)
        .constant("crm-sync").to("LeadSource")
        .constant("salesforce").from("origin").direction(RuleDirection.TO_SOURCE)
        .field("country").to("country").defaultValue("GB")
        .build();
    assertThat(m.map(record("street1", "1 Main St ", "street2", " Flat 2", "country", " "), TO_TARGET).fields())
        .isEqualTo(Map.of("street", "1 Main St, Flat 2", "LeadSource", "crm-sync", "country", "GB"));
    assertThat(m.map(record("street2", "Flat 2"), TO_TARGET).fields())
        .isEqualTo(Map.of("street", "Flat 2", "LeadSource", "crm-sync", "country", "GB"));
    assertThat(m.map(record("street", "1 Main St", "LeadSource", "web", "country", "FR"), TO_SOURCE).fields())
        .as("concat and the target's constant flow one way; the source's constant the other")
        .isEqualTo(Map.of("origin", "salesforce", "country", "FR"));
  }

  @Test
  void truncateCutsWithoutSplittingACharacter() {
    FieldMapping m = oneRule(Transforms.truncate(3));
    assertThat(there(m, "abcdef")).isEqualTo("abc");
    assertThat(there(m, "ab\uD83D\uDE00")).isEqualTo("ab");
    assertThat(back(m, "abcdef")).isEqualTo("abcdef");
  }

  @Test
  void customTransformsAreUsedByNameWithTheirInverse() {
    Transform tier = Transform.of("loyaltyTier",
        v -> ((Number) v).longValue() >= 1000 ? "gold" : "silver",
        v -> v.equals("gold") ? 1000L : 0L);
    TransformRegistry registry = TransformRegistry.builder().register(tier)
        .register(Transform.normalizer("digitsOnly", v -> v.toString().replaceAll("[^0-9]", ""))).build();
    FieldMapping m = FieldMapping.parse("""
        rules:
          - from: points
            to: Tier__c
            transform: loyaltyTier
          - from: vat
            to: Vat__c
            transform: [trim, digitsOnly]
        """, "custom.yaml", registry);
    assertThat(m.problems()).isEmpty();
    assertThat(m.map(record("points", 1500L, "vat", " GB 123 456 "), TO_TARGET).fields())
        .isEqualTo(Map.of("Tier__c", "gold", "Vat__c", "GB123456".replaceAll("[^0-9]", "")));
    assertThat(m.map(record("Tier__c", "gold", "Vat__c", "123456"), TO_SOURCE).fields())
        .isEqualTo(Map.of("points", 1000L, "vat", "123456"));
    assertThatThrownBy(() -> TransformRegistry.builder().register(Transform.of("trim", v -> v)))
        .hasMessageContaining("built-in");
    assertThat(FieldMapping.parse("rules:\n  - {from: a, to: b, transform: loyaltyTier}\n", "x.yaml").problems())
        .singleElement().satisfies(p -> assertThat(p.message()).contains("unknown transform 'loyaltyTier'"));
  }

  @Test
  void aRecordFailingOnSeveralFieldsNamesEachAndATransformReturningAnUnsupportedValueIsCaught() {
    FieldMapping m = FieldMapping.builder("contact", "contact")
        .field("email").to("email").transform(Transforms.email())
        .field("phone").to("phone").transform(Transforms.phone("US"))
        .field("when").to("when").transform(Transform.of("asDate", v -> java.time.LocalDate.parse(v.toString())))
        .direction(RuleDirection.TO_TARGET)
        .build();
    assertThatThrownBy(() -> m.map(record("email", "nope", "phone", "x", "when", "2024-01-01"), TO_TARGET))
        .isInstanceOf(CrmRequestException.class)
        .satisfies(e -> assertThat(((CrmRequestException) e).fieldErrors()).extracting(FieldError::field)
            .containsExactly("email", "phone", "when"))
        .hasMessageContaining("refused 3 field(s)")
        .hasMessageContaining("a transform gave a LocalDate");
  }

  @Test
  void unmappedFieldsAreDroppedOrPassedThroughAsTheMappingSays() {
    CrmRecord r = record("email", "a@b.co", "Favourite_Colour__c", "teal", "fax", "1", "phone", "2");
    FieldMapping drop = FieldMapping.builder("contact", "contact").field("email").to("email").build();
    assertThat(drop.map(r, TO_TARGET).fields()).isEqualTo(Map.of("email", "a@b.co"));
    FieldMapping pass = FieldMapping.builder("contact", "contact").unmapped(Unmapped.PASS_THROUGH).drop("fax")
        .field("phone").to("mobile").build();
    assertThat(pass.map(r, TO_TARGET).fields())
        .isEqualTo(Map.of("email", "a@b.co", "Favourite_Colour__c", "teal", "mobile", "2"));
    assertThat(pass.map(r, TO_TARGET).id()).isEqualTo("42");
    assertThat(FieldMapping.defaults("company").map(r.withFields(Map.of("name", "Acme", "Tier__c", "A")), TO_TARGET)
        .fields()).isEqualTo(Map.of("name", "Acme", "Tier__c", "A"));
  }

  @Test
  void theInverseIsAFieldMappingTheOtherWayRound() {
    FieldMapping m = FieldMapping.builder("pets", "Pet__c")
        .field("name").to("Name").transform(Transforms.trim())
        .field("species").to("Species__c").transform(Transforms.map(Map.of("dog", "Dog", "cat", "Cat")))
        .constant("hubspot").to("Origin__c")
        .build();
    FieldMapping inverse = m.inverse();
    assertThat(inverse.sourceObjectType()).isEqualTo("Pet__c");
    assertThat(inverse.targetObjectType()).isEqualTo("pets");
    CrmRecord sf = new CrmRecord("Pet__c", "a01", Map.of("Name", "Rex", "Species__c", "Dog", "Origin__c", "x"), null, false);
    assertThat(inverse.map(sf, TO_TARGET)).isEqualTo(m.map(sf, TO_SOURCE));
    assertThat(inverse.map(sf, TO_TARGET).objectType()).isEqualTo("pets");
    assertThat(inverse.inverse().map(record("name", " Rex ", "species", "cat"), TO_TARGET).fields())
        .isEqualTo(Map.of("Name", "Rex", "Species__c", "Cat", "Origin__c", "hubspot"));
    assertThat(inverse.rules()).extracting(FieldRule::direction)
        .containsExactly(RuleDirection.BOTH, RuleDirection.BOTH, RuleDirection.TO_SOURCE);
  }
}

package io.crmsync.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrmRecordTest {

  @Test
  void numbersAreHeldInTheFormAJsonRoundTripPreserves() {
    CrmRecord r = CrmRecord.of(ObjectTypes.CONTACT, Map.of("i", 5, "d", 1.5, "l", List.of(1, 2.5), "m", Map.of("k", 3)));
    assertThat(r.fields().get("i")).isEqualTo(5L);
    assertThat(r.fields().get("d")).isEqualTo(new BigDecimal("1.5"));
    assertThat(r.fields().get("l")).isEqualTo(List.of(1L, new BigDecimal("2.5")));
    assertThat(r.fields().get("m")).isEqualTo(Map.of("k", 3L));
  }

  @Test
  void unsupportedValuesAreRejectedNamingTheField() {
    assertThatThrownBy(() -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("when", Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("field when")
        .hasMessageContaining("java.time.Instant");
    assertThatThrownBy(() -> CrmRecord.of(ObjectTypes.CONTACT, Map.of("x", Double.NaN)))
        .hasMessageContaining("field x");
    assertThatThrownBy(() -> CrmRecord.of(" ", Map.of())).hasMessageContaining("objectType");
  }

  @Test
  void fieldsAreACopy() {
    java.util.HashMap<String, Object> f = new java.util.HashMap<>(Map.of("email", "a@b.c"));
    CrmRecord r = CrmRecord.of(ObjectTypes.CONTACT, f);
    f.put("email", "changed@b.c");
    assertThat(r.string("email")).isEqualTo("a@b.c");
    assertThatThrownBy(() -> r.fields().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void contactsConvertLosslessly() {
    Contact c = Contact.builder()
        .id("hubspot", "51")
        .email("ada@example.com")
        .firstName("Ada")
        .lastName("Lovelace")
        .createdAt(Instant.parse("2025-01-02T03:04:05Z"))
        .modifiedAt(Instant.parse("2025-02-02T03:04:05Z"))
        .customField("favourite_colour", "green")
        .customField("score", 42L)
        .build();
    CrmRecord r = c.toRecord("hubspot");
    assertThat(r.id()).isEqualTo("51");
    assertThat(r.fields()).containsEntry(Contact.Fields.CREATED_AT, "2025-01-02T03:04:05Z");
    assertThat(Contact.fromRecord("hubspot", r)).isEqualTo(c);
  }

  @Test
  void contactsRejectNonTextStandardFieldsNamingThem() {
    CrmRecord r = CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, 12));
    assertThatThrownBy(() -> Contact.fromRecord("x", r)).hasMessageContaining("email must be text");
    CrmRecord bad = CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.CREATED_AT, "yesterday"));
    assertThatThrownBy(() -> Contact.fromRecord("x", bad)).hasMessageContaining("createdAt").hasMessageContaining("yesterday");
    assertThatThrownBy(() -> Contact.builder().customField("email", "x").build()).hasMessageContaining("clashes");
  }
}

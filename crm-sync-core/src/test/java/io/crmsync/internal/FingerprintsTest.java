package io.crmsync.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FingerprintsTest {
  @Test
  void theCanonicalFormIsStable() {
    // fingerprints are stored (in PostgreSQL, across versions): a change here re-syncs every record once
    assertThat(Fingerprints.of(CrmRecord.of("contact", Map.of("email", "a@example.com", "firstname", "Ada", "score", 42L))))
        .isEqualTo("HL9lEy3Ms399XSQFhc9tyw");
    assertThat(Fingerprints.of(CrmRecord.of("contact", Map.of("city", "Zürich", "tags", List.of("a", 2L),
        "nested", Map.of("b", true, "a", new BigDecimal("1.50"))))))
        .isEqualTo("pEt8nxwaQmny-JNvOzvmaQ");
  }

  @Test
  void keyOrderDoesNotMatterAndTheLastOrderIsNotReusedWrongly() {
    Map<String, Object> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, Object> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    Map<String, Object> bc = new LinkedHashMap<>();
    bc.put("b", "2");
    bc.put("c", "1");
    String first = Fingerprints.of(new CrmRecord("contact", "1", ab, null, false));
    assertThat(Fingerprints.of(new CrmRecord("contact", "2", ba, null, false))).isEqualTo(first);
    assertThat(Fingerprints.of(new CrmRecord("contact", "3", ab, null, false))).isEqualTo(first);
    // same size, another key: must not be read in the cached order
    assertThat(Fingerprints.of(new CrmRecord("contact", "4", bc, null, false))).isNotEqualTo(first);
    assertThat(Fingerprints.of(new CrmRecord("contact", "5", Map.of("a", "2", "b", "1"), null, false))).isNotEqualTo(first);
  }

  @Test
  void longAndNonAsciiValuesAreWhollyCounted() {
    String longValue = "é".repeat(5000) + "x";
    String a = Fingerprints.of(CrmRecord.of("contact", Map.of("note", longValue)));
    String b = Fingerprints.of(CrmRecord.of("contact", Map.of("note", "é".repeat(5000) + "y")));
    assertThat(a).isNotEqualTo(b);
    assertThat(Fingerprints.of(CrmRecord.of("contact", Map.of("note", longValue)))).isEqualTo(a);
  }
}

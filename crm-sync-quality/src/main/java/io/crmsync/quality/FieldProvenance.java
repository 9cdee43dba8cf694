package io.crmsync.quality;

import java.util.List;
import java.util.Objects;

/**
 * Where a merged field's value came from, and where every other member's value went.
 *
 * @param field the field name
 * @param value the surviving value
 * @param recordId the member the surviving value was taken from
 * @param rule the name of the {@link SurvivorshipRule} that chose it
 * @param others every other member's non-empty value of this field (equal or not), so no value is lost
 */
public record FieldProvenance(
    String field, String value, String recordId, String rule, List<FieldCandidate> others) {
  public FieldProvenance {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(recordId, "recordId");
    Objects.requireNonNull(rule, "rule");
    others = List.copyOf(Objects.requireNonNull(others, "others"));
  }
}

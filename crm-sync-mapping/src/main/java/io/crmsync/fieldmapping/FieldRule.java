package io.crmsync.fieldmapping;

import java.util.List;
import java.util.Objects;

/**
 * One rule of a {@link FieldMapping}, as it reads: where it is, which fields of each side it names, which
 * way it flows, and its transforms by name.
 *
 * @param location its file and line ({@code contacts.yaml:12}), or its place among the rules built in code
 * @param sourceFields the source's fields it names ({@code from}); empty for a constant written to the target
 * @param targetFields the target's fields it names ({@code to}); empty for a constant written to the source
 * @param direction which way its values flow
 * @param transforms its transforms' names, in the order they apply
 */
public record FieldRule(String location, List<String> sourceFields, List<String> targetFields,
    RuleDirection direction, List<String> transforms) {
  public FieldRule {
    Objects.requireNonNull(location, "location");
    sourceFields = List.copyOf(sourceFields);
    targetFields = List.copyOf(targetFields);
    Objects.requireNonNull(direction, "direction");
    transforms = List.copyOf(transforms);
  }
}

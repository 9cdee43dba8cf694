package io.crmsync.mapping;

import java.util.Objects;

/**
 * One thing wrong with a mapping, found before a record moves: an unknown field, a type that cannot
 * convert, a read-only or computed target field, a required target field left unmapped, a picklist value
 * the target does not allow, a string longer than the target takes.
 *
 * @param location where in the mapping: its file and line, or the rule's position when built in code
 * @param field the field at fault, as the mapping names it
 * @param message what is wrong and what would fix it
 */
public record MappingProblem(String location, String field, String message) {
  public MappingProblem {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return location + ": " + field + ": " + message;
  }
}

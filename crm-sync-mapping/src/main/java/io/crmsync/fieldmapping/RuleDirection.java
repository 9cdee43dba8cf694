package io.crmsync.fieldmapping;

import java.util.Locale;

/**
 * Which way a rule's values flow: from the source to the target, from the target back to the source, or
 * both ({@code to-target}, {@code to-source}, {@code both} in mapping files). A rule's {@code from} fields
 * are always the source's and its {@code to} fields the target's; its transforms apply in the way it
 * flows, and a {@code both} rule's transforms are undone on the way back.
 */
public enum RuleDirection {
  TO_TARGET,
  TO_SOURCE,
  BOTH;

  /** Its name in mapping files: {@code to-target}, {@code to-source}, {@code both}. */
  public String fileName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  boolean toTarget() {
    return this != TO_SOURCE;
  }

  boolean toSource() {
    return this != TO_TARGET;
  }

  RuleDirection flip() {
    return switch (this) {
      case TO_TARGET -> TO_SOURCE;
      case TO_SOURCE -> TO_TARGET;
      case BOTH -> BOTH;
    };
  }
}

package io.crmsync.fieldmapping;

import java.util.Locale;

/**
 * What happens to a field no rule names: {@link #DROP} it, or {@link #PASS_THROUGH} under its own name (how
 * custom fields of the same name on both sides, and the canonical standard fields, travel by default).
 * {@code drop} and {@code pass-through} in mapping files.
 */
public enum Unmapped {
  DROP,
  PASS_THROUGH;

  /** Its name in mapping files. */
  public String fileName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}

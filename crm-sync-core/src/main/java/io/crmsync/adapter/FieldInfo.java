package io.crmsync.adapter;

import java.util.Objects;

/**
 * One field of an object type, as the CRM describes it.
 *
 * @param name the name used in {@link io.crmsync.model.CrmRecord#fields()} (canonical for standard fields)
 * @param nativeName the CRM's own name for it
 * @param type the CRM's type name, such as {@code string}, {@code email}, {@code datetime}
 * @param required whether the CRM requires it on create
 * @param custom whether it is a custom (user-defined) field
 * @param readOnly whether the CRM computes it, so writes are refused
 */
public record FieldInfo(
    String name, String nativeName, String type, boolean required, boolean custom, boolean readOnly) {
  public FieldInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(nativeName, "nativeName");
    Objects.requireNonNull(type, "type");
  }
}

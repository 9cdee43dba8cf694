package io.crmsync.testkit.pipedrive;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One field of a Pipedrive entity, as {@code GET /api/v2/personFields} (and the other fields endpoints)
 * describe it: {@code field_code}, {@code field_name}, {@code field_type}, {@code options}, {@code
 * is_custom_field}. Custom fields have a 40-character hash as their code.
 *
 * <p>Shape: https://developers.pipedrive.com/docs/api/v1/PersonFields#getPersonFields (v2, "Get all person
 * fields"); the field types are those the v2 spec lists for {@code field_type}.
 *
 * @param code the field code ({@code name}, {@code emails}, or a 40-character hash for custom fields)
 * @param name the display name
 * @param type Pipedrive's field type ({@code varchar}, {@code text}, {@code double}, {@code enum}, ...)
 * @param custom whether a user created it
 * @param writable whether requests may set it (the emulator's schema; Pipedrive's own computed fields such
 *     as {@code id}, {@code first_name} or {@code update_time} are not)
 * @param requiredOnCreate whether a create without it is refused
 * @param contactSync whether it exists only with Contact Sync (job_title, postal_address, notes, birthday, im)
 * @param options the options of {@code enum} and {@code set} fields; empty otherwise
 */
record FieldDef(
    String code,
    String name,
    String type,
    boolean custom,
    boolean writable,
    boolean requiredOnCreate,
    boolean contactSync,
    List<Option> options) {

  /** One option of an {@code enum} or {@code set} field: custom fields' ids are numbers. */
  record Option(long id, String label) {}

  FieldDef {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    options = List.copyOf(options);
  }

  static FieldDef standard(String code, String name, String type, boolean writable) {
    return new FieldDef(code, name, type, false, writable, false, false, List.of());
  }

  static FieldDef required(String code, String name, String type) {
    return new FieldDef(code, name, type, false, true, true, false, List.of());
  }

  static FieldDef contactSync(String code, String name, String type) {
    return new FieldDef(code, name, type, false, true, false, true, List.of());
  }

  @Nullable Option option(long id) {
    for (Option o : options) {
      if (o.id() == id) {
        return o;
      }
    }
    return null;
  }
}

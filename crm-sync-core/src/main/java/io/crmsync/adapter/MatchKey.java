package io.crmsync.adapter;

import io.crmsync.model.Contact;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The field an upsert matches existing records on: the email, or an external id field the CRM declares
 * unique (a HubSpot unique property, a Salesforce External ID field, a Dataverse alternate key).
 *
 * @param field the field's name (canonical for standard fields)
 * @param caseInsensitive whether values match regardless of case, as emails do in every CRM
 */
public record MatchKey(String field, boolean caseInsensitive) {
  public MatchKey {
    Objects.requireNonNull(field, "field");
    if (field.isBlank()) {
      throw new IllegalArgumentException("match key field must not be blank");
    }
  }

  /** Match on email, ignoring case. */
  public static MatchKey email() {
    return new MatchKey(Contact.Fields.EMAIL, true);
  }

  /** Match on an external id field, exactly. */
  public static MatchKey field(String field) {
    return new MatchKey(field, false);
  }

  /** The value this key compares, normalised; {@code null} if the value is absent or blank. */
  public @Nullable String normalize(@Nullable Object value) {
    if (value == null) {
      return null;
    }
    String s = value.toString().strip();
    if (s.isEmpty()) {
      return null;
    }
    return caseInsensitive ? s.toLowerCase(Locale.ROOT) : s;
  }

  @Override
  public String toString() {
    return field;
  }
}

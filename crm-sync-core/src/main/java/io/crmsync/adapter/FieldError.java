package io.crmsync.adapter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One field a CRM refused, and why.
 *
 * @param field the field's name (canonical for standard fields), or {@code null} when the CRM named none
 * @param code the CRM's error code, such as {@code INVALID_EMAIL}
 * @param message the CRM's explanation, without secrets
 */
public record FieldError(@Nullable String field, String code, String message) {
  public FieldError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return (field == null ? "" : field + ": ") + code + " " + message;
  }
}

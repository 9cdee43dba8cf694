package io.crmsync.adapter;

import java.util.List;
import java.util.Objects;

/**
 * Why one record of a batch was not written.
 *
 * @param code the CRM's error code, or one of this class's constants
 * @param message what was wrong, naming the field and value where it helps; never a secret
 * @param fieldErrors the fields at fault, if the CRM named them
 * @param retryable whether sending the same record later may succeed (a lock, a transient error), as
 *     opposed to a record that must be fixed first
 */
public record RecordError(String code, String message, List<FieldError> fieldErrors, boolean retryable) {
  /** The record lacks a value for the match key. */
  public static final String MISSING_MATCH_KEY = "MISSING_MATCH_KEY";
  /** A field value failed validation. */
  public static final String INVALID_VALUE = "INVALID_VALUE";
  /** The record to update or delete does not exist. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** The match key matched more than one record. */
  public static final String AMBIGUOUS_MATCH = "AMBIGUOUS_MATCH";
  /** A transient failure for this record only. */
  public static final String TRANSIENT = "TRANSIENT";

  public RecordError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    fieldErrors = List.copyOf(fieldErrors);
  }

  /** A permanent error: the record must be fixed before it can be written. */
  public static RecordError invalid(String code, String message, FieldError... fieldErrors) {
    return new RecordError(code, message, List.of(fieldErrors), false);
  }

  /** A transient error: the same record may be written later. */
  public static RecordError transientError(String code, String message) {
    return new RecordError(code, message, List.of(), true);
  }

  @Override
  public String toString() {
    return code + ": " + message + (fieldErrors.isEmpty() ? "" : " " + fieldErrors);
  }
}

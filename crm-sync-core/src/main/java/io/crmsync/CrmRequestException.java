package io.crmsync;

import io.crmsync.adapter.FieldError;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The CRM refused the call as invalid: a bad value, an unknown field, a payload too large. Sending the
 * same call again will fail the same way; fix the input. {@link #fieldErrors()} names the fields where
 * the CRM said which.
 */
public class CrmRequestException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  private final List<FieldError> fieldErrors;

  public CrmRequestException(
      String crm,
      int statusCode,
      @Nullable String requestId,
      String message,
      List<FieldError> fieldErrors,
      @Nullable Throwable cause) {
    super(crm, statusCode, requestId, message, cause);
    this.fieldErrors = List.copyOf(fieldErrors);
  }

  public CrmRequestException(String crm, String message) {
    this(crm, 0, null, message, List.of(), null);
  }

  /** The fields the CRM named as invalid; empty when it named none. */
  public List<FieldError> fieldErrors() {
    return fieldErrors;
  }
}

package io.crmsync;

import org.jspecify.annotations.Nullable;

/**
 * The CRM could not be reached or answered with a transient failure: a 5xx, a timeout, a dropped
 * connection, a body that was not the JSON it should be. Trying later may succeed. Whether the call was
 * applied is unknown, so only idempotent calls (upserts by key, deletes) are retried as they are.
 */
public class CrmUnavailableException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  public CrmUnavailableException(
      String crm, int statusCode, @Nullable String requestId, String message, @Nullable Throwable cause) {
    super(crm, statusCode, requestId, message, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}

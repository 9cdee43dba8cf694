package io.crmsync;

import org.jspecify.annotations.Nullable;

/**
 * The CRM refused the credentials, and refreshing them once did not help. The caller has to obtain new
 * credentials (reconnect the app, rotate the key); retrying as is will not succeed.
 */
public class CrmAuthenticationException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  public CrmAuthenticationException(
      String crm, int statusCode, @Nullable String requestId, String message, @Nullable Throwable cause) {
    super(crm, statusCode, requestId, message, cause);
  }
}

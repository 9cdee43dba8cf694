package io.crmsync;

import org.jspecify.annotations.Nullable;

/**
 * Root of every failure crm-sync reports. Unchecked; its subclasses say what the caller can do:
 *
 * <ul>
 *   <li>{@link CrmAuthenticationException}: authenticate again (credentials revoked or expired);
 *   <li>{@link CrmRateLimitException}: wait {@link CrmRateLimitException#retryAfter()} and retry;
 *   <li>{@link CrmUnavailableException}: try later (5xx, timeouts, dropped connections, garbled bodies);
 *   <li>{@link CrmRequestException}: fix the input (validation errors, with {@link CrmRequestException#fieldErrors()});
 *   <li>{@link CrmConfigurationException}: fix the configuration (a missing or malformed setting).
 * </ul>
 *
 * <p>Each carries the CRM it came from, the HTTP status code and the CRM's request id where there was
 * one, and shows them in {@link #getMessage()}. Messages never contain credentials.
 */
public class CrmSyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String crm;
  private final int statusCode;
  private final @Nullable String requestId;

  /**
   * @param crm the id of the CRM or component that failed, such as {@code "hubspot"}
   * @param statusCode the HTTP status code, or {@code 0} when there was no HTTP response
   * @param requestId the CRM's request id, or {@code null}
   * @param message what went wrong, without secrets
   * @param cause the underlying failure, or {@code null}
   */
  public CrmSyncException(
      String crm, int statusCode, @Nullable String requestId, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.crm = crm;
    this.statusCode = statusCode;
    this.requestId = requestId;
  }

  public CrmSyncException(String crm, String message) {
    this(crm, 0, null, message, null);
  }

  /** The id of the CRM (or component) that failed, such as {@code "hubspot"}. */
  public String crm() {
    return crm;
  }

  /** The HTTP status code of the failed call, or {@code 0} when no response was received. */
  public int statusCode() {
    return statusCode;
  }

  /** The request id the CRM assigned to the failed call, or {@code null} when it sent none. */
  public @Nullable String requestId() {
    return requestId;
  }

  /** Whether trying the same call again later may succeed without changing it. */
  public boolean isRetryable() {
    return false;
  }

  @Override
  public String getMessage() {
    StringBuilder sb = new StringBuilder().append('[').append(crm);
    if (statusCode != 0) {
      sb.append(" HTTP ").append(statusCode);
    }
    if (requestId != null) {
      sb.append(" request ").append(requestId);
    }
    return sb.append("] ").append(super.getMessage()).toString();
  }
}

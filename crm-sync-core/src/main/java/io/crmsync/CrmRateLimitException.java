package io.crmsync;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The CRM refused the call because a request budget is spent. Wait {@link #retryAfter()} and send the
 * same call again; nothing of it was applied.
 */
public class CrmRateLimitException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  /** The wait used when the CRM does not say how long to wait. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);

  private final Duration retryAfter;
  private final boolean retryAfterFromServer;

  /**
   * @param retryAfter the wait the CRM asked for, or {@code null} if it named none ({@link
   *     #DEFAULT_RETRY_AFTER} is used)
   */
  public CrmRateLimitException(
      String crm,
      int statusCode,
      @Nullable String requestId,
      String message,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause) {
    super(crm, statusCode, requestId, withWait(message, retryAfter), cause);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfterFromServer = retryAfter != null;
    this.retryAfter = Objects.requireNonNullElse(retryAfter, DEFAULT_RETRY_AFTER);
  }

  private static String withWait(String message, @Nullable Duration retryAfter) {
    return message + " (retry after " + (retryAfter == null ? DEFAULT_RETRY_AFTER + " by default" : retryAfter) + ")";
  }

  /** How long to wait before the same call may succeed; never null, never negative. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Whether {@link #retryAfter()} came from the CRM, rather than being the default. */
  public boolean isRetryAfterFromServer() {
    return retryAfterFromServer;
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}

package io.crmsync;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The CRM refused the call because a request budget is spent. Wait {@link #retryAfter()} and send the
 * same call again; nothing of it was applied.
 *
 * <p>A spent quota of a long period (a daily API limit: Salesforce's {@code REQUEST_LIMIT_EXCEEDED},
 * HubSpot's {@code DAILY} policy) is {@linkplain #isQuotaExhausted() flagged}: waiting it out inside a
 * run is pointless, so the engine stops the run, keeps what is left for the next one and reports when
 * the quota resets, where the CRM says.
 */
public class CrmRateLimitException extends CrmSyncException {
  private static final long serialVersionUID = 1L;

  /** The wait used when the CRM does not say how long to wait. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);

  private final Duration retryAfter;
  private final boolean retryAfterFromServer;
  private final boolean quotaExhausted;

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
    this(crm, statusCode, requestId, message, retryAfter, false, cause);
  }

  private CrmRateLimitException(
      String crm,
      int statusCode,
      @Nullable String requestId,
      String message,
      @Nullable Duration retryAfter,
      boolean quotaExhausted,
      @Nullable Throwable cause) {
    super(crm, statusCode, requestId, withWait(message, retryAfter, quotaExhausted), cause);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfterFromServer = retryAfter != null;
    this.retryAfter = Objects.requireNonNullElse(retryAfter, DEFAULT_RETRY_AFTER);
    this.quotaExhausted = quotaExhausted;
  }

  /**
   * The CRM's quota for a long period (a day) is spent.
   *
   * @param untilReset how long until the quota resets, where the CRM says, else {@code null}
   */
  public static CrmRateLimitException quotaExhausted(
      String crm,
      int statusCode,
      @Nullable String requestId,
      String message,
      @Nullable Duration untilReset,
      @Nullable Throwable cause) {
    return new CrmRateLimitException(crm, statusCode, requestId, message, untilReset, true, cause);
  }

  private static String withWait(String message, @Nullable Duration retryAfter, boolean quota) {
    if (quota) {
      return message + (retryAfter == null ? " (quota spent; the CRM did not say when it resets)"
          : " (quota spent; it resets in " + retryAfter + ")");
    }
    return message + " (retry after " + (retryAfter == null ? DEFAULT_RETRY_AFTER + " by default" : retryAfter) + ")";
  }

  /**
   * Whether a quota of a long period (a daily API limit) is spent, rather than a short window's budget.
   * Then {@link #retryAfter()} is the time until it resets if {@link #isRetryAfterFromServer()}, else
   * unknown.
   */
  public boolean isQuotaExhausted() {
    return quotaExhausted;
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

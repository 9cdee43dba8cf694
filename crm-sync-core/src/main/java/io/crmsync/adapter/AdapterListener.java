package io.crmsync.adapter;

import java.time.Duration;

/**
 * Hears what an adapter does on the wire: each request and how long it took, the retries it makes on
 * its own, the rate limits it meets, the access tokens it renews. For metrics, logs, and the engine's
 * report (its retries count an adapter's own). Register one with {@link CRMAdapter#listen}.
 *
 * <p>Every method has a no-op default, so implementations override only what they need and keep
 * compiling as events are added. Methods are called on the adapter's threads, possibly concurrently;
 * keep them quick. An exception a listener throws is ignored: it cannot break an adapter's call.
 * Operations are low-cardinality names ({@code read}, {@code upsert}, {@code token}), never ids.
 */
public interface AdapterListener {
  /** A listener that does nothing. */
  AdapterListener NONE = new AdapterListener() {};

  /**
   * A request to the CRM completed.
   *
   * @param status the HTTP status, or 0 when no response arrived
   */
  default void onRequest(String adapterId, String operation, int status, Duration latency) {}

  /** The adapter tries {@code operation} again on its own after {@code cause}. */
  default void onRetry(String adapterId, String operation, Throwable cause) {}

  /**
   * The CRM refused {@code operation} for a rate limit and asked to wait {@code wait}; {@code quota} when a
   * long-period quota (a daily limit) is spent.
   */
  default void onRateLimited(String adapterId, String operation, Duration wait, boolean quota) {}

  /** The adapter obtained a new access token (ahead of expiry, or after the CRM refused the old one). */
  default void onTokenRenewed(String adapterId) {}

  /** A listener's registration: {@link #close()} stops its events. */
  @FunctionalInterface
  interface Registration extends AutoCloseable {
    /** A registration of nothing. */
    Registration NONE = () -> {};

    @Override
    void close();
  }
}

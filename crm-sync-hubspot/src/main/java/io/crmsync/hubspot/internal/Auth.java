package io.crmsync.hubspot.internal;

/** Where the adapter gets the bearer token for each request. Implementations are thread-safe. */
public interface Auth {

  /** The token to send now; may fetch or refresh it. */
  String token();

  /**
   * HubSpot refused {@code token} with a 401. Drops it, so that the next {@link #token()} gets another;
   * returns whether another may differ (an OAuth refresh, a rotated private-app token), so that retrying
   * once is worthwhile.
   */
  boolean refused(String token);

  /** Whether this is OAuth (whose default budget is lower than a private app's). */
  boolean isOAuth();
}

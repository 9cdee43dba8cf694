package io.crmsync.pipedrive.internal;

import okhttp3.Request;

/** How the adapter authenticates each request. Implementations are thread-safe. */
public interface Auth {

  /**
   * Adds the credential to {@code request} and returns it (to hand to {@link #refused} if Pipedrive answers
   * 401); may fetch or refresh an access token.
   */
  String authenticate(Request.Builder request);

  /**
   * Pipedrive refused {@code credential} with a 401. Drops it, so that the next {@link #authenticate} uses
   * another; returns whether another may differ (an OAuth refresh, a rotated API token), so that retrying
   * once is worthwhile.
   */
  boolean refused(String credential);

  /** Whether this is OAuth (whose burst limit is higher than an API token's). */
  boolean isOAuth();
}

package io.crmsync.http;

import io.crmsync.CrmSyncException;

/**
 * Turns an error response into the exception that says what the caller can do. Adapters implement it to
 * read their CRM's error bodies and fall back to {@link #defaults()} for the rest.
 */
@FunctionalInterface
public interface ErrorMapper {

  CrmSyncException map(HttpFailure failure);

  /**
   * The mapping by status alone: 401 and 403 to authentication, 429 to rate limit (with {@code
   * Retry-After}), 408, 425 and 5xx to unavailable, other 4xx to request errors. Messages carry the
   * operation and a body excerpt.
   */
  static ErrorMapper defaults() {
    return HttpErrors::byStatus;
  }
}

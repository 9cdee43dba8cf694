package io.crmsync.salesforce;

/**
 * How the adapter kept its session with the org: tokens obtained, and why each after the first was.
 *
 * @param tokensObtained access tokens received from the token endpoint
 * @param renewedBeforeExpiry renewals made ahead of a known expiry (from token introspection or {@code tokenTtl}),
 *     before any request was rejected
 * @param renewedAfterRejection renewals made because Salesforce rejected the session ({@code INVALID_SESSION_ID}):
 *     exactly one per rejected token, however many concurrent requests saw the rejection
 */
public record SessionStats(long tokensObtained, long renewedBeforeExpiry, long renewedAfterRejection) {}

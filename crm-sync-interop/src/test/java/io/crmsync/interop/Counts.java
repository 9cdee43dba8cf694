package io.crmsync.interop;

import java.util.Map;

/**
 * What an emulator counted.
 *
 * @param apiRequests API requests answered (token requests not included)
 * @param tokenRequests requests to the token endpoint, or tokens issued where the emulator counts only those
 * @param refused requests the vendor would have refused, by reason; rate limits and injected faults not included
 * @param rateLimited requests answered 429 (or the vendor's own rate-limit answer)
 * @param faults requests answered with an injected fault
 */
record Counts(long apiRequests, long tokenRequests, Map<String, Long> refused, long rateLimited, long faults) {
  Counts {
    refused = Map.copyOf(refused);
  }

  /** How an emulator names a refusal of an access token that has expired. */
  private static final java.util.regex.Pattern EXPIRED_TOKEN = java.util.regex.Pattern.compile(
      "(?i).*(^401\\b|\\b401\\b|expired|invalid_session|invalid_token|invalid_grant).*");

  /**
   * The refusals besides those of an access token that expired while its request was on the way. On this test's
   * clock, a sleep of one thread can move time past another thread's token between its check and its request (see
   * {@link WireClock}), how often depending on the machine's load; a real wire has the same race, rarer. Each adapter
   * renews the token and sends the request again, which the records' landing exactly once shows; these are counted
   * in the figures, not failed on.
   */
  Map<String, Long> refusedBesidesExpiredTokens() {
    Map<String, Long> out = new java.util.TreeMap<>();
    refused.forEach((reason, n) -> {
      if (!EXPIRED_TOKEN.matcher(reason).matches()) {
        out.put(reason, n);
      }
    });
    return out;
  }

  long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The share of API requests answered 429. */
  double rateLimitedShare() {
    return apiRequests == 0 ? 0 : (double) rateLimited / apiRequests;
  }
}

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

  long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The share of API requests answered 429. */
  double rateLimitedShare() {
    return apiRequests == 0 ? 0 : (double) rateLimited / apiRequests;
  }
}

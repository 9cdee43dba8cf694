package io.crmsync.hubspot;

/** The outcome of checking a webhook request's {@code X-HubSpot-Signature-v3}. */
public enum WebhookVerification {
  /** Signed by HubSpot with the app's secret, recently, and not seen before. */
  VALID,
  /** The signature or timestamp header is missing. */
  MISSING_SIGNATURE,
  /** The timestamp is not epoch milliseconds. */
  MALFORMED_TIMESTAMP,
  /** The timestamp is older (or further in the future) than the allowed age: refused to stop replays. */
  STALE_TIMESTAMP,
  /** The signature does not match: another secret, or a body, URI or method that changed on the way. */
  INVALID_SIGNATURE,
  /** A request with this signature was already accepted. */
  REPLAYED;

  public boolean isValid() {
    return this == VALID;
  }
}

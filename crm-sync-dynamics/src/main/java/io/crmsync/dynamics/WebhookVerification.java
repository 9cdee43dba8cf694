package io.crmsync.dynamics;

/** The outcome of checking a webhook request against its registration's authentication. */
public enum WebhookVerification {
  /** Every value the registration sends is there and matches. */
  VALID,
  /** A key the registration sends (the {@code code} parameter, a header, a query parameter) is missing. */
  MISSING_CREDENTIAL,
  /** A key is there twice, or its value does not match. */
  INVALID_CREDENTIAL;

  public boolean isValid() {
    return this == VALID;
  }
}

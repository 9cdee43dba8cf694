package io.crmsync.testkit.salesforce;

import java.util.List;

/**
 * A failure the emulator serves instead of a normal answer: injected into the next request with {@link
 * SalesforceEmulator#injectFault} or {@link SalesforceEmulator#injectTokenFault}, or drawn at the seeded {@link
 * SalesforceEmulator.Builder#faultRate}. Some leave the request unapplied; the {@code *_AFTER_APPLY} ones apply it
 * first and then lose the answer, as a proxy timing out or a dropped connection does, so that a client cannot tell
 * whether its write landed.
 */
public enum Fault {
  /** 503 with an HTML maintenance page, as a proxy or Salesforce's maintenance window returns. Not applied. */
  SERVICE_UNAVAILABLE_HTML(false),
  /** 500 with {@code [{"errorCode":"UNKNOWN_EXCEPTION",...}]}. Not applied. */
  SERVER_ERROR(false),
  /** 200 whose JSON body is cut off mid-way but complete by its length. Not applied. */
  GARBLED_JSON(false),
  /** Applied, then the connection is closed before any byte of the answer. */
  CONNECTION_DROPPED_AFTER_APPLY(true),
  /** Applied, then the answer's body stops short of the length its headers announced. */
  TRUNCATED_AFTER_APPLY(true),
  /** Applied, then a 504 HTML page from the gateway in front, which gave up waiting. */
  GATEWAY_TIMEOUT_AFTER_APPLY(true),
  /** 401 {@code INVALID_SESSION_ID}, whatever the token. API requests only. */
  INVALID_SESSION(false),
  /** 403 {@code REQUEST_LIMIT_EXCEEDED}. API requests only. */
  REQUEST_LIMIT_EXCEEDED(false);

  /** The faults a {@link SalesforceEmulator.Builder#faultRate} draws from: the transport failures. */
  public static final List<Fault> TRANSPORT = List.of(SERVICE_UNAVAILABLE_HTML, SERVER_ERROR, GARBLED_JSON,
      CONNECTION_DROPPED_AFTER_APPLY, TRUNCATED_AFTER_APPLY, GATEWAY_TIMEOUT_AFTER_APPLY);

  private final boolean applied;

  Fault(boolean applied) {
    this.applied = applied;
  }

  /** Whether the request is carried out before the answer is lost. */
  public boolean applied() {
    return applied;
  }
}

package io.crmsync.testkit.dynamics;

/** A fault the emulator can answer an API request with, injected in order or at seeded rates. */
public enum Fault {
  /** 500 with Dataverse's JSON error body; nothing applied. */
  SERVER_ERROR,
  /** 503 with an HTML page, as a gateway in front of the service sends; nothing applied. */
  SERVICE_UNAVAILABLE_HTML,
  /** Applied, then answered with the first half of the body. */
  TRUNCATED_BODY,
  /** Applied, then answered 200 with an empty body. */
  EMPTY_BODY,
  /** Applied, then the connection is closed before the response: the answer is lost. */
  DROPPED_CONNECTION,
  /** 429 as if the request budget were spent; nothing applied. */
  RATE_LIMITED
}

package io.crmsync.testkit.salesforce;

/** A failure the emulator can inject into the next API request, instead of serving it. */
public enum Fault {
  /** 503 with an HTML maintenance page, as a proxy or Salesforce's maintenance window returns. */
  SERVICE_UNAVAILABLE_HTML,
  /** 500 with {@code [{"errorCode":"UNKNOWN_EXCEPTION",...}]}. */
  SERVER_ERROR,
  /** 200 whose JSON body is cut off mid-way. The request is not applied. */
  GARBLED_JSON,
  /** 401 {@code INVALID_SESSION_ID}, whatever the token. */
  INVALID_SESSION,
  /** 403 {@code REQUEST_LIMIT_EXCEEDED}. */
  REQUEST_LIMIT_EXCEEDED
}

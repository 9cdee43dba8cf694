package io.crmsync.salesforce.internal;

import java.util.Locale;

/** How the adapter obtains access tokens. */
public enum AuthFlow {
  /** OAuth 2.0 JWT bearer: an RS256 assertion signed with the connected app's private key. */
  JWT("jwt"),
  /** OAuth 2.0 refresh token grant. */
  REFRESH_TOKEN("refreshToken"),
  /** OAuth 2.0 client credentials grant (runs as the connected app's execution user). */
  CLIENT_CREDENTIALS("clientCredentials");

  private final String setting;

  AuthFlow(String setting) {
    this.setting = setting;
  }

  /** The value of the {@code authFlow} setting that selects this flow. */
  public String setting() {
    return setting;
  }

  static AuthFlow parse(String value) {
    String v = value.strip().replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    for (AuthFlow f : values()) {
      if (f.setting.toLowerCase(Locale.ROOT).equals(v) || f.name().replace("_", "").toLowerCase(Locale.ROOT).equals(v)) {
        return f;
      }
    }
    if (v.equals("jwtbearer")) {
      return JWT;
    }
    throw new IllegalArgumentException(value);
  }
}

package io.crmsync.salesforce.internal;

import io.crmsync.adapter.Secret;
import java.util.Objects;
import okhttp3.HttpUrl;

/** An access token and the instance it is valid for. Its {@link #toString()} hides the token. */
public record AccessToken(Secret token, HttpUrl instanceUrl) {
  public AccessToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(instanceUrl, "instanceUrl");
  }
}

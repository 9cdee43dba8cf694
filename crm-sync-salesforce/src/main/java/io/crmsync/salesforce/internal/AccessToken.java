package io.crmsync.salesforce.internal;

import io.crmsync.adapter.Secret;
import java.time.Instant;
import java.util.Objects;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * An access token, the instance it is valid for and the user it acts as. Its {@link #toString()} hides the token.
 *
 * @param userId the user's id from the token answer's identity URL, or null if it had none
 * @param obtainedAt when the adapter received it, on its clock
 * @param renewAt when to renew it ahead of expiry, or null if its expiry is unknown (renewed when rejected)
 */
public record AccessToken(Secret token, HttpUrl instanceUrl, @Nullable String userId, Instant obtainedAt,
    @Nullable Instant renewAt) {
  public AccessToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(instanceUrl, "instanceUrl");
    Objects.requireNonNull(obtainedAt, "obtainedAt");
  }

  AccessToken renewingAt(@Nullable Instant at) {
    return new AccessToken(token, instanceUrl, userId, obtainedAt, at);
  }
}

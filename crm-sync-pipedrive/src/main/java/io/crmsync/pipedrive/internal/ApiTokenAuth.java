package io.crmsync.pipedrive.internal;

import io.crmsync.adapter.Secret;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import okhttp3.Request;

/**
 * A personal API token, sent in the {@code x-api-token} header ("The API token must be provided in the
 * x-api-token header for all requests"). It does not expire, but a user has one at a time and may
 * regenerate it: when Pipedrive refuses it, the credentials provider is asked again once.
 */
public final class ApiTokenAuth implements Auth {
  private final Supplier<Secret> source;
  private final AtomicReference<Secret> current;

  public ApiTokenAuth(Supplier<Secret> source) {
    this.source = Objects.requireNonNull(source, "source");
    this.current = new AtomicReference<>(source.get());
  }

  @Override
  public String authenticate(Request.Builder request) {
    String token = current.get().reveal().strip();
    request.header("x-api-token", token);
    return token;
  }

  @Override
  public boolean refused(String credential) {
    Secret fresh = source.get();
    current.set(fresh);
    return !fresh.reveal().strip().equals(credential);
  }

  @Override
  public boolean isOAuth() {
    return false;
  }

  @Override
  public String toString() {
    return "ApiTokenAuth[****]";
  }
}

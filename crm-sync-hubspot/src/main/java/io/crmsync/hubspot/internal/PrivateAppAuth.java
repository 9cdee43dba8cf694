package io.crmsync.hubspot.internal;

import io.crmsync.adapter.Secret;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A private app's access token. It does not expire, but the credentials provider may rotate it: when
 * HubSpot refuses it, the provider is asked again once.
 */
public final class PrivateAppAuth implements Auth {
  private final Supplier<Secret> source;
  private final AtomicReference<Secret> current;

  public PrivateAppAuth(Supplier<Secret> source) {
    this.source = Objects.requireNonNull(source, "source");
    this.current = new AtomicReference<>(source.get());
  }

  @Override
  public String token() {
    return current.get().reveal().strip();
  }

  @Override
  public boolean refused(String token) {
    Secret fresh = source.get();
    current.set(fresh);
    return !fresh.reveal().strip().equals(token);
  }

  @Override
  public boolean isOAuth() {
    return false;
  }

  @Override
  public String toString() {
    return "PrivateAppAuth[****]";
  }
}

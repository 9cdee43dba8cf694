package io.crmsync.adapter;

import java.util.Optional;

/**
 * Where adapters get their secrets. The default reads them from the adapter's settings (which may come
 * from the environment); a host application plugs in its vault here instead.
 *
 * <p>Implementations must be thread-safe; adapters may ask again when a credential is rejected, so a
 * provider may return a rotated value.
 */
@FunctionalInterface
public interface CredentialsProvider {

  /**
   * The secret called {@code name} (such as {@code "token"} or {@code "clientSecret"}) for adapter
   * {@code adapterId}, or empty if there is none.
   */
  Optional<Secret> secret(String adapterId, String name);
}

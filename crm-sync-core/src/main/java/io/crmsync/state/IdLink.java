package io.crmsync.state;

import java.util.Objects;

/**
 * Records that record {@code fromId} of {@code fromSystem} is record {@code toId} of {@code toSystem}, as
 * saved from {@code fromSystem}'s side: it replaces the link {@code fromId} saved before to {@code
 * toSystem}, and no link saved from the other side (see {@link SyncStateStore#linkedIds}).
 */
public record IdLink(String objectType, String fromSystem, String fromId, String toSystem, String toId) {
  public IdLink {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(fromSystem, "fromSystem");
    Objects.requireNonNull(fromId, "fromId");
    Objects.requireNonNull(toSystem, "toSystem");
    Objects.requireNonNull(toId, "toId");
  }
}

package io.crmsync.gateway;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where one change stands in one target.
 *
 * @param state where it stands
 * @param targetId the record's id in the target once {@link State#DELIVERED} (null for a delete, and for a
 *     record the target did not name)
 * @param cause why the last attempt failed ({@link State#FAILED}) or why it was given up on ({@link
 *     State#DEAD_LETTERED}), without secrets or field values; null otherwise
 */
public record DeliveryStatus(State state, @Nullable String targetId, @Nullable String cause) {

  /** Where a change stands in a target. */
  public enum State {
    /** Queued, not yet written. */
    PENDING,
    /** Written (or deleted). */
    DELIVERED,
    /** The last attempt failed; it will be tried again. */
    FAILED,
    /** Given up on; it stays in the target's dead letters with its cause. */
    DEAD_LETTERED;

    /** Whether nothing more will happen to the change in this target. */
    public boolean isFinal() {
      return this == DELIVERED || this == DEAD_LETTERED;
    }
  }

  static final DeliveryStatus PENDING = new DeliveryStatus(State.PENDING, null, null);

  public DeliveryStatus {
    Objects.requireNonNull(state, "state");
  }
}

package io.crmsync.gateway;

import java.util.Map;
import java.util.Objects;

/**
 * Where one submitted change stands in each target.
 *
 * @param receiptId the change's receipt
 * @param targets by target name, in the order the gateway's targets were configured
 */
public record ChangeStatus(String receiptId, Map<String, DeliveryStatus> targets) {
  public ChangeStatus {
    Objects.requireNonNull(receiptId, "receiptId");
    targets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(targets));
  }

  /** Whether nothing more will happen to the change in any target. */
  public boolean isFinal() {
    return targets.values().stream().allMatch(s -> s.state().isFinal());
  }

  /** Whether it was delivered to every target. */
  public boolean isDelivered() {
    return targets.values().stream().allMatch(s -> s.state() == DeliveryStatus.State.DELIVERED);
  }

  /**
   * Where it stands in {@code target}.
   *
   * @throws IllegalArgumentException if the change was not for {@code target}
   */
  public DeliveryStatus target(String target) {
    DeliveryStatus s = targets.get(target);
    if (s == null) {
      throw new IllegalArgumentException("no target named " + target + "; targets: " + targets.keySet());
    }
    return s;
  }
}

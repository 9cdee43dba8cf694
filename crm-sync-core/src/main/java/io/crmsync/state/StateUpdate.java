package io.crmsync.state;

import java.util.List;

/**
 * What one batch changed, applied by {@link SyncStateStore#apply} in one step (one transaction in a
 * database store).
 */
public record StateUpdate(List<IdLink> links, List<Fingerprint> fingerprints, List<DeadLetter> deadLetters) {
  public StateUpdate {
    links = List.copyOf(links);
    fingerprints = List.copyOf(fingerprints);
    deadLetters = List.copyOf(deadLetters);
  }

  public boolean isEmpty() {
    return links.isEmpty() && fingerprints.isEmpty() && deadLetters.isEmpty();
  }
}

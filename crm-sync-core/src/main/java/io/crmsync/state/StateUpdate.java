package io.crmsync.state;

import java.util.List;

/**
 * What one batch changed, applied by {@link SyncStateStore#apply} in one step (one transaction in a
 * database store).
 *
 * @param links id links to save
 * @param fingerprints fingerprints to save
 * @param deadLetters dead letters to add
 * @param unlinks id links to remove, after {@code links} are saved: each removes the link between its two
 *     ids whichever side saved it, and leaves their other links alone
 */
public record StateUpdate(
    List<IdLink> links, List<Fingerprint> fingerprints, List<DeadLetter> deadLetters, List<IdLink> unlinks) {
  public StateUpdate {
    links = List.copyOf(links);
    fingerprints = List.copyOf(fingerprints);
    deadLetters = List.copyOf(deadLetters);
    unlinks = List.copyOf(unlinks);
  }

  /** An update that removes no link. */
  public StateUpdate(List<IdLink> links, List<Fingerprint> fingerprints, List<DeadLetter> deadLetters) {
    this(links, fingerprints, deadLetters, List.of());
  }

  /** An update that only removes {@code unlinks}. */
  public static StateUpdate unlinking(List<IdLink> unlinks) {
    return new StateUpdate(List.of(), List.of(), List.of(), unlinks);
  }

  public boolean isEmpty() {
    return links.isEmpty() && fingerprints.isEmpty() && deadLetters.isEmpty() && unlinks.isEmpty();
  }
}

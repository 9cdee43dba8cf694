package io.crmsync.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What one batch changed, applied by {@link SyncStateStore#apply} in one step (one transaction in a
 * database store). Built with {@link #builder()}.
 *
 * @param links id links to save
 * @param fingerprints fingerprints to save
 * @param deadLetters dead letters to add (each replaces the record's earlier one in its job and
 *     operation)
 * @param unlinks id links to remove, after {@code links} are saved: each removes the link between its two
 *     ids whichever side saved it, and leaves their other links alone
 * @param resolved dead letters to remove because their records have now landed
 * @param baselines values a two-way sync agreed on, to save (each replaces the pair's earlier one)
 */
public record StateUpdate(
    List<IdLink> links,
    List<Fingerprint> fingerprints,
    List<DeadLetter> deadLetters,
    List<IdLink> unlinks,
    List<Resolved> resolved,
    List<Baseline> baselines) {

  /**
   * A dead letter that no longer applies: record {@code recordId} of job {@code jobId} has been written
   * (or deleted) after all.
   */
  public record Resolved(String jobId, DeadLetter.Operation operation, String recordId) {
    public Resolved {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(recordId, "recordId");
    }
  }

  private static final StateUpdate EMPTY =
      new StateUpdate(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  public StateUpdate {
    links = List.copyOf(links);
    fingerprints = List.copyOf(fingerprints);
    deadLetters = List.copyOf(deadLetters);
    unlinks = List.copyOf(unlinks);
    resolved = List.copyOf(resolved);
    baselines = List.copyOf(baselines);
  }

  /** An update that removes no link and resolves no dead letter. */
  public StateUpdate(List<IdLink> links, List<Fingerprint> fingerprints, List<DeadLetter> deadLetters) {
    this(links, fingerprints, deadLetters, List.of(), List.of(), List.of());
  }

  /** An update that resolves no dead letter. */
  public StateUpdate(
      List<IdLink> links, List<Fingerprint> fingerprints, List<DeadLetter> deadLetters, List<IdLink> unlinks) {
    this(links, fingerprints, deadLetters, unlinks, List.of(), List.of());
  }

  /** An update that changes nothing. */
  public static StateUpdate empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** An update that only adds {@code deadLetters}. */
  public static StateUpdate deadLettering(List<DeadLetter> deadLetters) {
    return builder().deadLetters(deadLetters).build();
  }

  /** An update that only removes {@code unlinks}. */
  public static StateUpdate unlinking(List<IdLink> unlinks) {
    return builder().unlinks(unlinks).build();
  }

  public boolean isEmpty() {
    return links.isEmpty() && fingerprints.isEmpty() && deadLetters.isEmpty() && unlinks.isEmpty()
        && resolved.isEmpty() && baselines.isEmpty();
  }

  /** Collects a {@link StateUpdate}. Not thread-safe. */
  public static final class Builder {
    private final List<IdLink> links = new ArrayList<>();
    private final List<Fingerprint> fingerprints = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final List<IdLink> unlinks = new ArrayList<>();
    private final List<Resolved> resolved = new ArrayList<>();
    private final List<Baseline> baselines = new ArrayList<>();

    Builder() {}

    public Builder baseline(Baseline baseline) {
      baselines.add(Objects.requireNonNull(baseline, "baseline"));
      return this;
    }

    public Builder baselines(List<Baseline> baselines) {
      this.baselines.addAll(baselines);
      return this;
    }

    public Builder link(IdLink link) {
      links.add(Objects.requireNonNull(link, "link"));
      return this;
    }

    public Builder links(List<IdLink> links) {
      this.links.addAll(links);
      return this;
    }

    public Builder fingerprint(Fingerprint fingerprint) {
      fingerprints.add(Objects.requireNonNull(fingerprint, "fingerprint"));
      return this;
    }

    public Builder fingerprints(List<Fingerprint> fingerprints) {
      this.fingerprints.addAll(fingerprints);
      return this;
    }

    public Builder deadLetter(DeadLetter deadLetter) {
      deadLetters.add(Objects.requireNonNull(deadLetter, "deadLetter"));
      return this;
    }

    public Builder deadLetters(List<DeadLetter> deadLetters) {
      this.deadLetters.addAll(deadLetters);
      return this;
    }

    public Builder unlink(IdLink link) {
      unlinks.add(Objects.requireNonNull(link, "link"));
      return this;
    }

    public Builder unlinks(List<IdLink> unlinks) {
      this.unlinks.addAll(unlinks);
      return this;
    }

    public Builder resolve(Resolved resolved) {
      this.resolved.add(Objects.requireNonNull(resolved, "resolved"));
      return this;
    }

    public Builder resolved(List<Resolved> resolved) {
      this.resolved.addAll(resolved);
      return this;
    }

    public StateUpdate build() {
      return new StateUpdate(links, fingerprints, deadLetters, unlinks, resolved, baselines);
    }
  }
}

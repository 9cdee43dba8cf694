package io.crmsync.quality;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Picks the surviving value of one field from the members of a cluster. Implementations must be
 * thread-safe and return one of the candidates (the engine records where every other value went).
 *
 * <p>Built-ins: {@link #mostRecent()}, {@link #mostComplete()}, {@link #fromMaster()}, {@link
 * #sourcePriority(List)}, {@link #mostFrequent()}; or write your own ("custom").
 */
@FunctionalInterface
public interface SurvivorshipRule {

  /**
   * Chooses among {@code candidates}: never empty, in member order with the master first.
   *
   * @return one element of {@code candidates}
   */
  FieldCandidate choose(String field, List<FieldCandidate> candidates);

  /** A short name for provenance; defaults to the class name. */
  default String name() {
    return getClass().getSimpleName();
  }

  /** The value of the most recently updated member (unknown times count as oldest; master breaks ties). */
  static SurvivorshipRule mostRecent() {
    return named("most-recent", (field, c) -> c.stream().max(RECENCY).orElseThrow());
  }

  /** The longest value (more information: {@code Robert} over {@code Bob}); recency breaks ties. */
  static SurvivorshipRule mostComplete() {
    return named("most-complete",
        (field, c) -> c.stream()
            .max(Comparator.<FieldCandidate>comparingInt(x -> x.value().strip().length()).thenComparing(RECENCY))
            .orElseThrow());
  }

  /** The master's value; when the master has none, the most recent. */
  static SurvivorshipRule fromMaster() {
    return named("from-master",
        (field, c) -> c.stream().filter(FieldCandidate::fromMaster).findFirst()
            .orElseGet(() -> c.stream().max(RECENCY).orElseThrow()));
  }

  /** The value from the most trusted source in {@code sources} (unlisted last); recency breaks ties. */
  static SurvivorshipRule sourcePriority(List<String> sources) {
    List<String> order = List.copyOf(Objects.requireNonNull(sources, "sources"));
    Comparator<FieldCandidate> bySource = Comparator.comparingInt(x -> {
      int i = x.source() == null ? -1 : order.indexOf(x.source());
      return i < 0 ? Integer.MIN_VALUE : -i;
    });
    return named("source-priority", (field, c) -> c.stream().max(bySource.thenComparing(RECENCY)).orElseThrow());
  }

  /** The value most members agree on (compared as written); recency breaks ties. */
  static SurvivorshipRule mostFrequent() {
    return named("most-frequent", (field, c) -> {
      Map<String, Integer> counts = new HashMap<>();
      for (FieldCandidate x : c) {
        counts.merge(x.value(), 1, Integer::sum);
      }
      return c.stream()
          .max(Comparator.<FieldCandidate>comparingInt(x -> counts.get(x.value())).thenComparing(RECENCY))
          .orElseThrow();
    });
  }

  /** {@code rule} under {@code name} in provenance. */
  static SurvivorshipRule named(String name, SurvivorshipRule rule) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(rule, "rule");
    return new SurvivorshipRule() {
      @Override
      public FieldCandidate choose(String field, List<FieldCandidate> candidates) {
        return rule.choose(field, candidates);
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  /** Older first; unknown oldest; among equals the master last (so max() prefers it). */
  Comparator<FieldCandidate> RECENCY =
      Comparator.<FieldCandidate, Instant>comparing(
              FieldCandidate::updatedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(FieldCandidate::fromMaster);
}

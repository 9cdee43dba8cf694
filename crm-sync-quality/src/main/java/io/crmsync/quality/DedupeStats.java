package io.crmsync.quality;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one deduplication did, for monitoring and tuning.
 *
 * @param records records in
 * @param mode the match mode used
 * @param blockingKeys the blocking keys, in words
 * @param blocks blocks with at least two records
 * @param oversizedBlocks blocks larger than the block size limit, compared in sorted runs
 * @param candidatePairs distinct pairs compared
 * @param meanCandidatesPerRecord mean number of records each record was compared with
 * @param maxCandidatesPerRecord the largest number of records one record was compared with
 * @param matchedPairs candidate pairs judged a match
 * @param clusters clusters out, singletons included
 * @param duplicateClusters clusters with more than one member
 * @param mergesRefusedByConflict merges the chain guard refused because members conflicted
 * @param mergesRefusedBySize merges refused because the cluster would exceed the size limit
 * @param model the match model, with its estimated parameters, in words
 * @param phaseTimes wall time per phase that ran, in order
 */
public record DedupeStats(
    int records,
    MatchMode mode,
    List<String> blockingKeys,
    long blocks,
    long oversizedBlocks,
    long candidatePairs,
    double meanCandidatesPerRecord,
    int maxCandidatesPerRecord,
    long matchedPairs,
    int clusters,
    int duplicateClusters,
    long mergesRefusedByConflict,
    long mergesRefusedBySize,
    String model,
    Map<DedupePhase, Duration> phaseTimes) {

  public DedupeStats {
    Objects.requireNonNull(mode, "mode");
    blockingKeys = List.copyOf(blockingKeys);
    Objects.requireNonNull(model, "model");
    EnumMap<DedupePhase, Duration> copy = new EnumMap<>(DedupePhase.class);
    copy.putAll(phaseTimes);
    phaseTimes = Collections.unmodifiableMap(copy);
  }

  /** Total wall time of all phases. */
  public Duration totalTime() {
    return phaseTimes.values().stream().reduce(Duration.ZERO, Duration::plus);
  }
}

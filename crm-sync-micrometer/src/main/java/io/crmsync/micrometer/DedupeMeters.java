package io.crmsync.micrometer;

import io.crmsync.quality.DedupeListener;
import io.crmsync.quality.DedupePhase;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Times each phase of a deduplication: {@code crmsync.dedupe.phase}, tagged by phase. Thread-safe. */
final class DedupeMeters implements DedupeListener {
  private final MeterRegistry registry;
  private final Tags common;
  private final Map<DedupePhase, Timer> phases = new ConcurrentHashMap<>();

  DedupeMeters(MeterRegistry registry, List<Tag> commonTags) {
    this.registry = registry;
    this.common = Tags.of(commonTags);
  }

  @Override
  public void phaseFinished(DedupePhase phase, Duration elapsed) {
    phases.computeIfAbsent(phase, p -> Timer.builder("crmsync.dedupe.phase")
            .description("How long each phase of a deduplication took (normalize, block, estimate, compare, cluster,"
                + " merge)")
            .tags(common).tag("phase", p.name().toLowerCase(Locale.ROOT))
            .register(registry))
        .record(elapsed);
  }
}

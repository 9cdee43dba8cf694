package io.crmsync.micrometer;

import io.crmsync.quality.DedupeListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Times each phase of a deduplication: {@code crmsync.dedupe.phase}, tagged by phase. Thread-safe. */
final class DedupeMeters implements DedupeListener {
  private final MeterRegistry registry;
  private final Tags common;
  private final Map<String, Timer> phases = new ConcurrentHashMap<>();

  DedupeMeters(MeterRegistry registry, List<Tag> commonTags) {
    this.registry = registry;
    this.common = Tags.of(commonTags);
  }

  @Override
  public void phaseFinished(String phase, long millis) {
    phases.computeIfAbsent(phase, p -> Timer.builder("crmsync.dedupe.phase")
            .description("How long each phase of a deduplication took (normalize, block, estimate, compare, cluster,"
                + " merge)")
            .tags(common).tag("phase", p)
            .register(registry))
        .record(Duration.ofMillis(millis));
  }
}

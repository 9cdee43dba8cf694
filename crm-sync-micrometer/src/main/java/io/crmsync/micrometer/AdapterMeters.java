package io.crmsync.micrometer;

import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.QuotaStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Publishes adapters' events: a timer of requests by adapter, operation and status (with percentiles), the
 * adapters' own retries, the rate limits they met and the waits asked for, token renewals, and quota gauges.
 * Thread-safe.
 */
final class AdapterMeters implements AdapterListener {
  private final MeterRegistry registry;
  private final Tags common;
  private final double[] percentiles;
  private final boolean histogram;
  private final Map<List<String>, Timer> requests = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> retries = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> rateLimits = new ConcurrentHashMap<>();
  private final Map<String, Counter> renewals = new ConcurrentHashMap<>();

  AdapterMeters(MeterRegistry registry, List<Tag> commonTags, double[] percentiles, boolean histogram) {
    this.registry = registry;
    this.common = Tags.of(commonTags);
    this.percentiles = percentiles;
    this.histogram = histogram;
  }

  @Override
  public void onRequest(String adapterId, String operation, int status, Duration latency) {
    String s = status == 0 ? "none" : Integer.toString(status);
    requests.computeIfAbsent(List.of(adapterId, operation, s), k -> Timer.builder("crmsync.adapter.requests")
            .description("Requests to the CRM, by adapter, operation and HTTP status (none: no answer came)")
            .tags(common).tag("adapter", adapterId).tag("operation", operation).tag("status", s)
            .publishPercentiles(percentiles)
            .publishPercentileHistogram(histogram)
            .register(registry))
        .record(latency);
  }

  @Override
  public void onRetry(String adapterId, String operation, Throwable cause) {
    retries.computeIfAbsent(List.of(adapterId, operation), k -> Counter.builder("crmsync.adapter.retries")
            .description("Requests an adapter sent again on its own (transient failures, rate limits, a renewed token)")
            .tags(common).tag("adapter", adapterId).tag("operation", operation)
            .register(registry))
        .increment();
  }

  @Override
  public void onRateLimited(String adapterId, String operation, Duration wait, boolean quota) {
    rateLimits.computeIfAbsent(List.of(adapterId, operation, Boolean.toString(quota)),
            k -> Timer.builder("crmsync.adapter.rate.limits")
                .description("Requests the CRM refused for a rate limit, and the waits it asked for; quota=true when"
                    + " a long-period quota (a daily limit) is spent")
                .tags(common).tag("adapter", adapterId).tag("operation", operation).tag("quota", Boolean.toString(quota))
                .register(registry))
        .record(wait);
  }

  @Override
  public void onTokenRenewed(String adapterId) {
    renewals.computeIfAbsent(adapterId, k -> Counter.builder("crmsync.adapter.token.renewals")
            .description("Access tokens or sessions an adapter renewed (ahead of expiry, or after a refusal)")
            .tags(common).tag("adapter", adapterId)
            .register(registry))
        .increment();
  }

  /** Registers {@code adapter}'s quota gauges; returns them, for removal. */
  List<Meter> registerQuota(CRMAdapter adapter) {
    return List.of(
        quotaGauge(adapter, "crmsync.adapter.quota.remaining",
            "Requests (or credits, tokens) left of the CRM's long-period quota, as it last said; NaN if it said none",
            q -> q.remaining()),
        quotaGauge(adapter, "crmsync.adapter.quota.limit",
            "The CRM's long-period quota, as it last said; NaN if it said none",
            q -> q.limit() > 0 ? q.limit() : Double.NaN));
  }

  private Meter quotaGauge(CRMAdapter adapter, String name, String description, ToDoubleFunction<QuotaStatus> f) {
    return Gauge.builder(name, adapter, a -> quota(a).map(f::applyAsDouble).orElse(Double.NaN))
        .description(description)
        .tags(common).tag("adapter", adapter.id())
        .strongReference(true)
        .register(registry);
  }

  private static Optional<QuotaStatus> quota(CRMAdapter adapter) {
    try {
      return adapter.quotaStatus();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}

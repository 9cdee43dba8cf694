package io.crmsync.micrometer;

import io.crmsync.CRMSync;
import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.quality.DedupeListener;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes what crm-sync does to a Micrometer {@link MeterRegistry}: records read, written, unchanged and
 * dead-lettered, retries, rate limits and the waits they asked for, runs and their outcomes, queue depth and
 * the age of its oldest task, checkpoint lag, and, per adapter, request latency by operation, the adapter's own
 * retries and rate limits, token renewals and what is left of its CRM's quota; and the phases of a
 * deduplication.
 *
 * <pre>{@code
 * CrmSyncMetrics metrics = CrmSyncMetrics.builder(registry).build();
 * CRMSync sync = CRMSync.builder().source(app).target(hubspot).listener(metrics).build();
 * metrics.bind(sync);   // the job's gauges, and the adapters' request metrics
 * sync.run();
 * }</pre>
 *
 * <p>Meter names follow Micrometer's conventions (dot-separated, base units: seconds), so each registry
 * renders them its own way: {@code crmsync.records.written} is {@code crmsync_records_written_total} in
 * Prometheus. Tags are few and bounded: {@code job}, {@code adapter}, {@code operation}, {@code status}, {@code
 * state}, {@code stage}, {@code quota}, {@code kind}, {@code phase}, and {@code error.code} (a CRM's error
 * code, at most {@value #MAX_ERROR_CODES} distinct per job, the rest as {@code other}); never a record's data
 * or id. The meters are listed in this module's README.
 *
 * <p>One instance serves any number of syncs (by job id) and adapters. Thread-safe; its listener methods
 * return quickly.
 */
public final class CrmSyncMetrics implements SyncListener {
  /** Distinct error codes tagged per job; later ones are counted as {@code other}. */
  public static final int MAX_ERROR_CODES = 50;

  private final MeterRegistry registry;
  private final double[] percentiles;
  private final boolean percentileHistogram;
  private final Duration queueStatsTtl;
  private final List<Tag> commonTags;
  private final Map<String, JobMeters> jobs = new ConcurrentHashMap<>();
  private final AdapterMeters adapters;
  private final Map<CRMAdapter, AdapterBinding> adapterBindings = new IdentityHashMap<>();

  private CrmSyncMetrics(Builder b) {
    this.registry = b.registry;
    this.percentiles = b.percentiles.clone();
    this.percentileHistogram = b.percentileHistogram;
    this.queueStatsTtl = b.queueStatsTtl;
    this.commonTags = List.copyOf(b.commonTags);
    this.adapters = new AdapterMeters(registry, commonTags, percentiles, percentileHistogram);
  }

  /** A builder of metrics published to {@code registry}. */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /** Metrics published to {@code registry} with the default settings. */
  public static CrmSyncMetrics create(MeterRegistry registry) {
    return builder(registry).build();
  }

  /** The registry these metrics are published to. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Binds {@code sync}: names its job's adapters in the tags of its record counts, registers its gauges (queue
   * depth and oldest task age, checkpoint lag, in-flight records, last successful run), and listens to its
   * source and target adapters for request metrics. The sync's events reach these metrics only if this is its
   * {@linkplain CRMSync.Builder#listener listener} (or is called by it). Closing the binding removes the job's
   * meters and stops listening to the adapters (an adapter bound by several syncs is listened to once, until
   * the last binding closes).
   *
   * @throws IllegalStateException if a sync of the same job is already bound
   */
  public Binding bind(CRMSync sync) {
    Objects.requireNonNull(sync, "sync");
    CRMSync.Config c = sync.config();
    JobMeters job = new JobMeters(registry, commonTags, c, queueStatsTtl);
    if (jobs.putIfAbsent(c.jobId(), job) != null) {
      throw new IllegalStateException("a sync of job " + c.jobId() + " is already bound");
    }
    job.registerGauges();
    Binding source = bind(c.source());
    Binding target = bind(c.target());
    return () -> {
      if (jobs.remove(c.jobId(), job)) {
        job.remove();
      }
      source.close();
      target.close();
    };
  }

  /**
   * Listens to {@code adapter} on its own, without a sync: request latency by operation, its retries, rate
   * limits, token renewals and quota. Closing the binding stops listening and removes its meters.
   */
  public Binding bind(CRMAdapter adapter) {
    Objects.requireNonNull(adapter, "adapter");
    AdapterBinding b;
    synchronized (adapterBindings) {
      b = adapterBindings.get(adapter);
      if (b == null) {
        b = new AdapterBinding(adapter, adapter.listen(adapters), adapters.registerQuota(adapter));
        adapterBindings.put(adapter, b);
      }
      b.uses++;
    }
    AdapterBinding bound = b;
    return () -> {
      synchronized (adapterBindings) {
        if (--bound.uses == 0 && adapterBindings.remove(adapter, bound)) {
          bound.close(registry);
        }
      }
    };
  }

  /** The listener that publishes the adapters' events; {@link #bind(CRMAdapter)} registers it. */
  public AdapterListener adapterListener() {
    return adapters;
  }

  /**
   * A listener for {@link io.crmsync.quality.DataQualityEngine#deduplicate}: a timer {@code crmsync.dedupe.phase}
   * per phase.
   */
  public DedupeListener dedupeListener() {
    return new DedupeMeters(registry, commonTags);
  }

  // ------------------------------------------------------------------------------ SyncListener

  private JobMeters job(String jobId) {
    JobMeters j = jobs.get(jobId);
    if (j != null) {
      return j;
    }
    // a sync that was never bound: its counts still count, without its adapters' names
    return jobs.computeIfAbsent(jobId, id -> new JobMeters(registry, commonTags, id, queueStatsTtl));
  }

  @Override
  public void onRunStarted(String jobId) {
    job(jobId).runStarted();
  }

  @Override
  public void onRunFinished(SyncReport report) {
    job(report.jobId()).runFinished(report);
  }

  @Override
  public void onCheckpoint(String jobId, Checkpoint checkpoint) {
    // the lag comes with onSettledUpTo
  }

  @Override
  public void onSettledUpTo(String jobId, Instant modifiedAt) {
    job(jobId).settledUpTo(modifiedAt);
  }

  @Override
  public void onPageRead(String jobId, int records) {
    job(jobId).read(records);
  }

  @Override
  public void onProgress(String jobId, SyncProgress progress) {
    job(jobId).progress(progress);
  }

  @Override
  public void onRateLimited(String jobId, String system, Duration retryAfter, int records) {
    job(jobId).rateLimited(system, retryAfter);
  }

  @Override
  public void onRetry(String jobId, int records, int attempt, Duration delay, Throwable cause) {
    job(jobId).retry(records);
  }

  @Override
  public void onDeadLetter(DeadLetter deadLetter) {
    job(deadLetter.jobId()).deadLettered(deadLetter);
  }

  @Override
  public String toString() {
    return "CrmSyncMetrics{" + registry.getClass().getSimpleName() + ", jobs=" + jobs.keySet() + "}";
  }

  /** A binding of a sync or an adapter; closing it removes what it registered. */
  @FunctionalInterface
  public interface Binding extends AutoCloseable {
    @Override
    void close();
  }

  private static final class AdapterBinding {
    final CRMAdapter adapter;
    final AdapterListener.Registration registration;
    final List<io.micrometer.core.instrument.Meter> meters;
    int uses;

    AdapterBinding(CRMAdapter adapter, AdapterListener.Registration registration,
        List<io.micrometer.core.instrument.Meter> meters) {
      this.adapter = adapter;
      this.registration = registration;
      this.meters = meters;
    }

    void close(MeterRegistry registry) {
      registration.close();
      meters.forEach(registry::remove);
    }

    @Override
    public String toString() {
      return "AdapterBinding{" + adapter.id() + "}";
    }
  }

  /** Builds {@link CrmSyncMetrics}. Not thread-safe. */
  public static final class Builder {
    private final MeterRegistry registry;
    private double[] percentiles = {0.5, 0.95, 0.99};
    private boolean percentileHistogram;
    private Duration queueStatsTtl = Duration.ofSeconds(1);
    private List<Tag> commonTags = List.of();

    Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The percentiles published for request latency (client-side; 0.5, 0.95 and 0.99 by default; none to
     * publish none).
     *
     * @throws IllegalArgumentException if one is outside [0, 1]
     */
    public Builder percentiles(double... percentiles) {
      for (double p : percentiles) {
        if (!(p >= 0 && p <= 1)) {
          throw new IllegalArgumentException("percentiles must be within 0 and 1: " + Arrays.toString(percentiles));
        }
      }
      this.percentiles = percentiles.clone();
      return this;
    }

    /**
     * Whether request latency also publishes a histogram, for percentiles aggregated across processes by the
     * monitoring system (Prometheus's {@code histogram_quantile}); off by default.
     */
    public Builder percentileHistogram(boolean percentileHistogram) {
      this.percentileHistogram = percentileHistogram;
      return this;
    }

    /**
     * How long one reading of a job's queue counts serves its gauges (1 second by default), so that a scrape
     * asks a PostgreSQL queue once, not once per gauge. Zero reads it for every gauge.
     */
    public Builder queueStatsTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative()) {
        throw new IllegalArgumentException("queueStatsTtl must not be negative: " + ttl);
      }
      this.queueStatsTtl = ttl;
      return this;
    }

    /** Tags added to every meter (an environment, a region); none by default. */
    public Builder commonTags(String... keysAndValues) {
      this.commonTags = List.copyOf(io.micrometer.core.instrument.Tags.of(keysAndValues).stream().toList());
      return this;
    }

    public CrmSyncMetrics build() {
      return new CrmSyncMetrics(this);
    }
  }
}

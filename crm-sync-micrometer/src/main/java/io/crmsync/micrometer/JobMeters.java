package io.crmsync.micrometer;

import io.crmsync.CRMSync;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.queue.QueueStats;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The meters of one sync job. Thread-safe. */
final class JobMeters {
  private static final Logger log = LoggerFactory.getLogger(JobMeters.class);
  static final String UNKNOWN = "unknown";

  private final MeterRegistry registry;
  private final String jobId;
  private final Tags jobTags;
  private final String source;
  private final String target;
  private final CRMSync.@Nullable Config config;
  private final TimeSource time;
  private final Duration queueStatsTtl;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();

  private final Counter read;
  private final Counter written;
  private final Counter unchanged;
  private final Counter readRetries;
  private final Counter writeRetries;
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final java.util.Set<String> errorCodes = ConcurrentHashMap.newKeySet();
  private final Map<String, Timer> rateLimits = new ConcurrentHashMap<>();
  private final Map<String, Timer> runs = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();

  /** Cumulative counts of the run under way already added to the counters. */
  private final AtomicLong runWritten = new AtomicLong();
  private final AtomicLong runUnchanged = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicReference<@Nullable Instant> settledUpTo = new AtomicReference<>();
  private final AtomicReference<@Nullable Instant> lastSuccess = new AtomicReference<>();
  private volatile @Nullable CachedStats stats;

  private record CachedStats(QueueStats stats, Instant at) {}

  /** A bound job: its adapters' ids, its queue and state store, its clock. */
  JobMeters(MeterRegistry registry, List<Tag> commonTags, CRMSync.Config config, Duration queueStatsTtl) {
    this(registry, commonTags, config.jobId(), config.source().id(), config.target().id(), config,
        config.timeSource(), queueStatsTtl);
  }

  /** A job heard from but never bound: counted without its adapters' names, and without gauges. */
  JobMeters(MeterRegistry registry, List<Tag> commonTags, String jobId, Duration queueStatsTtl) {
    this(registry, commonTags, jobId, UNKNOWN, UNKNOWN, null, TimeSource.system(), queueStatsTtl);
  }

  private JobMeters(MeterRegistry registry, List<Tag> commonTags, String jobId, String source, String target,
      CRMSync.@Nullable Config config, TimeSource time, Duration queueStatsTtl) {
    this.registry = registry;
    this.jobId = jobId;
    this.jobTags = Tags.of(commonTags).and("job", jobId);
    this.source = source;
    this.target = target;
    this.config = config;
    this.time = time;
    this.queueStatsTtl = queueStatsTtl;
    this.read = counter("crmsync.records.read", "Records read from the source", "adapter", source);
    this.written = counter("crmsync.records.written", "Records written (created, updated or deleted) in the target",
        "adapter", target);
    this.unchanged = counter("crmsync.records.unchanged", "Records the target already had, not written again",
        "adapter", target);
    this.readRetries = counter("crmsync.retries", "Retries by the engine, of source reads and of target writes",
        "stage", "read");
    this.writeRetries = counter("crmsync.retries", "Retries by the engine, of source reads and of target writes",
        "stage", "write");
  }

  private Counter counter(String name, String description, String... tags) {
    Counter c = Counter.builder(name).description(description).tags(jobTags).tags(tags).register(registry);
    meters.add(c);
    return c;
  }

  /** Registers the gauges of a bound job. */
  void registerGauges() {
    CRMSync.Config c = config;
    if (c == null) {
      return;
    }
    for (String state : List.of("ready", "delayed", "leased", "dead")) {
      gauge("crmsync.queue.tasks", "Tasks (batches) of the job on its queue, by state", Tags.of("state", state),
          m -> queueStats().map(s -> (double) switch (state) {
            case "ready" -> s.ready();
            case "delayed" -> s.delayed();
            case "leased" -> s.leased();
            default -> s.dead();
          }).orElse(Double.NaN));
    }
    timeGauge("crmsync.queue.oldest.task.age", "How long the oldest unfinished task of the job has been on its queue",
        m -> queueStats().flatMap(s -> s.oldestAge(time.now())).map(JobMeters::seconds).orElse(0.0));
    timeGauge("crmsync.checkpoint.lag", "Now minus the latest modification time of the records behind the checkpoint",
        m -> {
          Instant upTo = settledUpTo.get();
          return upTo == null ? Double.NaN : seconds(Duration.between(upTo, time.now()));
        });
    gauge("crmsync.records.in.flight", "Records read but not yet settled in the run under way", Tags.empty(),
        m -> inFlight.get());
    gauge("crmsync.run.last.success", "When a run of the job last completed, in seconds since the epoch",
        "seconds", Tags.empty(), m -> {
          Instant at = lastSuccess.get();
          return at == null ? Double.NaN : at.getEpochSecond() + at.getNano() / 1e9;
        });
    try {
      Optional<Checkpoint> cp = c.backend().stateStore().checkpoint(jobId);
      if (cp.isPresent() && !cp.get().inPass() && cp.get().watermark() != null) {
        settledUpTo.set(cp.get().watermark()); // the last finished pass read everything modified before it began
      }
    } catch (RuntimeException e) {
      log.debug("Reading the checkpoint of {} for its lag failed", jobId, e);
    }
  }

  private void gauge(String name, String description, Tags tags, ToDoubleFunction<JobMeters> f) {
    gauge(name, description, null, tags, f);
  }

  private void gauge(String name, String description, @Nullable String unit, Tags tags, ToDoubleFunction<JobMeters> f) {
    meters.add(Gauge.builder(name, this, f).description(description).baseUnit(unit).tags(jobTags).tags(tags)
        .strongReference(true).register(registry));
  }

  private void timeGauge(String name, String description, ToDoubleFunction<JobMeters> seconds) {
    meters.add(TimeGauge.builder(name, this, TimeUnit.SECONDS, seconds).description(description).tags(jobTags)
        .strongReference(true).register(registry));
  }

  private Optional<QueueStats> queueStats() {
    CRMSync.Config c = config;
    if (c == null) {
      return Optional.empty();
    }
    Instant now = time.now();
    CachedStats cached = stats;
    if (cached != null && !queueStatsTtl.isZero() && Duration.between(cached.at(), now).compareTo(queueStatsTtl) < 0) {
      return Optional.of(cached.stats());
    }
    TaskQueue queue = c.backend().queue();
    try {
      QueueStats s = queue.stats("crmsync:" + jobId);
      stats = new CachedStats(s, now);
      return Optional.of(s);
    } catch (RuntimeException e) {
      log.debug("Reading the queue of {} for its metrics failed", jobId, e);
      return Optional.empty();
    }
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  // ------------------------------------------------------------------------------- events

  void runStarted() {
    runWritten.set(0);
    runUnchanged.set(0);
  }

  void runFinished(SyncReport report) {
    // the report is exact: what the progress events have not counted yet is added now
    catchUp(runWritten, written, report.written());
    catchUp(runUnchanged, unchanged, report.unchanged());
    inFlight.set(0);
    String status = report.status().name().toLowerCase(Locale.ROOT);
    runs.computeIfAbsent(status, s -> register(Timer.builder("crmsync.runs")
            .description("Runs of the job, by how they ended, and how long they took")
            .tags(jobTags).tag("status", s).register(registry)))
        .record(report.duration());
    report.failure().ifPresent(f -> failures.computeIfAbsent(f.kind().name(), k -> register(Counter.builder(
            "crmsync.run.failures").description("Runs that failed, by the kind of their failure (an alert's kind)")
            .tags(jobTags).tag("kind", k).register(registry)))
        .increment());
    if (report.status() == SyncReport.Status.COMPLETED) {
      lastSuccess.set(time.now());
    }
  }

  private static void catchUp(AtomicLong counted, Counter counter, long total) {
    long before = counted.getAndAccumulate(total, Math::max);
    if (total > before) {
      counter.increment(total - before);
    }
  }

  void progress(SyncProgress p) {
    catchUp(runWritten, written, p.written());
    catchUp(runUnchanged, unchanged, p.unchanged());
    inFlight.set(p.inFlight());
  }

  void read(int records) {
    read.increment(records);
  }

  void settledUpTo(Instant modifiedAt) {
    settledUpTo.accumulateAndGet(modifiedAt, (a, b) -> a == null || b.isAfter(a) ? b : a);
  }

  void rateLimited(String system, Duration retryAfter) {
    rateLimits.computeIfAbsent(system, s -> register(Timer.builder("crmsync.rate.limit.waits")
            .description("Refusals for a rate limit that reached the engine, and the waits they asked for")
            .tags(jobTags).tag("adapter", s).register(registry)))
        .record(retryAfter);
  }

  void retry(int records) {
    (records == 0 ? readRetries : writeRetries).increment();
  }

  void deadLettered(DeadLetter d) {
    String code = errorCode(d.errorCode());
    String op = d.operation().label();
    deadLetters.computeIfAbsent(op + " " + code, k -> register(Counter.builder("crmsync.records.dead.lettered")
            .description("Records given up on, by operation and error code")
            .tags(jobTags).tag("adapter", target).tag("operation", op).tag("error.code", code).register(registry)))
        .increment();
  }

  /** The code as a tag value: bounded in length, and in how many distinct codes a job has. */
  private String errorCode(String code) {
    String clean = code.replaceAll("[^A-Za-z0-9_.:-]", "_");
    if (clean.length() > 64) {
      clean = clean.substring(0, 64);
    }
    if (!errorCodes.contains(clean)) {
      synchronized (errorCodes) {
        if (errorCodes.size() >= CrmSyncMetrics.MAX_ERROR_CODES) {
          return "other";
        }
        errorCodes.add(clean);
      }
    }
    return clean;
  }

  private <M extends Meter> M register(M meter) {
    meters.add(meter);
    return meter;
  }

  /** Removes every meter of this job from the registry. */
  void remove() {
    meters.forEach(registry::remove);
    meters.clear();
  }

  @Override
  public String toString() {
    return "JobMeters{" + jobId + ": " + source + " -> " + target + "}";
  }
}

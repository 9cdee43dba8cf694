package io.crmsync.tck;

import io.crmsync.testkit.TestContacts;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.FakeCrm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.failsafe.RetryPolicy;
import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.SyncListener;
import io.crmsync.SyncProgress;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.backend.SyncBackend;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.SyncStateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sync engine's behaviour, run against a {@link TaskQueue} and {@link SyncStateStore}
 * implementation: extend it with the implementations to check (the in-memory defaults in this project's
 * tests, PostgreSQL in {@code crm-sync-jdbc}'s). Everything runs on a {@link FakeTimeSource}; nothing
 * sleeps for real.
 */
public abstract class SyncEngineContract {

  /** A new, empty backend whose queue runs on {@code time}; closed after the test. */
  protected abstract SyncBackend newBackend(TimeSource time);

  protected FakeTimeSource time;
  protected SyncBackend backend;
  protected TaskQueue queue;
  protected SyncStateStore state;
  protected final List<Alert> alerts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUpEngine() {
    time = new FakeTimeSource();
    backend = newBackend(time);
    queue = backend.queue();
    state = backend.stateStore();
    alerts.clear();
  }

  @AfterEach
  void tearDownEngine() throws Exception {
    backend.close();
  }

  /** {@code n} contacts; every {@code invalidEvery}-th (if positive) has an invalid email. See {@link TestContacts}. */
  public static List<CrmRecord> contacts(int n, int invalidEvery) {
    return TestContacts.contacts(n, invalidEvery);
  }

  protected FakeCrm.Builder fake(String id) {
    return FakeCrm.builder().id(id).timeSource(time).seed(7);
  }

  /** A sync on this test's queue, state store and clock, as job {@code job}, alerting into {@code alerts}. */
  protected CRMSync.Builder sync(FakeCrm source, FakeCrm target) {
    return syncBuilder(source, target).alertSink(alerts::add).jobId("job");
  }

  /** A sync on this test's queue, state store and clock; the builder takes each setting once. */
  protected CRMSync.Builder syncBuilder(FakeCrm source, FakeCrm target) {
    return CRMSync.builder()
        .source(source)
        .target(target)
        .backend(backend)
        .timeSource(time);
  }

  /** Asserts the target holds exactly the source's valid records, each once, field for field. */
  protected static void assertTargetMirrorsSource(FakeCrm source, FakeCrm target, long expectedInvalid) {
    Map<String, CrmRecord> src = source.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
    Map<String, CrmRecord> dst = target.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
    assertThat(dst).hasSize(src.size() - (int) expectedInvalid);
    for (Map.Entry<String, CrmRecord> e : dst.entrySet()) {
      assertThat(e.getValue().fields()).isEqualTo(src.get(e.getKey()).fields());
    }
  }

  @Test
  void syncsEveryRecordAndBalancesTheReport() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(1_000, 0));

    SyncReport report = sync(source, target).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.read()).isEqualTo(1_000);
    assertThat(report.created()).isEqualTo(1_000);
    assertThat(report.deadLettered()).isZero();
    assertThat(report.balanced()).isTrue();
    assertTargetMirrorsSource(source, target, 0);
    // one page of 1,000 (the source's largest), written in batches of the target's preferred 200
    assertThat(source.requestCount("read")).isEqualTo(1);
    assertThat(target.requestCount("upsert")).isEqualTo(5);
    assertThat(state.checkpoint("job")).hasValueSatisfying(cp -> assertThat(cp.inPass()).isFalse());
  }

  @Test
  void aSecondRunSkipsUnchangedRecordsAndWritesOnlyWhatChanged() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(500, 0));
    CRMSync sync = sync(source, target).incremental(false).build();
    sync.run();
    long upserts = target.requestCount("upsert");

    time.advance(Duration.ofMinutes(1));
    source.edit(ObjectTypes.CONTACT, seeded.get(3).id(), Map.of(Contact.Fields.TITLE, "CTO"));
    SyncReport second = sync.run();

    assertThat(second.read()).isEqualTo(500);
    assertThat(second.unchanged()).isEqualTo(499);
    assertThat(second.updated()).isEqualTo(1);
    assertThat(target.requestCount("upsert") - upserts).isEqualTo(1);
    assertThat(target.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person3@example.com").string(Contact.Fields.TITLE))
        .isEqualTo("CTO");
  }

  @Test
  void incrementalPassesReadOnlyRecordsModifiedSinceTheLastPass() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(300, 0));
    CRMSync sync = sync(source, target).incrementalOverlap(Duration.ofSeconds(30)).build();
    time.advance(Duration.ofHours(1)); // records older than the pass start minus the overlap
    sync.run();

    time.advance(Duration.ofHours(1));
    source.edit(ObjectTypes.CONTACT, seeded.get(10).id(), Map.of(Contact.Fields.CITY, "Lisbon"));
    source.edit(ObjectTypes.CONTACT, seeded.get(20).id(), Map.of(Contact.Fields.CITY, "Porto"));
    SyncReport second = sync.run();

    assertThat(second.read()).isEqualTo(2);
    assertThat(second.updated()).isEqualTo(2);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void theListenerHearsHowRecentTheChangesBehindTheCheckpointAre() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    Instant start = time.now();
    List<CrmRecord> records = new ArrayList<>();
    for (CrmRecord r : contacts(250, 0)) {
      records.add(r.withModifiedAt(start.plusSeconds(records.size())));
    }
    source.seed(records);
    List<Instant> heard = new CopyOnWriteArrayList<>();
    List<io.crmsync.state.Checkpoint> checkpoints = new CopyOnWriteArrayList<>();
    SyncListener listener = new SyncListener() {
      @Override
      public void onCheckpoint(String jobId, io.crmsync.state.Checkpoint checkpoint) {
        checkpoints.add(checkpoint);
      }

      @Override
      public void onSettledUpTo(String jobId, Instant modifiedAt) {
        assertThat(jobId).isEqualTo("job");
        heard.add(modifiedAt);
      }
    };
    time.advance(Duration.ofHours(1));
    Instant passStart = time.now();
    CRMSync sync = sync(source, target).readPageSize(100).batchSize(50).listener(listener).build();
    sync.run();
    assertThat(heard).as("one per checkpoint: three pages").hasSize(checkpoints.size()).hasSize(3);
    assertThat(heard.subList(0, 2)).as("the latest modification behind each checkpoint, in order")
        .containsExactly(start.plusSeconds(99), start.plusSeconds(199));
    assertThat(heard.get(2)).as("a finished pass read everything modified before it began").isEqualTo(passStart);

    time.advance(Duration.ofHours(1));
    heard.clear();
    sync.run();
    assertThat(heard).as("an incremental pass that found nothing new").containsExactly(passStart.plus(Duration.ofHours(1)));
  }

  @Test
  void invalidRecordsAreDeadLetteredAloneWithACauseNamingTheField() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(1_000, 100));

    SyncReport report = sync(source, target).build().run();

    assertThat(report.deadLettered()).isEqualTo(10);
    assertThat(report.created()).isEqualTo(990);
    assertThat(report.balanced()).isTrue();
    List<DeadLetter> dead = state.deadLetters("job", 100);
    assertThat(dead).hasSize(10).allSatisfy(d -> {
      assertThat(d.errorCode()).isEqualTo("INVALID_VALUE");
      assertThat(d.message()).contains("email");
      assertThat(d.record().string(Contact.Fields.EMAIL)).contains("(at)");
    });
    assertTargetMirrorsSource(source, target, 10);
  }

  @Test
  void rateLimitedRecordsWaitTheRetryAfterWithoutUsingUpAttempts() {
    Duration retryAfter = Duration.ofSeconds(30);
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").rateLimitAfter(4, retryAfter).build();
    source.seed(contacts(1_000, 0));

    // one attempt only: if a rate limit used up an attempt, records would be dead-lettered
    SyncReport report = sync(source, target)
        .retryPolicy(RetryPolicy.builder().withMaxAttempts(1).build())
        .build()
        .run();

    assertThat(report.rateLimited()).isPositive();
    assertThat(report.deadLettered()).isZero();
    assertThat(report.created()).isEqualTo(1_000);
    assertTargetMirrorsSource(source, target, 0);
    // the first refusal of a quota window carries the full Retry-After; calls already under way when it
    // came are refused with what is left of it, so the wait is measured from the first
    List<FakeCrm.RequestLog> log = target.requests();
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).outcome().equals("429") && (i == 0 || !log.get(i - 1).outcome().equals("429"))) {
        Instant refusedAt = log.get(i).at();
        log.subList(i + 1, log.size()).stream().filter(r -> r.outcome().equals("ok")).findFirst()
            .ifPresent(next -> assertThat(next.at()).isAfterOrEqualTo(refusedAt.plus(retryAfter)));
      }
    }
  }

  @Test
  void aMissingRetryAfterMeansSixtySeconds() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").rateLimitAfter(2, Duration.ofSeconds(5)).sendRetryAfter(false).build();
    source.seed(contacts(300, 0));

    SyncReport report = sync(source, target).build().run();

    assertThat(report.created()).isEqualTo(300);
    assertThat(report.rateLimited()).isPositive();
    List<FakeCrm.RequestLog> log = target.requests();
    FakeCrm.RequestLog refused = log.stream().filter(r -> r.outcome().equals("429")).findFirst().orElseThrow();
    FakeCrm.RequestLog after = log.subList(log.indexOf(refused), log.size()).stream()
        .filter(r -> r.outcome().equals("ok")).findFirst().orElseThrow();
    assertThat(Duration.between(refused.at(), after.at())).isGreaterThanOrEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void theTargetNeverSeesMoreRequestsPerWindowThanItsBudget() {
    RequestBudget budget = RequestBudget.of(10, Duration.ofSeconds(1));
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").budget(budget).latency(Duration.ofMillis(30)).build();
    source.seed(contacts(2_000, 0));

    SyncReport report = sync(source, target).batchSize(10).workers(4).build().run();

    assertThat(report.created()).isEqualTo(2_000);
    assertThat(target.rateLimitedCount()).as("requests refused by the target").isZero();
    assertThat(target.maxRequestsInAnyWindow(Duration.ofSeconds(1))).isLessThanOrEqualTo(10);
    assertThat(target.requestCount("upsert")).isEqualTo(200);
  }

  @Test
  void transientFailuresAreRetriedWithBackoffThenDeadLetteredAndAlerted() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> new CrmUnavailableException("target", 503, null, op + " failed: down", null))
        .build();
    source.seed(contacts(250, 0));

    SyncReport report = sync(source, target).batchSize(50).deadLetterAlertThreshold(100).build().run();

    // past the threshold the run stops: what it did not get to is left for the next run
    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(report.failure()).hasValueSatisfying(f -> assertThat(f.kind()).isEqualTo(Alert.Kind.DEAD_LETTER_THRESHOLD));
    assertThat(report.deadLettered()).isBetween(150L, 250L);
    assertThat(report.deadLettered() + report.remaining() + report.delegated()).isEqualTo(250);
    assertThat(report.retries()).as("two retries of each batch given up on").isGreaterThanOrEqualTo(2 * report.deadLettered() / 50);
    assertThat(report.balanced()).isTrue();
    assertThat(state.deadLetters("job", 1000)).hasSize((int) report.deadLettered()).allSatisfy(d -> {
      assertThat(d.attempts()).isEqualTo(3);
      assertThat(d.errorCode()).isEqualTo("CrmUnavailableException");
      assertThat(d.message()).contains("503");
      assertThat(d.retryable()).as("a transient failure: the next run tries it again").isTrue();
    });
    assertThat(alerts).extracting(Alert::kind).containsExactly(Alert.Kind.DEAD_LETTER_THRESHOLD);
    assertThat(time.totalSlept()).as("backoff waited on the clock").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void lostResponsesAreRetriedAndTheTargetHoldsEachRecordOnce() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").lostResponseRate(0.3).build();
    source.seed(contacts(1_000, 0));

    SyncReport report = sync(source, target)
        .retryPolicy(RetryPolicy.builder().withMaxAttempts(20).withDelay(Duration.ofSeconds(1)).build())
        .build().run();

    assertThat(report.retries()).isPositive();
    assertThat(report.deadLettered()).isZero();
    assertThat(report.written()).isEqualTo(1_000);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void aBatchRefusedWholeIsSplitSoOnlyTheBadRecordIsDeadLettered() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> records.stream().anyMatch(r -> "poison".equals(r.string("tier")))
            ? new CrmRequestException("target", 400, "req-1", "batch refused: property tier has an invalid value", List.of(), null)
            : null)
        .build();
    List<CrmRecord> records = new ArrayList<>(contacts(100, 0));
    records.set(37, records.get(37).with("tier", "poison"));
    source.seed(records);

    SyncReport report = sync(source, target).build().run();

    assertThat(report.created()).isEqualTo(99);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(state.deadLetters("job", 10)).singleElement().satisfies(d -> {
      assertThat(d.record().string(Contact.Fields.EMAIL)).isEqualTo("person37@example.com");
      assertThat(d.message()).contains("tier");
    });
  }

  @Test
  void lostAuthenticationStopsTheSyncAlertsAndLeavesTheRestForTheNextRun() {
    AtomicInteger calls = new AtomicInteger();
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> calls.incrementAndGet() > 3
            ? new CrmAuthenticationException("target", 401, null, "token revoked", null)
            : null)
        .build();
    source.seed(contacts(1_000, 0));

    SyncReport report = sync(source, target).workers(1).readPageSize(100).batchSize(100).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(report.failure()).hasValueSatisfying(f ->
        assertThat(f.message()).contains("authentication").contains("target"));
    assertThat(report.remaining() + report.delegated()).as("left for the next run").isPositive();
    assertThat(report.balanced()).isTrue();
    assertThat(report.deadLettered()).isZero();
    assertThat(alerts).extracting(Alert::kind).containsExactly(Alert.Kind.AUTHENTICATION_LOST);
    assertThat(state.checkpoint("job")).hasValueSatisfying(cp -> assertThat(cp.inPass()).isTrue());
  }

  @Test
  void aStoppedSyncResumesFromItsCheckpointAndEndsEqual() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(2_000, 0));
    AtomicInteger pages = new AtomicInteger();
    AtomicInteger batches = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    CRMSync[] holder = new CRMSync[1];
    // Stop (once) when 7 pages were read and a batch was written, whichever comes last: the first page's task was
    // leased first, so it is settled before the run ends and the checkpoint has moved. Stopping on the
    // page count alone raced a slower (durable) queue, whose workers may not have finished a batch yet.
    holder[0] = sync(source, target)
        .readPageSize(100)
        .batchSize(100)
        .listener(new SyncListener() {
          @Override
          public void onPageRead(String jobId, int records) {
            if (pages.incrementAndGet() >= 7 && batches.get() > 0 && stopped.compareAndSet(false, true)) {
              holder[0].stop();
            }
          }

          @Override
          public void onBatchDone(String jobId, int written, int unchanged, int failed) {
            if (batches.incrementAndGet() > 0 && pages.get() >= 7 && stopped.compareAndSet(false, true)) {
              holder[0].stop();
            }
          }
        })
        .build();

    SyncReport first = holder[0].run();
    assertThat(first.status()).isEqualTo(SyncReport.Status.STOPPED);
    assertThat(first.read()).isLessThan(2_000);
    assertThat(first.balanced()).isTrue();

    SyncReport second = holder[0].run();
    assertThat(second.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(second.read()).as("resumed, did not start over").isLessThan(2_000);
    // at least once: tasks the first run left in the queue may race the re-read of their page, so a record
    // can be written twice, but it is created only once
    assertThat(first.created() + second.created()).isEqualTo(2_000);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void aWorkerOnlyRunFinishesTasksLeftOnTheQueue() {
    FakeCrm source = fake("source").build();
    // The coordinator's run ends on lost authentication after two writes, with the task that failed (and
    // any not yet taken) left on the queue: whatever the machine's speed, something is left.
    java.util.concurrent.atomic.AtomicBoolean revoked = new java.util.concurrent.atomic.AtomicBoolean(true);
    AtomicInteger calls = new AtomicInteger();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> revoked.get() && calls.incrementAndGet() > 2
            ? new CrmAuthenticationException("target", 401, null, "token revoked", null) : null)
        .build();
    source.seed(contacts(1_000, 0));
    SyncReport coordinator = sync(source, target).workers(1).readPageSize(200).batchSize(200).build().run();
    assertThat(coordinator.status()).isEqualTo(SyncReport.Status.FAILED);
    long left = queue.stats("crmsync:job").unfinished();
    assertThat(left).isPositive();

    revoked.set(false);
    SyncReport worker = sync(source, target).build().runWorker(Duration.ofSeconds(5));

    assertThat(worker.read()).isZero();
    assertThat(worker.recovered()).isEqualTo(coordinator.remaining() + coordinator.delegated());
    assertThat(worker.balanced()).isTrue();
    assertThat(queue.stats("crmsync:job").unfinished()).isZero();
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo((int) (coordinator.written() + worker.written()));
  }

  @Test
  void aThrowingListenerCannotBreakTheSync() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(300, 10));
    SyncListener hostile = new SyncListener() {
      @Override
      public void onProgress(String jobId, SyncProgress progress) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onDeadLetter(DeadLetter deadLetter) {
        throw new AssertionError("listener bug");
      }
    };

    SyncReport report = syncBuilder(source, target).jobId("job").listener(hostile).alertSink(a -> {
      throw new IllegalStateException("sink bug");
    }).deadLetterAlertThreshold(1).build().run();

    // the alert past the threshold stops the run, whatever its sink does; the run still ends and balances
    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(report.failure()).hasValueSatisfying(f -> assertThat(f.kind()).isEqualTo(Alert.Kind.DEAD_LETTER_THRESHOLD));
    assertThat(report.balanced()).isTrue();
    assertThat(report.written() + report.deadLettered() + report.remaining() + report.delegated()).isEqualTo(300);
    assertThat(report.deadLettered()).isPositive();

    SyncReport quiet = syncBuilder(source, fake("target2").build()).jobId("job2").listener(hostile).build().run();
    assertThat(quiet.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(quiet.created()).isEqualTo(270);
    assertThat(quiet.deadLettered()).isEqualTo(30);
  }

  @Test
  void deletesInTheSourceArePropagatedWhenAskedTo() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(200, 0));
    CRMSync sync = sync(source, target).propagateDeletes(true).build();
    sync.run();

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(seeded.get(0).id(), seeded.get(1).id()));
    SyncReport second = sync.run();

    assertThat(second.deleted()).isEqualTo(2);
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(198);
    assertTargetMirrorsSource(source, target, 0);
  }

  /**
   * Two source records with one email are written into one target record. Deleting one of them in the
   * source must keep the target record, which the other still maps to; deleting the other then deletes it.
   */
  @Test
  void aTargetRecordSharedBySourceDuplicatesIsDeletedOnlyWithTheLastOfThem() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(20, 0));
    CrmRecord duplicate = source.seed(List.of(seeded.get(3).with(Contact.Fields.FIRST_NAME, "Duplicate"))).get(0);
    CRMSync sync = sync(source, target).propagateDeletes(true).build();
    sync.run();
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(20);
    String shared = target.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person3@example.com").id();

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(duplicate.id()));
    SyncReport first = sync.run();

    assertThat(first.deleted()).isZero();
    assertThat(first.keptShared()).isEqualTo(1);
    assertThat(first.balanced()).isTrue();
    assertThat(target.requestCount("delete")).isZero();
    assertThat(target.get(ObjectTypes.CONTACT, shared)).hasValueSatisfying(r -> assertThat(r.deleted()).isFalse());
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(20);

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(seeded.get(3).id()));
    SyncReport second = sync.run();

    assertThat(second.deleted()).isEqualTo(1);
    assertThat(second.keptShared()).isZero();
    assertThat(target.get(ObjectTypes.CONTACT, shared)).hasValueSatisfying(r -> assertThat(r.deleted()).isTrue());
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(19);
    assertThat(state.allLinkedIds(ObjectTypes.CONTACT, "target", List.of(shared), "source")).isEmpty();
  }

  @Test
  void sourceDuplicatesDeletedTogetherDeleteTheirTargetRecordOnce() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(20, 0));
    List<CrmRecord> duplicates = source.seed(List.of(seeded.get(3).with(Contact.Fields.FIRST_NAME, "Second"),
        seeded.get(3).with(Contact.Fields.FIRST_NAME, "Third")));
    CRMSync sync = sync(source, target).propagateDeletes(true).build();
    sync.run();
    String shared = target.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person3@example.com").id();

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(seeded.get(3).id(), duplicates.get(0).id(), duplicates.get(1).id()));
    SyncReport report = sync.run();

    assertThat(report.deleted()).as("each source record's deletion was propagated").isEqualTo(3);
    assertThat(report.keptShared()).isZero();
    assertThat(report.balanced()).isTrue();
    assertThat(target.get(ObjectTypes.CONTACT, shared)).hasValueSatisfying(r -> assertThat(r.deleted()).isTrue());
    assertThat(target.requests()).filteredOn(r -> r.operation().equals("delete"))
        .singleElement().satisfies(r -> assertThat(r.records()).isEqualTo(1));
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(19);
  }

  /**
   * A delete batch whose call fails once and is retried: the link of the record whose target record was
   * kept is removed all the same, so that deleting the last duplicate later deletes the target record.
   */
  @Test
  void aRetriedDeleteBatchStillRemovesTheLinksOfTheRecordsItKept() {
    FakeCrm source = fake("source").build();
    FakeCrm fake = fake("target").build();
    AtomicInteger deleteCalls = new AtomicInteger();
    CRMAdapter target = new ForwardingAdapter(fake) {
      @Override
      public List<RecordResult> delete(String objectType, List<String> ids) {
        if (deleteCalls.incrementAndGet() == 1) {
          throw new CrmUnavailableException("target", 503, null, "injected", null);
        }
        return super.delete(objectType, ids);
      }
    };
    List<CrmRecord> seeded = source.seed(contacts(20, 0));
    CrmRecord duplicate = source.seed(List.of(seeded.get(3).with(Contact.Fields.FIRST_NAME, "Duplicate"))).get(0);
    CRMSync sync = CRMSync.builder().source(source).target(target).backend(backend).timeSource(time)
        .alertSink(alerts::add).jobId("job").propagateDeletes(true).build();
    sync.run();
    String shared = fake.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person3@example.com").id();

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(duplicate.id(), seeded.get(5).id()));
    SyncReport first = sync.run();

    assertThat(first.retries()).isEqualTo(1);
    assertThat(first.deleted()).isEqualTo(1);
    assertThat(first.keptShared()).isEqualTo(1);
    assertThat(first.balanced()).isTrue();
    assertThat(fake.get(ObjectTypes.CONTACT, shared)).hasValueSatisfying(r -> assertThat(r.deleted()).isFalse());

    time.advance(Duration.ofHours(1));
    source.delete(ObjectTypes.CONTACT, List.of(seeded.get(3).id()));
    SyncReport second = sync.run();

    assertThat(second.deleted()).isEqualTo(1);
    assertThat(fake.get(ObjectTypes.CONTACT, shared)).hasValueSatisfying(r -> assertThat(r.deleted()).isTrue());
  }

  /** An adapter that forwards every call to another, for a test to override one. */
  private static class ForwardingAdapter implements CRMAdapter {
    private final CRMAdapter delegate;

    ForwardingAdapter(CRMAdapter delegate) {
      this.delegate = delegate;
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public AdapterCapabilities capabilities() {
      return delegate.capabilities();
    }

    @Override
    public Page read(ReadRequest request) {
      return delegate.read(request);
    }

    @Override
    public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
      return delegate.upsert(objectType, records, key);
    }

    @Override
    public List<RecordResult> delete(String objectType, List<String> ids) {
      return delegate.delete(objectType, ids);
    }

    @Override
    public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
      return delegate.lookup(objectType, key, value);
    }

    @Override
    public List<FieldInfo> describe(String objectType) {
      return delegate.describe(objectType);
    }
  }

  /**
   * A two-way sync where the first job wrote two duplicates of A into one record of B. Deleting one of
   * them in A keeps the record in B. Deleting the record in B deletes, through the opposite job, every
   * record of A linked to it (no other record of B links to them), and the first job then finds nothing
   * left to delete in B: no echo.
   */
  @Test
  void inATwoWaySyncADeletionOfARecordThatDuplicatesWereWrittenIntoDeletesThemAll() {
    FakeCrm a = fake("a").build();
    FakeCrm b = fake("b").build();
    List<CrmRecord> seeded = a.seed(contacts(20, 0));
    List<CrmRecord> duplicates = a.seed(List.of(seeded.get(3).with(Contact.Fields.FIRST_NAME, "Second"),
        seeded.get(3).with(Contact.Fields.FIRST_NAME, "Third")));
    CRMSync aToB = syncBuilder(a, b).alertSink(alerts::add).jobId("a-to-b").twoWay(true).propagateDeletes(true).build();
    CRMSync bToA = syncBuilder(b, a).alertSink(alerts::add).jobId("b-to-a").twoWay(true).propagateDeletes(true).build();
    aToB.run();
    bToA.run();
    assertThat(b.size(ObjectTypes.CONTACT)).isEqualTo(20);
    String merged = b.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person3@example.com").id();

    time.advance(Duration.ofHours(1));
    a.delete(ObjectTypes.CONTACT, List.of(duplicates.get(1).id()));
    SyncReport kept = aToB.run();
    assertThat(kept.keptShared()).isEqualTo(1);
    assertThat(b.get(ObjectTypes.CONTACT, merged)).hasValueSatisfying(r -> assertThat(r.deleted()).isFalse());
    assertThat(bToA.run().deleted()).isZero();

    time.advance(Duration.ofHours(1));
    b.delete(ObjectTypes.CONTACT, List.of(merged));
    SyncReport back = bToA.run();

    assertThat(back.deleted()).isEqualTo(1);
    assertThat(back.balanced()).isTrue();
    assertThat(a.get(ObjectTypes.CONTACT, seeded.get(3).id())).hasValueSatisfying(r -> assertThat(r.deleted()).isTrue());
    assertThat(a.get(ObjectTypes.CONTACT, duplicates.get(0).id())).hasValueSatisfying(r -> assertThat(r.deleted()).isTrue());
    assertThat(a.size(ObjectTypes.CONTACT)).isEqualTo(19);

    time.advance(Duration.ofHours(1));
    long deletesInB = b.requestCount("delete"); // the test's own
    SyncReport echo = aToB.run();
    assertThat(echo.deleted()).isZero();
    assertThat(echo.balanced()).isTrue();
    assertThat(b.requestCount("delete")).isEqualTo(deletesInB);
    assertThat(b.size(ObjectTypes.CONTACT)).isEqualTo(19);
  }

  /**
   * A two-way sync with duplicates on both sides links records many-to-many: a1 written into b1, then b2
   * (b1's duplicate in B) into a1, then a2 (a1's duplicate in A) into b1. Deleting a2 must keep b1, which
   * a1 is still written into. A store that kept one link per id and direction lost a1-b1 to the later
   * saves and deleted b1.
   */
  @Test
  void inATwoWaySyncWithDuplicatesOnBothSidesADeletionKeepsARecordAnotherIsStillWrittenInto() {
    FakeCrm a = fake("a").build();
    FakeCrm b = fake("b").build();
    CrmRecord a1 = a.seed(contacts(1, 0)).get(0);
    CRMSync aToB = syncBuilder(a, b).alertSink(alerts::add).jobId("a-to-b").twoWay(true).propagateDeletes(true).build();
    CRMSync bToA = syncBuilder(b, a).alertSink(alerts::add).jobId("b-to-a").twoWay(true).propagateDeletes(true).build();
    aToB.run();
    String b1 = b.records(ObjectTypes.CONTACT).get(0).id();

    time.advance(Duration.ofHours(1));
    CrmRecord b2 = b.seed(List.of(b.get(ObjectTypes.CONTACT, b1).orElseThrow().with(Contact.Fields.FIRST_NAME, "B2")
        .withModifiedAt(null)))
        .get(0);
    assertThat(bToA.run().updated()).as("b2 written into a1").isEqualTo(1);

    time.advance(Duration.ofHours(1));
    b.edit(ObjectTypes.CONTACT, b1, Map.of(Contact.Fields.TITLE, "Buyer")); // b1 is again the one its email finds
    CrmRecord a2 = a.seed(List.of(a1.with(Contact.Fields.FIRST_NAME, "A2").withModifiedAt(null))).get(0);
    assertThat(aToB.run().updated()).as("a2 written into b1").isEqualTo(1);
    assertThat(state.allLinkedIds(ObjectTypes.CONTACT, "b", List.of(b1, b2.id()), "a"))
        .isEqualTo(Map.of(b1, Set.of(a1.id(), a2.id()), b2.id(), Set.of(a1.id())));

    time.advance(Duration.ofHours(1));
    a.delete(ObjectTypes.CONTACT, List.of(a2.id()));
    SyncReport report = aToB.run();

    assertThat(report.deleted()).isZero();
    assertThat(report.keptShared()).isEqualTo(1);
    assertThat(b.get(ObjectTypes.CONTACT, b1)).hasValueSatisfying(r -> assertThat(r.deleted()).isFalse());
    assertThat(state.allLinkedIds(ObjectTypes.CONTACT, "b", List.of(b1), "a")).isEqualTo(Map.of(b1, Set.of(a1.id())));
  }

  @Test
  void aTwoWaySyncDoesNotEchoItsOwnWritesBack() {
    FakeCrm a = fake("a").build();
    FakeCrm b = fake("b").build();
    a.seed(contacts(300, 0));
    CRMSync aToB = syncBuilder(a, b).alertSink(alerts::add).jobId("a-to-b").twoWay(true).build();
    CRMSync bToA = syncBuilder(b, a).alertSink(alerts::add).jobId("b-to-a").twoWay(true).build();

    aToB.run();
    long upsertsIntoA = a.requestCount("upsert");
    SyncReport back = bToA.run();

    assertThat(back.read()).isEqualTo(300);
    assertThat(back.unchanged()).isEqualTo(300);
    assertThat(a.requestCount("upsert")).isEqualTo(upsertsIntoA);
  }

  @Test
  void aMappingThatFailsOnARecordDeadLettersItNamingTheField() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(100, 0));

    SyncReport report = sync(source, target)
        .mapping(io.crmsync.mapping.RecordMapper.of(r -> {
          if (r.string(Contact.Fields.EMAIL).startsWith("person5@")) {
            throw new CrmRequestException("mapping", 0, null, "no picklist value for tier 'silver'",
                List.of(new io.crmsync.adapter.FieldError("tier", "UNMAPPED_VALUE", "silver")), null);
          }
          if (r.string(Contact.Fields.EMAIL).startsWith("person6@")) {
            throw new IllegalStateException("a bug in the mapping");
          }
          return r.with("source", "app");
        }))
        .build().run();

    assertThat(report.created()).isEqualTo(98);
    assertThat(report.deadLettered()).isEqualTo(2);
    assertThat(state.deadLetters("job", 10)).satisfiesExactlyInAnyOrder(
        d -> {
          assertThat(d.errorCode()).isEqualTo("MAPPING_FAILED");
          assertThat(d.message()).contains("no picklist value for tier");
          assertThat(d.fieldErrors()).extracting(io.crmsync.adapter.FieldError::field).containsExactly("tier");
        },
        d -> assertThat(d.message()).contains("a bug in the mapping"));
    assertThat(target.records(ObjectTypes.CONTACT)).allSatisfy(r -> assertThat(r.string("source")).isEqualTo("app"));
  }

  @Test
  void aMappingWithProblemsIsRefusedBeforeAnyRecordMovesNamingEveryOne() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(10, 0));
    io.crmsync.mapping.RecordMapper broken = new io.crmsync.mapping.RecordMapper() {
      @Override
      public CrmRecord map(CrmRecord record, Direction direction) {
        return record;
      }

      @Override
      public List<io.crmsync.mapping.MappingProblem> check(String objectType, List<FieldInfo> sourceFields,
          List<FieldInfo> targetFields) {
        return List.of(new io.crmsync.mapping.MappingProblem("contacts.yaml:4", "Lead_Score__c", "no such field"),
            new io.crmsync.mapping.MappingProblem("contacts.yaml:9", "lifecycle", "value 'hot' not allowed"));
      }
    };

    assertThatThrownBy(() -> sync(source, target).mapping(broken).build().run())
        .isInstanceOf(io.crmsync.CrmConfigurationException.class)
        .hasMessageContaining("2 problem(s)")
        .hasMessageContaining("contacts.yaml:4: Lead_Score__c: no such field")
        .hasMessageContaining("contacts.yaml:9: lifecycle: value 'hot' not allowed");
    assertThat(target.requestCount("upsert")).isZero();
  }

  @Test
  void badConfigurationIsRejectedNamingTheSetting() {
    FakeCrm one = fake("one").build();
    assertThatThrownBy(() -> CRMSync.builder().target(one).build()).hasMessageContaining("source");
    assertThatThrownBy(() -> CRMSync.builder().source(one).build()).hasMessageContaining("target");
    assertThatThrownBy(() -> CRMSync.builder().source(one).target(one).build()).hasMessageContaining("same adapter");
    assertThatThrownBy(() -> CRMSync.builder().batchSize(0)).hasMessageContaining("batchSize");
    assertThatThrownBy(() -> CRMSync.builder().workers(-1)).hasMessageContaining("workers");
    assertThatThrownBy(() -> CRMSync.builder().visibilityTimeout(Duration.ZERO)).hasMessageContaining("visibilityTimeout");
    assertThatThrownBy(() -> CRMSync.builder().objectType(" ")).hasMessageContaining("objectType");
    assertThatThrownBy(() -> CRMSync.builder().workers(2).workers(4)).hasMessage("workers was already set");
    assertThatThrownBy(() -> CRMSync.builder().source(one).source(one)).hasMessage("source was already set");
  }

  @Test
  void batchesAreCappedAtTheTargetsMaximum() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").maxBatchSize(25).build();
    source.seed(contacts(100, 0));

    CRMSync sync = sync(source, target).batchSize(100).build();
    assertThat(sync.config().batchSize()).isEqualTo(25);
    sync.run();

    assertThat(target.requests()).filteredOn(r -> r.operation().equals("upsert")).allMatch(r -> r.records() <= 25);
  }

  // ---- nothing lost, and a failure that shows ----------------------------------------------------

  @Test
  void recordsDeadLetteredForTransientFailuresAreRetriedByTheNextRunWhateverItsWindow() {
    FakeCrm source = fake("source").build();
    java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
    FakeCrm target = fake("target")
        .faults((op, type, records) -> down.get() ? new CrmUnavailableException("target", 503, "r-1", "down", null) : null)
        .build();
    source.seed(contacts(300, 10)); // 30 invalid emails: refused for good, never retried
    time.advance(Duration.ofHours(1)); // so that no later incremental read reaches back to these records
    CRMSync sync = sync(source, target).batchSize(100).deadLetterAlertThreshold(10_000).build();

    SyncReport first = sync.run();
    assertThat(first.written()).isZero();
    assertThat(first.deadLettered()).isEqualTo(300);
    assertThat(first.status()).as("a run that wrote nothing while records failed").isEqualTo(SyncReport.Status.FAILED);
    assertThat(state.deadLetters("job", 1000)).filteredOn(DeadLetter::retryable).hasSize(300)
        .allSatisfy(d -> assertThat(d.requestId()).isEqualTo("r-1"));

    // the target is back; nothing changed in the source, so an incremental read finds nothing
    down.set(false);
    time.advance(Duration.ofHours(1));
    SyncReport second = sync.run();
    assertThat(second.read()).isZero();
    assertThat(second.retriedDeadLetters()).isEqualTo(300);
    assertThat(second.created()).isEqualTo(270);
    assertThat(second.deadLettered()).as("the invalid emails, refused by the target this time").isEqualTo(30);
    assertThat(second.balanced()).isTrue();
    assertThat(state.deadLetters("job", 1000)).hasSize(30).noneMatch(DeadLetter::retryable)
        .allSatisfy(d -> assertThat(d.errorCode()).isEqualTo(io.crmsync.adapter.RecordError.INVALID_VALUE));
    assertTargetMirrorsSource(source, target, 30);

    SyncReport third = sync.run();
    assertThat(third.retriedDeadLetters()).as("refused records wait for a change in the source").isZero();
    assertThat(third.written()).isZero();
  }

  @Test
  void aRunWhoseOnlyWritesAreTheSameRefusedRecordsAgainCompletesWithDeadLetters() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(300, 10)); // 30 invalid emails
    CRMSync sync = sync(source, target).incremental(false).deadLetterAlertThreshold(10_000).build();

    SyncReport first = sync.run();
    assertThat(first.created()).isEqualTo(270);
    assertThat(first.deadLettered()).isEqualTo(30);
    assertThat(first.status()).isEqualTo(SyncReport.Status.COMPLETED);

    SyncReport again = sync.run();
    assertThat(again.written()).isZero();
    assertThat(again.unchanged()).isEqualTo(270);
    assertThat(again.deadLettered()).isEqualTo(30);
    assertThat(again.status()).as("the target holds what it took; only the same rows were refused again: %s", again)
        .isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(alerts).noneMatch(a -> a.kind() == Alert.Kind.SYNC_FAILED);
  }

  @Test
  void aRateLimitOnDescribingTheFieldsIsWaitedOutLikeAnyOther() {
    FakeCrm source = fake("source").build();
    // after each call served, every call for the next minute is refused with a Retry-After, describe included
    FakeCrm target = fake("target").rateLimitAfter(1, Duration.ofMinutes(1)).build();
    source.seed(contacts(30, 0));
    SyncReport first = sync(source, target).workers(1).batchSize(10).build().run();
    assertThat(first.status()).as("%s", first).isEqualTo(SyncReport.Status.COMPLETED);

    // the next run starts while the target still refuses: its first call, describing the fields, is refused
    source.edit(ObjectTypes.CONTACT, source.records(ObjectTypes.CONTACT).get(0).id(), Map.of(Contact.Fields.TITLE, "CTO"));
    Instant start = time.now();
    SyncReport second = syncBuilder(source, target).jobId("job").workers(1).batchSize(10).build().run();

    assertThat(second.status()).as("%s", second).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(second.updated()).isEqualTo(1);
    assertThat(Duration.between(start, time.now())).as("the refusal waited out on the clock")
        .isGreaterThanOrEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aDeadLetterIsClearedWhenItsRecordLandsLater() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    List<CrmRecord> seeded = source.seed(contacts(20, 4)); // 5 invalid emails
    CRMSync sync = sync(source, target).build();
    assertThat(sync.run().deadLettered()).isEqualTo(5);

    time.advance(Duration.ofMinutes(1));
    for (CrmRecord r : seeded) {
      String email = r.string(Contact.Fields.EMAIL);
      if (email != null && !email.contains("@")) {
        source.edit(ObjectTypes.CONTACT, r.id(), Map.of(Contact.Fields.EMAIL, email.replace("(at)", "@")));
      }
    }
    SyncReport fixed = sync.run();
    assertThat(fixed.created()).isEqualTo(5);
    assertThat(state.deadLetterCount("job")).isZero();
  }

  @Test
  void aSpentQuotaStopsTheRunWithAnAlertAndTheRestLandsAfterTheReset() {
    FakeCrm source = fake("source").build();
    java.util.concurrent.atomic.AtomicBoolean spent = new java.util.concurrent.atomic.AtomicBoolean(true);
    AtomicInteger calls = new AtomicInteger();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> spent.get() && calls.incrementAndGet() > 3
            ? io.crmsync.CrmRateLimitException.quotaExhausted("target", 403, null, "TotalRequests Limit exceeded.",
                Duration.ofHours(5), null)
            : null)
        .build();
    source.seed(contacts(1_000, 0));
    CRMSync sync = sync(source, target).workers(1).readPageSize(100).batchSize(100).build();

    Instant before = time.now();
    SyncReport first = sync.run();
    assertThat(first.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(first.failure()).hasValueSatisfying(f -> {
      assertThat(f.kind()).isEqualTo(Alert.Kind.QUOTA_EXHAUSTED);
      assertThat(f.message()).contains("quota").contains("target");
    });
    assertThat(first.quotaResetsAt()).hasValueSatisfying(at ->
        assertThat(at).isBetween(before.plus(Duration.ofHours(5)), time.now().plus(Duration.ofHours(5))));
    assertThat(first.deadLettered()).isZero();
    assertThat(first.written()).isEqualTo(300);
    assertThat(first.balanced()).isTrue();
    assertThat(time.totalSlept()).as("no waiting out the quota inside the run").isLessThan(Duration.ofMinutes(1));
    assertThat(alerts).extracting(Alert::kind).containsExactly(Alert.Kind.QUOTA_EXHAUSTED);

    spent.set(false);
    time.advance(Duration.ofHours(5));
    SyncReport second = sync.run();
    assertThat(second.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void aRetryAfterLongerThanTheRunMayWaitStopsItToo() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").rateLimitAfter(2, Duration.ofHours(2)).build();
    source.seed(contacts(500, 0));

    SyncReport report = sync(source, target).workers(1).batchSize(100).maxRateLimitWait(Duration.ofMinutes(30))
        .build().run();

    assertThat(report.failure()).hasValueSatisfying(f -> {
      assertThat(f.kind()).isEqualTo(Alert.Kind.QUOTA_EXHAUSTED);
      assertThat(f.message()).contains("PT2H").contains("PT30M");
    });
    assertThat(report.rateLimited()).isEqualTo(1);
    assertThat(report.balanced()).isTrue();
    assertThat(time.totalSlept()).isLessThan(Duration.ofMinutes(1));
  }

  @Test
  void aMatchKeyTheTargetDoesNotHaveIsRefusedBeforeAnyRecordMoves() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").fields(ObjectTypes.CONTACT, List.of(
        FieldInfo.builder(Contact.Fields.EMAIL).type("email").build(),
        FieldInfo.builder(Contact.Fields.LAST_NAME).build())).build();
    source.seed(contacts(10, 0));

    assertThatThrownBy(() -> sync(source, target).matchKey(MatchKey.field("Email' OR Id != '")).build().run())
        .isInstanceOf(io.crmsync.CrmConfigurationException.class)
        .hasMessageContaining("match key 'Email' OR Id != ''")
        .hasMessageContaining("email, lastName");
    assertThat(target.requestCount("upsert")).isZero();
    assertThat(source.requestCount("read")).isZero();
  }

  @Test
  void fieldsTheTargetDoesNotTakeAreLeftOutAndReportedNeverOwnerIdsOfAnotherSystem() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").fields(ObjectTypes.CONTACT, List.of(
        FieldInfo.builder(Contact.Fields.EMAIL).type("email").build(),
        FieldInfo.builder(Contact.Fields.FIRST_NAME).build(),
        FieldInfo.builder(Contact.Fields.LAST_NAME).build(),
        FieldInfo.builder(Contact.Fields.COMPANY).build(),
        FieldInfo.builder(Contact.Fields.PHONE).build(),
        FieldInfo.builder("hs_created").readOnly(true).build(),
        FieldInfo.builder(Contact.Fields.OWNER_ID).nativeName("hubspot_owner_id").reference(true).build())).build();
    List<CrmRecord> seeded = new ArrayList<>();
    for (CrmRecord r : contacts(150, 0)) {
      seeded.add(r.with(Contact.Fields.OWNER_ID, "005000000000001AAA").with("hs_created", "2026-01-01"));
    }
    source.seed(seeded);

    SyncReport report = sync(source, target).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(150);
    assertThat(report.deadLettered()).isZero();
    assertThat(report.fieldsLeftOut()).containsOnly(
        Map.entry(Contact.Fields.OWNER_ID, 150L), Map.entry("tier", 150L), Map.entry("hs_created", 150L));
    assertThat(target.records(ObjectTypes.CONTACT)).allSatisfy(r ->
        assertThat(r.fields()).doesNotContainKeys(Contact.Fields.OWNER_ID, "tier", "hs_created")
            .containsKeys(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME));
  }

  @Test
  void recordsAreRegroupedAcrossSourcePagesToTheTargetsPreferredBatch() {
    FakeCrm source = fake("source").maxPageSize(100).build();
    FakeCrm target = fake("target").maxBatchSize(200).build();
    source.seed(contacts(1_000, 0));

    sync(source, target).build().run();

    assertThat(source.requestCount("read")).isEqualTo(10);
    assertThat(target.requests()).filteredOn(r -> r.operation().equals("upsert"))
        .extracting(FakeCrm.RequestLog::records).containsOnly(200).hasSize(5);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void aTargetWithABulkPathIsHandedBulkSizedGroups() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").maxBatchSize(10_000).preferredBatchSize(200).bulkThreshold(2_000).build();
    source.seed(contacts(5_000, 0));

    sync(source, target).build().run();
    assertThat(target.requests()).filteredOn(r -> r.operation().equals("upsert"))
        .extracting(FakeCrm.RequestLog::records).containsExactly(5_000);

    // a later run with fewer changes than the threshold writes them on the regular path
    time.advance(Duration.ofHours(1));
    for (CrmRecord r : source.records(ObjectTypes.CONTACT).subList(0, 450)) {
      source.edit(ObjectTypes.CONTACT, r.id(), Map.of(Contact.Fields.TITLE, "Changed"));
    }
    target.clearRequests();
    sync(source, target).build().run();
    assertThat(target.requests()).filteredOn(r -> r.operation().equals("upsert"))
        .extracting(FakeCrm.RequestLog::records).containsExactlyInAnyOrder(200, 200, 50);
  }

  @Test
  void aBatchSizeSetByTheUserIsHonouredAcrossPages() {
    FakeCrm source = fake("source").maxPageSize(1_000).build();
    FakeCrm target = fake("target").maxBatchSize(10_000).preferredBatchSize(200).bulkThreshold(2_000).build();
    source.seed(contacts(12_000, 0));

    sync(source, target).batchSize(5_000).build().run();

    assertThat(target.requests()).filteredOn(r -> r.operation().equals("upsert"))
        .extracting(FakeCrm.RequestLog::records).as("two workers may finish in either order")
        .containsExactlyInAnyOrder(5_000, 5_000, 2_000);
    assertTargetMirrorsSource(source, target, 0);
  }

  @Test
  void aRequestTheTargetCallsInvalidFailsTheRunInsteadOfDeadLetteringEveryRecord() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target")
        .faults((op, type, records) -> new IllegalArgumentException("not a Salesforce API name: 'Email' OR'"))
        .build();
    source.seed(contacts(300, 0));

    SyncReport report = sync(source, target).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(report.failure()).hasValueSatisfying(f ->
        assertThat(f.message()).contains("refused the upsert request as invalid").contains("not a Salesforce API name"));
    assertThat(report.deadLettered()).isZero();
    assertThat(report.balanced()).isTrue();
  }

  @Test
  void aBackendThatFailsEndsTheRunWithAReportAndOneLine() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    source.seed(contacts(500, 0));
    AtomicInteger commits = new AtomicInteger();
    SyncBackend failing = new SyncBackend() {
      @Override
      public TaskQueue queue() {
        return backend.queue();
      }

      @Override
      public SyncStateStore stateStore() {
        return backend.stateStore();
      }

      @Override
      public boolean commit(io.crmsync.state.StateUpdate update, io.crmsync.backend.Settlement settlement) {
        if (commits.incrementAndGet() > 1) {
          throw new IllegalStateException("the database could not be reached for 5 minutes");
        }
        return backend.commit(update, settlement);
      }
    };

    SyncReport report = CRMSync.builder().source(source).target(target).backend(failing).timeSource(time)
        .alertSink(alerts::add).jobId("job").batchSize(100).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(report.failure()).hasValueSatisfying(f -> {
      assertThat(f.kind()).isEqualTo(Alert.Kind.SYNC_FAILED);
      assertThat(f.message()).contains("the database could not be reached").doesNotContain("\n");
    });
    assertThat(report.balanced()).isTrue();
  }

  @Test
  void aRetryPolicyThatSetsWhatTheEngineCannotHonourIsRefused() {
    FakeCrm one = fake("one").build();
    FakeCrm two = fake("two").build();
    assertThatThrownBy(() -> CRMSync.builder().source(one).target(two)
        .retryPolicy(RetryPolicy.builder().onRetry(e -> { }).withMaxDuration(Duration.ofMinutes(1)).build()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("event listeners").hasMessageContaining("maximum duration");
    assertThatThrownBy(() -> CRMSync.builder().source(one).target(two)
        .retryPolicy(RetryPolicy.builder().handleResult(null).build()).build())
        .hasMessageContaining("conditions on results");
    assertThatThrownBy(() -> CRMSync.builder().source(one).target(two)
        .retryPolicy(RetryPolicy.builder().withDelayFn(ctx -> Duration.ofSeconds(1)).build()).build())
        .hasMessageContaining("delay function");
    // what it honours builds
    CRMSync.builder().source(one).target(two).retryPolicy(RetryPolicy.builder()
        .handle(CrmUnavailableException.class).abortOn(CrmRequestException.class).withMaxRetries(5)
        .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1)).withJitter(0.1).build()).build();
  }

  @Test
  void retriesAnAdapterMakesOnItsOwnCountInTheReport() {
    FakeCrm fake = fake("source").maxPageSize(100).build();
    fake.seed(contacts(300, 0));
    io.crmsync.adapter.spi.AdapterEvents events = io.crmsync.adapter.spi.AdapterEvents.create("source");
    CRMAdapter source = new ForwardingAdapter(fake) {
      @Override
      public Page read(ReadRequest request) {
        // as an adapter does that retries a read on a 503 before answering
        events.retry("read", new CrmUnavailableException("source", 503, null, "injected", null));
        return super.read(request);
      }

      @Override
      public io.crmsync.adapter.AdapterListener.Registration listen(io.crmsync.adapter.AdapterListener listener) {
        return events.add(listener);
      }
    };

    SyncReport report = CRMSync.builder().source(source).target(fake("target").build()).backend(backend)
        .timeSource(time).jobId("job").build().run();

    assertThat(report.created()).isEqualTo(300);
    assertThat(report.retries()).isEqualTo(3);
    assertThat(events.hasListeners()).as("the run's listener is removed when it ends").isFalse();
  }

  @Test
  void replayingDeadLettersOnceTheCauseIsFixedLandsEachRecordOnceAndClearsItsLetter() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").fields(ObjectTypes.CONTACT, List.of(
        FieldInfo.builder(Contact.Fields.EMAIL).type("email").build(),
        FieldInfo.builder(Contact.Fields.FIRST_NAME).build(),
        FieldInfo.builder(Contact.Fields.LAST_NAME).build())).build();
    source.seed(contacts(40, 0));
    // a mapping that writes a field the target does not have: every record is refused for it
    SyncReport broken = sync(source, target).passThroughAllFields(true).deadLetterAlertThreshold(1_000).build().run();
    assertThat(broken.deadLettered()).isEqualTo(40);
    assertThat(state.deadLetters("job", 100)).allSatisfy(d -> {
      assertThat(d.retryable()).isFalse();
      assertThat(d.fieldErrors()).isNotEmpty();
    });

    // fixed: the same job, now writing only what the target takes
    CRMSync fixed = sync(source, target).build();
    SyncReport replay = fixed.replayDeadLetters(DeadLetterQuery.job("job").errorCode("INVALID_FIELD"));
    assertThat(replay.read()).isZero();
    assertThat(replay.retriedDeadLetters()).isEqualTo(40);
    assertThat(replay.created()).isEqualTo(40);
    assertThat(replay.balanced()).isTrue();
    assertThat(state.deadLetterCount("job")).isZero();
    assertThat(target.size(ObjectTypes.CONTACT)).isEqualTo(40);

    // nothing left to replay
    assertThat(fixed.replayDeadLetters(DeadLetterQuery.job("job")).retriedDeadLetters()).isZero();
    assertThatThrownBy(() -> fixed.replayDeadLetters(DeadLetterQuery.job("other")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void replayingTheLetterOfARecordThatLandedAfterAllDoesNotDuplicateIt() {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").lostResponseRate(1.0).build();
    source.seed(contacts(20, 0));
    SyncReport lost = sync(source, target).deadLetterAlertThreshold(1_000).build().run();
    assertThat(lost.deadLettered()).as("every answer lost, retries spent").isEqualTo(20);
    assertThat(target.size(ObjectTypes.CONTACT)).as("yet each record landed").isEqualTo(20);

    FakeCrm healthy = fake("target").build();
    for (CrmRecord r : target.records(ObjectTypes.CONTACT)) {
      healthy.seed(List.of(r));
    }
    SyncReport replay = sync(source, healthy).build().replayDeadLetters(DeadLetterQuery.job("job"));

    assertThat(replay.retriedDeadLetters()).isEqualTo(20);
    assertThat(replay.created()).as("matched by key: updated, never created twice").isZero();
    assertThat(replay.updated()).isEqualTo(20);
    assertThat(healthy.size(ObjectTypes.CONTACT)).isEqualTo(20);
    assertThat(state.deadLetterCount("job")).isZero();
  }

  @Test
  void healthTellsTheBackendTheAdaptersLastCallsAndTheirQuota() {
    FakeCrm fake = fake("target").build();
    io.crmsync.adapter.spi.AdapterEvents events = io.crmsync.adapter.spi.AdapterEvents.create("target");
    java.util.concurrent.atomic.AtomicLong remaining = new java.util.concurrent.atomic.AtomicLong(500);
    CRMAdapter target = new ForwardingAdapter(fake) {
      @Override
      public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
        List<RecordResult> out = super.upsert(objectType, records, key);
        events.request("upsert", remaining.get() > 0 ? 200 : 429, Duration.ofMillis(5));
        return out;
      }

      @Override
      public io.crmsync.adapter.AdapterListener.Registration listen(io.crmsync.adapter.AdapterListener listener) {
        return events.add(listener);
      }

      @Override
      public Optional<io.crmsync.adapter.QuotaStatus> quotaStatus() {
        return Optional.of(new io.crmsync.adapter.QuotaStatus("daily", remaining.get(), 1_000, null, time.now()));
      }
    };
    FakeCrm source = fake("source").build();
    source.seed(contacts(10, 0));
    CRMSync sync = CRMSync.builder().source(source).target(target).backend(backend).timeSource(time).jobId("job").build();

    assertThat(sync.health().healthy()).as("nothing known yet, nothing wrong").isTrue();
    sync.run();
    io.crmsync.SyncHealth health = sync.health();
    assertThat(health.backendReachable()).isTrue();
    assertThat(health.adapters()).extracting(io.crmsync.SyncHealth.Adapter::id).containsExactly("source", "target");
    assertThat(health.adapters().get(1).lastStatus()).isEqualTo(200);
    assertThat(health.adapters().get(1).quota().remaining()).isEqualTo(500);
    assertThat(health.healthy()).isTrue();

    remaining.set(0);
    source.edit(ObjectTypes.CONTACT, source.records(ObjectTypes.CONTACT).get(0).id(), Map.of("title", "New"));
    time.advance(Duration.ofHours(1));
    sync.run();
    assertThat(sync.health().adapters().get(1).lastStatus()).isEqualTo(429);
    assertThat(sync.health().healthy()).isFalse();
  }
}

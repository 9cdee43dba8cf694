package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmSyncException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.Fault;
import io.crmsync.testkit.salesforce.IngestJob;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bulk API 2.0 ingest through faults that lose answers, some after Salesforce acted on the request: every record
 * lands exactly once, no job is left Open, no upload is repeated into a job, the emulator refuses nothing, and a
 * record is reported failed only when the job's results say so.
 */
class BulkUnderFaultsTest {
  private static final String JOBS = "/services/data/v[0-9.]+/jobs/ingest";
  private final FakeTimeSource clock = new FakeTimeSource();

  private static List<CrmRecord> contacts(int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "bulk" + i + "@example.com", "lastName", "Bulk" + i)));
    }
    return out;
  }

  /**
   * 10,000 records in batches of 2,000 (the bulk threshold, so each is one Bulk job: about 50 requests a run), at a
   * 5% fault rate, under ten seeds so that every kind of lost answer is met somewhere.
   */
  @Test
  void tenThousandRecordsThroughBulkWithFivePercentFaultsLandExactlyOnce() {
    long faults = 0;
    for (long seed = 1; seed <= 10; seed++) {
      try (SalesforceEmulator sf = Emulators.emulator(clock).faultRate(0.05).seed(seed).bulkPollsBeforeComplete(2)
          .build().start()) {
        SalesforceAdapter adapter = Emulators.adapter(sf, clock, Map.of());
        List<CrmRecord> all = contacts(10_000);
        List<RecordResult> results = new ArrayList<>();
        for (int from = 0; from < all.size(); from += 2_000) {
          for (RecordResult r : upsertAsTheEngineWould(adapter, all.subList(from, from + 2_000))) {
            results.add(new RecordResult(from + r.index(), r.status(), r.id(), r.error()));
          }
        }
        faults += sf.faultsInjected().values().stream().mapToLong(Long::longValue).sum();
        assertThat(sf.ingestJobs()).as("seed %d: one job per batch at least", seed).hasSizeGreaterThanOrEqualTo(5);
        assertLandedExactlyOnce(sf, all, results);
        assertThat(sf.ingestJobs()).as("seed %d: no job left Open", seed).noneMatch(IngestJob::isOpen);
        assertThat(sf.ingestJobs()).as("seed %d: one upload per job at most", seed).allMatch(j -> j.uploads() <= 1);
        assertThat(sf.refusals()).as("seed %d: nothing the real API would refuse", seed).isEmpty();
      }
    }
    assertThat(faults).as("the seeds serve faults; else the test proves nothing").isGreaterThan(10);
  }

  /**
   * Calls {@code upsert} again with the whole batch while it fails as retryable, up to 5 times, as the engine's
   * retry policy does.
   */
  private static List<RecordResult> upsertAsTheEngineWould(SalesforceAdapter adapter, List<CrmRecord> batch) {
    CrmSyncException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
      } catch (CrmSyncException e) {
        if (!e.isRetryable()) {
          throw e;
        }
        last = e;
      }
    }
    throw new AssertionError("the batch failed five times", last);
  }

  private static void assertLandedExactlyOnce(SalesforceEmulator sf, List<CrmRecord> batch, List<RecordResult> results) {
    Map<String, String> idByEmail = new HashMap<>();
    for (Map<String, Object> r : sf.records("Contact")) {
      assertThat(idByEmail.put((String) r.get("Email"), (String) r.get("Id"))).as("one Contact per email").isNull();
    }
    assertThat(idByEmail).hasSize(batch.size());
    assertThat(results).hasSize(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      RecordResult r = results.get(i);
      String email = batch.get(i).string("email");
      assertThat(r.index()).isEqualTo(i);
      assertThat(r.succeeded()).as("record %d (%s) landed, so it is not reported failed: %s", i, email, r.error()).isTrue();
      assertThat(r.id()).as("record %d maps to its own Contact", i).isEqualTo(idByEmail.get(email));
    }
  }

  @Test
  void throughTheEngineNothingIsDeadLetteredAndNoJobIsLeftOpen() {
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).maxPageSize(10_000).build();
    source.seed(contacts(10_000));
    try (SalesforceEmulator sf = Emulators.emulator(clock).faultRate(0.05).seed(7).bulkPollsBeforeComplete(2)
        .build().start()) {
      SalesforceAdapter target = Emulators.adapter(sf, clock, Map.of());
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).batchSize(2_000)
          .readPageSize(2_000).build().run();

      assertThat(sf.faultsInjected()).as("faults were served").isNotEmpty();
      assertThat(sf.ingestJobs()).as("batches of 2,000 went through Bulk").hasSizeGreaterThanOrEqualTo(5);
      assertThat(report.deadLettered()).as("dead letters: %s", report).isZero();
      assertThat(report.written()).isEqualTo(10_000);
      assertThat(sf.records("Contact")).hasSize(10_000);
      assertThat(sf.ingestJobs()).noneMatch(IngestJob::isOpen);
      assertThat(sf.refusals()).isEmpty();
    }
  }

  // ------------------------------------------------------------------ one lost answer at a time

  private SalesforceAdapter warmed(SalesforceEmulator sf) {
    SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("bulkThreshold", "1"));
    a.describe(ObjectTypes.CONTACT); // token and describe are cached before the faults
    return a;
  }

  @Test
  void aLostAnswerToUploadCompleteIsResolvedByReadingTheJobsState() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = warmed(sf);
      sf.injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY, "PATCH", JOBS + "/\\w+");
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
      assertThat(r).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(sf.ingestJobs()).singleElement().satisfies(j -> assertThat(j.state()).isEqualTo("JobComplete"));
      assertThat(sf.refusals()).isEmpty();
    }
  }

  @Test
  void anUploadWhoseAnswerWasLostIsNeverRepeatedIntoTheSameJob() {
    for (Fault f : List.of(Fault.CONNECTION_DROPPED_AFTER_APPLY, Fault.GATEWAY_TIMEOUT_AFTER_APPLY, Fault.SERVER_ERROR)) {
      try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
        SalesforceAdapter a = warmed(sf);
        sf.injectFault(f, "PUT", JOBS + "/\\w+/batches");
        List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
        assertThat(r).as("after %s", f).allMatch(x -> x.status() == RecordResult.Status.CREATED);
        assertThat(sf.ingestJobs()).as("after %s", f).extracting(IngestJob::state).containsExactly("Aborted", "JobComplete");
        assertThat(sf.ingestJobs()).allMatch(j -> j.uploads() <= 1);
        assertThat(sf.refusals()).isEmpty();
        assertThat(sf.records("Contact")).hasSize(3);
      }
    }
  }

  @Test
  void aJobWhoseCreationAnswerWasLostIsFoundAndAborted() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = warmed(sf);
      sf.injectFault(Fault.GATEWAY_TIMEOUT_AFTER_APPLY, "POST", JOBS + "/?");
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
      assertThat(r).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(sf.ingestJobs()).extracting(IngestJob::state).containsExactly("Aborted", "JobComplete");
      assertThat(sf.refusals()).isEmpty();
    }
  }

  @Test
  void aLostJobThatCannotBeLookedForAtOnceIsAbortedWhenTheListAnswersAgain() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = warmed(sf);
      sf.injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY, "POST", JOBS + "/?");
      for (int i = 0; i < 5; i++) {
        sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML, "GET", JOBS + "/?");
      }
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(3), MatchKey.email());
      assertThat(r).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(sf.ingestJobs()).extracting(IngestJob::state).containsExactly("Aborted", "JobComplete");
      assertThat(sf.refusals()).isEmpty();
    }
  }

  @Test
  void resultsCutShortAreReadAgainAndOnlyFailedResultsFailARecord() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = warmed(sf);
      sf.injectFault(Fault.TRUNCATED_AFTER_APPLY, "GET", JOBS + "/\\w+/successfulResults/?");
      sf.injectFault(Fault.GARBLED_JSON, "GET", JOBS + "/\\w+/failedResults/?");
      List<CrmRecord> batch = new ArrayList<>(contacts(4));
      batch.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "no-last-name@example.com")));
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());
      assertThat(r.subList(0, 4)).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(r.get(4).error().code()).isEqualTo("REQUIRED_FIELD_MISSING");
      assertThat(sf.refusals()).isEmpty();
    }
  }

  @Test
  void aPollThatFailsIsRetriedAndTheJobIsStillCollected() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).bulkPollsBeforeComplete(1).build().start()) {
      SalesforceAdapter a = warmed(sf);
      sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML, "GET", JOBS + "/\\w+");
      sf.injectFault(Fault.TRUNCATED_AFTER_APPLY, "GET", JOBS + "/\\w+");
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(2), MatchKey.email());
      assertThat(r).allMatch(x -> x.status() == RecordResult.Status.CREATED);
      assertThat(sf.ingestJobs()).noneMatch(IngestJob::isOpen);
    }
  }

  @Test
  void aTokenEndpointThatFailsOnceDoesNotFailALongBulkJob() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).sessionTimeout(Duration.ofSeconds(3)).bulkPollsBeforeComplete(6)
        .build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of("bulkThreshold", "1", "bulkPollInitial", "1s",
          "bulkPollMax", "1s"));
      sf.injectTokenFault(Fault.SERVICE_UNAVAILABLE_HTML); // the first login fails: the call fails, retryable
      assertThatThrownBy(() -> a.describe(ObjectTypes.CONTACT)).isInstanceOf(CrmSyncException.class)
          .satisfies(e -> assertThat(((CrmSyncException) e).isRetryable()).isTrue());
      a.describe(ObjectTypes.CONTACT);
      sf.injectTokenFault(Fault.CONNECTION_DROPPED_AFTER_APPLY); // a renewal mid-job loses its answer
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(5), MatchKey.email());
      assertThat(r).allMatch(RecordResult::succeeded);
      assertThat(sf.ingestJobs()).noneMatch(IngestJob::isOpen);
    }
  }
}

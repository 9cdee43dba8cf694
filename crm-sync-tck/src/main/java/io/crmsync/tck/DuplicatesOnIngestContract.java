package io.crmsync.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmUnavailableException;
import io.crmsync.DuplicateInReview;
import io.crmsync.DuplicatePolicy;
import io.crmsync.SyncListener;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.spi.DuplicateFinder;
import io.crmsync.spi.ProbableDuplicate;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Duplicates on ingest through the engine, against a {@link SyncBackend} implementation: how the
 * engine acts on what a {@link DuplicateFinder} says (link, create, hold for review), keeps a link for
 * later runs, and loses nothing when the finder fails. The finder here is a plain one that matches on the
 * phone's digits, so that these tests are about the engine; {@code crm-sync-quality} tests its matcher.
 */
public abstract class DuplicatesOnIngestContract {

  /** A new, empty backend whose queue runs on {@code time}; closed after the test. */
  protected abstract SyncBackend newBackend(TimeSource time);

  protected FakeTimeSource time;
  protected SyncBackend backend;

  @BeforeEach
  void setUpBackend() {
    time = new FakeTimeSource();
    backend = newBackend(time);
  }

  @AfterEach
  void closeBackend() throws Exception {
    backend.close();
  }

  /** Finds the target contact with the same phone number; reads the target once per session. */
  static final class SamePhone implements DuplicateFinder {
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger asked = new AtomicInteger();
    volatile int failuresLeft;

    @Override
    public Session open(Scope scope) {
      sessions.incrementAndGet();
      return new Session() {
        private Map<String, CrmRecord> byPhone;

        @Override
        public synchronized List<ProbableDuplicate> find(List<CrmRecord> records) {
          asked.addAndGet(records.size());
          if (failuresLeft > 0) {
            failuresLeft--;
            throw new CrmUnavailableException(scope.target().id(), 503, null, "target unavailable (injected)", null);
          }
          if (byPhone == null) {
            Map<String, CrmRecord> m = new HashMap<>();
            String cursor = null;
            do {
              Page page;
              try (RequestLimiter.Permit permit = scope.limiter().acquire()) {
                page = scope.target().read(ReadRequest.of(scope.objectType()).withCursor(cursor));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              for (CrmRecord r : page.records()) {
                m.put(digits(r.string(Contact.Fields.PHONE)), r);
              }
              cursor = page.nextCursor();
            } while (cursor != null);
            byPhone = m;
          }
          List<ProbableDuplicate> out = new ArrayList<>();
          for (int i = 0; i < records.size(); i++) {
            CrmRecord hit = byPhone.get(digits(records.get(i).string(Contact.Fields.PHONE)));
            if (hit != null) {
              out.add(new ProbableDuplicate(i, hit, 0.9, "same phone"));
            }
          }
          return out;
        }
      };
    }

    /** The last ten digits: the national number of a North American phone, whichever way it is written. */
    private static String digits(String s) {
      String d = s == null ? "" : s.replaceAll("\\D", "");
      return d.length() < 10 ? "none:" + d : d.substring(d.length() - 10);
    }
  }

  protected FakeCrm fake(String id) {
    return FakeCrm.builder().id(id).timeSource(time).seed(7).build();
  }

  protected CRMSync.Builder sync(FakeCrm source, FakeCrm target) {
    return CRMSync.builder().source(source).target(target).backend(backend).timeSource(time).jobId("job")
        .incremental(false);
  }

  private static CrmRecord contact(String email, String first, String last, String phone) {
    return CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, email, Contact.Fields.FIRST_NAME, first,
        Contact.Fields.LAST_NAME, last, Contact.Fields.PHONE, phone));
  }

  /** A target with Ann (by phone 555-0100) and a source with Ann under another email, and Bob, who is new. */
  private record Fixture(FakeCrm source, FakeCrm target, CrmRecord ann, CrmRecord sourceAnn) {}

  private Fixture fixture() {
    FakeCrm source = fake("source");
    FakeCrm target = fake("target");
    CrmRecord ann = target.seed(List.of(contact("ann@acme.example", "Ann", "Lee", "+1 555 201 0100"))).get(0);
    List<CrmRecord> seeded = source.seed(List.of(
        contact("ann.lee@home.example", "Ann", "Lee", "(555) 201-0100"),
        contact("bob@acme.example", "Bob", "Kay", "(555) 201-0199")));
    return new Fixture(source, target, ann, seeded.get(0));
  }

  @Test
  void offByDefaultCreatesAsBefore() {
    Fixture f = fixture();
    SyncReport report = sync(f.source(), f.target()).build().run();
    assertThat(report.created()).isEqualTo(2);
    assertThat(report.duplicatesFound()).isZero();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(3);
  }

  @Test
  void linkWritesIntoTheFoundRecordAndLaterRunsUpdateIt() {
    Fixture f = fixture();
    SamePhone finder = new SamePhone();
    List<String> heard = new CopyOnWriteArrayList<>();
    CRMSync sync = sync(f.source(), f.target())
        .duplicatesOnIngest(finder, DuplicatePolicy.LINK)
        .listener(new SyncListener() {
          @Override
          public void onProbableDuplicate(String jobId, String sourceId, String targetId, double score, String reason,
              DuplicatePolicy action) {
            heard.add(sourceId + "->" + targetId + " " + action + " " + reason);
          }
        })
        .build();

    SyncReport first = sync.run();

    assertThat(first.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(first.created()).isEqualTo(1); // Bob
    assertThat(first.updated()).isEqualTo(1); // Ann, into the record the target had
    assertThat(first.linkedToDuplicates()).isEqualTo(1);
    assertThat(first.duplicatesFound()).isEqualTo(1);
    assertThat(first.balanced()).isTrue();
    assertThat(heard).containsExactly(f.sourceAnn().id() + "->" + f.ann().id() + " LINK same phone");
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
    CrmRecord ann = f.target().get(ObjectTypes.CONTACT, f.ann().id()).orElseThrow();
    assertThat(ann.string(Contact.Fields.EMAIL)).as("the target keeps its own key").isEqualTo("ann@acme.example");
    assertThat(ann.string(Contact.Fields.PHONE)).isEqualTo("(555) 201-0100");
    assertThat(backend.stateStore().linkedIds(ObjectTypes.CONTACT, "source", List.of(f.sourceAnn().id()), "target"))
        .containsEntry(f.sourceAnn().id(), f.ann().id());

    // a later change in the source lands in the same record: updated, never created
    time.advance(Duration.ofMinutes(1));
    f.source().edit(ObjectTypes.CONTACT, f.sourceAnn().id(), Map.of(Contact.Fields.LAST_NAME, "Lee-Park"));
    SyncReport second = sync.run();
    assertThat(second.created()).isZero();
    assertThat(second.updated()).isEqualTo(1);
    assertThat(second.linkedToDuplicates()).as("counted once, when found").isZero();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
    assertThat(f.target().get(ObjectTypes.CONTACT, f.ann().id()).orElseThrow().string(Contact.Fields.LAST_NAME))
        .isEqualTo("Lee-Park");
    // linked records are not asked about again: only Bob and Ann were, in the first run
    assertThat(finder.asked.get()).isEqualTo(2);
    assertThat(finder.sessions.get()).isEqualTo(2);
  }

  @Test
  void createCountsTheFindAndCreatesAnyway() {
    Fixture f = fixture();
    SyncReport report = sync(f.source(), f.target())
        .duplicatesOnIngest(new SamePhone(), DuplicatePolicy.CREATE).build().run();
    assertThat(report.created()).isEqualTo(2);
    assertThat(report.duplicatesFound()).isEqualTo(1);
    assertThat(report.linkedToDuplicates()).isZero();
    assertThat(report.heldForReview()).isZero();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(3);
  }

  @Test
  void reviewHoldsTheRecordWithBothVersionsAndTheRestGoesOn() {
    Fixture f = fixture();
    List<DeadLetter> heldHeard = new CopyOnWriteArrayList<>();
    CRMSync sync = sync(f.source(), f.target())
        .duplicatesOnIngest(new SamePhone(), DuplicatePolicy.REVIEW)
        .listener(new SyncListener() {
          @Override
          public void onHeldForReview(DeadLetter letter) {
            heldHeard.add(letter);
          }
        })
        .build();

    SyncReport report = sync.run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(1);
    assertThat(report.heldForReview()).isEqualTo(1);
    assertThat(report.duplicatesFound()).isEqualTo(1);
    assertThat(report.deadLettered()).isZero();
    assertThat(report.balanced()).isTrue();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
    assertThat(f.target().get(ObjectTypes.CONTACT, f.ann().id()).orElseThrow().string(Contact.Fields.PHONE))
        .as("not written").isEqualTo("+1 555 201 0100");
    List<DuplicateInReview> held = sync.duplicatesInReview(10);
    assertThat(held).hasSize(1);
    DuplicateInReview h = held.get(0);
    assertThat(h.sourceId()).isEqualTo(f.sourceAnn().id());
    assertThat(h.candidateId()).isEqualTo(f.ann().id());
    assertThat(h.record()).containsEntry(Contact.Fields.EMAIL, "ann.lee@home.example");
    assertThat(h.candidate()).containsEntry(Contact.Fields.EMAIL, "ann@acme.example");
    assertThat(h.score()).isEqualTo(0.9);
    assertThat(h.reason()).isEqualTo("same phone");
    assertThat(h.toString()).doesNotContain("ann.lee@home.example");
    assertThat(heldHeard).singleElement().satisfies(d -> assertThat(d.operation()).isEqualTo(DeadLetter.Operation.REVIEW));
    assertThat(backend.stateStore().deadLetters(DeadLetterQuery.job("job").operation(DeadLetter.Operation.REVIEW)))
        .hasSize(1);

    // a full read meets it again: held again, still one letter; a person links it and the next run writes it there
    SyncReport again = sync.run();
    assertThat(again.heldForReview()).isEqualTo(1);
    assertThat(again.written()).isZero();
    assertThat(sync.duplicatesInReview(10)).hasSize(1);
    sync.resolveDuplicate(f.sourceAnn().id(), DuplicatePolicy.LINK);
    assertThat(sync.duplicatesInReview(10)).isEmpty();
    SyncReport resolved = sync.run();
    assertThat(resolved.updated()).isEqualTo(1);
    assertThat(resolved.created()).isZero();
    assertThat(resolved.balanced()).isTrue();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
    assertThat(f.target().get(ObjectTypes.CONTACT, f.ann().id()).orElseThrow().string(Contact.Fields.PHONE))
        .isEqualTo("(555) 201-0100");
    assertThat(sync.deadLetters(10)).isEmpty();
    assertThatThrownBy(() -> sync.resolveDuplicate(f.sourceAnn().id(), DuplicatePolicy.CREATE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("held for review");
  }

  @Test
  void aRecordHeldAndThenDecidedToCreateIsCreated() {
    Fixture f = fixture();
    CRMSync sync = sync(f.source(), f.target()).duplicatesOnIngest(new SamePhone(), DuplicatePolicy.REVIEW).build();
    sync.run();
    sync.resolveDuplicate(f.sourceAnn().id(), DuplicatePolicy.CREATE);
    SyncReport report = sync.run();
    assertThat(report.created()).isEqualTo(1);
    assertThat(report.heldForReview()).as("a decision is not asked about again").isZero();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(3);
  }

  @Test
  void aFinderThatFailsIsRetriedAndNothingIsLost() {
    Fixture f = fixture();
    SamePhone finder = new SamePhone();
    finder.failuresLeft = 1;
    SyncReport report = sync(f.source(), f.target())
        .duplicatesOnIngest(finder, DuplicatePolicy.LINK)
        .retryPolicy(RetryPolicy.builder().withMaxAttempts(3).withDelay(Duration.ofSeconds(1)).build())
        .build().run();
    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.retries()).isGreaterThanOrEqualTo(1);
    assertThat(report.linkedToDuplicates()).isEqualTo(1);
    assertThat(report.created()).isEqualTo(1);
    assertThat(report.balanced()).isTrue();
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
  }

  @Test
  void aFinderThatKeepsFailingDeadLettersTheBatchTransiently() {
    Fixture f = fixture();
    SamePhone finder = new SamePhone();
    finder.failuresLeft = 100;
    CRMSync sync = sync(f.source(), f.target())
        .duplicatesOnIngest(finder, DuplicatePolicy.LINK)
        .retryPolicy(RetryPolicy.builder().withMaxAttempts(2).withDelay(Duration.ofSeconds(1)).build())
        .build();
    SyncReport report = sync.run();
    assertThat(report.deadLettered()).isEqualTo(2);
    assertThat(report.balanced()).isTrue();
    assertThat(sync.deadLetters(10)).allSatisfy(d -> {
      assertThat(d.operation()).isEqualTo(DeadLetter.Operation.UPSERT);
      assertThat(d.retryable()).isTrue();
    });
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(1);

    // the target is back: the next run tries them again, links Ann and creates Bob
    finder.failuresLeft = 0;
    SyncReport next = sync.run();
    assertThat(next.retriedDeadLetters()).isEqualTo(2);
    assertThat(next.linkedToDuplicates()).isEqualTo(1);
    assertThat(f.target().size(ObjectTypes.CONTACT)).isEqualTo(2);
    assertThat(sync.deadLetters(10)).isEmpty();
  }
}

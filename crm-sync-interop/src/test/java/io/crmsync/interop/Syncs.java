package io.crmsync.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.model.Contact;
import io.crmsync.state.DeadLetter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Running syncs between sides, and what every one of them must show afterwards. */
final class Syncs {
  private Syncs() {}

  /**
   * Runs {@code sync} until a run completes with nothing dead-lettered and nothing left, at most {@code maxRuns}
   * times: a run whose records ran out of retries on injected faults dead-letters them, and the next run tries them
   * again first. Every report must balance, and after every run no record it dead-lettered as refused for good may be
   * in {@code target}: such a record is reported as lost when it is not. A letter of a transient failure may name a
   * record the target holds (an update whose answer was lost after the record was created, or a write applied whose
   * every answer was lost): the engine cannot know, says so, and the next run tries it again, which the checks of
   * the final state (each contact once, every value equal) then judge.
   *
   * @return the reports, in order
   */
  static List<SyncReport> runUntilDone(CRMSync sync, int maxRuns, Side target) {
    List<SyncReport> reports = new ArrayList<>();
    SyncReport last;
    do {
      last = sync.run();
      reports.add(last);
      assertThat(last.balanced()).as("balanced: %s", last).isTrue();
      List<DeadLetter> dead = sync.deadLetters(100_000);
      if (!dead.isEmpty()) {
        Set<String> landed = target.contacts().keySet();
        Map<String, String> wrongly = new TreeMap<>();
        for (DeadLetter d : dead) {
          String email = d.record().string(Contact.Fields.EMAIL);
          if (!d.retryable() && email != null && landed.contains(email.toLowerCase(Locale.ROOT))) {
            wrongly.put(email, d.errorCode() + ": " + d.message());
          }
        }
        assertThat(wrongly).as("dead-lettered for good by run %d though %s holds them", reports.size(), target).isEmpty();
      }
    } while (!done(last) && reports.size() < maxRuns);
    assertThat(done(last)).as("done within %d runs: %s", maxRuns, reports).isTrue();
    return reports;
  }

  static boolean done(SyncReport r) {
    return r.status() == SyncReport.Status.COMPLETED && r.deadLettered() == 0 && r.remaining() == 0;
  }

  /**
   * Checks that {@code target} holds every contact of {@code source} exactly once, with the same value of every field
   * the target holds (an absent value included), and none of the source's owner ids.
   */
  static void assertSameContacts(Side source, Side target) {
    Map<String, Map<String, Object>> expected = source.contacts();
    Map<String, Map<String, Object>> actual = target.contacts();
    assertThat(actual.keySet()).as("%s holds the contacts of %s, each once", target, source)
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    Set<String> compared = target.holds();
    Map<String, String> differences = new TreeMap<>();
    for (Map.Entry<String, Map<String, Object>> e : expected.entrySet()) {
      Map<String, Object> want = e.getValue();
      Map<String, Object> got = actual.get(e.getKey());
      for (String f : compared) {
        if (!Objects.equals(normal(want.get(f)), normal(got.get(f)))) {
          differences.putIfAbsent(f, e.getKey() + ": " + want.get(f) + " became " + got.get(f));
        }
      }
    }
    assertThat(differences).as("fields %s copied from %s to %s (first difference per field)", compared, source,
        target).isEmpty();
    Set<Object> owners = new HashSet<>();
    actual.values().forEach(c -> owners.add(c.get(Contact.Fields.OWNER_ID)));
    assertThat(owners).as("owner ids on %s", target).doesNotContainAnyElementsOf(source.seededOwners());
  }

  /** Emails compare without regard to case, as every CRM under test matches them. */
  private static Object normal(Object v) {
    return v instanceof String s && s.contains("@") ? s.toLowerCase(Locale.ROOT) : v;
  }
}

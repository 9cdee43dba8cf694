package io.crmsync.quality;

import static io.crmsync.quality.Contacts.contact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.quality.internal.SyntheticContacts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DataQualityEngineTest {
  private static final List<DedupeRecord> RECORDS = new ArrayList<>();
  private static DedupeResult result;

  @BeforeAll
  static void deduplicate() {
    // background population so that the unsupervised estimation has data to learn from
    RECORDS.addAll(SyntheticContacts.generate(3000, 7).records());
    RECORDS.add(contact("bob-1", "Robert", "Quenby", "robert.quenby+news@zylofax.com", "Zylofax Inc",
        "(415) 555-0101", "San Francisco", "2023-01-01T00:00:00Z", "webform"));
    RECORDS.add(contact("bob-2", "Bob", "Quenby", "Robert.Quenby@Zylofax.com", "ZYLOFAX",
        "+1 415 555 0101", "San Francisco", "2024-06-01T00:00:00Z", "salesforce"));
    RECORDS.add(contact("bob-3", "Robert", "Quenbey", "", "Zylofax, Inc.", "415.555.0101", "",
        "2022-01-01T00:00:00Z", "import"));
    // a job change: the mailbox name moves to the new employer; one record lacks the family name
    RECORDS.add(contact("moved-1", "Benjamin", "Steholber", "bsteholber@quorvex.com", "Quorvex Labs",
        "(303) 555-0142", "Denver", null, null));
    RECORDS.add(contact("moved-2", "Benjamin", "", "bsteholber@tallimar.io", "Tallimar GmbH",
        "(720) 555-0199", "Boulder", null, null));
    RECORDS.add(contact("moved-3", "Benjamin", "Steholber", "bsteholber@tallimar.io", "Tallimar",
        "", "", null, null));
    // a web form kept only the family name and the email
    RECORDS.add(contact("form-1", "Tyler", "Lindorberden", "tyler.lindorberden@sterlingfoods.com", "Sterling Foods",
        "", "Denver", null, null));
    RECORDS.add(contact("form-2", "", "Lindorberden", "Tylerlindorberden1969@hotmail.com", "", "", "",
        null, null));
    // given and family name swapped, and the given name written as a nickname
    RECORDS.add(contact("swap-1", "Crendic", "Rich", "rich.crendic@quillory.com", "Quillory", "", "", null, null));
    RECORDS.add(contact("swap-2", "Richard", "Crendic", "Rich.Crendic@quillory.com", "Quillory Inc", "", "Austin",
        null, null));
    // namesakes at one account: the second got a numbered mailbox
    RECORDS.add(contact("namesake-1", "John", "Quarrington", "john.quarrington@bigaccount.com", "Big Account LLC",
        "(212) 555-0100", "New York", null, null));
    RECORDS.add(contact("namesake-2", "John", "Quarrington", "john.quarrington2@bigaccount.com", "Big Account",
        "(212) 555-0100", "New York", null, null));
    // fifteen colleagues at one account share the role mailbox and the switchboard
    String[] firsts = {"Ann", "Carl", "Dora", "Egon", "Fay", "Gil", "Hugo", "Ida", "Jan", "Kai", "Lea", "Max",
        "Nia", "Otto", "Pia"};
    String[] lasts = {"Arkwright", "Bexley", "Cromer", "Dunmore", "Eskdale", "Fennick", "Garside", "Holloway",
        "Ingleby", "Jessop", "Kirkham", "Loxley", "Mardale", "Northam", "Ormsby"};
    for (int k = 0; k < firsts.length; k++) {
      RECORDS.add(contact("colleague-" + k, firsts[k], lasts[k], "info@bigaccount.com", "Big Account LLC",
          "(212) 555-0100", "New York", null, null));
    }
    result = DataQualityEngine.builder()
        .masterPolicy(MasterPolicy.defaults().withSourcePriority(List.of("salesforce", "hubspot")))
        .build()
        .deduplicate(RECORDS);
  }

  @Test
  void nicknamesEmailVariantsAndTyposJoinOneCluster() {
    Cluster c = result.clusterOf("bob-1");
    assertThat(c.memberIds()).contains("bob-1", "bob-2", "bob-3");
    assertThat(result.clusterOf("bob-3").id()).isEqualTo(c.id());
  }

  @Test
  void aSharedRoleMailboxAndSwitchboardDoNotMergeColleagues() {
    for (int k = 0; k < 15; k++) {
      assertThat(result.clusterOf("colleague-" + k).size()).as("colleague-" + k).isEqualTo(1);
    }
    PairExplanation e = result.explain("colleague-0", "colleague-1");
    assertThat(e.match()).isFalse();
    ComparisonDetail email = e.comparisons().stream().filter(d -> d.name().equals("email")).findFirst().orElseThrow();
    assertThat(email.level()).isEqualTo("missing");
    assertThat(email.note()).contains("role mailbox ignored").contains("info@bigaccount.com");
  }

  @Test
  void theMasterIsTheMostRecentRecordFromTheTrustedSource() {
    Cluster c = result.clusterOf("bob-1");
    assertThat(c.masterId()).isEqualTo("bob-2");
    assertThat(c.merged().masterId()).isEqualTo("bob-2");
  }

  @Test
  void survivorshipKeepsProvenanceOfEveryValue() {
    MergedRecord m = result.clusterOf("bob-1").merged();
    assertThat(m.fields().get(Contact.Fields.FIRST_NAME)).isEqualTo("Robert"); // most complete
    FieldProvenance first = m.provenance().get(Contact.Fields.FIRST_NAME);
    assertThat(first.rule()).isEqualTo("most-complete");
    assertThat(first.others()).extracting(FieldCandidate::recordId, FieldCandidate::value)
        .contains(org.assertj.core.groups.Tuple.tuple("bob-2", "Bob"));
    FieldProvenance email = m.provenance().get(Contact.Fields.EMAIL);
    assertThat(email.recordId()).isEqualTo("bob-2"); // from the master
    assertThat(email.rule()).isEqualTo("from-master");
    FieldProvenance company = m.provenance().get(Contact.Fields.COMPANY);
    assertThat(company.rule()).isEqualTo("most-recent");
    assertThat(company.value()).isEqualTo("ZYLOFAX");
  }

  @Test
  void explainsAPairComparisonByComparison() {
    PairExplanation e = result.explain("bob-1", "bob-2");
    assertThat(e.mode()).isEqualTo(MatchMode.PROBABILISTIC);
    assertThat(e.comparisons()).extracting(ComparisonDetail::name)
        .containsExactly("email", "firstName", "lastName", "company", "phone", "city");
    assertThat(e.comparisons()).extracting(ComparisonDetail::level)
        .containsExactly("exact", "nickname", "exact", "exact", "exact", "exact");
    double sum = e.priorWeight() + e.comparisons().stream().mapToDouble(ComparisonDetail::weight).sum();
    assertThat(e.totalWeight()).isCloseTo(sum, within(1e-9));
    assertThat(e.matchProbability()).isGreaterThan(0.99);
    assertThat(e.match()).isTrue();
    assertThat(e.idA()).isEqualTo("bob-1");
    PairExplanation reversed = result.explain("bob-2", "bob-1");
    assertThat(reversed.idA()).isEqualTo("bob-2");
    assertThat(reversed.comparisons().get(1).valueA()).isEqualTo("bob"); // bob-2's own value first
    assertThat(reversed.comparisons().get(1).valueB()).isEqualTo("robert");
  }

  @Test
  void aMailboxNameWeighsOnlyWhatTheNamesHaveNotAlreadySaid() {
    // moved-2 lacks the family name: its mailbox name is the only evidence of it
    ComparisonDetail spelled = result.explain("moved-1", "moved-2").comparisons().get(0);
    assertThat(spelled.level()).isEqualTo("same-local-part");
    assertThat(spelled.weight()).isGreaterThan(5);
    assertThat(result.clusterIds().get("moved-1")).isEqualTo(result.clusterIds().get("moved-2"));
    // both records have both names: the mailbox repeats them, so it adds nothing (namesakes at two
    // employers have the same mailbox name too)
    ComparisonDetail repeated = result.explain("moved-1", "moved-3").comparisons().get(0);
    assertThat(repeated.level()).isEqualTo("same-local-part");
    assertThat(repeated.weight()).isZero();
    assertThat(repeated.note()).contains("made of names both records have");
  }

  @Test
  void aNameTheRecordLacksIsReadFromItsMailbox() {
    PairExplanation e = result.explain("form-1", "form-2");
    ComparisonDetail given = e.comparisons().get(1);
    assertThat(given.level()).isEqualTo("exact");
    assertThat(given.valueB()).isEqualTo("tyler (from the email)");
    assertThat(e.match()).isTrue();
    // the record itself is unchanged
    assertThat(result.clusters().stream().filter(c -> c.memberIds().contains("form-2")).findFirst().orElseThrow()
        .merged().fields()).containsEntry(Contact.Fields.FIRST_NAME, "Tyler");
    assertThat(RECORDS.stream().filter(r -> r.id().equals("form-2")).findFirst().orElseThrow()
        .get(Contact.Fields.FIRST_NAME)).isNull();
  }

  @Test
  void swappedNamesAreRecognisedThroughANickname() {
    PairExplanation e = result.explain("swap-1", "swap-2");
    assertThat(e.comparisons()).extracting(ComparisonDetail::level)
        .containsExactly("exact", "jw>=0.92", "jw>=0.92", "exact", "missing", "missing");
    assertThat(e.match()).isTrue();
    assertThat(result.clusterIds().get("swap-1")).isEqualTo(result.clusterIds().get("swap-2"));
  }

  @Test
  void anotherMailboxAtTheCompanysDomainIsWeighedAmongColleagues() {
    PairExplanation e = result.explain("namesake-1", "namesake-2");
    ComparisonDetail email = e.comparisons().get(0);
    assertThat(email.level()).isEqualTo("same-domain-other-mailbox");
    assertThat(email.note()).contains("among records that share the company: two mailboxes, two people");
    // among random pairs the level is rare for matches and non-matches alike (about -2 bits); among
    // colleagues nearly every pair has it (a name nobody else in this file has, at one company, still
    // outweighs it here: the mailbox is evidence, not a veto)
    assertThat(email.weight()).isLessThan(-5);
  }

  @Test
  void explainsWhyEachMemberIsInACluster() {
    Cluster c = result.clusterOf("bob-1");
    ClusterExplanation e = result.explainCluster(c.id());
    assertThat(e.masterId()).isEqualTo(c.masterId());
    assertThat(e.masterReason()).contains("completeness").contains("recency").contains("source");
    assertThat(e.members()).extracting(ClusterExplanation.Member::recordId)
        .containsExactlyInAnyOrderElementsOf(c.memberIds());
    assertThat(e.members().get(0).linkedTo()).isNull();
    for (ClusterExplanation.Member m : e.members().subList(1, e.members().size())) {
      assertThat(m.link()).isNotNull();
      assertThat(m.link().match()).isTrue();
      assertThat(c.memberIds()).contains(m.linkedTo());
    }
  }

  @Test
  void reportsBlockingStatistics() {
    DedupeStats s = result.stats();
    assertThat(s.records()).isEqualTo(RECORDS.size());
    long allPairs = (long) s.records() * (s.records() - 1) / 2;
    assertThat(s.candidatePairs()).isPositive().isLessThan(allPairs / 20);
    assertThat(s.meanCandidatesPerRecord()).isCloseTo(2.0 * s.candidatePairs() / s.records(), within(1e-9));
    assertThat(s.blockingKeys()).contains("email", "phone");
    assertThat(s.phaseTimes()).containsOnlyKeys(DedupePhase.values());
    assertThat(s.totalTime()).isEqualTo(s.phaseTimes().values().stream().reduce(java.time.Duration.ZERO,
        java.time.Duration::plus));
    assertThat(result.candidateCount("bob-1")).isPositive();
    assertThat(result.isCandidatePair("bob-1", "bob-2")).isTrue();
    assertThat(s.model()).contains("EM").contains("email");
  }

  @Test
  void tellsTheListenerEachPhaseInOrderAndSurvivesOneThatThrows() {
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    DedupeListener listener = new DedupeListener() {
      @Override
      public void phaseStarted(DedupePhase phase, long workItems) {
        events.add("start " + phase);
        throw new IllegalStateException("a listener's bug");
      }

      @Override
      public void phaseFinished(DedupePhase phase, java.time.Duration elapsed) {
        assertThat(elapsed.isNegative()).isFalse();
        events.add("end " + phase);
      }
    };
    DedupeResult r = DataQualityEngine.builder().mode(MatchMode.RULES).build().deduplicate(RECORDS, listener);
    assertThat(events).containsExactly("start NORMALIZE", "end NORMALIZE", "start BLOCK", "end BLOCK",
        "start COMPARE", "end COMPARE", "start CLUSTER", "end CLUSTER", "start MERGE", "end MERGE");
    assertThat(r.stats().phaseTimes()).doesNotContainKey(DedupePhase.ESTIMATE);
  }

  @Test
  void rulesModeIsTheRulesRecipeWithoutRoleMailboxes() {
    DedupeResult rules = DataQualityEngine.builder().mode(MatchMode.RULES).build().deduplicate(RECORDS);
    assertThat(rules.clusterOf("bob-1").memberIds()).contains("bob-1", "bob-2");
    assertThat(rules.clusterOf("colleague-3").size()).isEqualTo(1);
    PairExplanation e = rules.explain("bob-1", "bob-2");
    assertThat(e.mode()).isEqualTo(MatchMode.RULES);
    assertThat(e.reason()).isEqualTo("same email");
  }

  @Test
  void acceptsCrmRecords() {
    List<CrmRecord> crm = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      crm.add(Contact.builder().id("hubspot", "h" + k).email(k < 2 ? "ann.lee@example.com" : "zed@example.com")
          .firstName(k < 2 ? "Ann" : "Zed").lastName("Lee").build().toRecord("hubspot"));
    }
    DedupeResult r = DataQualityEngine.builder().mode(MatchMode.RULES).build().deduplicateRecords(crm, "hubspot");
    assertThat(r.clusterOf("h0").memberIds()).containsExactly("h0", "h1");
    assertThat(r.clusterOf("h2").memberIds()).containsExactly("h2");
  }

  @Test
  void rejectsDuplicateIdsAndBadSettingsNamingThem() {
    List<DedupeRecord> twice = List.of(DedupeRecord.of("x", Map.of("email", "a@b.com")),
        DedupeRecord.of("x", Map.of("email", "c@d.com")));
    assertThatThrownBy(() -> DataQualityEngine.ofDefaults().deduplicate(twice))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    assertThatThrownBy(() -> DataQualityEngine.builder().maxBlockSize(1))
        .hasMessageContaining("maxBlockSize");
    assertThatThrownBy(() -> DataQualityEngine.builder().defaultRegion("XX"))
        .hasMessageContaining("defaultRegion");
    assertThatThrownBy(() -> DataQualityEngine.builder().matchProbability(1.0))
        .hasMessageContaining("matchProbability");
    assertThatThrownBy(() -> DataQualityEngine.builder().survivorship("email", SurvivorshipRule.mostRecent())
        .survivorship("email", SurvivorshipRule.fromMaster())).hasMessageContaining("'email'");
    assertThatThrownBy(() -> result.explain("bob-1", "nobody")).hasMessageContaining("'nobody'");
  }

  @Test
  void handlesEmptyAndSingleInputs() {
    assertThat(DataQualityEngine.ofDefaults().deduplicate(List.of()).clusters()).isEmpty();
    DedupeResult one = DataQualityEngine.ofDefaults().deduplicate(List.of(DedupeRecord.of("only", Map.of("email", "a@b.com"))));
    assertThat(one.clusters()).hasSize(1);
    assertThat(one.clusterOf("only").merged().provenance().get("email").recordId()).isEqualTo("only");
  }
}

package io.crmsync.quality;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.quality.internal.SyntheticContacts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class DedupePropertyTest {

  @Property(tries = 6)
  void clustersDoNotDependOnInputOrder(@ForAll @IntRange(min = 1, max = 1000) int seed,
      @ForAll long shuffleSeed, @ForAll("modes") MatchMode mode) {
    List<DedupeRecord> records = SyntheticContacts.generate(600, seed).records();
    List<DedupeRecord> shuffled = new ArrayList<>(records);
    Collections.shuffle(shuffled, new Random(shuffleSeed));
    DataQualityEngine engine = DataQualityEngine.builder().mode(mode).build();
    DedupeResult a = engine.deduplicate(records);
    DedupeResult b = engine.deduplicate(shuffled);
    assertThat(b.clusterIds()).isEqualTo(a.clusterIds());
    assertThat(b.clusters()).extracting(Cluster::masterId).isEqualTo(a.clusters().stream().map(Cluster::masterId).toList());
  }

  @Provide
  Arbitrary<MatchMode> modes() {
    return Arbitraries.of(MatchMode.values());
  }

  @Property(tries = 200)
  void aMergeNeverDropsANonEmptyValueWithoutRecordingWhereItWent(
      @ForAll("clusters") List<DedupeRecord> members, @ForAll("rules") SurvivorshipRule rule) {
    // one cluster: every record shares the email, so the engine must merge them (rules mode, exact email)
    DataQualityEngine engine = DataQualityEngine.builder().mode(MatchMode.RULES).defaultSurvivorship(rule)
        .survivorship(FieldRole.FIRST_NAME, rule).survivorship(FieldRole.COMPANY, rule).build();
    DedupeResult r = engine.deduplicate(members);
    for (Cluster c : r.clusters()) {
      MergedRecord m = c.merged();
      assertThat(m.provenance().keySet()).isEqualTo(m.fields().keySet());
      for (String id : c.memberIds()) {
        DedupeRecord rec = members.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        rec.fields().forEach((field, value) -> {
          FieldProvenance p = m.provenance().get(field);
          assertThat(p).as("provenance of %s", field).isNotNull();
          boolean chosen = p.recordId().equals(id) && p.value().equals(value);
          boolean recorded = p.others().stream().anyMatch(o -> o.recordId().equals(id) && o.value().equals(value));
          assertThat(chosen || recorded).as("%s=%s of %s is accounted for", field, value, id).isTrue();
          assertThat(m.fields().get(field)).isEqualTo(p.value());
        });
      }
    }
  }

  @Provide
  Arbitrary<List<DedupeRecord>> clusters() {
    Arbitrary<String> value = Arbitraries.of("", "Ann", "ANN", "Annabel", "Acme", "Acme Inc", "x", "Bob");
    Arbitrary<Map<String, String>> fields = Combinators.combine(value, value, value, value)
        .as((a, b, c, d) -> {
          Map<String, String> f = new LinkedHashMap<>();
          f.put("email", "same@example.com");
          f.put("firstName", a);
          f.put("company", b);
          f.put("notes", c);
          f.put("custom", d);
          return f;
        });
    Arbitrary<java.time.Instant> when = Arbitraries.longs().between(0, 1_000_000_000L)
        .map(java.time.Instant::ofEpochSecond).injectNull(0.3);
    Arbitrary<String> source = Arbitraries.of("hubspot", "salesforce").injectNull(0.3);
    return Combinators.combine(fields, when, source).as((f, w, s) -> new Object[] {f, w, s})
        .list().ofMinSize(1).ofMaxSize(6)
        .map(list -> {
          List<DedupeRecord> out = new ArrayList<>();
          for (int k = 0; k < list.size(); k++) {
            @SuppressWarnings("unchecked")
            Map<String, String> f = (Map<String, String>) list.get(k)[0];
            out.add(new DedupeRecord("r" + k, f, (java.time.Instant) list.get(k)[1], (String) list.get(k)[2]));
          }
          return out;
        });
  }

  @Provide
  Arbitrary<SurvivorshipRule> rules() {
    return Arbitraries.of(SurvivorshipRule.mostRecent(), SurvivorshipRule.mostComplete(),
        SurvivorshipRule.fromMaster(), SurvivorshipRule.sourcePriority(List.of("salesforce")),
        SurvivorshipRule.mostFrequent(),
        SurvivorshipRule.named("last", (field, c) -> c.get(c.size() - 1)));
  }
}

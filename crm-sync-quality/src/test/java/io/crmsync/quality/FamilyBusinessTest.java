package io.crmsync.quality;

import static io.crmsync.quality.Contacts.contact;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Family businesses: a couple with one family name at one small company, sharing its phone and city. Their
 * name and company are both rare, which by themselves outweigh their given names' disagreement; the
 * engine learns from the data that colleagues with different given names share family names far beyond
 * chance, and weighs a shared family name at one company accordingly.
 */
class FamilyBusinessTest {
  private static final String[] HIS = {"Thomas", "James", "Daniel", "Mark", "Paul", "Steven", "Kevin", "Brian",
      "George", "Edward", "Ronald", "Gary", "Eric", "Scott", "Frank", "Gregory"};
  private static final String[] HERS = {"Margaret", "Susan", "Karen", "Nancy", "Lisa", "Sandra", "Donna", "Carol",
      "Sharon", "Cynthia", "Angela", "Brenda", "Pamela", "Janet", "Diane", "Joyce"};
  private static final String[] SYLLABLES = {"ber", "lin", "dor", "ste", "van", "ma", "ri", "ton", "sel", "wick",
      "ham", "ford", "ley", "gen", "ros", "quist"};

  @Test
  void aCoupleAtTheirOwnCompanyStaysTwoPeople() {
    SplittableRandom rnd = new SplittableRandom(11);
    List<DedupeRecord> records = new ArrayList<>();
    Map<String, String> person = new HashMap<>();
    for (int c = 0; c < 600; c++) {
      String family = SYLLABLES[rnd.nextInt(16)] + SYLLABLES[rnd.nextInt(16)] + SYLLABLES[rnd.nextInt(16)] + c;
      family = Character.toUpperCase(family.charAt(0)) + family.substring(1).replaceAll("[0-9]", "");
      String company = family + " " + (c % 2 == 0 ? "Plumbing" : "Bakery") + " " + c + " LLC";
      String phone = String.format(Locale.ROOT, "(415) 555-%04d", c);
      String city = "Springfield " + (c % 40);
      String[] firsts = {HIS[rnd.nextInt(HIS.length)], HERS[rnd.nextInt(HERS.length)]};
      for (int p = 0; p < 2; p++) {
        String email = firsts[p].toLowerCase(Locale.ROOT) + "@" + family.toLowerCase(Locale.ROOT) + c + ".com";
        int copies = rnd.nextDouble() < 0.3 ? 2 : 1;
        for (int k = 0; k < copies; k++) {
          String id = c + "-" + p + "-" + k;
          records.add(contact(id, firsts[p], family, k == 0 || rnd.nextBoolean() ? email : null, company, phone, city));
          person.put(id, c + "-" + p);
        }
      }
    }
    DedupeResult r = DataQualityEngine.ofDefaults().deduplicate(records);

    // no cluster holds both of a couple
    Map<String, String> cluster = r.clusterIds();
    int couplesJoined = 0;
    for (int c = 0; c < 600; c++) {
      couplesJoined += cluster.get(c + "-0-0").equals(cluster.get(c + "-1-0")) ? 1 : 0;
    }
    assertThat(couplesJoined).isZero();
    PairwiseMetrics m = r.evaluate(person);
    assertThat(m.recall()).isGreaterThan(0.95);
    assertThat(r.stats().model()).containsPattern("different people share it beyond chance in 0\\.[3-9]");
    PairExplanation couple = r.explain("0-0-0", "0-1-0");
    assertThat(couple.comparisons().get(2).note()).contains("relatives share it");
    assertThat(couple.match()).isFalse();
  }

  /** Jr. and Sr. are two people even where everything else agrees; one person's Jr. records stay one. */
  @Test
  void aFatherAndSonOfOneNameAtTheirCompanyStayTwoPeople() {
    List<DedupeRecord> records = new ArrayList<>(io.crmsync.quality.internal.SyntheticContacts.generate(2000, 3).records());
    records.add(contact("sr", "Charles", "Quarrington Sr.", "charles@quarringtonmotors.com", "Quarrington Motors",
        "(612) 555-0100", "Duluth"));
    records.add(contact("jr-1", "Charles", "Quarrington, Jr.", "charles.jr@quarringtonmotors.com",
        "Quarrington Motors LLC", "(612) 555-0100", "Duluth"));
    records.add(contact("jr-2", "Chuck", "Quarrington Jr", "", "QUARRINGTON MOTORS", "612.555.0100", "Duluth"));
    DedupeResult r = DataQualityEngine.ofDefaults().deduplicate(records);

    assertThat(r.clusterOf("jr-1").memberIds()).containsExactlyInAnyOrder("jr-1", "jr-2");
    PairExplanation e = r.explain("sr", "jr-2");
    assertThat(e.match()).isFalse();
    assertThat(e.comparisons()).last().satisfies(c -> {
      assertThat(c.name()).isEqualTo("generation");
      assertThat(c.valueA()).isEqualTo("sr");
      assertThat(c.valueB()).isEqualTo("jr");
      assertThat(c.weight()).isEqualTo(-1000);
    });
    assertThat(r.explain("jr-1", "jr-2").comparisons()).extracting(ComparisonDetail::name)
        .doesNotContain("generation");
  }
}

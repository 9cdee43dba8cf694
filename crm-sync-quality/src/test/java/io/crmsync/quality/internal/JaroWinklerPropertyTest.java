package io.crmsync.quality.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

class JaroWinklerPropertyTest {
  private static final JaroWinklerSimilarity COMMONS = new JaroWinklerSimilarity();

  @Property
  void isSymmetric(@ForAll @StringLength(max = 30) String a, @ForAll @StringLength(max = 30) String b) {
    assertThat(JaroWinkler.similarity(a, b)).isEqualTo(JaroWinkler.similarity(b, a));
  }

  @Property
  void staysWithinZeroAndOne(@ForAll @StringLength(max = 80) String a, @ForAll @StringLength(max = 80) String b) {
    assertThat(JaroWinkler.similarity(a, b)).isBetween(0.0, 1.0);
  }

  @Property
  void isOneForIdenticalStrings(@ForAll @StringLength(max = 80) String a) {
    assertThat(JaroWinkler.similarity(a, new String(a))).isEqualTo(1.0);
    assertThat(JaroWinkler.similarity(a.toCharArray(), a.toCharArray())).isEqualTo(1.0);
  }

  @Property
  void agreesWithCommonsText(@ForAll @AlphaChars @StringLength(max = 20) String a,
      @ForAll @AlphaChars @StringLength(max = 20) String b) {
    assertThat(JaroWinkler.similarity(a, b)).isCloseTo(COMMONS.apply(a, b), within(1e-12));
  }

  @Property
  void charArraysAgreeWithStrings(@ForAll @StringLength(max = 70) String a, @ForAll @StringLength(max = 70) String b) {
    assertThat(JaroWinkler.similarity(a.toCharArray(), b.toCharArray()))
        .isCloseTo(JaroWinkler.similarity(a, b), within(1e-12));
  }

  @Property
  void similarNamesAgreeWithCommonsText(@ForAll("names") String a, @ForAll("names") String b) {
    assertThat(JaroWinkler.similarity(a.toCharArray(), b.toCharArray())).isCloseTo(COMMONS.apply(a, b), within(1e-12));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> names() {
    return net.jqwik.api.Arbitraries.of("martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "jones",
        "johnson", "smith", "smyth", "robert", "rupert", "jonathan", "jon", "a", "", "abcdefghijklmnopqrstuvwxyz");
  }
}

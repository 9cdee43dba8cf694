package io.crmsync.quality;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.quality.internal.SyntheticContacts;
import org.junit.jupiter.api.Test;

/**
 * Pairwise accuracy with one fixed configuration (the defaults; only the field roles differ per
 * dataset). Thresholds sit just below the figures achieved when they were set; a drop is a regression.
 * The public datasets are read from {@code ../shared/data}; tests skip when it is absent.
 */
class AccuracyRegressionTest {

  private static PairwiseMetrics run(Datasets.Labelled d, MatchMode mode) {
    DedupeResult r = DataQualityEngine.builder().schema(d.schema()).mode(mode).build().deduplicate(d.records());
    PairwiseMetrics m = r.evaluate(d.truth());
    System.out.printf("%s %s: %s%n", d.name(), mode, m);
    return m;
  }

  @Test
  void febrlDataset1() {
    PairwiseMetrics m = run(Datasets.febrl("dataset1.csv", true), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.998);
  }

  @Test
  void febrlDataset2() {
    PairwiseMetrics m = run(Datasets.febrl("dataset2.csv", true), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.999);
  }

  @Test
  void febrlDataset3() {
    PairwiseMetrics m = run(Datasets.febrl("dataset3.csv", true), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.999);
    assertThat(m.precision()).isGreaterThanOrEqualTo(0.999);
  }

  @Test
  void febrlDataset3WithoutSocialSecurityId() {
    PairwiseMetrics m = run(Datasets.febrl("dataset3.csv", false), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.997);
    assertThat(m.blockingRecall()).isGreaterThanOrEqualTo(0.98);
  }

  @Test
  void splinkFake1000() {
    PairwiseMetrics m = run(Datasets.splinkFake1000(), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.92);
    assertThat(m.precision()).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void dedupeCsvExample() {
    PairwiseMetrics m = run(Datasets.dedupeCsvExample(), MatchMode.PROBABILISTIC);
    assertThat(m.f1()).isGreaterThanOrEqualTo(0.87);
  }

  @Test
  void probabilisticBeatsTheSeedRulesOnFebrl() {
    Datasets.Labelled d = Datasets.febrl("dataset3.csv", false);
    assertThat(run(d, MatchMode.PROBABILISTIC).f1()).isGreaterThan(run(d, MatchMode.RULES).f1() + 0.1);
  }

  @Test
  void syntheticCrmContacts() {
    SyntheticContacts.Dataset data = SyntheticContacts.generate(30_000, 42);
    Datasets.Labelled d = new Datasets.Labelled("synthetic 30k", data.records(), data.truth(), RecordSchema.contacts());
    PairwiseMetrics probabilistic = run(d, MatchMode.PROBABILISTIC);
    PairwiseMetrics rules = run(d, MatchMode.RULES);
    assertThat(probabilistic.f1()).isGreaterThanOrEqualTo(0.97);
    assertThat(probabilistic.precision()).isGreaterThanOrEqualTo(0.985);
    assertThat(probabilistic.blockingRecall()).isGreaterThanOrEqualTo(0.965);
    assertThat(probabilistic.f1()).isGreaterThan(rules.f1() + 0.1);
  }

  /** The first generator's names, about five times as concentrated as a census: more same-name strangers. */
  @Test
  void syntheticCrmContactsWithConcentratedNames() {
    SyntheticContacts.Dataset data = SyntheticContacts.generateConcentratedNames(30_000, 42);
    Datasets.Labelled d = new Datasets.Labelled("synthetic 30k, concentrated names", data.records(), data.truth(),
        RecordSchema.contacts());
    PairwiseMetrics probabilistic = run(d, MatchMode.PROBABILISTIC);
    assertThat(probabilistic.f1()).isGreaterThanOrEqualTo(0.94);
    assertThat(probabilistic.precision()).isGreaterThanOrEqualTo(0.96);
    assertThat(probabilistic.blockingRecall()).isGreaterThanOrEqualTo(0.96);
  }
}

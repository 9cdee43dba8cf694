package io.crmsync.benchmarks.quality;

import io.crmsync.quality.internal.JaroWinkler;
import java.util.concurrent.TimeUnit;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Jaro-Winkler on names, company names and emails: the engine's implementation (on strings and on
 * pre-split char arrays) against commons-text's. Both return the same values.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -jar crm-sync-benchmarks/target/benchmarks.jar JaroWinklerBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JaroWinklerBenchmark {
  private static final String[][] PAIRS = {
      {"martha", "marhta"}, {"dwayne", "duane"}, {"jonathan", "jon"}, {"robert", "rupert"},
      {"smith", "smyth"}, {"acme widgets", "acme widget co"}, {"pacific retail rosros", "prime health kaka"},
      {"john.smith@acmewidgets.com", "jon.smith@acmewidgets.com"},
      {"kenneth_smith@mountaincapital.com", "kimberly.smith@redmedia.io"}};

  @Param({"engine-chars", "engine-string", "commons-text"})
  String implementation;

  private final JaroWinklerSimilarity commons = new JaroWinklerSimilarity();
  private char[][][] chars;

  @Setup
  public void setUp() {
    chars = new char[PAIRS.length][][];
    for (int k = 0; k < PAIRS.length; k++) {
      chars[k] = new char[][] {PAIRS[k][0].toCharArray(), PAIRS[k][1].toCharArray()};
    }
  }

  /** All pairs once; divide by {@value #PAIR_COUNT} for the time per comparison. */
  @Benchmark
  public void allPairs(Blackhole bh) {
    for (int k = 0; k < PAIRS.length; k++) {
      double similarity = switch (implementation) {
        case "engine-chars" -> JaroWinkler.similarity(chars[k][0], chars[k][1]);
        case "engine-string" -> JaroWinkler.similarity(PAIRS[k][0], PAIRS[k][1]);
        default -> commons.apply(PAIRS[k][0], PAIRS[k][1]);
      };
      bh.consume(similarity);
    }
  }

  static final int PAIR_COUNT = 9;
}

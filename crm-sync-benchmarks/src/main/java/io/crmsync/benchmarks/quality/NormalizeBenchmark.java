package io.crmsync.benchmarks.quality;

import io.crmsync.quality.internal.Normalize;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-value normalisation cost by field kind (phones go through libphonenumber).
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -jar crm-sync-benchmarks/target/benchmarks.jar NormalizeBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NormalizeBenchmark {
  @Param({"phone", "email", "name", "company"})
  String kind;

  @Benchmark
  public Object normalize() {
    return switch (kind) {
      case "phone" -> Normalize.phone("(415) 555-0123", "US");
      case "email" -> Normalize.email(" John.Smith+crm@GoogleMail.com ");
      case "name" -> Normalize.name("Dr. José Müller-Lüdenscheidt");
      default -> Normalize.company("Acme Widgets, Inc.");
    };
  }
}

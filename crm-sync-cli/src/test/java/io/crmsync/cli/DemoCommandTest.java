package io.crmsync.cli;

import static io.crmsync.cli.CliRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
  @Test
  void theDemoSyncsWithFaultsAndExitsZeroWhenTheTargetMirrorsTheSource() {
    int[] exit = new int[1];
    String out = run(exit, "demo", "--records", "1500", "--invalid-every", "100", "--latency", "0ms",
        "--retry-after", "50ms", "--rate-limit-after", "5", "--no-progress");
    assertThat(exit[0]).isZero();
    assertThat(out)
        .contains("Seeded 1,500 contacts in the source (15 with an invalid email)")
        .contains("status=COMPLETED")
        .contains("deadLettered=15")
        .contains("INVALID_VALUE")
        .contains("exactly once, field for field: yes")
        .contains("unchanged=1485");
  }

  @Test
  void badOptionsFailWithUsage() {
    int[] exit = new int[1];
    run(exit, "demo", "--records", "many");
    assertThat(exit[0]).isEqualTo(2);
  }
}

package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The adapter contract, against the emulator. */
class PipedriveAdapterContractTest extends CRMAdapterContract {
  static final FakeTimeSource clock = new FakeTimeSource();
  static PipedriveEmulator pipedrive;

  @BeforeAll
  static void start() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock)
        .customField("persons", "Favourite colour", "varchar")
        .build().start();
  }

  @AfterAll
  static void stop() {
    pipedrive.close();
  }

  @AfterEach
  void nothingWasRefusedButRepeatedDeletes() {
    // every request the contract makes is one the real API accepts, except the second delete of a record
    assertThat(pipedrive.refusals().keySet()).allMatch(r -> r.equals("404 not found"), "only repeated deletes: " + pipedrive.refusals());
  }

  @Override
  protected CRMAdapter newAdapter() {
    return Emulated.adapter(pipedrive, clock);
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("Favourite colour");
  }
}

package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The adapter against the emulator with {@code $batch} (the default): writes by the alternate key on {@code
 * emailaddress1}, each record its own change set in one batch request. No request may be one Dataverse would refuse.
 */
class DynamicsAdapterContractTest extends CRMAdapterContract {
  static DataverseEmulator dv;

  @BeforeAll
  static void startEmulator() {
    dv = Emulated.emulator(TimeSource.system()).build().start();
  }

  @AfterAll
  static void stopEmulator() {
    dv.close();
  }

  @AfterEach
  void nothingRefused() {
    assertThat(dv.unsupportedCount()).as("requests the emulator does not support").isZero();
    assertThat(dv.refusals()).as("requests Dataverse refuses").isEmpty();
  }

  @Override
  protected CRMAdapter newAdapter() {
    return Emulated.adapter(dv, TimeSource.system());
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of(Emulated.CUSTOM_COLUMN);
  }
}

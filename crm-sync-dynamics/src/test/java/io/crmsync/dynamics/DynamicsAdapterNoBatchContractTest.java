package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.dynamics.ColumnSpec;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The same contract without {@code $batch} (one request per record) and without an alternate key: upserts find
 * existing rows by a {@code $filter} on {@code emailaddress1}, then PATCH them by primary key or create them with a
 * new one, and change tracking is off for contacts, so incremental reads filter on {@code modifiedon}. Full reads
 * report deleted rows from the recycle bin, on here as in the other variant.
 */
class DynamicsAdapterNoBatchContractTest extends CRMAdapterContract {
  static DataverseEmulator dv;

  @BeforeAll
  static void startEmulator() {
    dv = DataverseEmulator.builder()
        .column("contact", ColumnSpec.string(Emulated.CUSTOM_COLUMN, 100))
        .changeTracking("contact", false)
        .recycleBin("contact", true)
        .noServiceProtection()
        .build().start();
  }

  @AfterAll
  static void stopEmulator() {
    dv.close();
  }

  @AfterEach
  void nothingUnsupported() {
    assertThat(dv.unsupportedCount()).as("requests the emulator does not support").isZero();
    assertThat(dv.refusals()).as("requests Dataverse refuses").isEmpty();
  }

  @Override
  protected CRMAdapter newAdapter() {
    return Emulated.adapter(dv, TimeSource.system(), "batch", "false");
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of(Emulated.CUSTOM_COLUMN);
  }
}

package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.salesforce.IngestJob;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The adapter against the emulator, batches below 2,000 records through sObject Collections; nothing refused. */
class SalesforceAdapterContractTest extends CRMAdapterContract {
  static SalesforceEmulator sf;

  @BeforeAll
  static void startEmulator() {
    sf = Emulators.emulator(TimeSource.system()).build().start();
  }

  @AfterAll
  static void stopEmulator() {
    try {
      assertThat(sf.refusals()).as("nothing the real API would refuse").isEmpty();
      assertThat(sf.ingestJobs()).noneMatch(IngestJob::isOpen);
    } finally {
      sf.close();
    }
  }

  @Override
  protected CRMAdapter newAdapter() {
    return Emulators.adapter(sf, TimeSource.system(), Map.of());
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("Favourite_Colour__c");
  }
}

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

/** The same contract with every batch of more than one record going through a Bulk API 2.0 job. */
class SalesforceAdapterBulkContractTest extends CRMAdapterContract {
  static SalesforceEmulator bulkSf;

  @BeforeAll
  static void startEmulator() {
    bulkSf = Emulators.emulator(TimeSource.system()).build().start();
  }

  @AfterAll
  static void stopEmulator() {
    try {
      assertThat(bulkSf.refusals()).as("nothing the real API would refuse").isEmpty();
      assertThat(bulkSf.ingestJobs()).noneMatch(IngestJob::isOpen);
    } finally {
      bulkSf.close();
    }
  }

  @Override
  protected CRMAdapter newAdapter() {
    return Emulators.adapter(bulkSf, TimeSource.system(), Map.of("bulkThreshold", "1"));
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("Favourite_Colour__c");
  }
}

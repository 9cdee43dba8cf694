package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The adapter against the emulator, through the contract every adapter passes, with nothing refused. */
class ZohoAdapterContractTest extends CRMAdapterContract {
  static ZohoEmulator zoho;

  @BeforeAll
  static void startEmulator() {
    // the contract creates an adapter per test, each fetching its own access token: more than the ten per ten
    // minutes Zoho's accounts server grants one refresh token (one adapter per org is what production does)
    zoho = ZohoEmulator.builder().field("Contacts", "Favourite_Colour", "text").refuseUnknownFields(true)
        .tokenRequestLimit(100, Duration.ofMinutes(10)).build().start();
  }

  @AfterAll
  static void stopEmulator() {
    zoho.close();
  }

  @Override
  protected CRMAdapter newAdapter() {
    return ZohoAdapter.create(Emulated.config(zoho, io.crmsync.TimeSource.system()).build());
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("Favourite_Colour");
  }

  @AfterEach
  void nothingWasRefusedButTheRepeatedDelete() {
    // The contract's one bad record (an invalid email) fails alone inside a 207. The one request Zoho refuses
    // whole is the contract's second delete of the same id ("record not deleted"), which the adapter counts as
    // deleted after finding no such record.
    assertThat(zoho.requests()).filteredOn(r -> r.status() >= 400)
        .allSatisfy(r -> assertThat(r.method() + " " + r.code()).isEqualTo("DELETE INVALID_DATA"));
    assertThat(zoho.rateLimitedCount()).isZero();
    assertThat(zoho.faultCount()).isZero();
  }
}

package io.crmsync.examples.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.FakeTimeSource;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The Acme adapter passes the contract every adapter owes the engine, against the Acme CRM server: this is
 * what makes it done. The server keeps Acme's rate limit on its clock, so each test starts in a fresh
 * window of it (the contract calls the adapter directly, without the engine's pacing).
 */
class AcmeCrmContractTest extends CRMAdapterContract {
  static final FakeTimeSource clock = new FakeTimeSource();
  static AcmeCrmServer acme;

  @BeforeAll
  static void start() {
    acme = AcmeCrmServer.builder().timeSource(clock).customField("favourite_colour", "text").build().start();
  }

  @AfterAll
  static void stop() {
    acme.close();
  }

  @BeforeEach
  void nextRateWindow() {
    clock.advance(AcmeCrmServer.RATE_WINDOW);
  }

  @AfterEach
  void acmeRefusedNothing() {
    // bad records fail alone inside a 200; too large a batch is refused before sending: Acme refused no call
    assertThat(acme.refusals()).isEmpty();
  }

  @Override
  protected CRMAdapter newAdapter() {
    return new AcmeCrmProvider().create(
        AdapterConfig.builder("acme").settings(acme.settings()).timeSource(clock).build());
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("favourite_colour");
  }
}

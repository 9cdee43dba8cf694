package io.crmsync.sugarcrm;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The adapter contract against the emulator, upserting by email (a lookup, then creates and updates in one bulk call). */
class SugarCrmAdapterContractTest extends CRMAdapterContract {
  final FakeTimeSource clock = new FakeTimeSource();
  final SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock)
      .customField("Contacts", "favourite_colour_c").build().start();

  @Override
  protected CRMAdapter newAdapter() {
    return Emulated.adapter(sugar, clock);
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("favourite_colour_c");
  }

  @AfterEach
  void stop() {
    sugar.close();
  }

  @Test
  void onlyTheRequestsTheContractMeantToFailWereRefused() {
    // a full contract run refuses nothing else: each test checks its own refusals through the emulator
    assertThat(sugar.faultCount()).isZero();
    assertThat(sugar.countByStatus(429)).isZero();
  }
}

package io.crmsync.hubspot;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The adapter against the emulator, through the contract every adapter passes. */
class HubSpotAdapterContractTest extends CRMAdapterContract {
  static HubSpotEmulator hubspot;

  @BeforeAll
  static void startEmulator() {
    hubspot = HubSpotEmulator.builder().property("contacts", "favourite_colour").build().start();
  }

  @AfterAll
  static void stopEmulator() {
    hubspot.close();
  }

  @Override
  protected CRMAdapter newAdapter() {
    Map<String, String> settings = new LinkedHashMap<>(hubspot.adapterSettings());
    settings.put("properties", "favourite_colour");
    return HubSpotAdapter.create(AdapterConfig.fromMap("hubspot", settings));
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("favourite_colour");
  }
}

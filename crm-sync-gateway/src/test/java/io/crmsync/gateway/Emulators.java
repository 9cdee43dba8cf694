package io.crmsync.gateway;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.time.Duration;
import java.util.Map;

/** Three CRMs' emulators on loopback and adapters on them, on one fake clock. */
final class Emulators implements AutoCloseable {
  final FakeTimeSource clock;
  final HubSpotEmulator hs;
  final SalesforceEmulator sf;
  final DataverseEmulator dv;
  final Recording hubspot;
  final Recording salesforce;
  final Recording dynamics;

  Emulators(FakeTimeSource clock, int hubspotRequestsPer10s) {
    this.clock = clock;
    HubSpotEmulator.Builder hb = HubSpotEmulator.builder().timeSource(clock);
    if (hubspotRequestsPer10s > 0) {
      hb.rateLimit(hubspotRequestsPer10s, Duration.ofSeconds(10));
    }
    hs = hb.build().start();
    sf = SalesforceEmulator.builder().timeSource(clock).build().start();
    // an alternate key on emailaddress1, as a Dataverse environment synced by email has it: one PATCH per record
    dv = DataverseEmulator.builder().timeSource(clock).alternateKey("contact", "emailaddress1").build().start();
    hubspot = new Recording(HubSpotAdapter.create(
        AdapterConfig.builder("hubspot").settings(hs.adapterSettings()).timeSource(clock).build()));
    salesforce = new Recording(SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
        .settings(Map.of("loginUrl", sf.url(), "clientId", "emulator", "clientSecret", "emulator")).build()));
    dynamics = new Recording(DynamicsAdapter.create(
        AdapterConfig.builder(DynamicsAdapter.ID).settings(dv.adapterSettings()).timeSource(clock).build()));
  }

  @Override
  public void close() {
    hubspot.close();
    salesforce.close();
    dynamics.close();
    hs.close();
    sf.close();
    dv.close();
  }
}

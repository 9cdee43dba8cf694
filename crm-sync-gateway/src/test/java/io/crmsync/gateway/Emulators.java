package io.crmsync.gateway;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.zoho.ZohoAdapter;
import java.time.Duration;
import java.util.Map;

/** Three CRMs' emulators on loopback and adapters on them, on one fake clock. */
final class Emulators implements AutoCloseable {
  final FakeTimeSource clock;
  final HubSpotEmulator hs;
  final SalesforceEmulator sf;
  final ZohoEmulator zoho;
  final Recording hubspot;
  final Recording salesforce;
  final Recording zohoAdapter;

  Emulators(FakeTimeSource clock, int hubspotRequestsPer10s) {
    this.clock = clock;
    HubSpotEmulator.Builder hb = HubSpotEmulator.builder().timeSource(clock);
    if (hubspotRequestsPer10s > 0) {
      hb.rateLimit(hubspotRequestsPer10s, Duration.ofSeconds(10));
    }
    hs = hb.build().start();
    sf = SalesforceEmulator.builder().timeSource(clock).build().start();
    zoho = ZohoEmulator.builder().timeSource(clock).build().start();
    hubspot = new Recording(HubSpotAdapter.create(
        AdapterConfig.builder("hubspot").settings(hs.adapterSettings()).timeSource(clock).build()));
    salesforce = new Recording(SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
        .settings(Map.of("loginUrl", sf.url(), "clientId", "emulator", "clientSecret", "emulator")).build()));
    zohoAdapter = new Recording(ZohoAdapter.create(
        AdapterConfig.builder("zoho").settings(zoho.adapterSettings()).timeSource(clock).build()));
  }

  @Override
  public void close() {
    hubspot.close();
    salesforce.close();
    zohoAdapter.close();
    hs.close();
    sf.close();
    zoho.close();
  }
}

package io.crmsync.examples;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.examples.acme.AcmeCrmProvider;

/**
 * The README's SPI section: an adapter for a CRM crm-sync does not ship, and how an application finds it.
 * The adapter is {@link io.crmsync.examples.acme}, for a made-up Acme CRM: its provider reads the
 * settings, its adapter speaks Acme's HTTP API through {@link io.crmsync.http.CrmHttp}, and it passes
 * {@code CRMAdapterContract} against an emulator of that API (this module's tests).
 */
public final class CustomAdapterExample {
  private CustomAdapterExample() {}

  /**
   * The adapter {@code config} names ({@code AdapterConfig.fromEnvironment("acme")}: {@code
   * CRMSYNC_ACME_BASE_URL}, {@code CRMSYNC_ACME_TOKEN}), from every adapter on the class path and Acme's.
   *
   * @throws io.crmsync.CrmConfigurationException naming a setting that is missing or malformed, or if no
   *     adapter has the config's id
   */
  public static CRMAdapter create(AdapterConfig config) {
    // README:registry:start
    AdapterRegistry registry = AdapterRegistry.builder()
        .discover()                              // every adapter on the class path (ServiceLoader)
        .register(new AcmeCrmProvider())         // explicit registration always works, and wins
        .build();
    CRMAdapter acme = registry.create(config);   // AdapterConfig.fromEnvironment("acme"): CRMSYNC_ACME_*
    // README:registry:end
    return acme;
  }
}

package io.crmsync.hubspot;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link HubSpotAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * HubSpotAdapter#ID}. The settings are listed on {@link HubSpotAdapter}.
 */
public final class HubSpotAdapterProvider implements CRMAdapterProvider {

  /** For {@link java.util.ServiceLoader}; does no work. */
  public HubSpotAdapterProvider() {}

  @Override
  public String id() {
    return HubSpotAdapter.ID;
  }

  @Override
  public CRMAdapter create(AdapterConfig config) {
    return HubSpotAdapter.create(config);
  }
}

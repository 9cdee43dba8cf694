package io.crmsync.dynamics;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link DynamicsAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * DynamicsAdapter#ID}. Thread-safe; its constructor does no work.
 */
public final class DynamicsAdapterProvider implements CRMAdapterProvider {
  public DynamicsAdapterProvider() {}

  @Override
  public String id() {
    return DynamicsAdapter.ID;
  }

  /**
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  @Override
  public CRMAdapter create(AdapterConfig config) {
    return DynamicsAdapter.create(config);
  }
}

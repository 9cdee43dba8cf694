package io.crmsync.salesforce;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link SalesforceAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * SalesforceAdapter#ID}. Thread-safe; its constructor does no work.
 */
public final class SalesforceAdapterProvider implements CRMAdapterProvider {
  public SalesforceAdapterProvider() {}

  @Override
  public String id() {
    return SalesforceAdapter.ID;
  }

  /**
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  @Override
  public CRMAdapter create(AdapterConfig config) {
    return SalesforceAdapter.create(config);
  }
}

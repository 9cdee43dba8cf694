package io.crmsync.zoho;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link ZohoAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * ZohoAdapter#ID}. The settings are listed on {@link ZohoAdapter}.
 */
public final class ZohoAdapterProvider implements CRMAdapterProvider {

  /** For {@link java.util.ServiceLoader}; does no work. */
  public ZohoAdapterProvider() {}

  @Override
  public String id() {
    return ZohoAdapter.ID;
  }

  @Override
  public CRMAdapter create(AdapterConfig config) {
    return ZohoAdapter.create(config);
  }
}

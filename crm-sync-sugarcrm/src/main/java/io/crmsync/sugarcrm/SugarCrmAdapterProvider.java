package io.crmsync.sugarcrm;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link SugarCrmAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * SugarCrmAdapter#ID}. The settings are listed on {@link SugarCrmAdapter}.
 */
public final class SugarCrmAdapterProvider implements CRMAdapterProvider {

  /** For {@link java.util.ServiceLoader}; does no work. */
  public SugarCrmAdapterProvider() {}

  @Override
  public String id() {
    return SugarCrmAdapter.ID;
  }

  @Override
  public CRMAdapter create(AdapterConfig config) {
    return SugarCrmAdapter.create(config);
  }
}

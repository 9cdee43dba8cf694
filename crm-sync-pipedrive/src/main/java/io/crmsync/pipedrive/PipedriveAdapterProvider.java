package io.crmsync.pipedrive;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;

/**
 * Creates {@link PipedriveAdapter}s; registered for {@link java.util.ServiceLoader} under the id {@value
 * PipedriveAdapter#ID}. The settings are listed on {@link PipedriveAdapter}.
 */
public final class PipedriveAdapterProvider implements CRMAdapterProvider {

  /** For {@link java.util.ServiceLoader}; does no work. */
  public PipedriveAdapterProvider() {}

  @Override
  public String id() {
    return PipedriveAdapter.ID;
  }

  @Override
  public CRMAdapter create(AdapterConfig config) {
    return PipedriveAdapter.create(config);
  }
}

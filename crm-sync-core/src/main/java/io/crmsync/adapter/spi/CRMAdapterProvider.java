package io.crmsync.adapter.spi;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;

/**
 * Creates adapters for one CRM. Found by {@link java.util.ServiceLoader} when listed in {@code
 * META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider}, or registered explicitly with {@link
 * io.crmsync.adapter.AdapterRegistry.Builder#register}.
 *
 * <p>Implementations need a public no-argument constructor that does no I/O; all work happens in {@link
 * #create}. They must be thread-safe.
 */
public interface CRMAdapterProvider {

  /** The SPI version this interface is at. */
  int SPI_VERSION = 1;

  /** The CRM's id, lower-case letters, digits and dashes: {@code hubspot}, {@code salesforce}. */
  String id();

  /**
   * The SPI version the provider was built against. The registry warns about, and skips, a provider
   * built for a version it does not support.
   */
  default int spiVersion() {
    return SPI_VERSION;
  }

  /**
   * A new adapter configured by {@code config}.
   *
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  CRMAdapter create(AdapterConfig config);
}

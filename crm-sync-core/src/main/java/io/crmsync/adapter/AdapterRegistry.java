package io.crmsync.adapter;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter providers an application can create adapters from. Immutable and thread-safe.
 *
 * <pre>{@code
 * AdapterRegistry registry = AdapterRegistry.builder().discover().build();
 * CRMAdapter hubspot = registry.create(AdapterConfig.fromEnvironment("hubspot"));
 * }</pre>
 *
 * <p>Discovery through {@link ServiceLoader} is opt-in ({@link Builder#discover()}). A provider that
 * fails to load is logged and skipped; the others still load. A provider built for an unsupported SPI
 * version is logged and skipped. Two discovered providers with the same id are an error unless one is
 * registered explicitly for that id: explicit registration always wins.
 */
public final class AdapterRegistry {
  private static final Logger log = LoggerFactory.getLogger(AdapterRegistry.class);

  private final Map<String, CRMAdapterProvider> providers;

  private AdapterRegistry(Map<String, CRMAdapterProvider> providers) {
    this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The ids of the registered providers. */
  public Set<String> ids() {
    return providers.keySet();
  }

  public Optional<CRMAdapterProvider> provider(String id) {
    return Optional.ofNullable(providers.get(id));
  }

  /**
   * Creates the adapter {@code config.adapterId()} names.
   *
   * @throws CrmConfigurationException if no provider has that id, or the provider rejects the config
   */
  public CRMAdapter create(AdapterConfig config) {
    CRMAdapterProvider p = providers.get(config.adapterId());
    if (p == null) {
      throw new CrmConfigurationException(
          config.adapterId(),
          "no adapter provider with id '" + config.adapterId() + "'; registered: " + providers.keySet()
              + " (is the adapter's artifact on the class path?)");
    }
    return p.create(config);
  }

  @Override
  public String toString() {
    return "AdapterRegistry" + providers.keySet();
  }

  /** Builds an {@link AdapterRegistry}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, CRMAdapterProvider> explicit = new LinkedHashMap<>();
    private final Map<String, CRMAdapterProvider> discovered = new LinkedHashMap<>();
    private final Map<String, String> duplicates = new LinkedHashMap<>();

    Builder() {}

    /**
     * Registers {@code provider}; it wins over a discovered provider with the same id.
     *
     * @throws IllegalArgumentException if a provider with the same id was already registered
     */
    public Builder register(CRMAdapterProvider provider) {
      Objects.requireNonNull(provider, "provider");
      String id = Objects.requireNonNull(provider.id(), "provider.id()");
      CRMAdapterProvider previous = explicit.putIfAbsent(id, provider);
      if (previous != null) {
        throw new IllegalArgumentException(
            "adapter id '" + id + "' is already registered by " + previous.getClass().getName());
      }
      return this;
    }

    /** Adds the providers {@link ServiceLoader} finds with the thread's context class loader. */
    public Builder discover() {
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      return discover(cl != null ? cl : AdapterRegistry.class.getClassLoader());
    }

    /** Adds the providers {@link ServiceLoader} finds with {@code classLoader}. */
    public Builder discover(ClassLoader classLoader) {
      Iterator<CRMAdapterProvider> it = ServiceLoader.load(CRMAdapterProvider.class, classLoader).iterator();
      while (true) {
        CRMAdapterProvider p;
        try {
          if (!it.hasNext()) {
            break;
          }
          p = it.next();
        } catch (ServiceConfigurationError e) {
          log.warn("Skipping a CRM adapter provider that failed to load: {}", e.getMessage(), e);
          continue;
        }
        addDiscovered(p);
      }
      return this;
    }

    private void addDiscovered(CRMAdapterProvider p) {
      String id;
      int version;
      try {
        id = p.id();
        version = p.spiVersion();
      } catch (RuntimeException e) {
        log.warn("Skipping CRM adapter provider {}: it threw {}", p.getClass().getName(), e.toString());
        return;
      }
      if (version != CRMAdapterProvider.SPI_VERSION) {
        log.warn("Skipping CRM adapter provider {} ({}): built for SPI version {}, this crm-sync supports {}",
            p.getClass().getName(), id, version, CRMAdapterProvider.SPI_VERSION);
        return;
      }
      CRMAdapterProvider previous = discovered.putIfAbsent(id, p);
      if (previous != null && previous.getClass() != p.getClass()) {
        duplicates.put(id, previous.getClass().getName() + " and " + p.getClass().getName());
      }
    }

    /**
     * @throws IllegalStateException if two discovered providers share an id and none was registered
     *     explicitly for it
     */
    public AdapterRegistry build() {
      Map<String, CRMAdapterProvider> all = new LinkedHashMap<>(discovered);
      for (Map.Entry<String, String> d : duplicates.entrySet()) {
        if (!explicit.containsKey(d.getKey())) {
          throw new IllegalStateException(
              "two adapter providers have id '" + d.getKey() + "': " + d.getValue()
                  + "; remove one from the class path or register the one to use explicitly");
        }
      }
      all.putAll(explicit);
      return new AdapterRegistry(all);
    }
  }
}

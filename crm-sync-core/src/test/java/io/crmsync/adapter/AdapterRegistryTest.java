package io.crmsync.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdapterRegistryTest {

  /** Listed in this module's test META-INF/services. */
  public static final class AlphaProvider implements CRMAdapterProvider {
    @Override
    public String id() {
      return "alpha";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      return new StubAdapter("alpha", config.string("name", "discovered"));
    }
  }

  /** Listed too, with the same id as AlphaProvider: an ambiguity unless resolved explicitly. */
  public static final class AlphaAgainProvider implements CRMAdapterProvider {
    @Override
    public String id() {
      return "alpha";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      return new StubAdapter("alpha", "again");
    }
  }

  /** Listed, but built for a future SPI version: skipped. */
  public static final class FutureProvider implements CRMAdapterProvider {
    @Override
    public String id() {
      return "future";
    }

    @Override
    public int spiVersion() {
      return SPI_VERSION + 1;
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      throw new AssertionError("never created");
    }
  }

  /** Listed, but cannot be instantiated: logged and skipped. */
  public static final class BrokenProvider implements CRMAdapterProvider {
    public BrokenProvider() {
      throw new IllegalStateException("broken on purpose");
    }

    @Override
    public String id() {
      return "broken";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      throw new AssertionError();
    }
  }

  record StubAdapter(String id, String name) implements CRMAdapter {
    @Override
    public AdapterCapabilities capabilities() {
      return AdapterCapabilities.builder().maxBatchSize(10).build();
    }

    @Override
    public Page read(ReadRequest request) {
      return new Page(List.of(), null);
    }

    @Override
    public List<RecordResult> upsert(String objectType, List<io.crmsync.model.CrmRecord> records, MatchKey key) {
      return List.of();
    }

    @Override
    public List<RecordResult> delete(String objectType, List<String> ids) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<io.crmsync.model.CrmRecord> lookup(String objectType, MatchKey key, String value) {
      return Optional.empty();
    }

    @Override
    public List<FieldInfo> describe(String objectType) {
      return List.of();
    }
  }

  @Test
  void discoveryFindsProvidersSkipsBrokenAndFutureOnesAndRejectsAmbiguousIds() {
    assertThatThrownBy(() -> AdapterRegistry.builder().discover().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two adapter providers have id 'alpha'")
        .hasMessageContaining("AlphaProvider")
        .hasMessageContaining("AlphaAgainProvider");
  }

  @Test
  void explicitRegistrationWinsOverDiscovery() {
    AdapterRegistry registry = AdapterRegistry.builder().discover().register(new AlphaAgainProvider()).build();
    assertThat(registry.ids()).containsExactly("alpha");
    CRMAdapter adapter = registry.create(AdapterConfig.fromMap("alpha", Map.of()));
    assertThat(((StubAdapter) adapter).name()).isEqualTo("again");
  }

  @Test
  void duplicateExplicitRegistrationsAreRejected() {
    AdapterRegistry.Builder b = AdapterRegistry.builder().register(new AlphaProvider());
    assertThatThrownBy(() -> b.register(new AlphaAgainProvider()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
  }

  @Test
  void unknownIdsSayWhatIsRegistered() {
    AdapterRegistry registry = AdapterRegistry.builder().register(new AlphaProvider()).build();
    assertThatThrownBy(() -> registry.create(AdapterConfig.fromMap("hubspot", Map.of())))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("no adapter provider with id 'hubspot'")
        .hasMessageContaining("[alpha]");
  }
}

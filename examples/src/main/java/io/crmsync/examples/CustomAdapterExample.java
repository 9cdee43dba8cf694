package io.crmsync.examples;

import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import io.crmsync.model.CrmRecord;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The README's SPI section: the shape of an adapter for a CRM crm-sync does not ship. A real one talks
 * HTTP through {@link io.crmsync.http.CrmHttp} and passes the testkit's {@code CRMAdapterContract}.
 */
public final class CustomAdapterExample {
  private CustomAdapterExample() {}

  // README:spi:start
  /** Listed in META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider of the adapter's jar. */
  public static final class AcmeCrmProvider implements CRMAdapterProvider {
    @Override
    public String id() {
      return "acme";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      // settings: crmsync.acme.baseUrl / CRMSYNC_ACME_BASE_URL, secrets through config.secret("token")
      return new AcmeCrmAdapter(config.string("baseUrl", "https://api.acme.example"), config.integer("budget", 100));
    }
  }

  record AcmeCrmAdapter(String baseUrl, int budget) implements CRMAdapter {
    @Override
    public String id() {
      return "acme";
    }

    @Override
    public AdapterCapabilities capabilities() {
      // the engine sizes batches and throttles from this, without knowing the platform
      return AdapterCapabilities.builder()
          .maxBatchSize(50)
          .budget(RequestBudget.of(budget, Duration.ofSeconds(10)))
          .incrementalReads(true)
          .deletes(true)
          .build();
    }

    @Override
    public Page read(ReadRequest request) {
      return new Page(List.of(), null); // GET /contacts?cursor=...&modifiedSince=...
    }

    @Override
    public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
      throw new UnsupportedOperationException("POST /contacts/batch: one RecordResult per record");
    }

    @Override
    public List<RecordResult> delete(String objectType, List<String> ids) {
      throw new UnsupportedOperationException("DELETE /contacts/batch");
    }

    @Override
    public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
      return Optional.empty();
    }

    @Override
    public List<FieldInfo> describe(String objectType) {
      return List.of();
    }
  }
  // README:spi:end

  public static CRMAdapter create() {
    // README:registry:start
    AdapterRegistry registry = AdapterRegistry.builder()
        .discover()                              // every adapter on the class path (ServiceLoader)
        .register(new AcmeCrmProvider())         // explicit registration always works, and wins
        .build();
    CRMAdapter acme = registry.create(AdapterConfig.fromEnvironment("acme"));
    // README:registry:end
    return acme;
  }
}

package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every setting from a map, a properties file or {@code CRMSYNC_DYNAMICS_*} variables; bad values named. */
class SettingsTest {
  private static final Map<String, String> BASE = Map.of("orgUrl", "https://contoso.crm.dynamics.com", "tenantId", "contoso",
      "clientId", "app-id", "clientSecret", "s3cret");

  private static DynamicsAdapter adapter(Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(BASE);
    s.putAll(extra);
    return DynamicsAdapter.create(AdapterConfig.fromMap(DynamicsAdapter.ID, s));
  }

  @Test
  void theProviderIsFoundByServiceLoader() {
    CRMAdapterProvider provider = ServiceLoader.load(CRMAdapterProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals("dynamics")).findFirst().orElseThrow();
    CRMAdapter a = provider.create(AdapterConfig.fromMap("dynamics", BASE));
    assertThat(a).isInstanceOf(DynamicsAdapter.class);
    assertThat(a.id()).isEqualTo("dynamics");
  }

  @Test
  void capabilitiesFollowTheDocumentedLimits() {
    AdapterCapabilities batch = adapter(Map.of()).capabilities();
    assertThat(batch.maxBatchSize()).as("operations per $batch").isEqualTo(1_000);
    assertThat(batch.preferredBatchSize()).isEqualTo(100);
    assertThat(batch.maxPageSize()).isEqualTo(5_000);
    assertThat(batch.budget()).isEqualTo(RequestBudget.of(6_000, Duration.ofMinutes(5)));
    assertThat(batch.incrementalReads()).isTrue();
    assertThat(batch.deletes()).isTrue();
    assertThat(batch.readsDeleted()).isTrue();
    assertThat(adapter(Map.of("batch", "false")).capabilities().maxBatchSize()).isEqualTo(100);
    assertThat(adapter(Map.of("batchSize", "250", "budgetRequests", "3000", "budgetWindow", "1m")).capabilities())
        .satisfies(c -> {
          assertThat(c.preferredBatchSize()).isEqualTo(250);
          assertThat(c.budget()).isEqualTo(RequestBudget.of(3_000, Duration.ofMinutes(1)));
        });
  }

  @Test
  void settingsComeFromEnvironmentVariables() {
    try (DataverseEmulator dv = Emulated.emulator(TimeSource.system()).build().start()) {
      Map<String, String> s = dv.adapterSettings();
      Map<String, String> env = new LinkedHashMap<>();
      env.put("CRMSYNC_DYNAMICS_ORG_URL", s.get("orgUrl"));
      env.put("CRMSYNC_DYNAMICS_TENANT_ID", s.get("tenantId"));
      env.put("CRMSYNC_DYNAMICS_TOKEN_URL", s.get("tokenUrl"));
      env.put("CRMSYNC_DYNAMICS_CLIENT_ID", s.get("clientId"));
      env.put("CRMSYNC_DYNAMICS_CLIENT_SECRET", s.get("clientSecret"));
      env.put("CRMSYNC_DYNAMICS_API_VERSION", "9.1");
      env.put("CRMSYNC_DYNAMICS_BATCH_SIZE", "50");
      env.put("CRMSYNC_DYNAMICS_MAX_BATCH_SIZE", "500");
      env.put("CRMSYNC_DYNAMICS_BUDGET_REQUESTS", "1000");
      env.put("CRMSYNC_DYNAMICS_BUDGET_WINDOW", "5m");
      env.put("CRMSYNC_UNRELATED", "x");
      DynamicsAdapter a = DynamicsAdapter.create(AdapterConfig.builder("dynamics").environment(env).build());
      assertThat(a.capabilities().preferredBatchSize()).isEqualTo(50);
      assertThat(a.capabilities().maxBatchSize()).isEqualTo(500);
      assertThat(a.capabilities().budget()).isEqualTo(RequestBudget.of(1_000, Duration.ofMinutes(5)));
      assertThat(a.toString()).contains("v9.1").doesNotContain(s.get("clientSecret"));
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.requests()).anyMatch(r -> r.path().startsWith("/api/data/v9.1/"));
    }
  }

  @Test
  void settingsComeFromAPropertiesFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("crm-sync.properties");
    Files.writeString(file, String.join("\n",
        "crmsync.dynamics.orgUrl=https://contoso.crm4.dynamics.com",
        "crmsync.dynamics.tenantId=contoso.onmicrosoft.com",
        "crmsync.dynamics.clientId=app-id",
        "crmsync.dynamics.clientSecret=s3cret",
        "crmsync.dynamics.writeMode=updateOnly"));
    DynamicsAdapter a = DynamicsAdapter.create(AdapterConfig.fromProperties("dynamics", file));
    assertThat(a.toString()).contains("contoso.crm4.dynamics.com").doesNotContain("s3cret");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "batchSize|0|batchSize",
      "maxBatchSize|1001|maxBatchSize",
      "apiVersion|8.2|apiVersion",
      "writeMode|sometimes|writeMode",
      "budgetRequests|-1|budgetRequests",
      "maxConcurrentRequests|0|maxConcurrentRequests",
      "orgUrl|not a url|orgUrl",
      "orgUrl|ftp://contoso.crm.dynamics.com|orgUrl",
      "certificateFile|/nonexistent/client.pem|certificateFile"})
  void badValuesAreNamed(String name, String value, String named) {
    Map<String, String> s = new LinkedHashMap<>(Map.of(name, value));
    if (name.equals("certificateFile")) {
      s.put("clientSecret", "");
    }
    assertThatThrownBy(() -> {
      Map<String, String> all = new LinkedHashMap<>(BASE);
      all.putAll(s);
      if (name.equals("certificateFile")) {
        all.remove("clientSecret");
      }
      DynamicsAdapter.create(AdapterConfig.fromMap(DynamicsAdapter.ID, all));
    }).isInstanceOf(CrmConfigurationException.class).hasMessageContaining(named).hasMessageNotContaining("s3cret");
  }

  @Test
  void requiredSettingsAreNamedWithWhereToGiveThem() {
    assertThatThrownBy(() -> DynamicsAdapter.create(AdapterConfig.fromMap("dynamics", Map.of("clientId", "x"))))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("orgUrl").hasMessageContaining("CRMSYNC_DYNAMICS_ORG_URL");
  }
}

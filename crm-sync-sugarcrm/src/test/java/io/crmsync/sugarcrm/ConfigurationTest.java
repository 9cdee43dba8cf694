package io.crmsync.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.RequestBudget;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings: what is required, what is refused, and that no secret shows. */
class ConfigurationTest {
  private static Map<String, String> settings(String... extra) {
    Map<String, String> s = new HashMap<>(Map.of("baseUrl", "https://acme.sugarondemand.com", "username", "integration",
        "password", "pw-Very-Secret"));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      s.put(extra[i], extra[i + 1]);
    }
    return s;
  }

  private static SugarCrmAdapter create(Map<String, String> settings) {
    return SugarCrmAdapter.create(AdapterConfig.fromMap("sugarcrm", settings));
  }

  @Test
  void theProviderIsFoundByServiceLoaderUnderItsId() {
    try (CRMAdapter adapter = AdapterRegistry.builder().discover().build().create(AdapterConfig.fromMap("sugarcrm", settings()))) {
      assertThat(adapter).isInstanceOf(SugarCrmAdapter.class);
      assertThat(adapter.id()).isEqualTo("sugarcrm");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void plainHttpIsRefusedExceptOnLoopback() {
    assertThatThrownBy(() -> create(settings("baseUrl", "http://acme.example.com")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("https");
    assertThat(create(settings("baseUrl", "http://127.0.0.1:8080"))).isNotNull();
    assertThat(create(settings("baseUrl", "http://localhost:8080/sugar/rest/v10/"))).isNotNull();
  }

  @Test
  void missingCredentialsAreNamed() {
    Map<String, String> s = settings();
    s.remove("password");
    assertThatThrownBy(() -> create(s)).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("'password'").hasMessageContaining("CRMSYNC_SUGARCRM_PASSWORD");
    Map<String, String> t = settings();
    t.remove("baseUrl");
    assertThatThrownBy(() -> create(t)).isInstanceOf(CrmConfigurationException.class).hasMessageContaining("'baseUrl'");
  }

  @Test
  void malformedSettingsAreRefusedByName() {
    assertThatThrownBy(() -> create(settings("apiVersion", "latest"))).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("apiVersion");
    assertThatThrownBy(() -> create(settings("batchSize", "501"))).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("batchSize");
    assertThatThrownBy(() -> create(settings("platform", "my platform"))).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("platform");
    assertThatThrownBy(() -> create(settings("budgetRequests", "0"))).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("budgetRequests");
  }

  @Test
  void capabilitiesFollowTheSettings() {
    var c = create(settings("batchSize", "50", "pageSize", "500", "budgetRequests", "20", "budgetWindow", "2s")).capabilities();
    assertThat(c.maxBatchSize()).isEqualTo(50);
    assertThat(c.maxPageSize()).isEqualTo(500);
    assertThat(c.budget()).isEqualTo(RequestBudget.of(20, Duration.ofSeconds(2)));
    assertThat(c.incrementalReads() && c.deletes() && c.readsDeleted()).isTrue();
    assertThat(create(settings()).capabilities().budget().isUnlimited()).isTrue();
  }

  @Test
  void noSecretShowsInToStringOrConfig() {
    SugarCrmAdapter adapter = create(settings("clientSecret", "cs-Very-Secret"));
    assertThat(adapter.toString()).doesNotContain("pw-Very-Secret").doesNotContain("cs-Very-Secret").contains("v11_10");
    assertThat(AdapterConfig.fromMap("sugarcrm", settings()).toString()).doesNotContain("pw-Very-Secret");
  }
}

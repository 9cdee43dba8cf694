package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import io.crmsync.model.ObjectTypes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigurationTest {
  static final String TOKEN = "pat-na1-0123456789abcdef";

  private static HubSpotAdapter create(Map<String, String> settings) {
    return HubSpotAdapter.create(AdapterConfig.fromMap("hubspot", settings));
  }

  @Test
  void theProviderIsFoundByServiceLoaderUnderItsId() {
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    assertThat(registry.ids()).contains("hubspot");
    try (CRMAdapter adapter = registry.create(AdapterConfig.fromMap("hubspot", Map.of("token", TOKEN)))) {
      assertThat(adapter).isInstanceOf(HubSpotAdapter.class);
      assertThat(adapter.id()).isEqualTo("hubspot");
    }
  }

  @Test
  void privateAppsDeclareHubSpotsBudgetAndBatchLimit() {
    AdapterCapabilities c = create(Map.of("token", TOKEN)).capabilities();
    assertThat(c.budget()).isEqualTo(RequestBudget.of(190, Duration.ofSeconds(10)));
    assertThat(c.maxBatchSize()).isEqualTo(100);
    assertThat(c.incrementalReads()).isTrue();
    assertThat(c.deletes()).isTrue();
    assertThat(c.readsDeleted()).isTrue();
  }

  @Test
  void theBudgetAndBatchSizeCanBeConfigured() {
    AdapterCapabilities c = create(Map.of("token", TOKEN, "budgetRequests", "10", "budgetWindow", "1s", "batchSize", "50"))
        .capabilities();
    assertThat(c.budget()).isEqualTo(RequestBudget.of(10, Duration.ofSeconds(1)));
    assertThat(c.maxBatchSize()).isEqualTo(50);
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "batchSize", "101")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("batchSize");
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "budgetRequests", "0")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("budgetRequests");
  }

  @Test
  void settingsComeFromTheEnvironmentToo() {
    AdapterConfig config = AdapterConfig.builder("hubspot")
        .environment(Map.of("CRMSYNC_HUBSPOT_TOKEN", TOKEN, "CRMSYNC_HUBSPOT_BUDGET_REQUESTS", "50",
            "CRMSYNC_HUBSPOT_BASE_URL", "https://proxy.example.com/hubspot"))
        .build();
    HubSpotAdapter adapter = HubSpotAdapter.create(config);
    assertThat(adapter.capabilities().budget().requests()).isEqualTo(50);
    assertThat(adapter.toString()).contains("proxy.example.com").doesNotContain(TOKEN);
  }

  @Test
  void missingCredentialsNameBothWaysToGiveThem() {
    assertThatThrownBy(() -> create(Map.of()))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("token")
        .hasMessageContaining("CRMSYNC_HUBSPOT_TOKEN")
        .hasMessageContaining("clientId");
    assertThatThrownBy(() -> create(Map.of("clientId", "c", "clientSecret", "s")))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("refreshToken");
  }

  @Test
  void aTokenAndAnOAuthClientTogetherAreAmbiguous() {
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "clientId", "c", "clientSecret", "s", "refreshToken", "r")))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("not both")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void plainHttpIsOnlyAllowedOnLoopback() {
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "baseUrl", "http://api.hubapi.com")))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("https");
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "baseUrl", "http://10.0.0.8:8080")))
        .isInstanceOf(CrmConfigurationException.class);
    assertThat(create(Map.of("token", TOKEN, "baseUrl", "http://localhost:8080"))).isNotNull();
    assertThat(create(Map.of("token", TOKEN, "baseUrl", "http://127.0.0.1:8080"))).isNotNull();
    assertThat(create(Map.of("token", TOKEN, "baseUrl", "http://[::1]:8080"))).isNotNull();
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "baseUrl", "http://cafe:8080")))
        .as("a name that looks like hex is not resolved, and not loopback").isInstanceOf(CrmConfigurationException.class);
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "baseUrl", "https://user:pw@api.hubapi.com")))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageNotContaining("pw");
  }

  @Test
  void theTokenEndpointTooMustBeHttpsOffLoopback() {
    Map<String, String> oauth = Map.of("clientId", "c", "clientSecret", "s-9f2e", "refreshToken", "r-77ab");
    Map<String, String> plain = new java.util.HashMap<>(oauth);
    plain.put("tokenUrl", "http://auth.example.com/oauth/v3/token");
    assertThatThrownBy(() -> create(plain))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("tokenUrl").hasMessageContaining("https")
        .hasMessageNotContaining("s-9f2e").hasMessageNotContaining("r-77ab");
    Map<String, String> withCredentials = new java.util.HashMap<>(oauth);
    withCredentials.put("tokenUrl", "https://user:pw@auth.example.com/oauth/v3/token");
    assertThatThrownBy(() -> create(withCredentials))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("tokenUrl").hasMessageNotContaining("pw");
    Map<String, String> loopback = new java.util.HashMap<>(oauth);
    loopback.put("tokenUrl", "http://127.0.0.1:9000/oauth/v3/token");
    assertThat(create(loopback)).isNotNull();
    Map<String, String> plainBase = new java.util.HashMap<>(oauth);
    plainBase.put("baseUrl", "http://api.example.com");
    assertThatThrownBy(() -> create(plainBase))
        .as("the default token endpoint, under baseUrl, is refused with it")
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("baseUrl");
  }

  @Test
  void malformedSettingsAreNamed() {
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "dailyResetZone", "Mars/Olympus")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("dailyResetZone");
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "incrementalOverlap", "soon")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("incrementalOverlap");
    assertThatThrownBy(() -> create(Map.of("token", TOKEN, "readRetries", "-1")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("readRetries");
  }

  @Test
  void secretsMayComeFromACredentialsProvider() {
    AdapterConfig config = AdapterConfig.builder("hubspot")
        .credentials((adapter, name) -> name.equals("token") ? Optional.of(Secret.of(TOKEN)) : Optional.empty())
        .build();
    assertThat(HubSpotAdapter.create(config).toString()).contains("private app").doesNotContain(TOKEN);
  }

  @Test
  void cursorsOfOtherReadsAreRejected() {
    HubSpotAdapter adapter = create(Map.of("token", TOKEN));
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withCursor("abc")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withCursor("hs1.!!")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
  }
}

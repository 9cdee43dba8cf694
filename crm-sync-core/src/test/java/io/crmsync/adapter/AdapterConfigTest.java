package io.crmsync.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterConfigTest {

  @Test
  void readsEnvironmentVariablesInUpperSnakeCase() {
    AdapterConfig config = AdapterConfig.builder("hubspot")
        .environment(Map.of("CRMSYNC_HUBSPOT_BASE_URL", "http://127.0.0.1:8080", "CRMSYNC_HUBSPOT_TOKEN", "pat-123",
            "CRMSYNC_SALESFORCE_TOKEN", "other", "PATH", "/bin"))
        .build();
    assertThat(config.uri("baseUrl", URI.create("https://api.hubapi.com"))).hasToString("http://127.0.0.1:8080");
    assertThat(config.secret("token").reveal()).isEqualTo("pat-123");
    assertThat(config.has("path")).isFalse();
  }

  @Test
  void readsPrefixedPropertiesFromAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("crm-sync.properties");
    Files.writeString(file, "crmsync.hubspot.budgetRequests=190\ncrmsync.hubspot.budgetWindow=10s\ncrmsync.salesforce.apiVersion=v62.0\n");
    AdapterConfig config = AdapterConfig.fromProperties("hubspot", file);
    assertThat(config.integer("budgetRequests", 100)).isEqualTo(190);
    assertThat(config.duration("budgetWindow", Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.has("apiVersion")).isFalse();
  }

  @Test
  void missingSettingsNameThePropertyAndTheVariable() {
    AdapterConfig config = AdapterConfig.fromMap("hubspot", Map.of());
    assertThatThrownBy(() -> config.secret("clientSecret"))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("clientSecret")
        .hasMessageContaining("crmsync.hubspot.clientSecret")
        .hasMessageContaining("CRMSYNC_HUBSPOT_CLIENT_SECRET");
  }

  @Test
  void malformedSettingsNameTheSettingItsSourceAndWhatWasExpected() {
    AdapterConfig config = AdapterConfig.builder("hubspot")
        .environment(Map.of("CRMSYNC_HUBSPOT_BUDGET_REQUESTS", "lots", "CRMSYNC_HUBSPOT_BASE_URL", "ftp://x",
            "CRMSYNC_HUBSPOT_TIMEOUT", "soon", "CRMSYNC_HUBSPOT_STRICT", "yes"))
        .build();
    assertThatThrownBy(() -> config.integer("budgetRequests", 1))
        .hasMessageContaining("budgetRequests").hasMessageContaining("CRMSYNC_HUBSPOT_BUDGET_REQUESTS")
        .hasMessageContaining("whole number").hasMessageContaining("'lots'");
    assertThatThrownBy(() -> config.uri("baseUrl", URI.create("https://x"))).hasMessageContaining("http or https");
    assertThatThrownBy(() -> config.duration("timeout", Duration.ZERO)).hasMessageContaining("duration");
    assertThatThrownBy(() -> config.bool("strict", false)).hasMessageContaining("true or false");
  }

  @Test
  void secretsNeverShowInToStringOrErrors() {
    AdapterConfig config = AdapterConfig.fromMap("hubspot",
        Map.of("token", "pat-na1-secret", "clientSecret", "s3cr3t", "privateKeyPassword", "pw", "baseUrl", "http://h"));
    assertThat(config.toString()).doesNotContain("pat-na1-secret", "s3cr3t", "pw\"").contains("baseUrl=http://h");
    assertThat(config.secret("token").toString()).isEqualTo("****");
    AdapterConfig bad = AdapterConfig.fromMap("hubspot", Map.of("tokenTtl", "not-a-number"));
    assertThatThrownBy(() -> bad.integer("tokenTtl", 1)).hasMessageNotContaining("not-a-number").hasMessageContaining("****");
  }

  @Test
  void aCredentialsProviderWinsOverSettings() {
    AdapterConfig config = AdapterConfig.builder("hubspot")
        .setting("token", "from-settings")
        .credentials((adapter, name) -> name.equals("token") ? Optional.of(Secret.of("from-vault")) : Optional.empty())
        .build();
    assertThat(config.secret("token").reveal()).isEqualTo("from-vault");
  }

  @Test
  void namesListEverySettingGiven() {
    AdapterConfig config = AdapterConfig.builder("state").setting("user", "u")
        .environment(Map.of("CRMSYNC_STATE_TABLE_PREFIX", "cs_")).build();
    assertThat(config.names()).containsExactly("user", "tablePrefix");
  }

  @Test
  void adapterIdsAreValidated() {
    assertThatThrownBy(() -> AdapterConfig.builder("Hub Spot")).hasMessageContaining("adapterId");
  }

  @Test
  void secretsCompareByValueAndRejectBlank() {
    assertThat(Secret.of("a")).isEqualTo(Secret.of("a")).isNotEqualTo(Secret.of("b"));
    assertThatThrownBy(() -> Secret.of(" ")).hasMessageContaining("blank");
  }
}

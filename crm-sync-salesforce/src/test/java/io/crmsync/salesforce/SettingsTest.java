package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.salesforce.internal.AuthFlow;
import io.crmsync.salesforce.internal.Settings;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  private static final String PEM = SalesforceEmulator.toPem(Emulators.KEYS.getPrivate());

  @Test
  void theProviderIsDiscoveredAndCreatesTheAdapter() {
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    assertThat(registry.ids()).contains("salesforce");
    CRMAdapter a = registry.create(AdapterConfig.fromMap("salesforce", Map.of("clientId", "c", "clientSecret", "s")));
    assertThat(a).isInstanceOf(SalesforceAdapter.class);
    assertThat(a.capabilities().maxBatchSize()).isEqualTo(10_000);
    assertThat(a.capabilities().incrementalReads()).isTrue();
    assertThat(a.capabilities().readsDeleted()).isTrue();
  }

  @Test
  void theFlowFollowsTheCredentialsGiven(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("server.key");
    Files.writeString(key, PEM);
    Settings jwt = Settings.from(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "username", "u@example.com", "privateKeyFile", key.toString(),
            "loginUrl", "https://acme--uat.sandbox.my.salesforce.com")));
    assertThat(jwt.authFlow()).isEqualTo(AuthFlow.JWT);
    assertThat(jwt.audience()).isEqualTo("https://test.salesforce.com");
    assertThat(Settings.from(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "username", "u", "privateKey", PEM, "loginUrl", "https://acme.my.salesforce.com"))).audience())
        .isEqualTo("https://login.salesforce.com");
    assertThat(Settings.from(AdapterConfig.fromMap("salesforce", Map.of("clientId", "c", "refreshToken", "r"))).authFlow())
        .isEqualTo(AuthFlow.REFRESH_TOKEN);
    Settings cc = Settings.from(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "clientSecret", "s", "apiVersion", "v61.0", "bulkEnabled", "false",
            "budgetRequests", "25", "budgetWindow", "1s")));
    assertThat(cc.authFlow()).isEqualTo(AuthFlow.CLIENT_CREDENTIALS);
    assertThat(cc.apiVersion()).isEqualTo("61.0");
    assertThat(cc.maxBatchSize()).isEqualTo(200);
    assertThat(cc.budget()).isEqualTo(RequestBudget.of(25, Duration.ofSeconds(1)));
  }

  @Test
  void settingsComeFromTheEnvironmentByTheirDocumentedNames() {
    AdapterConfig c = AdapterConfig.builder("salesforce").environment(Map.of(
        "CRMSYNC_SALESFORCE_CLIENT_ID", "c", "CRMSYNC_SALESFORCE_CLIENT_SECRET", "s",
        "CRMSYNC_SALESFORCE_BULK_THRESHOLD", "5000", "CRMSYNC_SALESFORCE_LOGIN_URL", "https://acme.my.salesforce.com")).build();
    Settings s = Settings.from(c);
    assertThat(s.bulkThreshold()).isEqualTo(5000);
    assertThat(s.loginUrl().getHost()).isEqualTo("acme.my.salesforce.com");
  }

  @Test
  void missingAndMalformedSettingsAreNamed() {
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce", Map.of("clientSecret", "s"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("clientId")
        .hasMessageContaining("CRMSYNC_SALESFORCE_CLIENT_ID");
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce", Map.of("clientId", "c"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("privateKeyFile");
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "privateKey", PEM))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("username");
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "clientSecret", "s", "apiVersion", "latest"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("apiVersion");
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "username", "u", "privateKeyFile", "/nonexistent/server.key"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("/nonexistent/server.key");
    String broken = "-----BEGIN PRIVATE KEY-----\nAAAAsecretmaterial\n-----END PRIVATE KEY-----";
    assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "username", "u", "privateKey", broken))))
        .isInstanceOf(CrmConfigurationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secretmaterial"));
  }

  @Test
  void noSecretAppearsInToStrings() {
    AdapterConfig c = AdapterConfig.fromMap("salesforce",
        Map.of("clientId", "c", "username", "u", "privateKey", PEM, "clientSecret", "hunter2"));
    Settings s = Settings.from(c);
    String pemBody = PEM.substring(40, 100);
    assertThat(s.toString()).doesNotContain(pemBody).doesNotContain("hunter2").contains("privateKey=****");
    assertThat(SalesforceAdapter.create(c).toString()).doesNotContain(pemBody).doesNotContain("hunter2");
    assertThat(c.toString()).doesNotContain(pemBody).doesNotContain("hunter2");
  }

  @Test
  void apiUsageIsParsedFromTheLimitInfoHeader() {
    Instant now = Instant.EPOCH;
    assertThat(ApiUsage.parse("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", now))
        .get().satisfies(u -> {
          assertThat(u.used()).isEqualTo(25);
          assertThat(u.max()).isEqualTo(5000);
          assertThat(u.fractionUsed()).isEqualTo(0.005);
        });
    assertThat(ApiUsage.parse("per-app-api-usage=17/250(appName=x)", now)).isEmpty();
    assertThat(ApiUsage.parse("api-usage=garbage", now)).isEmpty();
    assertThat(ApiUsage.parse(null, now)).isEmpty();
  }
}

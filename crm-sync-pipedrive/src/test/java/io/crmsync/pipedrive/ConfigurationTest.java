package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.RequestBudget;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings: what is required, what is refused and how it is named, what is declared to the engine. */
class ConfigurationTest {
  static final String TOKEN = "0123456789abcdef0123456789abcdef01234567";

  private static PipedriveAdapter create(String... settings) {
    Map<String, String> s = new HashMap<>();
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return PipedriveAdapter.create(AdapterConfig.fromMap("pipedrive", s));
  }

  @Test
  void theProviderIsFoundByServiceLoaderUnderItsId() {
    AdapterRegistry registry = AdapterRegistry.builder().discover().build();
    assertThat(registry.ids()).contains("pipedrive");
    try (CRMAdapter adapter = registry.create(AdapterConfig.fromMap("pipedrive",
        Map.of("companyDomain", "acme", "apiToken", TOKEN)))) {
      assertThat(adapter).isInstanceOf(PipedriveAdapter.class);
      assertThat(adapter.id()).isEqualTo("pipedrive");
      assertThat(adapter.toString()).contains("https://acme.pipedrive.com").doesNotContain(TOKEN);
    }
  }

  @Test
  void theDeclaredLimitsAreTheLowestPlansUntilPipedriveSaysOtherwise() {
    AdapterCapabilities apiToken = create("companyDomain", "acme", "apiToken", TOKEN).capabilities();
    assertThat(apiToken.budget()).isEqualTo(RequestBudget.of(20, Duration.ofSeconds(2)));
    assertThat(apiToken.maxBatchSize()).isEqualTo(100);
    assertThat(apiToken.maxPageSize()).isEqualTo(500);
    assertThat(apiToken.incrementalReads()).isTrue();
    assertThat(apiToken.deletes()).isTrue();
    assertThat(apiToken.readsDeleted()).as("persons and organizations cannot be listed deleted").isFalse();
    AdapterCapabilities oauth = create("companyDomain", "acme", "clientId", "id", "clientSecret", "s", "refreshToken", "r")
        .capabilities();
    assertThat(oauth.budget()).isEqualTo(RequestBudget.of(80, Duration.ofSeconds(2)));
    assertThat(create("companyDomain", "acme", "apiToken", TOKEN, "burstLimit", "120", "batchSize", "500").capabilities())
        .satisfies(c -> {
          assertThat(c.budget().requests()).isEqualTo(120);
          assertThat(c.maxBatchSize()).isEqualTo(500);
        });
  }

  @Test
  void credentialsAreRequiredAndExclusive() {
    assertThatThrownBy(() -> create("companyDomain", "acme"))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("apiToken").hasMessageContaining("CRMSYNC_PIPEDRIVE_API_TOKEN");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "clientId", "x"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> create("companyDomain", "acme", "clientId", "x"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("clientSecret");
  }

  @Test
  void theCompanyIsRequiredAndItsUrlMustBeHttpsExceptOnLoopback() {
    assertThatThrownBy(() -> create("apiToken", TOKEN))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("companyDomain")
        .hasMessageContaining("CRMSYNC_PIPEDRIVE_COMPANY_DOMAIN");
    assertThatThrownBy(() -> create("companyDomain", "acme.evil.example/x", "apiToken", TOKEN))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("subdomain");
    assertThatThrownBy(() -> create("baseUrl", "http://acme.pipedrive.com", "apiToken", TOKEN))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("https");
    assertThatThrownBy(() -> create("baseUrl", "https://user:pw@acme.pipedrive.com", "apiToken", TOKEN))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("credentials").hasMessageNotContaining("pw");
    assertThatThrownBy(() -> create("baseUrl", "https://x.example", "companyDomain", "acme", "apiToken", TOKEN))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("not both");
    assertThat(create("baseUrl", "http://127.0.0.1:9999", "apiToken", TOKEN)).isNotNull();
    assertThatThrownBy(() -> create("companyDomain", "acme", "clientId", "id", "clientSecret", "s", "refreshToken", "r",
        "tokenUrl", "http://oauth.example/token"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("tokenUrl");
  }

  @Test
  void malformedSettingsAreNamed() {
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "batchSize", "501"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("batchSize");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "writeConcurrency", "0"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("writeConcurrency");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "dailyResetZone", "Mars/Olympus"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("dailyResetZone");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "dailyTokenReserve", "-1"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("dailyTokenReserve");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "extraFields", "leads:label_ids"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("extraFields");
    assertThatThrownBy(() -> create("companyDomain", "acme", "apiToken", TOKEN, "maxWait", "-1s"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("maxWait");
  }

  @Test
  void settingsComeFromTheEnvironmentToo() {
    AdapterConfig config = AdapterConfig.builder("pipedrive")
        .environment(Map.of("CRMSYNC_PIPEDRIVE_COMPANY_DOMAIN", "acme", "CRMSYNC_PIPEDRIVE_API_TOKEN", TOKEN,
            "CRMSYNC_PIPEDRIVE_BATCH_SIZE", "25"))
        .build();
    assertThat(PipedriveAdapter.create(config).capabilities().maxBatchSize()).isEqualTo(25);
  }

  @Test
  void unknownObjectTypesAreRefusedNamingTheOnesThatExist() {
    PipedriveAdapter adapter = create("companyDomain", "acme", "apiToken", TOKEN);
    assertThatThrownBy(() -> adapter.describe("leads"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contact").hasMessageContaining("activity");
  }
}

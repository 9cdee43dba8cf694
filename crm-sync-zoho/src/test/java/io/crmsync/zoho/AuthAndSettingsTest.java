package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** OAuth with refresh at the data centre's accounts server, the api_domain, and the settings' checks. */
class AuthAndSettingsTest {
  final FakeTimeSource clock = new FakeTimeSource();
  ZohoEmulator zoho;

  @AfterEach
  void stop() {
    if (zoho != null) {
      zoho.close();
    }
  }

  private ZohoAdapter start(ZohoEmulator.Builder b, String... settings) {
    zoho = b.timeSource(clock).build().start();
    return Emulated.adapter(zoho, clock, settings);
  }

  @Test
  void tokensThatExpireMidSyncAreReplacedAheadOfTimeAndNoRecordIsLost() {
    // every answer takes a minute of the fake clock: the sync outlives several two-minute tokens
    ZohoAdapter target = start(ZohoEmulator.builder().accessTokenLifetime(Duration.ofMinutes(2))
        .slowResponses(1.0, Duration.ofMinutes(1)));
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    List<CrmRecord> contacts = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      contacts.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "t" + i + "@example.com", "lastName", "T" + i)));
    }
    source.seed(contacts);
    // one worker: with several, one worker's minute-long answer would age a token another has just taken
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(1).build().run();
    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(1_000);
    assertThat(zoho.records("Contacts")).hasSize(1_000);
    assertThat(zoho.tokensIssued()).as("11 calls, a minute each, tokens used for half their life").isGreaterThan(4);
    assertThat(zoho.countByStatus(401)).as("replaced before they expired").isZero();
    assertThat(zoho.refusedCount()).isZero();
  }

  @Test
  void aRefusedTokenIsReplacedOnceThenTheRefusalIsThrown() {
    ZohoAdapter adapter = start(ZohoEmulator.builder());
    zoho.failAuthentication(1);
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    assertThat(zoho.tokensIssued()).isEqualTo(2);
    zoho.failAuthentication(2);
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("again right after a refresh")
        .hasMessageContaining("INVALID_TOKEN");
    zoho.revokeAccessTokens();
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).as("revoked: refreshed").isEmpty();
  }

  @Test
  void aScopeMismatchIsNotCuredByANewToken() {
    ZohoAdapter adapter = start(ZohoEmulator.builder().scopes("ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"));
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("OAUTH_SCOPE_MISMATCH")
        .hasMessageContaining("ZohoCRM.coql.READ");
    assertThat(zoho.tokensIssued()).isEqualTo(1);
  }

  @Test
  void aRefusedRefreshTokenIsAnAuthenticationErrorThatQuotesNoSecret() {
    zoho = ZohoEmulator.builder().timeSource(clock).build().start();
    ZohoAdapter adapter = ZohoAdapter.create(Emulated.config(zoho, clock, "refreshToken", "1000.stolen.secretvalue").build());
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("invalid_code")
        .hasMessageContaining("dataCenter")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secretvalue").doesNotContain(zoho.clientSecret()));
    assertThat(adapter.toString()).doesNotContain("secretvalue").doesNotContain(zoho.clientSecret());
    ZohoAdapter wrongClient = ZohoAdapter.create(Emulated.config(zoho, clock, "clientSecret", "s3cr3t-value").build());
    assertThatThrownBy(() -> wrongClient.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("invalid_client")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
  }

  @Test
  void theAccountsServersLimitOnNewTokensIsARateLimitOfTenMinutes() {
    zoho = ZohoEmulator.builder().timeSource(clock).tokenRequestLimit(1, Duration.ofMinutes(10)).build().start();
    Emulated.adapter(zoho, clock).read(ReadRequest.of(ObjectTypes.CONTACT));
    ZohoAdapter second = Emulated.adapter(zoho, clock);
    assertThatThrownBy(() -> second.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmRateLimitException.class,
            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10)));
  }

  @Test
  void theTokenGoesOnlyToTheApiDomainTheAccountsServerNames() throws Exception {
    try (MockWebServer accounts = new MockWebServer()) {
      accounts.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
          .body("{\"access_token\":\"1000.a.b\",\"api_domain\":\"https://www.zohoapis.evil.example\","
              + "\"token_type\":\"Bearer\",\"expires_in\":3600}").build());
      accounts.start();
      ZohoAdapter adapter = ZohoAdapter.create(AdapterConfig.builder("zoho").settings(Map.of(
          "accountsUrl", accounts.url("/").toString(), "clientId", "c", "clientSecret", "s", "refreshToken", "r"))
          .timeSource(clock).httpClient(Emulated.CLIENT).build());
      assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
          .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("not a Zoho API domain");
      assertThat(accounts.getRequestCount()).isEqualTo(1);
      String form = accounts.takeRequest().getBody().utf8();
      assertThat(form).contains("grant_type=refresh_token").contains("refresh_token=r");
    }
  }

  @Test
  void settingsAreCheckedAndNamed() {
    Map<String, String> base = new LinkedHashMap<>(Map.of("clientId", "c", "clientSecret", "s", "refreshToken", "r"));
    assertThat(ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "dataCenter", "eu"))).toString())
        .contains("accounts.zoho.eu");
    assertThat(ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "dataCenter", "CA"))).toString())
        .contains("accounts.zohocloud.ca");
    assertThatThrownBy(() -> ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "dataCenter", "mars"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("dataCenter");
    assertThatThrownBy(() -> ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "accountsUrl", "http://accounts.example.com"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("https");
    assertThatThrownBy(() -> ZohoAdapter.create(AdapterConfig.fromMap("zoho", Map.of("clientId", "c"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("refreshToken")
        .hasMessageContaining("CRMSYNC_ZOHO_REFRESH_TOKEN");
    assertThatThrownBy(() -> ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "batchSize", "101"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("batchSize");
    assertThatThrownBy(() -> ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "edition", "gold"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("edition");
    ZohoAdapter free = ZohoAdapter.create(AdapterConfig.fromMap("zoho", with(base, "edition", "free")));
    assertThat(free.toString()).contains("concurrency 5");
    assertThat(free.capabilities().maxBatchSize()).isEqualTo(100);
    assertThat(free.capabilities().maxPageSize()).isEqualTo(2_000);
    assertThat(free.capabilities().incrementalReads() && free.capabilities().deletes() && free.capabilities().readsDeleted())
        .isTrue();
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(base);
    m.put(key, value);
    return m;
  }

  @Test
  void theProviderIsFoundByServiceLoader() throws Exception {
    zoho = ZohoEmulator.builder().timeSource(clock).build().start();
    try (CRMAdapter adapter = AdapterRegistry.builder().discover().build()
        .create(AdapterConfig.fromMap("zoho", zoho.adapterSettings()))) {
      assertThat(adapter).isInstanceOf(ZohoAdapter.class);
      assertThat(adapter.id()).isEqualTo("zoho");
    }
  }
}

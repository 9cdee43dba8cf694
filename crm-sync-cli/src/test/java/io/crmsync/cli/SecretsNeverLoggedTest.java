package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.pipedrive.PipedriveAdapter;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.sugarcrm.SugarCrmAdapter;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.zoho.ZohoAdapter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

/**
 * Syncs across every adapter's emulator with faults injected and every logger at trace, then searches all that
 * was logged (messages, MDC, exceptions with their causes) for each credential configured or issued on the wire
 * (tokens, passwords, client secrets, refresh tokens, access tokens and session ids) and each email address of
 * the records synced. None may appear.
 */
class SecretsNeverLoggedTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final int N = 300;

  private final FakeTimeSource clock = new FakeTimeSource();
  /** Every credential seen: configured, sent in a header or query, or issued by a token endpoint. */
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();
  private final Set<String> emails = ConcurrentHashMap.newKeySet();

  /** Collects each credential that goes over the wire: in headers and query strings out, in token answers back. */
  private final Interceptor collectCredentials = chain -> {
    okhttp3.Request request = chain.request();
    for (String h : List.of("Authorization", "OAuth-Token", "x-api-token")) {
      String v = request.header(h);
      if (v != null) {
        String[] parts = v.split(" ", 2);
        secrets.add(parts[parts.length - 1]);
      }
    }
    HttpUrl url = request.url();
    for (String name : url.queryParameterNames()) {
      if (name.toLowerCase(Locale.ROOT).contains("token")) {
        secrets.add(String.valueOf(url.queryParameter(name)));
      }
    }
    Response response = chain.proceed(request);
    if (url.encodedPath().contains("token") && response.body() != null) {
      MediaType type = response.body().contentType();
      byte[] bytes = response.body().bytes();
      try {
        JsonNode body = JSON.readTree(bytes);
        for (String field : List.of("access_token", "refresh_token", "id_token")) {
          if (body.path(field).isTextual()) {
            secrets.add(body.path(field).asText());
          }
        }
      } catch (IOException notJson) {
        // a garbled answer: the adapter may not log it either, but there is no token to collect
      }
      response = response.newBuilder().body(ResponseBody.create(bytes, type)).build();
    }
    return response;
  };

  private final OkHttpClient client = AdapterConfig.defaultHttpClient().newBuilder()
      .addInterceptor(collectCredentials)
      .connectTimeout(Duration.ofSeconds(5))
      .readTimeout(Duration.ofSeconds(5))
      .build();

  private AdapterConfig config(String id, Map<String, String> settings) {
    settings.forEach((k, v) -> {
      String key = k.toLowerCase(Locale.ROOT);
      if (key.contains("token") || key.contains("secret") || key.contains("password") || key.contains("key")) {
        secrets.add(v);
      }
    });
    return AdapterConfig.builder(id).settings(settings).timeSource(clock).httpClient(client).build();
  }

  private static Map<String, String> with(Map<String, String> settings, String... more) {
    Map<String, String> m = new LinkedHashMap<>(settings);
    for (int i = 0; i + 1 < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  private String email(String prefix, int i) {
    String e = prefix + ".person" + i + "@customers.example.org";
    emails.add(e);
    return e;
  }

  private SyncReport sync(CRMAdapter source, CRMAdapter target) {
    return CRMSync.builder().source(source).target(target).timeSource(clock).batchSize(10).readPageSize(20)
        .retryPolicy(RetryPolicy.builder().handleIf((r, e) -> e != null && !(e instanceof IllegalArgumentException))
            .withMaxAttempts(8).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).build())
        .deadLetterAlertThreshold(1_000)
        .build().run();
  }

  @Test
  void noCredentialNorEmailIsLoggedWhateverFails() throws Exception {
    List<String> lines;
    List<SyncReport> reports = new ArrayList<>();
    try (CapturedLogs logs = CapturedLogs.start(Level.TRACE, Level.TRACE);
        HubSpotEmulator hubspotOAuth = HubSpotEmulator.builder().timeSource(clock).seed(1)
            .oauthApp("hs-client-4d2c", "hs-client-secret-9f8e7d6c", "hs-refresh-1a2b3c4d5e")
            .accessTokenLifetime(Duration.ofMinutes(3))
            .serverErrorRate(0.12).htmlErrorPageRate(0.07).droppedConnectionRate(0.07).truncatedBodyRate(0.07)
            .garbledJsonRate(0.07).build().start();
        SalesforceEmulator salesforce = SalesforceEmulator.builder().timeSource(clock).seed(2)
            .clientCredentials("sf-client-7c6b", "sf-client-secret-5a4b3c2d1e").faultRate(0.20).build().start();
        SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).seed(3)
            .user("sugar-admin", "sugar-pass-W0rd-8c7b").client("sugar-app", "sugar-client-secret-6e5d")
            .accessTokenLifetime(Duration.ofMinutes(2))
            .serverErrorRate(0.10).serviceUnavailableRate(0.10).htmlErrorPageRate(0.07).droppedConnectionRate(0.07)
            .truncatedBodyRate(0.07).build().start();
        ZohoEmulator zoho = ZohoEmulator.builder().timeSource(clock).seed(4)
            .client("1000.ZOHOCLIENTID7F6E", "zoho-client-secret-4c3b2a19", "1000.zohorefreshtoken.0a9b8c7d6e")
            .accessTokenLifetime(Duration.ofMinutes(2))
            .serverErrorRate(0.10).htmlErrorPageRate(0.07).droppedConnectionRate(0.07).garbledJsonRate(0.07)
            .truncatedBodyRate(0.07).build().start();
        PipedriveEmulator pipedrive = PipedriveEmulator.builder().timeSource(clock).seed(5)
            .apiToken("pd-api-token-3e2d1c0b9a8f7e6d")
            .serverErrorRate(0.10).htmlErrorPageRate(0.07).droppedConnectionRate(0.07).truncatedBodyRate(0.07)
            .build().start();
        HubSpotEmulator hubspotPrivate = HubSpotEmulator.builder().timeSource(clock).seed(6)
            .privateAppToken("pat-na1-private-6f5e4d3c2b1a")
            .serverErrorRate(0.12).droppedConnectionRate(0.07).garbledJsonRate(0.07).build().start()) {

      for (int i = 0; i < N; i++) {
        hubspotOAuth.insert("contacts", Map.of("email", email("hs", i), "firstname", "Hubert" + i, "lastname", "Spot"));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("email", email("sugar", i));
        s.put("first_name", "Sugar" + i);
        s.put("last_name", "Crm");
        sugar.insert("Contacts", s);
        pipedrive.insert("persons", Map.of("name", "Pipe" + i + " Drive",
            "emails", List.of(Map.of("value", email("pd", i)))));
      }
      clock.advance(Duration.ofMinutes(10));

      CRMAdapter hsSource = HubSpotAdapter.create(config("hubspot", with(hubspotOAuth.adapterSettings())));
      CRMAdapter sfTarget = SalesforceAdapter.create(config("salesforce", with(Map.of(),
          "loginUrl", salesforce.url(), "clientId", "sf-client-7c6b", "clientSecret", "sf-client-secret-5a4b3c2d1e")));
      reports.add(sync(hsSource, sfTarget));

      CRMAdapter sugarSource = SugarCrmAdapter.create(config("sugarcrm", with(sugar.adapterSettings())));
      CRMAdapter zohoTarget = ZohoAdapter.create(config("zoho", with(zoho.adapterSettings())));
      reports.add(sync(sugarSource, zohoTarget));

      CRMAdapter pdSource = PipedriveAdapter.create(config("pipedrive", with(pipedrive.adapterSettings())));
      CRMAdapter hsTarget = HubSpotAdapter.create(config("hubspot", with(hubspotPrivate.adapterSettings())));
      reports.add(sync(pdSource, hsTarget));

      // records the target refuses one by one: their CRM's error messages name the bad values
      FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
      List<CrmRecord> bad = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String e = i % 3 == 0 ? "broken.person" + i + "(at)customers.example.org" : email("app", i);
        emails.add(e);
        bad.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", e, "firstName", "App" + i)));
      }
      app.seed(bad);
      reports.add(sync(app, HubSpotAdapter.create(config("hubspot", with(hubspotPrivate.adapterSettings())))));

      // the capture sees crm-sync's lines on every thread, at every level: a canary logged on purpose is found
      String canary = email("canary", 0);
      Thread t = new Thread(() -> org.slf4j.LoggerFactory.getLogger("io.crmsync.test").trace("canary {}", canary));
      t.start();
      t.join();
      lines = logs.lines();
      assertThat(hubspotOAuth.faults()).as("faults were met everywhere").isNotEmpty();
      assertThat(hubspotPrivate.faults()).isNotEmpty();
      assertThat(salesforce.faultsInjected()).isNotEmpty();
      assertThat(sugar.faultCount()).isPositive();
      assertThat(zoho.faultCount()).isPositive();
      assertThat(pipedrive.requests()).anyMatch(r -> r.fault() != null);
      emails.remove(canary);
      assertThat(lines.stream().filter(l -> l.contains(canary))).as("the canary").hasSize(1);
    }

    assertThat(reports).allSatisfy(r -> assertThat(r.balanced()).isTrue());
    assertThat(reports.get(0).written()).isEqualTo(N);
    assertThat(reports.get(1).written()).isEqualTo(N);
    assertThat(reports.get(2).written()).isEqualTo(N);
    assertThat(reports.get(3).deadLettered()).as("the invalid emails").isEqualTo(10);
    assertThat(secrets).as("credentials were collected from the wire").hasSizeGreaterThan(12);
    assertThat(lines).as("something was logged").hasSizeGreaterThan(40);

    Function<String, List<String>> leaks = needle -> lines.stream().filter(l -> l.contains(needle)).limit(3).toList();
    for (String s : secrets) {
      if (s.length() >= 6) {
        assertThat(leaks.apply(s)).as("a credential in the logs: " + s).isEmpty();
      }
    }
    for (String e : emails) {
      assertThat(leaks.apply(e)).as("an email in the logs: " + e).isEmpty();
      String local = e.substring(0, e.indexOf(e.contains("@") ? "@" : "("));
      assertThat(leaks.apply(local)).as("an email's local part in the logs: " + local).isEmpty();
    }
  }
}

package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmSyncException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.AnswerProxy;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * Where the adapter sends its secrets, what it says about a token endpoint's answer, and how it keeps a session
 * alive through a long sync when tokens expire every few seconds.
 */
class TokensTest {
  private final FakeTimeSource clock = new FakeTimeSource();

  // ------------------------------------------------------------------ plain http only to loopback

  @Test
  void plainHttpToAnyHostButLoopbackIsRefusedAtCreation() {
    for (String url : List.of("http://login.salesforce.com", "http://acme.my.salesforce.com:8080", "http://10.0.0.7")) {
      assertThatThrownBy(() -> SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", url, "clientId", "c", "clientSecret", "s"))))
          .as(url)
          .isInstanceOf(CrmConfigurationException.class)
          .hasMessageContaining("loginUrl")
          .hasMessageContaining("https");
    }
    for (String url : List.of("http://localhost:8080", "http://127.0.0.1:1234", "http://[::1]:99", "https://login.salesforce.com")) {
      assertThat(SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", url, "clientId", "c", "clientSecret", "s")))).as(url).isNotNull();
    }
  }

  @Test
  void anInstanceUrlOverPlainHttpOffLoopbackIsRefusedBeforeTheTokenIsSentThere() throws IOException {
    try (MockWebServer login = new MockWebServer()) {
      List<RecordedRequest> seen = new ArrayList<>();
      login.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          synchronized (seen) {
            seen.add(request);
          }
          return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
              .body("{\"access_token\":\"00Dx!secret-token\",\"instance_url\":\"http://na1.salesforce.com\","
                  + "\"token_type\":\"Bearer\",\"issued_at\":\"1\",\"id\":\"x\",\"signature\":\"s\"}")
              .build();
        }
      });
      login.start();
      SalesforceAdapter a = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", login.url("/").toString(), "clientId", "c", "clientSecret", "s")));
      assertThatThrownBy(() -> a.describe(ObjectTypes.CONTACT))
          .isInstanceOf(CrmConfigurationException.class)
          .hasMessageContaining("instance_url")
          .hasMessageContaining("na1.salesforce.com")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token"));
      assertThat(seen).extracting(r -> r.getUrl().encodedPath()).containsOnly("/services/oauth2/token");
    }
  }

  // ------------------------------------------------------------------ token answers are never quoted

  @Test
  void aTruncatedOrHtmlTokenAnswerIsDescribedWithoutAnyOfItsBytes() throws IOException {
    String token = "00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmxOtvxjTrKW19ye6PE3Ds1eQz3z8jr3W7";
    String full = "{\"access_token\":\"" + token + "\",\"refresh_token\":\"5Aep861TSESvWeug_xvFHRBTTbf\","
        + "\"instance_url\":\"https://na1.salesforce.com\",\"token_type\":\"Bearer\"}";
    List<MockResponse> answers = List.of(
        // complete by its length, cut mid-way: not JSON
        new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(full.substring(0, 60)).build(),
        // a proxy's error page that echoes what it received upstream
        new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
            .body("<html><body><h1>Bad Gateway</h1><pre>" + full + "</pre></body></html>").build(),
        new MockResponse.Builder().code(200).setHeader("Content-Type", "text/html")
            .body("<html><body>" + full + "</body></html>").build(),
        // the body stops short of its Content-Length
        new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(full)
            .onResponseBody(new mockwebserver3.SocketEffect.CloseSocket()).build());
    for (String flow : List.of("jwt", "refreshToken", "clientCredentials")) {
      for (MockResponse answer : answers) {
        try (MockWebServer login = new MockWebServer()) {
          login.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return answer;
            }
          });
          login.start();
          Map<String, String> settings = new java.util.HashMap<>(Map.of("loginUrl", login.url("/").toString(),
              "clientId", "c", "authFlow", flow, "clientSecret", "client-secret-value", "refreshToken", "refresh-token-value"));
          if (flow.equals("jwt")) {
            settings.put("username", "u@example.com");
            settings.put("privateKey", SalesforceEmulator.toPem(Emulators.KEYS.getPrivate()));
          }
          SalesforceAdapter a = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce", settings));
          assertThatThrownBy(() -> a.describe(ObjectTypes.CONTACT))
              .as("%s flow, answer %s", flow, answer)
              .isInstanceOf(CrmSyncException.class)
              .satisfies(e -> {
                String everything = e.toString() + (e.getCause() == null ? "" : e.getCause().toString());
                assertThat(everything).doesNotContain(token.substring(0, 20)).doesNotContain("5Aep861")
                    .doesNotContain(token.substring(40, 60)).doesNotContain("client-secret-value")
                    .doesNotContain("refresh-token-value");
              });
        }
      }
    }
  }

  // ------------------------------------------------------------------ sessions that expire every few seconds

  private static List<CrmRecord> contacts(int from, int n) {
    List<CrmRecord> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      out.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "t" + i + "@example.com", "lastName", "T" + i)));
    }
    return out;
  }

  /** Writes 60 batches, a second apart on the clock, while sessions last 5 seconds. */
  private void longSync(SalesforceAdapter a, SalesforceEmulator sf) {
    for (int batch = 0; batch < 60; batch++) {
      List<RecordResult> r = a.upsert(ObjectTypes.CONTACT, contacts(batch * 10, 10), MatchKey.email());
      assertThat(r).allMatch(RecordResult::succeeded);
      a.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email")).withPageSize(5));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(sf.records("Contact")).hasSize(600);
  }

  @Test
  void withIntrospectionTheTokenIsRenewedBeforeItExpiresAndNoRequestIsRejected() {
    try (SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock).clientCredentials("app", "s3cret")
        .sessionTimeout(Duration.ofSeconds(5)).build().start()) {
      SalesforceAdapter a = SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
          .settings(Map.of("loginUrl", sf.url(), "clientId", "app", "clientSecret", "s3cret")).build());
      longSync(a, sf);
      assertThat(sf.refusals()).as("no request sent with an expired session").isEmpty();
      SessionStats s = a.sessionStats();
      assertThat(s.tokensObtained()).isEqualTo(sf.tokensIssued()).as("renewed about every 5 s of 60").isBetween(12L, 16L);
      assertThat(s.renewedAfterRejection()).isZero();
      assertThat(s.renewedBeforeExpiry()).isEqualTo(s.tokensObtained() - 1);
    }
  }

  @Test
  void anIntrospectionThatFailsOnceIsAskedAgainSoTheSessionIsStillRenewedBeforeItExpires() {
    try (SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock).clientCredentials("app", "s3cret")
            .sessionTimeout(Duration.ofSeconds(5)).build().start();
        // the first introspection's answer is cut mid-way, as a faulty proxy would leave it
        AnswerProxy proxy = AnswerProxy.to(URI.create(sf.url()))
            .replace(r -> r.getUrl().encodedPath().equals("/services/oauth2/introspect"), 1, "{\"active\":tr")
            .start()) {
      SalesforceAdapter a = SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
          .settings(Map.of("loginUrl", proxy.url().toString(), "clientId", "app", "clientSecret", "s3cret")).build());
      longSync(a, sf);
      assertThat(proxy.replaced()).isEqualTo(1);
      assertThat(sf.refusals()).as("no request sent with an expired session").isEmpty();
      assertThat(a.sessionStats().renewedAfterRejection()).isZero();
    }
  }

  @Test
  void withoutIntrospectionEachRejectedSessionCausesExactlyOneReauthentication() {
    try (SalesforceEmulator sf = Emulators.emulator(clock).sessionTimeout(Duration.ofSeconds(5)).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      longSync(a, sf);
      SessionStats s = a.sessionStats();
      long rejected = sf.refusals().getOrDefault("INVALID_SESSION_ID", 0L);
      assertThat(rejected).as("the JWT flow has no client secret to introspect with").isPositive();
      assertThat(s.renewedAfterRejection()).as("one per rejection, never two").isEqualTo(rejected);
      assertThat(s.tokensObtained()).isEqualTo(sf.tokensIssued()).isEqualTo(1 + rejected);
    }
  }

  @Test
  void aBurstOfRejectionsFromConcurrentCallsCausesOneReauthentication() throws Exception {
    try (SalesforceEmulator sf = Emulators.emulator(clock).build().start()) {
      SalesforceAdapter a = Emulators.adapter(sf, clock, Map.of());
      a.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email")));
      sf.expireSessions();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          calls.add(pool.submit(() -> {
            go.await();
            return a.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email")));
          }));
        }
        go.countDown();
        for (Future<?> f : calls) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(sf.tokensIssued()).isEqualTo(2);
      assertThat(a.sessionStats().renewedAfterRejection()).isEqualTo(1);
    }
  }
}

package io.crmsync.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.Alert;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.testkit.FakeTimeSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The envelopes Sentry's SDK sends for alerts, recorded by a loopback server standing in for Sentry. */
class SentryAlertSinkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "pat-na1-5e3f9a1b-0c7d-4e2a-9f1b-2d3c4b5a6f70";

  final FakeTimeSource clock = new FakeTimeSource();
  final List<JsonNode> events = new CopyOnWriteArrayList<>();
  final List<String> paths = new CopyOnWriteArrayList<>();
  MockWebServer sentry;
  SentryAlertSink sink;

  @BeforeEach
  void start() throws IOException {
    sentry = new MockWebServer();
    sentry.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        paths.add(request.getUrl().encodedPath());
        try {
          events.addAll(eventItems(request));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        return new MockResponse.Builder().code(200).body("{}").build();
      }
    });
    sentry.start(java.net.InetAddress.getLoopbackAddress(), 0);
    sink = SentryAlertSink.builder()
        .dsn("http://public-key@127.0.0.1:" + sentry.getPort() + "/42")
        .environment("test")
        .release("crm-sync@test")
        .timeSource(clock)
        .build();
  }

  @AfterEach
  void stop() {
    sink.close();
    sentry.close();
  }

  /** The event items of an envelope: a header line, then per item a header line and a payload line. */
  private static List<JsonNode> eventItems(RecordedRequest request) throws IOException {
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    if ("gzip".equalsIgnoreCase(request.getHeaders().get("Content-Encoding"))) {
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
        body = in.readAllBytes();
      }
    }
    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
    List<JsonNode> out = new ArrayList<>();
    for (int i = 1; i + 1 < lines.length; i += 2) {
      JsonNode header = JSON.readTree(lines[i]);
      if (header.path("type").asText().equals("event")) {
        out.add(JSON.readTree(lines[i + 1]));
      }
    }
    return out;
  }

  private void awaitEvents(int n) throws InterruptedException {
    sink.flush();
    for (int i = 0; i < 100 && events.size() < n; i++) {
      Thread.sleep(50); // the SDK sends on its own thread; the loopback answer takes milliseconds
    }
  }

  private Alert authLost(String job) {
    CrmAuthenticationException cause = new CrmAuthenticationException("hubspot", 401, "req-7f3a",
        "HubSpot refused the token (Bearer " + TOKEN + ") of Ada Lovelace <ada.lovelace@example.com>, "
            + "phone +44 20 7946 0958, for the record 'Ada Lovelace' with firstName=Ada", null);
    return new Alert(Alert.Kind.AUTHENTICATION_LOST, job, "authentication with hubspot was lost: " + cause.getMessage(),
        cause, clock.now());
  }

  @Test
  void anAlertArrivesWithItsTagsFingerprintAndNothingPersonal() throws Exception {
    sink.alert(authLost("app-to-hubspot"));
    awaitEvents(1);

    assertThat(paths).allMatch(p -> p.equals("/api/42/envelope/"));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.path("level").asText()).isEqualTo("error");
      assertThat(e.path("environment").asText()).isEqualTo("test");
      assertThat(e.path("release").asText()).isEqualTo("crm-sync@test");
      JsonNode tags = e.path("tags");
      assertThat(tags.path("job").asText()).isEqualTo("app-to-hubspot");
      assertThat(tags.path("alert.kind").asText()).isEqualTo("AUTHENTICATION_LOST");
      assertThat(tags.path("adapter").asText()).isEqualTo("hubspot");
      assertThat(tags.path("status_code").asText()).isEqualTo("401");
      assertThat(tags.path("request_id").asText()).isEqualTo("req-7f3a");
      assertThat(e.path("fingerprint").toString())
          .isEqualTo("[\"crm-sync\",\"AUTHENTICATION_LOST\",\"hubspot\",\"CrmAuthenticationException\",\"401\"]");
      assertThat(e.path("message").path("formatted").asText())
          .startsWith("crm-sync AUTHENTICATION_LOST in job app-to-hubspot: authentication with hubspot was lost")
          .contains("Bearer [redacted]", "[email]", "[phone]", "'[redacted]'", "firstName=[redacted]");
      assertThat(e.path("exception").path("values").get(0).path("type").asText())
          .isEqualTo("CrmAuthenticationException");
      String all = e.toString();
      assertThat(all).doesNotContain(TOKEN).doesNotContain("ada.lovelace").doesNotContain("Lovelace")
          .doesNotContain("7946").doesNotContain("=Ada");
    });
  }

  @Test
  void aStormOfOneFailureIsOneEventAndTheNextCarriesTheCount() throws Exception {
    for (int i = 0; i < 50; i++) {
      sink.alert(authLost("app-to-hubspot"));
      clock.advance(Duration.ofSeconds(5)); // 50 runs of sync --follow, 4 minutes in all
    }
    CrmUnavailableException down = new CrmUnavailableException("salesforce", 503, null, "Salesforce is down", null);
    sink.alert(new Alert(Alert.Kind.SYNC_FAILED, "app-to-salesforce", "reading failed: " + down.getMessage(), down,
        clock.now()));
    awaitEvents(2);
    assertThat(events).hasSize(2);
    assertThat(events).extracting(e -> e.path("tags").path("alert.kind").asText())
        .containsExactly("AUTHENTICATION_LOST", "SYNC_FAILED");

    clock.advance(Duration.ofMinutes(1)); // 5 minutes after the first one went out
    sink.alert(authLost("app-to-hubspot"));
    awaitEvents(3);
    assertThat(events).hasSize(3);
    assertThat(events.get(2).path("extra").path("alerts.suppressed").asLong()).isEqualTo(49);
    assertThat(events.get(2).path("fingerprint")).isEqualTo(events.get(0).path("fingerprint"));
  }

  @Test
  void aSpentQuotaIsAWarningGroupedApartFromOtherKinds() throws Exception {
    CrmRateLimitException spent = CrmRateLimitException.quotaExhausted("hubspot", 429, "req-1",
        "the daily limit is spent", Duration.ofHours(3), null);
    sink.alert(new Alert(Alert.Kind.QUOTA_EXHAUSTED, "j", "quota spent: " + spent.getMessage(), spent, clock.now()));
    sink.alert(new Alert(Alert.Kind.DEAD_LETTER_THRESHOLD, "j", "more than 100 records were dead-lettered", null,
        clock.now()));
    awaitEvents(2);
    assertThat(events).hasSize(2);
    assertThat(events.get(0).path("level").asText()).isEqualTo("warning");
    assertThat(events.get(0).path("tags").path("status_code").asText()).isEqualTo("429");
    assertThat(events.get(1).path("fingerprint").toString()).isEqualTo("[\"crm-sync\",\"DEAD_LETTER_THRESHOLD\"]");
    assertThat(events.get(1).has("exception")).isFalse();
  }
}

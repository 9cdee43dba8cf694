package io.crmsync.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CrmHttpTest {
  private final MockWebServer server = new MockWebServer();
  private CrmHttp http;

  @BeforeEach
  void start() throws Exception {
    server.start();
    http = new CrmHttp("testcrm", new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(2)).build(),
        new ObjectMapper(), ErrorMapper.defaults(), TimeSource.system(), List.of("X-Request-Id"), 1024);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private Request get() {
    return new Request.Builder().url(server.url("/v1/things?token=SECRET")).header("Authorization", "Bearer SECRET").build();
  }

  @Test
  void parsesJson() {
    server.enqueue(new MockResponse.Builder().body("{\"a\":1}").build());
    JsonNode node = http.execute(get());
    assertThat(node.get("a").asInt()).isEqualTo(1);
  }

  @Test
  void mapsStatusesToWhatTheCallerCanDo() {
    server.enqueue(new MockResponse.Builder().code(401).body("{\"message\":\"expired\"}").build());
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "7").addHeader("X-Request-Id", "r-9").build());
    server.enqueue(new MockResponse.Builder().code(503).body("down").build());
    server.enqueue(new MockResponse.Builder().code(400).body("{\"message\":\"bad email\"}").build());

    assertThatThrownBy(() -> http.execute(get())).isInstanceOf(CrmAuthenticationException.class);
    assertThatThrownBy(() -> http.execute(get())).isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
      assertThat(e.requestId()).isEqualTo("r-9");
      assertThat(e.getMessage()).contains("testcrm").contains("429").contains("r-9");
    });
    assertThatThrownBy(() -> http.execute(get())).isInstanceOf(CrmUnavailableException.class);
    assertThatThrownBy(() -> http.execute(get())).isInstanceOf(CrmRequestException.class).hasMessageContaining("bad email");
  }

  @Test
  void anHtmlPageInsteadOfJsonIsATypedErrorNamingWhatArrived() {
    server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/html")
        .body("<html><body><h1>502 Bad Gateway</h1></body></html>").build());
    assertThatThrownBy(() -> http.execute(get()))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageContaining("text/html")
        .hasMessageContaining("502 Bad Gateway");
  }

  @Test
  void errorPagesAreExcerptedWithoutMarkup() {
    server.enqueue(new MockResponse.Builder().code(500).addHeader("Content-Type", "text/html")
        .body("<html><head><style>p{}</style></head><body><p>Internal   error</p></body></html>").build());
    assertThatThrownBy(() -> http.execute(get())).hasMessageContaining("Internal error").hasMessageNotContaining("<p>");
  }

  @Test
  void oversizedBodiesAreRefused() {
    server.enqueue(new MockResponse.Builder().body("{\"a\":\"" + "x".repeat(5000) + "\"}").build());
    assertThatThrownBy(() -> http.execute(get())).isInstanceOf(CrmUnavailableException.class).hasMessageContaining("limit");
  }

  @Test
  void messagesNeverCarryTheQueryStringOrHeaders() {
    server.enqueue(new MockResponse.Builder().code(400).body("nope").build());
    assertThatThrownBy(() -> http.execute(get())).hasMessageNotContaining("SECRET").hasMessageContaining("GET /v1/things");
  }

  @Test
  void retryAfterAcceptsSecondsAndDates() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(RetryAfter.parse("120", now)).contains(Duration.ofMinutes(2));
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:30 GMT", now)).contains(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 00:00:30 GMT", now)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("soon", now)).isEmpty();
    assertThat(RetryAfter.parse(null, now)).isEmpty();
  }
}

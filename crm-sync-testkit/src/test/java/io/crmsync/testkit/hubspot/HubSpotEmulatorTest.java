package io.crmsync.testkit.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator over raw HTTP: HubSpot's shapes, limits and errors. */
class HubSpotEmulatorTest {
  static final OkHttpClient HTTP = new OkHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType APPLICATION_JSON = MediaType.get("application/json");

  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  record Reply(int status, JsonNode body, okhttp3.Headers headers) {}

  Reply call(String method, String path, String json) throws IOException {
    return call(method, path, json, hubspot.privateAppToken());
  }

  Reply call(String method, String path, String json, String token) throws IOException {
    Request.Builder b = new Request.Builder().url(hubspot.url() + path).header("Authorization", "Bearer " + token);
    if (method.equals("POST")) {
      b.post(RequestBody.create(json, APPLICATION_JSON));
    }
    try (Response r = HTTP.newCall(b.build()).execute()) {
      String text = r.body().string();
      return new Reply(r.code(), text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text), r.headers());
    }
  }

  @Test
  void aUsersTestStartsItInAFewLines() throws IOException {
    try (HubSpotEmulator emulator = HubSpotEmulator.create().start()) {
      assertThat(emulator.url().toString()).startsWith("http://");
      assertThat(emulator.adapterSettings()).containsKeys("baseUrl", "token");
      emulator.insert("contacts", Map.of("email", "Ada@Example.com"));
      assertThat(emulator.records("contact")).singleElement()
          .satisfies(r -> assertThat(r).containsEntry("email", "ada@example.com"));
    }
  }

  @Test
  void searchCannotPagePastTenThousandResults() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    Reply ok = call("POST", "/crm/v3/objects/contacts/search", "{\"limit\":100,\"after\":\"9900\"}");
    assertThat(ok.status()).isEqualTo(200);
    Reply capped = call("POST", "/crm/v3/objects/contacts/search", "{\"limit\":100,\"after\":\"9901\"}");
    assertThat(capped.status()).isEqualTo(400);
    assertThat(capped.body().path("category").asText()).isEqualTo("VALIDATION_ERROR");
    assertThat(capped.body().path("message").asText()).contains("10000");
  }

  @Test
  void searchFiltersSortsAndPages() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(1));
      hubspot.insert("contacts", Map.of("email", "s" + i + "@example.com", "firstname", i % 2 == 0 ? "Even" : "Odd"));
    }
    long third = clock.now().minusSeconds(2).toEpochMilli();
    Reply r = call("POST", "/crm/v3/objects/contacts/search",
        "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"lastmodifieddate\",\"operator\":\"GTE\",\"value\":\"" + third
            + "\"},{\"propertyName\":\"firstname\",\"operator\":\"EQ\",\"value\":\"even\"}]}],"
            + "\"sorts\":[{\"propertyName\":\"lastmodifieddate\",\"direction\":\"DESCENDING\"}],"
            + "\"properties\":[\"email\"],\"limit\":1}");
    assertThat(r.body().path("total").asInt()).isEqualTo(2);
    assertThat(r.body().path("results").get(0).path("properties").path("email").asText()).isEqualTo("s4@example.com");
    assertThat(r.body().path("paging").path("next").path("after").asText()).isEqualTo("1");
  }

  @Test
  void tracedUpsertsAnswer207WithAnErrorPerBadInput() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    Reply r = call("POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":["
        + "{\"idProperty\":\"email\",\"id\":\"a@example.com\",\"objectWriteTraceId\":\"0\",\"properties\":{\"firstname\":\"A\"}},"
        + "{\"idProperty\":\"email\",\"id\":\"bad\",\"objectWriteTraceId\":\"1\",\"properties\":{}}]}");
    assertThat(r.status()).isEqualTo(207);
    assertThat(r.body().path("results")).hasSize(1);
    assertThat(r.body().path("results").get(0).path("new").asBoolean()).isTrue();
    JsonNode error = r.body().path("errors").get(0);
    assertThat(r.body().path("numErrors").asInt()).isEqualTo(1);
    assertThat(error.path("status").asText()).isEqualTo("error");
    assertThat(error.path("category").asText()).isEqualTo("VALIDATION_ERROR");
    assertThat(error.path("context").path("objectWriteTraceId").get(0).asText()).isEqualTo("1");
    JsonNode listed = JSON.readTree(error.path("message").asText().substring("Property values were not valid: ".length()));
    assertThat(listed.get(0).path("error").asText()).isEqualTo("INVALID_EMAIL");
    assertThat(listed.get(0).path("name").asText()).isEqualTo("email");
    assertThat(hubspot.refusals()).containsExactly(Map.entry("INVALID_EMAIL", 1L));
  }

  @Test
  void untracedUpsertsAreRefusedWholeWithHubSpotsMessage() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    Reply r = call("POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":["
        + "{\"idProperty\":\"email\",\"id\":\"a@example.com\",\"properties\":{}},"
        + "{\"idProperty\":\"email\",\"id\":\"bad\",\"properties\":{}}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("message").asText()).startsWith("Property values were not valid: [").contains("INVALID_EMAIL");
    assertThat(hubspot.records("contacts")).isEmpty();
    Reply nonUnique = call("POST", "/crm/v3/objects/contacts/batch/upsert",
        "{\"inputs\":[{\"idProperty\":\"firstname\",\"id\":\"x\",\"properties\":{}}]}");
    assertThat(nonUnique.body().path("message").asText()).contains("non-unique");
  }

  @Test
  void theRollingLimitAnswersHubSpots429() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).rateLimit(2, Duration.ofSeconds(10)).build().start();
    assertThat(call("GET", "/crm/v3/objects/contacts", "").headers().get("X-HubSpot-RateLimit-Remaining")).isEqualTo("1");
    call("GET", "/crm/v3/objects/contacts", "");
    Reply limited = call("GET", "/crm/v3/objects/contacts", "");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body().path("policyName").asText()).isEqualTo("TEN_SECONDLY_ROLLING");
    assertThat(limited.body().path("errorType").asText()).isEqualTo("RATE_LIMIT");
    assertThat(limited.headers().get("X-HubSpot-RateLimit-Interval-Milliseconds")).isEqualTo("10000");
    assertThat(limited.headers().get("Retry-After")).isNull();
    clock.advance(Duration.ofSeconds(10));
    assertThat(call("GET", "/crm/v3/objects/contacts", "").status()).isEqualTo(200);
    assertThat(hubspot.maxRequestsInAnyWindow(Duration.ofSeconds(10))).isEqualTo(3);
  }

  @Test
  void tokensExpireOnTheEmulatorsClock() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("cid", "secret", "rt")
        .accessTokenLifetime(Duration.ofMinutes(30)).build().start();
    Request tokenRequest = new Request.Builder().url(hubspot.url() + "/oauth/v1/token")
        .post(new FormBody.Builder().add("grant_type", "refresh_token").add("client_id", "cid")
            .add("client_secret", "secret").add("refresh_token", "rt").build())
        .build();
    String token;
    try (Response r = HTTP.newCall(tokenRequest).execute()) {
      JsonNode body = JSON.readTree(r.body().string());
      assertThat(body.path("expires_in").asLong()).isEqualTo(1800);
      token = body.path("access_token").asText();
    }
    assertThat(call("GET", "/crm/v3/objects/contacts", "", token).status()).isEqualTo(200);
    clock.advance(Duration.ofMinutes(30));
    Reply expired = call("GET", "/crm/v3/objects/contacts", "", token);
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().path("category").asText()).isEqualTo("EXPIRED_AUTHENTICATION");
    assertThat(call("GET", "/crm/v3/objects/contacts", "", "nope").body().path("category").asText())
        .isEqualTo("INVALID_AUTHENTICATION");
  }

  @Test
  void unknownPropertiesAndTypesAreRefused() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    assertThat(call("GET", "/crm/v3/objects/widgets", "").status()).isEqualTo(400);
    assertThatThrownBy(() -> hubspot.insert("contacts", Map.of("nope", "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PROPERTY_DOESNT_EXIST");
    Reply props = call("GET", "/crm/v3/properties/contacts", "");
    assertThat(props.body().path("results").findValuesAsText("name")).contains("email", "firstname", "hs_object_id");
  }

  @Test
  void builderSettingsAreValidated() {
    assertThatThrownBy(() -> HubSpotEmulator.builder().serverErrorRate(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HubSpotEmulator.builder().serverErrorRate(0.6).garbledJsonRate(0.6))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1");
    assertThatThrownBy(() -> HubSpotEmulator.builder().rateLimit(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requests");
    assertThatThrownBy(() -> HubSpotEmulator.builder().port(70_000)).isInstanceOf(IllegalArgumentException.class);
  }
}

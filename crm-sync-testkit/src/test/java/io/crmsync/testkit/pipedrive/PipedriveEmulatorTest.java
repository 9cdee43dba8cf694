package io.crmsync.testkit.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Fault;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator answers the way Pipedrive's API v2 documents, including its refusals and limits. */
class PipedriveEmulatorTest {
  static final MediaType JSON = MediaType.get("application/json");
  final FakeTimeSource clock = new FakeTimeSource();
  final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  final ObjectMapper mapper = new ObjectMapper();
  PipedriveEmulator pipedrive;

  @AfterEach
  void stop() {
    if (pipedrive != null) {
      pipedrive.close();
    }
  }

  record Answer(int status, JsonNode body, okhttp3.Headers headers) {}

  private PipedriveEmulator start(PipedriveEmulator.Builder b) {
    pipedrive = b.timeSource(clock).build().start();
    return pipedrive;
  }

  private Answer call(String method, String path, String json) throws IOException {
    Request.Builder r = new Request.Builder().url(pipedrive.url() + path).header("x-api-token", pipedrive.apiToken());
    r.method(method, json == null ? null : RequestBody.create(json, JSON));
    try (Response response = client.newCall(r.build()).execute()) {
      String text = response.body().string();
      return new Answer(response.code(), text.isEmpty() ? mapper.nullNode() : mapper.readTree(text), response.headers());
    }
  }

  private Answer get(String path) throws IOException {
    return call("GET", path, null);
  }

  private Answer post(String path, String json) throws IOException {
    return call("POST", path, json);
  }

  @Test
  void withoutAValidTokenTheGatewayAnswers401() throws IOException {
    start(PipedriveEmulator.builder());
    try (Response r = client.newCall(new Request.Builder().url(pipedrive.url() + "/api/v2/persons")
        .header("x-api-token", "wrong").build()).execute()) {
      assertThat(r.code()).isEqualTo(401);
      assertThat(r.header("x-401-by-gw")).isEqualTo("true");
      assertThat(mapper.readTree(r.body().string()).path("error").asText()).isEqualTo("unauthorized access");
    }
    assertThat(pipedrive.refusals()).containsKey("401 unauthorized (unknown API token)");
  }

  @Test
  void personsAreCreatedAndPagedByCursor() throws IOException {
    start(PipedriveEmulator.builder());
    for (int i = 0; i < 7; i++) {
      Answer a = post("/api/v2/persons", "{\"name\":\"Ada Lovelace" + i + "\",\"emails\":[{\"value\":\"ada" + i + "@example.com\"}]}");
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.body().path("data").path("first_name").asText()).isEqualTo("Ada");
      assertThat(a.body().path("data").path("emails").get(0).path("primary").asBoolean())
          .as("the first email becomes primary").isTrue();
    }
    List<String> names = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Answer a = get("/api/v2/persons?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(a.status()).isEqualTo(200);
      a.body().path("data").forEach(p -> names.add(p.path("name").asText()));
      cursor = a.body().path("additional_data").path("next_cursor").isNull() ? null
          : a.body().path("additional_data").path("next_cursor").asText();
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(names).hasSize(7).doesNotHaveDuplicates();
    assertThat(get("/api/v2/persons?limit=501").status()).as("limit is at most 500").isEqualTo(400);
    assertThat(get("/api/v2/persons?cursor=bogus").status()).isEqualTo(400);
    assertThat(pipedrive.tokensSpent()).as("7 creates at 5, 3 lists at 10, 2 refused lists at 10").isEqualTo(35 + 30 + 20);
  }

  @Test
  void updatedSinceFiltersBySecondsOfUpdateTime() throws IOException {
    start(PipedriveEmulator.builder());
    post("/api/v2/persons", "{\"name\":\"Old\"}");
    clock.advance(Duration.ofMillis(1500));
    String since = clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    post("/api/v2/persons", "{\"name\":\"New\"}");
    Answer a = get("/api/v2/persons?updated_since=" + since + "&sort_by=update_time");
    assertThat(a.body().path("data")).extracting(p -> p.path("name").asText()).containsExactly("New");
    assertThat(a.body().path("data").get(0).path("update_time").asText()).as("RFC 3339 to the second")
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(get("/api/v2/persons?updated_since=yesterday").status()).isEqualTo(400);
  }

  @Test
  void unknownParametersAndWrongTypesFailTheSchema() throws IOException {
    start(PipedriveEmulator.builder().customField("persons", "Tier", "enum", "Gold", "Silver"));
    Answer unknown = post("/api/v2/persons", "{\"name\":\"X\",\"favourite\":\"blue\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("code").asText()).isEqualTo("ERR_SCHEMA_VALIDATION_FAILED");
    assertThat(unknown.body().path("error").asText())
        .isEqualTo("Validation failed: favourite: Parameter 'favourite' is not allowed for this request");
    assertThat(post("/api/v2/persons", "{\"name\":\"X\",\"owner_id\":\"7\"}").status())
        .as("numbers are not converted from text").isEqualTo(400);
    assertThat(post("/api/v2/persons", "{\"emails\":[{\"value\":\"a@example.com\"}]}").body().path("error").asText())
        .contains("name: Parameter 'name' is required");
    String tier = pipedrive.customFieldKey("persons", "Tier");
    assertThat(tier).hasSize(40).matches("[0-9a-f]+");
    assertThat(post("/api/v2/persons", "{\"name\":\"X\",\"custom_fields\":{\"" + "0".repeat(40) + "\":\"a\"}}").status())
        .isEqualTo(400);
    assertThat(post("/api/v2/persons", "{\"name\":\"X\",\"custom_fields\":{\"" + tier + "\":\"Gold\"}}").status())
        .as("an option is written by its id").isEqualTo(400);
    long gold = get("/api/v2/personFields").body().path("data").findValues("options").stream()
        .filter(JsonNode::isArray).findFirst().orElseThrow().get(0).path("id").asLong();
    assertThat(post("/api/v2/persons", "{\"name\":\"X\",\"custom_fields\":{\"" + tier + "\":" + gold + "}}").status())
        .isEqualTo(200);
    assertThat(post("/api/v2/persons", "{\"name\":\"" + "x".repeat(256) + "\"}").status())
        .as("a varchar holds 255 characters").isEqualTo(400);
    assertThat(pipedrive.refusedCount()).isEqualTo(6);
  }

  @Test
  void contactSyncFieldsAreForbiddenWithoutContactSync() throws IOException {
    start(PipedriveEmulator.builder());
    Answer a = post("/api/v2/persons", "{\"name\":\"X\",\"job_title\":\"CTO\"}");
    assertThat(a.status()).isEqualTo(403);
    assertThat(get("/api/v2/personFields").body().path("data").findValuesAsText("field_code")).doesNotContain("job_title");
    pipedrive.close();
    start(PipedriveEmulator.builder().contactSync(true));
    assertThat(post("/api/v2/persons", "{\"name\":\"X\",\"job_title\":\"CTO\"}").status()).isEqualTo(200);
  }

  @Test
  void searchMatchesWholeValuesIgnoringCaseWhenExact() throws IOException {
    start(PipedriveEmulator.builder());
    post("/api/v2/persons", "{\"name\":\"A\",\"emails\":[{\"value\":\"Ann@Example.com\",\"primary\":true},{\"value\":\"ann@home.example\"}]}");
    post("/api/v2/persons", "{\"name\":\"B\",\"emails\":[{\"value\":\"annabel@example.com\"}]}");
    Answer exact = get("/api/v2/persons/search?term=ann%40example.com&fields=email&exact_match=true");
    assertThat(exact.body().path("data").path("items")).hasSize(1);
    JsonNode item = exact.body().path("data").path("items").get(0).path("item");
    assertThat(item.path("type").asText()).isEqualTo("person");
    assertThat(item.path("emails")).extracting(JsonNode::asText).containsExactly("Ann@Example.com", "ann@home.example");
    assertThat(get("/api/v2/persons/search?term=example.com&fields=email").body().path("data").path("items")).hasSize(2);
    assertThat(get("/api/v2/persons/search?term=a&fields=email").status()).as("two characters at least").isEqualTo(400);
    assertThat(get("/api/v2/persons/search?term=ann&fields=job").status()).isEqualTo(400);
    assertThat(get("/api/v2/activities/search?term=ann").status()).as("activities have no search").isEqualTo(404);
  }

  @Test
  void deleteMarksDeletedAndASecondDeleteIsNotFound() throws IOException {
    start(PipedriveEmulator.builder());
    long id = post("/api/v2/persons", "{\"name\":\"X\"}").body().path("data").path("id").asLong();
    Answer first = call("DELETE", "/api/v2/persons/" + id, null);
    assertThat(first.body().path("data").path("id").asLong()).isEqualTo(id);
    assertThat(call("DELETE", "/api/v2/persons/" + id, null).status()).isEqualTo(404);
    assertThat(get("/api/v2/persons/" + id).status()).isEqualTo(404);
    assertThat(get("/api/v2/persons").body().path("data")).isEmpty();
    assertThat(get("/api/v2/persons/abc").status()).as("ids are integers").isEqualTo(400);
    assertThat(pipedrive.deletedRecords("persons")).hasSize(1);
  }

  @Test
  void theBurstLimitAnswers429WithItsHeaders() throws IOException {
    start(PipedriveEmulator.builder().burstLimit(3));
    for (int i = 0; i < 3; i++) {
      Answer a = get("/api/v2/persons");
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.headers().get("x-ratelimit-limit")).isEqualTo("3");
      assertThat(a.headers().get("x-ratelimit-remaining")).isEqualTo(Integer.toString(2 - i));
    }
    Answer limited = get("/api/v2/persons");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.headers().get("x-ratelimit-remaining")).isEqualTo("0");
    assertThat(limited.headers().get("x-ratelimit-reset")).isEqualTo("2");
    assertThat(limited.body().path("errorCode").asInt()).isEqualTo(429);
    clock.advance(Duration.ofSeconds(2));
    assertThat(get("/api/v2/persons").status()).isEqualTo(200);
    assertThat(pipedrive.refusals()).containsEntry("429 burst", 1L);
  }

  @Test
  void searchHasItsOwnBurstLimit() throws IOException {
    start(PipedriveEmulator.builder().plan(Plan.ULTIMATE, 1));
    for (int i = 0; i < PipedriveEmulator.SEARCH_BURST; i++) {
      assertThat(get("/api/v2/persons/search?term=abc").status()).isEqualTo(200);
    }
    assertThat(get("/api/v2/persons/search?term=abc").status()).isEqualTo(429);
    assertThat(get("/api/v2/persons").status()).as("other requests still go through").isEqualTo(200);
  }

  @Test
  void theDailyBudgetIsSpentInTokensAndResetsAtMidnight() throws IOException {
    clock.advance(Duration.ofHours(22)); // 22:00 UTC
    start(PipedriveEmulator.builder().dailyTokenBudget(25));
    assertThat(get("/api/v2/persons").headers().get("x-daily-ratelimit-token-remaining")).isEqualTo("15");
    assertThat(post("/api/v2/persons", "{\"name\":\"X\"}").status()).isEqualTo(200);
    assertThat(post("/api/v2/persons", "{\"name\":\"Y\"}").status()).isEqualTo(200);
    Answer spent = get("/api/v2/persons");
    assertThat(spent.status()).isEqualTo(429);
    assertThat(spent.body().path("error").asText()).isEqualTo("daily request budget exceeded");
    assertThat(spent.headers().get("retry-after")).isEqualTo(Long.toString(Duration.ofHours(2).toSeconds()));
    assertThat(get("/api/v2/persons/1").status()).as("a get of one record costs 1 token of the 5 left").isEqualTo(200);
    clock.advance(Duration.ofHours(2));
    assertThat(get("/api/v2/persons").status()).isEqualTo(200);
    assertThat(pipedrive.tokensSpent()).isEqualTo(10 + 5 + 5 + 1 + 10);
  }

  @Test
  void planLimitsFollowThePlanTable() {
    assertThat(Plan.LITE.dailyTokens(3)).isEqualTo(90_000);
    assertThat(Plan.ULTIMATE.dailyTokens(1)).isEqualTo(210_000);
    assertThat(Plan.GROWTH.apiTokenBurst()).isEqualTo(40);
    assertThat(Plan.PREMIUM.oauthBurst()).isEqualTo(400);
  }

  @Test
  void oauthTokensAreIssuedForBasicClientCredentialsAndExpire() throws IOException {
    start(PipedriveEmulator.builder().oauthApp("app", "secret", "refresh-1").accessTokenLifetime(Duration.ofMinutes(60)));
    String basic = Base64.getEncoder().encodeToString("app:secret".getBytes(StandardCharsets.UTF_8));
    Request token = new Request.Builder().url(pipedrive.url() + "/oauth/token").header("Authorization", "Basic " + basic)
        .post(new FormBody.Builder().add("grant_type", "refresh_token").add("refresh_token", "refresh-1").build()).build();
    String access;
    try (Response r = client.newCall(token).execute()) {
      JsonNode body = mapper.readTree(r.body().string());
      assertThat(r.code()).isEqualTo(200);
      assertThat(body.path("expires_in").asLong()).isEqualTo(3600);
      assertThat(body.path("api_domain").asText()).isEqualTo(pipedrive.url().toString());
      access = body.path("access_token").asText();
    }
    Request list = new Request.Builder().url(pipedrive.url() + "/api/v2/persons").header("Authorization", "Bearer " + access).build();
    try (Response r = client.newCall(list).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    clock.advance(Duration.ofMinutes(60));
    try (Response r = client.newCall(list).execute()) {
      assertThat(r.code()).isEqualTo(401);
    }
    Request wrong = token.newBuilder().post(new FormBody.Builder().add("grant_type", "refresh_token")
        .add("refresh_token", "other").build()).build();
    try (Response r = client.newCall(wrong).execute()) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.body().string()).contains("Invalid grant: refresh_token is invalid");
    }
  }

  @Test
  void aTruncatedBodyOrADroppedConnectionComesAfterTheWrite() throws IOException {
    start(PipedriveEmulator.builder());
    pipedrive.injectFaults(Fault.TRUNCATED_BODY);
    try (Response r = client.newCall(new Request.Builder().url(pipedrive.url() + "/api/v2/persons")
        .header("x-api-token", pipedrive.apiToken()).post(RequestBody.create("{\"name\":\"T\"}", JSON)).build()).execute()) {
      String text = r.body().string();
      assertThatThrownBy(() -> mapper.readTree(text)).isInstanceOf(IOException.class);
    }
    pipedrive.injectFaults(Fault.DROPPED_CONNECTION);
    assertThatThrownBy(() -> post("/api/v2/persons", "{\"name\":\"D\"}")).isInstanceOf(IOException.class);
    assertThat(pipedrive.records("persons")).extracting(p -> p.path("name").asText()).containsExactly("T", "D");
    pipedrive.injectFaults("POST", "/api/v2/organizations", Fault.SERVER_ERROR);
    assertThat(get("/api/v2/persons").status()).as("a fault aimed elsewhere leaves this request alone").isEqualTo(200);
    assertThat(post("/api/v2/organizations", "{\"name\":\"O\"}").status()).isEqualTo(500);
    pipedrive.injectFaults(Fault.SERVER_ERROR, Fault.HTML_ERROR_PAGE);
    Answer error = post("/api/v2/persons", "{\"name\":\"S\"}");
    assertThat(error.status()).isEqualTo(500);
    assertThat(error.body().path("code").asText()).isEqualTo("ERR_UNKNOWN");
    try (Response r = client.newCall(new Request.Builder().url(pipedrive.url() + "/api/v2/persons")
        .header("x-api-token", pipedrive.apiToken()).build()).execute()) {
      assertThat(r.code()).isEqualTo(502);
      assertThat(r.body().string()).contains("<html>");
    }
    assertThat(pipedrive.records("persons")).as("nothing applied on 5xx").hasSize(2);
    assertThat(pipedrive.refusedCount()).isEqualTo(5);
  }

  @Test
  void seedingRefusesWhatTheApiRefuses() {
    start(PipedriveEmulator.builder());
    assertThatThrownBy(() -> pipedrive.insert("persons", Map.of("name", "X", "nickname", "Y")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nickname");
    long id = pipedrive.insert("persons", Map.of("name", "Grace Hopper", "emails", List.of(Map.of("value", "g@example.com"))));
    assertThat(pipedrive.personsByEmail("G@EXAMPLE.COM")).extracting(p -> p.path("id").asLong()).containsExactly(id);
    assertThat(pipedrive.tokensSpent()).isZero();
  }
}

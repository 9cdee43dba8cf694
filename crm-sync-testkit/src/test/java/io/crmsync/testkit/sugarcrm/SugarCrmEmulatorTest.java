package io.crmsync.testkit.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator answers as SugarCRM's reference says, requests sent by hand. */
class SugarCrmEmulatorTest {
  static final MediaType JSON = MediaType.get("application/json");
  final FakeTimeSource clock = new FakeTimeSource();
  final ObjectMapper json = new ObjectMapper();
  final OkHttpClient client = new OkHttpClient();
  SugarCrmEmulator sugar;

  record Reply(int status, JsonNode body, @Nullable String retryAfter) {}

  @AfterEach
  void stop() {
    if (sugar != null) {
      sugar.close();
    }
  }

  private SugarCrmEmulator start(SugarCrmEmulator.Builder b) {
    sugar = b.timeSource(clock).build().start();
    return sugar;
  }

  private Reply send(String method, String path, @Nullable String token, @Nullable String body) throws IOException {
    Request.Builder r = new Request.Builder().url(sugar.url() + path)
        .method(method, body == null ? null : RequestBody.create(body, JSON));
    if (token != null) {
      r.header("OAuth-Token", token);
    }
    try (Response response = client.newCall(r.build()).execute()) {
      String text = response.body().string();
      return new Reply(response.code(), text.isEmpty() ? json.nullNode() : json.readTree(text), response.header("Retry-After"));
    }
  }

  private String login(String version, String platform) throws IOException {
    Reply r = send("POST", "/rest/" + version + "/oauth2/token", null, """
        {"grant_type":"password","client_id":"sugar","client_secret":"","username":"admin",
         "password":"emulator-password","platform":"%s"}""".formatted(platform));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("expires_in").asInt()).isEqualTo(3600);
    assertThat(r.body().path("refresh_expires_in").asInt()).isEqualTo(1_209_600);
    return r.body().path("access_token").asText();
  }

  @Test
  void oneSessionPerUserAndPlatform() throws IOException {
    start(SugarCrmEmulator.builder());
    String first = login("v11", "crmsync");
    assertThat(send("POST", "/rest/v11/Contacts/filter", first, "{}").status()).isEqualTo(200);
    String base = login("v11", "base");
    assertThat(send("POST", "/rest/v11/Contacts/filter", first, "{}").status()).as("another platform leaves it").isEqualTo(200);
    String second = login("v11", "crmsync");
    Reply displaced = send("POST", "/rest/v11/Contacts/filter", first, "{}");
    assertThat(displaced.status()).isEqualTo(401);
    assertThat(displaced.body().path("error").asText()).isEqualTo("invalid_grant");
    assertThat(send("POST", "/rest/v11/Contacts/filter", second, "{}").status()).isEqualTo(200);
    assertThat(send("POST", "/rest/v11/Contacts/filter", base, "{}").status()).isEqualTo(200);
    assertThat(send("POST", "/rest/v11/Contacts/filter", null, "{}").body().path("error").asText()).isEqualTo("need_login");
  }

  @Test
  void tokensExpireAndRefreshTokensRotate() throws IOException {
    start(SugarCrmEmulator.builder());
    Reply login = send("POST", "/rest/v10/oauth2/token", null, """
        {"grant_type":"password","client_id":"sugar","client_secret":"","username":"admin","password":"emulator-password","platform":"crmsync"}""");
    String refresh = login.body().path("refresh_token").asText();
    clock.advance(Duration.ofSeconds(3600));
    Reply expired = send("POST", "/rest/v10/Contacts/filter", login.body().path("access_token").asText(), "{}");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().path("error_message").asText()).isEqualTo("The access token provided has expired.");
    String grant = "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"" + refresh
        + "\",\"client_id\":\"sugar\",\"client_secret\":\"\",\"platform\":\"crmsync\"}";
    Reply renewed = send("POST", "/rest/v10/oauth2/token", null, grant);
    assertThat(renewed.status()).isEqualTo(200);
    Reply reused = send("POST", "/rest/v10/oauth2/token", null, grant);
    assertThat(reused.status()).isEqualTo(400);
    assertThat(reused.body().path("error").asText()).isEqualTo("invalid_grant");
    Reply wrong = send("POST", "/rest/v10/oauth2/token", null, """
        {"grant_type":"password","client_id":"sugar","client_secret":"","username":"admin","password":"nope","platform":"crmsync"}""");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.body().path("error").asText()).isEqualTo("need_login");
    Reply platform = send("POST", "/rest/v10/oauth2/token", null, """
        {"grant_type":"password","client_id":"sugar","client_secret":"","username":"admin","password":"emulator-password","platform":"unregistered"}""");
    assertThat(platform.status()).isEqualTo(422);
  }

  @Test
  void versionsOutsideTheInstancesRangeAreRefused() throws IOException {
    start(SugarCrmEmulator.builder().maxVersion("11_1"));
    assertThat(send("POST", "/rest/v12/oauth2/token", null, "{}").status()).isEqualTo(301);
    assertThat(send("POST", "/rest/v9/oauth2/token", null, "{}").body().path("error").asText()).isEqualTo("incorrect_version");
    String token = login("v11_1", "crmsync");
    Reply syncKey = send("PATCH", "/rest/v11_1/Contacts/sync_key/k1", token, "{\"last_name\":\"A\"}");
    assertThat(syncKey.status()).as("sync_key endpoints arrived in v11_10").isEqualTo(404);
    assertThat(syncKey.body().path("error").asText()).isEqualTo("no_method");
  }

  @Test
  void filterPagesWithNextOffsetAndRefusesUnknownFieldsAndOperators() throws IOException {
    start(SugarCrmEmulator.builder().maxListLimit(3));
    for (int i = 0; i < 5; i++) {
      sugar.insert("Contacts", Map.of("last_name", "L" + i, "email", "l" + i + "@example.com"));
    }
    String token = login("v11_10", "crmsync");
    Reply capped = send("POST", "/rest/v11_10/Contacts/filter", token, "{\"max_num\":100,\"order_by\":\"id:ASC\"}");
    assertThat(capped.body().path("records")).as("max_list_limit caps max_num silently").hasSize(3);
    assertThat(capped.body().path("next_offset").asInt()).isEqualTo(3);
    Reply last = send("POST", "/rest/v11_10/Contacts/filter", token, "{\"max_num\":3,\"offset\":3,\"order_by\":\"id:ASC\"}");
    assertThat(last.body().path("records")).hasSize(2);
    assertThat(last.body().path("next_offset").asInt()).isEqualTo(-1);
    Reply byEmail = send("POST", "/rest/v11_10/Contacts/filter", token,
        "{\"filter\":[{\"email\":{\"$in\":[\"L1@EXAMPLE.com\",\"nobody@example.com\"]}}],\"fields\":\"last_name\"}");
    assertThat(byEmail.body().path("records")).singleElement().satisfies(r -> {
      assertThat(r.path("last_name").asText()).isEqualTo("L1");
      assertThat(r.has("date_modified")).as("always returned").isTrue();
      assertThat(r.has("title")).as("only the fields asked for").isFalse();
    });
    Reply unknown = send("POST", "/rest/v11_10/Contacts/filter", token, "{\"filter\":[{\"shoe_size\":\"9\"}]}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.body().path("error_message").asText()).isEqualTo("Unknown field shoe_size");
    Reply operator = send("POST", "/rest/v11_10/Contacts/filter", token, "{\"filter\":[{\"last_name\":{\"$like\":\"L\"}}]}");
    assertThat(operator.status()).isEqualTo(422);
  }

  @Test
  void bulkRunsEachRequestAndAnswersOneResultEach() throws IOException {
    start(SugarCrmEmulator.builder());
    String token = login("v11_10", "crmsync");
    Reply bulk = send("POST", "/rest/v11_10/bulk", token, """
        {"requests":[
          {"url":"/v11_10/Accounts","method":"POST","data":"{\\"name\\":\\"test123\\",\\"no_such_field\\":1}"},
          {"url":"/v11_10/Contacts","method":"POST","data":"{\\"last_name\\":\\"X\\",\\"email\\":[{\\"email_address\\":\\"bad\\"}]}"},
          {"url":"/v11_10/Contacts/sync_key/ext-1","method":"PATCH","data":"{\\"last_name\\":\\"Y\\"}"},
          {"url":"/v11_10/Contacts/sync_key/ext-1","method":"PATCH","data":"{\\"last_name\\":\\"Z\\"}"},
          {"url":"/v11_10/Contacts/no-such-id","method":"DELETE"},
          {"url":"/v11_10/Accounts","method":"GET"}]}""");
    assertThat(bulk.status()).isEqualTo(200);
    JsonNode r = bulk.body();
    assertThat(r).hasSize(6);
    assertThat(r.get(0).path("status").asInt()).isEqualTo(200);
    assertThat(r.get(0).path("contents").has("no_such_field")).as("unknown fields are ignored").isFalse();
    assertThat(r.get(1).path("status").asInt()).isEqualTo(422);
    assertThat(r.get(1).path("contents").path("error_message").asText()).isEqualTo("bad is an invalid email address");
    assertThat(r.get(2).path("status").asInt()).isEqualTo(201);
    assertThat(r.get(3).path("status").asInt()).isEqualTo(200);
    assertThat(r.get(3).path("contents").path("record").asText()).isEqualTo(r.get(2).path("contents").path("record").asText());
    assertThat(r.get(4).path("status").asInt()).isEqualTo(404);
    assertThat(r.get(5).path("status").asInt()).as("no GET route on the module itself here").isEqualTo(404);
    assertThat(sugar.records("Contacts")).singleElement().satisfies(c -> assertThat(c.get("last_name")).isEqualTo("Z"));
    assertThat(sugar.records("Accounts")).hasSize(1);
  }

  @Test
  void deletedRecordsComeBackFlaggedWhenAskedFor() throws IOException {
    start(SugarCrmEmulator.builder());
    String id = sugar.insert("Contacts", Map.of("last_name", "Gone"));
    String token = login("v11_10", "crmsync");
    assertThat(send("DELETE", "/rest/v11_10/Contacts/" + id, token, null).status()).isEqualTo(200);
    assertThat(send("DELETE", "/rest/v11_10/Contacts/" + id, token, null).status()).isEqualTo(404);
    assertThat(send("POST", "/rest/v11_10/Contacts/filter", token, "{}").body().path("records")).isEmpty();
    JsonNode withDeleted = send("POST", "/rest/v11_10/Contacts/filter", token, "{\"deleted\":true}").body().path("records");
    assertThat(withDeleted).singleElement().satisfies(r -> assertThat(r.path("deleted").asBoolean()).isTrue());
  }

  @Test
  void aLimitAnswers429WithRetryAfterAndCountsIt() throws IOException {
    start(SugarCrmEmulator.builder().rateLimit(2, Duration.ofSeconds(1)));
    String token = login("v11_10", "crmsync");
    send("POST", "/rest/v11_10/Contacts/filter", token, "{}");
    send("POST", "/rest/v11_10/Contacts/filter", token, "{}");
    Reply refused = send("POST", "/rest/v11_10/Contacts/filter", token, "{}");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.retryAfter()).isEqualTo("1");
    assertThat(sugar.countByStatus(429)).isEqualTo(1);
    assertThat(sugar.refusedCount()).as("429s are counted apart").isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(send("POST", "/rest/v11_10/Contacts/filter", token, "{}").status()).isEqualTo(200);
  }

  @Test
  void syncKeyUpsertsAreForAdminsOnly() throws IOException {
    start(SugarCrmEmulator.builder().admin(false));
    String token = login("v11_10", "crmsync");
    Reply r = send("PATCH", "/rest/v11_10/Contacts/sync_key/k", token, "{\"last_name\":\"A\"}");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body().path("error").asText()).isEqualTo("not_authorized");
  }
}

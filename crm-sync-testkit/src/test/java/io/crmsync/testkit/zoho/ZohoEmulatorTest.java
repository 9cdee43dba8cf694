package io.crmsync.testkit.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator over raw HTTP: Zoho CRM's shapes, rules, limits and errors, as its documentation shows them. */
class ZohoEmulatorTest {
  static final OkHttpClient HTTP = new OkHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType APPLICATION_JSON = MediaType.get("application/json");

  final FakeTimeSource clock = new FakeTimeSource();
  ZohoEmulator zoho;
  String token;

  @AfterEach
  void stop() {
    if (zoho != null) {
      zoho.close();
    }
  }

  record Reply(int status, JsonNode body, Headers headers) {}

  private void start(ZohoEmulator.Builder b) throws IOException {
    zoho = b.timeSource(clock).build().start();
    Reply t = token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken());
    assertThat(t.status()).isEqualTo(200);
    token = t.body().path("access_token").asText();
  }

  Reply token(String clientId, String secret, String refreshToken) throws IOException {
    FormBody form = new FormBody.Builder().add("grant_type", "refresh_token").add("client_id", clientId)
        .add("client_secret", secret).add("refresh_token", refreshToken).build();
    return send(new Request.Builder().url(zoho.accountsUrl() + "/oauth/v2/token").post(form).build());
  }

  Reply call(String method, String path, String json) throws IOException {
    return call(method, path, json, Headers.of());
  }

  Reply call(String method, String path, String json, Headers extra) throws IOException {
    Request.Builder b = new Request.Builder().url(zoho.apiUrl() + "/crm/v8" + path).headers(extra)
        .header("Authorization", "Zoho-oauthtoken " + token);
    if (method.equals("POST")) {
      b.post(RequestBody.create(json, APPLICATION_JSON));
    } else if (method.equals("DELETE")) {
      b.delete();
    }
    return send(b.build());
  }

  Reply coql(String query) throws IOException {
    return call("POST", "/coql", JSON.createObjectNode().put("select_query", query).toString());
  }

  private static Reply send(Request request) throws IOException {
    try (Response r = HTTP.newCall(request).execute()) {
      String text = r.body().string();
      return new Reply(r.code(), text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text), r.headers());
    }
  }

  private static String contacts(String... emails) {
    StringBuilder sb = new StringBuilder("{\"data\":[");
    for (int i = 0; i < emails.length; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"Last_Name\":\"L").append(i).append("\",\"Email\":\"").append(emails[i])
          .append("\"}");
    }
    return sb.append("],\"duplicate_check_fields\":[\"Email\"]}").toString();
  }

  @Test
  void aUsersTestStartsItInAFewLines() {
    try (ZohoEmulator emulator = ZohoEmulator.create().start()) {
      assertThat(emulator.adapterSettings()).containsKeys("accountsUrl", "clientId", "clientSecret", "refreshToken");
      assertThat(emulator.apiUrl()).isNotEqualTo(emulator.accountsUrl());
      String id = emulator.insert("Contacts", Map.of("Last_Name", "Lovelace", "Email", "Ada@Example.com"));
      assertThat(emulator.records("Contacts")).singleElement()
          .satisfies(r -> assertThat(r).containsEntry("id", id).containsEntry("Email", "Ada@Example.com"));
      assertThatThrownBy(() -> emulator.insert("Contacts", Map.of("Email", "a@b.com")))
          .hasMessageContaining("MANDATORY_NOT_FOUND");
    }
  }

  @Test
  void theTokenEndpointNamesTheApiDomainAndAnswersFailuresWith200() throws IOException {
    start(ZohoEmulator.builder());
    Reply ok = token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken());
    assertThat(ok.body().path("api_domain").asText()).isEqualTo(zoho.apiUrl().toString());
    assertThat(ok.body().path("token_type").asText()).isEqualTo("Bearer");
    assertThat(ok.body().path("expires_in").asLong()).isEqualTo(3600);

    Reply badRefresh = token(zoho.clientId(), zoho.clientSecret(), "1000.nope");
    assertThat(badRefresh.status()).isEqualTo(200);
    assertThat(badRefresh.body().path("error").asText()).isEqualTo("invalid_code");
    assertThat(badRefresh.body().has("access_token")).isFalse();
    Reply badClient = token("someone-else", zoho.clientSecret(), zoho.refreshToken());
    assertThat(badClient.body().path("error").asText()).isEqualTo("invalid_client");
    assertThat(zoho.refusedCount()).isEqualTo(2);
  }

  @Test
  void tenAccessTokensPerTenMinutesThenAccessDenied() throws IOException {
    start(ZohoEmulator.builder());
    for (int i = 1; i < 10; i++) {
      assertThat(token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken()).status()).isEqualTo(200);
    }
    Reply denied = token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken());
    assertThat(denied.status()).isEqualTo(400);
    assertThat(denied.body().path("error").asText()).isEqualTo("Access Denied");
    clock.advance(Duration.ofMinutes(10));
    assertThat(token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken()).status()).isEqualTo(200);
  }

  @Test
  void tokensExpireAndScopesAreEnforced() throws IOException {
    start(ZohoEmulator.builder().accessTokenLifetime(Duration.ofMinutes(5)).scopes("ZohoCRM.modules.contacts.READ"));
    assertThat(coql("select id from Contacts where id is not null").body().path("code").asText())
        .isEqualTo("OAUTH_SCOPE_MISMATCH");
    assertThat(call("POST", "/Contacts/upsert", contacts("a@example.com")).body().path("code").asText())
        .isEqualTo("OAUTH_SCOPE_MISMATCH");
    assertThat(call("GET", "/Contacts?fields=Email", "").status()).isEqualTo(204);
    clock.advance(Duration.ofMinutes(5));
    Reply expired = call("GET", "/Contacts?fields=Email", "");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().path("code").asText()).isEqualTo("INVALID_TOKEN");
    Request anonymous = new Request.Builder().url(zoho.apiUrl() + "/crm/v8/Contacts?fields=Email").build();
    assertThat(send(anonymous).body().path("code").asText()).isEqualTo("AUTHENTICATION_FAILURE");
  }

  @Test
  void upsertAnswersPerRecordIn200207Or400() throws IOException {
    start(ZohoEmulator.builder());
    Reply created = call("POST", "/Contacts/upsert", contacts("a@example.com", "b@example.com"));
    assertThat(created.status()).isEqualTo(200);
    assertThat(created.body().path("data")).hasSize(2).allSatisfy(r -> {
      assertThat(r.path("code").asText()).isEqualTo("SUCCESS");
      assertThat(r.path("action").asText()).isEqualTo("insert");
      assertThat(r.path("details").path("id").asText()).matches("\\d{19}");
    });

    Reply mixed = call("POST", "/Contacts/upsert", contacts("A@EXAMPLE.COM", "not-an-email"));
    assertThat(mixed.status()).isEqualTo(207);
    JsonNode updated = mixed.body().path("data").get(0);
    assertThat(updated.path("action").asText()).as("Email matches regardless of case").isEqualTo("update");
    assertThat(updated.path("duplicate_field").asText()).isEqualTo("Email");
    assertThat(updated.path("details").path("id").asText())
        .isEqualTo(created.body().path("data").get(0).path("details").path("id").asText());
    JsonNode invalid = mixed.body().path("data").get(1);
    assertThat(invalid.path("code").asText()).isEqualTo("INVALID_DATA");
    assertThat(invalid.path("details").path("api_name").asText()).isEqualTo("Email");
    assertThat(invalid.path("details").path("json_path").asText()).isEqualTo("$.data[1].Email");

    Reply allFailed = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Email\":\"new@example.com\"}],\"duplicate_check_fields\":[\"Email\"]}");
    assertThat(allFailed.status()).isEqualTo(400);
    assertThat(allFailed.body().path("data").get(0).path("code").asText()).isEqualTo("MANDATORY_NOT_FOUND");
    assertThat(allFailed.body().path("data").get(0).path("details").path("api_name").asText()).isEqualTo("Last_Name");
    assertThat(zoho.records("Contacts")).hasSize(2);
  }

  @Test
  void upsertRefusesWhatZohoRefuses() throws IOException {
    start(ZohoEmulator.builder().field("Contacts", "Score", "integer"));
    String tooLong = "x".repeat(81);
    Reply length = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"" + tooLong + "\",\"Email\":\"a@example.com\"}]}");
    assertThat(length.body().path("data").get(0).path("details").path("maximum_length").asInt()).isEqualTo(80);
    Reply type = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"L\",\"Email\":\"a@example.com\",\"Score\":\"high\"}]}");
    assertThat(type.body().path("data").get(0).path("details").path("expected_data_type").asText()).isEqualTo("integer");
    Reply notUnique = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"L\"}],\"duplicate_check_fields\":[\"First_Name\"]}");
    assertThat(notUnique.status()).isEqualTo(400);
    assertThat(notUnique.body().path("details").path("api_name").asText()).isEqualTo("First_Name");
    StringBuilder many = new StringBuilder("{\"data\":[");
    for (int i = 0; i < 101; i++) {
      many.append(i == 0 ? "" : ",").append("{\"Last_Name\":\"L\"}");
    }
    Reply tooMany = call("POST", "/Contacts/upsert", many.append("]}").toString());
    assertThat(tooMany.body().path("code").asText()).isEqualTo("LIMIT_EXCEEDED");
    Reply module = call("POST", "/Nope/upsert", contacts("a@example.com"));
    assertThat(module.body().path("data").get(0).path("code").asText()).isEqualTo("INVALID_MODULE");
    assertThat(zoho.records("Contacts")).isEmpty();
  }

  @Test
  void unknownFieldsAreIgnoredUnlessToldToRefuseThem() throws IOException {
    start(ZohoEmulator.builder());
    Reply ignored = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"L\",\"Email\":\"a@example.com\",\"Nope\":\"x\"}]}");
    assertThat(ignored.status()).isEqualTo(200);
    zoho.close();
    start(ZohoEmulator.builder().refuseUnknownFields(true));
    Reply refused = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"L\",\"Email\":\"a@example.com\",\"Nope\":\"x\"}]}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body().path("data").get(0).path("details").path("api_name").asText()).isEqualTo("Nope");
  }

  @Test
  void uniqueFieldsRefuseDuplicatesNamingTheField() throws IOException {
    start(ZohoEmulator.builder().field("Contacts", "External_Id", "text", 50, true));
    call("POST", "/Contacts/upsert", "{\"data\":[{\"Last_Name\":\"A\",\"Email\":\"a@example.com\",\"External_Id\":\"X1\"}]}");
    Reply clash = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"B\",\"Email\":\"b@example.com\",\"External_Id\":\"x1\"}],"
            + "\"duplicate_check_fields\":[\"Email\"]}");
    JsonNode e = clash.body().path("data").get(0);
    assertThat(e.path("code").asText()).isEqualTo("DUPLICATE_DATA");
    assertThat(e.path("details").path("api_name").asText()).isEqualTo("External_Id");
    Reply byUnique = call("POST", "/Contacts/upsert",
        "{\"data\":[{\"Last_Name\":\"C\",\"External_Id\":\"X1\"}],\"duplicate_check_fields\":[\"External_Id\"]}");
    assertThat(byUnique.body().path("data").get(0).path("action").asText()).isEqualTo("update");
  }

  @Test
  void coqlPagesByKeysetAndEnforcesItsRules() throws IOException {
    start(ZohoEmulator.builder());
    for (int i = 0; i < 5; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "L" + i, "Email", "c" + i + "@example.com"));
      clock.advance(Duration.ofSeconds(1));
    }
    Reply first = coql("select Email, Modified_Time from Contacts where id is not null order by id asc limit 2");
    assertThat(first.body().path("data")).hasSize(2);
    assertThat(first.body().path("info").path("more_records").asBoolean()).isTrue();
    String last = first.body().path("data").get(1).path("id").asText();
    Reply next = coql("select Email from Contacts where id > " + last + " order by id asc limit 2000");
    assertThat(next.body().path("data")).hasSize(3);
    assertThat(next.body().path("info").path("more_records").asBoolean()).isFalse();
    String t = first.body().path("data").get(1).path("Modified_Time").asText();
    assertThat(t).as("the org's offset").endsWith("+05:30");
    Reply since = coql("select Email from Contacts where (Modified_Time > '" + t + "') or ((Modified_Time = '" + t
        + "') and (id > " + last + ")) order by Modified_Time asc, id asc limit 10");
    assertThat(since.body().path("data")).hasSize(3);
    assertThat(coql("select Email from Contacts where Email = 'C3@EXAMPLE.COM' limit 2").body().path("data")).hasSize(1);
    assertThat(coql("select Email from Contacts where Email = 'O\\'Brien@example.com'").status()).isEqualTo(204);

    assertThat(coql("select Email from Contacts").body().path("details").path("clause").asText()).isEqualTo("where");
    assertThat(coql("select Email from Contacts where id is not null and Email is not null and Phone is null")
        .body().path("code").asText()).as("three criteria need brackets").isEqualTo("SYNTAX_ERROR");
    assertThat(coql("select Email from Contacts where id is not null limit 2001").body().path("code").asText())
        .isEqualTo("LIMIT_EXCEEDED");
    assertThat(coql("select Email from Contacts where id is not null limit 1000 offset 99500").body().path("code").asText())
        .isEqualTo("LIMIT_EXCEEDED");
    assertThat(coql("select Email from Contacts where Last_Name > 'A'").body().path("details").path("reason").asText())
        .isEqualTo("invalid operator found");
    assertThat(coql("select Nope from Contacts where id is not null").body().path("details").path("column_name").asText())
        .isEqualTo("Nope");
    assertThat(coql("select Email from Contacts where Modified_Time > '2026-01-01T00:00:00Z'").body().path("code").asText())
        .as("datetimes need a numeric offset").isEqualTo("INVALID_QUERY");
  }

  @Test
  void coqlJoinsALookupsField() throws IOException {
    start(ZohoEmulator.builder());
    String account = zoho.insert("Accounts", Map.of("Account_Name", "Acme"));
    zoho.insert("Contacts", Map.of("Last_Name", "L", "Email", "a@example.com", "Account_Name", Map.of("id", account)));
    JsonNode row = coql("select Account_Name, Account_Name.Account_Name, Owner from Contacts where id is not null")
        .body().path("data").get(0);
    assertThat(row.path("Account_Name").path("id").asText()).isEqualTo(account);
    assertThat(row.path("Account_Name.Account_Name").asText()).isEqualTo("Acme");
    assertThat(row.path("Owner").path("id").asText()).matches("\\d+");
  }

  @Test
  void recordsApiPagesByPageThenPageToken() throws IOException {
    start(ZohoEmulator.builder());
    for (int i = 0; i < 450; i++) {
      zoho.insert("Contacts", Map.of("Last_Name", "L" + i));
    }
    assertThat(call("GET", "/Contacts", "").body().path("details").path("param_name").asText()).isEqualTo("fields");
    Reply page2 = call("GET", "/Contacts?fields=Last_Name&per_page=200&page=2&sort_order=asc", "");
    assertThat(page2.body().path("data")).hasSize(200);
    assertThat(page2.body().path("info").path("more_records").asBoolean()).isTrue();
    String pageToken = page2.body().path("info").path("next_page_token").asText();
    Reply page3 = call("GET", "/Contacts?fields=Last_Name&per_page=200&sort_order=asc&page_token=" + pageToken, "");
    assertThat(page3.body().path("data")).hasSize(50);
    assertThat(page3.body().path("info").path("more_records").asBoolean()).isFalse();
    assertThat(call("GET", "/Contacts?fields=Last_Name&per_page=200&page=11", "").body().path("code").asText())
        .isEqualTo("DISCRETE_PAGINATION_LIMIT_EXCEEDED");
    assertThat(call("GET", "/Contacts?fields=Email&per_page=200&sort_order=asc&page_token=" + pageToken, "")
        .body().path("code").asText()).isEqualTo("TOKEN_BOUND_DATA_MISMATCH");
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 51; i++) {
      many.add("Field" + i);
    }
    assertThat(call("GET", "/Contacts?fields=" + String.join(",", many), "").status()).isEqualTo(400);
  }

  @Test
  void deletesGoToTheRecycleBinAndTheDeletedRecordsApi() throws IOException {
    start(ZohoEmulator.builder());
    String a = zoho.insert("Contacts", Map.of("Last_Name", "A"));
    String b = zoho.insert("Contacts", Map.of("Last_Name", "B"));
    clock.advance(Duration.ofMinutes(1));
    Reply deleted = call("DELETE", "/Contacts?ids=" + a + ",123,abc", "");
    assertThat(deleted.status()).isEqualTo(207);
    assertThat(deleted.body().path("data").get(0).path("code").asText()).isEqualTo("SUCCESS");
    assertThat(deleted.body().path("data").get(1).path("message").asText()).isEqualTo("record not deleted");
    assertThat(deleted.body().path("data").get(2).path("message").asText()).contains("wrong format");
    assertThat(call("DELETE", "/Contacts", "").body().path("code").asText()).isEqualTo("REQUIRED_PARAM_MISSING");

    Reply bin = call("GET", "/Contacts/deleted?type=all", "");
    assertThat(bin.body().path("data")).singleElement().satisfies(d -> {
      assertThat(d.path("id").asText()).isEqualTo(a);
      assertThat(d.path("type").asText()).isEqualTo("recycle");
      assertThat(d.path("deleted_time").asText()).endsWith("+05:30");
    });
    String later = clock.now().plusSeconds(30).atZone(java.time.ZoneId.of("Asia/Kolkata"))
        .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx"));
    assertThat(call("GET", "/Contacts/deleted?type=all", "", Headers.of("If-Modified-Since", later)).status()).isEqualTo(204);
    assertThat(call("GET", "/Contacts/deleted?type=gone", "").body().path("data").get(0).path("code").asText())
        .isEqualTo("PATTERN_NOT_MATCHED");
    assertThat(zoho.records("Contacts")).singleElement().satisfies(r -> assertThat(r).containsEntry("id", b));
  }

  @Test
  void fieldsMetadataDescribesTypesLengthsAndUniqueness() throws IOException {
    start(ZohoEmulator.builder().field("Contacts", "External_Id", "text", 50, true).picklist("Contacts", "Tier", "Gold", "Silver"));
    Reply fields = call("GET", "/settings/fields?module=Contacts", "");
    Map<String, JsonNode> byName = new java.util.HashMap<>();
    fields.body().path("fields").forEach(f -> byName.put(f.path("api_name").asText(), f));
    assertThat(byName.get("Email").path("data_type").asText()).isEqualTo("email");
    assertThat(byName.get("Last_Name").path("system_mandatory").asBoolean()).isTrue();
    assertThat(byName.get("Last_Name").path("length").asInt()).isEqualTo(80);
    assertThat(byName.get("Owner").path("data_type").asText()).isEqualTo("ownerlookup");
    assertThat(byName.get("Account_Name").path("lookup").path("module").path("api_name").asText()).isEqualTo("Accounts");
    assertThat(byName.get("External_Id").path("unique").isEmpty()).isFalse();
    assertThat(byName.get("External_Id").path("custom_field").asBoolean()).isTrue();
    assertThat(byName.get("Tier").path("pick_list_values")).hasSize(2);
    assertThat(byName.get("Modified_Time").path("read_only").asBoolean()).isTrue();
  }

  @Test
  void creditsAndConcurrencyAnswer429TooManyRequests() throws IOException {
    start(ZohoEmulator.builder().credits(10, Duration.ofHours(24)));
    Reply first = call("GET", "/Contacts?fields=Email", "");
    assertThat(first.headers().get("X-API-CREDITS-REMAINING")).as("sent from half the credits used").isNull();
    for (int i = 0; i < 4; i++) {
      call("GET", "/Contacts?fields=Email", "");
    }
    assertThat(call("GET", "/Contacts?fields=Email", "").headers().get("X-API-CREDITS-REMAINING")).isEqualTo("4");
    StringBuilder upsert = new StringBuilder("{\"data\":[");
    for (int i = 0; i < 40; i++) {
      upsert.append(i == 0 ? "" : ",").append("{\"Last_Name\":\"L\",\"Email\":\"u").append(i).append("@example.com\"}");
    }
    assertThat(call("POST", "/Contacts/upsert", upsert.append("]}").toString()).status()).as("4 credits").isEqualTo(200);
    Reply spent = call("GET", "/Contacts?fields=Email", "");
    assertThat(spent.status()).isEqualTo(429);
    assertThat(spent.body().path("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
    assertThat(spent.body().path("message").asText()).contains("24 hour");
    clock.advance(Duration.ofHours(24));
    token = token(zoho.clientId(), zoho.clientSecret(), zoho.refreshToken()).body().path("access_token").asText();
    assertThat(call("GET", "/Contacts?fields=Email", "").status()).as("the window rolled").isEqualTo(200);

    zoho.injectFaults(ZohoEmulator.Fault.CONCURRENCY_LIMITED);
    Reply busy = call("GET", "/Contacts?fields=Email", "");
    assertThat(busy.status()).isEqualTo(429);
    assertThat(busy.body().path("message").asText()).contains("concurrency");
    assertThat(zoho.rateLimitedCount()).isEqualTo(2);
    assertThat(zoho.creditsUsed()).isEqualTo(11);
  }

  @Test
  void faultsAreSeededAndTheWriteIsAppliedBeforeALostAnswer() throws IOException {
    start(ZohoEmulator.builder());
    zoho.injectFaults(ZohoEmulator.Fault.DROPPED_CONNECTION);
    OkHttpClient noRetry = HTTP.newBuilder().retryOnConnectionFailure(false).build();
    Request r = new Request.Builder().url(zoho.apiUrl() + "/crm/v8/Contacts/upsert")
        .header("Authorization", "Zoho-oauthtoken " + token)
        .post(RequestBody.create(contacts("lost@example.com"), APPLICATION_JSON)).build();
    assertThatThrownBy(() -> noRetry.newCall(r).execute().close()).isInstanceOf(IOException.class);
    assertThat(zoho.record("Contacts", "Email", "lost@example.com")).isPresent();

    zoho.injectFaults(ZohoEmulator.Fault.TRUNCATED_BODY);
    assertThatThrownBy(() -> {
      try (Response response = noRetry.newCall(r.newBuilder().build()).execute()) {
        response.body().string();
      }
    }).isInstanceOf(IOException.class);
    zoho.injectFaults(ZohoEmulator.Fault.GARBLED_JSON);
    try (Response response = HTTP.newCall(r).execute()) {
      assertThatThrownBy(() -> JSON.readTree(response.body().string())).isInstanceOf(IOException.class);
    }
    zoho.injectFaults(ZohoEmulator.Fault.HTML_ERROR_PAGE);
    try (Response response = HTTP.newCall(r).execute()) {
      assertThat(response.code()).isEqualTo(502);
      assertThat(response.body().string()).contains("<html>");
    }
    assertThat(zoho.faultCount()).isEqualTo(4);
    assertThat(zoho.records("Contacts")).hasSize(1);
  }
}

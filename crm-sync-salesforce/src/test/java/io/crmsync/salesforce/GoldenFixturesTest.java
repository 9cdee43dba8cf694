package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.http.HttpFailure;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.internal.SalesforceErrors;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.FormBody;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Responses recorded from real orgs ({@code ../shared/specs/salesforce}) as golden fixtures: the adapter reads them
 * correctly when a server replays them, and the emulator answers in the same shapes, field for field. Skipped where
 * the shared specs are absent.
 */
class GoldenFixturesTest {
  private static final String CASSETTES = "tasks/bulkdata/tests/cassettes/";
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  private final MockWebServer server = new MockWebServer();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final List<MockResponse> queue = new ArrayList<>();

  @org.junit.jupiter.api.BeforeEach
  void start() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        synchronized (requests) {
          requests.add(request);
          return queue.isEmpty() ? new MockResponse.Builder().code(500).build() : queue.remove(0);
        }
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Replays {@code responses} in order, the token response's instance_url rewritten to this server. */
  private void replay(MockResponse... responses) {
    synchronized (requests) {
      queue.addAll(List.of(responses));
    }
  }

  private MockResponse token(String fixture) throws IOException {
    ObjectNode token = (ObjectNode) mapper.readTree(Fixtures.restforce(fixture));
    token.put("instance_url", server.url("/").toString());
    return json(200, token.toString());
  }

  private static MockResponse json(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json;charset=UTF-8")
        .setHeader("Sforce-Limit-Info", "api-usage=18/5000").body(body).build();
  }

  private SalesforceAdapter refreshAdapter() {
    return SalesforceAdapter.create(AdapterConfig.fromMap("salesforce", Map.of(
        "loginUrl", server.url("/").toString(), "clientId", "client", "refreshToken", "refresh-secret")));
  }

  // ------------------------------------------------------------------ the adapter against recorded responses

  @Test
  void recordedTokenAndQueryPagesAreReadAndFollowed() throws Exception {
    replayWithToken("auth_success_response.json",
        json(200, Fixtures.restforce("sobject/query_paginated_first_page_response.json")),
        json(200, Fixtures.restforce("sobject/query_paginated_last_page_response.json")));
  }

  private void replayWithToken(String tokenFixture, MockResponse... rest) throws Exception {
    MockWebServer fresh = new MockWebServer();
    fresh.start();
    try {
      ObjectNode token = (ObjectNode) mapper.readTree(Fixtures.restforce(tokenFixture));
      token.put("instance_url", fresh.url("/").toString());
      List<MockResponse> queue = new ArrayList<>();
      queue.add(json(200, token.toString()));
      queue.addAll(List.of(rest));
      fresh.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          synchronized (requests) {
            requests.add(request);
            return queue.remove(0);
          }
        }
      });
      SalesforceAdapter a = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce", Map.of(
          "loginUrl", fresh.url("/").toString(), "clientId", "client", "refreshToken", "refresh-secret")));
      ReadRequest r = ReadRequest.of("Whizbang").withFields(List.of("Text_Label")).withPageSize(500);
      Page first = a.read(r);
      assertThat(first.records()).singleElement().satisfies(x -> {
        assertThat(x.objectType()).isEqualTo("Whizbang");
        assertThat(x.fields()).containsEntry("Text_Label", "First Page");
      });
      assertThat(first.nextCursor()).isEqualTo("q:/services/data/v26.0/query/01gD");
      Page last = a.read(r.withCursor(first.nextCursor()));
      assertThat(last.records()).singleElement().satisfies(x -> assertThat(x.fields()).containsEntry("Text_Label", "Last Page"));
      assertThat(last.hasMore()).isFalse();

      String accessToken = token.get("access_token").asText();
      assertThat(requests.get(0).getBody().utf8()).contains("grant_type=refresh_token").contains("refresh_token=refresh-secret");
      assertThat(requests.get(1).getHeaders().get("Authorization")).isEqualTo("Bearer " + accessToken);
      assertThat(requests.get(1).getHeaders().get("Sforce-Query-Options")).isEqualTo("batchSize=500");
      assertThat(requests.get(1).getUrl().queryParameter("q")).isEqualTo("SELECT Id, SystemModstamp, Text_Label FROM Whizbang");
      assertThat(requests.get(2).getUrl().encodedPath()).isEqualTo("/services/data/v26.0/query/01gD");
      assertThat(a.apiUsage()).get().satisfies(u -> assertThat(u.used()).isEqualTo(18));
    } finally {
      fresh.close();
    }
  }

  @Test
  void aRecordedExpiredSessionTriggersOneReauthenticationThenAnAuthenticationError() throws Exception {
    String expired = Fixtures.restforce("expired_session_response.json");
    replay(token("auth_success_response.json"), json(401, expired), token("reauth_success_response.json"), json(401, expired));
    SalesforceAdapter a = refreshAdapter();
    assertThatThrownBy(() -> a.read(ReadRequest.of("Whizbang").withFields(List.of("Name"))))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("INVALID_SESSION_ID");
    assertThat(requests).hasSize(4);
    assertThat(requests.get(3).getHeaders().get("Authorization")).isEqualTo("Bearer new_access_token");
  }

  @Test
  void aRecordedExpiredSessionFollowedByARecordedQueryRecovers() throws Exception {
    replay(token("auth_success_response.json"), json(401, Fixtures.restforce("expired_session_response.json")),
        token("refresh_success_response.json"), json(200, Fixtures.restforce("sobject/query_success_response.json")));
    Page p = refreshAdapter().read(ReadRequest.of("Whizbang").withFields(List.of("Text_Label")).withPageSize(500));
    assertThat(p.records()).singleElement().satisfies(r -> {
      assertThat(r.fields()).containsEntry("Text_Label", "Hi there!").containsEntry("Checkbox_Label", false)
          .containsEntry("DateTime_Label", "2011-07-07T00:37:00.000+0000").doesNotContainKey("ParentWhizbang__r");
    });
    assertThat(requests.get(3).getHeaders().get("Authorization")).isEqualTo("Bearer refreshed_access_token");
  }

  @Test
  void recordedErrorBodiesMapToTypedExceptions() {
    assertThat(mapApi(401, "expired_session_response.json")).isInstanceOf(CrmAuthenticationException.class);
    assertThat(mapApi(400, "sobject/write_error_response.json"))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("INVALID_FIELD: No such column 'foo'");
    assertThat(mapApi(400, "sobject/query_error_response.json")).isInstanceOf(CrmRequestException.class);
    assertThat(mapApi(404, "sobject/upsert_error_response.json"))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("NOT_FOUND");
    assertThat(mapApi(300, "sobject/upsert_multiple_error_response.json"))
        .isInstanceOf(CrmRequestException.class)
        .hasMessageContaining("matches 2 records")
        .hasMessageContaining("/services/data/v23.0/sobjects/Whizbang/bar");
    CrmSyncException oauth = SalesforceErrors.oauth().map(failure(400, Fixtures.restforce("auth_error_response.json")));
    assertThat(oauth).isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("invalid_grant").hasMessageContaining("Invalid Password");
    assertThat(SalesforceErrors.oauth().map(failure(400, Fixtures.restforce("refresh_error_response.json"))))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("expired access/refresh token");
  }

  private CrmSyncException mapApi(int status, String fixture) {
    return SalesforceErrors.api().map(failure(status, Fixtures.restforce(fixture)));
  }

  private HttpFailure failure(int status, String body) {
    JsonNode json;
    try {
      json = mapper.readTree(body);
    } catch (IOException e) {
      json = null;
    }
    return new HttpFailure("salesforce", "GET /services/data/v66.0/x", status, Headers.of(), body, json, null, Instant.now());
  }

  @Test
  void aRecordedCollectionsUpsertIsSentAndReadAsRecorded() throws Exception {
    String cassette = Fixtures.cassette(CASSETTES + "TestUpsert.test_simple_upsert__rest.yaml");
    String describe = Fixtures.responseBodyAfter(Fixtures.cassette("tests/shared_cassettes/GET_sobjects_Contact_describe.yaml"), "uri:");
    String marker = "composite/sobjects/Contact/Email";
    String recordedRequest = Fixtures.requestBodyAfter(cassette, marker);
    String recordedResponse = Fixtures.responseBodyAfter(cassette, marker);
    replay(token("auth_success_response.json"), json(200, describe), json(200, recordedResponse));

    List<CrmRecord> records = new ArrayList<>();
    for (JsonNode r : mapper.readTree(recordedRequest).get("records")) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put(Contact.Fields.FIRST_NAME, r.get("FirstName").asText());
      f.put(Contact.Fields.LAST_NAME, r.get("LastName").asText());
      f.put(Contact.Fields.EMAIL, r.get("Email").asText());
      records.add(CrmRecord.of(ObjectTypes.CONTACT, f));
    }
    List<RecordResult> results = refreshAdapter().upsert(ObjectTypes.CONTACT, records, MatchKey.email());

    RecordedRequest patch = requests.get(2);
    assertThat(patch.getMethod()).isEqualTo("PATCH");
    assertThat(patch.getUrl().encodedPath()).isEqualTo("/services/data/v66.0/composite/sobjects/Contact/Email");
    assertThat(mapper.readTree(patch.getBody().utf8())).as("request body as recorded").isEqualTo(mapper.readTree(recordedRequest));
    JsonNode recorded = mapper.readTree(recordedResponse);
    assertThat(results).hasSize(16);
    for (int i = 0; i < 16; i++) {
      assertThat(results.get(i).status()).isEqualTo(RecordResult.Status.CREATED);
      assertThat(results.get(i).id()).isEqualTo(recorded.get(i).get("id").asText());
    }
  }

  // ------------------------------------------------------------------ the emulator against recorded responses

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Contact", "Account", "Opportunity"})
  void theEmulatorsDescribeHasTheRecordedShapeFieldForField(String sObject) throws Exception {
    JsonNode recorded = mapper.readTree(Fixtures.responseBodyAfter(
        Fixtures.cassette("tests/shared_cassettes/GET_sobjects_" + sObject + "_describe.yaml"), "uri:"));
    try (SalesforceEmulator sf = SalesforceEmulator.builder().build().start()) {
      JsonNode emulated = mapper.readTree(call(sf, "GET", "/services/data/v66.0/sobjects/" + sObject + "/describe", null).body().string());
      // recordings of older API versions lack keys newer versions added; every recorded key must be there
      assertThat(names(emulated)).containsAll(names(recorded));
      Map<String, JsonNode> recordedFields = new LinkedHashMap<>();
      recorded.get("fields").forEach(f -> recordedFields.put(f.get("name").asText(), f));
      Set<String> fieldKeys = names(recorded.get("fields").get(0));
      int compared = 0;
      org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
      for (JsonNode f : emulated.get("fields")) {
        assertThat(names(f)).as("keys of field " + f.get("name")).containsAll(fieldKeys);
        JsonNode r = recordedFields.get(f.get("name").asText());
        if (r == null) {
          continue;
        }
        compared++;
        for (String k : List.of("type", "soapType", "idLookup", "createable", "updateable", "nillable", "custom",
            "externalId", "length", "defaultedOnCreate", "referenceTo", "relationshipName", "unique")) {
          soft.assertThat(f.get(k)).as(f.get("name").asText() + "." + k).isEqualTo(r.get(k));
        }
      }
      soft.assertAll();
      assertThat(compared).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void theEmulatorsErrorsTokensAndQueriesHaveTheRecordedShape() throws Exception {
    try (SalesforceEmulator sf = SalesforceEmulator.builder().build().start()) {
      Response expired = new OkHttpClient().newCall(new Request.Builder()
          .url(sf.url() + "/services/data/v66.0/limits").header("Authorization", "Bearer nope").build()).execute();
      assertThat(expired.code()).isEqualTo(401);
      assertThat(mapper.readTree(expired.body().string()))
          .isEqualTo(mapper.readTree(Fixtures.restforce("expired_session_response.json")));

      JsonNode token = tokenOf(sf);
      assertThat(names(token)).containsAll(names(mapper.readTree(Fixtures.restforce("auth_success_response.json"))));
      token.properties().forEach(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());

      Response badGrant = new OkHttpClient().newCall(new Request.Builder().url(sf.url() + "/services/oauth2/token")
          .post(new FormBody.Builder().add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
              .add("assertion", "x.y.z").build()).build()).execute();
      assertThat(badGrant.code()).isEqualTo(400);
      assertThat(names(mapper.readTree(badGrant.body().string())))
          .isEqualTo(names(mapper.readTree(Fixtures.restforce("auth_error_response.json"))));

      sf.insert("Contact", Map.of("LastName", "Bluth", "FirstName", "Lindsay"));
      JsonNode query = mapper.readTree(call(sf, "GET", "/services/data/v66.0/query/?q=select+FirstName+from+Contact", null).body().string());
      String cassette = Fixtures.cassette(CASSETTES + "TestUpsert.test_simple_upsert__rest.yaml");
      JsonNode recorded = mapper.readTree(Fixtures.responseBodyAfter(cassette, "q=select+FirstName+from+Contact"));
      assertThat(names(query)).isEqualTo(names(recorded));
      assertThat(names(query.get("records").get(0))).isEqualTo(names(recorded.get("records").get(0)));
      assertThat(names(query.get("records").get(0).get("attributes"))).isEqualTo(names(recorded.get("records").get(0).get("attributes")));
      assertThat(query.get("records").get(0).get("attributes").get("url").asText())
          .matches("/services/data/v66\\.0/sobjects/Contact/003\\w{15}");
    }
  }

  @Test
  void theEmulatorReplaysARecordedUpsertSessionWithTheRecordedOutcomes() throws Exception {
    String cassette = Fixtures.cassette(CASSETTES + "TestUpsert.test_simple_upsert__rest.yaml");
    String marker = "composite/sobjects/Contact/Email";
    int second = cassette.indexOf(marker, cassette.indexOf(marker) + 1);
    try (SalesforceEmulator sf = SalesforceEmulator.builder().build().start()) {
      Map<String, String> idByEmail = new LinkedHashMap<>();
      for (String part : List.of(cassette, cassette.substring(second - 100))) {
        String body = Fixtures.requestBodyAfter(part, marker);
        JsonNode recorded = mapper.readTree(Fixtures.responseBodyAfter(part, marker));
        JsonNode emulated = mapper.readTree(call(sf, "PATCH", "/services/data/v66.0/" + marker, body).body().string());
        JsonNode sent = mapper.readTree(body).get("records");
        assertThat(emulated).hasSize(recorded.size());
        for (int i = 0; i < recorded.size(); i++) {
          assertThat(names(emulated.get(i))).isEqualTo(names(recorded.get(i)));
          assertThat(emulated.get(i).get("success")).isEqualTo(recorded.get(i).get("success"));
          assertThat(emulated.get(i).get("created")).as("created of " + sent.get(i).get("Email")).isEqualTo(recorded.get(i).get("created"));
          String email = sent.get(i).get("Email").asText().toLowerCase(java.util.Locale.ROOT);
          String previous = idByEmail.putIfAbsent(email, emulated.get(i).get("id").asText());
          if (previous != null) {
            assertThat(emulated.get(i).get("id").asText()).as("an update keeps the id").isEqualTo(previous);
          }
        }
      }
    }
  }

  private static Set<String> names(JsonNode n) {
    Set<String> out = new HashSet<>();
    n.properties().forEach(e -> out.add(e.getKey()));
    return out;
  }

  private JsonNode tokenOf(SalesforceEmulator sf) throws IOException {
    try (Response r = new OkHttpClient().newCall(new Request.Builder().url(sf.url() + "/services/oauth2/token")
        .post(new FormBody.Builder().add("grant_type", "client_credentials").add("client_id", "c")
            .add("client_secret", "s").build()).build()).execute()) {
      return mapper.readTree(r.body().string());
    }
  }

  private Response call(SalesforceEmulator sf, String method, String path, String body) throws IOException {
    String token = tokenOf(sf).get("access_token").asText();
    OkHttpClient client = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
    return client.newCall(new Request.Builder().url(sf.url() + path).header("Authorization", "Bearer " + token)
        .method(method, body == null ? null : RequestBody.create(body, okhttp3.MediaType.get("application/json"))).build()).execute();
  }
}

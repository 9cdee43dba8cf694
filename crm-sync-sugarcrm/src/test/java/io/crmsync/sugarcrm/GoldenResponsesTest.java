package io.crmsync.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adapter against Sugar's documented example responses, served as they are, and against the pages a
 * proxy or a broken instance sends instead.
 */
class GoldenResponsesTest {
  /**
   * The token response of "How to Authenticate and Log Out" (Sugar Developer Guide 14.0, Cookbook, REST API,
   * bash): https://support.sugarcrm.com/documentation/sugar_developer/sugar_developer_guide_14.0/cookbook/web_services/rest_api/bash/how_to_authenticate_and_log_out
   */
  static final String TOKEN = """
      {"access_token":"c6d495c9-bb25-81d2-5f81-533ef6479f9b","expires_in":3600,"token_type":"bearer","scope":null,
       "refresh_token":"cbc40e67-12bc-4b56-a1d9-533ef62f2601","refresh_expires_in":1209600,
       "download_token":"cc5d1a9f-6627-3349-96e5-533ef6b1a493"}""";

  /**
   * The first record of the response example of /<module>/filter POST:
   * https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_13.0/Integration/Web_Services/REST_API/Endpoints/module_filter_POST/
   */
  static final String FILTER_PAGE = """
      {"next_offset":-1,"records":[{"id":"fa300a0e-0ad1-b322-9601-512d0983c19a","name":"Dale Spivey",
       "date_entered":"2013-02-26T19:12:00+00:00","date_modified":"2013-02-28T05:03:00+00:00","modified_user_id":"1",
       "modified_by_name":"Administrator","created_by":"1","created_by_name":"Administrator","description":"","img":"",
       "deleted":false,"assigned_user_id":"seed_sally_id","assigned_user_name":"Sally Bronsen",
       "team_name":[{"id":"East","name":"East","name_2":"","primary":false},{"id":1,"name":"Global","name_2":"","primary":false},
                    {"id":"West","name":"West","name_2":"","primary":true}],
       "salutation":"","first_name":"Dale","last_name":"Spivey","full_name":"Dale Spivey","title":"VP Operations",
       "department":"","do_not_call":false,"phone_home":"(523) 825-4311",
       "email":[{"email_address":"sugar.dev.sugar@example.co.jp","opt_out":"0","invalid_email":"0","primary_address":"1"},
                {"email_address":"the.support@example.biz","opt_out":"0","invalid_email":"0","primary_address":"0"}],
       "phone_mobile":"(373) 861-0757","phone_work":"(212) 542-9596","phone_other":"","phone_fax":"",
       "email1":"sugar.dev.sugar@example.co.jp","email2":"the.support@example.biz","invalid_email":false,"email_opt_out":false,
       "primary_address_street":"345 Sugar Blvd.","primary_address_city":"Denver","primary_address_state":"CA",
       "primary_address_postalcode":"87261","primary_address_country":"USA","lead_source":"Campaign",
       "account_name":"Smallville Resources Inc","account_id":"d5db6292-5c24-eb61-e202-512d09f0134e","my_favorite":false,
       "_acl":{"fields":{}}}]}""";

  /**
   * Module metadata as {@code GET /metadata?type_filter=modules&module_filter=Contacts} answers it (a subset of
   * the stock vardefs).
   */
  static final String METADATA = """
      {"modules":{"Contacts":{"fields":{
        "id":{"name":"id","type":"id"},"first_name":{"name":"first_name","type":"varchar","len":"100"},
        "last_name":{"name":"last_name","type":"varchar","len":"100","required":true},
        "email":{"name":"email","type":"email","source":"non-db"},"title":{"name":"title","type":"varchar","len":"100"},
        "account_name":{"name":"account_name","type":"relate","source":"non-db","module":"Accounts"},
        "date_modified":{"name":"date_modified","type":"datetime","readonly":true},
        "date_entered":{"name":"date_entered","type":"datetime","readonly":true}}},
       "Accounts":{"fields":{"id":{"name":"id","type":"id"},"name":{"name":"name","type":"name","len":"150","required":true},
        "date_modified":{"name":"date_modified","type":"datetime"}}}},"_hash":"x"}""";

  /**
   * The response example of /bulk POST (Sugar's in-product help, include/api/help/bulk_post_help.html; quoted in
   * "Enhancing performance using Sugar 7 Bulk API", community.sugarcrm.com, 2015-07-20).
   */
  static final String BULK_CREATED = """
      [{"contents":{"my_favorite":false,"following":true,"id":"7d2e21a6-8a76-a74f-bb53-535620211304","name":"test123",
        "date_entered":"2014-04-22T03:56:24-04:00","_module":"Accounts"},"headers":[],"status":200}]""";

  final FakeTimeSource clock = new FakeTimeSource(Instant.parse("2026-01-01T00:00:00Z"));
  final ObjectMapper json = new ObjectMapper();
  MockWebServer server;
  SugarCrmAdapter adapter;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    adapter = SugarCrmAdapter.create(AdapterConfig.builder("sugarcrm").timeSource(clock).httpClient(Emulated.CLIENT)
        .settings(Map.of("baseUrl", server.url("/").toString(), "username", "admin", "password", "pw-Secret-1",
            "readRetries", "0"))
        .build());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void enqueue(int status, String body) {
    server.enqueue(new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build());
  }

  private RecordedRequest take() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  private JsonNode body(RecordedRequest r) throws Exception {
    return json.readTree(r.getBody().utf8());
  }

  @Test
  void theDocumentedFilterPageReadsAsOneContactAndEndsTheRead() throws Exception {
    enqueue(200, TOKEN);
    enqueue(200, METADATA);
    enqueue(200, FILTER_PAGE);
    Page page = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(50));

    assertThat(page.nextCursor()).as("next_offset -1: the last page").isNull();
    CrmRecord r = page.records().get(0);
    assertThat(r.id()).isEqualTo("fa300a0e-0ad1-b322-9601-512d0983c19a");
    assertThat(r.modifiedAt()).isEqualTo(Instant.parse("2013-02-28T05:03:00Z"));
    assertThat(r.fields()).containsEntry("email", "sugar.dev.sugar@example.co.jp").containsEntry("firstName", "Dale")
        .containsEntry("lastName", "Spivey").containsEntry("title", "VP Operations").containsEntry("phone", "(212) 542-9596")
        .containsEntry("city", "Denver").containsEntry("postalCode", "87261").containsEntry("company", "Smallville Resources Inc")
        .containsEntry("ownerId", "seed_sally_id").containsEntry("createdAt", "2013-02-26T19:12:00Z")
        .doesNotContainKeys("email1", "email2", "full_name", "_acl", "date_modified", "deleted", "name");

    RecordedRequest login = take();
    assertThat(login.getUrl().encodedPath()).isEqualTo("/rest/v11_10/oauth2/token");
    JsonNode grant = body(login);
    assertThat(grant.path("grant_type").asText()).isEqualTo("password");
    assertThat(grant.path("client_id").asText()).isEqualTo("sugar");
    assertThat(grant.path("platform").asText()).isEqualTo("crmsync");
    RecordedRequest metadata = take();
    assertThat(metadata.getUrl().queryParameter("module_filter")).isEqualTo("Contacts");
    assertThat(metadata.getHeaders().get("OAuth-Token")).isEqualTo("c6d495c9-bb25-81d2-5f81-533ef6479f9b");
    RecordedRequest filter = take();
    assertThat(filter.getMethod()).isEqualTo("POST");
    assertThat(filter.getUrl().encodedPath()).isEqualTo("/rest/v11_10/Contacts/filter");
    JsonNode f = body(filter);
    assertThat(f.path("order_by").asText()).isEqualTo("id:ASC");
    assertThat(f.path("max_num").asInt()).isEqualTo(50);
    assertThat(f.path("fields").asText()).contains("email", "first_name", "date_modified");
  }

  @Test
  void anIncrementalReadFiltersOnDateModifiedFromTheSecondOfSinceLessTheOverlap() throws Exception {
    enqueue(200, TOKEN);
    enqueue(200, METADATA);
    enqueue(200, "{\"next_offset\":1,\"records\":[{\"id\":\"a\",\"date_modified\":\"2026-01-01T10:00:05-04:00\"}]}");
    Page page = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.parse("2026-01-01T15:00:00.750Z")));
    assertThat(page.nextCursor()).isNotNull();
    take();
    take();
    JsonNode first = body(take());
    assertThat(first.path("order_by").asText()).isEqualTo("date_modified:ASC,id:ASC");
    assertThat(first.path("filter").get(0).path("date_modified").path("$gte").asText()).isEqualTo("2026-01-01T14:59:00+00:00");

    enqueue(200, "{\"next_offset\":-1,\"records\":[]}");
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.parse("2026-01-01T15:00:00Z")).withCursor(page.nextCursor()));
    JsonNode next = body(take()).path("filter").get(0).path("$or");
    assertThat(next.get(0).path("date_modified").path("$gt").asText()).isEqualTo("2026-01-01T10:00:05-04:00");
    assertThat(next.get(1).path("$and").get(1).path("id").path("$gt").asText()).isEqualTo("a");
  }

  @Test
  void aCreateAnsweredAsTheBulkHelpShowsIsACreatedRecord() throws Exception {
    enqueue(200, TOKEN);
    enqueue(200, METADATA);
    enqueue(200, "{\"next_offset\":-1,\"records\":[]}"); // no Account named test123 yet
    enqueue(200, BULK_CREATED);
    List<RecordResult> results = adapter.upsert(ObjectTypes.COMPANY,
        List.of(CrmRecord.of(ObjectTypes.COMPANY, Map.of("name", "test123"))), MatchKey.field("name"));
    assertThat(results).singleElement().isEqualTo(RecordResult.created(0, "7d2e21a6-8a76-a74f-bb53-535620211304"));
    take();
    take();
    JsonNode lookup = body(take());
    assertThat(lookup.path("filter").get(0).path("name").path("$in").get(0).asText()).isEqualTo("test123");
    RecordedRequest bulk = take();
    assertThat(bulk.getUrl().encodedPath()).isEqualTo("/rest/v11_10/bulk");
    JsonNode request = body(bulk).path("requests").get(0);
    assertThat(request.path("url").asText()).isEqualTo("/v11_10/Accounts");
    assertThat(request.path("method").asText()).isEqualTo("POST");
    assertThat(request.path("data").isTextual()).as("data is a JSON-encoded string").isTrue();
    assertThat(json.readTree(request.path("data").asText()).path("name").asText()).isEqualTo("test123");
  }

  @Test
  void syncKeyUpsertsMapTheDocumentedStatusesToCreatedAndUpdated() throws Exception {
    // /<module>/sync_key/:sync_key_field_value PATCH: 201 for a created record, 200 for an updated one, {record: id}
    enqueue(200, TOKEN);
    enqueue(200, METADATA.replace("\"title\":{", "\"sync_key\":{\"name\":\"sync_key\",\"type\":\"varchar\"},\"title\":{"));
    enqueue(200, """
        [{"contents":{"record":"a0328573-a252-a27c-3530-4e4297d4c9e1"},"headers":[],"status":201},
         {"contents":{"record":"b0328573-a252-a27c-3530-4e4297d4c9e1"},"headers":[],"status":200},
         {"contents":{"error":"invalid_parameter","error_message":"not-an-email is an invalid email address"},"headers":[],"status":422}]""");
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        CrmRecord.of(ObjectTypes.CONTACT, Map.of("sync_key", "k1", "lastName", "A")),
        CrmRecord.of(ObjectTypes.CONTACT, Map.of("sync_key", "k 2/x", "lastName", "B")),
        CrmRecord.of(ObjectTypes.CONTACT, Map.of("sync_key", "k3", "email", "not-an-email"))), MatchKey.field("sync_key"));
    assertThat(results.get(0)).isEqualTo(RecordResult.created(0, "a0328573-a252-a27c-3530-4e4297d4c9e1"));
    assertThat(results.get(1)).isEqualTo(RecordResult.updated(1, "b0328573-a252-a27c-3530-4e4297d4c9e1"));
    assertThat(results.get(2).error().code()).isEqualTo("invalid_parameter");
    assertThat(results.get(2).error().retryable()).isFalse();
    assertThat(results.get(2).error().fieldErrors()).singleElement().satisfies(f -> assertThat(f.field()).isEqualTo("email"));
    take();
    take();
    JsonNode requests = body(take()).path("requests");
    assertThat(requests.get(0).path("url").asText()).isEqualTo("/v11_10/Contacts/sync_key/k1");
    assertThat(requests.get(0).path("method").asText()).isEqualTo("PATCH");
    assertThat(requests.get(1).path("url").asText()).as("the key is one path segment").isEqualTo("/v11_10/Contacts/sync_key/k%202%2Fx");
    assertThat(json.readTree(requests.get(0).path("data").asText()).has("sync_key")).isFalse();
  }

  @Test
  void aTokenExpiredMidRunIsRenewedWithTheRefreshTokenAndTheCallRepeated() throws Exception {
    enqueue(200, TOKEN);
    enqueue(401, "{\"error\":\"invalid_grant\",\"error_message\":\"The access token provided has expired.\"}");
    enqueue(200, TOKEN.replace("c6d495c9", "d6d495c9"));
    enqueue(200, METADATA);
    enqueue(200, "{\"next_offset\":-1,\"records\":[]}");
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    take();
    take();
    JsonNode refresh = body(take());
    assertThat(refresh.path("grant_type").asText()).isEqualTo("refresh_token");
    assertThat(refresh.path("refresh_token").asText()).isEqualTo("cbc40e67-12bc-4b56-a1d9-533ef62f2601");
    assertThat(take().getHeaders().get("OAuth-Token")).isEqualTo("d6d495c9-bb25-81d2-5f81-533ef6479f9b");
  }

  @Test
  void a429WithRetryAfterIsARateLimitOfThatWait() {
    enqueue(200, TOKEN);
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "30")
        .setHeader("Content-Type", "application/json")
        .body("{\"error\":\"too_many_requests\",\"error_message\":\"Too many requests\"}").build());
    assertThatThrownBy(() -> adapter.describe(ObjectTypes.CONTACT))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30)))
        .hasMessageContaining("too_many_requests");
  }

  @Test
  void maintenanceModeIsUnavailableAndAWrongVersionIsAConfigurationError() {
    enqueue(200, TOKEN);
    enqueue(503, "{\"error\":\"maintenance\",\"error_message\":\"SugarCRM is in maintenance mode.\"}");
    assertThatThrownBy(() -> adapter.describe(ObjectTypes.CONTACT)).isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("maintenance");
    enqueue(301, "{\"error\":\"incorrect_version\",\"error_message\":\"Please change your requested API version to value between 10 and 11.1.\"}");
    assertThatThrownBy(() -> adapter.describe(ObjectTypes.CONTACT)).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("apiVersion");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "[1,2,3]", "{\"records\":{},\"next_offset\":-1}", "{\"records\":[],\"next_offset\":\"-1\"}",
      "{\"next_offset\":-1,\"records\":[{\"name\":\"no id\"}]}", "{\"next_offset\":-1,\"records\":[7]}",
      "{\"next_offset\":20,\"records\":[]}", "{\"next_offset\":-1,\"records\":[{\"id\":\"a\",\"date_modified\":\"yesterday\"}]}",
      "<html><body>Bad gateway</body></html>", "{\"next_offset\":-1,\"rec", ""})
  void aPageWithoutTheDocumentedShapeIsUnavailableNeverAnEmptyPage(String page) {
    enqueue(200, TOKEN);
    enqueue(200, METADATA);
    server.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", page.startsWith("<") ? "text/html" : "application/json")
        .body(page).build());
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageNotContaining("pw-Secret-1");
  }

  @Test
  void aBulkAnswerWithTheWrongNumberOfResultsIsUnavailable() {
    enqueue(200, TOKEN);
    enqueue(200, METADATA);
    enqueue(200, "{\"next_offset\":-1,\"records\":[]}");
    enqueue(200, "[]");
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.COMPANY,
        List.of(CrmRecord.of(ObjectTypes.COMPANY, Map.of("name", "x"))), MatchKey.field("name")))
        .isInstanceOf(CrmUnavailableException.class).hasMessageContaining("0 results for 1 requests");
  }

  @Test
  void aTokenAnswerIsNeverQuotedEvenWhenGarbled() {
    enqueue(200, TOKEN.substring(0, 60));
    assertThatThrownBy(() -> adapter.describe(ObjectTypes.CONTACT))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageNotContaining("c6d495c9")
        .hasMessageContaining("not shown");
  }
}

package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adapter against Zoho's documented answers, served as they are written in Zoho's OpenAPI examples
 * (https://github.com/zoho/crm-oas, v8.0), and against answers that do not have the documented shape.
 */
class GoldenResponsesTest {
  /** A Leads module described in the Fields Metadata API's shape (getFields.md), with the fields used below. */
  private static final String LEADS_FIELDS = """
      {"fields":[
        {"api_name":"Last_Name","data_type":"text","length":80,"system_mandatory":true,"read_only":false,
         "field_read_only":false,"custom_field":false,"unique":{},"pick_list_values":[],"lookup":{}},
        {"api_name":"Email","data_type":"email","length":100,"system_mandatory":false,"read_only":false,
         "field_read_only":false,"custom_field":false,"unique":{},"pick_list_values":[],"lookup":{}},
        {"api_name":"Company","data_type":"text","length":200,"system_mandatory":false,"read_only":false,
         "field_read_only":false,"custom_field":false,"unique":{},"pick_list_values":[],"lookup":{}},
        {"api_name":"Owner","data_type":"ownerlookup","length":120,"system_mandatory":false,"read_only":false,
         "field_read_only":true,"custom_field":false,"unique":{},"pick_list_values":[],"lookup":{}},
        {"api_name":"Modified_Time","data_type":"datetime","length":120,"system_mandatory":false,"read_only":true,
         "field_read_only":true,"custom_field":false,"unique":{},"pick_list_values":[],"lookup":{}}
      ]}""";

  /** Modules other than the canonical three keep their API names: a lead's email is {@code Email}. */
  private static final MatchKey EMAIL = new MatchKey("Email", true);

  private MockWebServer server;
  private final Deque<MockResponse> api = new ArrayDeque<>();
  private final Deque<RecordedRequest> seen = new ArrayDeque<>();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (path.equals("/oauth/v2/token")) {
          return json(200, "{\"access_token\":\"1000.golden.token\",\"scope\":\"ZohoCRM.modules.ALL\",\"api_domain\":\""
              + server.url("/").toString().replaceAll("/$", "") + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
        }
        seen.add(request);
        if (path.equals("/crm/v8/settings/fields")) {
          return json(200, LEADS_FIELDS);
        }
        MockResponse next = api.poll();
        return next != null ? next : json(500, "{\"code\":\"INTERNAL_ERROR\",\"message\":\"no answer queued\",\"status\":\"error\",\"details\":{}}");
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static MockResponse json(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json;charset=UTF-8").body(body).build();
  }

  private ZohoAdapter adapter(String... settings) {
    AdapterConfig.Builder b = AdapterConfig.builder("zoho").setting("accountsUrl", server.url("/").toString())
        .setting("clientId", "1000.CLIENT").setting("clientSecret", "secret").setting("refreshToken", "1000.refresh")
        .setting("readRetries", "0").httpClient(Emulated.CLIENT);
    for (int i = 0; i + 1 < settings.length; i += 2) {
      b.setting(settings[i], settings[i + 1]);
    }
    return ZohoAdapter.create(b.build());
  }

  private static CrmRecord lead(String email, String company) {
    return CrmRecord.of("Leads", Map.of("Last_Name", "Doe", "Email", email, "Company", company));
  }

  @Test
  void upsertSuccessMapsActionsToCreatedAndUpdated() {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md, status 200
    api.add(json(200, """
        {"data":[
          {"code":"SUCCESS","duplicate_field":"Email","action":"update","details":{"Modified_Time":"2020-10-14T10:31:43+05:30",
           "Modified_By":{"name":"Patricia Boyle","id":"4150868000000225013"},"Created_Time":"2019-09-11T16:21:15+05:30",
           "id":"4150868000000376008","Created_By":{"name":"Patricia Boyle","id":"4150868000000225013"}},
           "message":"record updated","status":"success"},
          {"code":"SUCCESS","duplicate_field":"Email","action":"insert","details":{"Modified_Time":"2020-10-14T10:31:43+05:30",
           "Modified_By":{"name":"Patricia Boyle","id":"4150868000000225013"},"Created_Time":"2020-10-14T10:31:43+05:30",
           "id":"4150868000003194003","Created_By":{"name":"Patricia Boyle","id":"4150868000000225013"}},
           "message":"record added","status":"success"}]}"""));
    List<RecordResult> results = adapter().upsert("Leads", List.of(lead("a@example.com", "Zylker"), lead("b@example.com", "Zoho")),
        EMAIL);
    assertThat(results).containsExactly(RecordResult.updated(0, "4150868000000376008"),
        RecordResult.created(1, "4150868000003194003"));
  }

  @Test
  void upsertMixedResultsFailTheRecordNamingTheField() throws Exception {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md, status 207
    api.add(json(207, """
        {"data":[
          {"code":"SUCCESS","duplicate_field":"Email","action":"insert","details":{"Modified_Time":"2023-05-10T01:10:47-07:00",
           "Modified_By":{"name":"Patricia Boyle","id":"5725767000000411001"},"Created_Time":"2023-05-10T01:10:47-07:00",
           "id":"111112000000142001","Created_By":{"name":"Patricia Boyle","id":"5725767000000411001"}},
           "message":"record added","status":"success"},
          {"code":"INVALID_DATA","details":{"expected_data_type":"text","api_name":"Company","json_path":"$.data[1].Company"},
           "message":"invalid data","status":"error"}]}"""));
    List<RecordResult> results = adapter().upsert("Leads", List.of(lead("a@example.com", "Zylker"), lead("b@example.com", "x")),
        EMAIL);
    assertThat(results.get(0)).isEqualTo(RecordResult.created(0, "111112000000142001"));
    assertThat(results.get(1).error().code()).isEqualTo("INVALID_DATA");
    assertThat(results.get(1).error().fieldErrors().get(0).field()).isEqualTo("Company");
    assertThat(results.get(1).error().message()).contains("expected text");
    RecordedRequest upsert = seen.stream().filter(r -> r.getUrl().encodedPath().endsWith("/upsert")).findFirst().orElseThrow();
    assertThat(upsert.getHeaders().get("Authorization")).isEqualTo("Zoho-oauthtoken 1000.golden.token");
    assertThat(upsert.getBody().utf8()).contains("\"duplicate_check_fields\":[\"Email\"]").contains("\"Email\":\"a@example.com\"");
  }

  @Test
  void aRequestLevelErrorInsideDataIsNotTakenForPerRecordResults() {
    // INVALID_MODULE and AUTHORIZATION_FAILED come in a data array of one entry:
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md
    api.add(json(400, "{\"data\":[{\"code\":\"INVALID_MODULE\",\"details\":{\"resource_path_index\":0},"
        + "\"message\":\"the module name given seems to be invalid\",\"status\":\"error\"}]}"));
    api.add(json(400, "{\"data\":[{\"code\":\"AUTHORIZATION_FAILED\",\"details\":{\"resource_path_index\":0},"
        + "\"message\":\"User does not have sufficient privilege to perform this action\",\"status\":\"error\"}]}"));
    ZohoAdapter adapter = adapter();
    assertThatThrownBy(() -> adapter.upsert("Leads", List.of(lead("a@example.com", "Z")), EMAIL))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("INVALID_MODULE");
    assertThatThrownBy(() -> adapter.upsert("Leads", List.of(lead("a@example.com", "Z")), EMAIL))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("privilege");
  }

  @Test
  void coqlPagesFollowInfoMoreRecordsByKeyset() throws Exception {
    // the COQL answer's shape: data, and info with count and more_records
    // https://github.com/zoho/crm-oas/blob/main/v8.0/coql/mds/examples/executeCOQLQuery.md
    api.add(json(200, "{\"data\":[{\"id\":\"4413054000000682520\",\"Last_Name\":\"Smith\",\"Modified_Time\":"
        + "\"2023-10-15T14:20:00+05:30\"}],\"info\":{\"count\":1,\"more_records\":true}}"));
    api.add(json(200, "{\"data\":[{\"id\":\"4413054000000682600\",\"Last_Name\":\"Jones\",\"Modified_Time\":"
        + "\"2023-10-15T14:21:00+05:30\"}],\"info\":{\"count\":1,\"more_records\":false}}"));
    List<CrmRecord> read = adapter().stream(ReadRequest.of("Leads").withPageSize(1)).toList();
    assertThat(read).extracting(CrmRecord::id).containsExactly("4413054000000682520", "4413054000000682600");
    assertThat(read.get(0).modifiedAt()).isEqualTo(Instant.parse("2023-10-15T08:50:00Z"));
    List<String> queries = seen.stream().filter(r -> r.getUrl().encodedPath().endsWith("/coql"))
        .map(r -> r.getBody().utf8()).toList();
    assertThat(queries).hasSize(2);
    assertThat(queries.get(0)).contains("where id is not null order by id asc limit 1");
    assertThat(queries.get(1)).contains("where id > 4413054000000682520 order by id asc limit 1");
  }

  @Test
  void aRefusalWithFewerResultsThanRecordsIsTheRequestsNotTheRecords() {
    api.add(json(400, "{\"data\":[{\"code\":\"INVALID_DATA\",\"details\":{\"api_name\":\"data\",\"json_path\":\"$.data\"},"
        + "\"message\":\"invalid data\",\"status\":\"error\"}]}"));
    assertThatThrownBy(() -> adapter().upsert("Leads", List.of(lead("a@example.com", "Z"), lead("b@example.com", "Y")), EMAIL))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("INVALID_DATA");
  }

  @Test
  void deletedRecordsOfTheDocumentedAnswer() {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/getDeletedRecords.md
    api.add(json(204, ""));
    api.add(json(200, """
        {"data":[
          {"deleted_by":{"name":"Patricia Boyle","id":"410888000000086001"},"id":"410888000000099071",
           "display_name":"Patricia","type":"recycle","created_by":{"name":"Patricia Boyle","id":"410888000000086001"},
           "deleted_time":"2015-06-19T11:19:38+05:30"},
          {"deleted_by":null,"id":"410888000000680013","display_name":null,"type":"permanent","created_by":null,
           "deleted_time":"2016-10-26T11:44:15+05:30"}],
         "info":{"per_page":200,"count":2,"page":1,"more_records":false}}"""));
    List<CrmRecord> read = adapter().stream(ReadRequest.of("Leads").withIncludeDeleted(true)).toList();
    assertThat(read).extracting(CrmRecord::id).containsExactly("410888000000099071", "410888000000680013");
    assertThat(read).allMatch(CrmRecord::deleted);
    assertThat(read.get(0).modifiedAt()).isEqualTo(Instant.parse("2015-06-19T05:49:38Z"));
  }

  @Test
  void theDocumented429WithRetryAfterIsConcurrency() {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/apis/operations/getAvailableApis/examples/response-429-sample.md
    api.add(json(429, "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"Rate limit exceeded. Please retry after the specified "
        + "time.\",\"status\":\"error\",\"details\":{\"trace_id\":\"rate-limit-trace-id-001\",\"retry_after\":60,"
        + "\"limit\":100,\"window\":60}}"));
    assertThatThrownBy(() -> adapter().upsert("Leads", List.of(lead("a@example.com", "Z")), EMAIL))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isFalse();
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(60));
          assertThat(e.requestId()).isEqualTo("rate-limit-trace-id-001");
        });
  }

  @Test
  void a429ForTheTwentyFourHourPeriodIsASpentQuota() {
    // HTTP 429: "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for
    // the app is exceeded": https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html
    api.add(json(429, "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"Number of API requests for the 24 hour period is "
        + "exceeded\",\"status\":\"error\",\"details\":{}}"));
    ZohoAdapter adapter = adapter();
    assertThatThrownBy(() -> adapter.read(ReadRequest.of("Leads")))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.isRetryAfterFromServer()).as("a rolling window: Zoho does not say when").isFalse();
        });
    assertThat(adapter.creditsRemaining()).hasValue(0);
  }

  @Test
  void anInvalidTokenTwiceIsAnAuthenticationError() {
    String invalid = "{\"code\":\"INVALID_TOKEN\",\"details\":{},\"message\":\"invalid oauth token\",\"status\":\"error\"}";
    api.add(json(401, invalid));
    api.add(json(401, invalid));
    assertThatThrownBy(() -> adapter().read(ReadRequest.of("Leads")))
        .isInstanceOf(CrmAuthenticationException.class).hasMessageContaining("INVALID_TOKEN");
  }

  @Test
  void internalErrorsAreTransient() {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md, status 500
    api.add(json(500, "{\"code\":\"INTERNAL_ERROR\",\"message\":\"Internal Server Error\",\"status\":\"error\",\"details\":{}}"));
    assertThatThrownBy(() -> adapter().read(ReadRequest.of("Leads"))).isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("INTERNAL_ERROR");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{}", "[1,2,3]", "{\"data\":\"x\",\"info\":{\"more_records\":false}}",
      "{\"data\":[{\"id\":\"5\",\"Last_Name\":\"x\"}]}", "{\"data\":[{\"Last_Name\":\"x\"}],\"info\":{\"more_records\":false}}",
      "{\"data\":[],\"info\":{\"more_records\":true}}", "<html><body>Service Unavailable</body></html>", "{\"data\":[{\"id\":"})
  void aPageWithoutTheDocumentedShapeIsUnavailableNeverEmpty(String body) {
    api.add(new MockResponse.Builder().code(200).setHeader("Content-Type", body.startsWith("<") ? "text/html" : "application/json")
        .body(body).build());
    assertThatThrownBy(() -> adapter().read(ReadRequest.of("Leads"))).isInstanceOf(CrmUnavailableException.class)
        .satisfies(e -> assertThat(((CrmUnavailableException) e).statusCode()).isEqualTo(200));
  }

  @Test
  void anUpsertAnswerOfTheWrongLengthIsUnavailableSoTheBatchIsSentAgain() {
    api.add(json(200, "{\"data\":[{\"code\":\"SUCCESS\",\"action\":\"insert\",\"details\":{\"id\":\"1\"},\"status\":\"success\"}]}"));
    assertThatThrownBy(() -> adapter().upsert("Leads", List.of(lead("a@example.com", "Z"), lead("b@example.com", "Y")),
        EMAIL)).isInstanceOf(CrmUnavailableException.class).hasMessageContaining("sending them again is safe");
  }
}

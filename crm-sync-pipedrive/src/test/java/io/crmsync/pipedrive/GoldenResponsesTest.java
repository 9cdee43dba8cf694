package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * Pipedrive's documented and recorded answers (src/test/resources/golden, sources in its README) replayed by a
 * server: the adapter reads them as Pipedrive means them, and maps each error to what the caller can do.
 */
class GoldenResponsesTest {
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  private final FakeTimeSource clock = new FakeTimeSource(Instant.parse("2026-03-10T21:00:00Z"));
  private final MockWebServer server = new MockWebServer();
  /** Answers by "METHOD /path", in order; the last one repeats. */
  private final Map<String, Deque<MockResponse>> answers = new HashMap<>();
  private final List<RecordedRequest> requests = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        synchronized (answers) {
          requests.add(request);
          Deque<MockResponse> q = answers.get(request.getMethod() + " " + request.getUrl().encodedPath());
          if (q == null || q.isEmpty()) {
            return new MockResponse.Builder().code(404).body("{\"success\":false,\"error\":\"not scripted\"}").build();
          }
          return q.size() > 1 ? q.poll() : q.peek();
        }
      }
    });
    server.start();
    answer("GET /api/v2/personFields", json(200, "person-fields.json"));
    answer("GET /api/v2/organizations", json(200, "organizations-by-ids.json"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void answer(String route, MockResponse... responses) {
    synchronized (answers) {
      answers.put(route, new ArrayDeque<>(List.of(responses)));
    }
  }

  private static String golden(String file) {
    try (InputStream in = GoldenResponsesTest.class.getResourceAsStream("/golden/" + file)) {
      if (in == null) {
        throw new IllegalStateException("no golden file " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MockResponse json(int status, String file) {
    return raw(status, golden(file));
  }

  private static MockResponse raw(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
  }

  private PipedriveAdapter adapter(String... settings) {
    Map<String, String> s = new HashMap<>(Map.of("baseUrl", server.url("/").toString(), "apiToken", "golden-token"));
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return PipedriveAdapter.create(AdapterConfig.builder("pipedrive").settings(s).timeSource(clock)
        .httpClient(Emulated.CLIENT).build());
  }

  private List<RecordedRequest> requests(String route) {
    synchronized (answers) {
      List<RecordedRequest> out = new ArrayList<>();
      for (RecordedRequest r : requests) {
        if ((r.getMethod() + " " + r.getUrl().encodedPath()).equals(route)) {
          out.add(r);
        }
      }
      return out;
    }
  }

  private static CrmRecord contact(String email) {
    return CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", email, "firstName", "Jane", "lastName", "Doe",
        "Lead source", "Fair"));
  }

  @Test
  void theDocumentedPagesAreReadByCursorWithTheirFieldsMapped() {
    answer("GET /api/v2/persons", json(200, "persons-page-1.json"), json(200, "persons-page-2.json"));
    PipedriveAdapter adapter = adapter("contactSync", "true");
    Page first = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(2));
    assertThat(first.hasMore()).isTrue();
    CrmRecord person = first.records().get(0);
    assertThat(person.id()).isEqualTo("1");
    assertThat(person.modifiedAt()).isEqualTo(Instant.parse("2021-01-01T00:00:00Z"));
    assertThat(person.fields()).containsEntry(Contact.Fields.EMAIL, "email1@email.com")
        .containsEntry(Contact.Fields.PHONE, "12345")
        .containsEntry(Contact.Fields.FIRST_NAME, "Person")
        .containsEntry(Contact.Fields.LAST_NAME, "Name")
        .containsEntry(Contact.Fields.COMPANY, "Organization Name")
        .containsEntry(Contact.Fields.OWNER_ID, "1")
        .containsEntry(Contact.Fields.CREATED_AT, "2021-01-01T00:00:00Z")
        .containsEntry(Contact.Fields.TITLE, "Manager")
        .containsEntry(Contact.Fields.STREET, "123 Main St")
        .containsEntry(Contact.Fields.CITY, "Sunnyvale")
        .containsEntry(Contact.Fields.STATE, "CA")
        .containsEntry(Contact.Fields.POSTAL_CODE, "94085")
        .containsEntry(Contact.Fields.COUNTRY, "USA")
        .containsEntry("Lead source", "Web")
        .doesNotContainKeys("visible_to", "label_ids", "picture_id", "name", "emails");
    assertThat(Contact.fromRecord("pipedrive", person).email()).isEqualTo("email1@email.com");

    Page second = adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(2).withCursor(first.nextCursor()));
    assertThat(second.hasMore()).isFalse();
    assertThat(second.records()).extracting(CrmRecord::id).containsExactly("3");
    assertThat(second.records().get(0).fields()).doesNotContainKey(Contact.Fields.LAST_NAME);

    List<RecordedRequest> lists = requests("GET /api/v2/persons");
    assertThat(lists.get(0).getUrl().queryParameter("limit")).isEqualTo("2");
    assertThat(lists.get(0).getUrl().queryParameter("sort_by")).isEqualTo("id");
    assertThat(lists.get(1).getUrl().queryParameter("cursor"))
        .isEqualTo("eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Miwic29ydERpcmVjdGlvbiI6ImFzYyIsImlkIjoyfQ");
    assertThat(requests("GET /api/v2/organizations").get(0).getUrl().queryParameter("ids")).isEqualTo("1");
    assertThat(lists.get(0).getHeaders().get("x-api-token")).isEqualTo("golden-token");
  }

  @Test
  void anIncrementalReadAsksForUpdatedSinceToTheSecond() {
    answer("GET /api/v2/persons", json(200, "persons-page-2.json"));
    adapter().read(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.parse("2021-01-03T10:20:30.750Z")));
    RecordedRequest r = requests("GET /api/v2/persons").get(0);
    assertThat(r.getUrl().queryParameter("updated_since")).isEqualTo("2021-01-03T10:20:30Z");
    assertThat(r.getUrl().queryParameter("sort_by")).isEqualTo("update_time");
    assertThat(r.getUrl().queryParameter("sort_direction")).isEqualTo("asc");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{}", "[1,2,3]", "{\"success\":true,\"data\":{}}", "{\"success\":true,\"data\":[1]}",
      "{\"success\":true,\"data\":[{\"id\":\"seven\"}]}", "{\"success\":false,\"data\":[]}",
      "{\"success\":true,\"data\":[],\"additional_data\":{\"next_cursor\":7}}", "<html><body>Bad gateway</body></html>"})
  void aPageWithoutTheDocumentedShapeIsUnavailableNeverEmpty(String body) {
    answer("GET /api/v2/persons", raw(200, body));
    PipedriveAdapter adapter = adapter("readRetries", "0");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("GET /api/v2/persons");
  }

  @Test
  void aMalformedPageIsDescribedWithoutQuotingWhatItHolds() {
    answer("GET /api/v2/persons", raw(200, "{\"success\":true,\"data\":[{\"id\":\"seven\",\"emails\":"
        + "[{\"value\":\"private.person@example.com\"}]}]}"));
    assertThatThrownBy(() -> adapter("readRetries", "0").read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("no numeric id")
        .hasMessageNotContaining("private.person");
  }

  @Test
  void anUpsertFindsTheRecordByExactEmailAndPatchesIt() throws IOException {
    answer("GET /api/v2/persons/search", json(200, "person-search.json"));
    answer("PATCH /api/v2/persons/1", json(200, "add-person.json"));
    List<RecordResult> results = adapter().upsert(ObjectTypes.CONTACT, List.of(contact("Jane@Pipedrive.com")),
        MatchKey.email());
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED);
      assertThat(r.id()).isEqualTo("1");
    });
    RecordedRequest search = requests("GET /api/v2/persons/search").get(0);
    assertThat(search.getUrl().queryParameter("term")).isEqualTo("jane@pipedrive.com");
    assertThat(search.getUrl().queryParameter("fields")).isEqualTo("email");
    assertThat(search.getUrl().queryParameter("exact_match")).isEqualTo("true");
    JsonNode patch = mapper.readTree(requests("PATCH /api/v2/persons/1").get(0).getBody().utf8());
    assertThat(patch.path("name").asText()).isEqualTo("Jane Doe");
    assertThat(patch.has("emails")).as("the email is already the person's: its other emails are left alone").isFalse();
    assertThat(patch.path("custom_fields").path("3b71d5b6cea10e23f3f433d248add2020d4aff2e").asLong())
        .as("an option is written by its id").isEqualTo(28);
  }

  @Test
  void anUpsertCreatesWhatTheSearchDoesNotFind() throws IOException {
    answer("GET /api/v2/persons/search", json(200, "person-search-empty.json"));
    answer("POST /api/v2/persons", json(200, "add-person.json"));
    assertThat(adapter().upsert(ObjectTypes.CONTACT, List.of(contact("new@example.com")), MatchKey.email()))
        .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.CREATED));
    JsonNode post = mapper.readTree(requests("POST /api/v2/persons").get(0).getBody().utf8());
    assertThat(post.path("emails")).hasSize(1);
    assertThat(post.path("emails").get(0).path("value").asText()).isEqualTo("new@example.com");
    assertThat(post.path("emails").get(0).path("primary").asBoolean()).isTrue();
  }

  @Test
  void aSchemaValidationErrorFailsTheRecordAloneNamingTheFieldByItsName() {
    answer("GET /api/v2/persons/search", json(200, "person-search-empty.json"));
    answer("POST /api/v2/persons", json(400, "error-schema-validation.json"));
    RecordResult r = adapter().upsert(ObjectTypes.CONTACT, List.of(contact("new@example.com")), MatchKey.email()).get(0);
    assertThat(r.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(r.error().retryable()).isFalse();
    assertThat(r.error().code()).isEqualTo("ERR_SCHEMA_VALIDATION_FAILED");
    assertThat(r.error().fieldErrors()).singleElement().satisfies(f -> {
      assertThat(f.field()).isEqualTo("Lead source");
      assertThat(f.message()).contains("is not allowed for this request");
    });
  }

  @Test
  void aPlanLimitFailsTheRecordWithPipedrivesMessage() {
    answer("GET /api/v2/deals/search", json(200, "person-search-empty.json"));
    answer("GET /api/v2/dealFields", raw(200, "{\"success\":true,\"data\":[{\"field_name\":\"Title\",\"field_code\":\"title\","
        + "\"field_type\":\"varchar\",\"options\":null,\"is_custom_field\":false}],\"additional_data\":{\"next_cursor\":null}}"));
    answer("POST /api/v2/deals", json(403, "error-open-deals-limit.json"));
    RecordResult r = adapter().upsert(ObjectTypes.DEAL, List.of(CrmRecord.of(ObjectTypes.DEAL, Map.of("title", "Big one"))),
        MatchKey.field("title")).get(0);
    assertThat(r.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(r.error().message()).contains("Open deals limit reached").contains("feature_capping_deals_limit");
  }

  @Test
  void theGateways401IsAnAuthenticationFailure() {
    answer("GET /api/v2/personFields", json(401, "error-unauthorized.json"));
    assertThatThrownBy(() -> adapter().describe(ObjectTypes.CONTACT))
        .isInstanceOfSatisfying(CrmAuthenticationException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(401);
          assertThat(e.getMessage()).contains("unauthorized access").doesNotContain("golden-token");
        });
  }

  @Test
  void aSpentDailyBudgetIsAnExhaustedQuotaUntilItsRetryAfter() {
    answer("GET /api/v2/persons", new MockResponse.Builder().code(429).setHeader("retry-after", "3939")
        .setHeader("Content-Type", "application/json").body(golden("error-daily-budget.json")).build());
    PipedriveAdapter adapter = adapter();
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3939));
        });
    assertThat(clock.sleepCount()).as("not waited out inside the call").isZero();
    assertThat(requests("GET /api/v2/persons")).hasSize(1);
  }

  @Test
  void aSpentDailyBudgetWithoutRetryAfterWaitsUntilMidnightInTheServersZone() {
    answer("GET /api/v2/persons", new MockResponse.Builder().code(429)
        .setHeader("x-daily-ratelimit-token-remaining", "0").setHeader("Content-Type", "application/json")
        .body("{\"success\":false,\"errorCode\":429}").build());
    assertThatThrownBy(() -> adapter("dailyResetZone", "Europe/Tallinn").read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isTrue();
          // 21:00 UTC is 23:00 in Tallinn (UTC+2 in March): an hour to midnight there
          assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(1));
        });
  }

  @Test
  void aBurst429IsSatOutForItsResetAndTheRequestSentAgain() {
    answer("GET /api/v2/persons",
        new MockResponse.Builder().code(429).setHeader("x-ratelimit-limit", "20").setHeader("x-ratelimit-remaining", "0")
            .setHeader("x-ratelimit-reset", "2").setHeader("Content-Type", "application/json")
            .body("{\"success\":false,\"error\":\"Request over limit\",\"errorCode\":429}").build(),
        json(200, "persons-page-2.json"));
    assertThat(adapter().read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    assertThat(clock.totalSlept()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(requests("GET /api/v2/persons")).hasSize(2);
  }

  @Test
  void theEdgesHtml403AfterIgnored429sIsARateLimit() {
    answer("GET /api/v2/persons", new MockResponse.Builder().code(403).setHeader("Content-Type", "text/html")
        .body("<html><head><title>Access denied | cloudflare</title></head><body>blocked</body></html>").build());
    assertThatThrownBy(() -> adapter("maxWait", "1s").read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.isQuotaExhausted()).isFalse();
          assertThat(e.getMessage()).contains("Access denied").doesNotContain("<html>");
        });
  }

  @Test
  void aServerErrorIsRetriedOnReadsAndFailsAWriteRetryably() {
    answer("GET /api/v2/persons", json(500, "error-internal.json"), json(200, "persons-page-2.json"));
    PipedriveAdapter adapter = adapter();
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).hasSize(1);
    assertThat(clock.sleepCount()).isEqualTo(1);

    answer("GET /api/v2/persons/search", json(200, "person-search-empty.json"));
    answer("POST /api/v2/persons", json(500, "error-internal.json"));
    RecordResult r = adapter.upsert(ObjectTypes.CONTACT, List.of(contact("new@example.com")), MatchKey.email()).get(0);
    assertThat(r.status()).isEqualTo(RecordResult.Status.FAILED);
    assertThat(r.error().retryable()).isTrue();
    assertThat(r.error().code()).isEqualTo(RecordError.TRANSIENT);
    assertThat(r.error().message()).contains("Internal Server Error").contains("ERR_UNKNOWN");
    assertThat(requests("POST /api/v2/persons")).as("writes are not retried inside the adapter").hasSize(1);
  }
}

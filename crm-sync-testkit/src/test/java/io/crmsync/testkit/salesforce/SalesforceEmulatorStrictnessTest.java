package io.crmsync.testkit.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules of the real API that clients trip over, each refused by the emulator as Salesforce refuses it, and
 * counted: unknown fields, malformed and mistyped ids, restricted picklists, request and batch limits, the Bulk API
 * 2.0 job state machine, the rolling daily allocation, session expiry and introspection, and faults that lose the
 * answer after the request was carried out.
 */
class SalesforceEmulatorStrictnessTest {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType CSV = MediaType.get("text/csv");
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  // no silent resend of a request whose connection dropped, or the faults after apply would apply twice
  private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final FakeTimeSource clock = new FakeTimeSource();
  private final List<SalesforceEmulator> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(SalesforceEmulator::close);
  }

  private SalesforceEmulator start(SalesforceEmulator.Builder b) {
    SalesforceEmulator sf = b.timeSource(clock).clientCredentials("app", "s3cret").bulkPollsBeforeComplete(0).build().start();
    started.add(sf);
    return sf;
  }

  private SalesforceEmulator start() {
    return start(SalesforceEmulator.builder());
  }

  private String token(SalesforceEmulator sf) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(sf.url() + "/services/oauth2/token").post(new FormBody.Builder()
        .add("grant_type", "client_credentials").add("client_id", "app").add("client_secret", "s3cret").build()).build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      return mapper.readTree(r.body().string()).get("access_token").asText();
    }
  }

  /** An answer: status, headers that matter, body as JSON where it is JSON. */
  private record Answer(int status, @Nullable String usage, @Nullable String date, JsonNode json, String text) {}

  private Answer call(SalesforceEmulator sf, String token, String method, String path, @Nullable MediaType type,
      @Nullable String body) throws IOException {
    Request.Builder b = new Request.Builder().url(sf.url() + (path.startsWith("/services") ? path : "/services/data/v66.0" + path))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? null : RequestBody.create(body, type));
    try (Response r = http.newCall(b.build()).execute()) {
      String text = r.body().string();
      JsonNode json = text.startsWith("[") || text.startsWith("{") ? mapper.readTree(text) : mapper.missingNode();
      return new Answer(r.code(), r.header("Sforce-Limit-Info"), r.header("Date"), json, text);
    }
  }

  private String upsertBody(String type, List<Map<String, Object>> records) {
    ObjectNode body = mapper.createObjectNode();
    body.put("allOrNone", false);
    ArrayNode a = body.putArray("records");
    for (Map<String, Object> r : records) {
      ObjectNode n = a.addObject();
      n.putObject("attributes").put("type", type);
      r.forEach((k, v) -> n.set(k, mapper.valueToTree(v)));
    }
    return body.toString();
  }

  @Test
  void anUnknownFieldFailsItsRecordInCollectionsAndTheWholeJobInBulk() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    Answer a = call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", List.of(
        Map.of("Email", "a@x.test", "LastName", "A", "Foo__c", "x"),
        Map.of("Email", "b@x.test", "LastName", "B"))));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get(0).get("success").asBoolean()).isFalse();
    assertThat(a.json().get(0).get("errors").get(0).get("statusCode").asText()).isEqualTo("INVALID_FIELD");
    assertThat(a.json().get(0).get("errors").get(0).get("message").asText())
        .isEqualTo("No such column 'Foo__c' on sobject of type Contact");
    assertThat(a.json().get(1).get("success").asBoolean()).isTrue();
    assertThat(sf.recordErrors()).containsEntry("INVALID_FIELD", 1L);

    String job = call(sf, t, "POST", "/jobs/ingest", JSON,
        "{\"object\":\"Contact\",\"operation\":\"upsert\",\"externalIdFieldName\":\"Email\"}").json().get("id").asText();
    call(sf, t, "PUT", "/jobs/ingest/" + job + "/batches", CSV, "Email,LastName,Foo__c\nc@x.test,C,x\n");
    call(sf, t, "PATCH", "/jobs/ingest/" + job, JSON, "{\"state\":\"UploadComplete\"}");
    JsonNode info = call(sf, t, "GET", "/jobs/ingest/" + job, null, null).json();
    assertThat(info.get("state").asText()).isEqualTo("Failed");
    assertThat(info.get("errorMessage").asText()).contains("Field name not found : Foo__c");
    assertThat(call(sf, t, "GET", "/jobs/ingest/" + job + "/unprocessedrecords", null, null).text()).contains("c@x.test");
  }

  @Test
  void lookupsTakeOnlyIdsOfLiveRecordsOfTheirObject() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    String account = sf.insert("Account", Map.of("Name", "Acme"));
    String contact = sf.insert("Contact", Map.of("LastName", "Other"));
    String owner = sf.addUser("owner@example.com");
    Answer a = call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", List.of(
        Map.of("Email", "1@x.test", "LastName", "A", "OwnerId", "12345"),
        Map.of("Email", "2@x.test", "LastName", "B", "OwnerId", contact),
        Map.of("Email", "3@x.test", "LastName", "C", "OwnerId", "005000000009999"),
        Map.of("Email", "4@x.test", "LastName", "D", "OwnerId", owner.substring(0, 15), "AccountId", account),
        Map.of("Email", "5@x.test", "LastName", "E", "AccountId", "001000000009999AAA"))));
    assertThat(codes(a.json())).containsExactly("MALFORMED_ID", "FIELD_INTEGRITY_EXCEPTION", "INVALID_CROSS_REFERENCE_KEY",
        null, "INVALID_CROSS_REFERENCE_KEY");
    assertThat(a.json().get(0).get("errors").get(0).get("message").asText()).isEqualTo("Owner ID: id value of incorrect type: 12345");
    assertThat(a.json().get(0).get("errors").get(0).get("fields").get(0).asText()).isEqualTo("OwnerId");
    assertThat(sf.records("Contact")).filteredOn(r -> "D".equals(r.get("LastName"))).singleElement()
        .satisfies(r -> assertThat(r.get("OwnerId")).as("stored in its 18-character form").isEqualTo(owner));
  }

  private static List<@Nullable String> codes(JsonNode results) {
    List<@Nullable String> out = new ArrayList<>();
    for (JsonNode r : results) {
      out.add(r.get("success").asBoolean() ? null : r.get("errors").get(0).get("statusCode").asText());
    }
    return out;
  }

  @Test
  void idsCarryTheCaseSafeSuffixOfTheFirstFifteenCharacters() {
    // an id recorded from a real org (cumulusci cassette TestUpsert...duplicate_error): 0015500001QdQWaAAN
    assertThat(Ids.of("0015500001QdQWa")).isEqualTo("0015500001QdQWaAAN");
    assertThat(Ids.canonical("0015500001QdQWa")).isEqualTo("0015500001QdQWaAAN");
    assertThat(Ids.canonical("0015500001qdqwaaan")).as("the suffix restores the case").isEqualTo("0015500001QdQWaAAN");
    assertThat(Ids.canonical("0015500001QdQWaZZZ")).as("a suffix that marks digits as capitals").isNull();
    assertThat(Ids.canonical("0015500001QdQW")).isNull();
    assertThat(Ids.canonical("0015500001QdQW-AAN")).isNull();
    SalesforceEmulator sf = start(SalesforceEmulator.builder().sObject("Invoice__c"));
    String id = sf.insert("Invoice__c", Map.of("Name", "INV-1"));
    assertThat(Ids.canonical(id)).isEqualTo(id);
    assertThat(id).startsWith("a0").doesNotEndWith("AAA");
  }

  @Test
  void restrictedPicklistsRefuseOtherValuesAndDescribeListsTheirValues() throws Exception {
    SalesforceEmulator sf = start(SalesforceEmulator.builder()
        .picklistField("Contact", "Tier__c", List.of("Gold", "Silver"), true));
    String t = token(sf);
    Answer a = call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", List.of(
        Map.of("Email", "1@x.test", "LastName", "A", "CleanStatus", "Bogus"),
        Map.of("Email", "2@x.test", "LastName", "B", "Tier__c", "Bronze"),
        Map.of("Email", "3@x.test", "LastName", "C", "Tier__c", "Gold", "LeadSource", "Anything goes"))));
    assertThat(codes(a.json())).containsExactly("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", null);
    assertThat(a.json().get(1).get("errors").get(0).get("message").asText())
        .isEqualTo("Tier: bad value for restricted picklist field: Bronze");
    JsonNode describe = call(sf, t, "GET", "/sobjects/Contact/describe", null, null).json();
    JsonNode tier = field(describe, "Tier__c");
    assertThat(tier.get("restrictedPicklist").asBoolean()).isTrue();
    assertThat(tier.get("picklistValues").findValuesAsText("value")).containsExactly("Gold", "Silver");
    assertThat(field(describe, "LeadSource").get("restrictedPicklist").asBoolean()).isFalse();
    assertThat(field(describe, "LeadSource").get("picklistValues")).hasSize(5);
  }

  private static JsonNode field(JsonNode describe, String name) {
    for (JsonNode f : describe.get("fields")) {
      if (f.get("name").asText().equals(name)) {
        return f;
      }
    }
    throw new AssertionError("no field " + name);
  }

  @Test
  void collectionsTakeAtMost200RecordsAndRefusalsAreCounted() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    List<Map<String, Object>> records = new ArrayList<>();
    for (int i = 0; i < 201; i++) {
      records.add(Map.of("Email", i + "@x.test", "LastName", "L"));
    }
    Answer a = call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", records));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get(0).get("errorCode").asText()).isEqualTo("EXCEEDED_ID_LIMIT");
    assertThat(sf.records("Contact")).isEmpty();
    assertThat(call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", records.subList(0, 200)))
        .status()).isEqualTo(200);
    assertThat(sf.refusals()).isEqualTo(Map.of("EXCEEDED_ID_LIMIT", 1L));
  }

  @Test
  void aBulkJobTakesOneUploadAndOnlyTheStateChangesItsStateAllows() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    String twice = createJob(sf, t);
    assertThat(call(sf, t, "PUT", "/jobs/ingest/" + twice + "/batches", CSV, "Email,LastName\na@x.test,A\n").status()).isEqualTo(201);
    assertThat(call(sf, t, "PUT", "/jobs/ingest/" + twice + "/batches", CSV, "Email,LastName\nb@x.test,B\n").status())
        .as("a second upload is taken ...").isEqualTo(201);
    Answer close = call(sf, t, "PATCH", "/jobs/ingest/" + twice, JSON, "{\"state\":\"UploadComplete\"}");
    assertThat(close.status()).as("... but the job can no longer be closed").isEqualTo(400);
    assertThat(close.json().get(0).get("errorCode").asText()).isEqualTo("INVALIDJOB");
    assertThat(close.json().get(0).get("message").asText()).contains("only do 'PUT' once");
    assertThat(call(sf, t, "DELETE", "/jobs/ingest/" + twice, null, null).status()).as("an Open job cannot be deleted").isEqualTo(400);
    assertThat(sf.ingestJobs()).singleElement().satisfies(j -> {
      assertThat(j.isOpen()).isTrue();
      assertThat(j.uploads()).isEqualTo(2);
    });
    assertThat(call(sf, t, "GET", "/jobs/ingest", null, null).json().get("records").findValuesAsText("state"))
        .as("Get All Jobs lists the job left Open").containsExactly("Open");
    assertThat(call(sf, t, "PATCH", "/jobs/ingest/" + twice, JSON, "{\"state\":\"Aborted\"}").status()).isEqualTo(200);
    assertThat(call(sf, t, "PATCH", "/jobs/ingest/" + twice, JSON, "{\"state\":\"Aborted\"}").status())
        .as("an aborted job cannot be aborted again").isEqualTo(400);
    assertThat(call(sf, t, "DELETE", "/jobs/ingest/" + twice, null, null).status()).isEqualTo(204);

    String once = createJob(sf, t);
    call(sf, t, "PUT", "/jobs/ingest/" + once + "/batches", CSV, "Email,LastName\nc@x.test,C\n");
    assertThat(call(sf, t, "PATCH", "/jobs/ingest/" + once, JSON, "{\"state\":\"UploadComplete\"}").status()).isEqualTo(200);
    Answer again = call(sf, t, "PATCH", "/jobs/ingest/" + once, JSON, "{\"state\":\"UploadComplete\"}");
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.json().get(0).get("errorCode").asText()).isEqualTo("INVALIDJOBSTATE");
    assertThat(call(sf, t, "PUT", "/jobs/ingest/" + once + "/batches", CSV, "Email,LastName\nd@x.test,D\n").status())
        .as("no upload after the job was closed").isEqualTo(400);
    assertThat(call(sf, t, "GET", "/jobs/ingest/" + once, null, null).json().get("state").asText()).isEqualTo("JobComplete");
    assertThat(call(sf, t, "PATCH", "/jobs/ingest/" + once, JSON, "{\"state\":\"Aborted\"}").status())
        .as("a finished job cannot be aborted").isEqualTo(400);
    assertThat(sf.refusals()).containsEntry("INVALIDJOB", 1L).containsEntry("INVALIDJOBSTATE", 5L);
    assertThat(sf.ingestJobs()).extracting(IngestJob::state).containsExactly("JobComplete");
  }

  private String createJob(SalesforceEmulator sf, String t) throws IOException {
    Answer a = call(sf, t, "POST", "/jobs/ingest", JSON,
        "{\"object\":\"Contact\",\"operation\":\"upsert\",\"externalIdFieldName\":\"Email\",\"contentType\":\"CSV\",\"lineEnding\":\"LF\"}");
    assertThat(a.json().get("state").asText()).isEqualTo("Open");
    return a.json().get("id").asText();
  }

  @Test
  void theApiAllocationIsCountedOverARolling24Hours() throws Exception {
    assertThat(OrgEdition.ENTERPRISE.dailyApiRequests(15)).as("the documented example").isEqualTo(115_000);
    assertThat(OrgEdition.DEVELOPER.dailyApiRequests(0)).isEqualTo(15_000);
    assertThat(OrgEdition.UNLIMITED.dailyApiRequests(10)).isEqualTo(150_000);
    SalesforceEmulator sf = start(SalesforceEmulator.builder().dailyApiLimit(3).sessionTimeout(Duration.ofDays(2)));
    String t = token(sf);
    assertThat(call(sf, t, "GET", "/limits", null, null).usage()).isEqualTo("api-usage=1/3");
    clock.advance(Duration.ofHours(12));
    call(sf, t, "GET", "/limits", null, null);
    JsonNode limits = call(sf, t, "GET", "/limits", null, null).json();
    assertThat(limits.get("DailyApiRequests").get("Max").asLong()).isEqualTo(3);
    assertThat(limits.get("DailyApiRequests").get("Remaining").asLong()).isZero();
    Answer spent = call(sf, t, "GET", "/limits", null, null);
    assertThat(spent.status()).isEqualTo(403);
    assertThat(spent.json().get(0).get("errorCode").asText()).isEqualTo("REQUEST_LIMIT_EXCEEDED");
    assertThat(spent.json().get(0).get("message").asText()).isEqualTo("TotalRequests Limit exceeded.");
    assertThat(spent.usage()).isEqualTo("api-usage=3/3");
    clock.advance(Duration.ofHours(12).plusMinutes(1));
    assertThat(call(sf, t, "GET", "/limits", null, null).usage()).as("the first request aged out").isEqualTo("api-usage=3/3");
    assertThat(sf.apiRequests()).isEqualTo(4);
    assertThat(sf.refusals()).isEqualTo(Map.of("REQUEST_LIMIT_EXCEEDED", 1L));
  }

  @Test
  void sessionsExpireOnTheEmulatorsClockAndIntrospectionTellsWhen() throws Exception {
    SalesforceEmulator sf = start(SalesforceEmulator.builder().sessionTimeout(Duration.ofSeconds(5)));
    String t = token(sf);
    JsonNode info = introspect(sf, t, "s3cret");
    assertThat(info.get("active").asBoolean()).isTrue();
    assertThat(info.get("exp").asLong() - info.get("iat").asLong()).isEqualTo(5);
    assertThat(info.get("exp").asLong()).isEqualTo(clock.now().getEpochSecond() + 5);
    clock.advance(Duration.ofSeconds(4));
    assertThat(call(sf, t, "GET", "/limits", null, null).status()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(1));
    Answer expired = call(sf, t, "GET", "/limits", null, null);
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.json().get(0).get("errorCode").asText()).isEqualTo("INVALID_SESSION_ID");
    assertThat(introspect(sf, t, "s3cret").get("active").asBoolean()).isFalse();
    try (Response r = introspectCall(sf, t, "wrong")) {
      assertThat(r.code()).as("introspection needs the connected app's secret").isEqualTo(401);
    }
    assertThat(sf.refusals()).containsEntry("INVALID_SESSION_ID", 1L).containsEntry("invalid_client", 1L);
  }

  private JsonNode introspect(SalesforceEmulator sf, String token, String secret) throws IOException {
    try (Response r = introspectCall(sf, token, secret)) {
      assertThat(r.code()).isEqualTo(200);
      return mapper.readTree(r.body().string());
    }
  }

  private Response introspectCall(SalesforceEmulator sf, String token, String secret) throws IOException {
    return http.newCall(new Request.Builder().url(sf.url() + "/services/oauth2/introspect").post(new FormBody.Builder()
        .add("token", token).add("token_type_hint", "access_token").add("client_id", "app").add("client_secret", secret)
        .build()).build()).execute();
  }

  @Test
  void faultsAfterApplyCarryOutTheRequestAndLoseTheAnswer() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    sf.injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY);
    assertThatThrownBy(() -> call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON,
        upsertBody("Contact", List.of(Map.of("Email", "dropped@x.test", "LastName", "A"))))).isInstanceOf(IOException.class);
    sf.injectFault(Fault.TRUNCATED_AFTER_APPLY);
    assertThatThrownBy(() -> call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON,
        upsertBody("Contact", List.of(Map.of("Email", "truncated@x.test", "LastName", "B"))))).isInstanceOf(IOException.class);
    sf.injectFault(Fault.GATEWAY_TIMEOUT_AFTER_APPLY);
    Answer gateway = call(sf, t, "POST", "/jobs/ingest", JSON, "{\"object\":\"Contact\",\"operation\":\"upsert\",\"externalIdFieldName\":\"Email\"}");
    assertThat(gateway.status()).isEqualTo(504);
    assertThat(gateway.text()).startsWith("<html>");
    sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML);
    assertThat(call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON,
        upsertBody("Contact", List.of(Map.of("Email", "unavailable@x.test", "LastName", "C")))).status()).isEqualTo(503);
    assertThat(sf.records("Contact")).extracting(r -> r.get("Email")).containsExactly("dropped@x.test", "truncated@x.test");
    assertThat(sf.ingestJobs()).as("the job whose answer was lost exists, Open").singleElement().satisfies(j -> assertThat(j.isOpen()).isTrue());
    assertThat(sf.faultsInjected()).isEqualTo(Map.of(Fault.CONNECTION_DROPPED_AFTER_APPLY, 1L, Fault.TRUNCATED_AFTER_APPLY, 1L,
        Fault.GATEWAY_TIMEOUT_AFTER_APPLY, 1L, Fault.SERVICE_UNAVAILABLE_HTML, 1L));

    sf.injectTokenFault(Fault.TRUNCATED_AFTER_APPLY);
    int issued = sf.tokensIssued();
    assertThatThrownBy(() -> token(sf)).isInstanceOf(IOException.class);
    assertThat(sf.tokensIssued()).as("the token was issued, its answer lost").isEqualTo(issued + 1);
    assertThatThrownBy(() -> sf.injectTokenFault(Fault.INVALID_SESSION)).isInstanceOf(IllegalArgumentException.class);
    assertThat(sf.refusals()).isEmpty();
  }

  @Test
  void aFaultCanTargetTheNextRequestOfAMethodAndPath() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    String job = createJob(sf, t);
    sf.injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY, "PUT", "/services/data/v[0-9.]+/jobs/ingest/\\w+/batches");
    assertThat(call(sf, t, "GET", "/jobs/ingest/" + job, null, null).status()).as("not the targeted request").isEqualTo(200);
    assertThatThrownBy(() -> call(sf, t, "PUT", "/jobs/ingest/" + job + "/batches", CSV, "Email,LastName\na@x.test,A\n"))
        .isInstanceOf(IOException.class);
    assertThat(sf.ingestJobs()).singleElement().satisfies(j -> assertThat(j.uploads()).as("applied").isEqualTo(1));
    assertThat(call(sf, t, "PUT", "/jobs/ingest/" + createJob(sf, t) + "/batches", CSV, "Email,LastName\nb@x.test,B\n")
        .status()).as("served once").isEqualTo(201);
  }

  @Test
  void aCustomLookupTakesIdsOfItsObjectOnly() throws Exception {
    SalesforceEmulator sf = start(SalesforceEmulator.builder().lookupField("Contact", "Referrer__c", "Contact"));
    String t = token(sf);
    String referrer = sf.insert("Contact", Map.of("LastName", "Referrer"));
    String account = sf.insert("Account", Map.of("Name", "Acme"));
    Answer a = call(sf, t, "PATCH", "/composite/sobjects/Contact/Email", JSON, upsertBody("Contact", List.of(
        Map.of("Email", "1@x.test", "LastName", "A", "Referrer__c", referrer),
        Map.of("Email", "2@x.test", "LastName", "B", "Referrer__c", account))));
    assertThat(codes(a.json())).containsExactly(null, "FIELD_INTEGRITY_EXCEPTION");
    JsonNode describe = call(sf, t, "GET", "/sobjects/Contact/describe", null, null).json();
    assertThat(field(describe, "Referrer__c").get("type").asText()).isEqualTo("reference");
    assertThat(field(describe, "Referrer__c").get("referenceTo").get(0).asText()).isEqualTo("Contact");
    assertThat(field(describe, "Referrer__c").get("relationshipName").asText()).isEqualTo("Referrer__r");
  }

  @Test
  void theFaultRateIsSeededSoARunRepeatsExactly() throws Exception {
    List<Integer> first = statuses(start(SalesforceEmulator.builder().faultRate(0.3).seed(7)));
    List<Integer> second = statuses(start(SalesforceEmulator.builder().faultRate(0.3).seed(7)));
    assertThat(first).isEqualTo(second).contains(200).containsAnyOf(0, 500, 503, 504);
  }

  private List<Integer> statuses(SalesforceEmulator sf) {
    List<Integer> out = new ArrayList<>();
    String t = null;
    for (int i = 0; i < 40; i++) {
      try {
        if (t == null) {
          t = token(sf);
          continue;
        }
        out.add(call(sf, t, "GET", "/limits", null, null).status());
      } catch (IOException | RuntimeException e) {
        out.add(0); // the answer was lost, or a garbled body
      }
    }
    return out;
  }

  @Test
  void aQueryTooLongForAUriRunsInACompositeRequest() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    for (int i = 0; i < 3; i++) {
      sf.insert("Contact", Map.of("LastName", "C" + i));
    }
    String longWhere = "SELECT+Id+FROM+Contact+WHERE+LastName+%21%3D+%27" + "x".repeat(17_000) + "%27";
    String tooLong = "SELECT+Id+FROM+Contact+WHERE+LastName+%21%3D+%27" + "x".repeat(100_001) + "%27";
    String body = "{\"compositeRequest\":["
        + "{\"method\":\"GET\",\"url\":\"/services/data/v66.0/query/?q=" + longWhere + "\",\"referenceId\":\"long\","
        + "\"httpHeaders\":{\"Sforce-Query-Options\":\"batchSize=200\"}},"
        + "{\"method\":\"GET\",\"url\":\"/services/data/v66.0/query/?q=" + tooLong + "\",\"referenceId\":\"tooLong\"},"
        + "{\"method\":\"DELETE\",\"url\":\"/services/data/v66.0/sobjects/Contact/x\",\"referenceId\":\"other\"}]}";
    long before = sf.apiRequests();
    Answer a = call(sf, t, "POST", "/composite", JSON, body);
    assertThat(a.status()).isEqualTo(200);
    JsonNode results = a.json().get("compositeResponse");
    assertThat(results.get(0).get("httpStatusCode").asInt()).isEqualTo(200);
    assertThat(results.get(0).get("body").get("totalSize").asInt()).isEqualTo(3);
    assertThat(results.get(0).get("referenceId").asText()).isEqualTo("long");
    assertThat(results.get(1).get("httpStatusCode").asInt()).isEqualTo(400);
    assertThat(results.get(1).get("body").get(0).get("errorCode").asText()).isEqualTo("MALFORMED_QUERY");
    assertThat(results.get(2).get("httpStatusCode").asInt()).isEqualTo(400);
    assertThat(sf.apiRequests() - before).as("a composite request counts once").isEqualTo(1);
  }

  @Test
  void requestsOverTheSizeLimitAreRefusedAndEveryAnswerIsDated() throws Exception {
    SalesforceEmulator sf = start();
    String t = token(sf);
    Answer ok = call(sf, t, "GET", "/query?q=" + "SELECT+Id+FROM+Contact", null, null);
    assertThat(ok.date()).isNotBlank();
    assertThat(call(sf, t, "GET", "/query?q=SELECT+Id+FROM+Contact+WHERE+Email+%3D+%27" + "x".repeat(16_400) + "%27", null, null)
        .status()).isEqualTo(414);
    Request big = new Request.Builder().url(sf.url() + "/services/data/v66.0/limits").header("Authorization", "Bearer " + t)
        .header("X-Padding", "p".repeat(16_350)).build();
    try (Response r = http.newCall(big).execute()) {
      assertThat(r.code()).isEqualTo(431);
    }
    assertThat(sf.refusals()).isEqualTo(Map.of("414", 1L, "431", 1L));
  }
}

package io.crmsync.testkit.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator over raw HTTP, as any Salesforce client would see it. */
class SalesforceEmulatorTest {
  private static final KeyPair KEYS = SalesforceEmulator.newKeyPair();
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  // no silent resend of a request whose connection dropped: the faults after apply would be applied twice
  private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final FakeTimeSource clock = new FakeTimeSource();
  private final SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock).jwtBearer("app", KEYS.getPublic())
      .user("u@example.com").bulkPollsBeforeComplete(0).build().start();

  @AfterEach
  void stop() {
    sf.close();
  }

  private String jwt(String iss, String sub, String aud, long exp) throws Exception {
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    String input = enc.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + enc.encodeToString(mapper.writeValueAsBytes(Map.of("iss", iss, "sub", sub, "aud", aud, "exp", exp)));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(KEYS.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + enc.encodeToString(s.sign());
  }

  private Response grant(String assertion) throws IOException {
    return http.newCall(new Request.Builder().url(sf.url() + "/services/oauth2/token").post(new FormBody.Builder()
        .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer").add("assertion", assertion).build()).build()).execute();
  }

  private String token() throws Exception {
    try (Response r = grant(jwt("app", "u@example.com", sf.url(), clock.now().getEpochSecond() + 120))) {
      assertThat(r.code()).isEqualTo(200);
      return mapper.readTree(r.body().string()).get("access_token").asText();
    }
  }

  private JsonNode call(String method, String path, String contentType, String body) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url(sf.url() + "/services/data/v66.0" + path)
        .header("Authorization", "Bearer " + token())
        .method(method, body == null ? null : RequestBody.create(body, MediaType.get(contentType))).build()).execute()) {
      String text = r.body().string();
      assertThat(r.header("Sforce-Limit-Info")).startsWith("api-usage=");
      return text.isEmpty() ? mapper.nullNode() : text.startsWith("[") || text.startsWith("{") ? mapper.readTree(text) : mapper.getNodeFactory().textNode(text);
    }
  }

  @Test
  void jwtAssertionsAreVerified() throws Exception {
    long exp = clock.now().getEpochSecond() + 120;
    try (Response ok = grant(jwt("app", "u@example.com", sf.url(), exp))) {
      assertThat(ok.code()).isEqualTo(200);
      ok.body().string(); // consume it: an unread body left on a pooled connection broke the next exchange
    }
    assertThat(error(grant(jwt("other", "u@example.com", sf.url(), exp)))).isEqualTo("invalid_client_id");
    assertThat(error(grant(jwt("app", "someone@example.com", sf.url(), exp)))).isEqualTo("invalid_grant");
    assertThat(error(grant(jwt("app", "u@example.com", "https://login.salesforce.com", exp)))).isEqualTo("invalid_grant");
    assertThat(error(grant(jwt("app", "u@example.com", sf.url(), clock.now().getEpochSecond() - 1)))).isEqualTo("invalid_grant");
    String good = jwt("app", "u@example.com", sf.url(), exp);
    String tampered = good.substring(0, good.lastIndexOf('.') - 2) + "xx" + good.substring(good.lastIndexOf('.'));
    assertThat(error(grant(tampered))).isEqualTo("invalid_grant");
  }

  private String error(Response r) throws IOException {
    try (r) {
      assertThat(r.code()).isEqualTo(400);
      return mapper.readTree(r.body().string()).get("error").asText();
    }
  }

  @Test
  void tokensExpireOnTheEmulatorsClock() throws Exception {
    String t = token();
    clock.advance(Duration.ofHours(3));
    try (Response r = http.newCall(new Request.Builder().url(sf.url() + "/services/data/v66.0/limits")
        .header("Authorization", "Bearer " + t).build()).execute()) {
      assertThat(r.code()).isEqualTo(401);
    }
  }

  @Test
  void soqlSubsetFiltersOrdersAndLimits() {
    sf.insert("Contact", Map.of("LastName", "Bravo", "Email", "b@x.test", "HasOptedOutOfEmail", true));
    sf.insert("Contact", Map.of("LastName", "alpha", "Email", "a@x.test"));
    sf.insert("Contact", Map.of("LastName", "Charlie", "Title", "It's \"quoted\""));
    assertThat(sf.query("SELECT LastName FROM Contact ORDER BY LastName DESC LIMIT 2"))
        .extracting(n -> n.get("LastName").asText()).containsExactly("Charlie", "Bravo");
    assertThat(sf.query("SELECT Id FROM Contact WHERE Email = 'A@X.TEST' OR (HasOptedOutOfEmail = true AND NOT Email = null)"))
        .hasSize(2);
    assertThat(sf.query("SELECT Id FROM Contact WHERE Title = 'It\\'s \\\"quoted\\\"'")).hasSize(1);
    assertThat(sf.query("SELECT Id FROM Contact WHERE LastName IN ('alpha', 'charlie')")).hasSize(2);
    assertThat(sf.query("SELECT Id FROM Contact WHERE LastName LIKE 'br%'")).hasSize(1);
    assertThat(sf.query("SELECT Id FROM Contact WHERE CreatedDate >= 2026-01-01T00:00:00Z")).hasSize(3);
    assertThat(sf.query("SELECT Id FROM Contact WHERE CreatedDate > 2026-01-01T00:00:00.000+0000")).isEmpty();
    assertThatThrownBy(() -> sf.query("SELECT Id FROM Contact WHERE LastName = 'a\\qb'"))
        .hasMessageContaining("MALFORMED_QUERY");
    assertThatThrownBy(() -> sf.query("SELECT Id FROM Contact WHERE LastName = 'a\\%'"))
        .hasMessageContaining("MALFORMED_QUERY");
    assertThatThrownBy(() -> sf.query("SELECT Nope FROM Contact")).hasMessageContaining("INVALID_FIELD");
  }

  @Test
  void queriesPageWithNextRecordsUrl() throws Exception {
    for (int i = 0; i < 450; i++) {
      sf.insert("Contact", Map.of("LastName", "L" + i));
    }
    JsonNode first;
    try (Response r = http.newCall(new Request.Builder().url(sf.url() + "/services/data/v66.0/query?q=SELECT+Id+FROM+Contact")
        .header("Authorization", "Bearer " + token()).header("Sforce-Query-Options", "batchSize=50").build()).execute()) {
      first = mapper.readTree(r.body().string());
    }
    assertThat(first.get("records")).hasSize(200);
    assertThat(first.get("totalSize").asInt()).isEqualTo(450);
    assertThat(first.get("done").asBoolean()).isFalse();
    String next = first.get("nextRecordsUrl").asText();
    JsonNode second = call("GET", next.substring("/services/data/v66.0".length()), null, null);
    assertThat(second.get("records")).as("the rest, at the default batch size").hasSize(250);
    assertThat(second.get("done").asBoolean()).isTrue();
    JsonNode bad = call("GET", "/query/01gNOPE-200", null, null);
    assertThat(bad.get(0).get("errorCode").asText()).isEqualTo("INVALID_QUERY_LOCATOR");
  }

  @Test
  void bulkIngestJobLifecycle() throws Exception {
    JsonNode job = call("POST", "/jobs/ingest", "application/json",
        "{\"object\":\"Contact\",\"operation\":\"upsert\",\"externalIdFieldName\":\"Email\",\"contentType\":\"CSV\",\"lineEnding\":\"LF\"}");
    String id = job.get("id").asText();
    assertThat(job.get("state").asText()).isEqualTo("Open");
    call("PUT", "/jobs/ingest/" + id + "/batches", "text/csv",
        "Email,LastName\na@x.test,Alpha\nnot-an-email,Beta\n\"c@x.test\",\"Gamma, \"\"G\"\"\"\n");
    assertThat(call("PATCH", "/jobs/ingest/" + id, "application/json", "{\"state\":\"UploadComplete\"}").get("state").asText())
        .isEqualTo("UploadComplete");
    JsonNode done = call("GET", "/jobs/ingest/" + id, null, null);
    assertThat(done.get("state").asText()).isEqualTo("JobComplete");
    assertThat(done.get("numberRecordsProcessed").asInt()).isEqualTo(3);
    assertThat(done.get("numberRecordsFailed").asInt()).isEqualTo(1);
    assertThat(call("GET", "/jobs/ingest/" + id + "/successfulResults", null, null).asText())
        .startsWith("\"sf__Id\",\"sf__Created\",\"Email\",\"LastName\"\n").contains("\"true\",\"a@x.test\",\"Alpha\"");
    assertThat(call("GET", "/jobs/ingest/" + id + "/failedResults", null, null).asText())
        .contains("INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --");
    assertThat(sf.records("Contact")).extracting(r -> r.get("LastName")).containsExactly("Alpha", "Gamma, \"G\"");
  }

  @Test
  void collectionsUpsertReportsPerRecordErrors() throws Exception {
    JsonNode results = call("PATCH", "/composite/sobjects/Contact/Email", "application/json",
        "{\"allOrNone\":false,\"records\":[{\"attributes\":{\"type\":\"Contact\"},\"Email\":\"a@x.test\",\"LastName\":\"A\"},"
            + "{\"attributes\":{\"type\":\"Contact\"},\"Email\":\"b@x.test\"},"
            + "{\"attributes\":{\"type\":\"Contact\"},\"Email\":\"A@X.TEST\",\"LastName\":\"Again\"}]}");
    assertThat(results.get(0).get("success").asBoolean()).isFalse();
    assertThat(results.get(0).get("errors").get(0).get("statusCode").asText()).isEqualTo("DUPLICATE_EXTERNAL_ID");
    assertThat(results.get(1).get("errors").get(0).get("statusCode").asText()).isEqualTo("REQUIRED_FIELD_MISSING");
    assertThat(results.get(1).get("errors").get(0).get("fields")).hasSize(1);
    assertThat(sf.recordErrors()).containsEntry("DUPLICATE_EXTERNAL_ID", 2L).containsEntry("REQUIRED_FIELD_MISSING", 1L);
    assertThat(sf.refusals()).isEmpty();
    assertThat(sf.apiRequests()).isEqualTo(1);
  }

  @Test
  void faultsAreServedOnceInOrder() throws Exception {
    sf.injectFault(Fault.SERVER_ERROR).injectFault(Fault.REQUEST_LIMIT_EXCEEDED);
    assertThat(call("GET", "/limits", null, null).get(0).get("errorCode").asText()).isEqualTo("UNKNOWN_EXCEPTION");
    assertThat(call("GET", "/limits", null, null).get(0).get("errorCode").asText()).isEqualTo("REQUEST_LIMIT_EXCEEDED");
    assertThat(call("GET", "/limits", null, null).get("DailyApiRequests").get("Max").asLong()).isEqualTo(1_000_000);
  }

  @Test
  void builderValidatesItsArguments() {
    assertThatThrownBy(() -> SalesforceEmulator.builder().port(70_000)).hasMessageContaining("port");
    assertThatThrownBy(() -> SalesforceEmulator.builder().customField("Contact", "NoSuffix", FieldType.STRING))
        .hasMessageContaining("__c");
    assertThatThrownBy(() -> SalesforceEmulator.builder().faultRate(2)).hasMessageContaining("faultRate");
    assertThatThrownBy(() -> SalesforceEmulator.builder().customField("Nope__c", "X__c", FieldType.STRING).build())
        .hasMessageContaining("Nope__c");
  }
}

package io.crmsync.cli;

import static io.crmsync.cli.ServeFixture.SUPPORT_KEY;
import static io.crmsync.cli.ServeFixture.WEBSITE_KEY;
import static io.crmsync.cli.ServeFixture.contact;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code crm-sync serve} refuses before anything is queued: spent quotas (429 with Retry-After, on the
 * injected clock), bodies too large (413) and batches too long, malformed JSON, unknown fields and wrong types (400
 * naming each problem by its path), changes a target would refuse (422); never quoting a value back.
 */
class ServeLimitsTest {
  /** A value that must never come back in an answer. */
  static final String SECRET_VALUE = "sk_live_0123456789SECRET";
  ServeFixture serve;

  @AfterEach
  void close() {
    if (serve != null) {
      serve.close();
    }
  }

  private ServeClient.Answer submit(String body) {
    return serve.client.post("/v1/changes", body, "X-Api-Key", WEBSITE_KEY);
  }

  private static List<String> fields(ServeClient.Answer a) {
    List<String> out = new ArrayList<>();
    a.json().at("/error/problems").forEach(p -> out.add(p.get("field").asText()));
    return out;
  }

  private static JsonNode problem(ServeClient.Answer a, String field) {
    for (JsonNode p : a.json().at("/error/problems")) {
      if (p.get("field").asText().equals(field)) {
        return p;
      }
    }
    throw new AssertionError("no problem at " + field + " in " + a);
  }

  private void assertNothingQueued() {
    assertThat(serve.gateway.pending("fake").unfinished()).isZero();
  }

  @Test
  void aKeyOverItsQuotaGets429WithRetryAfterUntilTheClockRefillsIt() {
    serve = new ServeFixture("quotaRequests", "3", "quotaWindow", "1m");
    for (int i = 0; i < 3; i++) {
      assertThat(submit(contact("q" + i + "@example.com")).status()).isEqualTo(202);
    }
    ServeClient.Answer refused = submit(contact("q3@example.com"));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).as("one request's worth of a 1 min window of 3").isEqualTo("20");
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(serve.client.get("/v1/changes/r_x", "X-Api-Key", WEBSITE_KEY).status()).as("reads count too")
        .isEqualTo(429);
    // another key has its own quota
    assertThat(serve.client.post("/v1/changes", contact("s@example.com"), "X-Api-Key", SUPPORT_KEY).status())
        .isEqualTo(202);

    serve.clock.advance(Duration.ofSeconds(19));
    ServeClient.Answer stillRefused = submit(contact("q3@example.com"));
    assertThat(stillRefused.status()).isEqualTo(429);
    assertThat(stillRefused.header("Retry-After")).isEqualTo("1");
    serve.clock.advance(Duration.ofSeconds(1));
    assertThat(submit(contact("q3@example.com")).status()).isEqualTo(202);
    assertThat(submit(contact("q4@example.com")).status()).isEqualTo(429);
    // a whole window idle refills the bucket to its size, no more
    serve.clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 3; i++) {
      assertThat(submit(contact("r" + i + "@example.com")).status()).isEqualTo(202);
    }
    assertThat(submit(contact("r3@example.com")).status()).isEqualTo(429);
    assertThat(serve.gateway.pending("fake").unfinished()).isEqualTo(3 + 1 + 1 + 3);
  }

  @Test
  void aBodyOverTheLimitGets413WhetherItsLengthIsDeclaredOrNot() {
    serve = new ServeFixture("maxBodyBytes", "2048");
    String big = "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":\"a@example.com\",\"title\":\""
        + "x".repeat(3_000) + "\"}}";
    ServeClient.Answer declared = submit(big);
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.json().at("/error/code").asText()).isEqualTo("BODY_TOO_LARGE");
    ServeClient.Answer chunked = serve.client.postChunked("/v1/changes", big.getBytes(StandardCharsets.UTF_8),
        "X-Api-Key", WEBSITE_KEY);
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(submit(contact("small@example.com")).status()).as("the server goes on serving").isEqualTo(202);
    assertThat(serve.gateway.pending("fake").unfinished()).isEqualTo(1);
  }

  @Test
  void aBatchOverTheLimitIsRefusedWhole() {
    serve = new ServeFixture("maxBatch", "5");
    StringBuilder batch = new StringBuilder("{\"changes\":[");
    for (int i = 0; i < 6; i++) {
      batch.append(i == 0 ? "" : ",").append(contact("b" + i + "@example.com"));
    }
    ServeClient.Answer refused = submit(batch + "]}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("BATCH_TOO_LARGE");
    assertThat(problem(refused, "changes").get("message").asText()).contains("6 changes").contains("at most 5");
    assertNothingQueued();
  }

  @Test
  void malformedJsonGets400SayingWhereAndQuotingNothing() {
    serve = new ServeFixture();
    for (String body : List.of("", "{", "{\"objectType\": \"" + SECRET_VALUE, "not json " + SECRET_VALUE,
        "{\"objectType\":\"contact\"} {\"x\":\"" + SECRET_VALUE + "\"}", "[1,2", "{'op':'upsert'}",
        "{\"objectType\":\"contact\",\"objectType\":\"" + SECRET_VALUE + "\"}", "{\"a\":NaN}",
        "[".repeat(100) + "]".repeat(100))) {
      ServeClient.Answer a = submit(body);
      assertThat(a.status()).as(body).isEqualTo(400);
      assertThat(a.json().at("/error/code").asText()).as(body).isEqualTo("MALFORMED_JSON");
      assertThat(a.body()).doesNotContain(SECRET_VALUE).doesNotContain("Source:");
    }
    ServeClient.Answer where = submit("{\n  \"op\": upsert\n}");
    assertThat(where.json().at("/error/problems/0/message").asText()).contains("line 2");
    assertThat(submit("{\"a\":1,\"a\":2}").json().at("/error/problems/0/message").asText()).contains("appears twice");
    assertNothingQueued();
  }

  @Test
  void unknownFieldsAndWrongTypesAreEachNamedByTheirPath() {
    serve = new ServeFixture();
    ServeClient.Answer unknown = submit("{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":"
        + "\"a@example.com\"},\"apiKey\":\"" + SECRET_VALUE + "\",\"priority\":1}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().at("/error/code").asText()).isEqualTo("INVALID_REQUEST");
    assertThat(fields(unknown)).containsExactlyInAnyOrder("apiKey", "priority");
    assertThat(problem(unknown, "apiKey").get("code").asText()).isEqualTo("UNKNOWN_FIELD");
    assertThat(unknown.body()).doesNotContain(SECRET_VALUE);

    ServeClient.Answer wrong = submit("{\"changes\":["
        + contact("ok@example.com") + ","
        + "{\"objectType\":7,\"op\":\"merge\",\"record\":{\"email\":{\"v\":\"" + SECRET_VALUE + "\"},"
        + "\"firstName\":null,\"tags\":[\"a\",{\"b\":1}],\"" + "x".repeat(200) + "\":\"y\"},\"idempotencyKey\":\"\"},"
        + "{\"op\":\"upsert\",\"record\":[\"" + SECRET_VALUE + "\"]},"
        + "\"" + SECRET_VALUE + "\","
        + "{\"objectType\":\"contact\",\"op\":\"delete\",\"record\":{},\"extra\":true}"
        + "]}");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(fields(wrong)).containsExactlyInAnyOrder(
        "changes[1].objectType", "changes[1].op", "changes[1].idempotencyKey", "changes[1].record.email",
        "changes[1].record.firstName", "changes[1].record.tags[1]", "changes[1].record",
        "changes[2].objectType", "changes[2].record",
        "changes[3]",
        "changes[4].extra", "changes[4].record");
    assertThat(problem(wrong, "changes[1].objectType").get("code").asText()).isEqualTo("WRONG_TYPE");
    assertThat(problem(wrong, "changes[1].objectType").get("message").asText()).contains("a string, not a number");
    assertThat(problem(wrong, "changes[1].op").get("code").asText()).isEqualTo("INVALID_VALUE");
    assertThat(problem(wrong, "changes[1].record.email").get("message").asText()).contains("not an object");
    assertThat(problem(wrong, "changes[2].objectType").get("code").asText()).isEqualTo("REQUIRED");
    assertThat(problem(wrong, "changes[3]").get("message").asText()).contains("not a string");
    assertThat(wrong.body()).doesNotContain(SECRET_VALUE).doesNotContain("xxxxxxxxxx");

    assertThat(submit("[" + contact("a@example.com") + "]").json().at("/error/problems/0/message").asText())
        .contains("must be a JSON object, not an array");
    assertThat(fields(submit("{\"changes\":{}}"))).containsExactly("changes");
    assertNothingQueued();
  }

  @Test
  void aChangeATargetWouldRefuseGets422NamingEveryFieldAndQueuesNothing() {
    serve = new ServeFixture();
    ServeClient.Answer refused = submit("{\"changes\":[" + contact("ok@example.com") + ","
        + "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":\"" + SECRET_VALUE + "\"}}]}");
    assertThat(refused.status()).as("%s", refused).isEqualTo(422);
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("INVALID_CHANGE");
    assertThat(fields(refused)).contains("changes[1].record.email");
    assertThat(refused.body()).doesNotContain(SECRET_VALUE);
    assertNothingQueued();
  }

  @Test
  void otherRefusalsNameWhatToDo() {
    serve = new ServeFixture();
    ServeClient.Answer form = serve.client.send(serve.client.request("/v1/changes")
        .header("Content-Type", "application/x-www-form-urlencoded").header("X-Api-Key", WEBSITE_KEY)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("a=b")).build());
    assertThat(form.status()).isEqualTo(415);
    ServeClient.Answer get = serve.client.get("/v1/changes", "X-Api-Key", WEBSITE_KEY);
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.header("Allow")).isEqualTo("POST");
    assertThat(serve.client.get("/v1/changes/r_unknown", "X-Api-Key", WEBSITE_KEY).status()).isEqualTo(404);
    assertThat(serve.client.get("/v2/anything").status()).isEqualTo(404);
    assertNothingQueued();
  }
}

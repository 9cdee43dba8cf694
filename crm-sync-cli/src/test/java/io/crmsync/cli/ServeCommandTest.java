package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmConfigurationException;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crm-sync serve} configured from a properties file and the environment, in front of the HubSpot and
 * Dataverse emulators over loopback: changes posted over HTTP reach both CRMs and their status says so; the OpenAPI
 * description lists only paths that answer as it says.
 */
class ServeCommandTest {
  static final String KEY = "k-app-0123456789abcdef0123456789abcdef";
  final FakeTimeSource clock = new FakeTimeSource();

  private static Path config(Path dir, HubSpotEmulator hs, DataverseEmulator dv, String... extra) throws Exception {
    List<String> lines = new ArrayList<>(List.of(
        "crmsync.serve.host=127.0.0.1",
        "crmsync.serve.port=0",
        "crmsync.serve.targets=hubspot,dynamics",
        "crmsync.hubspot.baseUrl=" + hs.adapterSettings().get("baseUrl"),
        "crmsync.hubspot.token=" + hs.adapterSettings().get("token")));
    dv.adapterSettings().forEach((k, v) -> lines.add("crmsync.dynamics." + k + "=" + v));
    lines.addAll(List.of(extra));
    Path file = dir.resolve("serve.properties");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private ServeCommand.Running start(Path config, Map<String, String> env, ByteArrayOutputStream printed,
      String... more) throws Exception {
    ServeCommand command = new ServeCommand(env);
    List<String> args = new ArrayList<>(List.of("--config", config.toString()));
    args.addAll(List.of(more));
    new picocli.CommandLine(command).parseArgs(args.toArray(new String[0]));
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8), clock, false);
  }

  @Test
  void eachTargetsRequestsAreServedAsPrometheusMetrics(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (HubSpotEmulator hs = HubSpotEmulator.builder().build().start();
        DataverseEmulator dv = DataverseEmulator.builder().alternateKey("contact", "emailaddress1").build().start();
        ServeCommand.Running serve = start(config(dir, hs, dv), Map.of("CRMSYNC_SERVE_API_KEYS", "app:" + KEY),
            printed, "--metrics", "prometheus:127.0.0.1:0")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("Metrics on (http://\\S+/metrics)")
          .matcher(printed.toString(StandardCharsets.UTF_8));
      assertThat(m.find()).as(printed.toString(StandardCharsets.UTF_8)).isTrue();
      ServeClient client = new ServeClient(serve.url());
      ServeClient.Answer posted = client.post("/v1/changes", "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":"
          + "{\"email\":\"ada@example.com\",\"lastName\":\"Lovelace\"}}", "X-Api-Key", KEY);
      String receipt = posted.json().get("receipt").asText();
      for (int i = 0; i < 20 && !client.get("/v1/changes/" + receipt, "X-Api-Key", KEY).json().get("final").asBoolean();
          i++) {
        serve.gateway.deliverDue();
        clock.advance(Duration.ofSeconds(1));
      }

      String scrape;
      try (java.io.InputStream in = java.net.URI.create(m.group(1)).toURL().openStream()) {
        scrape = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      for (String adapter : List.of("hubspot", "dynamics")) {
        assertThat(scrape.lines().filter(l -> l.startsWith("crmsync_adapter_requests_seconds_count{")
            && l.contains("adapter=\"" + adapter + "\"") && l.contains("operation=\"upsert\"")))
            .as("%s's writes in %s", adapter, scrape).isNotEmpty();
      }
      assertThat(scrape).as("no key in the metrics").doesNotContain(KEY);
    }
  }

  @Test
  void changesPostedOverHttpReachEveryTargetAndTheirStatusSaysSo(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (HubSpotEmulator hs = HubSpotEmulator.builder().build().start();
        DataverseEmulator dv = DataverseEmulator.builder().alternateKey("contact", "emailaddress1").build().start();
        ServeCommand.Running serve = start(config(dir, hs, dv), Map.of("CRMSYNC_SERVE_API_KEYS", "app:" + KEY),
            printed)) {
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Serving the gateway on http://127.0.0.1:")
          .contains("to hubspot, dynamics").contains("1 API key(s) [app]").doesNotContain(KEY);
      ServeClient client = new ServeClient(serve.url());

      ServeClient.Answer one = client.post("/v1/changes", "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":"
          + "{\"email\":\"ada@example.com\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"title\":\"Analyst\"},"
          + "\"idempotencyKey\":\"signup-42\"}", "Authorization", "Bearer " + KEY);
      assertThat(one.status()).as("%s", one).isEqualTo(202);
      String receipt = one.json().get("receipt").asText();
      assertThat(one.header("Location")).isEqualTo("/v1/changes/" + receipt);
      assertThat(one.json().get("duplicate").asBoolean()).isFalse();

      ServeClient.Answer again = client.post("/v1/changes", "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":"
          + "{\"email\":\"ada@example.com\",\"lastName\":\"Other\"},\"idempotencyKey\":\"signup-42\"}", "X-Api-Key", KEY);
      assertThat(again.json().get("receipt").asText()).isEqualTo(receipt);
      assertThat(again.json().get("duplicate").asBoolean()).isTrue();

      ServeClient.Answer batch = client.post("/v1/changes", "{\"changes\":["
          + "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":\"grace@example.com\",\"lastName\":\"Hopper\"}},"
          + "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":\"grace@example.com\",\"lastName\":\"Hopper\",\"title\":\"Admiral\"}}"
          + "]}", "X-Api-Key", KEY);
      assertThat(batch.status()).as("%s", batch).isEqualTo(202);
      assertThat(batch.json().get("receipts")).hasSize(2);

      JsonNode pending = client.get("/v1/changes/" + receipt, "X-Api-Key", KEY).json();
      assertThat(pending.get("delivered").asBoolean()).isFalse();
      assertThat(pending.at("/targets/hubspot/state").asText()).isEqualTo("PENDING");

      for (int i = 0; i < 20 && !client.get("/v1/changes/" + batch.json().at("/receipts/1/receipt").asText(),
          "X-Api-Key", KEY).json().get("final").asBoolean(); i++) {
        serve.gateway.deliverDue();
        clock.advance(Duration.ofSeconds(1));
      }
      JsonNode delivered = client.get("/v1/changes/" + receipt, "X-Api-Key", KEY).json();
      assertThat(delivered.get("delivered").asBoolean()).as("%s", delivered).isTrue();
      for (String target : List.of("hubspot", "dynamics")) {
        assertThat(delivered.at("/targets/" + target + "/state").asText()).isEqualTo("DELIVERED");
        assertThat(delivered.at("/targets/" + target + "/targetId").asText()).isNotBlank();
      }
      assertThat(hs.records("contacts")).extracting(c -> c.get("email") + "/" + c.get("jobtitle"))
          .containsExactlyInAnyOrder("ada@example.com/Analyst", "grace@example.com/Admiral");
      assertThat(dv.records("contact")).extracting(c -> c.get("emailaddress1") + "/" + c.get("lastname"))
          .containsExactlyInAnyOrder("ada@example.com/Lovelace", "grace@example.com/Hopper");
      assertThat(client.get("/v1/changes/" + batch.json().at("/receipts/0/receipt").asText(), "X-Api-Key", KEY)
          .json().get("delivered").asBoolean()).isTrue();

      JsonNode health = client.get("/healthz").json();
      assertThat(health.get("status").asText()).isEqualTo("ok");
      for (String target : List.of("hubspot", "dynamics")) {
        assertThat(health.at("/targets/" + target + "/pending").asLong()).as("%s", health).isZero();
        assertThat(health.at("/targets/" + target + "/lastCall/status").asInt()).as("%s", health).isBetween(200, 299);
      }
      assertThat(health.toString()).as("no record data").doesNotContain("ada@example.com");
    }
  }

  @Test
  void everyPathTheDescriptionListsAnswersWithAStatusItDocuments(@TempDir Path dir) throws Exception {
    try (HubSpotEmulator hs = HubSpotEmulator.builder().build().start();
        DataverseEmulator dv = DataverseEmulator.builder().alternateKey("contact", "emailaddress1").build().start();
        ServeCommand.Running serve = start(config(dir, hs, dv, "crmsync.serve.apiKeys=app:" + KEY,
            "crmsync.serve.maxBatch=50"), Map.of(), new ByteArrayOutputStream())) {
      ServeClient client = new ServeClient(serve.url());
      JsonNode doc = client.get("/openapi.json").json();
      assertThat(doc.get("openapi").asText()).startsWith("3.");
      assertThat(doc.at("/components/schemas/Batch/properties/changes/maxItems").asInt()).isEqualTo(50);
      String receipt = client.post("/v1/changes", ServeFixture.contact("doc@example.com"), "X-Api-Key", KEY).json()
          .get("receipt").asText();
      List<String> checked = new ArrayList<>();
      for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
        String url = path.getKey().replace("{receipt}", receipt);
        for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
          Set<String> documented = new java.util.HashSet<>();
          op.getValue().get("responses").properties().forEach(r -> documented.add(r.getKey()));
          ServeClient.Answer a = switch (op.getKey()) {
            case "get" -> client.get(url, "X-Api-Key", KEY);
            case "post" -> client.post(url, ServeFixture.contact("doc2@example.com"), "X-Api-Key", KEY);
            default -> throw new AssertionError("an operation the test does not send: " + op.getKey());
          };
          assertThat(documented).as("%s %s answered %s", op.getKey(), path.getKey(), a)
              .contains(Integer.toString(a.status()));
          assertThat(a.status()).as("%s %s", op.getKey(), path.getKey()).isBetween(200, 299);
          // and what it documents for a request without credentials, where it asks for them
          if (!op.getValue().has("security")) {
            ServeClient.Answer anonymous = op.getKey().equals("get") ? client.get(url)
                : client.post(url, ServeFixture.contact("doc3@example.com"));
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(documented).contains("401");
          }
          checked.add(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
        }
      }
      assertThat(checked).containsExactlyInAnyOrder("POST /v1/changes", "GET /v1/changes/{receipt}", "GET /healthz",
          "GET /openapi.json");
    }
  }

  @Test
  void settingsThatAreMissingOrWrongAreNamedWithoutShowingSecrets() {
    Properties p = new Properties();
    p.setProperty("crmsync.serve.targets", "hubspot");
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of())).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("no credentials are accepted").hasMessageContaining("never runs open");
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of("CRMSYNC_SERVE_API_KEYS", "app:short-secret")))
        .hasMessageContaining("shorter than 16").hasMessageNotContaining("short-secret");
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of("CRMSYNC_SERVE_API_KEYS", "bad name:" + KEY)))
        .hasMessageContaining("name:key").hasMessageNotContaining(KEY);
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of("CRMSYNC_SERVE_JWT_ISSUER", "https://auth.example.com/",
        "CRMSYNC_SERVE_JWT_AUDIENCE", "api", "CRMSYNC_SERVE_JWT_HMAC_SECRET", "too-short-hmac")))
        .hasMessageContaining("at least 32 bytes").hasMessageNotContaining("too-short-hmac");
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of("CRMSYNC_SERVE_JWT_HMAC_SECRET", "x".repeat(40))))
        .hasMessageContaining("jwtIssuer/jwtAudience");
    assertThatThrownBy(() -> ServeSettings.from(p, Map.of("CRMSYNC_SERVE_API_KEYS", "app:" + KEY,
        "CRMSYNC_SERVE_JWT_ISSUER", "i", "CRMSYNC_SERVE_JWT_AUDIENCE", "a", "CRMSYNC_SERVE_JWT_HMAC_SECRET",
        "x".repeat(40), "CRMSYNC_SERVE_JWT_CLOCK_SKEW", "1h"))).hasMessageContaining("jwtClockSkew");
    assertThatThrownBy(() -> ServeSettings.from(new Properties(), Map.of("CRMSYNC_SERVE_API_KEYS", "app:" + KEY)))
        .hasMessageContaining("targets");
    ServeSettings ok = ServeSettings.from(p, Map.of("CRMSYNC_SERVE_API_KEYS", "app:" + KEY, "CRMSYNC_SERVE_PORT", "9090"));
    assertThat(ok.port()).isEqualTo(9090);
    assertThat(ok.toString()).contains("app").doesNotContain(KEY);
  }
}

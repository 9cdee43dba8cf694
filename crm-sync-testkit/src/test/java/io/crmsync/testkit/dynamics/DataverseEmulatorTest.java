package io.crmsync.testkit.dynamics;

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
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator over raw HTTP: Dataverse's shapes, limits and errors, as Microsoft's pages describe them. */
class DataverseEmulatorTest {
  static final OkHttpClient HTTP = new OkHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  final FakeTimeSource clock = new FakeTimeSource();
  DataverseEmulator dv;

  @AfterEach
  void stop() {
    if (dv != null) {
      dv.close();
    }
  }

  record Reply(int status, JsonNode body, okhttp3.Headers headers, String text) {}

  String token() throws IOException {
    Map<String, String> s = dv.adapterSettings();
    try (Response r = HTTP.newCall(new Request.Builder().url(dv.tokenUrl()).post(new FormBody.Builder()
        .add("grant_type", "client_credentials").add("client_id", s.get("clientId")).add("client_secret", s.get("clientSecret"))
        .add("scope", dv.url() + "/.default").build()).build()).execute()) {
      return JSON.readTree(r.body().string()).get("access_token").asText();
    }
  }

  HttpUrl.Builder api(String path) {
    return HttpUrl.get(dv.url() + "/api/data/v9.2/" + path).newBuilder();
  }

  Reply call(String method, HttpUrl url, String json, String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url(url).header("Authorization", "Bearer " + token())
        .header("OData-Version", "4.0").header("OData-MaxVersion", "4.0").header("Accept", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    b.method(method, method.equals("GET") || method.equals("DELETE") ? null : RequestBody.create(json, MediaType.get("application/json")));
    try (Response r = HTTP.newCall(b.build()).execute()) {
      String text = r.body().string();
      JsonNode body;
      try {
        body = text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
      } catch (IOException e) {
        body = JSON.createObjectNode();
      }
      return new Reply(r.code(), body, r.headers(), text);
    }
  }

  Reply get(HttpUrl url, String... headers) throws IOException {
    return call("GET", url, "", headers);
  }

  @Test
  void aUsersTestStartsItInAFewLines() {
    try (DataverseEmulator emulator = DataverseEmulator.create().start()) {
      assertThat(emulator.url()).startsWith("http://");
      assertThat(emulator.adapterSettings()).containsKeys("orgUrl", "tenantId", "tokenUrl", "clientId", "clientSecret");
      String id = emulator.insert("contact", Map.of("firstname", "Ada", "lastname", "Lovelace"));
      assertThat(emulator.record("contacts", id)).containsEntry("fullname", "Ada Lovelace").containsEntry("ownerid", emulator.callerId());
      assertThat(emulator.refusals()).isEmpty();
    }
  }

  @Test
  void filtersCompareTextNumbersDatesAndGuids() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).build().start();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      clock.advance(Duration.ofMinutes(1));
      ids.add(dv.insert("contact", Map.of("lastname", "N" + i, "firstname", i % 2 == 0 ? "Even" : "Odd", "numberofchildren", i,
          "emailaddress1", "p" + i + "@example.com")));
    }
    String at3 = dv.record("contact", ids.get(3)).get("createdon").toString();
    Map<String, Integer> expected = Map.of(
        "numberofchildren ge 2 and numberofchildren lt 5", 3,
        "firstname eq 'Even' or numberofchildren eq 1", 4,
        "not (firstname eq 'Even')", 3,
        "firstname ne 'Even'", 3,
        "contains(emailaddress1,'p1') or startswith(lastname,'N5')", 2,
        "endswith(emailaddress1,'3@example.com')", 1,
        "createdon gt " + at3, 2,
        "contactid eq " + ids.get(4), 1,
        "numberofchildren le 0", 1);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      Reply r = get(api("contacts").addQueryParameter("$select", "lastname").addQueryParameter("$filter", e.getKey()).build());
      assertThat(r.status()).as(e.getKey() + ": " + r.text()).isEqualTo(200);
      assertThat(r.body().get("value")).as(e.getKey()).hasSize(e.getValue());
    }
    Reply ordered = get(api("contacts").addQueryParameter("$select", "lastname").addQueryParameter("$orderby", "numberofchildren desc")
        .addQueryParameter("$top", "2").addQueryParameter("$count", "true").build());
    assertThat(ordered.body().get("value").get(0).get("lastname").asText()).isEqualTo("N5");
    assertThat(ordered.body().get("value")).hasSize(2);
    assertThat(ordered.body().get("@odata.count").asInt()).isEqualTo(6);
  }

  @Test
  void malformedQueriesAreRefusedAsDataverseRefusesThem() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).build().start();
    Reply unknown = get(api("contacts").addQueryParameter("$select", "nosuchcolumn").build());
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("error").path("message").asText()).contains("Could not find a property named 'nosuchcolumn'");
    Reply types = get(api("contacts").addQueryParameter("$filter", "numberofchildren eq 'two'").build());
    assertThat(types.status()).isEqualTo(400);
    assertThat(types.body().path("error").path("message").asText()).contains("incompatible types");
    Reply unterminated = get(api("contacts").addQueryParameter("$filter", "lastname eq 'O'Brien'").build());
    assertThat(unterminated.status()).isEqualTo(400);
    Reply tracked = get(api("contacts").addQueryParameter("$filter", "lastname eq 'x'").build(), "Prefer", "odata.track-changes");
    assertThat(tracked.status()).isEqualTo(400);
    assertThat(tracked.text()).contains("isn't supported when Change Tracking is enabled");
    assertThat(get(api("Contacts").build()).body().path("error").path("code").asText()).isEqualTo("0x8006088a");
    assertThat(dv.refusedCount()).as("a 404 is not counted: deletes and lookups meet it legitimately").isEqualTo(4);
    assertThat(dv.refusals()).extracting(DataverseEmulator.Refusal::status).containsOnly(400);
  }

  @Test
  void pagesHoldAtMost5000RowsAndCountsStopAt5000() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).build().start();
    for (int i = 0; i < 5_003; i++) {
      dv.insert("account", Map.of("name", "A" + i));
    }
    Reply page = get(api("accounts").addQueryParameter("$select", "name").addQueryParameter("$count", "true").build(),
        "Prefer", "odata.maxpagesize=10000");
    assertThat(page.body().get("value")).hasSize(5_000);
    assertThat(page.body().get("@odata.count").asInt()).isEqualTo(5_000);
    assertThat(page.body().get("@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded").asBoolean()).isTrue();
    Reply rest = get(HttpUrl.get(page.body().get("@odata.nextLink").asText()));
    assertThat(rest.body().get("value")).hasSize(3);
    assertThat(rest.body().has("@odata.nextLink")).isFalse();
  }

  @Test
  void writesAreCheckedAsDataverseChecksThem() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).alternateKey("contact", "emailaddress1").build().start();
    Reply tooLong = call("POST", api("contacts").build(), "{\"lastname\":\"" + "x".repeat(51) + "\"}");
    assertThat(tooLong.body().path("error").path("code").asText()).isEqualTo("0x80044331");
    Reply unknown = call("POST", api("contacts").build(), "{\"nosuchcolumn\":1}");
    assertThat(unknown.body().path("error").path("code").asText()).isEqualTo("0x80048d19");
    Reply badType = call("POST", api("contacts").build(), "{\"numberofchildren\":\"two\"}");
    assertThat(badType.status()).isEqualTo(400);
    Reply missingTarget = call("POST", api("contacts").build(),
        "{\"parentcustomerid_account@odata.bind\":\"/accounts(00000000-0000-0000-0000-000000000009)\"}");
    assertThat(missingTarget.status()).isEqualTo(404);
    assertThat(missingTarget.body().path("error").path("message").asText()).contains("With Id = 00000000-0000-0000-0000-000000000009");
    Reply badId = call("POST", api("contacts").build(), "{\"parentcustomerid_account@odata.bind\":\"/accounts(not-a-guid)\"}");
    assertThat(badId.status()).isEqualTo(400);

    HttpUrl byKey = api("contacts(emailaddress1='k@example.com')").build();
    assertThat(call("PATCH", byKey, "{\"lastname\":\"K\"}", "If-Match", "*").status()).as("update only: no such row").isEqualTo(404);
    assertThat(call("PATCH", byKey, "{\"lastname\":\"K\"}", "If-None-Match", "*").status()).as("create only").isEqualTo(204);
    assertThat(call("PATCH", byKey, "{\"lastname\":\"K\"}", "If-None-Match", "*").status()).as("create only: exists").isEqualTo(412);
    Reply created = call("PATCH", api("contacts(emailaddress1='k2@example.com')").addQueryParameter("$select", "contactid").build(),
        "{\"lastname\":\"K2\"}", "Prefer", "return=representation");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.headers().get("Preference-Applied")).isEqualTo("return=representation");
    assertThat(call("DELETE", api("contacts(" + created.body().get("contactid").asText() + ")").build(), "").status()).isEqualTo(204);
    assertThat(call("DELETE", api("contacts(" + created.body().get("contactid").asText() + ")").build(), "").status()).isEqualTo(404);
    assertThat(dv.count("contact")).isEqualTo(1);
  }

  @Test
  void changeTrackingReturnsChangesAndDeletionsSinceTheDeltaLink() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).deltaTokenLifetime(Duration.ofDays(7)).build().start();
    String kept = dv.insert("account", Map.of("name", "Kept"));
    String gone = dv.insert("account", Map.of("name", "Gone"));
    Reply initial = get(api("accounts").addQueryParameter("$select", "name").build(), "Prefer", "odata.track-changes");
    String delta = initial.body().get("@odata.deltaLink").asText();
    dv.update("account", kept, Map.of("name", "Kept, changed"));
    dv.delete("account", gone);
    String added = dv.insert("account", Map.of("name", "Added"));
    JsonNode changes = get(HttpUrl.get(delta)).body().get("value");
    assertThat(changes).hasSize(3);
    assertThat(changes.findValuesAsText("accountid")).containsExactlyInAnyOrder(kept, added);
    assertThat(changes.findValuesAsText("reason")).containsExactly("deleted");
    clock.advance(Duration.ofDays(8));
    Reply expired = get(HttpUrl.get(delta));
    assertThat(expired.status()).isEqualTo(400);
    assertThat(expired.body().path("error").path("code").asText()).isEqualTo("0x80044352");
  }

  @Test
  void theRecycleBinPagesByFetchXmlCookies() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).recycleBin("account", true).build().start();
    for (int i = 0; i < 5; i++) {
      dv.delete("account", dv.insert("account", Map.of("name", "Deleted" + i)));
    }
    dv.insert("account", Map.of("name", "Live"));
    List<String> names = new ArrayList<>();
    String fetch = "<fetch datasource='bin' count='2' page='1'><entity name='account'><attribute name='name' /></entity></fetch>";
    int requests = 0;
    while (fetch != null) {
      Reply r = get(api("accounts").addQueryParameter("fetchXml", fetch).build(), "Prefer",
          "odata.include-annotations=\"Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords\"");
      requests++;
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      r.body().get("value").forEach(v -> names.add(v.get("name").asText()));
      if (!r.body().get("@Microsoft.Dynamics.CRM.morerecords").asBoolean()) {
        fetch = null;
      } else {
        String annotation = r.body().get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie").asText();
        int page = Integer.parseInt(annotation.replaceAll(".*pagenumber=\"(\\d+)\".*", "$1"));
        String cookie = Fetch.decodeTwice(annotation.replaceAll(".*pagingcookie=\"([^\"]*)\".*", "$1"));
        fetch = "<fetch datasource='bin' count='2' page='" + page + "' paging-cookie='" + cookie.replace("&", "&amp;")
            .replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;") + "'><entity name='account'><attribute name='name' />"
            + "</entity></fetch>";
      }
    }
    assertThat(requests).isEqualTo(3);
    assertThat(names).hasSize(5).allMatch(n -> n.startsWith("Deleted"));

    Reply live = get(api("accounts").addQueryParameter("fetchXml", "<fetch><entity name='account'><all-attributes /></entity></fetch>").build());
    assertThat(live.body().get("value")).hasSize(1);
    Reply noBin = get(api("contacts").addQueryParameter("fetchXml",
        "<fetch datasource='bin'><entity name='contact'><attribute name='lastname' /></entity></fetch>").build());
    assertThat(noBin.body().get("value")).as("no recycle bin for contacts: nothing to restore").isEmpty();

    clock.advance(Duration.ofDays(31));
    Reply later = get(api("accounts").addQueryParameter("fetchXml",
        "<fetch datasource='bin'><entity name='account'><attribute name='name' /></entity></fetch>").build());
    assertThat(later.body().get("value")).as("kept 30 days").isEmpty();

    Reply malformed = get(api("accounts").addQueryParameter("fetchXml", "<fetch><entity name='account'>").build());
    assertThat(malformed.status()).isEqualTo(400);
    Reply linked = get(api("accounts").addQueryParameter("fetchXml",
        "<fetch><entity name='account'><link-entity name='contact' from='parentcustomerid' to='accountid' /></entity></fetch>").build());
    assertThat(linked.status()).isEqualTo(400);
    assertThat(dv.unsupportedCount()).isEqualTo(1);
  }

  @Test
  void theRequestWindowAnswers429WithRetryAfterAndTheDocumentedCode() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).serviceProtection(3, Duration.ofMinutes(5)).build().start();
    for (int i = 0; i < 3; i++) {
      Reply ok = get(api("accounts").build());
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.headers().get("x-ms-ratelimit-burst-remaining-xrm-requests")).isEqualTo(Integer.toString(2 - i));
    }
    Reply limited = get(api("accounts").build());
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body().path("error").path("code").asText()).isEqualTo("0x80072322");
    assertThat(Long.parseLong(limited.headers().get("Retry-After"))).isBetween(1L, 300L);
    clock.advance(Duration.ofMinutes(5));
    assertThat(get(api("accounts").build()).status()).isEqualTo(200);
    assertThat(dv.rateLimitedCount()).isEqualTo(1);
  }

  @Test
  void tokensExpireOnTheEmulatorsClockAndTheTokenEndpointRefusesBadRequests() throws IOException {
    dv = DataverseEmulator.builder().timeSource(clock).tokenLifetime(Duration.ofMinutes(10)).build().start();
    String token = token();
    Request read = new Request.Builder().url(api("accounts").build()).header("Authorization", "Bearer " + token).build();
    try (Response r = HTTP.newCall(read).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    clock.advance(Duration.ofMinutes(11));
    try (Response r = HTTP.newCall(read).execute()) {
      assertThat(r.code()).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    }
    try (Response r = HTTP.newCall(new Request.Builder().url(dv.tokenUrl()).post(new FormBody.Builder()
        .add("grant_type", "client_credentials").add("client_id", "emulator").add("client_secret", "emulator")
        .add("scope", "https://elsewhere.crm.dynamics.com/.default").build()).build()).execute()) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(JSON.readTree(r.body().string()).get("error").asText()).isEqualTo("invalid_scope");
    }
  }

  @Test
  void builderSettingsAreValidated() {
    assertThatThrownBy(() -> DataverseEmulator.builder().serverErrorRate(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DataverseEmulator.builder().serverErrorRate(0.6).truncatedBodyRate(0.6))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DataverseEmulator.builder().alternateKey("nosuchtable", "x").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TableSpec.custom("Bad Name", "bads")).isInstanceOf(IllegalArgumentException.class);
  }
}

package io.crmsync.testkit.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.RawHubSpot.Reply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What HubSpot refuses in writes and reads, refused the same way, and counted. */
class HubSpotEmulatorValidationTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;
  RawHubSpot http;

  @AfterEach
  void stop() {
    hubspot.close();
  }

  private void start(HubSpotEmulator.Builder b) {
    hubspot = b.timeSource(clock).build().start();
    http = new RawHubSpot(hubspot);
  }

  private static String input(String email, String trace, String properties) {
    return "{\"idProperty\":\"email\",\"id\":\"" + email + "\"" + (trace == null ? "" : ",\"objectWriteTraceId\":\"" + trace + "\"")
        + ",\"properties\":{" + properties + "}}";
  }

  private Reply upsert(String... inputs) throws IOException {
    return http.post("/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":[" + String.join(",", inputs) + "]}");
  }

  @Test
  void anUnknownPropertyRefusesAnUntracedBatchWholeWithHubSpotsBody() throws IOException {
    start(HubSpotEmulator.builder());
    Reply r = upsert(input("a@example.com", null, "\"firstname\":\"A\""),
        input("b@example.com", null, "\"External_Id__c\":\"X-1\""));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("status").asText()).isEqualTo("error");
    assertThat(r.body().path("category").asText()).isEqualTo("VALIDATION_ERROR");
    assertThat(r.body().path("correlationId").asText()).isNotBlank();
    assertThat(r.body().path("message").asText()).startsWith("Property values were not valid: [");
    JsonNode detail = r.body().path("errors").get(0);
    assertThat(detail.path("code").asText()).isEqualTo("PROPERTY_DOESNT_EXIST");
    assertThat(detail.path("message").asText()).isEqualTo("Property \"External_Id__c\" does not exist");
    assertThat(detail.path("context").path("propertyName").get(0).asText()).isEqualTo("External_Id__c");
    JsonNode listed = RawHubSpot.invalidValues(r.body()).get(0);
    assertThat(listed.path("isValid").asBoolean(true)).isFalse();
    assertThat(listed.path("error").asText()).isEqualTo("PROPERTY_DOESNT_EXIST");
    assertThat(listed.path("name").asText()).isEqualTo("External_Id__c");
    assertThat(hubspot.records("contacts")).as("nothing of a batch refused whole is written").isEmpty();
    assertThat(hubspot.refusals()).containsExactly(Map.entry("PROPERTY_DOESNT_EXIST", 1L));
  }

  @Test
  void aTracedBatchAnswers207WithTheDocumentedErrorPerBadInput() throws IOException {
    start(HubSpotEmulator.builder());
    Reply r = upsert(input("a@example.com", "t0", "\"firstname\":\"A\""),
        input("b@example.com", "t1", "\"missing\":\"1\""),
        input("c@example.com", "t2", "\"hs_object_id\":\"5\",\"lastname\":\"C\""));
    assertThat(r.status()).isEqualTo(207);
    assertThat(r.body().path("status").asText()).isEqualTo("COMPLETE");
    assertThat(r.body().path("numErrors").asInt()).isEqualTo(2);
    assertThat(r.body().path("results")).hasSize(1);
    List<String> codes = new ArrayList<>();
    for (JsonNode e : r.body().path("errors")) {
      assertThat(e.path("category").asText()).isEqualTo("VALIDATION_ERROR");
      assertThat(e.path("context").path("objectWriteTraceId")).hasSize(1);
      codes.add(RawHubSpot.invalidValues(e).get(0).path("error").asText());
    }
    assertThat(codes).containsExactlyInAnyOrder("PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE");
    assertThat(hubspot.records("contacts")).hasSize(1);
    assertThat(hubspot.refusals()).containsOnly(Map.entry("PROPERTY_DOESNT_EXIST", 1L), Map.entry("READ_ONLY_VALUE", 1L));
  }

  @Test
  void calculatedAndReadOnlyPropertiesAreRefused() throws IOException {
    start(HubSpotEmulator.builder().calculatedProperty("contacts", "deal_total", "number"));
    for (String property : List.of("hs_email_domain", "lastmodifieddate", "hs_lastmodifieddate", "deal_total")) {
      Reply r = upsert(input("a@example.com", null, "\"" + property + "\":\"1\""));
      assertThat(r.status()).as(property).isEqualTo(400);
      JsonNode listed = RawHubSpot.invalidValues(r.body()).get(0);
      assertThat(listed.path("error").asText()).isEqualTo("READ_ONLY_VALUE");
      assertThat(listed.path("message").asText()).contains("read only property");
    }
    JsonNode properties = http.get("/crm/v3/properties/contacts").body().path("results");
    for (JsonNode p : properties) {
      if (p.path("name").asText().equals("deal_total") || p.path("name").asText().equals("hs_email_domain")) {
        assertThat(p.path("calculated").asBoolean()).isTrue();
        assertThat(p.path("modificationMetadata").path("readOnlyValue").asBoolean()).isTrue();
      }
    }
  }

  @Test
  void enumerationValuesMustBeOptions() throws IOException {
    start(HubSpotEmulator.builder().enumerationProperty("contacts", "tags", true, "a", "b"));
    assertThat(upsert(input("a@example.com", null, "\"lifecyclestage\":\"customer\",\"tags\":\"a;b\"")).status())
        .isEqualTo(200);
    Reply r = upsert(input("b@example.com", null, "\"lifecyclestage\":\"Customer\""));
    assertThat(r.status()).isEqualTo(400);
    JsonNode listed = RawHubSpot.invalidValues(r.body()).get(0);
    assertThat(listed.path("error").asText()).isEqualTo("INVALID_OPTION");
    assertThat(listed.path("message").asText()).startsWith("Customer was not one of the allowed options: [subscriber, lead");
    assertThat(upsert(input("c@example.com", null, "\"tags\":\"a;c\"")).status()).isEqualTo(400);
    JsonNode tags = null;
    for (JsonNode p : http.get("/crm/v3/properties/contacts").body().path("results")) {
      if (p.path("name").asText().equals("tags")) {
        tags = p;
      }
    }
    assertThat(tags).isNotNull();
    assertThat(tags.path("type").asText()).isEqualTo("enumeration");
    assertThat(tags.path("fieldType").asText()).isEqualTo("checkbox");
    assertThat(tags.path("options").findValuesAsText("value")).containsExactly("a", "b");
  }

  @Test
  void theOwnerMustBeAnActiveOwnerOfTheAccount() throws IOException {
    start(HubSpotEmulator.builder().owner("41629779", "rep@example.com", "Rep", "One"));
    assertThat(hubspot.ownerIds()).containsExactly("41629779");
    assertThat(upsert(input("a@example.com", null, "\"hubspot_owner_id\":\"41629779\"")).status()).isEqualTo(200);
    Reply salesforceOwner = upsert(input("b@example.com", null, "\"hubspot_owner_id\":\"0055g00000ABCDeAAH\""));
    assertThat(salesforceOwner.status()).isEqualTo(400);
    assertThat(RawHubSpot.invalidValues(salesforceOwner.body()).get(0).path("error").asText()).isEqualTo("INVALID_OPTION");

    Reply owners = http.get("/crm/v3/owners");
    assertThat(owners.body().path("results")).hasSize(1);
    JsonNode owner = owners.body().path("results").get(0);
    assertThat(owner.path("id").asText()).isEqualTo("41629779");
    assertThat(owner.path("email").asText()).isEqualTo("rep@example.com");
    assertThat(owner.path("type").asText()).isEqualTo("PERSON");
    assertThat(http.get("/crm/v3/owners/41629779").status()).isEqualTo(200);
    assertThat(http.get("/crm/v3/owners/1").status()).isEqualTo(404);

    JsonNode property = null;
    for (JsonNode p : http.get("/crm/v3/properties/contacts").body().path("results")) {
      if (p.path("name").asText().equals("hubspot_owner_id")) {
        property = p;
      }
    }
    assertThat(property).isNotNull();
    assertThat(property.path("referencedObjectType").asText()).isEqualTo("OWNER");
    assertThat(property.path("externalOptions").asBoolean()).isTrue();
  }

  @Test
  void emailsNumbersAndDatesAreChecked() throws IOException {
    start(HubSpotEmulator.builder().property("contacts", "score", "number", false));
    Reply r = upsert(input("not-an-email", "0", ""), input("a@example.com", "1", "\"score\":\"lots\""),
        input("b@example.com", "2", "\"createdate\":\"yesterday\""));
    assertThat(r.status()).isEqualTo(207);
    assertThat(hubspot.refusals()).containsOnly(Map.entry("INVALID_EMAIL", 1L), Map.entry("INVALID_INTEGER", 1L),
        Map.entry("INVALID_DATE", 1L));
    assertThatThrownBy(() -> hubspot.insert("contacts", Map.of("email", "x@example.com", "hubspot_owner_id", "1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INVALID_OPTION");
  }

  @Test
  void batchesOfMoreThanAHundredInputsAreRefused() throws IOException {
    start(HubSpotEmulator.builder());
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      inputs.add(input("u" + i + "@example.com", Integer.toString(i), ""));
    }
    Reply r = upsert(inputs.toArray(String[]::new));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("message").asText()).contains("101").contains("100");
    assertThat(http.post("/crm/v3/objects/contacts/batch/read", "{\"inputs\":[" + "{\"id\":\"1\"},".repeat(100)
        + "{\"id\":\"2\"}]}").status()).isEqualTo(400);
    assertThat(http.post("/crm/v3/objects/contacts/batch/archive", "{\"inputs\":[" + "{\"id\":\"1\"},".repeat(100)
        + "{\"id\":\"2\"}]}").status()).isEqualTo(400);
    assertThat(hubspot.records("contacts")).isEmpty();
    assertThat(hubspot.refusals()).containsExactly(Map.entry("VALIDATION_ERROR", 3L));
  }

  @Test
  void listPagesTakeAtMostAHundredAndSearchPagesTwoHundred() throws IOException {
    start(HubSpotEmulator.builder());
    assertThat(http.get("/crm/v3/objects/contacts?limit=100").status()).isEqualTo(200);
    assertThat(http.get("/crm/v3/objects/contacts?limit=101").status()).isEqualTo(400);
    assertThat(http.post("/crm/v3/objects/contacts/search", "{\"limit\":200}").status()).isEqualTo(200);
    assertThat(http.post("/crm/v3/objects/contacts/search", "{\"limit\":201}").status()).isEqualTo(400);
  }

  @Test
  void searchFiltersAreLimitedToFiveGroupsOfSixAndEighteenInAll() throws IOException {
    start(HubSpotEmulator.builder());
    String filter = "{\"propertyName\":\"firstname\",\"operator\":\"EQ\",\"value\":\"a\"}";
    String sixFilters = "{\"filters\":[" + String.join(",", Collections.nCopies(6, filter)) + "]}";
    assertThat(http.post("/crm/v3/objects/contacts/search", "{\"filterGroups\":[" + sixFilters + "," + sixFilters + ","
        + sixFilters + "]}").status()).isEqualTo(200);
    Reply nineteen = http.post("/crm/v3/objects/contacts/search", "{\"filterGroups\":[" + sixFilters + "," + sixFilters
        + "," + sixFilters + ",{\"filters\":[" + filter + "]}]}");
    assertThat(nineteen.status()).isEqualTo(400);
    assertThat(nineteen.body().path("message").asText()).contains("18");
    String sevenFilters = "{\"filters\":[" + String.join(",", Collections.nCopies(7, filter)) + "]}";
    assertThat(http.post("/crm/v3/objects/contacts/search", "{\"filterGroups\":[" + sevenFilters + "]}").status())
        .isEqualTo(400);
    String six = String.join(",", Collections.nCopies(6, "{\"filters\":[" + filter + "]}"));
    assertThat(http.post("/crm/v3/objects/contacts/search", "{\"filterGroups\":[" + six + "]}").status()).isEqualTo(400);
  }

  @Test
  void aSearchBodyOfMoreThan3000CharactersIsRefused() throws IOException {
    start(HubSpotEmulator.builder());
    List<String> properties = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      properties.add("\"custom_property_number_" + i + "\"");
    }
    String body = "{\"properties\":[" + String.join(",", properties) + "],\"limit\":10}";
    assertThat(body.length()).isGreaterThan(3_000);
    Reply r = http.post("/crm/v3/objects/contacts/search", body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("message").asText()).contains("3000");
  }

  @Test
  void aUrlLongerThanTheLimitIsAnswered414() throws IOException {
    start(HubSpotEmulator.builder().maxUrlLength(2_000));
    String properties = "p".repeat(1_000) + "," + "q".repeat(1_000);
    Reply r = http.get("/crm/v3/objects/contacts?properties=" + properties);
    assertThat(r.status()).isEqualTo(414);
    assertThat(hubspot.refusals()).containsExactly(Map.entry("URI_TOO_LONG", 1L));
    assertThat(http.get("/crm/v3/objects/contacts?properties=email").status()).isEqualTo(200);
  }

  @Test
  void aBatchReadListsTheIdsItDidNotFindIn207Errors() throws IOException {
    start(HubSpotEmulator.builder());
    String id = hubspot.insert("contacts", Map.of("email", "a@example.com"));
    Reply r = http.post("/crm/v3/objects/contacts/batch/read",
        "{\"properties\":[\"email\"],\"inputs\":[{\"id\":\"" + id + "\"},{\"id\":\"999999\"}]}");
    assertThat(r.status()).isEqualTo(207);
    assertThat(r.body().path("results")).hasSize(1);
    assertThat(r.body().path("errors").get(0).path("category").asText()).isEqualTo("OBJECT_NOT_FOUND");
    assertThat(r.body().path("errors").get(0).path("context").path("ids").get(0).asText()).isEqualTo("999999");
    assertThat(hubspot.refusals()).as("not finding a record is an answer, not a refusal").isEmpty();
  }
}

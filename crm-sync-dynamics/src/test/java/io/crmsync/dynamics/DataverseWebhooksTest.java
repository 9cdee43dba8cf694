package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.adapter.Secret;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The webhook receiver: each of the three ways a registration authenticates, compared in constant time and never
 * echoed; the {@code RemoteExecutionContext} Dataverse posts (here made by the emulator from the documented shape)
 * turned into change notifications; anything malformed refused with a typed error.
 */
class DataverseWebhooksTest {
  private static final String KEY = "k3y-V4lue-that-stays-secret";
  private static final String HOOK = "https://hooks.example.com/dataverse";
  final FakeTimeSource clock = new FakeTimeSource();

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return h;
  }

  @Test
  void createUpdateAndDeleteBecomeNotificationsThatTheAdapterReadsRowsFor() {
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      String account = dv.insert("account", Map.of("name", "Fourth Coffee"));
      String id = dv.insert("contact", Map.of("emailaddress1", "w@example.com", "firstname", "Web", "lastname", "Hook",
          "parentcustomerid_account@odata.bind", "/accounts(" + account + ")"));
      DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).build();

      DataverseEmulator.Webhook created = dv.webhook("contact", id, "Create", List.of("emailaddress1", "firstname", "parentcustomerid"));
      List<ChangeNotification> c = hooks.receive("POST", HOOK + "?code=" + KEY, created.body(), created.headers());
      assertThat(c).singleElement().satisfies(n -> {
        assertThat(n.kind()).isEqualTo(ChangeNotification.Kind.CREATED);
        assertThat(n.objectType()).isEqualTo(ObjectTypes.CONTACT);
        assertThat(n.table()).isEqualTo("contact");
        assertThat(n.id()).isEqualTo(id);
        assertThat(n.attributes()).contains("emailaddress1", "firstname", "parentcustomerid");
        assertThat(n.values()).containsEntry("emailaddress1", "w@example.com").containsEntry("parentcustomerid", account);
        assertThat(n.occurredAt()).isEqualTo(clock.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(n.operationId()).isNotNull();
        assertThat(n.truncated()).isFalse();
      });

      clock.advance(Duration.ofSeconds(5));
      dv.update("contact", id, Map.of("firstname", "Changed"));
      DataverseEmulator.Webhook updated = dv.webhook("contact", id, "Update", List.of("firstname"));
      List<ChangeNotification> u = hooks.receive("POST", HOOK + "?code=" + KEY, updated.body(), updated.headers());
      assertThat(u.get(0).kind()).isEqualTo(ChangeNotification.Kind.UPDATED);

      List<ChangeNotification> latest = ChangeNotification.latestPerRecord(List.of(c.get(0), u.get(0), c.get(0)));
      assertThat(latest).singleElement().satisfies(n -> assertThat(n.kind()).isEqualTo(ChangeNotification.Kind.UPDATED));
      try (DynamicsAdapter adapter = Emulated.adapter(dv, clock)) {
        List<CrmRecord> rows = adapter.fetch(latest.get(0).objectType(), List.of(latest.get(0).id()));
        assertThat(rows).singleElement().satisfies(r -> assertThat(r.string("firstName")).isEqualTo("Changed"));
      }

      DataverseEmulator.Webhook deleted = dv.webhook("contact", id, "Delete", List.of());
      dv.delete("contact", id);
      assertThat(hooks.receive("POST", HOOK + "?code=" + KEY, deleted.body(), deleted.headers())).singleElement()
          .satisfies(n -> {
            assertThat(n.kind()).isEqualTo(ChangeNotification.Kind.DELETED);
            assertThat(n.attributes()).isEmpty();
            assertThat(n.truncated()).isFalse();
          });
    }
  }

  @Test
  void aPayloadDataverseTrimmedIsFlaggedSoTheRowIsReadAgain() {
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      String id = dv.insert("contact", Map.of("lastname", "Big"));
      DataverseEmulator.Webhook w = dv.webhook("contact", id, "Update", List.of("lastname"));
      DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).build();
      String trimmed = w.body().replaceAll("\"InputParameters\":\\[.*?\\],\"IsExecutingOffline\"", "\"InputParameters\":null,\"IsExecutingOffline\"");
      List<ChangeNotification> n = hooks.receive("POST", HOOK + "?code=" + KEY, trimmed,
          with(w.headers(), DataverseWebhooks.SIZE_EXCEEDED_HEADER, ""));
      assertThat(n.get(0).truncated()).isTrue();
      assertThat(n.get(0).attributes()).isEmpty();
    }
  }

  @Test
  void webhookKeyIsChecked() {
    DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).build();
    assertThat(hooks.verify(HOOK + "?code=" + KEY, Map.of())).isEqualTo(WebhookVerification.VALID);
    assertThat(hooks.verify(HOOK + "?code=" + KEY.replace("%", "%25") + "&other=1", Map.of())).isEqualTo(WebhookVerification.VALID);
    assertThat(hooks.verify(HOOK, Map.of())).isEqualTo(WebhookVerification.MISSING_CREDENTIAL);
    assertThat(hooks.verify(HOOK + "?code=wrong", Map.of())).isEqualTo(WebhookVerification.INVALID_CREDENTIAL);
    assertThat(hooks.verify(HOOK + "?code=" + KEY + "x", Map.of())).isEqualTo(WebhookVerification.INVALID_CREDENTIAL);
    assertThat(hooks.verify(HOOK + "?code=" + KEY + "&code=" + KEY, Map.of())).as("given twice")
        .isEqualTo(WebhookVerification.INVALID_CREDENTIAL);
    assertThat(hooks.verify(HOOK, Map.of("code", KEY))).as("a header is not the key").isEqualTo(WebhookVerification.MISSING_CREDENTIAL);

    assertThatThrownBy(() -> hooks.receive("POST", HOOK + "?code=guess", "{}", Map.of()))
        .isInstanceOfSatisfying(CrmAuthenticationException.class, e -> assertThat(e.statusCode()).isEqualTo(401))
        .hasMessageNotContaining(KEY).hasMessageNotContaining("guess");
    assertThat(hooks.toString()).doesNotContain(KEY);
  }

  @Test
  void httpHeadersAreChecked() {
    DataverseWebhooks hooks = DataverseWebhooks.builder().httpHeader("X-Api-Key", Secret.of(KEY))
        .httpHeader("X-Tenant", Secret.of("contoso")).build();
    assertThat(hooks.verify(HOOK, Map.of("x-api-key", KEY, "X-TENANT", "contoso"))).isEqualTo(WebhookVerification.VALID);
    assertThat(hooks.verify(HOOK, Map.of("X-Api-Key", KEY))).isEqualTo(WebhookVerification.MISSING_CREDENTIAL);
    assertThat(hooks.verify(HOOK, Map.of("X-Api-Key", KEY, "X-Tenant", "fabrikam"))).isEqualTo(WebhookVerification.INVALID_CREDENTIAL);
    assertThat(hooks.verify(HOOK + "?X-Api-Key=" + KEY + "&X-Tenant=contoso", Map.of()))
        .as("query parameters are not headers").isEqualTo(WebhookVerification.MISSING_CREDENTIAL);
  }

  @Test
  void httpQueryStringsAreChecked() {
    DataverseWebhooks hooks = DataverseWebhooks.builder().httpQueryString("token", Secret.of("a b&c")).build();
    assertThat(hooks.verify(HOOK + "?token=a%20b%26c", Map.of())).isEqualTo(WebhookVerification.VALID);
    assertThat(hooks.verify(HOOK + "?token=a%20b", Map.of())).isEqualTo(WebhookVerification.INVALID_CREDENTIAL);
    assertThat(hooks.verify(HOOK + "?token=%zz", Map.of())).as("a malformed escape").isEqualTo(WebhookVerification.MISSING_CREDENTIAL);
  }

  @Test
  void aRegistrationAuthenticatesOneWay() {
    assertThatThrownBy(() -> DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).httpHeader("X", Secret.of("y")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> DataverseWebhooks.builder().build()).isInstanceOf(IllegalStateException.class);
  }

  private static final String VALID = "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\","
      + "\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"/Date(1506409448000-0700)/\","
      + "\"Depth\":1,\"InputParameters\":[{\"key\":\"Target\",\"value\":{\"__type\":\"Entity:http://schemas.microsoft.com/xrm/2011/"
      + "Contracts\",\"Attributes\":[{\"key\":\"name\",\"value\":\"Fourth Coffee\"},{\"key\":\"revenue\",\"value\":{\"__type\":"
      + "\"Money:http://schemas.microsoft.com/xrm/2011/Contracts\",\"Value\":12.5}},{\"key\":\"industrycode\",\"value\":{\"__type\":"
      + "\"OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts\",\"Value\":3}},{\"key\":\"modifiedon\",\"value\":"
      + "\"/Date(1506409448000)/\"}],\"LogicalName\":\"account\"}}]}";

  @Test
  void theDataContractShapesAreRead() {
    DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).build();
    ChangeNotification n = hooks.parse(VALID).get(0);
    assertThat(n.objectType()).isEqualTo(ObjectTypes.COMPANY);
    assertThat(n.occurredAt()).isEqualTo(Instant.ofEpochMilli(1506409448000L));
    assertThat(n.values()).containsEntry("name", "Fourth Coffee").containsEntry("revenue", new java.math.BigDecimal("12.5"))
        .containsEntry("industrycode", 3L).containsEntry("modifiedon", "2017-09-26T07:04:08Z");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not json",
      "[]",
      "{}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\",\"PrimaryEntityId\":\"nope\",\"OperationCreatedOn\":\"/Date(1)/\"}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"Account Table\",\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"/Date(1)/\"}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\",\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"2017-09-26\"}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\",\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"/Date(1)/\",\"InputParameters\":{}}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\",\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"/Date(1)/\",\"InputParameters\":[{\"key\":\"Target\",\"value\":{\"Attributes\":{}}}]}",
      "{\"MessageName\":\"Update\",\"PrimaryEntityName\":\"account\",\"PrimaryEntityId\":\"2e451703-c686-e711-80e5-00155db19e6d\",\"OperationCreatedOn\":\"/Date(1)/\",\"Depth\":\"deep\"}"})
  void malformedBodiesAreRefusedWithATypedError(String body) {
    DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).build();
    assertThatThrownBy(() -> hooks.receive("POST", HOOK + "?code=" + KEY, body, Map.of()))
        .isInstanceOfSatisfying(CrmRequestException.class, e -> assertThat(e.statusCode()).isEqualTo(400))
        .hasMessageContaining("RemoteExecutionContext");
  }

  @Test
  void oversizedBodiesAndOtherMethodsAreRefused() {
    DataverseWebhooks hooks = DataverseWebhooks.builder().webhookKey(Secret.of(KEY)).maxBodyBytes(100).build();
    assertThatThrownBy(() -> hooks.receive("POST", HOOK + "?code=" + KEY, VALID, Map.of()))
        .isInstanceOf(CrmRequestException.class).hasMessageContaining("larger than 100 bytes");
    assertThatThrownBy(() -> hooks.receive("GET", HOOK + "?code=" + KEY, "", Map.of()))
        .isInstanceOfSatisfying(CrmRequestException.class, e -> assertThat(e.statusCode()).isEqualTo(405));
  }
}

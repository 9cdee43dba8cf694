package io.crmsync.examples.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.AdapterRegistry;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the Acme adapter does beyond the contract: settings, sessions, Acme's errors and odd answers. */
class AcmeCrmAdapterTest {
  final FakeTimeSource clock = new FakeTimeSource();
  final AcmeCrmServer acme = AcmeCrmServer.builder().timeSource(clock).apiKey("ak_live_7fq2x9")
      .customField("favourite_colour", "text")
      .customField("tier", "picklist", "gold", "silver", "bronze")
      .build().start();
  final List<String> heard = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    acme.close();
  }

  CRMAdapter adapter(Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>(acme.settings());
    settings.putAll(overrides);
    CRMAdapter adapter = new AcmeCrmProvider().create(
        AdapterConfig.builder("acme").settings(settings).timeSource(clock).build());
    adapter.listen(new AdapterListener() {
      @Override
      public void onRequest(String adapterId, String operation, int status, Duration latency) {
        heard.add(operation + " " + status);
      }

      @Override
      public void onRetry(String adapterId, String operation, Throwable cause) {
        heard.add("retry " + operation);
      }

      @Override
      public void onRateLimited(String adapterId, String operation, Duration wait, boolean quota) {
        heard.add("rate-limited " + operation + (quota ? " (quota)" : ""));
      }

      @Override
      public void onTokenRenewed(String adapterId) {
        heard.add("token renewed");
      }
    });
    return adapter;
  }

  static CrmRecord contact(String email, Object... more) {
    Map<String, Object> f = new HashMap<>();
    f.put("email", email);
    for (int i = 0; i < more.length; i += 2) {
      f.put((String) more[i], more[i + 1]);
    }
    return CrmRecord.of(ObjectTypes.CONTACT, f);
  }

  @Test
  void theProviderIsFoundOnTheClassPathAndItsSettingsAreCheckedByName() {
    assertThat(AdapterRegistry.builder().discover().build().ids()).contains("acme");
    AcmeCrmProvider provider = new AcmeCrmProvider();

    assertThat(provider.create(AdapterConfig.fromMap("acme", Map.of("baseUrl", "https://api.acme-crm.example",
        "token", "ak_1"))).capabilities().budget()).isEqualTo(RequestBudget.of(90, Duration.ofSeconds(10)));
    assertThat(provider.create(AdapterConfig.fromMap("acme", Map.of("baseUrl", "https://api.acme-crm.example",
        "token", "ak_1", "budget", "40"))).capabilities().budget().requests()).isEqualTo(40);

    assertThatThrownBy(() -> provider.create(AdapterConfig.fromMap("acme", Map.of("baseUrl", "https://a.example"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("'token'")
        .hasMessageContaining("CRMSYNC_ACME_TOKEN");
    assertThatThrownBy(() -> provider.create(AdapterConfig.fromMap("acme",
        Map.of("baseUrl", "http://api.acme-crm.example", "token", "ak_live_7fq2x9"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("must be an https URL")
        .hasMessageNotContaining("ak_live_7fq2x9");
    assertThatThrownBy(() -> provider.create(AdapterConfig.fromMap("acme",
        Map.of("baseUrl", "https://api.acme-crm.example", "token", "ak_1", "budget", "0"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("budget must be positive: 0");
    assertThatThrownBy(() -> provider.create(AdapterConfig.fromMap("acme",
        Map.of("baseUrl", "https://api.acme-crm.example", "token", "ak_1", "budget", "lots"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("'budget'");
    assertThatThrownBy(() -> provider.create(AdapterConfig.fromMap("acme",
        Map.of("baseUrl", "https://user:pw@api.acme-crm.example", "token", "ak_1"))))
        .isInstanceOf(CrmConfigurationException.class).hasMessageNotContaining("pw");
    // an emulator on loopback may be plain http
    assertThat(provider.create(AdapterConfig.fromMap("acme", Map.of("baseUrl", "http://[::1]:8080", "token", "ak_1"))))
        .isNotNull();
  }

  @Test
  void aWrongApiKeyIsAnAuthenticationFailureThatNeverShowsTheKey() {
    CRMAdapter adapter = adapter(Map.of("token", "ak_wrong_51ac"));

    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("invalid_client")
        .hasMessageNotContaining("ak_wrong_51ac");
    assertThat(acme.refusals()).containsOnlyKeys("401 invalid_client");
  }

  @Test
  void theSessionIsRenewedBeforeItExpiresAndOnceMoreWhenAcmeRefusesIt() {
    CRMAdapter adapter = adapter(Map.of());
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(heard).containsExactly("token 200", "token renewed", "read 200");

    // ahead of expiry: renewed before the call, so Acme refuses nothing
    heard.clear();
    clock.advance(AcmeCrmServer.TOKEN_LIFETIME.minusSeconds(30));
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(heard).containsExactly("token 200", "token renewed", "read 200");

    // expired early on Acme's side: one refusal, one renewal, the same call again
    heard.clear();
    acme.expireTokens();
    adapter.upsert(ObjectTypes.CONTACT, List.of(contact("ada@example.com")), MatchKey.email());
    assertThat(heard).containsExactly("upsert 401", "retry upsert", "token 200", "token renewed", "upsert 200");
    assertThat(acme.contacts()).hasSize(1);
    assertThat(acme.refusals()).containsOnlyKeys("401 token_expired");
  }

  @Test
  void answersWithoutTheDocumentedShapeFailTheCallAndNeverReadAsAnEmptyPage() {
    CRMAdapter adapter = adapter(Map.of());
    ReadRequest read = ReadRequest.of(ObjectTypes.CONTACT);

    acme.answerNext(200, "application/json", "{}");
    assertThatThrownBy(() -> adapter.read(read)).isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("expected an array 'data'");
    acme.answerNext(200, "application/json", "{\"data\": [{\"id\": \"ct_1\", \"updated_at\": 17}]}");
    assertThatThrownBy(() -> adapter.read(read)).isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("'updated_at'");
    acme.answerNext(200, "application/json", "{\"data\": [{\"id\": \"ct_1\", \"email\": \"ada@exam");
    assertThatThrownBy(() -> adapter.read(read)).isInstanceOf(CrmUnavailableException.class)
        .hasMessageContaining("not valid JSON");
    acme.answerNext(502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\u001b]0;pwned\u0007</body></html>");
    assertThatThrownBy(() -> adapter.read(read)).isInstanceOf(CrmUnavailableException.class)
        .satisfies(e -> assertThat(((CrmUnavailableException) e).statusCode()).isEqualTo(502))
        .hasMessageContaining("502 Bad Gateway").hasMessageNotContaining("\u001b");

    // a batch answered with fewer results than records: nothing is claimed as written
    acme.answerNext(200, "application/json", "{\"results\": [{\"status\": \"created\", \"id\": \"ct_9\"}]}");
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT,
        List.of(contact("a@example.com"), contact("b@example.com")), MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class).hasMessageContaining("2 results, one per record sent, not 1");
    assertThatThrownBy(() -> adapter.read(read.withCursor("after-ct_000001")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recordsAcmeRefusesFailAloneNamingTheField() {
    CRMAdapter adapter = adapter(Map.of());
    adapter.upsert(ObjectTypes.CONTACT, List.of(contact("held@example.com"), contact("taken@example.com",
        "external_id", "crm-1")), MatchKey.email());
    acme.lock("held@example.com");

    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        contact("ok@example.com", "firstName", "Ok", "tier", "gold"),
        contact("not-an-email"),
        contact("long@example.com", "firstName", "x".repeat(101)),
        contact("shoe@example.com", "shoe_size", 43),
        contact("made@example.com", "createdAt", "2020-01-01T00:00:00Z"),
        contact("tin@example.com", "tier", "tin"),
        contact("owner@example.com", "ownerId", "42"),
        contact("twin@example.com", "external_id", "crm-1"),
        contact("held@example.com", "firstName", "Held")), MatchKey.email());

    assertThat(results).extracting(RecordResult::status).containsExactly(RecordResult.Status.CREATED,
        RecordResult.Status.FAILED, RecordResult.Status.FAILED, RecordResult.Status.FAILED, RecordResult.Status.FAILED,
        RecordResult.Status.FAILED, RecordResult.Status.FAILED, RecordResult.Status.FAILED, RecordResult.Status.FAILED);
    List<String> failures = new ArrayList<>();
    for (RecordResult r : results.subList(1, results.size())) {
      FieldError f = r.error().fieldErrors().isEmpty() ? null : r.error().fieldErrors().get(0);
      failures.add(r.error().code() + " " + (f == null ? "-" : f.field())
          + (r.error().retryable() ? " retryable" : ""));
    }
    assertThat(failures).containsExactly("invalid_email email", "too_long firstName", "unknown_field shoe_size",
        "read_only_field createdAt", "invalid_value tier", "invalid_value ownerId", "duplicate_value external_id",
        "record_locked - retryable");
    assertThat(results.get(2).error().message()).doesNotContain("xxxx"); // Acme's messages quote no values
    assertThat(acme.contacts()).hasSize(3);
  }

  @Test
  void aBatchWhoseAnswerWasLostIsSentAgainWithoutDuplicates() {
    CRMAdapter adapter = adapter(Map.of());
    List<CrmRecord> batch = List.of(contact("a@example.com"), contact("b@example.com"), contact("c@example.com"));
    acme.loseNextWriteAnswer();

    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email()))
        .isInstanceOf(CrmUnavailableException.class);
    assertThat(acme.contacts()).as("Acme applied it").hasSize(3);
    List<RecordResult> again = adapter.upsert(ObjectTypes.CONTACT, batch, MatchKey.email());

    assertThat(again).extracting(RecordResult::status).containsOnly(RecordResult.Status.UPDATED);
    assertThat(acme.contacts()).hasSize(3);
    // the same for deletes: what the lost attempt deleted reads as deleted
    String id = again.get(0).id();
    acme.loseNextWriteAnswer();
    assertThatThrownBy(() -> adapter.delete(ObjectTypes.CONTACT, List.of(id)))
        .isInstanceOf(CrmUnavailableException.class);
    assertThat(adapter.delete(ObjectTypes.CONTACT, List.of(id))).extracting(RecordResult::status)
        .containsExactly(RecordResult.Status.DELETED);
  }

  @Test
  void aRateLimitSaysHowLongToWait() {
    CRMAdapter adapter = adapter(Map.of());
    ReadRequest read = ReadRequest.of(ObjectTypes.CONTACT);
    for (int i = 0; i < AcmeCrmServer.RATE_LIMIT - 1; i++) { // the token's request counts too
      adapter.read(read);
    }
    clock.advance(Duration.ofSeconds(4));
    assertThatThrownBy(() -> adapter.read(read)).isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
      assertThat(e.isQuotaExhausted()).isFalse();
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(6));
    });
    assertThat(heard).endsWith("read 429", "rate-limited read");
  }

  @Test
  void aSpentDailyQuotaIsReportedAsSuchWithTheTimeUntilItResets() {
    try (AcmeCrmServer limited = AcmeCrmServer.builder().timeSource(clock).dailyQuota(3).build().start()) {
      CRMAdapter adapter = new AcmeCrmProvider().create(
          AdapterConfig.builder("acme").settings(limited.settings()).timeSource(clock).build());
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
      clock.advance(Duration.ofHours(20));
      assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
          .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
            assertThat(e.isQuotaExhausted()).isTrue();
            assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(4)); // until 00:00 UTC
          });
      clock.advance(Duration.ofHours(4));
      assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    }
  }

  @Test
  void describeIsAcmesOwnFieldList() {
    Map<String, FieldInfo> fields = new HashMap<>();
    adapter(Map.of()).describe(ObjectTypes.CONTACT).forEach(f -> fields.put(f.name(), f));

    assertThat(fields).containsOnlyKeys("email", "firstName", "lastName", "company", "title", "phone", "city",
        "country", "external_id", "ownerId", "createdAt", "favourite_colour", "tier");
    assertThat(fields.get("email")).satisfies(f -> {
      assertThat(f.nativeName()).isEqualTo("email");
      assertThat(f.type()).isEqualTo("email");
      assertThat(f.required()).isTrue();
      assertThat(f.maxLength()).isEqualTo(254);
    });
    assertThat(fields.get("company").nativeName()).isEqualTo("company_name");
    assertThat(fields.get("ownerId").reference()).as("a user id of Acme's").isTrue();
    assertThat(fields.get("createdAt").writable()).isFalse();
    assertThat(fields.get("tier").custom()).isTrue();
    assertThat(fields.get("tier").picklistValues()).containsExactly("gold", "silver", "bronze");
    assertThat(fields.values()).filteredOn(FieldInfo::reference).extracting(FieldInfo::name).containsExactly("ownerId");
  }

  @Test
  void contactsMatchOnExternalIdToo() {
    CRMAdapter adapter = adapter(Map.of());
    MatchKey externalId = MatchKey.field("external_id");
    String id = adapter.upsert(ObjectTypes.CONTACT, List.of(contact("old@example.com", "external_id", "crm-7")),
        externalId).get(0).id();

    List<RecordResult> moved = adapter.upsert(ObjectTypes.CONTACT,
        List.of(contact("new@example.com", "external_id", "crm-7", "firstName", "Moved")), externalId);

    assertThat(moved).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED);
      assertThat(r.id()).isEqualTo(id);
    });
    assertThat(adapter.lookup(ObjectTypes.CONTACT, externalId, "crm-7").orElseThrow().string("email"))
        .isEqualTo("new@example.com");
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT, List.of(contact("a@example.com")),
        MatchKey.field("phone"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("phone");
  }

  @Test
  void listenersHearEveryCallByItsOperation() {
    CRMAdapter adapter = adapter(Map.of());
    String id = adapter.upsert(ObjectTypes.CONTACT, List.of(contact("ada@example.com")), MatchKey.email()).get(0).id();
    adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "ada@example.com");
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withSince(Instant.EPOCH).withIncludeDeleted(true));
    adapter.describe(ObjectTypes.CONTACT);
    adapter.delete(ObjectTypes.CONTACT, List.of(id));

    assertThat(heard).containsExactly("token 200", "token renewed", "upsert 200", "lookup 200", "read 200",
        "describe 200", "delete 200");
    assertThat(acme.refusals()).isEmpty();
  }
}

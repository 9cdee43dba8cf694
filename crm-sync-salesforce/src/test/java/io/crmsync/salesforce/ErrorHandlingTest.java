package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.Fault;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Whole-call failures over the wire, each mapped to the exception that says what the caller can do. */
class ErrorHandlingTest {
  private final FakeTimeSource clock = new FakeTimeSource();
  private final SalesforceEmulator sf = Emulators.emulator(clock).build().start();
  private final SalesforceAdapter adapter = Emulators.adapter(sf, clock, Map.of());

  @AfterEach
  void stop() {
    adapter.close();
    sf.close();
  }

  private void read() {
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email")));
  }

  @Test
  void anExpiredSessionCausesOneReauthenticationAndTheCallSucceeds() {
    read();
    sf.expireSessions();
    read();
    assertThat(sf.tokensIssued()).isEqualTo(2);

    clock.advance(Duration.ofHours(3)); // past the emulator's session timeout; the adapter's token cache expired too
    read();
    assertThat(sf.tokensIssued()).isEqualTo(3);
  }

  @Test
  void aSessionRejectedAgainAfterReauthenticationIsAnAuthenticationError() {
    read();
    sf.injectFault(Fault.INVALID_SESSION).injectFault(Fault.INVALID_SESSION);
    assertThatThrownBy(this::read)
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("INVALID_SESSION_ID")
        .hasMessageContaining("again");
    assertThat(sf.tokensIssued()).as("exactly one re-authentication").isEqualTo(2);
  }

  @Test
  void requestLimitExceededIsARateLimit() {
    sf.injectFault(Fault.REQUEST_LIMIT_EXCEEDED);
    assertThatThrownBy(this::read)
        .isInstanceOfSatisfying(CrmRateLimitException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(403);
          assertThat(e.isRetryable()).isTrue();
        })
        .hasMessageContaining("REQUEST_LIMIT_EXCEEDED");
  }

  @Test
  void theDailyLimitIsEnforcedAndUsageIsExposed() {
    try (SalesforceEmulator limited = Emulators.emulator(clock).dailyApiLimit(3).build().start()) {
      SalesforceAdapter a = Emulators.adapter(limited, clock, Map.of());
      ReadRequest r = ReadRequest.of(ObjectTypes.CONTACT).withFields(List.of("email"));
      a.read(r);
      assertThat(a.apiUsage()).get().satisfies(u -> {
        assertThat(u.used()).isEqualTo(1);
        assertThat(u.max()).isEqualTo(3);
        assertThat(u.remaining()).isEqualTo(2);
      });
      a.read(r);
      a.read(r);
      assertThatThrownBy(() -> a.read(r)).isInstanceOf(CrmRateLimitException.class);
      assertThat(a.apiUsage().orElseThrow().remaining()).isZero();
    }
  }

  @Test
  void anHtmlErrorPageIsUnavailableWithAnExcerpt() {
    sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML);
    assertThatThrownBy(this::read)
        .isInstanceOfSatisfying(CrmUnavailableException.class, e -> assertThat(e.statusCode()).isEqualTo(503))
        .hasMessageContaining("Down for maintenance")
        .hasMessageNotContaining("<html>");
  }

  @Test
  void garbledJsonIsUnavailable() {
    sf.injectFault(Fault.GARBLED_JSON);
    assertThatThrownBy(this::read).isInstanceOf(CrmUnavailableException.class).hasMessageContaining("not valid JSON");
  }

  @Test
  void aServerErrorIsUnavailable() {
    sf.injectFault(Fault.SERVER_ERROR);
    assertThatThrownBy(this::read).isInstanceOf(CrmUnavailableException.class).hasMessageContaining("UNKNOWN_EXCEPTION");
  }

  @Test
  void aMalformedQueryIsARequestError() {
    assertThatThrownBy(() -> adapter.read(ReadRequest.of("NoSuchObject__c").withFields(List.of("Name"))))
        .isInstanceOf(CrmRequestException.class)
        .hasMessageContaining("INVALID_TYPE");
  }

  @Test
  void aWrongPrivateKeyIsAnAuthenticationErrorThatShowsNoSecret() {
    String pem = SalesforceEmulator.toPem(SalesforceEmulator.newKeyPair().getPrivate());
    SalesforceAdapter wrong = SalesforceAdapter.create(Emulators.config(sf, clock).setting("privateKey", pem).build());
    assertThatThrownBy(() -> wrong.describe(ObjectTypes.CONTACT))
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("invalid_grant")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(pem.substring(40, 80)).doesNotContain("assertion="));
  }

  @Test
  void clientCredentialsAndRefreshTokenFlowsAuthenticate() {
    try (SalesforceEmulator cc = SalesforceEmulator.builder().timeSource(clock).clientCredentials("app", "s3cret")
        .refreshToken("rt-1").build().start()) {
      SalesforceAdapter viaSecret = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", cc.url(), "clientId", "app", "clientSecret", "s3cret")));
      assertThat(viaSecret.describe(ObjectTypes.CONTACT)).isNotEmpty();
      SalesforceAdapter viaRefresh = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", cc.url(), "clientId", "app", "refreshToken", "rt-1", "clientSecret", "s3cret")));
      assertThat(viaRefresh.describe(ObjectTypes.CONTACT)).isNotEmpty();
      SalesforceAdapter badRefresh = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", cc.url(), "clientId", "app", "refreshToken", "rt-2")));
      assertThatThrownBy(() -> badRefresh.describe(ObjectTypes.CONTACT))
          .isInstanceOf(CrmAuthenticationException.class)
          .hasMessageContaining("invalid_grant")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("rt-2"));
    }
  }

  @Test
  void anAmbiguousExternalIdFailsOnlyThatRecord() {
    sf.insert("Contact", Map.of("LastName", "A", "External_Id__c", "X-1"));
    sf.insert("Contact", Map.of("LastName", "B", "External_Id__c", "x-1"));
    List<RecordResult> results = adapter.upsert(ObjectTypes.CONTACT, List.of(
        CrmRecord.of(ObjectTypes.CONTACT, Map.of("External_Id__c", "X-1", "lastName", "C")),
        CrmRecord.of(ObjectTypes.CONTACT, Map.of("External_Id__c", "X-2", "lastName", "D"))),
        MatchKey.field("External_Id__c"));
    assertThat(results.get(0).error().code()).isEqualTo(RecordError.AMBIGUOUS_MATCH);
    assertThat(results.get(0).error().message()).contains("DUPLICATE_EXTERNAL_ID");
    assertThat(results.get(0).error().retryable()).isFalse();
    assertThat(results.get(1).status()).isEqualTo(RecordResult.Status.CREATED);
  }

  @Test
  void matchingOnAFieldThatIsNotAnExternalIdIsARequestError() {
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT,
        List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of("title", "x", "lastName", "y"))), MatchKey.field("title")))
        .isInstanceOf(CrmRequestException.class)
        .hasMessageContaining("External ID");
  }
}

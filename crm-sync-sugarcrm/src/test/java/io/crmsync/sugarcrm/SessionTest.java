package io.crmsync.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The session with Sugar: access tokens that expire ({@code expires_in}), refresh tokens that rotate, and a
 * session ended by a login of the same user on the same platform elsewhere.
 */
class SessionTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static ReadRequest contacts() {
    return ReadRequest.of(ObjectTypes.CONTACT);
  }

  @Test
  void anExpiringTokenIsRefreshedAheadOfTimeWithoutLoggingInAgain() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      sugar.insert("Contacts", Map.of("last_name", "One", "email", "one@example.com"));
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      assertThat(adapter.read(contacts()).records()).hasSize(1);
      clock.advance(Duration.ofMinutes(59).plusSeconds(30)); // within tokenRefreshAhead (1m) of expires_in (3600 s)
      assertThat(adapter.read(contacts()).records()).hasSize(1);
      clock.advance(Duration.ofHours(5)); // long expired: the refresh token (14 days) still renews it
      assertThat(adapter.read(contacts()).records()).hasSize(1);
      assertThat(adapter.logins()).isEqualTo(1);
      assertThat(adapter.refreshes()).isEqualTo(2);
      assertThat(sugar.refusedCount()).as("no request went out with an expired token").isZero();
    }
  }

  @Test
  void aTokenTheServerExpiredEarlyIsRenewedOnceAndTheCallRepeated() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      sugar.insert("Contacts", Map.of("last_name", "One"));
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      adapter.read(contacts());
      sugar.expireAccessTokens();
      assertThat(adapter.read(contacts()).records()).hasSize(1);
      assertThat(sugar.refusals()).singleElement().asString().startsWith("401 invalid_grant");
      assertThat(adapter.refreshes()).isEqualTo(1);
      assertThat(adapter.logins()).isEqualTo(1);
    }
  }

  @Test
  void aSessionEndedByALoginElsewhereOnTheSamePlatformIsReplacedByLoggingInAgain() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      sugar.insert("Contacts", Map.of("last_name", "One"));
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      adapter.read(contacts());
      sugar.loginElsewhere("admin", "crmsync"); // ends the adapter's access and refresh tokens
      assertThat(adapter.read(contacts()).records()).hasSize(1);
      // the API refused the access token, the token endpoint the refresh token; the password logged in again
      assertThat(sugar.refusals()).hasSize(2);
      assertThat(adapter.logins()).isEqualTo(2);
    }
  }

  @Test
  void tokensExpiringThroughoutASyncLoseNoRecord() {
    List<CrmRecord> records = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      records.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "t" + i + "@example.com", "lastName", "T" + i)));
    }
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    source.seed(records);
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).accessTokenLifetime(Duration.ofSeconds(20))
        .build().start()) {
      // 1 request per second on the fake clock: the sync takes minutes, tokens last 20 s
      SugarCrmAdapter target = Emulated.adapter(sugar, clock, "budgetRequests", "1", "budgetWindow", "1s", "batchSize", "20");
      java.time.Instant start = clock.now();
      // one worker: on a fake clock another worker's wait for the budget would move time past this one's token
      // between taking it and its request's arrival, which on a wire takes milliseconds
      SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).workers(1).build().run();
      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.created()).isEqualTo(600);
      assertThat(sugar.records("Contacts")).hasSize(600);
      assertThat(Duration.between(start, clock.now())).as("the sync outlived several tokens")
          .isGreaterThan(Duration.ofSeconds(60));
      assertThat(target.refreshes()).as("renewed mid-sync").isGreaterThanOrEqualTo(3);
      assertThat(target.logins()).isEqualTo(1);
      assertThat(sugar.refusedCount()).isZero();
    }
  }

  @Test
  void aTokenIsTakenAfterTheWaitForTheBudgetSoTheWaitCannotOutliveIt() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).accessTokenLifetime(Duration.ofSeconds(4))
        .build().start()) {
      sugar.insert("Contacts", Map.of("last_name", "One"));
      // five calls per 10 seconds: the sixth waits about 10 seconds, longer than a token lives
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock, "budgetRequests", "5", "budgetWindow", "10s");
      java.time.Instant start = clock.now();
      for (int i = 0; i < 12; i++) {
        assertThat(adapter.read(contacts()).records()).hasSize(1);
      }
      assertThat(Duration.between(start, clock.now())).as("the adapter waited for its budget")
          .isGreaterThan(Duration.ofSeconds(10));
      assertThat(sugar.refusals()).as("no call sent with a token that expired while it waited").isEmpty();
    }
  }

  @Test
  void aRefusedPasswordIsAnAuthenticationFailureThatDoesNotShowIt() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock, "password", "wrong-Secret-123");
      assertThatThrownBy(() -> adapter.read(contacts()))
          .isInstanceOf(CrmAuthenticationException.class)
          .hasMessageContaining("need_login")
          .hasMessageNotContaining("wrong-Secret-123");
    }
  }

  @Test
  void aPersistentRefusalIsAnAuthenticationFailureAfterOneRenewal() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock);
      adapter.read(contacts());
      sugar.failAuthentication(10);
      assertThatThrownBy(() -> adapter.read(contacts()))
          .isInstanceOf(CrmAuthenticationException.class)
          .hasMessageContaining("invalid_grant");
      assertThat(sugar.refusals()).as("the call, and its one repetition with a renewed token").hasSize(2);
    }
  }

  @Test
  void anUnregisteredPlatformIsAConfigurationErrorNamingTheSetting() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock, "platform", "my_integration");
      assertThatThrownBy(() -> adapter.read(contacts()))
          .isInstanceOf(CrmConfigurationException.class)
          .hasMessageContaining("platform 'my_integration'")
          .hasMessageContaining("register");
    }
  }

  @Test
  void aWrongClientIsAConfigurationError() {
    try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock).build().start()) {
      SugarCrmAdapter adapter = Emulated.adapter(sugar, clock, "clientId", "other", "clientSecret", "s3cr3t-value");
      assertThatThrownBy(() -> adapter.read(contacts()))
          .isInstanceOf(CrmConfigurationException.class)
          .hasMessageContaining("clientId")
          .hasMessageNotContaining("s3cr3t-value");
    }
  }
}

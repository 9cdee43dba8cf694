package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.SyncListener;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** OAuth: access tokens from the refresh token, renewed before they expire, and once on a 401. */
class OAuthTest {
  static final String SECRET = "client-secret-do-not-print";
  static final String REFRESH = "refresh-token-do-not-print";
  final FakeTimeSource clock = new FakeTimeSource();
  PipedriveEmulator pipedrive;

  @AfterEach
  void stop() {
    if (pipedrive != null) {
      pipedrive.close();
    }
  }

  private PipedriveAdapter start(Duration lifetime, String... settings) {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).oauthApp("app-id", SECRET, REFRESH)
        .accessTokenLifetime(lifetime).build().start();
    return Emulated.adapter(pipedrive, clock, settings);
  }

  @Test
  void anAccessTokenIsFetchedOnceAndReusedUntilShortlyBeforeItExpires() {
    PipedriveAdapter adapter = start(Duration.ofHours(1));
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(pipedrive.tokensIssued()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(56)); // within the 5 minutes before expiry
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    assertThat(pipedrive.tokensIssued()).isEqualTo(2);
    assertThat(pipedrive.countByStatus(401)).isZero();
    assertThat(adapter.toString()).contains("OAuth").doesNotContain(SECRET).doesNotContain(REFRESH);
  }

  @Test
  void tokensExpiringMidSyncAreRenewedWithoutARefusal() {
    PipedriveAdapter target = start(Duration.ofMinutes(10));
    FakeCrm source = FakeCrm.builder().id("app").timeSource(clock).build();
    List<CrmRecord> records = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      records.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "o" + i + "@example.com", "firstName", "O" + i)));
    }
    source.seed(records);
    SyncReport report = CRMSync.builder().source(source).target(target).timeSource(clock).batchSize(50)
        .listener(new SyncListener() {
          @Override
          public void onBatchDone(String jobId, int written, int unchanged, int failed) {
            clock.advance(Duration.ofMinutes(3)); // a slow sync: 36 minutes of tokens living 10
          }
        })
        .build().run();
    assertThat(report.written()).isEqualTo(600);
    assertThat(pipedrive.tokensIssued()).isGreaterThanOrEqualTo(4);
    assertThat(pipedrive.records("persons")).hasSize(600);
  }

  @Test
  void aRevokedTokenIsReplacedOnItsFirst401() {
    PipedriveAdapter adapter = start(Duration.ofHours(1));
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
    pipedrive.revokeAccessTokens();
    assertThat(adapter.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
    assertThat(pipedrive.countByStatus(401)).isEqualTo(1);
    assertThat(pipedrive.tokensIssued()).isEqualTo(2);
  }

  @Test
  void a401AfterANewTokenIsAnAuthenticationFailure() {
    PipedriveAdapter adapter = start(Duration.ofHours(1));
    adapter.describe(ObjectTypes.CONTACT);
    pipedrive.failAuthentication(2);
    assertThatThrownBy(() -> adapter.upsert(ObjectTypes.CONTACT,
        List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "a@example.com", "firstName", "A"))), MatchKey.email()))
        .isInstanceOfSatisfying(CrmAuthenticationException.class, e -> assertThat(e.statusCode()).isEqualTo(401));
  }

  @Test
  void aRefusedRefreshTokenIsAnAuthenticationFailureThatQuotesNoSecret() {
    pipedrive = PipedriveEmulator.builder().timeSource(clock).oauthApp("app-id", SECRET, "the-real-one").build().start();
    PipedriveAdapter adapter = Emulated.adapter(pipedrive, clock, "refreshToken", REFRESH, "clientId", "app-id",
        "clientSecret", SECRET, "tokenUrl", pipedrive.url() + "/oauth/token");
    assertThatThrownBy(() -> adapter.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOfSatisfying(CrmAuthenticationException.class, e -> assertThat(e.getMessage())
            .contains("Invalid grant: refresh_token is invalid").doesNotContain(REFRESH).doesNotContain(SECRET));
  }
}

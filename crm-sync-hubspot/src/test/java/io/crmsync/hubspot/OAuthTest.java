package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmSyncException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OAuthTest {
  static final String CLIENT_SECRET = "client-secret-5e3f";
  static final String REFRESH_TOKEN = "refresh-token-9a1b";

  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;
  HubSpotAdapter adapter;

  @BeforeEach
  void start() {
    hubspot = HubSpotEmulator.builder().timeSource(clock)
        .oauthApp("client-1", CLIENT_SECRET, REFRESH_TOKEN)
        .accessTokenLifetime(Duration.ofMinutes(30))
        .build().start();
    adapter = Emulated.adapter(hubspot, clock);
  }

  @AfterEach
  void stop() {
    hubspot.close();
  }

  private void read() {
    adapter.read(ReadRequest.of(ObjectTypes.CONTACT));
  }

  @Test
  void aTokenIsFetchedOnceAndReusedUntilShortlyBeforeItExpires() {
    read();
    read();
    assertThat(hubspot.tokensIssued()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(24));
    read();
    assertThat(hubspot.tokensIssued()).as("still 6 minutes to go").isEqualTo(1);
    clock.advance(Duration.ofMinutes(2));
    read();
    assertThat(hubspot.tokensIssued()).as("refreshed 4 minutes ahead of expiry").isEqualTo(2);
    assertThat(hubspot.countByStatus(401)).as("never sent an expiring token").isZero();
  }

  @Test
  void aSlowResponseThatOutlivesTheTokenLeadsToARefreshNotA401() {
    hubspot.close();
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("client-1", CLIENT_SECRET, REFRESH_TOKEN)
        .slowResponses(0, Duration.ofMinutes(40)).build().start();
    adapter = Emulated.adapter(hubspot, clock);
    hubspot.injectFaults(Fault.SLOW_RESPONSE);
    read(); // the emulator's clock (shared) jumps 40 minutes while answering
    read();
    assertThat(hubspot.tokensIssued()).isEqualTo(2);
    assertThat(hubspot.countByStatus(401)).isZero();
  }

  @Test
  void a401RefreshesOnceAndTheCallSucceeds() {
    read();
    hubspot.revokeAccessTokens();
    read();
    assertThat(hubspot.tokensIssued()).isEqualTo(2);
    assertThat(hubspot.countByStatus(401)).isEqualTo(1);
  }

  @Test
  void a401AfterTheRefreshIsAnAuthenticationError() {
    read();
    hubspot.failAuthentication(2);
    assertThatThrownBy(this::read)
        .isInstanceOf(CrmAuthenticationException.class)
        .satisfies(e -> assertThat(((CrmAuthenticationException) e).statusCode()).isEqualTo(401))
        .hasMessageNotContaining(CLIENT_SECRET)
        .hasMessageNotContaining(REFRESH_TOKEN)
        .hasMessageNotContaining("emu-at-");
    assertThat(hubspot.tokensIssued()).as("one refresh, not a loop").isEqualTo(2);
    assertThat(hubspot.countByStatus(401)).isEqualTo(2);
  }

  @Test
  void aRefusedRefreshTokenIsAnAuthenticationError() {
    HubSpotAdapter wrong = HubSpotAdapter.create(Emulated.config(hubspot, clock, "refreshToken", "rt-wrong-7c1e").build());
    assertThatThrownBy(() -> wrong.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("refused")
        .hasMessageContaining("refresh token")
        .hasMessageNotContaining("rt-wrong-7c1e")
        .hasMessageNotContaining(CLIENT_SECRET);
  }

  @Test
  void aSpoiltTokenAnswerIsNeverQuoted() {
    for (Fault fault : List.of(Fault.TRUNCATED_BODY, Fault.GARBLED_JSON, Fault.HTML_ERROR_PAGE, Fault.SERVER_ERROR)) {
      HubSpotAdapter fresh = Emulated.adapter(hubspot, clock);
      hubspot.injectTokenFaults(fault);
      // an upsert, which the adapter does not retry (a read would, and get a token the second time)
      assertThatThrownBy(() -> fresh.upsert(ObjectTypes.CONTACT,
          List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "o@example.com"))), MatchKey.email()))
          .as(fault.name())
          .isInstanceOf(CrmSyncException.class)
          .satisfies(e -> assertThat(((CrmSyncException) e).isRetryable()).as(fault + " is worth retrying").isTrue())
          .satisfies(e -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
              assertThat(String.valueOf(t.getMessage())).as(fault + ": " + t)
                  .doesNotContain(REFRESH_TOKEN).doesNotContain(CLIENT_SECRET).doesNotContain("emu-at-")
                  .doesNotContain("access_token").doesNotContain("<html>");
            }
          });
    }
    assertThat(hubspot.tokensIssued()).as("the truncated and garbled answers did issue tokens").isEqualTo(2);
    read();
    assertThat(hubspot.countByStatus(401)).isZero();
  }

  @Test
  void aTokenExpiringEverySecondsIsReplacedBeforeHubSpotRefusesIt() {
    hubspot.close();
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("client-1", CLIENT_SECRET, REFRESH_TOKEN)
        .accessTokenLifetime(Duration.ofSeconds(4)).build().start();
    adapter = Emulated.adapter(hubspot, clock);
    for (int i = 0; i < 20; i++) {
      read();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(hubspot.countByStatus(401)).as("never sent an expired token").isZero();
    assertThat(hubspot.refusals()).isEmpty();
    assertThat(hubspot.tokensIssued()).as("used for half their life").isEqualTo(10);
  }

  @Test
  void aTokenIsTakenAfterTheWaitForTheRateLimitSoTheWaitCannotOutliveIt() {
    hubspot.close();
    // five calls per 10 seconds: the sixth waits about 10 seconds, longer than a token lives
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("client-1", CLIENT_SECRET, REFRESH_TOKEN)
        .accessTokenLifetime(Duration.ofSeconds(4)).rateLimit(5, Duration.ofSeconds(10)).build().start();
    adapter = Emulated.adapter(hubspot, clock);
    for (int i = 0; i < 12; i++) {
      read();
    }
    assertThat(clock.now()).as("the adapter waited for the window").isAfter(FakeTimeSource.DEFAULT_START.plusSeconds(10));
    assertThat(hubspot.rateLimited()).isEmpty();
    assertThat(hubspot.refusals()).as("no call sent with a token that expired while it waited").isEmpty();
  }

  @Test
  void oauthAppsDeclareTheirOwnBudget() {
    // public OAuth apps: 110 requests per 10 seconds per installing account
    assertThat(adapter.capabilities().budget()).isEqualTo(RequestBudget.of(110, Duration.ofSeconds(10)));
    assertThat(adapter.toString()).contains("OAuth").doesNotContain(CLIENT_SECRET).doesNotContain(REFRESH_TOKEN);
  }

  @Test
  void aPrivateAppTokenThatIsRefusedIsNotRetried() {
    HubSpotAdapter pat = HubSpotAdapter.create(AdapterConfig.builder("hubspot")
        .settings(Map.of("baseUrl", hubspot.url().toString(), "token", "pat-na1-wrong"))
        .timeSource(clock).httpClient(Emulated.CLIENT).build());
    int before = hubspot.requestCount();
    assertThatThrownBy(() -> pat.read(ReadRequest.of(ObjectTypes.CONTACT)))
        .isInstanceOf(CrmAuthenticationException.class)
        .hasMessageContaining("INVALID_AUTHENTICATION")
        .hasMessageNotContaining("pat-na1-wrong");
    assertThat(hubspot.requestCount() - before).isEqualTo(1);
  }
}

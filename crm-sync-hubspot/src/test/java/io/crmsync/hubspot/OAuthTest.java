package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import java.time.Duration;
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

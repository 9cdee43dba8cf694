package io.crmsync.testkit.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import io.crmsync.testkit.hubspot.RawHubSpot.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Seeded faults, applied before or after the write as a lost answer would be, and expiring tokens. */
class HubSpotEmulatorFaultsTest {
  static final String UPSERT = "/crm/v3/objects/contacts/batch/upsert";

  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  private static String contact(int i) {
    return "{\"inputs\":[{\"idProperty\":\"email\",\"id\":\"f" + i + "@example.com\",\"properties\":{}}]}";
  }

  @Test
  void faultsAfterTheWriteLoseTheAnswerButKeepTheWrite() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    hubspot.injectFaults(Fault.DROPPED_CONNECTION, Fault.TRUNCATED_BODY, Fault.GARBLED_JSON, Fault.SERVER_ERROR,
        Fault.HTML_ERROR_PAGE);
    assertThatThrownBy(() -> http.post(UPSERT, contact(0))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> http.post(UPSERT, contact(1))).as("the body ends early").isInstanceOf(IOException.class);
    Reply garbled = http.post(UPSERT, contact(2));
    assertThat(garbled.status()).isEqualTo(200);
    assertThat(garbled.text()).contains("\u0000}{");
    assertThat(http.post(UPSERT, contact(3)).status()).isEqualTo(500);
    Reply html = http.post(UPSERT, contact(4));
    assertThat(html.status()).isEqualTo(502);
    assertThat(html.text()).startsWith("<html>");
    assertThat(hubspot.records("contacts")).extracting(r -> r.get("email"))
        .as("written before the answer was lost; not written on 5xx")
        .containsExactlyInAnyOrder("f0@example.com", "f1@example.com", "f2@example.com");
    assertThat(hubspot.faults()).containsOnly(Map.entry(Fault.DROPPED_CONNECTION, 1L), Map.entry(Fault.TRUNCATED_BODY, 1L),
        Map.entry(Fault.GARBLED_JSON, 1L), Map.entry(Fault.SERVER_ERROR, 1L), Map.entry(Fault.HTML_ERROR_PAGE, 1L));
  }

  @Test
  void randomFaultsAreTheSameForTheSameSeed() throws IOException {
    assertThat(faultSequence(7)).isEqualTo(faultSequence(7)).isNotEqualTo(faultSequence(8));
  }

  private List<String> faultSequence(long seed) throws IOException {
    try (HubSpotEmulator e = HubSpotEmulator.builder().timeSource(clock).seed(seed).serverErrorRate(0.3)
        .htmlErrorPageRate(0.2).build().start()) {
      RawHubSpot http = new RawHubSpot(e);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        out.add(Integer.toString(http.get("/crm/v3/objects/contacts").status()));
      }
      return out;
    }
  }

  @Test
  void accessTokensExpireOnTheEmulatorsClock() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("cid", "secret", "rt")
        .accessTokenLifetime(Duration.ofSeconds(5)).build().start();
    Reply issued = RawHubSpot.token(hubspot, "v1", "cid", "secret", "rt");
    assertThat(issued.body().path("expires_in").asLong()).isEqualTo(5);
    assertThat(issued.body().path("token_type").asText()).isEqualTo("bearer");
    RawHubSpot oauth = new RawHubSpot(hubspot, issued.body().path("access_token").asText());
    assertThat(oauth.get("/crm/v3/objects/contacts").status()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(7));
    Reply expired = oauth.get("/crm/v3/objects/contacts");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().path("category").asText()).isEqualTo("EXPIRED_AUTHENTICATION");
    assertThat(expired.body().path("message").asText()).isEqualTo("The OAuth token used to make this call expired 2 second(s) ago.");
    assertThat(hubspot.refusals()).containsExactly(Map.entry("EXPIRED_AUTHENTICATION", 1L));
  }

  @Test
  void aRefusedRefreshTokenGetsTheOAuthErrorBody() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("cid", "secret", "rt").build().start();
    Reply r = RawHubSpot.token(hubspot, "v3", "cid", "secret", "revoked");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("error").asText()).isEqualTo("invalid_grant");
    assertThat(r.body().path("error_description").asText()).isNotBlank();
    assertThat(r.body().path("status").asText()).isEqualTo("BAD_REFRESH_TOKEN");
  }

  @Test
  void tokenAnswersCanBeLostOrGarbled() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).oauthApp("cid", "secret", "rt").build().start();
    hubspot.injectTokenFaults(Fault.GARBLED_JSON, Fault.HTML_ERROR_PAGE, Fault.TRUNCATED_BODY);
    Reply garbled = RawHubSpot.token(hubspot, "v1", "cid", "secret", "rt");
    assertThat(garbled.text()).contains("refresh_token").contains("\u0000}{");
    assertThat(RawHubSpot.token(hubspot, "v1", "cid", "secret", "rt").status()).isEqualTo(502);
    assertThatThrownBy(() -> RawHubSpot.token(hubspot, "v1", "cid", "secret", "rt")).isInstanceOf(IOException.class);
    assertThat(hubspot.tokensIssued()).as("issued, then the answer was spoilt").isEqualTo(2);
    try (Response ok = RawHubSpot.HTTP.newCall(new Request.Builder().url(hubspot.url() + "/crm/v3/owners")
        .header("Authorization", "Bearer " + hubspot.privateAppToken()).build()).execute()) {
      assertThat(ok.code()).isEqualTo(200);
    }
  }
}

package io.crmsync.testkit.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator.AppType;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Plan;
import io.crmsync.testkit.hubspot.HubSpotEmulator.RateLimits;
import io.crmsync.testkit.hubspot.RawHubSpot.Reply;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rate limits per plan and kind of app, their headers, and HubSpot's 429s. */
class HubSpotEmulatorLimitsTest {
  static final String LIST = "/crm/v3/objects/contacts";

  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  @Test
  void plansHaveTheDocumentedLimits() {
    assertThat(Plan.FREE.limits(AppType.PRIVATE_APP, 0)).isEqualTo(new RateLimits(100, Duration.ofSeconds(10), 250_000));
    assertThat(Plan.STARTER.limits(AppType.PRIVATE_APP, 0)).isEqualTo(new RateLimits(100, Duration.ofSeconds(10), 250_000));
    assertThat(Plan.PROFESSIONAL.limits(AppType.PRIVATE_APP, 0))
        .isEqualTo(new RateLimits(190, Duration.ofSeconds(10), 625_000));
    assertThat(Plan.ENTERPRISE.limits(AppType.PRIVATE_APP, 0))
        .isEqualTo(new RateLimits(190, Duration.ofSeconds(10), 1_000_000));
    assertThat(Plan.PROFESSIONAL.limits(AppType.PRIVATE_APP, 2))
        .as("the burst increase does not stack; the daily one does")
        .isEqualTo(new RateLimits(250, Duration.ofSeconds(10), 2_625_000));
    assertThat(Plan.ENTERPRISE.limits(AppType.PUBLIC_APP, 2))
        .as("public OAuth apps: 110 per 10 s, no daily limit, no increase")
        .isEqualTo(new RateLimits(110, Duration.ofSeconds(10), 0));
    assertThatThrownBy(() -> Plan.FREE.limits(AppType.PRIVATE_APP, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HubSpotEmulator.builder().apiLimitIncreases(1).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("plan");
  }

  @Test
  void privateAppResponsesCarryTheBurstAndDailyHeaders() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    Reply r = http.get(LIST);
    assertThat(r.headers().get("X-HubSpot-RateLimit-Max")).isEqualTo("100");
    assertThat(r.headers().get("X-HubSpot-RateLimit-Remaining")).isEqualTo("99");
    assertThat(r.headers().get("X-HubSpot-RateLimit-Interval-Milliseconds")).isEqualTo("10000");
    assertThat(r.headers().get("X-HubSpot-RateLimit-Daily")).isEqualTo("250000");
    assertThat(r.headers().get("X-HubSpot-RateLimit-Daily-Remaining")).isEqualTo("249999");
    Reply search = http.post(LIST + "/search", "{}");
    assertThat(search.status()).isEqualTo(200);
    assertThat(search.headers().names()).noneMatch(h -> h.startsWith("X-HubSpot-RateLimit"));
    assertThat(http.get(LIST).headers().get("X-HubSpot-RateLimit-Remaining"))
        .as("searches count apart from the burst limit").isEqualTo("98");
  }

  @Test
  void theBurstLimitAnswersHubSpots429AndRollsOver() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    for (int i = 0; i < 100; i++) {
      assertThat(http.get(LIST).status()).isEqualTo(200);
      clock.advance(Duration.ofMillis(50));
    }
    Reply limited = http.get(LIST);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body().path("status").asText()).isEqualTo("error");
    assertThat(limited.body().path("errorType").asText()).isEqualTo("RATE_LIMIT");
    assertThat(limited.body().path("policyName").asText()).isEqualTo("TEN_SECONDLY_ROLLING");
    assertThat(limited.body().path("message").asText()).contains("ten_secondly_rolling");
    assertThat(limited.body().path("correlationId").asText()).isNotBlank();
    assertThat(limited.body().path("requestId").asText()).isNotBlank();
    assertThat(limited.headers().get("X-HubSpot-RateLimit-Remaining")).isEqualTo("0");
    assertThat(limited.headers().get("Retry-After")).isNull();
    clock.advance(Duration.ofMillis(5_000)); // the first request is now 10 s old
    assertThat(http.get(LIST).status()).isEqualTo(200);
    assertThat(hubspot.rateLimited()).containsExactly(Map.entry("TEN_SECONDLY_ROLLING", 1L));
    assertThat(hubspot.rateLimitedShare()).isEqualTo(1.0 / 102);
    assertThat(hubspot.refusals()).isEmpty();
  }

  @Test
  void oauthAppsHave110PerTenSecondsApartAndNoDailyHeaders() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.ENTERPRISE).oauthApp("cid", "secret", "rt")
        .build().start();
    String token = RawHubSpot.token(hubspot, "v3", "cid", "secret", "rt").body().path("access_token").asText();
    RawHubSpot oauth = new RawHubSpot(hubspot, token);
    Reply first = oauth.get(LIST);
    assertThat(first.headers().get("X-HubSpot-RateLimit-Max")).isEqualTo("110");
    assertThat(first.headers().get("X-HubSpot-RateLimit-Daily")).isNull();
    assertThat(first.headers().get("X-HubSpot-RateLimit-Daily-Remaining")).isNull();
    for (int i = 1; i < 110; i++) {
      assertThat(oauth.get(LIST).status()).isEqualTo(200);
    }
    assertThat(oauth.get(LIST).status()).isEqualTo(429);
    Reply privateApp = new RawHubSpot(hubspot).get(LIST);
    assertThat(privateApp.status()).as("each app has its own burst limit").isEqualTo(200);
    assertThat(privateApp.headers().get("X-HubSpot-RateLimit-Max")).isEqualTo("190");
    assertThat(privateApp.headers().get("X-HubSpot-RateLimit-Daily-Remaining"))
        .as("OAuth requests do not count against the daily limit").isEqualTo("999999");
  }

  @Test
  void theDailyLimitIsSharedAndResetsAtMidnightInTheAccountsZone() throws IOException {
    clock.advance(Duration.ofHours(15)); // 15:00 UTC = 10:00 in New York
    hubspot = HubSpotEmulator.builder().timeSource(clock).dailyLimit(2).timeZone(ZoneId.of("America/New_York"))
        .build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    assertThat(http.get(LIST).headers().get("X-HubSpot-RateLimit-Daily-Remaining")).isEqualTo("1");
    assertThat(http.get(LIST).headers().get("X-HubSpot-RateLimit-Daily-Remaining")).isEqualTo("0");
    Reply spent = http.get(LIST);
    assertThat(spent.status()).isEqualTo(429);
    assertThat(spent.body().path("policyName").asText()).isEqualTo("DAILY");
    assertThat(spent.body().path("message").asText()).isEqualTo("You have reached your daily limit.");
    clock.advance(Duration.ofHours(13).plusMinutes(59)); // 04:59 UTC tomorrow: 23:59 in New York
    assertThat(http.get(LIST).status()).isEqualTo(429);
    clock.advance(Duration.ofMinutes(1));
    assertThat(http.get(LIST).status()).isEqualTo(200);
    assertThat(hubspot.rateLimited()).containsExactly(Map.entry("DAILY", 2L));
  }

  @Test
  void searchesAreLimitedToFivePerSecondWithoutHeaders() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.PROFESSIONAL).build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    for (int i = 0; i < 5; i++) {
      assertThat(http.post(LIST + "/search", "{}").status()).isEqualTo(200);
    }
    Reply limited = http.post(LIST + "/search", "{}");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body().path("policyName").asText()).isEqualTo("SECONDLY");
    assertThat(limited.headers().names()).noneMatch(h -> h.startsWith("X-HubSpot-RateLimit"));
    clock.advance(Duration.ofSeconds(1));
    assertThat(http.post(LIST + "/search", "{}").status()).isEqualTo(200);
  }

  @Test
  void otherClientsOfTheAppShrinkTheRemainingBudget() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).plan(Plan.STARTER).otherClients(40).build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    assertThat(http.get(LIST).headers().get("X-HubSpot-RateLimit-Remaining")).isEqualTo("98");
    clock.advance(Duration.ofSeconds(5));
    assertThat(http.get(LIST).headers().get("X-HubSpot-RateLimit-Remaining"))
        .as("one of ours and 21 of theirs before, one more of ours now").isEqualTo("77");
    clock.advance(Duration.ofSeconds(10));
    int ok = 0;
    while (http.get(LIST).status() == 200) {
      ok++;
    }
    assertThat(ok).as("what the other clients leave of the window").isEqualTo(60);
  }

  @Test
  void aRetryAfterHeaderIsSentOnlyWhenAskedFor() throws IOException {
    hubspot = HubSpotEmulator.builder().timeSource(clock).rateLimit(1, Duration.ofSeconds(10)).retryAfterHeader(true)
        .build().start();
    RawHubSpot http = new RawHubSpot(hubspot);
    http.get(LIST);
    clock.advance(Duration.ofSeconds(7));
    assertThat(http.get(LIST).headers().get("Retry-After")).isEqualTo("3");
  }
}

package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class RateLimitStatusTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void readsTheRollingAndDailyCounters() {
    RateLimitStatus s = RateLimitStatus.fromHeaders(Headers.of(
        "X-HubSpot-RateLimit-Max", "190", "X-HubSpot-RateLimit-Remaining", "187",
        "X-HubSpot-RateLimit-Interval-Milliseconds", "10000",
        "X-HubSpot-RateLimit-Daily", "500000", "X-HubSpot-RateLimit-Daily-Remaining", "499000"), NOW).orElseThrow();
    assertThat(s.max()).isEqualTo(190);
    assertThat(s.windowRemaining()).hasValue(187);
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.dailyLeft()).hasValue(499_000);
  }

  @Test
  void readsTheOlderSecondlyCounters() {
    RateLimitStatus s = RateLimitStatus.fromHeaders(Headers.of(
        "X-HubSpot-RateLimit-Secondly", "10", "X-HubSpot-RateLimit-Secondly-Remaining", "9"), NOW).orElseThrow();
    assertThat(s.max()).isEqualTo(10);
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.dailyLeft()).isEmpty();
  }

  @Test
  void noHeadersNoStatusAndGarbageIsIgnored() {
    assertThat(RateLimitStatus.fromHeaders(Headers.of("Content-Type", "application/json"), NOW)).isEmpty();
    assertThat(RateLimitStatus.fromHeaders(Headers.of("X-HubSpot-RateLimit-Max", "lots"), NOW)).isEmpty();
  }
}

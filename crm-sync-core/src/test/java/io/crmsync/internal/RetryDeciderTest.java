package io.crmsync.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryDeciderTest {
  private final CrmUnavailableException unavailable = new CrmUnavailableException("x", 503, null, "down", null);

  @Test
  void theDefaultPolicyRetriesTransientFailuresThreeTimesAndNeverValidationOrAuth() {
    RetryDecider d = new RetryDecider(CRMSync.defaultRetryPolicy(), 1);
    assertThat(d.shouldRetry(unavailable, 1)).isTrue();
    assertThat(d.shouldRetry(unavailable, 2)).isTrue();
    assertThat(d.shouldRetry(unavailable, 3)).isFalse();
    assertThat(d.shouldRetry(new CrmAuthenticationException("x", 401, null, "no", null), 1)).isFalse();
    assertThat(d.shouldRetry(new CrmRequestException("x", "bad"), 1)).isFalse();
    assertThat(d.shouldRetry(new IllegalArgumentException("bug"), 1)).isFalse();
    assertThat(d.shouldRetry(new IllegalStateException("glitch"), 1)).isTrue();
  }

  @Test
  void backoffGrowsExponentiallyWithinJitterAndIsCapped() {
    RetryDecider d = new RetryDecider(CRMSync.defaultRetryPolicy(), 7);
    for (int i = 0; i < 50; i++) {
      assertThat(d.delay(1)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
      assertThat(d.delay(2)).isBetween(Duration.ofMillis(1600), Duration.ofMillis(2400));
      assertThat(d.delay(3)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
      assertThat(d.delay(20)).isBetween(Duration.ofSeconds(48), Duration.ofSeconds(72));
    }
  }

  @Test
  void userPoliciesAreHonoured() {
    RetryDecider d = new RetryDecider(RetryPolicy.builder()
        .handle(CrmUnavailableException.class)
        .abortOn(e -> e.getMessage().contains("fatal"))
        .withMaxRetries(-1)
        .withDelay(Duration.ofSeconds(3))
        .build(), 1);
    assertThat(d.shouldRetry(unavailable, 100)).isTrue();
    assertThat(d.shouldRetry(new CrmUnavailableException("x", 500, null, "fatal", null), 1)).isFalse();
    assertThat(d.shouldRetry(new IllegalStateException("other"), 1)).isFalse();
    assertThat(d.delay(5)).isEqualTo(Duration.ofSeconds(3));
  }
}

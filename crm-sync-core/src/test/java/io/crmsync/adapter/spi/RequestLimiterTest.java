package io.crmsync.adapter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.RequestBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestLimiterTest {
  private final StepTime time = new StepTime();

  @Test
  void letsBudgetCallsThroughPerWindowAndWaitsOnTheClockForTheRest() throws Exception {
    RequestLimiter limiter = RequestLimiter.of(RequestBudget.of(5, Duration.ofSeconds(10)), time);
    Instant start = time.now();
    List<Instant> starts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      try (RequestLimiter.Permit p = limiter.acquire()) {
        starts.add(time.now());
      }
    }
    assertThat(starts.subList(0, 5)).allMatch(start::equals);
    assertThat(starts.get(5)).isEqualTo(start.plusSeconds(10));
    assertThat(starts.get(10)).isEqualTo(start.plusSeconds(20));
    for (int i = 5; i < starts.size(); i++) {
      assertThat(Duration.between(starts.get(i - 5), starts.get(i))).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
    }
  }

  @Test
  void aCallOccupiesTheWindowUntilItCompletes() throws Exception {
    RequestLimiter limiter = RequestLimiter.of(RequestBudget.of(1, Duration.ofSeconds(1)), time);
    RequestLimiter.Permit slow = limiter.acquire();
    time.advance(Duration.ofSeconds(5)); // the call takes 5 s
    slow.close();
    Instant closedAt = time.now();
    try (RequestLimiter.Permit next = limiter.acquire()) {
      assertThat(time.now()).isEqualTo(closedAt.plusSeconds(1));
    }
  }

  @Test
  void cancelledPermitsFreeTheirSlot() throws Exception {
    RequestLimiter limiter = RequestLimiter.of(RequestBudget.of(1, Duration.ofSeconds(1)), time);
    Instant start = time.now();
    limiter.acquire().cancel();
    limiter.acquire().close();
    assertThat(time.now()).isEqualTo(start);
  }

  @Test
  void aLongPauseCanBeCancelled() throws Exception {
    RequestLimiter limiter = RequestLimiter.of(RequestBudget.unlimited(), time);
    Instant start = time.now();
    limiter.pauseUntil(start.plus(Duration.ofHours(1)));
    assertThat(limiter.acquire(() -> time.now().isAfter(start.plusSeconds(1)))).isNull();
    assertThat(time.now()).isBefore(start.plusSeconds(2));
  }

  @Test
  void aPauseHoldsEveryoneBack() throws Exception {
    RequestLimiter limiter = RequestLimiter.of(RequestBudget.unlimited(), time);
    Instant start = time.now();
    limiter.pauseUntil(start.plusSeconds(30));
    limiter.acquire().close();
    assertThat(time.now()).isEqualTo(start.plusSeconds(30));
  }
}

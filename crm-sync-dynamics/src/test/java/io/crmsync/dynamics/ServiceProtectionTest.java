package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Service protection (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): the adapter keeps
 * to its request budget and to 52 requests in flight, a 429 is a {@link CrmRateLimitException} carrying {@code
 * Retry-After} and pauses the adapter for that long, and the {@code x-ms-ratelimit-*} headers are read.
 */
class ServiceProtectionTest {
  final FakeTimeSource clock = new FakeTimeSource();

  @Test
  void theBudgetKeepsRequestsUnderTheLimit() {
    try (DataverseEmulator dv = Emulated.emulator(clock).serviceProtection(50, Duration.ofMinutes(1)).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock, "budgetRequests", "50", "budgetWindow", "1m");
      for (int i = 0; i < 200; i++) {
        a.read(ReadRequest.of(ObjectTypes.CONTACT));
      }
      assertThat(dv.rateLimitedCount()).isZero();
      assertThat(dv.maxRequestsInAnyWindow(Duration.ofMinutes(1))).isLessThanOrEqualTo(50);
      assertThat(a.serviceProtectionStatus()).get().satisfies(s -> assertThat(s.requestsRemaining()).isNotNull());
    }
  }

  @Test
  void a429IsARateLimitWithRetryAfterAndTheAdapterWaitsItOut() {
    try (DataverseEmulator dv = Emulated.emulator(clock).serviceProtection(5, Duration.ofMinutes(1)).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock); // budget 6,000 per 5 minutes: more than this org allows
      CrmRateLimitException limited = null;
      for (int i = 0; i < 10 && limited == null; i++) {
        try {
          a.read(ReadRequest.of(ObjectTypes.CONTACT));
        } catch (CrmRateLimitException e) {
          limited = e;
        }
      }
      assertThat(limited).isNotNull();
      assertThat(limited.getMessage()).contains("0x80072322");
      assertThat(limited.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(limited.isRetryAfterFromServer()).isTrue();
      long before = dv.rateLimitedCount();
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.rateLimitedCount()).as("the next request waited for Retry-After").isEqualTo(before);
    }
  }

  /** Waits, without sleeping, until {@code n} requests are held in the paused emulator. */
  private static void awaitInFlight(DataverseEmulator dv, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (dv.inFlight() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + dv.inFlight() + " of " + n + " requests arrived");
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void atMost52RequestsAreInFlight() throws Exception {
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock);
      a.read(ReadRequest.of(ObjectTypes.CONTACT)); // token and table definitions
      ExecutorService pool = Executors.newFixedThreadPool(60);
      try {
        dv.pauseRequests();
        List<Future<?>> reads = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
          reads.add(pool.submit(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT))));
        }
        awaitInFlight(dv, 52);
        dv.resumeRequests();
        for (Future<?> f : reads) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        dv.resumeRequests();
        pool.shutdownNow();
      }
      assertThat(dv.maxInFlight()).isEqualTo(52);
      assertThat(dv.rateLimitedCount()).isZero();
    }
  }

  @Test
  void theEmulatorRefusesThe53rdConcurrentRequest() throws Exception {
    try (DataverseEmulator dv = Emulated.emulator(clock).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock, "maxConcurrentRequests", "53");
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      ExecutorService pool = Executors.newFixedThreadPool(53);
      try {
        dv.pauseRequests();
        List<Future<?>> reads = new ArrayList<>();
        for (int i = 0; i < 52; i++) {
          reads.add(pool.submit(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT))));
        }
        awaitInFlight(dv, 52);
        assertThatThrownBy(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT)))
            .isInstanceOf(CrmRateLimitException.class).hasMessageContaining("0x80072326");
        dv.resumeRequests();
        for (Future<?> f : reads) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        dv.resumeRequests();
        pool.shutdownNow();
      }
      assertThat(dv.rateLimitedCount()).isEqualTo(1);
    }
  }
}

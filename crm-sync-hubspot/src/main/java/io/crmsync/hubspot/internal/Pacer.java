package io.crmsync.hubspot.internal;

import io.crmsync.CrmRateLimitException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.RequestLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an adapter's calls within what HubSpot says the account allows, whatever the budget setting:
 *
 * <ul>
 *   <li>Every call that counts against the burst limit takes a permit of a {@link RequestLimiter} that
 *       starts at the budget setting and then keeps to the lower of it and {@code X-HubSpot-RateLimit-Max}
 *       per {@code -Interval-Milliseconds}, as each response states them.
 *   <li>Other clients of the same app use part of the same window: what a response's {@code -Remaining} says
 *       is used beyond this adapter's own calls of the window is left to them, so this adapter slows down
 *       before HubSpot answers 429, and speeds up again when they stop.
 *   <li>A 429 of the rolling limit holds every call back for its wait.
 *   <li>When {@code -Daily-Remaining} reaches 0, or a 429 of policy {@code DAILY} arrives, calls fail at once
 *       with {@link CrmRateLimitException#quotaExhausted} until midnight in the account's zone, where HubSpot
 *       resets the daily limit: sending them would only spend more 429s.
 * </ul>
 *
 * <p>Waits are on the {@link TimeSource} and bounded by the window (seconds). Thread-safe.
 */
public final class Pacer {
  private static final Logger log = LoggerFactory.getLogger(Pacer.class);

  private final RequestLimiter limiter;
  private final RequestBudget configured;
  private final TimeSource time;
  private final ZoneId zone;
  private final Object lock = new Object();
  /** When this adapter's recent calls started, to tell them from other clients' in a response's counts. */
  private final Deque<Instant> started = new ArrayDeque<>();
  private Duration interval;
  private Instant dailySpentUntil = Instant.MIN;

  public Pacer(RequestBudget configured, TimeSource time, ZoneId zone) {
    this.configured = Objects.requireNonNull(configured, "configured");
    this.time = Objects.requireNonNull(time, "time");
    this.zone = Objects.requireNonNull(zone, "zone");
    this.limiter = RequestLimiter.of(configured, time);
    this.interval = configured.window();
  }

  /** One call let through; close it when the call has completed. */
  public final class Call implements AutoCloseable {
    private final RequestLimiter.@Nullable Permit permit;
    private final Instant startedAt;

    Call(RequestLimiter.@Nullable Permit permit, Instant startedAt) {
      this.permit = permit;
      this.startedAt = startedAt;
    }

    /** What the response's rate-limit headers said, if it carried any. */
    public void observe(@Nullable RateLimitHeaders headers) {
      if (headers != null) {
        Pacer.this.observe(headers, startedAt);
      }
    }

    @Override
    public void close() {
      if (permit != null) {
        permit.close();
      }
    }
  }

  /** The rate-limit headers of one response; -1 where absent. */
  public record RateLimitHeaders(long max, long remaining, @Nullable Duration interval, long dailyRemaining) {}

  /**
   * Waits until a call may be made. {@code burst} is false for calls outside the burst limit (searches),
   * which only the daily limit stops.
   *
   * @throws CrmRateLimitException (a {@linkplain CrmRateLimitException#isQuotaExhausted() spent quota}) if
   *     the daily limit is spent
   * @throws InterruptedException if interrupted while waiting
   */
  public Call start(boolean burst) throws InterruptedException {
    checkDaily();
    RequestLimiter.Permit permit = burst ? limiter.acquire() : null;
    Instant now = time.now();
    if (burst) {
      synchronized (lock) {
        started.addLast(now);
        // kept for a response's counts; calls two intervals old no longer count in any
        Instant stale = now.minus(interval.multipliedBy(2));
        while (!started.isEmpty() && started.peekFirst().isBefore(stale)) {
          started.pollFirst();
        }
      }
    }
    return new Call(permit, now);
  }

  private void checkDaily() {
    Instant now = time.now();
    Instant until;
    synchronized (lock) {
      until = dailySpentUntil;
    }
    if (now.isBefore(until)) {
      throw CrmRateLimitException.quotaExhausted(HubSpotErrors.CRM, 0, null,
          "HubSpot's daily API limit for this account is spent (X-HubSpot-RateLimit-Daily-Remaining: 0); it resets at "
              + "midnight in " + zone + ", so the call was not sent",
          Duration.between(now, until), null);
    }
  }

  private void observe(RateLimitHeaders h, Instant callStarted) {
    Instant now = time.now();
    RequestBudget next = null;
    synchronized (lock) {
      if (h.dailyRemaining() == 0) {
        dailySpentUntil = later(dailySpentUntil, midnightAfter(now));
      }
      if (h.max() <= 0) {
        return;
      }
      if (h.interval() != null && !h.interval().isNegative() && !h.interval().isZero()) {
        interval = h.interval();
      }
      // The server counted its window up to about when this call arrived; this adapter's calls in it are at most
      // those started since one interval before this call started. The rest of what it counted is other clients'.
      Instant from = callStarted.minus(interval);
      while (!started.isEmpty() && !started.peekFirst().isAfter(from)) {
        started.pollFirst();
      }
      long ours = started.size();
      long others = h.remaining() < 0 ? 0 : Math.max(0, h.max() - h.remaining() - ours);
      long allowed = Math.min(scaled(configured, interval), h.max());
      int requests = (int) Math.max(1, Math.min(Integer.MAX_VALUE, allowed - others));
      RequestBudget current = limiter.budget();
      if (current.requests() != requests || !current.window().equals(interval)) {
        next = RequestBudget.of(requests, interval);
      }
    }
    if (next != null) {
      log.debug("Pacing HubSpot calls at {} (the account allows {} per {}, remaining {})", next, h.max(), interval,
          h.remaining());
      limiter.updateBudget(next);
    }
  }

  /** The configured budget as requests per {@code window}. */
  private static long scaled(RequestBudget budget, Duration window) {
    if (budget.window().equals(window)) {
      return budget.requests();
    }
    return Math.max(1, (long) Math.floor((double) budget.requests() * window.toNanos() / budget.window().toNanos()));
  }

  /**
   * HubSpot refused a call with a 429: a spent daily quota stops calls until it resets, a rolling limit holds
   * every call back for its wait.
   */
  public void rateLimited(CrmRateLimitException e, boolean burst) {
    Instant now = time.now();
    if (e.isQuotaExhausted()) {
      synchronized (lock) {
        dailySpentUntil = later(dailySpentUntil, now.plus(e.retryAfter()));
      }
    } else if (burst) {
      limiter.pauseUntil(now.plus(e.retryAfter()));
    }
  }

  /** The budget kept now. */
  public RequestBudget budget() {
    return limiter.budget();
  }

  private Instant midnightAfter(Instant now) {
    return LocalDate.ofInstant(now, zone).plusDays(1).atStartOfDay(zone).toInstant();
  }

  private static Instant later(Instant a, Instant b) {
    return b.isAfter(a) ? b : a;
  }
}

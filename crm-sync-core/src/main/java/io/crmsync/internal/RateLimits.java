package io.crmsync.internal;

import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.RequestLimiter;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the run does when a CRM refuses a call for its rate limit: every caller of that CRM waits the
 * server's Retry-After and the call is tried again, using up no attempt; but a spent quota of a long
 * period, or a wait longer than the run may wait, ends the run, leaving the rest for a run after the
 * reset.
 */
final class RateLimits {
  private final Run run;
  private final Tally tally;

  RateLimits(Run run, Tally tally) {
    this.run = run;
    this.tally = tally;
  }

  /**
   * Handles {@code e} from {@code system}, whose calls {@code limiter} paces.
   *
   * @param records records of the refused call, for the listener
   * @return whether the call may be tried again after the pause; false if the run ends
   */
  boolean onRateLimited(CRMAdapter system, RequestLimiter limiter, CrmRateLimitException e, int records) {
    tally.rateLimited.increment();
    Instant now = run.time.now();
    Duration wait = e.retryAfter();
    if (endsTheRun(run, system, e, wait)) {
      return false;
    }
    Instant before = limiter.pausedUntil();
    Instant until = now.plus(wait);
    limiter.pauseUntil(until);
    Instant from = before.isAfter(now) ? before : now;
    if (until.isAfter(from)) {
      tally.rateLimitWait(Duration.between(from, until));
    }
    run.listener.onRateLimited(run.jobId, system.id(), wait, records);
    return true;
  }

  /**
   * Whether {@code e} from {@code system} ends {@code run}: a spent quota, or a wait (of {@code wait}, or
   * more in all) longer than the run may wait. If so, the run is ended saying when the quota resets.
   */
  static boolean endsTheRun(Run run, CRMAdapter system, CrmRateLimitException e, Duration wait) {
    if (!e.isQuotaExhausted() && wait.compareTo(run.config.maxRateLimitWait()) <= 0) {
      return false;
    }
    Instant now = run.time.now();
    @Nullable Instant resets = e.isRetryAfterFromServer() ? now.plus(e.retryAfter()) : null;
    String when = resets != null ? "it resets at " + resets : system.id() + " did not say when it resets";
    String message = e.isQuotaExhausted()
        ? "the API quota of " + system.id() + " is spent (" + when + "), so the run stopped; the rest is left for a"
            + " run after the reset"
        : system.id() + " asked to wait " + wait + ", longer than the " + run.config.maxRateLimitWait()
            + " a run may wait, so it stopped; the rest is left for a later run";
    run.quotaExhausted(message, resets, e);
    return true;
  }
}

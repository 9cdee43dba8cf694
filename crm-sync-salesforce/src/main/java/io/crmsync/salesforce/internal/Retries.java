package io.crmsync.salesforce.internal;

import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.http.CrmHttp;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step that is safe to send again (a read, an idempotent write) again while it fails transiently: the
 * service unavailable, an HTML page, a garbled or cut-off answer, a dropped connection, a short rate limit. Waits
 * double from one second on the adapter's {@link TimeSource}. A spent daily quota, an authentication or a request
 * error ends it at once. Each retry is reported to the adapter's {@link AdapterEvents}.
 */
public final class Retries {
  private static final Logger log = LoggerFactory.getLogger(Retries.class);
  private static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  private static final Duration MAX_WAIT = Duration.ofSeconds(16);

  private final String crm;
  private final TimeSource time;
  private final int attempts;
  private final AdapterEvents events;

  public Retries(String crm, TimeSource time, int attempts, AdapterEvents events) {
    this.events = events;
    this.crm = crm;
    this.time = time;
    this.attempts = attempts;
  }

  public static boolean isTransient(RuntimeException e) {
    return e instanceof CrmUnavailableException
        || (e instanceof CrmRateLimitException r && !r.isQuotaExhausted());
  }

  /**
   * @throws RuntimeException the step's last failure, or the first that is not transient
   */
  public <T> T run(CrmHttp.Operation op, String what, Supplier<T> step) {
    Duration wait = FIRST_WAIT;
    for (int attempt = 1; ; attempt++) {
      try {
        return step.get();
      } catch (RuntimeException e) {
        if (!isTransient(e) || attempt >= attempts) {
          throw e;
        }
        Duration pause = wait;
        if (e instanceof CrmRateLimitException r && r.isRetryAfterFromServer() && r.retryAfter().compareTo(pause) > 0) {
          pause = r.retryAfter();
        }
        log.debug("{} failed (attempt {} of {}), again in {}: {}", what, attempt, attempts, pause, e.getMessage());
        sleep(pause);
        events.retry(op.name(), e);
        wait = wait.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.multipliedBy(2);
      }
    }
  }

  public void run(CrmHttp.Operation op, String what, Runnable step) {
    run(op, what, () -> {
      step.run();
      return null;
    });
  }

  private void sleep(Duration d) {
    try {
      time.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(crm, 0, null, "interrupted while waiting to retry", e);
    }
  }
}

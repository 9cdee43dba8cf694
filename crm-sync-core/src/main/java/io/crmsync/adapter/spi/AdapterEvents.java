package io.crmsync.adapter.spi;

import io.crmsync.adapter.AdapterListener;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An adapter's {@link AdapterListener}s: what {@link io.crmsync.adapter.CRMAdapter#listen} adds to, and
 * what the adapter reports its requests, retries, rate limits and token renewals to. Hand it to {@link
 * io.crmsync.http.CrmHttp}, which reports every request it sends; report the rest where they happen.
 * A listener that throws is logged once at debug and ignored. Thread-safe.
 *
 * <pre>{@code
 * private final AdapterEvents events = AdapterEvents.create("acme");
 *
 * public AdapterListener.Registration listen(AdapterListener listener) {
 *   return events.add(listener);
 * }
 * }</pre>
 */
public final class AdapterEvents {
  private static final Logger log = LoggerFactory.getLogger(AdapterEvents.class);

  private final String adapterId;
  private final CopyOnWriteArrayList<AdapterListener> listeners = new CopyOnWriteArrayList<>();

  private AdapterEvents(String adapterId) {
    this.adapterId = Objects.requireNonNull(adapterId, "adapterId");
  }

  /** The events of the adapter whose id is {@code adapterId}, with no listener yet. */
  public static AdapterEvents create(String adapterId) {
    return new AdapterEvents(adapterId);
  }

  /** Adds {@code listener}; closing the registration removes it. */
  public AdapterListener.Registration add(AdapterListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Whether anyone listens, so that an adapter can skip work done only for its listeners. */
  public boolean hasListeners() {
    return !listeners.isEmpty();
  }

  public void request(String operation, int status, Duration latency) {
    for (AdapterListener l : listeners) {
      try {
        l.onRequest(adapterId, operation, status, latency);
      } catch (RuntimeException e) {
        ignored(e);
      }
    }
  }

  public void retry(String operation, Throwable cause) {
    for (AdapterListener l : listeners) {
      try {
        l.onRetry(adapterId, operation, cause);
      } catch (RuntimeException e) {
        ignored(e);
      }
    }
  }

  public void rateLimited(String operation, Duration wait, boolean quota) {
    for (AdapterListener l : listeners) {
      try {
        l.onRateLimited(adapterId, operation, wait, quota);
      } catch (RuntimeException e) {
        ignored(e);
      }
    }
  }

  public void tokenRenewed() {
    for (AdapterListener l : listeners) {
      try {
        l.onTokenRenewed(adapterId);
      } catch (RuntimeException e) {
        ignored(e);
      }
    }
  }

  private static void ignored(RuntimeException e) {
    log.debug("An AdapterListener threw; ignoring it", e);
  }
}

package io.crmsync;

import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.internal.Messages;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Whether a sync can run now, from what is known without calling the CRMs: its backend reachable, each
 * adapter's last call, and the quota each CRM last said is left. What {@code crm-sync serve} answers on
 * {@code /healthz}.
 *
 * @param backendReachable whether the backend answered a query just now
 * @param backendError why it did not, or {@code null}
 * @param adapters one entry per adapter (source first)
 */
public record SyncHealth(boolean backendReachable, @Nullable String backendError, List<Adapter> adapters) {

  /**
   * What is known of one adapter.
   *
   * @param id the adapter's id
   * @param lastStatus the HTTP status of its last request since the sync was built (0 when none arrived),
   *     or {@code null} if it reported none
   * @param lastCallAt when that request completed
   * @param quota what its CRM last said of its long-period quota, or {@code null}
   */
  public record Adapter(String id, @Nullable Integer lastStatus, @Nullable Instant lastCallAt, @Nullable QuotaStatus quota) {
    public Adapter {
      Objects.requireNonNull(id, "id");
    }

    /** Whether the last request failed for a reason other than the record (no answer, 401/403, 429, 5xx). */
    public boolean failing() {
      return lastStatus != null && (lastStatus == 0 || lastStatus == 401 || lastStatus == 403 || lastStatus == 429
          || lastStatus >= 500);
    }
  }

  public SyncHealth {
    adapters = List.copyOf(adapters);
  }

  /** Whether the backend is reachable and no adapter's last call failed, nor its quota is spent. */
  public boolean healthy() {
    if (!backendReachable) {
      return false;
    }
    for (Adapter a : adapters) {
      if (a.failing() || (a.quota() != null && a.quota().remaining() <= 0)) {
        return false;
      }
    }
    return true;
  }

  static SyncHealth check(CRMSync.Config config, LastCalls calls) {
    boolean reachable = true;
    String error = null;
    try {
      config.backend().stateStore().deadLetterCount(config.jobId());
      config.backend().queue().stats("crmsync:" + config.jobId());
    } catch (RuntimeException e) {
      reachable = false;
      error = Messages.oneLine(e);
    }
    return new SyncHealth(reachable, error, List.of(calls.of(config.source()), calls.of(config.target())));
  }

  /** Listens to the adapters of one sync and keeps each one's last request. Thread-safe. */
  static final class LastCalls implements AdapterListener {
    private record Call(int status, Instant at) {}

    private final TimeSource time;
    private final Map<String, Call> last = new ConcurrentHashMap<>();

    LastCalls(TimeSource time) {
      this.time = time;
    }

    @Override
    public void onRequest(String adapterId, String operation, int status, Duration latency) {
      last.put(adapterId, new Call(status, time.now()));
    }

    Adapter of(CRMAdapter adapter) {
      Call c = last.get(adapter.id());
      Optional<QuotaStatus> quota;
      try {
        quota = adapter.quotaStatus();
      } catch (RuntimeException e) {
        quota = Optional.empty();
      }
      return new Adapter(adapter.id(), c == null ? null : c.status(), c == null ? null : c.at(), quota.orElse(null));
    }
  }
}

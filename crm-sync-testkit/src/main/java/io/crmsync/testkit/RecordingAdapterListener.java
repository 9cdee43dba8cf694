package io.crmsync.testkit;

import io.crmsync.adapter.AdapterListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An {@link AdapterListener} that keeps every event it hears, for tests of what an adapter reports:
 *
 * <pre>{@code
 * RecordingAdapterListener events = new RecordingAdapterListener();
 * try (AdapterListener.Registration r = adapter.listen(events)) {
 *   adapter.read(ReadRequest.of("contact"));
 * }
 * assertThat(events.operations()).contains("read");
 * }</pre>
 *
 * Thread-safe.
 */
public final class RecordingAdapterListener implements AdapterListener {
  /** A request as reported: its operation, HTTP status (0 when no answer came) and latency. */
  public record Request(String adapterId, String operation, int status, Duration latency) {}

  /** An adapter's own retry of {@code operation} after {@code cause}. */
  public record Retry(String adapterId, String operation, Throwable cause) {}

  /** A rate-limit refusal of {@code operation}, with the wait asked for ({@code retryAfter}) and whether a long-period quota is spent. */
  public record RateLimit(String adapterId, String operation, Duration retryAfter, boolean quota) {}

  private final List<Request> requests = new ArrayList<>();
  private final List<Retry> retries = new ArrayList<>();
  private final List<RateLimit> rateLimits = new ArrayList<>();
  private final List<String> tokenRenewals = new ArrayList<>();

  @Override
  public synchronized void onRequest(String adapterId, String operation, int status, Duration latency) {
    requests.add(new Request(adapterId, operation, status, latency));
  }

  @Override
  public synchronized void onRetry(String adapterId, String operation, Throwable cause) {
    retries.add(new Retry(adapterId, operation, cause));
  }

  @Override
  public synchronized void onRateLimited(String adapterId, String operation, Duration wait, boolean quota) {
    rateLimits.add(new RateLimit(adapterId, operation, wait, quota));
  }

  @Override
  public synchronized void onTokenRenewed(String adapterId) {
    tokenRenewals.add(adapterId);
  }

  /** The requests heard so far, in order. */
  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests of {@code operation} heard so far, in order. */
  public synchronized List<Request> requests(String operation) {
    Objects.requireNonNull(operation, "operation");
    return requests.stream().filter(r -> r.operation().equals(operation)).toList();
  }

  /** The names of the operations heard so far, sorted. */
  public synchronized Set<String> operations() {
    Set<String> out = new TreeSet<>();
    requests.forEach(r -> out.add(r.operation()));
    return out;
  }

  /** The adapter's own retries heard so far, in order. */
  public synchronized List<Retry> retries() {
    return List.copyOf(retries);
  }

  /** The rate-limit refusals heard so far, in order. */
  public synchronized List<RateLimit> rateLimits() {
    return List.copyOf(rateLimits);
  }

  /** How many access tokens were renewed so far. */
  public synchronized int tokenRenewals() {
    return tokenRenewals.size();
  }

  /** Forgets everything heard so far. */
  public synchronized void clear() {
    requests.clear();
    retries.clear();
    rateLimits.clear();
    tokenRenewals.clear();
  }

  @Override
  public synchronized String toString() {
    return "RecordingAdapterListener{requests=" + requests.size() + ", retries=" + retries.size() + ", rateLimits="
        + rateLimits.size() + ", tokenRenewals=" + tokenRenewals.size() + "}";
  }
}

package io.crmsync.adapter.spi;

import io.crmsync.TimeSource;
import io.crmsync.adapter.RequestBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps calls to one system within its {@link RequestBudget}: at most {@code requests} calls in any
 * window, where a call occupies the window from the moment it is let through until {@code window} after
 * it completes. Counting a call until after its completion (not just its start) keeps the guarantee at
 * the server, which sees each call at some time between the two. Also holds every caller back while the
 * system asked for a pause (a 429's Retry-After). Waits on the {@link TimeSource}; thread-safe.
 *
 * <p>The engine keeps one per adapter of a sync, from the budget the adapter declares. An adapter keeps
 * its own for a second budget its CRM enforces apart (HubSpot's search endpoints), or to pace by what
 * the server says its limit is ({@link #updateBudget}):
 *
 * <pre>{@code
 * RequestLimiter search = RequestLimiter.of(RequestBudget.of(4, Duration.ofSeconds(1)), config.timeSource());
 * try (RequestLimiter.Permit permit = search.acquire()) {
 *   return http.execute(request);
 * }
 * }</pre>
 */
public final class RequestLimiter {
  private static final Duration IN_FLIGHT_POLL = Duration.ofMillis(5);
  private static final Duration MAX_SLICE = Duration.ofMillis(250);

  private volatile RequestBudget budget;
  private final TimeSource time;
  private final Object lock = new Object();
  private final List<Permit> slots = new ArrayList<>();
  private Instant pausedUntil = Instant.MIN;

  private RequestLimiter(RequestBudget budget, TimeSource time) {
    this.budget = Objects.requireNonNull(budget, "budget");
    this.time = Objects.requireNonNull(time, "time");
  }

  /**
   * A limiter keeping to {@code budget}, waiting on {@code time}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static RequestLimiter of(RequestBudget budget, TimeSource time) {
    return new RequestLimiter(budget, time);
  }

  /** One call let through; close it when the call has completed. */
  public final class Permit implements AutoCloseable {
    private @Nullable Instant end;

    private boolean done;

    /** The call completed: it keeps occupying the window until {@code window} from now. */
    @Override
    public void close() {
      synchronized (lock) {
        if (!done) {
          done = true;
          end = time.now();
        }
      }
    }

    /** No call was made after all: frees the slot at once. */
    public void cancel() {
      synchronized (lock) {
        if (!done) {
          done = true;
          slots.remove(this);
        }
      }
    }
  }

  /**
   * Blocks (on the time source) until a call may be made.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public Permit acquire() throws InterruptedException {
    Permit p = acquire(() -> false);
    return Objects.requireNonNull(p);
  }

  /**
   * Blocks (on the time source) until a call may be made, or returns null once {@code cancelled} says
   * so; long waits (a Retry-After of an hour) are slept in slices so that cancellation is noticed.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public @Nullable Permit acquire(BooleanSupplier cancelled) throws InterruptedException {
    if (budget.isUnlimited()) {
      synchronized (lock) {
        Instant now = time.now();
        if (!now.isBefore(pausedUntil)) {
          return new Permit();
        }
      }
    }
    while (true) {
      Duration wait;
      synchronized (lock) {
        Instant now = time.now();
        if (now.isBefore(pausedUntil)) {
          wait = Duration.between(now, pausedUntil);
        } else if (budget.isUnlimited()) {
          return new Permit();
        } else {
          Instant from = now.minus(budget.window());
          slots.removeIf(p -> p.end != null && !p.end.isAfter(from));
          if (slots.size() < budget.requests()) {
            Permit p = new Permit();
            slots.add(p);
            return p;
          }
          Instant earliest = null;
          for (Permit p : slots) {
            if (p.end != null) {
              Instant free = p.end.plus(budget.window());
              if (earliest == null || free.isBefore(earliest)) {
                earliest = free;
              }
            }
          }
          wait = earliest == null ? IN_FLIGHT_POLL : Duration.between(now, earliest);
        }
      }
      if (cancelled.getAsBoolean()) {
        return null;
      }
      if (wait.isZero() || wait.isNegative()) {
        wait = Duration.ofNanos(1);
      }
      time.sleep(wait.compareTo(MAX_SLICE) > 0 ? MAX_SLICE : wait);
    }
  }

  /** The instant every caller is held back until; in the past when there is no pause. */
  public Instant pausedUntil() {
    synchronized (lock) {
      return pausedUntil;
    }
  }

  /** Holds every caller back until {@code until}. */
  public void pauseUntil(Instant until) {
    synchronized (lock) {
      if (until.isAfter(pausedUntil)) {
        pausedUntil = until;
      }
    }
  }

  /** The budget kept now. */
  public RequestBudget budget() {
    return budget;
  }

  /**
   * Keeps to {@code budget} from now on, such as the limit a server's response headers state when it is
   * lower than the one configured. Calls already let through keep occupying their window.
   *
   * @throws NullPointerException if {@code budget} is null
   */
  public void updateBudget(RequestBudget budget) {
    Objects.requireNonNull(budget, "budget");
    synchronized (lock) {
      this.budget = budget;
    }
  }
}

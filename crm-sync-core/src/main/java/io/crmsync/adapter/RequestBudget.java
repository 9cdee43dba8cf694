package io.crmsync.adapter;

import io.crmsync.spi.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * How many requests a CRM accepts per window, such as HubSpot's 190 per 10 seconds for a private app. The
 * engine keeps every adapter within its budget.
 *
 * @param requests requests allowed per window; positive
 * @param window the window's length; positive
 */
public record RequestBudget(int requests, Duration window) {
  private static final RequestBudget UNLIMITED = new RequestBudget(Integer.MAX_VALUE, Duration.ofSeconds(1));

  public RequestBudget {
    Objects.requireNonNull(window, "window");
    Checks.positive(requests, "requests");
    Checks.positive(window, "window");
  }

  public static RequestBudget of(int requests, Duration window) {
    return new RequestBudget(requests, window);
  }

  /** No limit. */
  public static RequestBudget unlimited() {
    return UNLIMITED;
  }

  public boolean isUnlimited() {
    return requests == Integer.MAX_VALUE;
  }

  @Override
  public String toString() {
    return isUnlimited() ? "unlimited" : requests + " per " + window;
  }
}

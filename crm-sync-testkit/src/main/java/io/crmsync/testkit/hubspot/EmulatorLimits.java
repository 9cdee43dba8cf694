package io.crmsync.testkit.hubspot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.hubspot.EmulatorDispatcher.Answer;
import io.crmsync.testkit.hubspot.HubSpotEmulator.RateLimits;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * HubSpot's request limits, counted as HubSpot counts them
 * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):
 *
 * <ul>
 *   <li>a burst limit per app over a rolling window ("The burst limit ... applies individually per app"),
 *       answered with a 429 of policy {@code TEN_SECONDLY_ROLLING};
 *   <li>a daily limit per account for privately distributed apps, shared by all of them ("The daily limit
 *       ... is shared across all apps within the same HubSpot account"), reset at midnight in the account's
 *       time zone; OAuth apps have none, so their responses carry no {@code -Daily} headers;
 *   <li>the CRM search endpoints' own limit per account per second, outside the burst limit ("This
 *       excludes the CRM Search API"; https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm:
 *       "rate limited to five requests per second per account"), whose responses carry no rate-limit headers.
 * </ul>
 *
 * <p>Other clients of the same app (another process with the same token) can be simulated: they use a fixed
 * number of every window's requests, spread evenly over it. Not thread-safe; the emulator calls it under its
 * lock.
 */
final class EmulatorLimits {
  /** What admitting a request decided. */
  record Decision(@Nullable Answer refusal, @Nullable String policy) {
    static final Decision ADMITTED = new Decision(null, null);
  }

  /** One app's rolling window: its own requests, and those of the other clients sharing it. */
  private static final class Window {
    final Deque<Instant> own = new ArrayDeque<>();
    final Deque<Instant> others = new ArrayDeque<>();
    @Nullable Instant nextOther;
  }

  private final ObjectMapper json;
  private final RateLimits privateApp;
  private final RateLimits publicApp;
  private final int searchPerSecond;
  private final int otherClients;
  private final ZoneId zone;
  private final boolean retryAfter;
  private final Map<String, Window> windows = new HashMap<>();
  private final Deque<Instant> searches = new ArrayDeque<>();
  private long dailyUsed;
  private @Nullable LocalDate day;

  EmulatorLimits(ObjectMapper json, RateLimits privateApp, RateLimits publicApp, int searchPerSecond, int otherClients,
      ZoneId zone, boolean retryAfter) {
    this.json = json;
    this.privateApp = privateApp;
    this.publicApp = publicApp;
    this.searchPerSecond = searchPerSecond;
    this.otherClients = otherClients;
    this.zone = zone;
    this.retryAfter = retryAfter;
  }

  RateLimits limits(boolean oauth) {
    return oauth ? publicApp : privateApp;
  }

  /**
   * Counts a request of {@code app} against its limits, or answers the 429 HubSpot would. {@code forced}
   * answers a rolling-limit 429 whatever the counts, for injected faults.
   */
  Decision admit(String app, boolean oauth, boolean search, Instant now, boolean forced) {
    RateLimits limits = limits(oauth);
    rollDay(now);
    Window w = window(app, oauth, now, limits);
    if (!oauth && limits.daily() > 0 && dailyUsed >= limits.daily()) {
      return refuse("DAILY", "You have reached your daily limit.",
          search ? new LinkedHashMap<>() : headers(app, oauth, now), untilMidnight(now));
    }
    if (search) {
      Instant from = now.minusSeconds(1);
      while (!searches.isEmpty() && !searches.peekFirst().isAfter(from)) {
        searches.pollFirst();
      }
      if (searchPerSecond > 0 && searches.size() >= searchPerSecond) {
        // search responses carry no rate-limit headers, refusals included
        return refuse("SECONDLY", "You have reached your secondly limit.", new LinkedHashMap<>(),
            Duration.between(now, searches.peekFirst().plusSeconds(1)));
      }
      searches.addLast(now);
    } else {
      int used = w.own.size() + w.others.size();
      if (forced || (limits.perWindow() > 0 && used >= limits.perWindow())) {
        Instant oldest = oldest(w);
        Duration wait = oldest == null ? limits.window() : Duration.between(now, oldest.plus(limits.window()));
        return refuse("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.",
            headers(app, oauth, now), wait);
      }
      w.own.addLast(now);
    }
    if (!oauth) {
      dailyUsed++;
    }
    return Decision.ADMITTED;
  }

  private Decision refuse(String policy, String message, Map<String, String> headers, Duration wait) {
    // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines: "The message and policyName will
    // indicate which limit you hit"; the page defines no Retry-After, so it is only sent when asked for.
    ObjectNode body = json.createObjectNode();
    body.put("status", "error");
    body.put("message", message);
    body.put("errorType", "RATE_LIMIT");
    body.put("correlationId", UUID.randomUUID().toString());
    body.put("policyName", policy);
    body.put("requestId", UUID.randomUUID().toString());
    Map<String, String> h = new LinkedHashMap<>(headers);
    if (retryAfter) {
      h.put("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
    }
    return new Decision(EmulatorDispatcher.answer(429, body, h), policy);
  }

  /**
   * The {@code X-HubSpot-RateLimit-*} headers of a response to {@code app}: the rolling window's {@code -Max},
   * {@code -Remaining} and {@code -Interval-Milliseconds}; for privately distributed apps also {@code -Daily} and
   * {@code -Daily-Remaining}, "not included in the response to API requests authorized using OAuth".
   */
  Map<String, String> headers(String app, boolean oauth, Instant now) {
    RateLimits limits = limits(oauth);
    Map<String, String> h = new LinkedHashMap<>();
    if (limits.perWindow() > 0) {
      Window w = window(app, oauth, now, limits);
      int used = w.own.size() + w.others.size();
      h.put("X-HubSpot-RateLimit-Max", Integer.toString(limits.perWindow()));
      h.put("X-HubSpot-RateLimit-Remaining", Integer.toString(Math.max(0, limits.perWindow() - used)));
      h.put("X-HubSpot-RateLimit-Interval-Milliseconds", Long.toString(limits.window().toMillis()));
    }
    if (!oauth && limits.daily() > 0) {
      rollDay(now);
      h.put("X-HubSpot-RateLimit-Daily", Long.toString(limits.daily()));
      h.put("X-HubSpot-RateLimit-Daily-Remaining", Long.toString(Math.max(0, limits.daily() - dailyUsed)));
    }
    return h;
  }

  /** {@code app}'s window at {@code now}: expired requests dropped, other clients' requests up to now added. */
  private Window window(String app, boolean oauth, Instant now, RateLimits limits) {
    Window w = windows.computeIfAbsent(app, k -> new Window());
    if (otherClients > 0) {
      Duration every = limits.window().dividedBy(otherClients);
      if (w.nextOther == null) {
        w.nextOther = now;
      }
      while (!w.nextOther.isAfter(now)) {
        w.others.addLast(w.nextOther);
        w.nextOther = w.nextOther.plus(every);
        if (!oauth) {
          dailyUsed++;
        }
      }
    }
    Instant from = now.minus(limits.window());
    while (!w.own.isEmpty() && !w.own.peekFirst().isAfter(from)) {
      w.own.pollFirst();
    }
    while (!w.others.isEmpty() && !w.others.peekFirst().isAfter(from)) {
      w.others.pollFirst();
    }
    return w;
  }

  private static @Nullable Instant oldest(Window w) {
    Instant a = w.own.peekFirst();
    Instant b = w.others.peekFirst();
    return a == null ? b : b == null || a.isBefore(b) ? a : b;
  }

  /** "The daily limit resets at midnight based on your time zone setting." */
  private void rollDay(Instant now) {
    LocalDate today = LocalDate.ofInstant(now, zone);
    if (!today.equals(day)) {
      day = today;
      dailyUsed = 0;
    }
  }

  private Duration untilMidnight(Instant now) {
    return Duration.between(now, LocalDate.ofInstant(now, zone).plusDays(1).atStartOfDay(zone).toInstant());
  }

  /** Requests counted against today's limit so far. */
  long dailyUsed(Instant now) {
    rollDay(now);
    return dailyUsed;
  }
}

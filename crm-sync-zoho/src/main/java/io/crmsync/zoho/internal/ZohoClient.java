package io.crmsync.zoho.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.JsonResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Instant;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticated calls to one org's API domain, within Zoho's limits:
 *
 * <ul>
 *   <li>at most {@code concurrency} calls at once (Zoho's per-edition concurrency limit, 5 to 25);
 *   <li>optionally a credit budget: each call takes as many permits of a {@link RequestLimiter} as it costs
 *       credits (1 per call, 1 per 10 records written, COQL 1 to 3 by {@code limit});
 *   <li>the header {@code Authorization: Zoho-oauthtoken <token>}; a 401 that a new token may cure gets one
 *       refresh and one more attempt;
 *   <li>reads retried on transient failures and short rate limits, waiting on the adapter's {@link TimeSource};
 *       writes never (the engine re-queues them, and an upsert by key can be repeated);
 *   <li>the last {@code X-API-CREDITS-REMAINING} seen (Zoho sends it once half the credits are used);
 *   <li>every request, retry, rate-limit refusal and token renewal reported to the adapter's {@link #events()}.
 * </ul>
 *
 * Thread-safe.
 */
public final class ZohoClient {
  private static final Logger log = LoggerFactory.getLogger(ZohoClient.class);

  // operations as reported to AdapterListeners: few, fixed names, never ids
  public static final CrmHttp.Operation READ = new CrmHttp.Operation("read");
  public static final CrmHttp.Operation LOOKUP = new CrmHttp.Operation("lookup");
  public static final CrmHttp.Operation DESCRIBE = new CrmHttp.Operation("describe");
  public static final CrmHttp.Operation UPSERT = new CrmHttp.Operation("upsert");
  public static final CrmHttp.Operation DELETE = new CrmHttp.Operation("delete");
  static final CrmHttp.Operation TOKEN = new CrmHttp.Operation("token");

  private final AdapterEvents events = AdapterEvents.create(Settings.ID);
  private final Settings settings;
  private final CrmHttp api;
  private final TokenSource tokens;
  private final TimeSource time;
  private final Semaphore concurrency;
  private final @Nullable RequestLimiter credits;
  private final Object creditLock = new Object();
  private record Credits(long remaining, Instant observedAt) {}

  private final AtomicReference<@Nullable Credits> creditsRemaining = new AtomicReference<>();
  private final RetryPolicy<Object> readRetry;

  public ZohoClient(AdapterConfig config, Settings settings) {
    this.settings = settings;
    this.time = config.timeSource();
    this.api = new CrmHttp(Settings.ID, config.httpClient(), config.objectMapper(), ZohoErrors.api(), time, List.of(),
        CrmHttp.DEFAULT_MAX_RESPONSE_BYTES).withEvents(events);
    CrmHttp accounts = new CrmHttp(Settings.ID, config.httpClient(), config.objectMapper(), ZohoErrors.oauth(), time,
        List.of(), 1024 * 1024).withEvents(events);
    this.tokens = new TokenSource(config, settings, accounts, events::tokenRenewed);
    this.concurrency = new Semaphore(settings.concurrency(), true);
    RequestBudget creditBudget = settings.creditBudget();
    this.credits = creditBudget == null ? null : RequestLimiter.of(creditBudget, time);
    // Failsafe classifies and counts; the wait happens on the TimeSource in onRetry (Failsafe's own delays would
    // sleep on the wall clock, which tests must not do)
    this.readRetry = RetryPolicy.builder()
        .handleIf((r, e) -> e != null && retryable(e) && !Thread.currentThread().isInterrupted())
        .withMaxRetries(settings.readRetries())
        .onRetry(ev -> pause(ev.getLastException(), ev.getAttemptCount()))
        .build();
  }

  public CrmHttp http() {
    return api;
  }

  public TokenSource tokens() {
    return tokens;
  }

  /** Where this client reports its requests, retries, rate limits and token renewals. */
  public AdapterEvents events() {
    return events;
  }

  /** The credits Zoho last said are left in the rolling 24 hours, if it said (from half the credits used on). */
  public OptionalLong creditsRemaining() {
    Credits c = creditsRemaining.get();
    return c == null ? OptionalLong.empty() : OptionalLong.of(c.remaining());
  }

  /**
   * The org's API credits as Zoho last stated them ({@code X-API-CREDITS-REMAINING}, or none left after a refusal
   * for spent credits), over a rolling 24 hours: no reset time, and the limit is the edition's, which Zoho does not
   * state (the {@code creditBudget} setting's, if set).
   */
  public Optional<QuotaStatus> quota() {
    Credits c = creditsRemaining.get();
    if (c == null) {
      return Optional.empty();
    }
    RequestBudget budget = settings.creditBudget();
    return Optional.of(new QuotaStatus("api-credits", c.remaining(), budget == null ? 0 : budget.requests(), null,
        c.observedAt()));
  }

  /**
   * One call.
   *
   * @param build builds the request from the API base ({@code <api_domain>/crm/v8}, to add path segments to); the token is added here
   * @param cost the call's cost in credits
   * @param read whether it may be retried here on transient failures
   */
  public JsonResponse call(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build, int cost, boolean read) {
    if (!read) {
      return once(op, build, cost);
    }
    try {
      return Failsafe.with(readRetry).get(ctx -> {
        Throwable last = ctx.getLastException();
        if (ctx.getAttemptCount() > 0 && last != null) {
          events.retry(op.name(), last);
        }
        return once(op, build, cost);
      });
    } catch (FailsafeException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private JsonResponse once(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build, int cost) {
    List<RequestLimiter.Permit> permits = takeCredits(cost);
    try {
      concurrency.acquire();
    } catch (InterruptedException e) {
      permits.forEach(RequestLimiter.Permit::cancel);
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(Settings.ID, 0, null, "interrupted while waiting for a free connection slot", e);
    }
    try {
      TokenSource.AccessToken token = tokens.current();
      try {
        return attempt(op, build, token);
      } catch (ZohoErrors.TokenRefused e) {
        log.debug("Zoho CRM refused the access token ({}); trying once with a new one", e.getMessage());
        tokens.refused(token);
        events.retry(op.name(), e);
      }
      TokenSource.AccessToken fresh = tokens.current();
      try {
        return attempt(op, build, fresh);
      } catch (ZohoErrors.TokenRefused e) {
        tokens.refused(fresh);
        throw new CrmAuthenticationException(Settings.ID, e.statusCode(), e.requestId(),
            "Zoho CRM refused the access token again right after a refresh; check the client's scopes and the "
                + "user's API access (" + e.getMessage() + ")", e);
      }
    } finally {
      concurrency.release();
      permits.forEach(RequestLimiter.Permit::close);
    }
  }

  private JsonResponse attempt(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build,
      TokenSource.AccessToken token) {
    HttpUrl base = token.apiDomain().newBuilder().addPathSegment("crm").addPathSegment(settings.apiVersion()).build();
    Request request = build.apply(base).header("Authorization", "Zoho-oauthtoken " + token.value().reveal())
        .tag(CrmHttp.Operation.class, op).build();
    try {
      JsonResponse response = api.exchange(request);
      noteCredits(response.headers().get("X-API-CREDITS-REMAINING"));
      return response;
    } catch (CrmRateLimitException e) {
      if (e.isQuotaExhausted()) {
        creditsRemaining.set(new Credits(0, time.now()));
      }
      events.rateLimited(op.name(), e.retryAfter(), e.isQuotaExhausted());
      throw e;
    }
  }

  private void noteCredits(@Nullable String header) {
    if (header == null) {
      return;
    }
    try {
      creditsRemaining.set(new Credits(Math.max(0, Long.parseLong(header.strip())), time.now()));
    } catch (NumberFormatException e) {
      // not a number: keep what was known
    }
  }

  /** One permit per credit, taken by one caller at a time so that callers cannot hold parts of each other's. */
  private List<RequestLimiter.Permit> takeCredits(int cost) {
    if (credits == null) {
      return List.of();
    }
    List<RequestLimiter.Permit> out = new ArrayList<>(cost);
    synchronized (creditLock) {
      try {
        for (int i = 0; i < cost; i++) {
          out.add(credits.acquire());
        }
      } catch (InterruptedException e) {
        out.forEach(RequestLimiter.Permit::cancel);
        Thread.currentThread().interrupt();
        throw new CrmUnavailableException(Settings.ID, 0, null, "interrupted while waiting for API credits", e);
      }
    }
    return out;
  }

  private boolean retryable(Throwable e) {
    if (e instanceof CrmRateLimitException r) {
      return !r.isQuotaExhausted() && r.retryAfter().compareTo(settings.maxReadWait()) <= 0;
    }
    return e instanceof CrmUnavailableException;
  }

  private void pause(@Nullable Throwable failure, int attempt) {
    Duration wait;
    if (failure instanceof CrmRateLimitException r) {
      wait = r.retryAfter();
    } else {
      long base = 250L << Math.min(6, Math.max(0, attempt - 1));
      wait = Duration.ofMillis(Math.min(8_000, base + ThreadLocalRandom.current().nextLong(base / 2 + 1)));
    }
    log.debug("Retrying a Zoho CRM read in {} after: {}", wait,
        failure instanceof CrmSyncException c ? c.getMessage() : String.valueOf(failure));
    try {
      time.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

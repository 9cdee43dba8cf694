package io.crmsync.pipedrive.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.JsonResponse;
import io.crmsync.pipedrive.RateLimitStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the adapter's requests to one Pipedrive company and keeps them within its limits: the company's
 * daily token budget (each request spends its endpoint's documented cost), the burst limit of a rolling
 * 2-second window, and search's own window (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
 * Authenticates each request (a 401 drops the credential and tries once more), sits out burst 429s, retries
 * reads on transient failures, and checks the envelope of answers. Reports every request (tagged with its
 * {@link Op#name()}), retry, 429 and renewed credential to the adapter's {@link AdapterEvents}. Thread-safe.
 */
public final class PipedriveClient {
  private static final Logger log = LoggerFactory.getLogger(PipedriveClient.class);
  private static final String CRM = PipedriveErrors.CRM;

  /**
   * Token costs of the v2 endpoints the adapter calls (the {@code x-token-cost} of each operation in
   * https://developers.pipedrive.com/docs/api/v1/openapi-v2.yaml); search at half v1's 40, as the v2
   * replacements "consume 50% fewer tokens"
   * (https://developers.pipedrive.com/changelog/post/deprecation-of-selected-api-v1-endpoints).
   */
  /** The name {@link #quota()} gives the company's daily token budget. */
  public static final String QUOTA_NAME = "daily-tokens";

  public static final int COST_GET = 1;
  public static final int COST_LIST = 10;
  public static final int COST_WRITE = 5;
  public static final int COST_DELETE = 3;
  public static final int COST_SEARCH = 20;
  public static final int COST_FIELDS = 10;

  /**
   * One kind of request: its operation's name for listeners ({@code read}, {@code upsert}...: few, fixed
   * names), its label for messages (method and path, never the query), its token cost, whether it is a search
   * (with its own burst window) and whether it only reads (so that it may be repeated).
   */
  public record Op(String name, String label, int cost, boolean search, boolean read) {
    public Op {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(label, "label");
    }
  }

  private final HttpUrl baseUrl;
  private final CrmHttp http;
  private final Auth auth;
  private final TimeSource time;
  private final PipedriveErrors errors;
  private final RequestLimiter limiter;
  private final @Nullable RequestLimiter searchLimiter;
  private final int readRetries;
  private final int rateLimitRetries;
  private final Duration maxWait;
  private final long dailyTokenReserve;
  private final ZoneId dailyResetZone;
  private final AtomicReference<RateLimitStatus> rateLimit = new AtomicReference<>();
  /** Tokens left today as last said by Pipedrive, minus what was spent since; -1 when unknown. */
  private final AtomicLong tokensLeft = new AtomicLong(-1);
  private volatile @Nullable LocalDate tokensDay;
  private final AdapterEvents events;
  /** The daily budget as Pipedrive last stated it, or as a refusal for a spent budget showed it. */
  private final AtomicReference<@Nullable QuotaStatus> quota = new AtomicReference<>();

  /**
   * @param searchLimiter search's own window, or null to leave searches to the burst limit alone
   * @param readRetries how often a read is repeated after a transient failure
   * @param rateLimitRetries how often one request sits out a burst 429 before it is thrown
   * @param maxWait the longest burst 429 wait sat out
   * @param dailyTokenReserve tokens of the daily budget the client never spends
   */
  public PipedriveClient(HttpUrl baseUrl, CrmHttp http, Auth auth, TimeSource time, PipedriveErrors errors,
      RequestLimiter limiter, @Nullable RequestLimiter searchLimiter, int readRetries, int rateLimitRetries,
      Duration maxWait, long dailyTokenReserve, ZoneId dailyResetZone, AdapterEvents events) {
    this.events = Objects.requireNonNull(events, "events");
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    this.http = Objects.requireNonNull(http, "http");
    this.auth = Objects.requireNonNull(auth, "auth");
    this.time = Objects.requireNonNull(time, "time");
    this.errors = Objects.requireNonNull(errors, "errors");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.searchLimiter = searchLimiter;
    this.readRetries = readRetries;
    this.rateLimitRetries = rateLimitRetries;
    this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
    this.dailyTokenReserve = dailyTokenReserve;
    this.dailyResetZone = Objects.requireNonNull(dailyResetZone, "dailyResetZone");
  }

  /** {@code /api/v2/<path>} under the company's URL. */
  public HttpUrl.Builder api(String path) {
    return baseUrl.newBuilder().addPathSegments("api/v2").addPathSegment(path);
  }

  public RequestBody json(Object body) {
    return http.jsonBody(body);
  }

  /** What the latest rate-limit headers said, if any answer carried them. */
  public Optional<RateLimitStatus> rateLimitStatus() {
    return Optional.ofNullable(rateLimit.get());
  }

  /** The burst budget kept now: configured, or as Pipedrive's answers stated it. */
  public RequestBudget burstBudget() {
    return limiter.budget();
  }

  public boolean isOAuth() {
    return auth.isOAuth();
  }

  /** The company's daily token budget, as Pipedrive last stated it; empty before it did. */
  public Optional<QuotaStatus> quota() {
    return Optional.ofNullable(quota.get());
  }

  private Instant nextMidnight(Instant now) {
    return LocalDate.ofInstant(now, dailyResetZone).plusDays(1).atStartOfDay(dailyResetZone).toInstant();
  }

  /**
   * One request: within the daily reserve, the burst limit (and search's), authenticated (a 401 drops the
   * credential and tries once more), sitting out burst 429s up to {@code rateLimitRetries} times when the
   * wait is at most {@code maxWait}; reads are also retried on transient failures.
   *
   * @throws CrmSyncException for a failure, typed by what the caller can do
   */
  public JsonResponse call(Op op, Supplier<Request.Builder> request) {
    int failures = 0;
    int limited = 0;
    while (true) {
      checkDailyReserve(op);
      try {
        return send(op, request);
      } catch (CrmRateLimitException e) {
        events.rateLimited(op.name(), e.retryAfter(), e.isQuotaExhausted());
        if (e.isQuotaExhausted()) {
          Instant now = time.now();
          tokensLeft.set(0);
          tokensDay = LocalDate.ofInstant(now, dailyResetZone);
          QuotaStatus last = quota.get();
          quota.set(new QuotaStatus(QUOTA_NAME, 0, last == null ? 0 : last.limit(), nextMidnight(now), now));
          throw e;
        }
        Instant until = time.now().plus(e.retryAfter());
        limiter.pauseUntil(until);
        if (op.search() && searchLimiter != null) {
          searchLimiter.pauseUntil(until);
        }
        if (++limited > rateLimitRetries || e.retryAfter().compareTo(maxWait) > 0) {
          throw e;
        }
        log.debug("Pipedrive answered {} with a burst 429; waiting {}", op.label(), e.retryAfter());
        events.retry(op.name(), e);
      } catch (CrmUnavailableException e) {
        if (!op.read() || ++failures > readRetries || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        pause(failures, e);
        events.retry(op.name(), e);
      }
    }
  }

  private void pause(int attempt, CrmSyncException failure) {
    long base = 250L << Math.min(6, Math.max(0, attempt - 1));
    Duration wait = Duration.ofMillis(Math.min(8_000, base + ThreadLocalRandom.current().nextLong(base / 2 + 1)));
    log.debug("Retrying a Pipedrive read in {} after: {}", wait, failure.getMessage());
    try {
      time.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(CRM, 0, null, "interrupted while waiting to retry a read", e);
    }
  }

  private JsonResponse send(Op op, Supplier<Request.Builder> request) {
    RequestLimiter.Permit permit = acquire(limiter);
    RequestLimiter.Permit searchPermit = null;
    try {
      if (op.search() && searchLimiter != null) {
        searchPermit = acquire(searchLimiter);
      }
      for (int attempt = 0; ; attempt++) {
        Request.Builder b = request.get();
        String credential = auth.authenticate(b);
        spend(op.cost());
        try {
          JsonResponse response = http.exchange(b.tag(CrmHttp.Operation.class, new CrmHttp.Operation(op.name())).build());
          observe(response);
          return response;
        } catch (CrmAuthenticationException e) {
          if (e.statusCode() == 401 && attempt == 0 && auth.refused(credential)) {
            log.debug("Pipedrive refused the credential ({}); trying once with a new one", e.getMessage());
            if (!auth.isOAuth()) {
              events.tokenRenewed(); // the credentials provider gave another token (OAuth reports its own refreshes)
            }
            events.retry(op.name(), e);
            continue;
          }
          throw e;
        }
      }
    } finally {
      permit.close();
      if (searchPermit != null) {
        searchPermit.close();
      }
    }
  }

  private static RequestLimiter.Permit acquire(RequestLimiter l) {
    try {
      return l.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(CRM, 0, null, "interrupted while waiting for Pipedrive's rate limit", e);
    }
  }

  /** Takes what a response's headers say: the burst limit to pace by, the tokens left today. */
  private void observe(JsonResponse response) {
    Instant now = time.now();
    RateLimitStatus.fromHeaders(response.headers(), now).ifPresent(s -> {
      rateLimit.set(s);
      if (s.burstLimit() > 0 && s.burstLimit() != limiter.budget().requests()) {
        log.debug("Pipedrive's burst limit is {} per 2 s; pacing by it", s.burstLimit());
        limiter.updateBudget(RequestBudget.of(s.burstLimit(), PipedriveErrors.BURST_WINDOW));
      }
      if (s.dailyTokensRemaining() >= 0) {
        tokensLeft.set(s.dailyTokensRemaining());
        tokensDay = LocalDate.ofInstant(now, dailyResetZone);
        quota.set(new QuotaStatus(QUOTA_NAME, s.dailyTokensRemaining(), Math.max(0, s.dailyTokenLimit()),
            nextMidnight(now), now));
      }
    });
  }

  private void spend(int cost) {
    tokensLeft.getAndUpdate(left -> left < 0 ? left : Math.max(0, left - cost));
  }

  /**
   * Stops before a request would take the company's remaining daily tokens under the reserve: the budget is
   * shared by every user and integration of the company, and spending it blocks them all until midnight.
   */
  private void checkDailyReserve(Op op) {
    long left = tokensLeft.get();
    if (left < 0) {
      return;
    }
    Instant now = time.now();
    LocalDate day = tokensDay;
    if (day != null && !day.equals(LocalDate.ofInstant(now, dailyResetZone))) {
      tokensLeft.compareAndSet(left, -1); // a new day: the budget was renewed
      return;
    }
    if (left - op.cost() < dailyTokenReserve) {
      throw CrmRateLimitException.quotaExhausted(CRM, 0, null, op.label() + " not sent: " + left
          + " tokens are left of the company's daily budget and " + dailyTokenReserve + " are kept in reserve",
          errors.untilMidnight(now), null);
    }
  }

  // ------------------------------------------------------------------------------- the answers' shape

  /** A success envelope: an object whose {@code success} is true. */
  public static JsonNode envelope(JsonNode body, String op) {
    if (!body.isObject()) {
      throw malformed(op, body.isMissingNode() ? "its body is empty" : "its body is not a JSON object", body);
    }
    if (!body.path("success").asBoolean(false)) {
      throw malformed(op, "it does not say success", body);
    }
    return body;
  }

  /** The {@code data} array of a list answer, each item an object: anything else is not a page. */
  public static List<JsonNode> dataArray(JsonNode body, String op) {
    JsonNode data = envelope(body, op).get("data");
    if (data == null || !data.isArray()) {
      throw malformed(op, "its data is not an array", body);
    }
    List<JsonNode> out = new ArrayList<>(data.size());
    for (JsonNode item : data) {
      if (!item.isObject()) {
        throw malformed(op, "an item of its data is not an object", body);
      }
      out.add(item);
    }
    return out;
  }

  /** {@code additional_data.next_cursor}: null on the last page. */
  public static @Nullable String nextCursor(JsonNode body, String op) {
    JsonNode next = body.path("additional_data").path("next_cursor");
    if (next.isMissingNode() || next.isNull()) {
      return null;
    }
    if (!next.isTextual() || next.asText().isEmpty()) {
      throw malformed(op, "its additional_data.next_cursor is not a cursor", body);
    }
    return next.asText();
  }

  /** A record's id: a positive number. */
  public static long recordId(JsonNode item, String op) {
    JsonNode id = item.get("id");
    if (id == null || !id.isIntegralNumber() || id.asLong() <= 0) {
      throw malformed(op, "a record has no numeric id", item);
    }
    return id.asLong();
  }

  /**
   * An answer without the documented shape: the service is not answering as it should. The message says
   * what was wrong, not what the answer held, which may be personal data.
   */
  public static CrmUnavailableException malformed(String op, String what, JsonNode body) {
    return new CrmUnavailableException(CRM, 200, null, op + " returned an answer without the documented shape: "
        + what + " (" + shape(body) + ")", null);
  }

  private static String shape(JsonNode body) {
    if (body.isMissingNode()) {
      return "nothing";
    }
    if (body.isObject()) {
      List<String> fields = new ArrayList<>();
      body.fieldNames().forEachRemaining(fields::add);
      return "an object with " + (fields.isEmpty() ? "no fields" : "fields " + HttpFailure.excerpt(String.join(", ", fields), 80));
    }
    return body.isArray() ? "an array of " + body.size() : "a " + body.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}

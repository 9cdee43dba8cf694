package io.crmsync.testkit.pipedrive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import io.crmsync.testkit.pipedrive.PipedriveStore.Entity;
import io.crmsync.testkit.pipedrive.PipedriveStore.Rec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import mockwebserver3.MockWebServer;
import org.jspecify.annotations.Nullable;

/**
 * Pipedrive's API v2, in memory, over HTTP on loopback: for tests of code that talks to Pipedrive, and for
 * {@code crm-sync emulate pipedrive}. Built from Pipedrive's API reference and rate-limiting pages (cited
 * beside each rule in this package), not from what any client sends. Thread-safe.
 *
 * <pre>{@code
 * try (PipedriveEmulator pipedrive = PipedriveEmulator.builder()
 *         .customField("persons", "Favourite colour", "varchar")
 *         .plan(PipedriveEmulator.Plan.GROWTH, 3)           // its burst limit and daily token budget
 *         .build().start()) {
 *   CRMAdapter adapter = PipedriveAdapter.create(AdapterConfig.fromMap("pipedrive", pipedrive.adapterSettings()));
 *   ...
 *   assertThat(pipedrive.records("persons")).hasSize(3);
 *   assertThat(pipedrive.refusedCount()).isZero();
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * <ul>
 *   <li>{@code GET /api/v2/{persons|organizations|deals|products|activities}} with cursor pagination
 *       ({@code limit} 1-500, {@code cursor}), {@code updated_since} / {@code updated_until}, {@code
 *       sort_by} / {@code sort_direction}, {@code ids} (up to 100), {@code custom_fields} (up to 15 keys),
 *       {@code owner_id}, {@code org_id}, and for deals {@code status} (including {@code deleted});
 *       {@code GET}, {@code PATCH} and {@code DELETE} of {@code /api/v2/{entity}/{id}}; {@code POST} to
 *       create; {@code GET /api/v2/{entity}/search} with {@code term}, {@code fields}, {@code exact_match};
 *       {@code GET /api/v2/{personFields|organizationFields|dealFields|productFields|activityFields}}.
 *   <li>Request bodies are checked as the v2 API checks them: unknown parameters, wrong types (numbers are
 *       not converted from text), unknown custom field keys, empty multi-option values, text longer than a
 *       {@code varchar}'s 255 characters, a missing name; Contact Sync fields answer 403 unless enabled.
 *   <li>Authentication by {@code x-api-token}, or OAuth 2.0: {@code POST /oauth/token} with a refresh token
 *       (HTTP Basic client credentials) issues access tokens that expire on the emulator's clock.
 *   <li>Token-based rate limiting: each request costs the documented tokens of a daily budget per company;
 *       a burst limit per rolling 2-second window, and a separate one for search; 429s with {@code
 *       x-ratelimit-*} and {@code x-daily-ratelimit-token-*} headers.
 *   <li>Seeded faults: 5xx with Pipedrive's JSON, HTML pages from the edge, slow responses (on the
 *       emulator's {@link TimeSource}), stalls (real), dropped connections and truncated bodies (both after
 *       the write was applied).
 * </ul>
 *
 * <p>It counts what it refused (every 4xx, every 429, every injected fault) in {@link #refusedCount()}, so a
 * test can assert that a client never sent a request the real API would refuse.
 */
public final class PipedriveEmulator implements AutoCloseable {

  /** The fault an API request is answered with. */
  public enum Fault {
    /** 500 with Pipedrive's JSON error body; nothing applied. */
    SERVER_ERROR,
    /** 502 with an HTML page from the edge; nothing applied. */
    HTML_ERROR_PAGE,
    /** The answer comes after {@link Builder#slowResponses sleeping} on the emulator's clock. */
    SLOW_RESPONSE,
    /** The answer's headers come after a real {@link Builder#stalledResponses delay}. */
    STALLED,
    /** Applied, then the connection is closed before the response. */
    DROPPED_CONNECTION,
    /** Applied, then answered with half a JSON body. */
    TRUNCATED_BODY,
    /** 429 as if the burst limit were reached; nothing applied. */
    RATE_LIMITED
  }

  /**
   * Pipedrive's plans: the daily token budget is 30,000 base tokens times the plan's multiplier times the
   * seats, and the burst limit per 2-second window depends on the plan and on whether the request came with
   * an API token or an OAuth access token (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting;
   * the multipliers are those of the usage-limits table, https://support.pipedrive.com/article/usage-limits-in-pipedrive,
   * "API tokens (per company)").
   */
  public enum Plan {
    LITE(1, 20, 80),
    GROWTH(2, 40, 160),
    PREMIUM(5, 100, 400),
    ULTIMATE(7, 120, 480);

    /** Base tokens per seat and day, before the plan's multiplier. */
    public static final long BASE_TOKENS_PER_SEAT = 30_000;

    private final int multiplier;
    private final int apiTokenBurst;
    private final int oauthBurst;

    Plan(int multiplier, int apiTokenBurst, int oauthBurst) {
      this.multiplier = multiplier;
      this.apiTokenBurst = apiTokenBurst;
      this.oauthBurst = oauthBurst;
    }

    /** The company's daily token budget with {@code seats} seats. */
    public long dailyTokens(int seats) {
      return BASE_TOKENS_PER_SEAT * multiplier * Checks.positive(seats, "seats");
    }

    /** Requests per rolling 2-second window with an API token. */
    public int apiTokenBurst() {
      return apiTokenBurst;
    }

    /** Requests per rolling 2-second window with an OAuth access token. */
    public int oauthBurst() {
      return oauthBurst;
    }
  }

  /** The burst window: "the Pipedrive API rate limit window duration is 2 seconds". */
  public static final Duration BURST_WINDOW = Duration.ofSeconds(2);

  /**
   * Search's own burst limit, "10 requests per 2 seconds per api_token and access_token" on every plan
   * (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting, "Rate limiting for Search API").
   */
  public static final int SEARCH_BURST = 10;

  /** The id of the user the API token and the OAuth app authenticate as, who owns what they create. */
  public static final long USER_ID = 1;

  /** One request the emulator answered. */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault, long tokens) {}

  private record IssuedToken(Instant expiresAt) {}

  private record TargetedFault(String method, String pathPrefix, Fault fault) {}

  final Builder config;
  private final TimeSource time;
  private final PipedriveStore store;
  private final PipedriveDispatcher dispatcher;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Deque<Instant> burst = new ArrayDeque<>();
  private final Deque<Instant> searches = new ArrayDeque<>();
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final List<TargetedFault> targeted = new ArrayList<>();
  private final Map<String, IssuedToken> accessTokens = new HashMap<>();
  private final Deque<RequestLog> log = new ArrayDeque<>(); // guarded by itself
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final LongAdder tokensTotal = new LongAdder();
  private final String apiToken;
  private @Nullable LocalDate budgetDay;
  private long tokensToday;
  private int authFailures;
  private long tokensIssued;
  private boolean started;

  private PipedriveEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    this.apiToken = b.apiToken != null ? b.apiToken : "emu-" + UUID.randomUUID().toString().replace("-", "");
    this.store = new PipedriveStore(b.seed);
    for (Builder.Custom c : b.customFields) {
      store.defineCustom(c.entity(), c.name(), c.type(), c.options());
    }
    this.dispatcher = new PipedriveDispatcher(this, store);
    server.setDispatcher(dispatcher);
    server.setServerSocketFactory(new NoDelayServerSockets());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** An emulator with the defaults (a free port, no limits, no faults, a generated API token), not yet started. */
  public static PipedriveEmulator create() {
    return builder().build();
  }

  /**
   * Starts listening on loopback.
   *
   * @throws IllegalStateException if it was started before
   * @throws UncheckedIOException if the port cannot be bound
   */
  public PipedriveEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator was already started");
      }
      started = true;
    }
    try {
      server.start(InetAddress.getLoopbackAddress(), config.port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Pipedrive emulator on port " + config.port, e);
    }
    return this;
  }

  /** The company domain's base URL to point an adapter at, such as {@code http://127.0.0.1:54321}. */
  public URI url() {
    String u = server.url("/").toString();
    return URI.create(u.substring(0, u.length() - 1));
  }

  public int port() {
    return server.getPort();
  }

  /** The API token the emulator accepts in {@code x-api-token}. */
  public String apiToken() {
    return apiToken;
  }

  /**
   * Settings for the Pipedrive adapter ({@code AdapterConfig.fromMap("pipedrive", settings)}): the base URL,
   * the token endpoint, and the API token, or the OAuth client when one was configured.
   */
  public Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("baseUrl", url().toString());
    if (config.clientId != null && config.clientSecret != null && config.refreshToken != null) {
      s.put("tokenUrl", url() + "/oauth/token");
      s.put("clientId", config.clientId);
      s.put("clientSecret", config.clientSecret);
      s.put("refreshToken", config.refreshToken);
    } else {
      s.put("apiToken", apiToken);
    }
    if (config.contactSync) {
      s.put("contactSync", "true");
    }
    return s;
  }

  @Override
  public void close() {
    server.close();
  }

  // --------------------------------------------------------------------------------------- inspection

  /**
   * The live records of {@code entity} ({@code persons}, {@code organizations}, {@code deals}, {@code
   * products}, {@code activities}) as the API returns them, custom fields by their hash keys.
   */
  public List<JsonNode> records(String entity) {
    return snapshot(entity, false);
  }

  /** The records of {@code entity} marked deleted (Pipedrive keeps them 30 days). */
  public List<JsonNode> deletedRecords(String entity) {
    return snapshot(entity, true);
  }

  private List<JsonNode> snapshot(String entity, boolean deleted) {
    synchronized (lock) {
      Entity e = requireEntity(entity);
      List<JsonNode> out = new ArrayList<>();
      for (Rec r : e.records.values()) {
        if (r.deleted == deleted) {
          out.add(store.view(e, r, null).deepCopy());
        }
      }
      return Collections.unmodifiableList(out);
    }
  }

  /** The live persons having {@code email} among their emails, ignoring case. */
  public List<JsonNode> personsByEmail(String email) {
    String e = email.strip().toLowerCase(java.util.Locale.ROOT);
    List<JsonNode> out = new ArrayList<>();
    synchronized (lock) {
      Entity persons = requireEntity("persons");
      for (long id : PipedriveStore.exact(persons, "email", e)) {
        out.add(store.view(persons, persons.records.get(id), null).deepCopy());
      }
    }
    return out;
  }

  /** The 40-character key of the custom field named {@code name} on {@code entity}. */
  public String customFieldKey(String entity, String name) {
    synchronized (lock) {
      for (FieldDef f : requireEntity(entity).custom.values()) {
        if (f.name().equals(name)) {
          return f.code();
        }
      }
    }
    throw new IllegalArgumentException("no custom field named '" + name + "' on " + entity);
  }

  /**
   * Stores a record directly, without a request and without spending tokens (to seed large data sets
   * quickly); it is modified "now" on the emulator's clock. {@code values} is a v2 request body, custom
   * fields by their keys under {@code custom_fields}. Returns the id.
   *
   * @throws IllegalArgumentException if the body is one the API would refuse
   */
  public long insert(String entity, Map<String, Object> values) {
    ObjectNode body = PipedriveStore.mapper().valueToTree(values);
    synchronized (lock) {
      Entity e = requireEntity(entity);
      String problem = dispatcher.validateForSeeding(e, body, true);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      return store.create(e, body, time.now()).id;
    }
  }

  /** Updates a record directly, without a request; it is modified "now" on the emulator's clock. */
  public void update(String entity, long id, Map<String, Object> values) {
    ObjectNode body = PipedriveStore.mapper().valueToTree(values);
    synchronized (lock) {
      Entity e = requireEntity(entity);
      Rec r = e.live(id);
      if (r == null) {
        throw new IllegalArgumentException("no live " + e.singular + " " + id);
      }
      String problem = dispatcher.validateForSeeding(e, body, false);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      store.update(e, r, body, time.now());
    }
  }

  /** Marks a record deleted directly, without a request. */
  public void delete(String entity, long id) {
    synchronized (lock) {
      Entity e = requireEntity(entity);
      Rec r = e.live(id);
      if (r == null) {
        throw new IllegalArgumentException("no live record " + id + " of " + entity);
      }
      store.delete(e, r, time.now());
    }
  }

  private Entity requireEntity(String entity) {
    Entity e = store.entity(entity);
    if (e == null) {
      throw new IllegalArgumentException("unknown entity '" + entity + "'");
    }
    return e;
  }

  /** The requests answered so far (the latest {@link Builder#requestLogSize} of them), in order of arrival. */
  public List<RequestLog> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** How many requests were answered, all told (token requests included). */
  public int requestCount() {
    return requestTotal.intValue();
  }

  /** How many requests were answered with {@code status}. */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
  }

  /**
   * How many requests the emulator refused or faulted: every 4xx (a 404 too), every 429, every injected or
   * random fault. A client that keeps to the API's rules and limits sees none outside injected faults.
   */
  public long refusedCount() {
    return refusals.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** The refusals by reason, such as {@code "429 burst"} or {@code "400 ERR_SCHEMA_VALIDATION_FAILED"}. */
  public Map<String, Long> refusals() {
    Map<String, Long> out = new LinkedHashMap<>();
    refusals.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** The tokens of the daily budget requests have spent, all told. */
  public long tokensSpent() {
    return tokensTotal.sum();
  }

  /** How many access tokens the OAuth endpoint issued. */
  public long tokensIssued() {
    synchronized (lock) {
      return tokensIssued;
    }
  }

  /** The most API requests (not token requests) that arrived within any {@code window}. */
  public int maxRequestsInAnyWindow(Duration window) {
    List<Instant> times = new ArrayList<>();
    for (RequestLog r : requests()) {
      if (r.path().startsWith("/api/")) {
        times.add(r.at());
      }
    }
    Collections.sort(times);
    int max = 0;
    int start = 0;
    for (int end = 0; end < times.size(); end++) {
      while (!times.get(start).plus(window).isAfter(times.get(end))) {
        start++;
      }
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /** Answers the next API requests with these faults, in order, before any random ones. */
  public void injectFaults(Fault... faults) {
    synchronized (lock) {
      injected.addAll(List.of(faults));
    }
  }

  /**
   * Answers the next API requests whose method is {@code method} and whose path starts with {@code pathPrefix}
   * (such as {@code "POST", "/api/v2/persons"}) with these faults, one request each, in order, before any
   * other fault.
   */
  public void injectFaults(String method, String pathPrefix, Fault... faults) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(pathPrefix, "pathPrefix");
    synchronized (lock) {
      for (Fault f : faults) {
        targeted.add(new TargetedFault(method, pathPrefix, Objects.requireNonNull(f, "fault")));
      }
    }
  }

  /** Answers the next {@code requests} API requests with a 401 whatever their token. */
  public void failAuthentication(int requests) {
    Checks.notNegative(requests, "requests");
    synchronized (lock) {
      authFailures = requests;
    }
  }

  /** Makes every access token issued so far invalid, as uninstalling the app would. */
  public void revokeAccessTokens() {
    synchronized (lock) {
      accessTokens.clear();
    }
  }

  /** Declares a custom field on a running emulator and returns its key, as creating it in the UI would. */
  public String addCustomField(String entity, String name, String type, String... options) {
    synchronized (lock) {
      return store.defineCustom(entity, name, type, List.of(options));
    }
  }

  @Override
  public String toString() {
    return "PipedriveEmulator[" + (started ? url() : "not started") + "]";
  }

  // ---------------------------------------------------------------------------- for the dispatcher

  TimeSource time() {
    return time;
  }

  <T> T synchronizedCall(Supplier<T> call) {
    synchronized (lock) {
      return call.get();
    }
  }

  void log(Instant at, String method, String path, int status, @Nullable Fault fault, long tokens,
      @Nullable String refusal) {
    requestTotal.increment();
    statusCounts.computeIfAbsent(status, k -> new LongAdder()).increment();
    if (refusal != null) {
      refusals.computeIfAbsent(refusal, k -> new LongAdder()).increment();
    }
    synchronized (log) {
      if (log.size() == config.requestLogSize) {
        log.pollFirst();
      }
      log.addLast(new RequestLog(at, method, path, status, fault, tokens));
    }
    // MockWebServer keeps every request for takeRequest(); the emulator has its own log, so drop them
    try {
      server.takeRequest(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Nullable Fault nextFault(String method, String path) {
    synchronized (lock) {
      for (int i = 0; i < targeted.size(); i++) {
        TargetedFault t = targeted.get(i);
        if (t.method().equalsIgnoreCase(method) && path.startsWith(t.pathPrefix())) {
          targeted.remove(i);
          return t.fault();
        }
      }
      Fault f = injected.poll();
      if (f != null) {
        return f;
      }
      double r = random.nextDouble();
      double acc = 0;
      for (Map.Entry<Fault, Double> e : config.faultRates.entrySet()) {
        acc += e.getValue();
        if (r < acc) {
          return e.getKey();
        }
      }
      return null;
    }
  }

  /** The credential a request authenticated with: the API token, or an access token. */
  enum Credential {
    API_TOKEN,
    ACCESS_TOKEN
  }

  /**
   * Checks a request's credentials; null if valid, else why not. Call under the lock. "The API token must
   * be provided in the x-api-token header" (https://pipedrive.readme.io/docs/core-api-concepts-authentication);
   * OAuth apps send "Authorization: Bearer" (https://pipedrive.readme.io/docs/marketplace-oauth-authorization).
   */
  @Nullable String checkCredentials(@Nullable String apiTokenHeader, @Nullable String authorization, Instant now) {
    if (authFailures > 0) {
      authFailures--;
      return "injected";
    }
    if (apiTokenHeader != null && !apiTokenHeader.isBlank()) {
      return apiTokenHeader.strip().equals(apiToken) ? null : "unknown API token";
    }
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      IssuedToken t = accessTokens.get(authorization.substring(7).strip());
      if (t == null) {
        return "unknown access token";
      }
      return t.expiresAt().isAfter(now) ? null : "expired access token";
    }
    return "no credentials";
  }

  /** The burst limit for requests with {@code credential}; 0 for none. */
  int burstLimit(Credential credential) {
    return credential == Credential.ACCESS_TOKEN && config.oauthBurstLimit > 0 ? config.oauthBurstLimit : config.burstLimit;
  }

  /** The outcome of counting a request against the limits. */
  record Admission(@Nullable String limit, Duration delay) {
    static final Admission OK = new Admission(null, Duration.ZERO);
  }

  /**
   * Counts a request costing {@code tokens} against the daily budget, the burst window and, for a search,
   * search's own window; or says which limit refused it. Call under the lock.
   */
  Admission admit(Instant now, int burstLimit, boolean search, long tokens, boolean forced) {
    rollDay(now);
    if (config.dailyTokens > 0 && tokensToday + tokens > config.dailyTokens) {
      return new Admission("daily", Duration.between(now, nextMidnight(now)));
    }
    Instant from = now.minus(BURST_WINDOW);
    while (!burst.isEmpty() && !burst.peekFirst().isAfter(from)) {
      burst.pollFirst();
    }
    while (!searches.isEmpty() && !searches.peekFirst().isAfter(from)) {
      searches.pollFirst();
    }
    if (forced || (burstLimit > 0 && burst.size() >= burstLimit)) {
      return new Admission("burst", burst.isEmpty() ? BURST_WINDOW : Duration.between(now, burst.peekFirst().plus(BURST_WINDOW)));
    }
    if (search && config.searchBurstLimit > 0 && searches.size() >= config.searchBurstLimit) {
      return new Admission("search", Duration.between(now, searches.peekFirst().plus(BURST_WINDOW)));
    }
    burst.addLast(now);
    if (search) {
      searches.addLast(now);
    }
    tokensToday += tokens;
    tokensTotal.add(tokens);
    return Admission.OK;
  }

  /** The budget resets "at the start of the next day", midnight in the server's zone. */
  private void rollDay(Instant now) {
    LocalDate today = LocalDate.ofInstant(now, config.dailyResetZone);
    if (!today.equals(budgetDay)) {
      budgetDay = today;
      tokensToday = 0;
    }
  }

  Instant nextMidnight(Instant now) {
    return LocalDate.ofInstant(now, config.dailyResetZone).plusDays(1).atStartOfDay(config.dailyResetZone).toInstant();
  }

  /** The rate-limit headers of a response to a request with {@code burstLimit}. Call under the lock. */
  Map<String, String> rateHeaders(Instant now, int burstLimit) {
    Map<String, String> h = new LinkedHashMap<>();
    if (burstLimit > 0) {
      Instant from = now.minus(BURST_WINDOW);
      long inWindow = burst.stream().filter(t -> t.isAfter(from)).count();
      Instant oldest = burst.stream().filter(t -> t.isAfter(from)).findFirst().orElse(null);
      long reset = oldest == null ? 0 : ceilSeconds(Duration.between(now, oldest.plus(BURST_WINDOW)));
      h.put("x-ratelimit-limit", Integer.toString(burstLimit));
      h.put("x-ratelimit-remaining", Long.toString(Math.max(0, burstLimit - inWindow)));
      h.put("x-ratelimit-reset", Long.toString(reset));
    }
    if (config.dailyTokens > 0) {
      rollDay(now);
      h.put("x-daily-ratelimit-token-limit", Long.toString(config.dailyTokens));
      h.put("x-daily-ratelimit-token-remaining", Long.toString(Math.max(0, config.dailyTokens - tokensToday)));
    }
    return h;
  }

  static long ceilSeconds(Duration d) {
    long ms = Math.max(0, d.toMillis());
    return (ms + 999) / 1000;
  }

  /** The OAuth token endpoint. Call under the lock. Null client means the Basic credentials were wrong. */
  PipedriveDispatcher.Answer issueToken(Map<String, String> form, @Nullable String basicClientId,
      @Nullable String basicClientSecret) {
    if (config.clientId == null || !config.clientId.equals(basicClientId)
        || !Objects.equals(config.clientSecret, basicClientSecret)) {
      return PipedriveDispatcher.oauthError(401, "invalid_client", "Invalid client: client is invalid");
    }
    if (form.get("grant_type") == null) {
      return PipedriveDispatcher.oauthError(400, "invalid_request", "Missing parameter: grant_type");
    }
    if (!"refresh_token".equals(form.get("grant_type"))) {
      return PipedriveDispatcher.oauthError(400, "unsupported_grant_type", "Unsupported grant type: grant_type is invalid");
    }
    if (config.refreshToken == null || !config.refreshToken.equals(form.get("refresh_token"))) {
      return PipedriveDispatcher.oauthError(400, "invalid_grant", "Invalid grant: refresh_token is invalid");
    }
    String access = "emu-at-" + UUID.randomUUID();
    accessTokens.put(access, new IssuedToken(time.now().plus(config.accessTokenLifetime)));
    tokensIssued++;
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("access_token", access);
    body.put("token_type", "Bearer");
    body.put("refresh_token", config.refreshToken);
    body.put("scope", "base,contacts:full,deals:full,products:full,activities:full,search:read,admin");
    body.put("expires_in", config.accessTokenLifetime.toSeconds());
    body.put("api_domain", url().toString());
    return PipedriveDispatcher.Answer.of(200, body);
  }

  boolean contactSync() {
    return config.contactSync;
  }

  Duration searchIndexLag() {
    return config.searchIndexLag;
  }

  Duration slowDelay() {
    return config.slowDelay;
  }

  Duration stallDelay() {
    return config.stallDelay;
  }

  boolean retryAfterOnBurst() {
    return config.retryAfterOnBurst;
  }

  /** Configures a {@link PipedriveEmulator}. Not thread-safe. */
  public static final class Builder {
    private record Custom(String entity, String name, String type, List<String> options) {}

    private int port;
    private TimeSource time = TimeSource.system();
    private long seed = 42;
    private @Nullable String apiToken;
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable String refreshToken;
    private Duration accessTokenLifetime = Duration.ofHours(1);
    private int burstLimit;
    private int oauthBurstLimit;
    private int searchBurstLimit;
    private long dailyTokens;
    private ZoneId dailyResetZone = ZoneId.of("UTC");
    private boolean retryAfterOnBurst;
    private boolean contactSync;
    private Duration searchIndexLag = Duration.ZERO;
    private int requestLogSize = 100_000;
    private Duration slowDelay = Duration.ofSeconds(5);
    private Duration stallDelay = Duration.ofSeconds(2);
    private final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    private final List<Custom> customFields = new ArrayList<>();

    Builder() {}

    /** The port on loopback; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** The clock for modification times, token expiry and rate windows, and what slow responses sleep on. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where the random choices of fault injection and custom field keys start; the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The API token to accept; one is generated if none is set. */
    public Builder apiToken(String token) {
      Objects.requireNonNull(token, "token");
      if (token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank");
      }
      this.apiToken = token;
      return this;
    }

    /** Enables OAuth: the token endpoint accepts this client and refresh token. */
    public Builder oauthApp(String clientId, String clientSecret, String refreshToken) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      this.refreshToken = Objects.requireNonNull(refreshToken, "refreshToken");
      return this;
    }

    /** How long issued access tokens live (Pipedrive: an hour, {@code "expires_in": 3600}). */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = Checks.positive(lifetime, "lifetime");
      return this;
    }

    /**
     * The limits of {@code plan} with {@code seats} seats: its burst limits for API tokens and OAuth, search's
     * own burst limit, and its daily token budget.
     */
    public Builder plan(Plan plan, int seats) {
      Objects.requireNonNull(plan, "plan");
      this.burstLimit = plan.apiTokenBurst();
      this.oauthBurstLimit = plan.oauthBurst();
      this.searchBurstLimit = SEARCH_BURST;
      this.dailyTokens = plan.dailyTokens(seats);
      return this;
    }

    /** At most {@code requests} API requests per rolling 2-second window, whatever the credential. */
    public Builder burstLimit(int requests) {
      this.burstLimit = Checks.positive(requests, "requests");
      this.oauthBurstLimit = 0;
      return this;
    }

    /** At most {@code requests} search requests per rolling 2-second window (Pipedrive: 10). */
    public Builder searchBurstLimit(int requests) {
      this.searchBurstLimit = Checks.positive(requests, "requests");
      return this;
    }

    /** The company's daily token budget. */
    public Builder dailyTokenBudget(long tokens) {
      this.dailyTokens = Checks.positive(tokens, "tokens");
      return this;
    }

    /** Where the budget resets at midnight: "the server time zone" (UTC by default). */
    public Builder dailyResetZone(ZoneId zone) {
      this.dailyResetZone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** Whether burst 429s also carry {@code Retry-After} (not documented; off by default). */
    public Builder retryAfterOnBurst(boolean send) {
      this.retryAfterOnBurst = send;
      return this;
    }

    /** Whether the company uses Contact Sync, which adds job title, postal address, notes, birthday and IM. */
    public Builder contactSync(boolean enabled) {
      this.contactSync = enabled;
      return this;
    }

    /** How long a change takes to become visible to search (zero by default). */
    public Builder searchIndexLag(Duration lag) {
      Objects.requireNonNull(lag, "lag");
      this.searchIndexLag = Checks.notNegative(lag, "lag");
      return this;
    }

    /** How many of the latest requests {@link #requests()} keeps (100,000 by default); counts are kept for all. */
    public Builder requestLogSize(int size) {
      this.requestLogSize = Checks.positive(size, "size");
      return this;
    }

    /**
     * Declares a custom field on {@code entity} ({@code persons}, {@code organizations}, {@code deals},
     * {@code products}) of Pipedrive field type {@code type}: {@code varchar}, {@code text}, {@code
     * varchar_auto}, {@code double}, {@code int}, {@code monetary}, {@code date}, {@code phone}, {@code
     * address}, {@code enum} or {@code set} (with {@code options}), {@code user}, {@code org} or {@code people}.
     */
    public Builder customField(String entity, String name, String type, String... options) {
      Objects.requireNonNull(entity, "entity");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      if (!PipedriveDispatcher.CUSTOM_TYPES.contains(type)) {
        throw new IllegalArgumentException("type must be one of " + PipedriveDispatcher.CUSTOM_TYPES + ": " + type);
      }
      if ((type.equals("enum") || type.equals("set")) != (options.length > 0)) {
        throw new IllegalArgumentException("options are given exactly for enum and set fields: " + name);
      }
      customFields.add(new Custom(entity, name, type, List.of(options)));
      return this;
    }

    public Builder serverErrorRate(double rate) {
      return fault(Fault.SERVER_ERROR, rate);
    }

    public Builder htmlErrorPageRate(double rate) {
      return fault(Fault.HTML_ERROR_PAGE, rate);
    }

    public Builder droppedConnectionRate(double rate) {
      return fault(Fault.DROPPED_CONNECTION, rate);
    }

    public Builder truncatedBodyRate(double rate) {
      return fault(Fault.TRUNCATED_BODY, rate);
    }

    /** A share of responses come after sleeping {@code delay} on the emulator's clock. */
    public Builder slowResponses(double rate, Duration delay) {
      this.slowDelay = Checks.positive(delay, "delay");
      return fault(Fault.SLOW_RESPONSE, rate);
    }

    /** A share of responses send their headers after a real {@code delay}, for client timeouts. */
    public Builder stalledResponses(double rate, Duration delay) {
      this.stallDelay = Checks.positive(delay, "delay");
      return fault(Fault.STALLED, rate);
    }

    private Builder fault(Fault fault, double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException(fault + " rate must be within [0, 1]: " + rate);
      }
      faultRates.put(fault, rate);
      double total = faultRates.values().stream().mapToDouble(Double::doubleValue).sum();
      if (total > 1) {
        throw new IllegalArgumentException("fault rates add up to more than 1: " + faultRates);
      }
      return this;
    }

    /** The emulator, not yet started. */
    public PipedriveEmulator build() {
      Builder copy = new Builder();
      copy.port = port;
      copy.time = time;
      copy.seed = seed;
      copy.apiToken = apiToken;
      copy.clientId = clientId;
      copy.clientSecret = clientSecret;
      copy.refreshToken = refreshToken;
      copy.accessTokenLifetime = accessTokenLifetime;
      copy.burstLimit = burstLimit;
      copy.oauthBurstLimit = oauthBurstLimit;
      copy.searchBurstLimit = searchBurstLimit;
      copy.dailyTokens = dailyTokens;
      copy.dailyResetZone = dailyResetZone;
      copy.retryAfterOnBurst = retryAfterOnBurst;
      copy.contactSync = contactSync;
      copy.searchIndexLag = searchIndexLag;
      copy.requestLogSize = requestLogSize;
      copy.slowDelay = slowDelay;
      copy.stallDelay = stallDelay;
      copy.faultRates.putAll(faultRates);
      copy.customFields.addAll(customFields);
      return new PipedriveEmulator(copy);
    }
  }

  /** Looks up a live record by id; for tests. */
  public Optional<JsonNode> record(String entity, long id) {
    synchronized (lock) {
      Entity e = requireEntity(entity);
      Rec r = e.live(id);
      return r == null ? Optional.empty() : Optional.of(store.view(e, r, null).deepCopy());
    }
  }
}

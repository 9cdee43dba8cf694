package io.crmsync.testkit.hubspot;

import io.crmsync.spi.Checks;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.testkit.hubspot.EmulatorDispatcher.Answer;
import io.crmsync.testkit.hubspot.EmulatorStore.Obj;
import io.crmsync.testkit.hubspot.EmulatorStore.Owner;
import io.crmsync.testkit.hubspot.EmulatorStore.Problem;
import io.crmsync.testkit.hubspot.EmulatorStore.Property;
import io.crmsync.testkit.hubspot.EmulatorStore.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.MockWebServer;
import org.jspecify.annotations.Nullable;

/**
 * HubSpot's CRM v3 API, in memory, over HTTP on loopback: for tests of code that talks to HubSpot, and for
 * {@code crm-sync emulate hubspot}. As strict as the real API where its documentation says what it refuses,
 * and it counts what it refused, so a test can assert that nothing it sent would have been refused by
 * HubSpot. Thread-safe.
 *
 * <pre>{@code
 * try (HubSpotEmulator hubspot = HubSpotEmulator.builder().plan(Plan.STARTER).build().start()) {
 *   CRMAdapter adapter = HubSpotAdapter.create(AdapterConfig.fromMap("hubspot", hubspot.adapterSettings()));
 *   ...
 *   assertThat(hubspot.records("contacts")).hasSize(3);
 *   assertThat(hubspot.refusals()).isEmpty();
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * <ul>
 *   <li>{@code GET /crm/v3/objects/{type}} with {@code limit} (at most 100), {@code after}, {@code
 *       properties} and {@code archived}; {@code GET /crm/v3/objects/{type}/{id}} with {@code idProperty};
 *       {@code POST .../batch/upsert} (by a unique {@code idProperty}), {@code .../batch/archive} (204,
 *       missing ids ignored) and {@code .../batch/read}, each at most 100 inputs; {@code POST .../search}
 *       with filter groups (at most 5 groups of 6 filters, 18 in all), one sort, {@code limit} up to 200, a
 *       body of at most 3,000 characters and the cap of {@value #DEFAULT_SEARCH_RESULT_CAP} results per
 *       search; {@code GET /crm/v3/properties/{type}}; {@code GET /crm/v3/owners}. URLs longer than {@link
 *       Builder#maxUrlLength} are answered 414.
 *   <li>Contacts, companies and deals with HubSpot's standard properties, owners, and more properties and
 *       object types through the builder. Unknown properties ({@code PROPERTY_DOESNT_EXIST}), read-only and
 *       calculated ones, values outside an enumeration's options ({@code INVALID_OPTION}; for {@code
 *       hubspot_owner_id}, ids that are not an active owner's), invalid emails, numbers and dates are refused
 *       as HubSpot refuses them.
 *   <li>Batch upserts whose inputs all carry an {@code objectWriteTraceId} answer 207 with an error per bad
 *       input (multi-status); the others are refused whole with a 400 "Property values were not valid".
 *       Results come back in shuffled order, as HubSpot does not promise input order.
 *   <li>Private-app tokens, and OAuth: {@code POST /oauth/v1/token} and {@code /oauth/v3/token} with a refresh
 *       token issue access tokens that expire on the emulator's clock; expired or unknown tokens get HubSpot's
 *       401 ({@code EXPIRED_AUTHENTICATION}, {@code INVALID_AUTHENTICATION}).
 *   <li>Rate limits per {@link Plan} and kind of app, with HubSpot's 429 body and {@code X-HubSpot-RateLimit-*}
 *       headers; see {@link Builder#plan}.
 *   <li>Seeded faults: 5xx, HTML error pages, slow responses (the emulator sleeps on its {@link
 *       TimeSource}, so a fake clock jumps instead of waiting), stalled responses (a real delay, for client
 *       timeouts), and, after the request was applied as a lost response would be, dropped connections,
 *       truncated bodies and garbled JSON. {@link #injectFaults} queues specific ones, {@link
 *       #injectTokenFaults} for the token endpoint.
 * </ul>
 *
 * <p>Modification times come from the emulator's {@link TimeSource}: with a fake clock a test decides
 * which records share a millisecond. {@link Builder#searchIndexLag} hides recent changes from search, as
 * HubSpot's index does.
 *
 * <p>HubSpot's contacts guide says "partial upserts are not supported when using email as the idProperty";
 * its reference for the same endpoint documents 207 answers with per-input errors. The emulator follows the
 * reference: traced upserts by email answer 207 like any other.
 */
public final class HubSpotEmulator implements AutoCloseable {
  /** HubSpot's cap on the results one search can page through. */
  public static final int DEFAULT_SEARCH_RESULT_CAP = 10_000;
  /**
   * The longest URL answered: HubSpot refuses longer ones with 414
   * (https://developers.hubspot.com/docs/api-reference/error-handling), at about 16,200 characters as measured
   * (https://github.com/PostHog/posthog/pull/31617).
   */
  public static final int DEFAULT_MAX_URL_LENGTH = 16_000;
  /** The hub id the emulated account has. */
  public static final long PORTAL_ID = 24_681_357L;

  /** A fault the emulator can answer a request with. */
  public enum Fault {
    /** 500 with HubSpot's JSON error body; nothing applied. */
    SERVER_ERROR,
    /** 502 with a proxy's HTML page; nothing applied. */
    HTML_ERROR_PAGE,
    /** The answer comes after {@link Builder#slowResponses sleeping} on the emulator's clock. */
    SLOW_RESPONSE,
    /** The answer's headers come after a real {@link Builder#stalledResponses delay}. */
    STALLED,
    /** Applied, then the connection is closed before the response. */
    DROPPED_CONNECTION,
    /** Applied, then the connection is closed halfway through the response body. */
    TRUNCATED_BODY,
    /** Applied, then answered with half a JSON body and some junk, as a complete response. */
    GARBLED_JSON,
    /** 429 as if the rolling limit were reached; nothing applied. */
    RATE_LIMITED
  }

  /**
   * HubSpot subscription tiers, which set the rate limits of privately distributed apps
   * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
   */
  public enum Plan {
    FREE(100, 250_000),
    STARTER(100, 250_000),
    PROFESSIONAL(190, 625_000),
    ENTERPRISE(190, 1_000_000);

    /** "each HubSpot account that installs your app is limited to 110 requests every 10 seconds". */
    private static final int PUBLIC_APP_PER_10_SECONDS = 110;
    /** With the API limit increase: 250 per 10 seconds ("will not stack") and +1,000,000 a day per increase. */
    private static final int INCREASED_PER_10_SECONDS = 250;
    private static final long DAILY_PER_INCREASE = 1_000_000;

    private final int per10Seconds;
    private final long daily;

    Plan(int per10Seconds, long daily) {
      this.per10Seconds = per10Seconds;
      this.daily = daily;
    }

    /**
     * The limits of an app of kind {@code app} in an account on this plan with {@code apiLimitIncreases}
     * API limit increases (0 to 2; they do not apply to public OAuth apps).
     *
     * @throws IllegalArgumentException if {@code apiLimitIncreases} is not 0, 1 or 2
     */
    public RateLimits limits(AppType app, int apiLimitIncreases) {
      Objects.requireNonNull(app, "app");
      if (apiLimitIncreases < 0 || apiLimitIncreases > 2) {
        throw new IllegalArgumentException("apiLimitIncreases must be 0, 1 or 2: " + apiLimitIncreases);
      }
      if (app == AppType.PUBLIC_APP) {
        return new RateLimits(PUBLIC_APP_PER_10_SECONDS, Duration.ofSeconds(10), 0);
      }
      return new RateLimits(apiLimitIncreases > 0 ? INCREASED_PER_10_SECONDS : per10Seconds, Duration.ofSeconds(10),
          daily + DAILY_PER_INCREASE * apiLimitIncreases);
    }
  }

  /** How an app authenticates, which decides its limits. */
  public enum AppType {
    /** A private app (a static access token): the plan's burst limit per app and the account's daily limit. */
    PRIVATE_APP,
    /** A public app using OAuth: 110 requests per 10 seconds per installing account, no daily limit. */
    PUBLIC_APP
  }

  /**
   * One kind of app's request limits.
   *
   * @param perWindow requests allowed per rolling {@code window}; 0 for no limit
   * @param window the rolling window
   * @param daily requests allowed per day in the account; 0 for no limit
   */
  public record RateLimits(int perWindow, Duration window, long daily) {
    static final RateLimits NONE = new RateLimits(0, Duration.ofSeconds(10), 0);

    public RateLimits {
      Objects.requireNonNull(window, "window");
    }
  }

  /** One request the emulator answered. */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault) {}

  /** A webhook request signed as HubSpot signs them (v3), to send to the code under test. */
  public record SignedWebhook(String method, String uri, String body, Map<String, String> headers) {
    public SignedWebhook {
      headers = Map.copyOf(headers);
    }
  }

  /** Who a request came from: an app, and whether it authenticated with OAuth. */
  record Caller(String app, boolean oauth) {}

  private record IssuedToken(String clientId, Instant expiresAt) {}

  private static final String PRIVATE_APP = "private-app";

  private final Builder config;
  private final TimeSource time;
  private final ObjectMapper json = JsonMapper.builder().build();
  private final EmulatorStore store = new EmulatorStore();
  private final EmulatorLimits limits;
  private final EmulatorDispatcher dispatcher;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Deque<Fault> injectedTokenFaults = new ArrayDeque<>();
  private final Map<String, IssuedToken> accessTokens = new HashMap<>();
  private final Deque<RequestLog> log = new ArrayDeque<>(); // guarded by itself
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rateLimited = new ConcurrentHashMap<>();
  private final Map<Fault, LongAdder> faults = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final LongAdder apiRequests = new LongAdder();
  private final String privateAppToken;
  private @Nullable String refreshToken;
  private int authFailures;
  private long tokensIssued;
  private boolean started;

  private HubSpotEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    this.privateAppToken = b.privateAppToken != null ? b.privateAppToken : "pat-emu-" + UUID.randomUUID();
    this.refreshToken = b.refreshToken;
    for (String t : b.customTypes) {
      store.defineType(t);
    }
    for (Map.Entry<String, List<Property>> e : b.customProperties.entrySet()) {
      Type t = store.type(e.getKey());
      if (t == null) {
        t = store.defineType(e.getKey());
      }
      for (Property p : e.getValue()) {
        t.define(p);
      }
    }
    Instant created = time.now();
    if (b.owners.isEmpty()) {
      // every account has at least the user who created it
      store.addOwner(new Owner("75480214", "admin@emulator.example", "Account", "Admin", 9_586_504L, false, created));
    }
    for (Owner o : b.owners) {
      store.addOwner(new Owner(o.id(), o.email(), o.firstName(), o.lastName(), o.userId(), o.archived(), created));
    }
    this.limits = new EmulatorLimits(json, b.limits(AppType.PRIVATE_APP), b.limits(AppType.PUBLIC_APP),
        b.searchLimit >= 0 ? b.searchLimit : b.plan != null ? 5 : 0, b.otherClients, b.zone, b.retryAfterHeader);
    this.dispatcher = new EmulatorDispatcher(this, json);
    server.setDispatcher(dispatcher);
    server.setServerSocketFactory(new NoDelayServerSockets());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * An emulator with the defaults (a free port, no limits, no faults, a generated private-app token), not
   * yet started: {@code HubSpotEmulator.create().start()}.
   */
  public static HubSpotEmulator create() {
    return builder().build();
  }

  /**
   * Starts listening on loopback.
   *
   * @throws IllegalStateException if it was started before
   * @throws UncheckedIOException if the port cannot be bound
   */
  public HubSpotEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator was already started");
      }
      started = true;
    }
    try {
      server.start(InetAddress.getLoopbackAddress(), config.port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the HubSpot emulator on port " + config.port, e);
    }
    return this;
  }

  /** The base URL to point an adapter at, such as {@code http://127.0.0.1:54321}. */
  public URI url() {
    String u = server.url("/").toString();
    return URI.create(u.substring(0, u.length() - 1));
  }

  public int port() {
    return server.getPort();
  }

  /** The private-app token the emulator accepts. */
  public String privateAppToken() {
    return privateAppToken;
  }

  /**
   * Settings for the HubSpot adapter ({@code AdapterConfig.fromMap("hubspot", settings)}): the base URL and
   * the private-app token, or the OAuth client when one was configured.
   */
  public Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("baseUrl", url().toString());
    if (config.clientId != null && config.clientSecret != null && refreshToken != null) {
      s.put("clientId", config.clientId);
      s.put("clientSecret", config.clientSecret);
      synchronized (lock) {
        s.put("refreshToken", Objects.requireNonNull(refreshToken));
      }
    } else {
      s.put("token", privateAppToken);
    }
    return s;
  }

  /** The limits requests of {@code app} are held to (none unless a plan or limits were configured). */
  public RateLimits rateLimits(AppType app) {
    return limits.limits(app == AppType.PUBLIC_APP);
  }

  @Override
  public void close() {
    server.close();
  }

  // --------------------------------------------------------------------------------------- inspection

  /** The live records of {@code objectType} ({@code contacts}, {@code contact} or {@code 0-1}), as properties. */
  public List<Map<String, String>> records(String objectType) {
    return snapshot(objectType, false);
  }

  /** The archived records of {@code objectType}. */
  public List<Map<String, String>> archivedRecords(String objectType) {
    return snapshot(objectType, true);
  }

  private List<Map<String, String>> snapshot(String objectType, boolean archived) {
    synchronized (lock) {
      Type t = requireType(objectType);
      List<Map<String, String>> out = new ArrayList<>();
      for (Obj o : t.objects.values()) {
        if (o.archived == archived) {
          out.add(properties(t, o));
        }
      }
      return Collections.unmodifiableList(out);
    }
  }

  private static Map<String, String> properties(Type t, Obj o) {
    Map<String, String> m = new LinkedHashMap<>();
    t.view(o, null).forEach((k, v) -> {
      if (v != null) {
        m.put(k, v);
      }
    });
    return Collections.unmodifiableMap(m);
  }

  /** The live record of {@code objectType} whose unique {@code property} has {@code value}. */
  public Optional<Map<String, String>> record(String objectType, String property, String value) {
    synchronized (lock) {
      Type t = requireType(objectType);
      Obj o = t.byUnique(property, value);
      return o == null ? Optional.empty() : Optional.of(properties(t, o));
    }
  }

  /**
   * Stores a record directly, without a request (to seed large data sets quickly); it is modified "now" on
   * the emulator's clock. Returns its id.
   *
   * @throws IllegalArgumentException if a property is unknown, read-only or invalid, naming HubSpot's error code
   */
  public String insert(String objectType, Map<String, String> properties) {
    synchronized (lock) {
      Type t = requireType(objectType);
      check(t, properties);
      return Long.toString(store.create(t, properties, time.now()).id);
    }
  }

  /**
   * Updates a record directly, without a request; it is modified "now" on the emulator's clock.
   *
   * @throws IllegalArgumentException if there is no such live record, or a property is unknown, read-only or
   *     invalid
   */
  public void update(String objectType, String id, Map<String, String> properties) {
    synchronized (lock) {
      Type t = requireType(objectType);
      Obj o = t.live(Long.parseLong(id));
      if (o == null) {
        throw new IllegalArgumentException("no live " + t.name + " record " + id);
      }
      check(t, properties);
      store.update(t, o, properties, time.now());
    }
  }

  private void check(Type t, Map<String, String> properties) {
    for (Map.Entry<String, String> e : properties.entrySet()) {
      Problem bad = store.invalid(t, e.getKey(), e.getValue());
      if (bad != null) {
        throw new IllegalArgumentException(bad.code() + ": " + bad.message());
      }
    }
  }

  private Type requireType(String objectType) {
    Type t = store.type(objectType);
    if (t == null) {
      throw new IllegalArgumentException("unknown object type '" + objectType + "'");
    }
    return t;
  }

  /** The ids of the account's active owners, which {@code hubspot_owner_id} accepts. */
  public List<String> ownerIds() {
    synchronized (lock) {
      List<String> ids = new ArrayList<>();
      for (Owner o : store.owners()) {
        if (!o.archived()) {
          ids.add(o.id());
        }
      }
      return List.copyOf(ids);
    }
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

  /** How many API requests (to {@code /crm/}) were answered. */
  public long apiRequestCount() {
    return apiRequests.sum();
  }

  /** How many requests were answered with {@code status}. */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
  }

  /**
   * What the emulator refused as HubSpot would, by reason: HubSpot's error code or category ({@code
   * PROPERTY_DOESNT_EXIST}, {@code INVALID_OPTION}, {@code INVALID_EMAIL}, {@code VALIDATION_ERROR}, {@code
   * URI_TOO_LONG}, {@code EXPIRED_AUTHENTICATION}...). A request refused whole counts once per reason it gave;
   * each input refused within a 207 answer counts once. Rate limits and faults are counted apart ({@link
   * #rateLimited()}, {@link #faults()}). Empty when nothing sent would have been refused.
   */
  public Map<String, Long> refusals() {
    return snapshot(refusals);
  }

  /** The 429 answers given, by {@code policyName} ({@code TEN_SECONDLY_ROLLING}, {@code DAILY}, {@code SECONDLY}). */
  public Map<String, Long> rateLimited() {
    return snapshot(rateLimited);
  }

  /** The share of API requests answered 429, between 0 and 1. */
  public double rateLimitedShare() {
    long all = apiRequests.sum();
    long limited = rateLimited.values().stream().mapToLong(LongAdder::sum).sum();
    return all == 0 ? 0 : (double) limited / all;
  }

  /** The faults injected, by kind. */
  public Map<Fault, Long> faults() {
    Map<Fault, Long> out = new EnumMap<>(Fault.class);
    faults.forEach((k, v) -> out.put(k, v.sum()));
    return Collections.unmodifiableMap(out);
  }

  private static <K extends Comparable<K>> Map<K, Long> snapshot(Map<K, LongAdder> counts) {
    Map<K, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return Collections.unmodifiableMap(out);
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
      if (r.path().startsWith("/crm/")) {
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
   * Answers the next requests to the OAuth token endpoint with these faults, in order: {@link
   * Fault#SERVER_ERROR}, {@link Fault#HTML_ERROR_PAGE}, {@link Fault#TRUNCATED_BODY}, {@link Fault#GARBLED_JSON}
   * or {@link Fault#DROPPED_CONNECTION} (the last three after issuing the token).
   */
  public void injectTokenFaults(Fault... faults) {
    synchronized (lock) {
      injectedTokenFaults.addAll(List.of(faults));
    }
  }

  /** Answers the next {@code requests} API requests with a 401 whatever their token. */
  public void failAuthentication(int requests) {
    Checks.notNegative(requests, "requests");
    synchronized (lock) {
      authFailures = requests;
    }
  }

  /** Makes every access token issued so far invalid, as revoking the app's access would. */
  public void revokeAccessTokens() {
    synchronized (lock) {
      accessTokens.clear();
    }
  }

  /**
   * A webhook request as HubSpot would send it to {@code uri}: the body, {@code
   * X-HubSpot-Signature-v3} (Base64 HMAC-SHA256 of method, URI, body and timestamp under the app's
   * client secret) and {@code X-HubSpot-Request-Timestamp}.
   */
  public static SignedWebhook signWebhook(String clientSecret, String method, String uri, String body, Instant timestamp) {
    Objects.requireNonNull(clientSecret, "clientSecret");
    String ts = Long.toString(timestamp.toEpochMilli());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(clientSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] sig = mac.doFinal((method + uri + body + ts).getBytes(StandardCharsets.UTF_8));
      return new SignedWebhook(method, uri, body, Map.of(
          "X-HubSpot-Signature-v3", Base64.getEncoder().encodeToString(sig),
          "X-HubSpot-Request-Timestamp", ts,
          "Content-Type", "application/json"));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "HubSpotEmulator[" + (started ? url() : "not started") + "]";
  }

  // ---------------------------------------------------------------------------- for the dispatcher

  TimeSource time() {
    return time;
  }

  EmulatorStore store() {
    return store;
  }

  EmulatorLimits limits() {
    return limits;
  }

  <T> T synchronizedCall(Supplier<T> call) {
    synchronized (lock) {
      return call.get();
    }
  }

  void log(Instant at, String method, String path, int status, @Nullable Fault fault) {
    requestTotal.increment();
    if (path.startsWith("/crm/")) {
      apiRequests.increment();
    }
    statusCounts.computeIfAbsent(status, k -> new LongAdder()).increment();
    if (fault != null) {
      faults.computeIfAbsent(fault, k -> new LongAdder()).increment();
    }
    synchronized (log) {
      if (log.size() == config.requestLogSize) {
        log.pollFirst();
      }
      log.addLast(new RequestLog(at, method, path, status, fault));
    }
    // MockWebServer keeps every request for takeRequest(); the emulator has its own log, so drop them
    try {
      server.takeRequest(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void refused(String reason) {
    refusals.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  void rateLimited(String policy) {
    rateLimited.computeIfAbsent(policy, k -> new LongAdder()).increment();
  }

  int searchResultCap() {
    return config.searchResultCap;
  }

  int maxUrlLength() {
    return config.maxUrlLength;
  }

  Duration searchIndexLag() {
    return config.searchIndexLag;
  }

  boolean multiStatus() {
    return config.multiStatus;
  }

  Duration slowDelay() {
    return config.slowDelay;
  }

  Duration stallDelay() {
    return config.stallDelay;
  }

  <T> void shuffle(List<T> list) {
    synchronized (lock) {
      for (int i = list.size() - 1; i > 0; i--) {
        Collections.swap(list, i, random.nextInt(i + 1));
      }
    }
  }

  @Nullable Fault nextFault() {
    synchronized (lock) {
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

  @Nullable Fault nextTokenFault() {
    synchronized (lock) {
      return injectedTokenFaults.poll();
    }
  }

  /**
   * The caller a bearer token stands for, or HubSpot's 401 as a {@link EmulatorDispatcher.BadRequest}. Call
   * under the lock.
   */
  Caller checkToken(String token, Instant now) {
    if (authFailures > 0) {
      authFailures--;
      throw new EmulatorDispatcher.BadRequest(
          dispatcher.error(401, "INVALID_AUTHENTICATION", "The access token used to make this call is not valid."));
    }
    if (token.equals(privateAppToken)) {
      return new Caller(PRIVATE_APP, false);
    }
    IssuedToken issued = accessTokens.get(token);
    if (issued == null) {
      throw new EmulatorDispatcher.BadRequest(dispatcher.error(401, "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"));
    }
    if (!issued.expiresAt().isAfter(now)) {
      long ago = Duration.between(issued.expiresAt(), now).toSeconds();
      throw new EmulatorDispatcher.BadRequest(dispatcher.error(401, "EXPIRED_AUTHENTICATION",
          "The OAuth token used to make this call expired " + ago + " second(s) ago."));
    }
    return new Caller("oauth:" + issued.clientId(), true);
  }

  /**
   * The token endpoint (https://developers.hubspot.com/docs/api-reference/legacy/authentication/manage-oauth-tokens):
   * a form-encoded refresh-token grant answered with {@code access_token}, {@code refresh_token} and {@code
   * expires_in}; errors carry OAuth's {@code error} and {@code error_description} and HubSpot's {@code status}
   * and {@code message}. Call under the lock.
   */
  Answer issueToken(Map<String, String> form) {
    String grant = form.getOrDefault("grant_type", "");
    if (!grant.equals("refresh_token")) {
      return oauthError("unsupported_grant_type", "UNSUPPORTED_GRANT_TYPE", "grant_type must be refresh_token");
    }
    if (config.clientId == null || !config.clientId.equals(form.get("client_id"))) {
      return oauthError("invalid_client", "BAD_CLIENT_ID", "missing or invalid client_id");
    }
    if (!Objects.equals(config.clientSecret, form.get("client_secret"))) {
      return oauthError("invalid_client", "BAD_CLIENT_SECRET", "missing or invalid client_secret");
    }
    if (refreshToken == null || !refreshToken.equals(form.get("refresh_token"))) {
      return oauthError("invalid_grant", "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked");
    }
    String access = "emu-at-" + UUID.randomUUID();
    accessTokens.put(access, new IssuedToken(config.clientId, time.now().plus(config.accessTokenLifetime)));
    tokensIssued++;
    ObjectNode body = json.createObjectNode();
    body.put("token_type", "bearer");
    body.put("refresh_token", refreshToken);
    body.put("access_token", access);
    body.put("hub_id", PORTAL_ID);
    body.put("expires_in", config.accessTokenLifetime.toSeconds());
    return Answer.of(200, body);
  }

  private Answer oauthError(String error, String status, String message) {
    refused(status);
    ObjectNode body = json.createObjectNode();
    body.put("error", error);
    body.put("error_description", message);
    body.put("status", status);
    body.put("message", message);
    body.put("correlationId", UUID.randomUUID().toString());
    return Answer.of(400, body);
  }


  /** Configures a {@link HubSpotEmulator}. Not thread-safe. */
  public static final class Builder {
    private int port;
    private TimeSource time = TimeSource.system();
    private long seed = 42;
    private @Nullable String privateAppToken;
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable String refreshToken;
    private Duration accessTokenLifetime = Duration.ofMinutes(30);
    private @Nullable Plan plan;
    private int apiLimitIncreases;
    private int windowLimit;
    private Duration window = Duration.ofSeconds(10);
    private long dailyLimit;
    private int otherClients;
    private ZoneId zone = ZoneOffset.UTC;
    private boolean retryAfterHeader;
    private int searchResultCap = DEFAULT_SEARCH_RESULT_CAP;
    private int searchLimit = -1;
    private int maxUrlLength = DEFAULT_MAX_URL_LENGTH;
    private int requestLogSize = 100_000;
    private Duration searchIndexLag = Duration.ZERO;
    private boolean multiStatus = true;
    private Duration slowDelay = Duration.ofSeconds(5);
    private Duration stallDelay = Duration.ofSeconds(2);
    private final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    private final List<String> customTypes = new ArrayList<>();
    private final Map<String, List<Property>> customProperties = new LinkedHashMap<>();
    private final List<Owner> owners = new ArrayList<>();

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

    /** Where the random choices of fault injection and result shuffling start; the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The private-app token to accept; one is generated if none is set. */
    public Builder privateAppToken(String token) {
      Objects.requireNonNull(token, "token");
      if (token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank");
      }
      this.privateAppToken = token;
      return this;
    }

    /** Enables OAuth (a public app): the token endpoint accepts this client and refresh token. */
    public Builder oauthApp(String clientId, String clientSecret, String refreshToken) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      this.refreshToken = Objects.requireNonNull(refreshToken, "refreshToken");
      return this;
    }

    /** How long issued access tokens live (HubSpot: 30 minutes); tests may make it seconds. */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = Checks.positive(lifetime, "lifetime");
      return this;
    }

    /**
     * HubSpot's documented limits for an account on {@code plan}
     * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines): private apps get the
     * plan's burst limit per 10 seconds (Free and Starter 100, Professional and Enterprise 190) and share its
     * daily limit (250,000, 625,000, 1,000,000); public OAuth apps get 110 per 10 seconds and no daily limit;
     * searches, 5 per second, apart. {@link #rateLimit} and {@link #dailyLimit} override the plan's numbers.
     */
    public Builder plan(Plan plan) {
      this.plan = Objects.requireNonNull(plan, "plan");
      return this;
    }

    /** API limit increases bought for the account (0 to 2): 250 per 10 seconds and +1,000,000 a day each. */
    public Builder apiLimitIncreases(int increases) {
      if (increases < 0 || increases > 2) {
        throw new IllegalArgumentException("increases must be 0, 1 or 2: " + increases);
      }
      this.apiLimitIncreases = increases;
      return this;
    }

    /** At most {@code requests} API requests per app per rolling {@code window}; more get a 429. */
    public Builder rateLimit(int requests, Duration window) {
      this.windowLimit = Checks.positive(requests, "requests");
      this.window = Checks.positive(window, "window");
      return this;
    }

    /** At most {@code requests} API requests of private apps per day, reset at midnight in {@link #timeZone}. */
    public Builder dailyLimit(long requests) {
      this.dailyLimit = Checks.positive(requests, "requests");
      return this;
    }

    /**
     * Other clients of the same app (other processes with the same token) send {@code requests} of every
     * rolling window, spread evenly over it: the remaining budget the headers report shrinks accordingly.
     */
    public Builder otherClients(int requests) {
      this.otherClients = Checks.notNegative(requests, "requests");
      return this;
    }

    /** The account's time zone, where the daily limit resets at midnight (UTC by default). */
    public Builder timeZone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** Whether 429s carry a {@code Retry-After} header (off by default: HubSpot documents none). */
    public Builder retryAfterHeader(boolean send) {
      this.retryAfterHeader = send;
      return this;
    }

    /** The most results one search can page through (HubSpot: 10,000). */
    public Builder searchResultCap(int cap) {
      this.searchResultCap = Checks.positive(cap, "cap");
      return this;
    }

    /** At most {@code requests} search requests per second (HubSpot: 5); more get a 429 {@code SECONDLY}. */
    public Builder searchRateLimit(int requests) {
      this.searchLimit = Checks.positive(requests, "requests");
      return this;
    }

    /** The longest URL answered, longer ones get a 414 ({@value #DEFAULT_MAX_URL_LENGTH} by default). */
    public Builder maxUrlLength(int characters) {
      this.maxUrlLength = Checks.positive(characters, "characters");
      return this;
    }

    /** How many of the latest requests {@link #requests()} keeps (100,000 by default); counts are kept for all. */
    public Builder requestLogSize(int size) {
      this.requestLogSize = Checks.positive(size, "size");
      return this;
    }

    /** How long a change takes to reach search (zero by default). */
    public Builder searchIndexLag(Duration lag) {
      Objects.requireNonNull(lag, "lag");
      this.searchIndexLag = Checks.notNegative(lag, "lag");
      return this;
    }

    /** Whether traced upserts get 207 partial answers (the default) rather than a 400 for the batch. */
    public Builder multiStatus(boolean multiStatus) {
      this.multiStatus = multiStatus;
      return this;
    }

    /** Declares a custom property; {@code type} is string, number, datetime, date, enumeration or bool. */
    public Builder property(String objectType, String name, String type, boolean unique) {
      Objects.requireNonNull(type, "type");
      String fieldType = switch (type) {
        case "number" -> "number";
        case "datetime", "date" -> "date";
        case "enumeration" -> "select";
        case "bool" -> "booleancheckbox";
        case "string" -> "text";
        default -> throw new IllegalArgumentException("type must be string, number, datetime, date, enumeration or bool: " + type);
      };
      return define(objectType, new Property(name, name, type, fieldType, unique, false, false, false, List.of(), null,
          false, false));
    }

    /** Declares a custom text property. */
    public Builder property(String objectType, String name) {
      return property(objectType, name, "string", false);
    }

    /**
     * Declares a custom enumeration property taking one of {@code options} (a dropdown), or several ({@code
     * ;}-separated, checkboxes) when {@code multiple}.
     */
    public Builder enumerationProperty(String objectType, String name, boolean multiple, String... options) {
      List<EmulatorStore.Option> list = new ArrayList<>();
      for (String o : options) {
        list.add(new EmulatorStore.Option(Objects.requireNonNull(o, "option"), o));
      }
      return define(objectType, new Property(name, name, "enumeration", multiple ? "checkbox" : "select", false, false,
          false, false, list, null, false, false));
    }

    /**
     * Declares a custom property whose values are ids of records of {@code referencedObjectType} ({@code
     * OWNER} for owners, which the emulator then checks; any other type's ids are not checked).
     */
    public Builder referenceProperty(String objectType, String name, String referencedObjectType) {
      Objects.requireNonNull(referencedObjectType, "referencedObjectType");
      return define(objectType, new Property(name, name, "enumeration", "select", false, false, false, false, List.of(),
          referencedObjectType, true, false));
    }

    /** Declares a custom calculated property of {@code type} (string or number), which writes cannot set. */
    public Builder calculatedProperty(String objectType, String name, String type) {
      if (!type.equals("string") && !type.equals("number")) {
        throw new IllegalArgumentException("type must be string or number: " + type);
      }
      return define(objectType, new Property(name, name, type, "calculation_equation", false, false, true, true,
          List.of(), null, false, false));
    }

    private Builder define(String objectType, Property p) {
      Objects.requireNonNull(objectType, "objectType");
      Objects.requireNonNull(p.name(), "name");
      customProperties.computeIfAbsent(objectType, k -> new ArrayList<>()).add(p);
      return this;
    }

    /** Declares a custom object type, reachable by {@code name}. */
    public Builder objectType(String name) {
      customTypes.add(Objects.requireNonNull(name, "name"));
      return this;
    }

    /**
     * Adds an owner (a user of the account) whose {@code id} {@code hubspot_owner_id} accepts. Without any,
     * the account has one owner, its admin.
     */
    public Builder owner(String id, String email, String firstName, String lastName) {
      Objects.requireNonNull(id, "id");
      if (id.isBlank() || !id.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("owner ids are numbers: '" + id + "'");
      }
      owners.add(new Owner(id, Objects.requireNonNull(email, "email"), Objects.requireNonNull(firstName, "firstName"),
          Objects.requireNonNull(lastName, "lastName"), 9_000_000L + owners.size(), false, Instant.EPOCH));
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

    public Builder garbledJsonRate(double rate) {
      return fault(Fault.GARBLED_JSON, rate);
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

    /** The limits of {@code app} from the plan, then the explicit overrides. */
    RateLimits limits(AppType app) {
      RateLimits base = plan == null ? RateLimits.NONE : plan.limits(app, apiLimitIncreases);
      int perWindow = windowLimit > 0 ? windowLimit : base.perWindow();
      Duration w = windowLimit > 0 ? window : base.window();
      long daily = app == AppType.PUBLIC_APP ? 0 : dailyLimit > 0 ? dailyLimit : base.daily();
      return new RateLimits(perWindow, w, daily);
    }

    /** The emulator, not yet started. */
    public HubSpotEmulator build() {
      if (apiLimitIncreases > 0 && plan == null) {
        throw new IllegalStateException("apiLimitIncreases needs a plan");
      }
      Builder copy = new Builder();
      copy.port = port;
      copy.time = time;
      copy.seed = seed;
      copy.privateAppToken = privateAppToken;
      copy.clientId = clientId;
      copy.clientSecret = clientSecret;
      copy.refreshToken = refreshToken;
      copy.accessTokenLifetime = accessTokenLifetime;
      copy.plan = plan;
      copy.apiLimitIncreases = apiLimitIncreases;
      copy.windowLimit = windowLimit;
      copy.window = window;
      copy.dailyLimit = dailyLimit;
      copy.otherClients = otherClients;
      copy.zone = zone;
      copy.retryAfterHeader = retryAfterHeader;
      copy.searchResultCap = searchResultCap;
      copy.searchLimit = searchLimit;
      copy.maxUrlLength = maxUrlLength;
      copy.requestLogSize = requestLogSize;
      copy.searchIndexLag = searchIndexLag;
      copy.multiStatus = multiStatus;
      copy.slowDelay = slowDelay;
      copy.stallDelay = stallDelay;
      copy.faultRates.putAll(faultRates);
      copy.customTypes.addAll(customTypes);
      customProperties.forEach((k, v) -> copy.customProperties.put(k, List.copyOf(v)));
      copy.owners.addAll(owners);
      return new HubSpotEmulator(copy);
    }
  }
}

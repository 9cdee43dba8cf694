package io.crmsync.testkit.hubspot;

import io.crmsync.internal.Checks;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.testkit.hubspot.EmulatorDispatcher.Answer;
import io.crmsync.testkit.hubspot.EmulatorStore.Obj;
import io.crmsync.testkit.hubspot.EmulatorStore.Property;
import io.crmsync.testkit.hubspot.EmulatorStore.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.MockWebServer;
import org.jspecify.annotations.Nullable;

/**
 * HubSpot's CRM v3 API, in memory, over HTTP on loopback: for tests of code that talks to HubSpot, and for
 * {@code crm-sync emulate hubspot}. Thread-safe.
 *
 * <pre>{@code
 * try (HubSpotEmulator hubspot = HubSpotEmulator.create().start()) {
 *   CRMAdapter adapter = HubSpotAdapter.create(AdapterConfig.fromMap("hubspot", hubspot.adapterSettings()));
 *   ...
 *   assertThat(hubspot.records("contacts")).hasSize(3);
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * <ul>
 *   <li>{@code GET /crm/v3/objects/{type}} with {@code limit} (at most 100), {@code after}, {@code
 *       properties} and {@code archived}; {@code GET /crm/v3/objects/{type}/{id}} with {@code idProperty};
 *       {@code POST .../batch/upsert} (by a unique {@code idProperty}, at most 100 inputs), {@code
 *       .../batch/archive} (204, missing ids ignored) and {@code .../batch/read}; {@code POST
 *       .../search} with filter groups (at most 5 of 6 filters; EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN,
 *       NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN), one sort, {@code limit} up to 200, and
 *       the cap of {@value #DEFAULT_SEARCH_RESULT_CAP} results per search (paging past it is a 400);
 *       {@code GET /crm/v3/properties/{type}}.
 *   <li>Contacts, companies and deals with HubSpot's standard properties; more properties and object
 *       types through the builder. Unknown and read-only properties, invalid emails, numbers and dates
 *       are refused as HubSpot refuses them.
 *   <li>Upserts whose inputs all carry an {@code objectWriteTraceId} answer 207 with an error per bad
 *       input (multi-status), the others 400 for the whole batch with HubSpot's "Property values were not
 *       valid" body. Results come back in shuffled order, as HubSpot does not promise input order.
 *   <li>Private-app tokens, and OAuth: {@code POST /oauth/v1/token} with a refresh token issues access
 *       tokens that expire on the emulator's clock; expired or unknown tokens get HubSpot's 401.
 *   <li>A rolling request limit, a daily one and a per-second search limit, answered with HubSpot's 429 body ({@code policyName}
 *       {@code TEN_SECONDLY_ROLLING} or {@code DAILY}) and {@code X-HubSpot-RateLimit-*} headers on every
 *       response; {@code Retry-After} optionally.
 *   <li>Seeded faults: 5xx, HTML error pages, slow responses (the emulator sleeps on its {@link
 *       TimeSource}, so a fake clock jumps instead of waiting), stalled responses (a real delay, for
 *       client timeouts), dropped connections and garbled JSON, the last two after the request was
 *       applied, as a lost response would be. {@link #injectFaults} queues specific ones.
 * </ul>
 *
 * <p>Modification times come from the emulator's {@link TimeSource}: with a fake clock a test decides
 * which records share a millisecond. {@link #searchIndexLag} hides recent changes from search, as
 * HubSpot's index does.
 */
public final class HubSpotEmulator implements AutoCloseable {
  /** HubSpot's cap on the results one search can page through. */
  public static final int DEFAULT_SEARCH_RESULT_CAP = 10_000;

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
    /** Applied, then answered with half a JSON body. */
    GARBLED_JSON,
    /** 429 as if the rolling limit were reached; nothing applied. */
    RATE_LIMITED
  }

  /** One request the emulator answered. */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault) {}

  /** A webhook request signed as HubSpot signs them (v3), to send to the code under test. */
  public record SignedWebhook(String method, String uri, String body, Map<String, String> headers) {
    public SignedWebhook {
      headers = Map.copyOf(headers);
    }
  }

  private record IssuedToken(Instant expiresAt) {}

  private final Builder config;
  private final TimeSource time;
  private final ObjectMapper json = JsonMapper.builder().build();
  private final EmulatorStore store = new EmulatorStore();
  private final EmulatorDispatcher dispatcher;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Deque<Instant> window = new ArrayDeque<>();
  private final Deque<Instant> searches = new ArrayDeque<>();
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Map<String, IssuedToken> accessTokens = new HashMap<>();
  private final Deque<RequestLog> log = new ArrayDeque<>(); // guarded by itself
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final String privateAppToken;
  private String refreshToken;
  private long dailyUsed;
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
        s.put("refreshToken", refreshToken);
      }
    } else {
      s.put("token", privateAppToken);
    }
    return s;
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
          Map<String, String> m = new LinkedHashMap<>();
          t.view(o, null).forEach((k, v) -> {
            if (v != null) {
              m.put(k, v);
            }
          });
          out.add(Collections.unmodifiableMap(m));
        }
      }
      return Collections.unmodifiableList(out);
    }
  }

  /** The live record of {@code objectType} whose unique {@code property} has {@code value}. */
  public Optional<Map<String, String>> record(String objectType, String property, String value) {
    synchronized (lock) {
      Type t = requireType(objectType);
      Obj o = t.byUnique(property, value);
      if (o == null) {
        return Optional.empty();
      }
      Map<String, String> m = new LinkedHashMap<>();
      t.view(o, null).forEach((k, v) -> {
        if (v != null) {
          m.put(k, v);
        }
      });
      return Optional.of(Collections.unmodifiableMap(m));
    }
  }

  /**
   * Stores a record directly, without a request (to seed large data sets quickly); it is modified "now" on
   * the emulator's clock. Returns its id.
   *
   * @throws IllegalArgumentException if a property is unknown, read-only or invalid
   */
  public String insert(String objectType, Map<String, String> properties) {
    synchronized (lock) {
      Type t = requireType(objectType);
      for (Map.Entry<String, String> e : properties.entrySet()) {
        String[] bad = EmulatorStore.invalid(t, e.getKey(), e.getValue());
        if (bad != null) {
          throw new IllegalArgumentException(bad[0] + ": " + bad[1]);
        }
      }
      return Long.toString(store.create(t, properties, time.now()).id);
    }
  }

  /** Updates a record directly, without a request; it is modified "now" on the emulator's clock. */
  public void update(String objectType, String id, Map<String, String> properties) {
    synchronized (lock) {
      Type t = requireType(objectType);
      Obj o = t.live(Long.parseLong(id));
      if (o == null) {
        throw new IllegalArgumentException("no live " + t.name + " record " + id);
      }
      store.update(t, o, properties, time.now());
    }
  }

  private Type requireType(String objectType) {
    Type t = store.type(objectType);
    if (t == null) {
      throw new IllegalArgumentException("unknown object type '" + objectType + "'");
    }
    return t;
  }

  /** The requests answered so far (the latest {@link Builder#requestLogSize} of them), in order of arrival. */
  public List<RequestLog> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** How many requests were answered, all told. */
  public int requestCount() {
    return requestTotal.intValue();
  }

  /** How many requests were answered with {@code status}. */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
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

  <T> T synchronizedCall(Supplier<T> call) {
    synchronized (lock) {
      return call.get();
    }
  }

  void log(Instant at, String method, String path, int status, @Nullable Fault fault) {
    requestTotal.increment();
    statusCounts.computeIfAbsent(status, k -> new LongAdder()).increment();
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

  int searchResultCap() {
    return config.searchResultCap;
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
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, random.nextInt(i + 1));
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

  /** Counts the request against the limits, or answers the 429 HubSpot would. Call under the lock. */
  @Nullable Answer admit(Instant now, boolean forced) {
    Instant from = now.minus(config.window);
    while (!window.isEmpty() && !window.peekFirst().isAfter(from)) {
      window.pollFirst();
    }
    boolean daily = config.dailyLimit > 0 && dailyUsed >= config.dailyLimit;
    boolean rolling = config.windowLimit > 0 && window.size() >= config.windowLimit;
    if (forced || daily || rolling) {
      boolean isDaily = daily && !forced;
      ObjectNode body = json.createObjectNode();
      body.put("status", "error");
      body.put("message", isDaily ? "You have reached your daily limit." : "You have reached your ten_secondly_rolling limit.");
      body.put("errorType", "RATE_LIMIT");
      body.put("correlationId", UUID.randomUUID().toString());
      body.put("policyName", isDaily ? "DAILY" : "TEN_SECONDLY_ROLLING");
      body.put("groupName", "api-calls:" + privateAppToken.hashCode());
      Map<String, String> headers = new LinkedHashMap<>(rateHeaders(now));
      if (config.retryAfterHeader) {
        Duration wait = isDaily || window.isEmpty() ? config.window : Duration.between(now, window.peekFirst().plus(config.window));
        headers.put("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
      }
      return EmulatorDispatcher.answer(429, body, headers);
    }
    window.addLast(now);
    dailyUsed++;
    return null;
  }

  /** Counts a search against the per-second search limit, or answers HubSpot's 429. Call under the lock. */
  @Nullable Answer admitSearch(Instant now) {
    if (config.searchLimit <= 0) {
      return null;
    }
    Instant from = now.minusSeconds(1);
    while (!searches.isEmpty() && !searches.peekFirst().isAfter(from)) {
      searches.pollFirst();
    }
    if (searches.size() >= config.searchLimit) {
      ObjectNode body = json.createObjectNode();
      body.put("status", "error");
      body.put("message", "You have reached your secondly limit.");
      body.put("errorType", "RATE_LIMIT");
      body.put("correlationId", UUID.randomUUID().toString());
      body.put("policyName", "SECONDLY");
      Map<String, String> headers = new LinkedHashMap<>(rateHeaders(now));
      headers.put("X-HubSpot-RateLimit-Interval-Milliseconds", "1000");
      return EmulatorDispatcher.answer(429, body, headers);
    }
    searches.addLast(now);
    return null;
  }

  Map<String, String> rateHeaders(Instant now) {
    synchronized (lock) {
      Map<String, String> h = new LinkedHashMap<>();
      if (config.windowLimit > 0) {
        h.put("X-HubSpot-RateLimit-Max", Integer.toString(config.windowLimit));
        h.put("X-HubSpot-RateLimit-Remaining", Integer.toString(Math.max(0, config.windowLimit - window.size())));
        h.put("X-HubSpot-RateLimit-Interval-Milliseconds", Long.toString(config.window.toMillis()));
      }
      if (config.dailyLimit > 0) {
        h.put("X-HubSpot-RateLimit-Daily", Long.toString(config.dailyLimit));
        h.put("X-HubSpot-RateLimit-Daily-Remaining", Long.toString(Math.max(0, config.dailyLimit - dailyUsed)));
      }
      return h;
    }
  }

  /** Null if {@code token} is valid now, else HubSpot's 401. Call under the lock. */
  @Nullable Answer checkToken(String token, Instant now) {
    if (authFailures > 0) {
      authFailures--;
      return dispatcher.error(401, "INVALID_AUTHENTICATION", "The access token used to make this call is not valid.");
    }
    if (token.equals(privateAppToken)) {
      return null;
    }
    IssuedToken issued = accessTokens.get(token);
    if (issued == null) {
      return dispatcher.error(401, "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview");
    }
    if (!issued.expiresAt().isAfter(now)) {
      long ago = Duration.between(issued.expiresAt(), now).toSeconds();
      return dispatcher.error(401, "EXPIRED_AUTHENTICATION",
          "The OAuth token used to make this call expired " + ago + " second(s) ago.");
    }
    return null;
  }

  /** The token endpoint. Call under the lock. */
  Answer issueToken(Map<String, String> form) {
    String grant = form.getOrDefault("grant_type", "");
    if (!grant.equals("refresh_token")) {
      return oauthError("UNSUPPORTED_GRANT_TYPE", "grant_type must be refresh_token");
    }
    if (config.clientId == null || !config.clientId.equals(form.get("client_id"))) {
      return oauthError("BAD_CLIENT_ID", "missing or invalid client_id");
    }
    if (!Objects.equals(config.clientSecret, form.get("client_secret"))) {
      return oauthError("BAD_CLIENT_SECRET", "missing or invalid client_secret");
    }
    if (refreshToken == null || !refreshToken.equals(form.get("refresh_token"))) {
      return oauthError("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
    }
    String access = "emu-at-" + UUID.randomUUID();
    accessTokens.put(access, new IssuedToken(time.now().plus(config.accessTokenLifetime)));
    tokensIssued++;
    ObjectNode body = json.createObjectNode();
    body.put("token_type", "bearer");
    body.put("refresh_token", refreshToken);
    body.put("access_token", access);
    body.put("expires_in", config.accessTokenLifetime.toSeconds());
    return Answer.of(200, body);
  }

  private Answer oauthError(String status, String message) {
    ObjectNode body = json.createObjectNode();
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
    private int windowLimit;
    private Duration window = Duration.ofSeconds(10);
    private long dailyLimit;
    private boolean retryAfterHeader;
    private int searchResultCap = DEFAULT_SEARCH_RESULT_CAP;
    private int searchLimit;
    private int requestLogSize = 100_000;
    private Duration searchIndexLag = Duration.ZERO;
    private boolean multiStatus = true;
    private Duration slowDelay = Duration.ofSeconds(5);
    private Duration stallDelay = Duration.ofSeconds(2);
    private final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    private final List<String> customTypes = new ArrayList<>();
    private final Map<String, List<Property>> customProperties = new LinkedHashMap<>();

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

    /** The seed of fault injection and result shuffling. */
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

    /** Enables OAuth: the token endpoint accepts this client and refresh token. */
    public Builder oauthApp(String clientId, String clientSecret, String refreshToken) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      this.refreshToken = Objects.requireNonNull(refreshToken, "refreshToken");
      return this;
    }

    /** How long issued access tokens live (HubSpot: 30 minutes). */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = Checks.positive(lifetime, "lifetime");
      return this;
    }

    /** At most {@code requests} API requests per rolling {@code window}; more get a 429. */
    public Builder rateLimit(int requests, Duration window) {
      this.windowLimit = Checks.positive(requests, "requests");
      this.window = Checks.positive(window, "window");
      return this;
    }

    /** At most {@code requests} API requests in the emulator's lifetime (its "day"). */
    public Builder dailyLimit(long requests) {
      this.dailyLimit = Checks.positive(requests, "requests");
      return this;
    }

    /** Whether 429s carry a {@code Retry-After} header (off by default). */
    public Builder retryAfterHeader(boolean send) {
      this.retryAfterHeader = send;
      return this;
    }

    /** The most results one search can page through (HubSpot: 10,000). */
    public Builder searchResultCap(int cap) {
      this.searchResultCap = Checks.positive(cap, "cap");
      return this;
    }

    /** At most {@code requests} search requests per second (HubSpot: 4); more get a 429 {@code SECONDLY}. */
    public Builder searchRateLimit(int requests) {
      this.searchLimit = Checks.positive(requests, "requests");
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
      Objects.requireNonNull(objectType, "objectType");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      String fieldType = switch (type) {
        case "number" -> "number";
        case "datetime", "date" -> "date";
        case "enumeration" -> "select";
        case "bool" -> "booleancheckbox";
        case "string" -> "text";
        default -> throw new IllegalArgumentException("type must be string, number, datetime, date, enumeration or bool: " + type);
      };
      customProperties.computeIfAbsent(objectType, k -> new ArrayList<>())
          .add(new Property(name, type, fieldType, unique, false, false));
      return this;
    }

    /** Declares a custom text property. */
    public Builder property(String objectType, String name) {
      return property(objectType, name, "string", false);
    }

    /** Declares a custom object type, reachable by {@code name}. */
    public Builder objectType(String name) {
      customTypes.add(Objects.requireNonNull(name, "name"));
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

    /** The emulator, not yet started. */
    public HubSpotEmulator build() {
      Builder copy = new Builder();
      copy.port = port;
      copy.time = time;
      copy.seed = seed;
      copy.privateAppToken = privateAppToken;
      copy.clientId = clientId;
      copy.clientSecret = clientSecret;
      copy.refreshToken = refreshToken;
      copy.accessTokenLifetime = accessTokenLifetime;
      copy.windowLimit = windowLimit;
      copy.window = window;
      copy.dailyLimit = dailyLimit;
      copy.retryAfterHeader = retryAfterHeader;
      copy.searchResultCap = searchResultCap;
      copy.searchLimit = searchLimit;
      copy.requestLogSize = requestLogSize;
      copy.searchIndexLag = searchIndexLag;
      copy.multiStatus = multiStatus;
      copy.slowDelay = slowDelay;
      copy.stallDelay = stallDelay;
      copy.faultRates.putAll(faultRates);
      copy.customTypes.addAll(customTypes);
      customProperties.forEach((k, v) -> copy.customProperties.put(k, List.copyOf(v)));
      return new HubSpotEmulator(copy);
    }
  }
}

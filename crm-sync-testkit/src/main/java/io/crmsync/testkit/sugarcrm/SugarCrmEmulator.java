package io.crmsync.testkit.sugarcrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import io.crmsync.testkit.sugarcrm.SugarStore.Module;
import io.crmsync.testkit.sugarcrm.SugarStore.Rec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import mockwebserver3.MockWebServer;
import org.jspecify.annotations.Nullable;

/**
 * SugarCRM's REST API (v10 and v11), in memory, over HTTP on loopback: for tests of code that talks to
 * SugarCRM, and for {@code crm-sync emulate sugarcrm}. Thread-safe.
 *
 * <pre>{@code
 * try (SugarCrmEmulator sugar = SugarCrmEmulator.builder().customField("Contacts", "tier_c").build().start()) {
 *   CRMAdapter adapter = SugarCrmAdapter.create(AdapterConfig.fromMap("sugarcrm", sugar.adapterSettings()));
 *   ...
 *   assertThat(sugar.records("Contacts")).hasSize(3);
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * Each rule cites the vendor page it was built from; the reference is SugarCRM's Developer Guide, Integration
 * &gt; Web Services &gt; REST API (support.sugarcrm.com), and the in-product help of the same endpoints.
 *
 * <ul>
 *   <li>{@code /rest/<version>/...} for versions {@code v10} to the configured maximum ({@code v11_20} by default);
 *       others get 301 {@code incorrect_version}. The {@code sync_key} endpoints exist from {@code v11_10}.
 *   <li>{@code POST /oauth2/token}: the {@code password} grant (client {@code sugar}, empty secret, a
 *       {@code platform} that must be registered) and the {@code refresh_token} grant, which rotates the refresh
 *       token. Sugar allows one session per user and platform: a new login on the same platform invalidates the
 *       previous login's tokens ({@link #loginElsewhere}). Access tokens expire after {@code expires_in}
 *       (3600 s) on the emulator's clock; refresh tokens after {@code refresh_expires_in} (14 days).
 *   <li>{@code POST /<module>/filter} with {@code filter}, {@code fields}, {@code order_by}, {@code max_num}
 *       (default 20, capped silently by the instance's {@code max_list_limit}), {@code offset}, {@code deleted}
 *       and {@code next_offset} (-1 on the last page); unknown fields and operators are refused with 422.
 *   <li>{@code POST /<module>}, {@code GET|PUT|DELETE /<module>/<id>}, {@code PATCH /<module>/sync_key/<value>}
 *       (201 created, 200 updated), {@code POST /bulk} (sub-requests run in order, one result each),
 *       {@code GET /metadata?type_filter=modules&module_filter=<module>} and {@code GET /<module>/enum/<field>}.
 *       Fields a module does not define are ignored on writes, as Sugar ignores them; invalid email addresses
 *       are refused with 422.
 *   <li>Errors as Sugar sends them: {@code {"error": "<label>", "error_message": "<text>"}}.
 *   <li>Seeded faults: 500, 503, HTML error pages, slow and stalled answers, dropped connections and truncated
 *       bodies (the last two after the request was applied); and, where configured, a request limit answered
 *       with 429 and {@code Retry-After}. SugarCRM publishes no request quota for its REST API; the 429's body
 *       follows the shape of every other Sugar error, with the label {@code too_many_requests}.
 * </ul>
 */
public final class SugarCrmEmulator implements AutoCloseable {
  /** The highest REST API version the emulator answers by default. */
  public static final String DEFAULT_MAX_VERSION = "11_20";

  /** A fault the emulator can answer a request with. */
  public enum Fault {
    /** 500 with {@code fatal_error}; nothing applied. */
    SERVER_ERROR,
    /** 503 with {@code service_unavailable}; nothing applied. */
    SERVICE_UNAVAILABLE,
    /** 502 with a proxy's HTML page; nothing applied. */
    HTML_ERROR_PAGE,
    /** The answer comes after sleeping on the emulator's clock. */
    SLOW_RESPONSE,
    /** The answer's headers come after a real delay, for client timeouts. */
    STALLED,
    /** Applied, then the connection is closed before the response. */
    DROPPED_CONNECTION,
    /** Applied, then answered with half the JSON body. */
    TRUNCATED_BODY,
    /** 429 as if the request limit were reached; nothing applied. */
    RATE_LIMITED
  }

  /** One HTTP request the emulator answered (a {@code /bulk} call is one request). */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault) {}

  record Session(String user, String platform, String clientId, Instant expiresAt, String refreshToken) {}

  record Refresh(String user, String platform, String clientId, Instant expiresAt) {}

  private final Builder config;
  private final TimeSource time;
  private final ObjectMapper json = JsonMapper.builder().build();
  private final SugarStore store;
  private final SugarDispatcher dispatcher;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Deque<Instant> window = new ArrayDeque<>();
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Map<String, Session> sessions = new HashMap<>();
  private final Map<String, Refresh> refreshTokens = new HashMap<>();
  private final Deque<RequestLog> log = new ArrayDeque<>(); // guarded by itself
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder faults = new LongAdder();
  private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
  private long tokensIssued;
  private long passwordLogins;
  private int authFailures;
  private boolean started;

  private SugarCrmEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    this.store = new SugarStore(json, b.seed);
    for (String m : b.modules) {
      store.defineModule(m);
    }
    for (String[] f : b.customFields) {
      store.defineCustomField(f[0], f[1], f[2], f.length > 3 ? List.of(f).subList(3, f.length) : List.of());
    }
    this.dispatcher = new SugarDispatcher(this, store, json);
    server.setDispatcher(dispatcher);
    server.setServerSocketFactory(new NoDelayServerSockets());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** An emulator with the defaults (a free port, no limits, no faults), not yet started. */
  public static SugarCrmEmulator create() {
    return builder().build();
  }

  /**
   * Starts listening on loopback.
   *
   * @throws IllegalStateException if it was started before
   * @throws UncheckedIOException if the port cannot be bound
   */
  public SugarCrmEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator was already started");
      }
      started = true;
    }
    try {
      server.start(InetAddress.getLoopbackAddress(), config.port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the SugarCRM emulator on port " + config.port, e);
    }
    return this;
  }

  /** The instance URL to point an adapter at, such as {@code http://127.0.0.1:54321}. */
  public URI url() {
    String u = server.url("/").toString();
    return URI.create(u.substring(0, u.length() - 1));
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Settings for the SugarCRM adapter ({@code AdapterConfig.fromMap("sugarcrm", settings)}): the instance URL,
   * the user, its password and a registered platform.
   */
  public Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("baseUrl", url().toString());
    s.put("username", config.username);
    s.put("password", config.password);
    s.put("platform", config.platforms.contains("crmsync") ? "crmsync" : config.platforms.iterator().next());
    if (!config.clientId.equals("sugar")) {
      s.put("clientId", config.clientId);
    }
    if (!config.clientSecret.isEmpty()) {
      s.put("clientSecret", config.clientSecret);
    }
    return s;
  }

  @Override
  public void close() {
    server.close();
  }

  // --------------------------------------------------------------------------------------- inspection

  /** The live records of {@code module}, as the API formats them (every field). */
  public List<Map<String, Object>> records(String module) {
    return snapshot(module, false);
  }

  /** The deleted records of {@code module} (Sugar keeps them, flagged {@code deleted}, until pruned). */
  public List<Map<String, Object>> deletedRecords(String module) {
    return snapshot(module, true);
  }

  private List<Map<String, Object>> snapshot(String module, boolean deleted) {
    synchronized (lock) {
      Module m = requireModule(module);
      List<Map<String, Object>> out = new ArrayList<>();
      for (Rec r : m.records.values()) {
        if (r.deleted == deleted) {
          out.add(toMap(m, r));
        }
      }
      return Collections.unmodifiableList(out);
    }
  }

  /** The record of {@code module} with this id, deleted or not. */
  public Optional<Map<String, Object>> record(String module, String id) {
    synchronized (lock) {
      Module m = requireModule(module);
      Rec r = m.records.get(id);
      return r == null ? Optional.empty() : Optional.of(toMap(m, r));
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> toMap(Module m, Rec r) {
    return Collections.unmodifiableMap(json.convertValue(store.format(m, r, null, config.zone), LinkedHashMap.class));
  }

  /**
   * Stores a record directly, without a request (to seed large data sets quickly), modified "now" on the
   * emulator's clock; {@code email} may be a text (one primary address). Returns its id.
   *
   * @throws IllegalArgumentException if the module is unknown or a value is invalid
   */
  public String insert(String module, Map<String, Object> fields) {
    synchronized (lock) {
      Module m = requireModule(module);
      try {
        return store.create(m, body(fields), time.now()).id;
      } catch (SugarStore.SugarError e) {
        throw new IllegalArgumentException(e.label + ": " + e.getMessage(), e);
      }
    }
  }

  /** Updates a live record directly, without a request; it is modified "now" on the emulator's clock. */
  public void update(String module, String id, Map<String, Object> fields) {
    synchronized (lock) {
      Module m = requireModule(module);
      Rec r = m.live(id);
      if (r == null) {
        throw new IllegalArgumentException("no live " + module + " record " + id);
      }
      store.apply(m, r, body(fields), time.now());
    }
  }

  /** Marks a record deleted directly, as deleting it in Sugar's UI would. */
  public void delete(String module, String id) {
    synchronized (lock) {
      Module m = requireModule(module);
      Rec r = m.live(id);
      if (r == null) {
        throw new IllegalArgumentException("no live " + module + " record " + id);
      }
      r.deleted = true;
      r.modified = time.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
  }

  private JsonNode body(Map<String, Object> fields) {
    Map<String, Object> copy = new LinkedHashMap<>(fields);
    Object email = copy.get("email");
    if (email instanceof String s) {
      copy.put("email", List.of(Map.of("email_address", s, "primary_address", true)));
    }
    return json.valueToTree(copy);
  }

  private Module requireModule(String module) {
    Module m = store.module(module);
    if (m == null) {
      throw new IllegalArgumentException("unknown module '" + module + "'");
    }
    return m;
  }

  /** The requests answered so far (the latest {@link Builder#requestLogSize} of them), in order of arrival. */
  public List<RequestLog> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** How many HTTP requests were answered, all told. */
  public int requestCount() {
    return requestTotal.intValue();
  }

  /** How many HTTP requests were answered with {@code status}. */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
  }

  /**
   * How many requests (and {@code /bulk} sub-requests) the emulator refused as the real API would, with a 4xx
   * other than a 429: bad versions, unknown fields in filters, invalid values, expired or displaced tokens,
   * missing records. Injected faults and 429s are counted apart.
   */
  public long refusedCount() {
    return refused.sum();
  }

  /** What was refused, as {@code "<status> <error> <method> <path>"}, in order. */
  public List<String> refusals() {
    synchronized (refusals) {
      return List.copyOf(refusals);
    }
  }

  /** How many requests were answered with an injected fault. */
  public long faultCount() {
    return faults.sum();
  }

  /** How many tokens the token endpoint issued (password and refresh grants). */
  public long tokensIssued() {
    synchronized (lock) {
      return tokensIssued;
    }
  }

  /** How many password grants succeeded. */
  public long passwordLogins() {
    synchronized (lock) {
      return passwordLogins;
    }
  }

  /** The most API requests (not token requests) that arrived within any {@code window}. */
  public int maxRequestsInAnyWindow(Duration window) {
    List<Instant> times = new ArrayList<>();
    for (RequestLog r : requests()) {
      if (!r.path().contains("/oauth2/")) {
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

  /** Answers the next {@code requests} API requests with 401 {@code invalid_grant} whatever their token. */
  public void failAuthentication(int requests) {
    Checks.notNegative(requests, "requests");
    synchronized (lock) {
      authFailures = requests;
    }
  }

  /**
   * {@code user} logs in on {@code platform} somewhere else: Sugar keeps one session per user and platform,
   * so the session the code under test holds (its access and refresh tokens) stops working. See "How
   * platform parameter works in Sugar v10 REST API" (sugarclub.sugarcrm.com, dev blog) and the Developer
   * Guide's "How to Authenticate and Log Out".
   */
  public void loginElsewhere(String user, String platform) {
    synchronized (lock) {
      endSessions(user, platform);
    }
  }

  /** Makes every access token issued so far expire now, as if {@code expires_in} had passed. */
  public void expireAccessTokens() {
    synchronized (lock) {
      Instant now = time.now();
      sessions.replaceAll((k, s) -> new Session(s.user(), s.platform(), s.clientId(), now, s.refreshToken()));
    }
  }

  @Override
  public String toString() {
    return "SugarCrmEmulator[" + (started ? url() : "not started") + "]";
  }

  // ---------------------------------------------------------------------------- for the dispatcher

  TimeSource time() {
    return time;
  }

  Builder config() {
    return config;
  }

  <T> T synchronizedCall(Supplier<T> call) {
    synchronized (lock) {
      return call.get();
    }
  }

  void log(Instant at, String method, String path, int status, @Nullable Fault fault) {
    requestTotal.increment();
    statusCounts.computeIfAbsent(status, k -> new LongAdder()).increment();
    if (fault != null) {
      faults.increment();
    }
    synchronized (log) {
      if (log.size() == config.requestLogSize) {
        log.pollFirst();
      }
      log.addLast(new RequestLog(at, method, path, status, fault));
    }
    try {
      server.takeRequest(0, java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void refusedOne(int status, String label, String method, String path) {
    refused.increment();
    synchronized (refusals) {
      if (refusals.size() < 10_000) {
        refusals.add(status + " " + label + " " + method + " " + path);
      }
    }
  }

  @Nullable Fault nextFault() {
    synchronized (lock) {
      Fault f = injected.poll();
      if (f != null) {
        return f;
      }
      if (config.faultRates.isEmpty()) {
        return null;
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

  /** The wait before another request is admitted, or null if this one is admitted now. Call under the lock. */
  @Nullable Duration admit(Instant now) {
    if (config.windowLimit <= 0) {
      return null;
    }
    Instant from = now.minus(config.window);
    while (!window.isEmpty() && !window.peekFirst().isAfter(from)) {
      window.pollFirst();
    }
    if (window.size() >= config.windowLimit) {
      return Duration.between(now, window.peekFirst().plus(config.window));
    }
    window.addLast(now);
    return null;
  }

  /**
   * The session behind {@code token}, or why there is none: {@code need_login} without a token,
   * {@code invalid_grant} for an unknown, displaced or expired one. Call under the lock.
   */
  Object session(@Nullable String token, Instant now) {
    if (authFailures > 0) {
      authFailures--;
      return new SugarStore.SugarError(401, "invalid_grant", "The access token provided is invalid.");
    }
    if (token == null || token.isBlank()) {
      // ServiceBase::needLogin
      return new SugarStore.SugarError(401, "need_login", "No valid authentication for user.");
    }
    Session s = sessions.get(token);
    if (s == null) {
      return new SugarStore.SugarError(401, "invalid_grant", "The access token provided is invalid.");
    }
    if (!s.expiresAt().isAfter(now)) {
      return new SugarStore.SugarError(401, "invalid_grant", "The access token provided has expired.");
    }
    return s;
  }

  boolean isAdmin() {
    return config.admin;
  }

  private void endSessions(String user, String platform) {
    for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
      Session s = it.next().getValue();
      if (s.user().equals(user) && s.platform().equals(platform)) {
        refreshTokens.remove(s.refreshToken());
        it.remove();
      }
    }
    refreshTokens.values().removeIf(r -> r.user().equals(user) && r.platform().equals(platform));
  }

  /**
   * {@code POST /oauth2/token}, after
   * https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_10.3/Integration/Web_Services/REST_API/Endpoints/oauth2token_POST/
   * : returns the token response, or throws the error Sugar answers. Call under the lock.
   */
  JsonNode token(JsonNode in) {
    String grant = in.path("grant_type").asText("");
    String clientId = in.path("client_id").asText("");
    String clientSecret = in.path("client_secret").asText("");
    String platform = in.path("platform").asText("base");
    if (grant.isEmpty()) {
      throw new SugarStore.SugarError(400, "invalid_request", "Invalid grant_type parameter or parameter missing");
    }
    if (clientId.isEmpty()) {
      throw new SugarStore.SugarError(400, "invalid_client", "Client id was not found in the headers or body");
    }
    if (!clientId.equals(config.clientId) || !clientSecret.equals(config.clientSecret)) {
      throw new SugarStore.SugarError(400, "invalid_client", "The client credentials are invalid");
    }
    // Sugar 7.9+: platforms must be registered (Platforms extension) while disable_unknown_platforms is set;
    // https://support.sugarcrm.com/documentation/sugar_developer/sugar_developer_guide_14.0/architecture/extensions/platforms/
    if (!config.allowUnknownPlatforms && !config.platforms.contains(platform)) {
      throw new SugarStore.SugarError(422, "invalid_parameter", "The platform " + platform
          + " is not registered; register it with the Platforms extension");
    }
    Instant now = time.now();
    String user;
    switch (grant) {
      case "password" -> {
        String username = in.path("username").asText("");
        String password = in.path("password").asText("");
        if (username.isEmpty() || password.isEmpty()) {
          throw new SugarStore.SugarError(400, "invalid_request", "Missing parameters. \"username\" and \"password\" required");
        }
        if (!username.equals(config.username) || !password.equals(config.password)) {
          throw new SugarStore.SugarError(401, "need_login", "You must specify a valid username and password.");
        }
        user = username;
        // one session per user and platform: this login ends the previous one
        endSessions(user, platform);
        passwordLogins++;
      }
      case "refresh_token" -> {
        String token = in.path("refresh_token").asText("");
        if (token.isEmpty()) {
          throw new SugarStore.SugarError(400, "invalid_request", "No \"refresh_token\" parameter found");
        }
        Refresh r = refreshTokens.get(token);
        if (r == null || !r.clientId().equals(clientId)) {
          throw new SugarStore.SugarError(400, "invalid_grant", "Invalid refresh token");
        }
        if (!r.expiresAt().isAfter(now)) {
          throw new SugarStore.SugarError(400, "invalid_grant", "Refresh token has expired");
        }
        user = r.user();
        platform = r.platform();
        // the new refresh token replaces the old one, and with it the session
        endSessions(user, platform);
      }
      default -> throw new SugarStore.SugarError(400, "unsupported_grant_type", "");
    }
    String access = store.newId();
    String refresh = store.newId();
    sessions.put(access, new Session(user, platform, clientId, now.plus(config.accessTokenLifetime), refresh));
    refreshTokens.put(refresh, new Refresh(user, platform, clientId, now.plus(config.refreshTokenLifetime)));
    tokensIssued++;
    var out = json.createObjectNode();
    out.put("access_token", access);
    out.put("expires_in", config.accessTokenLifetime.toSeconds());
    out.put("token_type", "bearer");
    out.putNull("scope");
    out.put("refresh_token", refresh);
    out.put("refresh_expires_in", config.refreshTokenLifetime.toSeconds());
    out.put("download_token", store.newId());
    return out;
  }

  void logout(String token) {
    Session s = sessions.remove(token);
    if (s != null) {
      refreshTokens.remove(s.refreshToken());
    }
  }

  /** Configures a {@link SugarCrmEmulator}. Not thread-safe. */
  public static final class Builder {
    int port;
    TimeSource time = TimeSource.system();
    long seed = 42;
    String username = "admin";
    String password = "emulator-password";
    boolean admin = true;
    String clientId = "sugar";
    String clientSecret = "";
    final Set<String> platforms = new LinkedHashSet<>(List.of("base", "mobile", "portal", "crmsync"));
    boolean allowUnknownPlatforms;
    Duration accessTokenLifetime = Duration.ofHours(1);
    Duration refreshTokenLifetime = Duration.ofDays(14);
    String maxVersion = DEFAULT_MAX_VERSION;
    int maxListLimit;
    ZoneId zone = ZoneOffset.UTC;
    int windowLimit;
    Duration window = Duration.ofSeconds(1);
    boolean retryAfterHeader = true;
    int requestLogSize = 100_000;
    Duration slowDelay = Duration.ofSeconds(5);
    Duration stallDelay = Duration.ofSeconds(2);
    final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    final List<String> modules = new ArrayList<>();
    final List<String[]> customFields = new ArrayList<>();

    Builder() {}

    /** The port on loopback; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** The clock for modification times, token expiry and the request window, and what slow answers sleep on. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where the random choices of ids and fault injection start; the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The user the password grant accepts ({@code admin} / {@code emulator-password} by default). */
    public Builder user(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** Whether the user is an administrator (the default); the {@code sync_key} upserts are for admins only. */
    public Builder admin(boolean admin) {
      this.admin = admin;
      return this;
    }

    /** The OAuth client the token endpoint accepts; {@code sugar} with an empty secret by default. */
    public Builder client(String clientId, String clientSecret) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      return this;
    }

    /** Registers a platform ({@code base}, {@code mobile}, {@code portal} and {@code crmsync} are). */
    public Builder platform(String platform) {
      platforms.add(Objects.requireNonNull(platform, "platform"));
      return this;
    }

    /** Accepts unregistered platforms, as an instance with {@code disable_unknown_platforms = false} does. */
    public Builder allowUnknownPlatforms(boolean allow) {
      this.allowUnknownPlatforms = allow;
      return this;
    }

    /** How long access tokens live ({@code expires_in}; Sugar: 3600 s). */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = Checks.positive(lifetime, "lifetime");
      return this;
    }

    /** How long refresh tokens live ({@code refresh_expires_in}; Sugar: 14 days). */
    public Builder refreshTokenLifetime(Duration lifetime) {
      this.refreshTokenLifetime = Checks.positive(lifetime, "lifetime");
      return this;
    }

    /** The highest API version answered, such as {@code 11_20} or {@code 11_1} (an 8.x instance). */
    public Builder maxVersion(String version) {
      SugarDispatcher.parseVersion(Objects.requireNonNull(version, "version"));
      this.maxVersion = version;
      return this;
    }

    /** The instance's {@code max_list_limit}: larger {@code max_num} values are capped to it; 0 (default) for none. */
    public Builder maxListLimit(int limit) {
      this.maxListLimit = Checks.notNegative(limit, "limit");
      return this;
    }

    /** The user's time zone, in which datetimes are formatted (UTC by default). */
    public Builder userTimeZone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** At most {@code requests} API requests per rolling {@code window}; more get a 429. */
    public Builder rateLimit(int requests, Duration window) {
      this.windowLimit = Checks.positive(requests, "requests");
      this.window = Checks.positive(window, "window");
      return this;
    }

    /** Whether 429s carry {@code Retry-After} (the default). */
    public Builder retryAfterHeader(boolean send) {
      this.retryAfterHeader = send;
      return this;
    }

    /** How many of the latest requests {@link #requests()} keeps (100,000 by default). */
    public Builder requestLogSize(int size) {
      this.requestLogSize = Checks.positive(size, "size");
      return this;
    }

    /** A custom module (its name as Sugar's module key, such as {@code cust_Vehicles}). */
    public Builder module(String name) {
      modules.add(Objects.requireNonNull(name, "name"));
      return this;
    }

    /** A custom text field of {@code module}; its name ends in {@code _c}. */
    public Builder customField(String module, String name) {
      return customField(module, name, "varchar");
    }

    /** A custom field of {@code module} of a Sugar type ({@code varchar}, {@code int}, {@code bool}, ...). */
    public Builder customField(String module, String name, String type, String... options) {
      Objects.requireNonNull(module, "module");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      if (!name.endsWith("_c")) {
        throw new IllegalArgumentException("Sugar's custom field names end in _c: " + name);
      }
      String[] def = new String[3 + options.length];
      def[0] = module;
      def[1] = name;
      def[2] = type;
      System.arraycopy(options, 0, def, 3, options.length);
      customFields.add(def);
      return this;
    }

    public Builder serverErrorRate(double rate) {
      return fault(Fault.SERVER_ERROR, rate);
    }

    public Builder serviceUnavailableRate(double rate) {
      return fault(Fault.SERVICE_UNAVAILABLE, rate);
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

    /** A share of answers come after sleeping {@code delay} on the emulator's clock. */
    public Builder slowResponses(double rate, Duration delay) {
      this.slowDelay = Checks.positive(delay, "delay");
      return fault(Fault.SLOW_RESPONSE, rate);
    }

    /** A share of answers send their headers after a real {@code delay}, for client timeouts. */
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
    public SugarCrmEmulator build() {
      Builder c = new Builder();
      c.port = port;
      c.time = time;
      c.seed = seed;
      c.username = username;
      c.password = password;
      c.admin = admin;
      c.clientId = clientId;
      c.clientSecret = clientSecret;
      c.platforms.addAll(platforms);
      c.allowUnknownPlatforms = allowUnknownPlatforms;
      c.accessTokenLifetime = accessTokenLifetime;
      c.refreshTokenLifetime = refreshTokenLifetime;
      c.maxVersion = maxVersion;
      c.maxListLimit = maxListLimit;
      c.zone = zone;
      c.windowLimit = windowLimit;
      c.window = window;
      c.retryAfterHeader = retryAfterHeader;
      c.requestLogSize = requestLogSize;
      c.slowDelay = slowDelay;
      c.stallDelay = stallDelay;
      c.faultRates.putAll(faultRates);
      c.modules.addAll(modules);
      c.customFields.addAll(customFields);
      return new SugarCrmEmulator(c);
    }
  }
}

package io.crmsync.testkit.zoho;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import io.crmsync.testkit.zoho.ZohoSchema.Field;
import io.crmsync.testkit.zoho.ZohoSchema.Module;
import io.crmsync.testkit.zoho.ZohoStore.Rec;
import io.crmsync.testkit.zoho.ZohoStore.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import mockwebserver3.MockWebServer;
import org.jspecify.annotations.Nullable;

/**
 * Zoho CRM's REST API (v8, and v7 paths alike) and its accounts server, in memory, over HTTP on loopback: for
 * tests of code that talks to Zoho CRM, and for {@code crm-sync emulate zoho}. Thread-safe.
 *
 * <pre>{@code
 * try (ZohoEmulator zoho = ZohoEmulator.create().start()) {
 *   CRMAdapter adapter = ZohoAdapter.create(AdapterConfig.fromMap("zoho", zoho.adapterSettings()));
 *   ...
 *   assertThat(zoho.records("Contacts")).hasSize(3);
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * <ul>
 *   <li>Two servers, as Zoho has: the accounts server ({@code POST /oauth/v2/token} with a refresh token) and
 *       the API domain the token response names in {@code api_domain}. Access tokens expire on the emulator's
 *       clock; the token endpoint answers failures with HTTP 200 and {@code {"error":"invalid_code"}}, as Zoho's
 *       does, and refuses more than 10 access tokens per refresh token in 10 minutes.
 *   <li>{@code POST /crm/v8/{module}/upsert} (at most 100 records, {@code duplicate_check_fields}, per-record
 *       results in input order, HTTP 200, 207 or 400), {@code DELETE /crm/v8/{module}?ids=} (at most 100),
 *       {@code GET /crm/v8/{module}} (fields required, at most 50; 200 per page; {@code page} up to 2,000
 *       records, then {@code page_token} up to 100,000), {@code GET /crm/v8/{module}/deleted} with {@code
 *       If-Modified-Since}, {@code POST /crm/v8/coql} (see {@link Coql}) and {@code GET
 *       /crm/v8/settings/fields?module=}.
 *   <li>Contacts, Accounts, Deals and Leads with Zoho's API names, lengths and system-defined duplicate check
 *       fields; more fields and custom modules through the builder. Values are checked by data type and length
 *       and refused with {@code INVALID_DATA}, {@code MANDATORY_NOT_FOUND} or {@code DUPLICATE_DATA} naming the
 *       field, as Zoho refuses them.
 *   <li>API credits over a rolling window (1 per call; 1 per 10 records written; COQL 1 to 3 by {@code
 *       limit}), the concurrency limit, both answered with HTTP 429 {@code TOO_MANY_REQUESTS}, and {@code
 *       X-API-CREDITS-REMAINING} once half the credits are used; OAuth scopes ({@code OAUTH_SCOPE_MISMATCH}).
 *   <li>Seeded faults: 5xx, HTML error pages, slow answers (sleeping on the {@link TimeSource}), stalled ones
 *       (a real delay), dropped connections, garbled and truncated bodies, the last three after the request
 *       was applied, as a lost response would be; {@link #injectFaults} queues specific ones.
 * </ul>
 *
 * <p>It counts what it refused ({@link #refusedCount()}: 4xx answers and token endpoint errors), what it
 * rate-limited ({@link #rateLimitedCount()}) and the faults it injected ({@link #faultCount()}), so tests can
 * assert that a well-behaved client saw none.
 */
public final class ZohoEmulator implements AutoCloseable {

  /** A fault the emulator can answer an API request with. */
  public enum Fault {
    /** 500 with Zoho's {@code INTERNAL_ERROR} body; nothing applied. */
    SERVER_ERROR,
    /** 502 with a proxy's HTML page; nothing applied. */
    HTML_ERROR_PAGE,
    /** The answer comes after {@link Builder#slowResponses sleeping} on the emulator's clock. */
    SLOW_RESPONSE,
    /** The answer's headers come after a real {@link Builder#stalledResponses delay}. */
    STALLED,
    /** Applied, then the connection is closed before the response. */
    DROPPED_CONNECTION,
    /** Applied, then answered with half a JSON body and junk. */
    GARBLED_JSON,
    /** Applied, then the body stops halfway and the connection closes. */
    TRUNCATED_BODY,
    /** 429 as if the concurrency limit were reached; nothing applied. */
    CONCURRENCY_LIMITED
  }

  /**
   * One request the emulator answered.
   *
   * @param code Zoho's error code when it answered with one (a top-level {@code code}, the first per-record
   *     error, or the token endpoint's {@code error}), else null
   */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault, @Nullable String code) {}

  private record IssuedToken(Instant expiresAt, Set<String> scopes) {}

  private final Builder config;
  private final TimeSource time;
  private final ObjectMapper json = JsonMapper.builder().build();
  private final ZohoStore store;
  private final MockWebServer api = new MockWebServer();
  private final MockWebServer accounts = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Map<String, IssuedToken> accessTokens = new HashMap<>();
  private final Deque<Instant> tokenGrants = new ArrayDeque<>();
  private final Deque<long[]> creditLog = new ArrayDeque<>(); // {epochMilli, credits}
  private long creditsInWindow;
  private final Deque<RequestLog> log = new ArrayDeque<>(); // guarded by itself
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder rateLimited = new LongAdder();
  private final LongAdder faults = new LongAdder();
  private final LongAdder creditsUsed = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private int authFailures;
  private long tokensIssued;
  private boolean started;

  private ZohoEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    Map<String, Module> modules = ZohoSchema.standardModules();
    for (String m : b.customModules) {
      if (modules.containsKey(m)) {
        throw new IllegalArgumentException("module " + m + " exists already");
      }
      modules.put(m, ZohoSchema.customModule(m));
    }
    for (Map.Entry<String, List<Field>> e : b.customFields.entrySet()) {
      Module m = modules.get(e.getKey());
      if (m == null) {
        throw new IllegalArgumentException("unknown module '" + e.getKey() + "'; declare custom modules with module(name)");
      }
      for (Field f : e.getValue()) {
        m.add(f);
      }
    }
    this.store = new ZohoStore(json, b.zone, modules, b.users);
    ZohoDispatcher dispatcher = new ZohoDispatcher(this, store, json);
    api.setDispatcher(dispatcher.api());
    api.setServerSocketFactory(new NoDelayServerSockets());
    accounts.setDispatcher(dispatcher.accounts());
    accounts.setServerSocketFactory(new NoDelayServerSockets());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** An emulator with the defaults (free ports, no limits, no faults, a generated client), not yet started. */
  public static ZohoEmulator create() {
    return builder().build();
  }

  /**
   * Starts listening on loopback: the API domain and the accounts server.
   *
   * @throws IllegalStateException if it was started before
   * @throws UncheckedIOException if a port cannot be bound
   */
  public ZohoEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator was already started");
      }
      started = true;
    }
    try {
      api.start(InetAddress.getLoopbackAddress(), config.port);
      accounts.start(InetAddress.getLoopbackAddress(), config.accountsPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Zoho CRM emulator on port " + config.port, e);
    }
    return this;
  }

  /** The API domain, such as {@code http://127.0.0.1:54321}, which token responses name in {@code api_domain}. */
  public URI apiUrl() {
    return base(api);
  }

  /** The accounts server, where {@code /oauth/v2/token} is. */
  public URI accountsUrl() {
    return base(accounts);
  }

  private static URI base(MockWebServer server) {
    String u = server.url("/").toString();
    return URI.create(u.substring(0, u.length() - 1));
  }

  public String clientId() {
    return config.clientId;
  }

  public String clientSecret() {
    return config.clientSecret;
  }

  public String refreshToken() {
    return config.refreshToken;
  }

  /**
   * Settings for the Zoho adapter ({@code AdapterConfig.fromMap("zoho", settings)}): the accounts URL and the
   * client's id, secret and refresh token. The API domain comes from the token response, as with Zoho.
   */
  public Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("accountsUrl", accountsUrl().toString());
    s.put("clientId", config.clientId);
    s.put("clientSecret", config.clientSecret);
    s.put("refreshToken", config.refreshToken);
    return s;
  }

  @Override
  public void close() {
    api.close();
    accounts.close();
  }

  // --------------------------------------------------------------------------------------------- inspection

  /** The live records of {@code module} ({@code Contacts}, ...) as the Records API shows them, in id order. */
  public List<Map<String, Object>> records(String module) {
    synchronized (lock) {
      Table t = requireTable(module);
      List<Map<String, Object>> out = new ArrayList<>();
      for (Rec r : t.live.values()) {
        out.add(toMap(store.snapshot(t, r)));
      }
      return Collections.unmodifiableList(out);
    }
  }

  /** The live record of {@code module} whose {@code field} equals {@code value} (text ignoring case). */
  public Optional<Map<String, Object>> record(String module, String field, String value) {
    synchronized (lock) {
      Table t = requireTable(module);
      for (Rec r : t.live.values()) {
        JsonNode v = r.values.get(field);
        if (v != null && v.isValueNode() && v.asText().equalsIgnoreCase(value)) {
          return Optional.of(toMap(store.snapshot(t, r)));
        }
      }
      return Optional.empty();
    }
  }

  /** The ids of {@code module}'s records in the recycle bin. */
  public List<String> deletedIds(String module) {
    synchronized (lock) {
      List<String> out = new ArrayList<>();
      requireTable(module).deleted.keySet().forEach(id -> out.add(Long.toString(id)));
      return Collections.unmodifiableList(out);
    }
  }

  private Map<String, Object> toMap(ObjectNode node) {
    return Collections.unmodifiableMap(json.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() {}));
  }

  /**
   * Stores a record directly, without a request and without using credits (to seed data sets quickly); it is
   * created "now" on the emulator's clock. Values are checked as an insert checks them. Returns its id.
   *
   * @throws IllegalArgumentException if a field is unknown or read-only, a value is invalid, a mandatory field is
   *     missing or a unique value is taken
   */
  public String insert(String module, Map<String, ?> values) {
    synchronized (lock) {
      Table t = requireTable(module);
      ObjectNode input = json.valueToTree(values);
      checkKnown(t, values.keySet());
      ZohoStore.Outcome o = store.upsert(t, input, 0, List.of(), true, time.now());
      if (!o.success()) {
        throw new IllegalArgumentException("cannot insert into " + t.module.apiName + ": " + o.result());
      }
      return o.result().path("details").path("id").asText();
    }
  }

  /** Updates a record directly, without a request; it is modified "now" on the emulator's clock. */
  public void update(String module, String id, Map<String, ?> values) {
    synchronized (lock) {
      Table t = requireTable(module);
      Rec r = t.live.get(Long.parseLong(id));
      if (r == null) {
        throw new IllegalArgumentException("no live " + t.module.apiName + " record " + id);
      }
      checkKnown(t, values.keySet());
      ObjectNode input = json.valueToTree(values);
      for (Map.Entry<String, ?> e : values.entrySet()) {
        Field f = Objects.requireNonNull(t.module.field(e.getKey()));
        ZohoStore.Checked c = store.check(f, input.get(e.getKey()), "$." + e.getKey());
        if (c.error() != null) {
          throw new IllegalArgumentException("cannot update " + id + ": " + c.error());
        }
      }
      t.unindex(r);
      input.properties().forEach(e -> r.values.set(e.getKey(), store.check(
          Objects.requireNonNull(t.module.field(e.getKey())), e.getValue(), "$").value()));
      t.reindex(r);
      r.modified = time.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
  }

  /** Deletes a record directly into the recycle bin, without a request. */
  public void delete(String module, String id) {
    synchronized (lock) {
      ZohoStore.Outcome o = store.delete(requireTable(module), id, time.now());
      if (!o.success()) {
        throw new IllegalArgumentException("cannot delete " + id + ": " + o.result());
      }
    }
  }

  private static void checkKnown(Table t, Set<String> names) {
    for (String n : names) {
      Field f = t.module.field(n);
      if (f == null || f.readOnly()) {
        throw new IllegalArgumentException(t.module.apiName + " has no writable field '" + n + "'");
      }
    }
  }

  private Table requireTable(String module) {
    Table t = store.table(module);
    if (t == null) {
      throw new IllegalArgumentException("unknown module '" + module + "'");
    }
    return t;
  }

  /** The requests answered so far (the latest {@link Builder#requestLogSize} of them), in order of arrival. */
  public List<RequestLog> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** How many requests were answered, token requests included. */
  public int requestCount() {
    return requestTotal.intValue();
  }

  /** How many requests were answered with {@code status}. */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
  }

  /**
   * How many requests the real API would have refused: 4xx answers other than 429 (an upsert whose records
   * all failed among them) and token endpoint errors.
   */
  public long refusedCount() {
    return refused.sum();
  }

  /** How many requests were answered 429, for credits, concurrency or an injected {@link Fault#CONCURRENCY_LIMITED}. */
  public long rateLimitedCount() {
    return rateLimited.sum();
  }

  /** How many requests were answered with an injected fault. */
  public long faultCount() {
    return faults.sum();
  }

  /** The API credits used so far, all told. */
  public long creditsUsed() {
    return creditsUsed.sum();
  }

  /** The most API requests that were being processed at the same moment. */
  public int maxConcurrentRequests() {
    return maxInFlight.get();
  }

  /** How many access tokens the accounts server issued. */
  public long tokensIssued() {
    synchronized (lock) {
      return tokensIssued;
    }
  }

  /** Answers the next API requests with these faults, in order, before any random ones. */
  public void injectFaults(Fault... faults) {
    synchronized (lock) {
      injected.addAll(Arrays.asList(faults));
    }
  }

  /** Answers the next {@code requests} API requests with {@code INVALID_TOKEN} whatever their token. */
  public void failAuthentication(int requests) {
    if (requests < 0) {
      throw new IllegalArgumentException("requests must not be negative: " + requests);
    }
    synchronized (lock) {
      authFailures = requests;
    }
  }

  /** Makes every access token issued so far invalid, as revoking the client's access would. */
  public void revokeAccessTokens() {
    synchronized (lock) {
      accessTokens.clear();
    }
  }

  /** Uses up every credit of the current window, as other clients of the org might. */
  public void exhaustCredits() {
    synchronized (lock) {
      if (config.creditLimit <= 0) {
        throw new IllegalStateException("no credit limit configured");
      }
      long missing = config.creditLimit - creditsInWindow(time.now());
      if (missing > 0) {
        creditLog.addLast(new long[] {time.now().toEpochMilli(), missing});
        creditsInWindow += missing;
      }
    }
  }

  // ------------------------------------------------------------------------------------- for the dispatcher

  TimeSource time() {
    return time;
  }

  Builder config() {
    return config;
  }

  <T> T locked(Supplier<T> call) {
    synchronized (lock) {
      return call.get();
    }
  }

  void log(Instant at, String method, String path, int status, @Nullable Fault fault, @Nullable String code,
      boolean refusedRequest) {
    requestTotal.increment();
    statusCounts.computeIfAbsent(status, s -> new LongAdder()).increment();
    if (status == 429) {
      rateLimited.increment();
    } else if (refusedRequest) {
      refused.increment();
    }
    if (fault != null) {
      faults.increment();
    }
    synchronized (log) {
      log.addLast(new RequestLog(at, method, path, status, fault, code));
      while (log.size() > config.requestLogSize) {
        log.removeFirst();
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

  /** Counts a request in flight; returns whether it is within the concurrency limit. */
  boolean enter() {
    int n = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(n, Math::max);
    return config.concurrency <= 0 || n <= config.concurrency;
  }

  void leave() {
    inFlight.decrementAndGet();
  }

  private long creditsInWindow(Instant now) {
    long from = now.minus(config.creditWindow).toEpochMilli();
    while (!creditLog.isEmpty() && creditLog.peekFirst()[0] <= from) {
      creditsInWindow -= creditLog.pollFirst()[1];
    }
    return creditsInWindow;
  }

  /** Charges {@code credits}; false (nothing charged) if the window has not that many left. Call under the lock. */
  boolean charge(int credits, Instant now) {
    if (config.creditLimit > 0) {
      if (creditsInWindow(now) + credits > config.creditLimit) {
        return false;
      }
      creditLog.addLast(new long[] {now.toEpochMilli(), credits});
      creditsInWindow += credits;
    }
    creditsUsed.add(credits);
    return true;
  }

  /**
   * The credits left in the window, sent as {@code X-API-CREDITS-REMAINING} once half are used, or -1. Call
   * under the lock. https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html
   */
  long creditsRemainingHeader(Instant now) {
    if (config.creditLimit <= 0) {
      return -1;
    }
    long used = creditsInWindow(now);
    return used * 2 >= config.creditLimit ? Math.max(0, config.creditLimit - used) : -1;
  }

  /** Null if {@code token} is valid now with {@code scope}, else the error code to answer. Call under the lock. */
  @Nullable String checkToken(@Nullable String token, Instant now, String scope) {
    if (authFailures > 0) {
      authFailures--;
      return "INVALID_TOKEN";
    }
    IssuedToken issued = token == null ? null : accessTokens.get(token);
    if (issued == null || !issued.expiresAt().isAfter(now)) {
      return "INVALID_TOKEN";
    }
    return hasScope(issued.scopes(), scope) ? null : "OAUTH_SCOPE_MISMATCH";
  }

  /**
   * Whether granted scopes cover {@code needed} ({@code Service.group.operation} or {@code
   * Service.group.subgroup.operation}): {@code ALL} covers every operation, a group covers its subgroups.
   * https://www.zoho.com/crm/developer/docs/api/v2/scopes.html
   */
  static boolean hasScope(Set<String> granted, String needed) {
    String[] n = needed.toLowerCase(Locale.ROOT).split("\\.");
    for (String g : granted) {
      String[] p = g.toLowerCase(Locale.ROOT).split("\\.");
      if (p.length < 2 || !p[0].equals(n[0]) || !p[1].equals(n[1])) {
        continue;
      }
      String op = p[p.length - 1];
      boolean opOk = op.equals("all") || op.equals(n[n.length - 1]);
      if (p.length == 3 && opOk) {
        return true; // ZohoCRM.modules.ALL covers ZohoCRM.modules.contacts.READ
      }
      if (p.length == 4 && n.length == 4 && p[2].equals(n[2]) && opOk) {
        return true;
      }
    }
    return false;
  }

  /** The token endpoint: a JSON answer and its status. Call under the lock. */
  record TokenAnswer(int status, ObjectNode body) {}

  TokenAnswer issueToken(Map<String, String> params) {
    ObjectNode body = json.createObjectNode();
    String grant = params.getOrDefault("grant_type", "");
    if (!grant.equals("refresh_token")) {
      body.put("error", "unsupported_grant_type");
      return new TokenAnswer(200, body);
    }
    if (!config.clientId.equals(params.get("client_id")) || !config.clientSecret.equals(params.get("client_secret"))) {
      body.put("error", "invalid_client");
      return new TokenAnswer(200, body);
    }
    if (!config.refreshToken.equals(params.get("refresh_token"))) {
      body.put("error", "invalid_code");
      return new TokenAnswer(200, body);
    }
    Instant now = time.now();
    while (!tokenGrants.isEmpty() && !tokenGrants.peekFirst().isAfter(now.minus(config.tokenWindow))) {
      tokenGrants.pollFirst();
    }
    if (config.tokenLimit > 0 && tokenGrants.size() >= config.tokenLimit) {
      // https://zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html: ten per ten minutes
      body.put("error_description", "You have made too many requests continuously. Please try again after some time.");
      body.put("error", "Access Denied");
      body.put("status", "failure");
      return new TokenAnswer(400, body);
    }
    tokenGrants.addLast(now);
    String access = "1000." + hex(32) + "." + hex(32);
    accessTokens.put(access, new IssuedToken(now.plus(config.accessTokenLifetime), config.scopes));
    tokensIssued++;
    body.put("access_token", access);
    body.put("scope", String.join(" ", config.scopes));
    body.put("api_domain", apiUrl().toString());
    body.put("token_type", "Bearer");
    body.put("expires_in", config.accessTokenLifetime.toSeconds());
    return new TokenAnswer(200, body);
  }

  private String hex(int chars) {
    StringBuilder sb = new StringBuilder(chars);
    for (int i = 0; i < chars; i++) {
      sb.append(Character.forDigit(random.nextInt(16), 16));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "ZohoEmulator[api " + (started ? apiUrl() : "not started") + "]";
  }

  /** Configures a {@link ZohoEmulator}. Not thread-safe. */
  public static final class Builder {
    private int port;
    private int accountsPort;
    private TimeSource time = TimeSource.system();
    private long seed = 42;
    private String clientId = "1000.EMULATORCLIENT00000000000000";
    private String clientSecret = "emulator-client-secret";
    private String refreshToken = "1000.emulatorrefreshtoken.emulatorrefreshtoken";
    private Duration accessTokenLifetime = Duration.ofHours(1);
    private Set<String> scopes = Set.of("ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL", "ZohoCRM.coql.READ");
    private ZoneId zone = ZoneId.of("Asia/Kolkata");
    private long creditLimit;
    private Duration creditWindow = Duration.ofHours(24);
    private int concurrency;
    private Duration latency = Duration.ZERO;
    private int tokenLimit = 10;
    private Duration tokenWindow = Duration.ofMinutes(10);
    private boolean refuseUnknownFields;
    private int requestLogSize = 100_000;
    private Duration slowDelay = Duration.ofSeconds(5);
    private Duration stallDelay = Duration.ofSeconds(2);
    private final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    private final List<String> customModules = new ArrayList<>();
    private final Map<String, List<Field>> customFields = new LinkedHashMap<>();
    private final Map<String, String> users = new LinkedHashMap<>();

    Builder() {
      users.put("5725767000000411001", "Patricia Boyle");
    }

    /** The API domain's port on loopback; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /** The accounts server's port on loopback; 0 (the default) picks a free one. */
    public Builder accountsPort(int port) {
      this.accountsPort = checkPort(port);
      return this;
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
      }
      return port;
    }

    /** The clock of modification times, token expiry and credit windows, and what slow responses sleep on. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where the random choices of fault injection and generated tokens start; the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The client the accounts server accepts, and its refresh token. */
    public Builder client(String clientId, String clientSecret, String refreshToken) {
      this.clientId = nonBlank(clientId, "clientId");
      this.clientSecret = nonBlank(clientSecret, "clientSecret");
      this.refreshToken = nonBlank(refreshToken, "refreshToken");
      return this;
    }

    /** How long access tokens live (Zoho: one hour). */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = positive(lifetime, "lifetime");
      return this;
    }

    /**
     * The scopes access tokens carry (by default {@code ZohoCRM.modules.ALL}, {@code ZohoCRM.settings.ALL} and
     * {@code ZohoCRM.coql.READ}); calls outside them get {@code OAUTH_SCOPE_MISMATCH}.
     */
    public Builder scopes(String... scopes) {
      this.scopes = Set.copyOf(new LinkedHashSet<>(Arrays.asList(scopes)));
      return this;
    }

    /** The org's time zone, whose offset times are written with (Asia/Kolkata, +05:30, by default). */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * At most {@code credits} API credits in any rolling {@code window} (Zoho: a 24-hour window, 5,000 credits
     * for the Free edition to 50,000 plus 250 to 2,000 per licence); beyond, 429 {@code TOO_MANY_REQUESTS}.
     */
    public Builder credits(long credits, Duration window) {
      if (credits <= 0) {
        throw new IllegalArgumentException("credits must be positive: " + credits);
      }
      this.creditLimit = credits;
      this.creditWindow = positive(window, "window");
      return this;
    }

    /** At most {@code credits} API credits in any 24 hours. */
    public Builder dailyCredits(long credits) {
      return credits(credits, Duration.ofHours(24));
    }

    /**
     * At most {@code requests} API requests processed at once (Zoho: 5 for the Free edition, 10 Standard, 15
     * Professional, 20 Enterprise, 25 Ultimate); beyond, 429 {@code TOO_MANY_REQUESTS}.
     */
    public Builder concurrency(int requests) {
      if (requests <= 0) {
        throw new IllegalArgumentException("requests must be positive: " + requests);
      }
      this.concurrency = requests;
      return this;
    }

    /** How long each API request takes to process, in real time (zero by default). */
    public Builder latency(Duration latency) {
      Objects.requireNonNull(latency, "latency");
      if (latency.isNegative()) {
        throw new IllegalArgumentException("latency must not be negative: " + latency);
      }
      this.latency = latency;
      return this;
    }

    /** At most {@code tokens} access tokens per refresh token in {@code window} (Zoho: 10 in 10 minutes). */
    public Builder tokenRequestLimit(int tokens, Duration window) {
      if (tokens < 0) {
        throw new IllegalArgumentException("tokens must not be negative: " + tokens);
      }
      this.tokenLimit = tokens;
      this.tokenWindow = positive(window, "window");
      return this;
    }

    /**
     * Whether record fields the module does not have are refused with {@code INVALID_DATA} (true) or ignored
     * (false, the default: the Records API takes only API names and drops the rest).
     */
    public Builder refuseUnknownFields(boolean refuse) {
      this.refuseUnknownFields = refuse;
      return this;
    }

    /** Declares a custom module with a mandatory {@code Name} field. */
    public Builder module(String apiName) {
      customModules.add(nonBlank(apiName, "apiName"));
      return this;
    }

    /**
     * Declares a custom field. {@code dataType} is a Fields Metadata API type: text, textarea, email, phone,
     * website, integer, bigint, double, currency, boolean, date, datetime, picklist or multiselectpicklist.
     */
    public Builder field(String module, String apiName, String dataType) {
      return field(module, apiName, dataType, defaultLength(dataType), false);
    }

    /** Declares a custom field with a length, unique ("Do not allow duplicate values") or not. */
    public Builder field(String module, String apiName, String dataType, int length, boolean unique) {
      Objects.requireNonNull(module, "module");
      if (!ZohoSchema.DATA_TYPES.contains(dataType) || dataType.contains("lookup")) {
        throw new IllegalArgumentException("unsupported data type '" + dataType + "'");
      }
      if (!apiName.matches("[A-Za-z][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("not an API name: '" + apiName + "'");
      }
      customFields.computeIfAbsent(module, k -> new ArrayList<>())
          .add(new Field(apiName, dataType, length, false, false, true, unique, List.of(), null));
      return this;
    }

    /** Declares a custom picklist with its values. */
    public Builder picklist(String module, String apiName, String... values) {
      customFields.computeIfAbsent(Objects.requireNonNull(module, "module"), k -> new ArrayList<>())
          .add(new Field(apiName, "picklist", 120, false, false, true, false, List.of(values), null));
      return this;
    }

    /** Adds a user records can be owned by. */
    public Builder user(String id, String name) {
      if (!id.matches("\\d{1,19}")) {
        throw new IllegalArgumentException("user ids are numbers: '" + id + "'");
      }
      users.put(id, nonBlank(name, "name"));
      return this;
    }

    /** How many of the latest requests {@link #requests()} keeps (100,000 by default); counts are kept for all. */
    public Builder requestLogSize(int size) {
      if (size <= 0) {
        throw new IllegalArgumentException("size must be positive: " + size);
      }
      this.requestLogSize = size;
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

    public Builder truncatedBodyRate(double rate) {
      return fault(Fault.TRUNCATED_BODY, rate);
    }

    public Builder concurrencyLimitedRate(double rate) {
      return fault(Fault.CONCURRENCY_LIMITED, rate);
    }

    /** A share of responses come after sleeping {@code delay} on the emulator's clock. */
    public Builder slowResponses(double rate, Duration delay) {
      this.slowDelay = positive(delay, "delay");
      return fault(Fault.SLOW_RESPONSE, rate);
    }

    /** A share of responses send their headers after a real {@code delay}, for client timeouts. */
    public Builder stalledResponses(double rate, Duration delay) {
      this.stallDelay = positive(delay, "delay");
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

    private static int defaultLength(String type) {
      return switch (type) {
        case "text", "phone" -> 255;
        case "email" -> 100;
        case "website" -> 255;
        case "textarea" -> 32_000;
        case "picklist" -> 120;
        default -> 0;
      };
    }

    private static String nonBlank(String s, String name) {
      Objects.requireNonNull(s, name);
      if (s.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return s;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    // read by the dispatcher
    Duration latency() {
      return latency;
    }

    Duration slowDelay() {
      return slowDelay;
    }

    Duration stallDelay() {
      return stallDelay;
    }

    boolean refuseUnknown() {
      return refuseUnknownFields;
    }

    int concurrencyLimit() {
      return concurrency;
    }

    long creditLimitValue() {
      return creditLimit;
    }

    /** The emulator, not yet started. */
    public ZohoEmulator build() {
      Builder copy = new Builder();
      copy.port = port;
      copy.accountsPort = accountsPort;
      copy.time = time;
      copy.seed = seed;
      copy.clientId = clientId;
      copy.clientSecret = clientSecret;
      copy.refreshToken = refreshToken;
      copy.accessTokenLifetime = accessTokenLifetime;
      copy.scopes = scopes;
      copy.zone = zone;
      copy.creditLimit = creditLimit;
      copy.creditWindow = creditWindow;
      copy.concurrency = concurrency;
      copy.latency = latency;
      copy.tokenLimit = tokenLimit;
      copy.tokenWindow = tokenWindow;
      copy.refuseUnknownFields = refuseUnknownFields;
      copy.requestLogSize = requestLogSize;
      copy.slowDelay = slowDelay;
      copy.stallDelay = stallDelay;
      copy.faultRates.putAll(faultRates);
      copy.customModules.addAll(customModules);
      customFields.forEach((k, v) -> copy.customFields.put(k, List.copyOf(v)));
      copy.users.clear();
      copy.users.putAll(users);
      return new ZohoEmulator(copy);
    }
  }
}

package io.crmsync.testkit.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory Salesforce org served over loopback HTTP, for tests and demos, as strict as the real API for every
 * rule a client meets. Start one in a test with
 *
 * <pre>{@code
 * KeyPair keys = SalesforceEmulator.newKeyPair();
 * try (SalesforceEmulator sf = SalesforceEmulator.builder()
 *     .jwtBearer("my-client-id", keys.getPublic())     // or leave out: any client credentials are accepted
 *     .customField("Contact", "Favourite_Colour__c", FieldType.STRING)
 *     .timeSource(clock)
 *     .build()
 *     .start()) {
 *   // point the adapter's loginUrl at sf.url()
 *   ...
 *   assertThat(sf.refusals()).isEmpty();                 // nothing the real API would have refused
 *   assertThat(sf.ingestJobs()).noneMatch(IngestJob::isOpen);
 * }
 * }</pre>
 *
 * <p>What it serves, in the shapes real orgs return (checked field for field against the recorded responses in
 * {@code ../shared/specs/salesforce}), each rule with the page it comes from beside its code:
 *
 * <ul>
 *   <li>OAuth: the JWT bearer, refresh token and client credentials grants, and token introspection ({@link
 *       OAuthServer}). Sessions last {@link Builder#sessionTimeout} on the emulator's clock, then every request
 *       with the token is 401 {@code INVALID_SESSION_ID}.
 *   <li>{@code GET /services/data}, {@code .../limits}, {@code .../sobjects/{type}/describe}.
 *   <li>{@code GET .../query?q=} and {@code .../queryAll?q=} with a SOQL subset (see below), {@code
 *       Sforce-Query-Options: batchSize} (200 to 2,000, default 2,000) and {@code nextRecordsUrl}.
 *   <li>sObject Collections: {@code PATCH .../composite/sobjects/{type}/{externalIdField}} (upsert) and {@code
 *       DELETE .../composite/sobjects?ids=}, 200 records a request at most, errors per record.
 *   <li>Bulk API 2.0 ingest with its state machine ({@link BulkJobs}): create, upload once, {@code UploadComplete},
 *       job info (a job completes after {@link Builder#bulkPollsBeforeComplete} polls), successful / failed /
 *       unprocessed results, abort, delete, and the list of all jobs.
 *   <li>The org's API request allocation over a rolling 24 hours ({@link Builder#edition}, {@link
 *       Builder#dailyApiLimit}): {@code Sforce-Limit-Info: api-usage=n/max} on every API response, {@code
 *       DailyApiRequests} in {@code /limits}, and 403 {@code REQUEST_LIMIT_EXCEEDED} once it is spent.
 *   <li>Request size: a URI and headers of more than 16,384 bytes are refused (414, 431).
 *   <li>Faults ({@link Fault}), injected or at a seeded rate, on every endpoint, token endpoint included; some
 *       after the request was carried out.
 * </ul>
 *
 * <p>It counts what it refused ({@link #refusals()}, by error code), the per-record errors of writes ({@link
 * #recordErrors()}) and the faults it served ({@link #faultsInjected()}), so that a test can assert that a client
 * sent nothing the real API would have refused.
 *
 * <p>SOQL: {@code SELECT} fields and parent fields ({@code Account.Name}) {@code FROM} one type, {@code WHERE}
 * with {@code AND OR NOT}, parentheses, {@code = != <> < <= > >= LIKE IN NOT IN} on strings (compared without
 * regard to case), numbers, booleans, {@code null}, dates and datetimes, {@code ORDER BY} and {@code LIMIT}.
 * String literals are decoded by Salesforce's escaping rules.
 *
 * <p>Writes follow Salesforce: records are processed in chunks of 200; emails are validated; required fields,
 * read-only fields, lengths, types, restricted picklists and lookups (a well-formed id of a live record of the
 * right object) are checked per record; an external id matched by several records, or repeated within a chunk,
 * fails that record with {@code DUPLICATE_EXTERNAL_ID}; a field the object does not have fails that record with
 * {@code INVALID_FIELD}. Deleted records stay visible to {@code queryAll} with {@code IsDeleted = true}. Ids are
 * 18 characters with their case-safe suffix; 15-character ids are accepted.
 *
 * <p>Thread-safe. The emulator records no request bodies, so memory stays bounded by the org's data.
 */
public final class SalesforceEmulator implements AutoCloseable {
  /** The API version the emulator reports as its latest. It serves any {@code vNN.N} path. */
  public static final String DEFAULT_API_VERSION = "66.0";

  /**
   * "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes. A request exceeding
   * this limit returns a 431 Request Header Fields Too Large error. If the URI itself exceeds this limit, the
   * request returns a 414 URI Too Long error." (Salesforce Help, "Maximum number of rows returned by SOQL queries
   * over the REST API", https://help.salesforce.com/s/articleView?id=000386264&type=1)
   */
  static final int MAX_URI_AND_HEADER_BYTES = 16_384;
  /** Rows a page of Get All Jobs holds. */
  private static final int JOBS_PAGE = 1000;

  private static final Pattern DATA_PATH = Pattern.compile("/services/data/v(\\d{2,3}\\.\\d)(/.*)?");
  private static final Pattern JOB_PATH =
      Pattern.compile("/ingest/([A-Za-z0-9]+)(/batches|/successfulResults|/failedResults|/unprocessedrecords)?/?");
  private static final String JSON_TYPE = "application/json;charset=UTF-8";
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final Builder config;
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  private final TimeSource time;
  private final Org org;
  private final BulkJobs bulk;
  private final OAuthServer oauth;
  private final Counters counters = new Counters();
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final Map<String, List<ObjectNode>> cursors =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ObjectNode>> eldest) {
          return size() > 500;
        }
      };
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Deque<Fault> injectedToken = new ArrayDeque<>();
  private final List<Targeted> targeted = new ArrayList<>();
  private final Deque<String> log = new ArrayDeque<>();
  private final SplittableRandom random;
  private final RollingWindow window = new RollingWindow();
  private final long dailyApiLimit;
  private long apiRequests;
  private long cursorSeq;
  private volatile boolean started;

  private SalesforceEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    this.dailyApiLimit = b.dailyApiLimit;
    this.org = new Org(mapper, time);
    org.addSchema(SObjectSchema.contact());
    org.addSchema(SObjectSchema.account());
    org.addSchema(SObjectSchema.opportunity());
    for (String custom : b.customObjects) {
      org.addSchema(SObjectSchema.customObject(custom));
    }
    for (Builder.CustomField f : b.customFields) {
      SObjectSchema s = org.schemaOrNull(f.object);
      if (s == null) {
        throw new IllegalArgumentException("customField: unknown sObject '" + f.object + "'; declare it with sObject()");
      }
      FieldDef def = f.referenceTo != null ? FieldDef.customLookup(f.name, f.referenceTo) : FieldDef.custom(f.name, f.type, f.externalId);
      s.add(f.picklist.isEmpty() ? def : def.withPicklist(f.picklist, f.restricted));
    }
    this.bulk = new BulkJobs(org, mapper, time, b.bulkPollsBeforeComplete, counters);
    this.oauth = new OAuthServer(mapper, time, b.clientId, b.clientSecret, b.jwtKey, b.users, b.refreshTokens,
        b.sessionTimeout);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A new RSA key pair (2048 bits) for the JWT bearer flow in tests. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
  }

  /** A PKCS#8 PEM encoding of {@code key}, as a connected app's {@code server.key} file holds it. */
  public static String toPem(java.security.PrivateKey key) {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
    return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * Starts serving on loopback, on the configured port (any free port by default).
   *
   * @throws UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started
   */
  public SalesforceEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator already started");
      }
      server.setServerSocketFactory(new NoDelayServerSockets());
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          return handle(request);
        }
      });
      try {
        server.start(InetAddress.getLoopbackAddress(), config.port);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the Salesforce emulator on port " + config.port, e);
      }
      started = true;
      return this;
    }
  }

  /** The base URL, such as {@code http://127.0.0.1:50123}: both the login URL and the instance URL. */
  public String url() {
    if (!started) {
      throw new IllegalStateException("emulator not started");
    }
    String u = server.url("/").toString();
    return u.substring(0, u.length() - 1);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }

  /** The records of {@code sObject} that are not deleted, by Salesforce field name, in id order. */
  public List<Map<String, Object>> records(String sObject) {
    return org.records(sObject, false);
  }

  /** The records of {@code sObject}, deleted ones included ({@code IsDeleted = true}). */
  public List<Map<String, Object>> allRecords(String sObject) {
    return org.records(sObject, true);
  }

  /**
   * Runs a SOQL query against the org, as {@code query} would, without counting it as an API request.
   *
   * @throws IllegalArgumentException if the query is malformed or names an unknown type or field
   */
  public List<JsonNode> query(String soql) {
    try {
      return new ArrayList<>(org.query(soql, false, config.apiVersion));
    } catch (Org.RequestError e) {
      throw new IllegalArgumentException(e.code + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates a record directly, as if another user had, without counting an API request. Values are checked as
   * an API write would check them.
   *
   * @return the new record's id
   * @throws IllegalArgumentException if the type or a field is unknown, or Salesforce would refuse the record
   */
  public String insert(String sObject, Map<String, Object> fields) {
    Map<String, Object> row = new LinkedHashMap<>(fields);
    row.remove("Id");
    row.put("Id", null);
    List<Org.WriteResult> results;
    try {
      results = org.upsert(sObject, "Id", List.of(row), false);
    } catch (Org.RequestError e) {
      throw new IllegalArgumentException(e.code + ": " + e.getMessage(), e);
    }
    Org.WriteResult r = results.get(0);
    if (!r.success() || r.id() == null) {
      throw new IllegalArgumentException("record refused: " + r.errors());
    }
    return r.id();
  }

  /** Adds an active user who can own records ({@code OwnerId}); returns the user's id ({@code 005...}). */
  public String addUser(String username) {
    Objects.requireNonNull(username, "username");
    return org.addUser(username);
  }

  /** The id of the integration user every token acts as, and who owns the records it creates. */
  public String integrationUserId() {
    return Org.USER_ID;
  }

  /**
   * Serves the next API request (not a token request) with {@code fault} instead: a fault that {@linkplain
   * Fault#applied() applies the request} carries it out first.
   */
  public SalesforceEmulator injectFault(Fault fault) {
    synchronized (lock) {
      injected.add(Objects.requireNonNull(fault, "fault"));
    }
    return this;
  }

  /**
   * Serves the next API request whose method is {@code method} and whose path (without query string) matches
   * {@code pathRegex} with {@code fault} instead, such as {@code injectFault(Fault.CONNECTION_DROPPED_AFTER_APPLY,
   * "PUT", "/services/data/v[0-9.]+/jobs/ingest/\\w+/batches")}. Targeted faults are served before those of
   * {@link #injectFault(Fault)}.
   */
  public SalesforceEmulator injectFault(Fault fault, String method, String pathRegex) {
    return injectFault(fault, method, pathRegex, 0);
  }

  /**
   * As {@link #injectFault(Fault, String, String)}, letting the first {@code skip} matching requests through first:
   * {@code skip = 1} fails the second sObject Collections request of a call, say.
   *
   * @throws IllegalArgumentException if {@code skip} is negative
   */
  public SalesforceEmulator injectFault(Fault fault, String method, String pathRegex, int skip) {
    Objects.requireNonNull(fault, "fault");
    Objects.requireNonNull(method, "method");
    Pattern p = Pattern.compile(Objects.requireNonNull(pathRegex, "pathRegex"));
    Checks.notNegative(skip, "skip");
    synchronized (lock) {
      targeted.add(new Targeted(fault, method, p, new int[] {skip}));
    }
    return this;
  }

  private record Targeted(Fault fault, String method, Pattern path, int[] skip) {}

  /**
   * Serves the next request to the token endpoint with {@code fault} instead.
   *
   * @throws IllegalArgumentException if {@code fault} is not one of {@link Fault#TRANSPORT}
   */
  public SalesforceEmulator injectTokenFault(Fault fault) {
    if (!Fault.TRANSPORT.contains(Objects.requireNonNull(fault, "fault"))) {
      throw new IllegalArgumentException("the token endpoint fails only by transport faults, not " + fault);
    }
    synchronized (lock) {
      injectedToken.add(fault);
    }
    return this;
  }

  /** Invalidates every access token issued so far, as a session timeout or a revoked session would. */
  public void expireSessions() {
    synchronized (lock) {
      oauth.expireAll();
    }
  }

  /** How long sessions issued from now on last, as the org's Session Settings set it. */
  public void sessionTimeout(Duration timeout) {
    Checks.positive(Objects.requireNonNull(timeout, "timeout"), "timeout");
    synchronized (lock) {
      oauth.sessionTimeout(timeout);
    }
  }

  /** How many API requests (not token requests) were counted against the API request allocation, ever. */
  public long apiRequests() {
    synchronized (lock) {
      return apiRequests;
    }
  }

  /** The API requests counted in the last 24 hours of the emulator's clock, as {@code Sforce-Limit-Info} reports. */
  public long apiRequestsLast24Hours() {
    synchronized (lock) {
      return window.count(time.now());
    }
  }

  /** The org's API request allocation per rolling 24 hours. */
  public long dailyApiLimit() {
    return dailyApiLimit;
  }

  /** The method and path (no query string) of the most recent requests, oldest first, at most 1,000. */
  public List<String> requestLog() {
    synchronized (lock) {
      return List.copyOf(log);
    }
  }

  /** How many access tokens were issued. */
  public int tokensIssued() {
    synchronized (lock) {
      return oauth.issued();
    }
  }

  /**
   * The requests the emulator refused as the real API would, by error code ({@code EXCEEDED_ID_LIMIT}, {@code
   * INVALIDJOBSTATE}, {@code INVALID_SESSION_ID}, {@code REQUEST_LIMIT_EXCEEDED}, {@code MALFORMED_QUERY}, an
   * OAuth {@code error} such as {@code invalid_grant} ...). Injected faults are not counted here but in {@link
   * #faultsInjected()}.
   */
  public Map<String, Long> refusals() {
    return counters.refusals();
  }

  /** The errors of individual records in writes that were otherwise carried out, by status code. */
  public Map<String, Long> recordErrors() {
    return counters.recordErrors();
  }

  /** The faults served, injected or drawn at the fault rate. */
  public Map<Fault, Long> faultsInjected() {
    return counters.faults();
  }

  /** Every Bulk API 2.0 ingest job not deleted, oldest first. */
  public List<IngestJob> ingestJobs() {
    List<IngestJob> out = new ArrayList<>();
    synchronized (bulk) {
      for (BulkJobs.Job j : bulk.all()) {
        out.add(bulk.snapshot(j));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ dispatch

  private MockResponse handle(RecordedRequest req) {
    // the server keeps every request for takeRequest(); drop them so memory stays bounded
    try {
      while (server.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
        // discard
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    HttpUrl url = req.getUrl();
    String path = url.encodedPath();
    synchronized (lock) {
      log.add(req.getMethod() + " " + path);
      if (log.size() > 1000) {
        log.removeFirst();
      }
    }
    return dated(serve(req, url, path));
  }

  private MockResponse dated(MockResponse r) {
    return r.newBuilder().setHeader("Date", HTTP_DATE.format(time.now())).build();
  }

  private MockResponse serve(RecordedRequest req, HttpUrl url, String path) {
    MockResponse tooLarge = checkSize(req, url);
    if (tooLarge != null) {
      return tooLarge;
    }
    if (path.equals("/services/oauth2/token") || path.equals("/services/oauth2/introspect")) {
      return oauth(req, path);
    }
    if (path.equals("/services/data") || path.equals("/services/data/")) {
      return versions();
    }
    Matcher m = DATA_PATH.matcher(path);
    if (!m.matches()) {
      return refuse(404, "NOT_FOUND", "The requested resource does not exist");
    }
    String version = m.group(1);
    String rest = m.group(2) == null ? "/" : m.group(2);
    String usage;
    Fault fault;
    synchronized (lock) {
      String auth = req.getHeaders().get("Authorization");
      String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip() : null;
      fault = targetedFault(req.getMethod(), path);
      if (fault == null) {
        fault = injected.pollFirst();
      }
      if (fault == Fault.INVALID_SESSION) {
        counters.fault(fault);
        if (token != null) {
          oauth.revoke(token);
        }
        return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
      }
      if (oauth.session(token) == null) {
        return refuse(401, "INVALID_SESSION_ID", "Session expired or invalid");
      }
      Instant now = time.now();
      long used = window.count(now);
      usage = "api-usage=" + used + "/" + dailyApiLimit;
      if (fault == Fault.REQUEST_LIMIT_EXCEEDED) {
        counters.fault(fault);
        return withUsage(error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), usage);
      }
      // "API Request Limits and Allocations": the total allocation is counted over a rolling 24 hours; once spent,
      // requests are refused with REQUEST_LIMIT_EXCEEDED (403, "TotalRequests Limit exceeded.", the shape third-party
      // tests record; ../shared/specs/README.md) until older requests fall out of the window
      // (https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html)
      if (used >= dailyApiLimit) {
        return withUsage(refuse(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), usage);
      }
      window.add(now);
      apiRequests++;
      usage = "api-usage=" + (used + 1) + "/" + dailyApiLimit;
      if (fault == null) {
        fault = drawFault();
      }
    }
    if (fault != null) {
      counters.fault(fault);
      if (!fault.applied()) {
        return withUsage(fault(fault), usage);
      }
    }
    MockResponse r;
    try {
      r = route(req, version, rest);
    } catch (Org.RequestError e) {
      r = refuse(e.status, e.code, e.getMessage());
    } catch (RuntimeException e) {
      r = error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred: " + e);
    }
    r = withUsage(r, usage);
    return fault == null ? r : loseAnswer(r, fault);
  }

  private @Nullable Fault targetedFault(String method, String path) {
    Fault served = null;
    for (int i = 0; i < targeted.size(); i++) {
      Targeted t = targeted.get(i);
      if (t.method().equalsIgnoreCase(method) && t.path().matcher(path).matches()) {
        if (t.skip()[0] > 0) {
          t.skip()[0]--;
        } else if (served == null) {
          targeted.remove(i--);
          served = t.fault();
        }
      }
    }
    return served;
  }

  private @Nullable Fault drawFault() {
    if (config.faultRate > 0 && random.nextDouble() < config.faultRate) {
      return Fault.TRANSPORT.get(random.nextInt(Fault.TRANSPORT.size()));
    }
    return null;
  }

  private @Nullable MockResponse checkSize(RecordedRequest req, HttpUrl url) {
    String query = url.encodedQuery();
    int uri = url.encodedPath().length() + (query == null ? 0 : 1 + query.length());
    int headers = 0;
    Headers h = req.getHeaders();
    for (int i = 0; i < h.size(); i++) {
      headers += h.name(i).length() + 2 + h.value(i).length() + 2;
    }
    if (uri > MAX_URI_AND_HEADER_BYTES) {
      return refuseHtml(414, "URI Too Long");
    }
    if (uri + headers > MAX_URI_AND_HEADER_BYTES) {
      return refuseHtml(431, "Request Header Fields Too Large");
    }
    return null;
  }

  private MockResponse refuseHtml(int status, String reason) {
    counters.refused(String.valueOf(status));
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "text/html")
        .body("<html><head><title>" + status + " " + reason + "</title></head><body><h1>" + reason + "</h1></body></html>")
        .build();
  }

  private MockResponse oauth(RecordedRequest req, String path) {
    if (!req.getMethod().equals("POST")) {
      return refuse(405, "METHOD_NOT_ALLOWED", "HTTP Method not allowed");
    }
    Fault fault;
    synchronized (lock) {
      fault = injectedToken.pollFirst();
      if (fault == null) {
        fault = drawFault();
      }
    }
    if (fault != null) {
      counters.fault(fault);
      if (!fault.applied()) {
        return fault(fault);
      }
    }
    String body = req.getBody() == null ? "" : req.getBody().utf8();
    OAuthServer.Answer a;
    synchronized (lock) {
      a = path.endsWith("/token") ? oauth.token(body, url(), config.audience != null ? config.audience : url())
          : oauth.introspect(body, req.getHeaders().get("Authorization"), url());
    }
    if (a.status() >= 400) {
      counters.refused(a.body().path("error").asText("oauth_error"));
    }
    MockResponse r = json(a.status(), a.body());
    return fault == null ? r : loseAnswer(r, fault);
  }

  /** The answer to a request that was carried out, lost as {@code fault} loses it. */
  private MockResponse loseAnswer(MockResponse r, Fault fault) {
    return switch (fault) {
      case CONNECTION_DROPPED_AFTER_APPLY -> r.newBuilder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build();
      case TRUNCATED_AFTER_APPLY -> r.getBody() == null || r.getBody().getContentLength() <= 0
          ? r.newBuilder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build()
          : r.newBuilder().onResponseBody(new SocketEffect.CloseSocket()).build();
      case GATEWAY_TIMEOUT_AFTER_APPLY -> new MockResponse.Builder().code(504).setHeader("Content-Type", "text/html")
          .body("<html><head><title>504 Gateway Time-out</title></head><body><h1>Gateway Time-out</h1>"
              + "<p>The server didn't respond in time.</p></body></html>")
          .build();
      default -> throw new IllegalArgumentException("not a fault after the request was applied: " + fault);
    };
  }

  private MockResponse route(RecordedRequest req, String version, String rest) throws Org.RequestError {
    String method = req.getMethod();
    HttpUrl url = req.getUrl();
    if (rest.equals("/limits") || rest.equals("/limits/")) {
      return limits();
    }
    if (rest.startsWith("/sobjects/") && rest.endsWith("/describe") || rest.endsWith("/describe/")) {
      String type = rest.substring("/sobjects/".length(), rest.indexOf("/describe"));
      return json(200, org.schema(type).describe(mapper, version));
    }
    if (method.equals("GET") && (rest.startsWith("/query") || rest.startsWith("/queryAll"))) {
      boolean all = rest.startsWith("/queryAll");
      String tail = rest.substring(all ? "/queryAll".length() : "/query".length());
      if (tail.isEmpty() || tail.equals("/")) {
        String q = url.queryParameter("q");
        if (q == null) {
          return refuse(400, "MALFORMED_QUERY", "A query string has to be specified");
        }
        return json(200, queryFirst(req.getHeaders().get("Sforce-Query-Options"), q, all, version));
      }
      return json(200, queryMore(req.getHeaders().get("Sforce-Query-Options"), tail.substring(1), all, version));
    }
    if (method.equals("POST") && (rest.equals("/composite") || rest.equals("/composite/"))) {
      return composite(req, version);
    }
    if (rest.startsWith("/composite/sobjects")) {
      if (method.equals("PATCH")) {
        String[] parts = rest.substring(Math.min(rest.length(), "/composite/sobjects/".length())).split("/");
        if (parts.length != 2) {
          return refuse(400, "INVALID_URL", "Upsert takes /composite/sobjects/{sObject}/{externalIdField}");
        }
        return collectionsUpsert(req, parts[0], parts[1]);
      }
      if (method.equals("DELETE")) {
        return collectionsDelete(url);
      }
    }
    if (rest.startsWith("/jobs/ingest")) {
      return ingest(req, version, rest.substring("/jobs".length()));
    }
    return refuse(404, "NOT_FOUND", "The requested resource does not exist");
  }

  // ------------------------------------------------------------------------------------------ REST

  private MockResponse versions() {
    ArrayNode a = mapper.createArrayNode();
    for (String v : List.of("62.0", "63.0", "64.0", "65.0", "66.0")) {
      ObjectNode n = a.addObject();
      n.put("label", "v" + v);
      n.put("url", "/services/data/v" + v);
      n.put("version", v);
    }
    return json(200, a);
  }

  private MockResponse limits() {
    ObjectNode n = mapper.createObjectNode();
    // List Org Limits (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm):
    // DailyApiRequests is the allocation over the rolling 24 hours and what is left of it
    ObjectNode daily = n.putObject("DailyApiRequests");
    long used;
    synchronized (lock) {
      used = window.count(time.now());
    }
    daily.put("Max", dailyApiLimit);
    daily.put("Remaining", Math.max(0, dailyApiLimit - used));
    ObjectNode bulk = n.putObject("DailyBulkV2QueryJobs");
    bulk.put("Max", 10000);
    bulk.put("Remaining", 10000);
    return json(200, n);
  }

  private ObjectNode queryFirst(@Nullable String options, String soql, boolean all, String version) throws Org.RequestError {
    List<ObjectNode> hits = org.query(soql, all, version);
    int batch = batchSize(options);
    String locator = null;
    if (hits.size() > batch) {
      synchronized (lock) {
        locator = String.format(Locale.ROOT, "01g%012dAAA", ++cursorSeq);
        cursors.put(locator, hits);
      }
    }
    return page(hits, 0, batch, locator, all, version);
  }

  private ObjectNode queryMore(@Nullable String options, String tail, boolean all, String version) throws Org.RequestError {
    int dash = tail.lastIndexOf('-');
    List<ObjectNode> hits;
    int offset;
    String locator = dash < 0 ? tail : tail.substring(0, dash);
    synchronized (lock) {
      hits = cursors.get(locator);
    }
    try {
      offset = dash < 0 ? 0 : Integer.parseInt(tail.substring(dash + 1));
    } catch (NumberFormatException e) {
      hits = null;
      offset = 0;
    }
    if (hits == null || offset < 0 || offset > hits.size()) {
      throw new Org.RequestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    return page(hits, offset, batchSize(options), locator, all, version);
  }

  private static final Pattern QUERY_URL = Pattern.compile("/services/data/v(\\d{2,3}\\.\\d)/(query|queryAll)/?(?:\\?q=(.*)|([A-Za-z0-9]+(?:-\\d+)?))");

  /**
   * Composite (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm):
   * subrequests in a body, answered together as {@code compositeResponse} items of {@code body}, {@code
   * httpHeaders}, {@code httpStatusCode}, {@code referenceId} (shape as recorded in the cumulusci cassette
   * TestCountSObjects.test_count_sobjects__errors.yaml), the whole counting as one API request. Salesforce Help
   * advises it for a SOQL query too long for a URI (https://help.salesforce.com/s/articleView?id=000386264&type=1).
   * The emulator serves query and queryAll subrequests; any other is answered 400 {@code NOT_SUPPORTED}.
   */
  private MockResponse composite(RecordedRequest req, String version) {
    JsonNode body;
    try {
      body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
    } catch (IOException e) {
      return refuse(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
    }
    if (body == null || !body.path("compositeRequest").isArray() || body.get("compositeRequest").isEmpty()) {
      return refuse(400, "JSON_PARSER_ERROR", "The request body must hold a compositeRequest array");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode responses = out.putArray("compositeResponse");
    for (JsonNode sub : body.get("compositeRequest")) {
      ObjectNode r = responses.addObject();
      String url = sub.path("url").asText("");
      Matcher m = QUERY_URL.matcher(url);
      try {
        if (!sub.path("method").asText("").equals("GET") || !m.matches()) {
          throw new Org.RequestError(400, "NOT_SUPPORTED", "the emulator serves only query and queryAll subrequests: " + url);
        }
        String options = sub.path("httpHeaders").path("Sforce-Query-Options").asText(null);
        boolean all = m.group(2).equals("queryAll");
        ObjectNode result = m.group(3) != null
            ? queryFirst(options, java.net.URLDecoder.decode(m.group(3), StandardCharsets.UTF_8), all, m.group(1))
            : queryMore(options, m.group(4), all, m.group(1));
        r.set("body", result);
        r.putObject("httpHeaders");
        r.put("httpStatusCode", 200);
      } catch (Org.RequestError e) {
        counters.refused(e.code);
        ArrayNode errors = r.putArray("body");
        errors.addObject().put("message", e.getMessage()).put("errorCode", e.code);
        r.putObject("httpHeaders");
        r.put("httpStatusCode", e.status);
      }
      r.put("referenceId", sub.path("referenceId").asText(""));
    }
    return json(200, out);
  }

  private ObjectNode page(List<ObjectNode> hits, int offset, int batch, @Nullable String locator, boolean all, String version) {
    ObjectNode n = mapper.createObjectNode();
    int end = Math.min(hits.size(), offset + batch);
    n.put("totalSize", hits.size());
    n.put("done", end >= hits.size());
    if (end < hits.size()) {
      n.put("nextRecordsUrl", "/services/data/v" + version + (all ? "/queryAll/" : "/query/") + locator + "-" + end);
    }
    ArrayNode records = n.putArray("records");
    for (int i = offset; i < end; i++) {
      records.add(hits.get(i));
    }
    return n;
  }

  /**
   * The Query Options header (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm):
   * "The default is 2,000; the minimum is 200, and the maximum is 2,000. There is no guarantee that the requested
   * batch size is the actual batch size."
   */
  private static int batchSize(@Nullable String header) {
    int size = 2000;
    if (header != null) {
      Matcher m = Pattern.compile("batchSize\\s*=\\s*(\\d+)").matcher(header);
      if (m.find()) {
        size = Math.max(200, Math.min(2000, Integer.parseInt(m.group(1))));
      }
    }
    return size;
  }

  /**
   * Upsert Records Using sObject Collections
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm):
   * "The list can contain up to 200 objects", only of the type in the URI, each with an attributes map naming it;
   * results in the order of the records, errors per record.
   */
  private MockResponse collectionsUpsert(RecordedRequest req, String type, String field) throws Org.RequestError {
    JsonNode body;
    try {
      body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
    } catch (IOException e) {
      return refuse(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
    }
    if (body == null || !body.path("records").isArray()) {
      return refuse(400, "JSON_PARSER_ERROR", "The request body must hold a records array");
    }
    if (body.path("allOrNone").asBoolean(false)) {
      return refuse(400, "INVALID_OPERATION", "allOrNone=true is not supported by the emulator");
    }
    JsonNode records = body.get("records");
    if (records.size() > 200) {
      return refuse(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records in this operation");
    }
    SObjectSchema s = org.schema(type);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode r : records) {
      String declared = r.path("attributes").path("type").asText("");
      if (!declared.equalsIgnoreCase(s.name)) {
        return refuse(400, "INVALID_TYPE", "Each record must have attributes.type " + s.name + " but one had '" + declared + "'");
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (var e : r.properties()) {
        if (!e.getKey().equals("attributes")) {
          row.put(e.getKey(), scalar(e.getValue()));
        }
      }
      rows.add(row);
    }
    return json(200, org.renderResults(counted(org.upsert(type, field, rows, false)), true));
  }

  /**
   * Delete Records Using sObject Collections
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm):
   * up to 200 ids in {@code ids}; {@code allOrNone} is a query parameter here.
   */
  private MockResponse collectionsDelete(HttpUrl url) {
    String ids = url.queryParameter("ids");
    if (ids == null || ids.isBlank()) {
      return refuse(400, "MISSING_ARGUMENT", "ids not specified");
    }
    List<String> list = List.of(ids.split(","));
    if (list.size() > 200) {
      return refuse(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records in this operation");
    }
    if ("true".equalsIgnoreCase(url.queryParameter("allOrNone"))) {
      return refuse(400, "INVALID_OPERATION", "allOrNone=true is not supported by the emulator");
    }
    return json(200, org.renderResults(counted(org.delete(list)), false));
  }

  private List<Org.WriteResult> counted(List<Org.WriteResult> results) {
    for (Org.WriteResult r : results) {
      r.errors().forEach(e -> counters.recordError(e.statusCode()));
    }
    return results;
  }

  private static @Nullable Object scalar(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    return v.isTextual() ? v.textValue() : v.toString();
  }

  private MockResponse ingest(RecordedRequest req, String version, String rest) throws Org.RequestError {
    String method = req.getMethod();
    if (rest.equals("/ingest") || rest.equals("/ingest/")) {
      if (method.equals("GET")) {
        return allJobs(req.getUrl().queryParameter("queryLocator"), version);
      }
      if (!method.equals("POST")) {
        return refuse(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      }
      JsonNode body;
      try {
        body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
      } catch (IOException e) {
        return refuse(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
      }
      BulkJobs.Job j = bulk.create(body.path("object").asText(""), body.path("operation").asText(""),
          body.hasNonNull("externalIdFieldName") ? body.get("externalIdFieldName").asText() : null,
          body.path("contentType").asText("CSV"), body.path("columnDelimiter").asText("COMMA"),
          body.path("lineEnding").asText("LF"));
      return json(200, bulk.render(j, version, false));
    }
    Matcher m = JOB_PATH.matcher(rest);
    if (!m.matches()) {
      return refuse(404, "NOT_FOUND", "The requested resource does not exist");
    }
    String id = m.group(1);
    String sub = m.group(2);
    if (sub == null) {
      return switch (method) {
        case "GET" -> json(200, bulk.render(bulk.poll(id), version, true));
        case "PATCH" -> {
          JsonNode body;
          try {
            body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
          } catch (IOException e) {
            yield refuse(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
          }
          yield json(200, bulk.render(bulk.changeState(id, body.path("state").asText("")), version, false));
        }
        case "DELETE" -> {
          bulk.delete(id);
          yield new MockResponse.Builder().code(204).build();
        }
        default -> refuse(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      };
    }
    if (sub.equals("/batches")) {
      if (!method.equals("PUT")) {
        return refuse(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      }
      String ct = req.getHeaders().get("Content-Type");
      if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("text/csv")) {
        return refuse(400, "INVALIDBATCH", "InvalidBatch : Content-Type must be text/csv");
      }
      bulk.upload(id, req.getBody() == null ? "" : req.getBody().utf8());
      return new MockResponse.Builder().code(201).build();
    }
    BulkJobs.Job j = bulk.get(id);
    synchronized (bulk) {
      if (!j.state.equals("JobComplete") && !j.state.equals("Failed") && !j.state.equals("Aborted")) {
        return refuse(400, "INVALIDJOBSTATE", "Job is not finished: " + j.state);
      }
      String csv = switch (sub) {
        case "/successfulResults" -> j.successful.toString();
        case "/failedResults" -> j.failures.toString();
        default -> j.unprocessed.toString();
      };
      return new MockResponse.Builder().code(200).setHeader("Content-Type", "text/csv").body(csv).build();
    }
  }

  /**
   * Get All Jobs (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_all_jobs.htm):
   * {@code done}, {@code records} and, while more remain, {@code nextRecordsUrl} with a {@code queryLocator}.
   */
  private MockResponse allJobs(@Nullable String locator, String version) {
    int from = 0;
    if (locator != null) {
      try {
        from = Integer.parseInt(locator);
      } catch (NumberFormatException e) {
        return refuse(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
      }
    }
    ObjectNode n = mapper.createObjectNode();
    ArrayNode records = mapper.createArrayNode();
    synchronized (bulk) {
      List<BulkJobs.Job> all = bulk.all();
      int to = Math.min(all.size(), from + JOBS_PAGE);
      for (int i = Math.max(0, from); i < to; i++) {
        records.add(bulk.render(all.get(i), version, false));
      }
      n.put("done", to >= all.size());
      n.set("records", records);
      if (to < all.size()) {
        n.put("nextRecordsUrl", "/services/data/v" + version + "/jobs/ingest?queryLocator=" + to);
      } else {
        n.putNull("nextRecordsUrl");
      }
    }
    return json(200, n);
  }

  // ------------------------------------------------------------------------------------------ responses

  private MockResponse fault(Fault f) {
    return switch (f) {
      case SERVICE_UNAVAILABLE_HTML -> new MockResponse.Builder().code(503).setHeader("Content-Type", "text/html")
          .body("<html><head><title>Service Unavailable</title></head><body><h1>Down for maintenance</h1>"
              + "<p>This instance is undergoing maintenance. Please try again later.</p></body></html>")
          .build();
      case SERVER_ERROR -> error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567-89 (-1)");
      case GARBLED_JSON -> new MockResponse.Builder().code(200).setHeader("Content-Type", JSON_TYPE)
          .body("{\n  \"totalSize\" : 3,\n  \"done\" : true,\n  \"records\" : [ {\n    \"attributes\" : {\n      \"ty").build();
      case INVALID_SESSION -> error(401, "INVALID_SESSION_ID", "Session expired or invalid");
      case REQUEST_LIMIT_EXCEEDED -> error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
      default -> throw new IllegalArgumentException("served after applying the request: " + f);
    };
  }

  /** An error the real API would answer, counted in {@link #refusals()}. */
  private MockResponse refuse(int status, String code, String message) {
    counters.refused(code);
    return error(status, code, message);
  }

  private MockResponse error(int status, String code, String message) {
    ArrayNode a = mapper.createArrayNode();
    ObjectNode n = a.addObject();
    n.put("message", message);
    n.put("errorCode", code);
    return json(status, a);
  }

  private MockResponse json(int status, JsonNode body) {
    try {
      return new MockResponse.Builder().code(status).setHeader("Content-Type", JSON_TYPE)
          .body(mapper.writeValueAsString(body)).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MockResponse withUsage(MockResponse r, String usage) {
    return r.newBuilder().setHeader("Sforce-Limit-Info", usage).build();
  }

  @Override
  public String toString() {
    return "SalesforceEmulator[" + (started ? url() : "not started") + "]";
  }

  /** Configures a {@link SalesforceEmulator}. Not thread-safe. */
  public static final class Builder {
    private record CustomField(String object, String name, FieldType type, boolean externalId, List<String> picklist,
        boolean restricted, @Nullable String referenceTo) {}

    private int port;
    private TimeSource time = TimeSource.system();
    private String apiVersion = DEFAULT_API_VERSION;
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable PublicKey jwtKey;
    private @Nullable String audience;
    private final Set<String> users = new LinkedHashSet<>();
    private final Set<String> refreshTokens = new LinkedHashSet<>();
    private Duration sessionTimeout = Duration.ofHours(2);
    private long dailyApiLimit = 1_000_000;
    private long seed = 42;
    private double faultRate;
    private int bulkPollsBeforeComplete = 1;
    private final List<String> customObjects = new ArrayList<>();
    private final List<CustomField> customFields = new ArrayList<>();

    Builder() {}

    /**
     * The port to listen on; 0 (the default) picks a free one.
     *
     * @throws IllegalArgumentException if {@code port} is not within 0 to 65535
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be within 0 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** Where the emulator reads the time for timestamps, token expiry and JWT checks. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "timeSource");
      return this;
    }

    /** The version reported in describe URLs and job infos for paths that do not name one. */
    public Builder apiVersion(String apiVersion) {
      Objects.requireNonNull(apiVersion, "apiVersion");
      if (!apiVersion.matches("\\d{2,3}\\.\\d")) {
        throw new IllegalArgumentException("apiVersion must look like 66.0: '" + apiVersion + "'");
      }
      this.apiVersion = apiVersion;
      return this;
    }

    /**
     * Accepts JWT bearer assertions issued by {@code clientId} and signed with the private key of {@code
     * publicKey}. Without it, the JWT bearer grant is refused.
     */
    public Builder jwtBearer(String clientId, PublicKey publicKey) {
      this.clientId = requireText(clientId, "clientId");
      this.jwtKey = Objects.requireNonNull(publicKey, "publicKey");
      return this;
    }

    /** The connected app's client id and secret; without them any client id, and any non-blank secret, pass. */
    public Builder clientCredentials(String clientId, String clientSecret) {
      this.clientId = requireText(clientId, "clientId");
      this.clientSecret = requireText(clientSecret, "clientSecret");
      return this;
    }

    /** Accepts {@code refreshToken}; without any configured, every non-blank refresh token passes. */
    public Builder refreshToken(String refreshToken) {
      refreshTokens.add(requireText(refreshToken, "refreshToken"));
      return this;
    }

    /** Accepts JWT assertions whose {@code sub} is {@code username}; without any configured, any user passes. */
    public Builder user(String username) {
      users.add(requireText(username, "username"));
      return this;
    }

    /** The {@code aud} JWT assertions must carry; by default the emulator's own URL. */
    public Builder audience(String audience) {
      this.audience = requireText(audience, "audience");
      return this;
    }

    /**
     * How long access tokens stay valid on the emulator's clock (default 2 hours, Salesforce's default session
     * timeout; orgs set 15 minutes to 24 hours in Session Settings). Any positive duration is taken, so that tests
     * can expire tokens every few seconds.
     */
    public Builder sessionTimeout(Duration sessionTimeout) {
      Objects.requireNonNull(sessionTimeout, "sessionTimeout");
      this.sessionTimeout = Checks.positive(sessionTimeout, "sessionTimeout");
      return this;
    }

    /**
     * API requests allowed in a rolling 24 hours before {@code REQUEST_LIMIT_EXCEEDED} (default 1,000,000). Replaces
     * an {@link #edition}'s allocation.
     */
    public Builder dailyApiLimit(long dailyApiLimit) {
      this.dailyApiLimit = Checks.positive(dailyApiLimit, "dailyApiLimit");
      return this;
    }

    /** The allocation of {@code edition} with {@code licenses} Salesforce licenses, as {@link OrgEdition} documents it. */
    public Builder edition(OrgEdition edition, int licenses) {
      Objects.requireNonNull(edition, "edition");
      return dailyApiLimit(edition.dailyApiRequests(licenses));
    }

    /** Where the random fault injection's choices start (default 42); the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The share of requests, to every endpoint (token endpoint, queries, writes, Bulk API uploads and state changes),
     * answered with one of the {@link Fault#TRANSPORT} faults, drawn from the seeded random source (default 0).
     */
    public Builder faultRate(double faultRate) {
      if (!(faultRate >= 0 && faultRate <= 1)) {
        throw new IllegalArgumentException("faultRate must be within 0 and 1: " + faultRate);
      }
      this.faultRate = faultRate;
      return this;
    }

    /** How many job-info polls report {@code InProgress} before a Bulk job completes (default 1). */
    public Builder bulkPollsBeforeComplete(int polls) {
      this.bulkPollsBeforeComplete = Checks.notNegative(polls, "bulkPollsBeforeComplete");
      return this;
    }

    /**
     * Adds a custom object such as {@code Invoice__c}, with a {@code Name} field and the audit fields.
     *
     * @throws IllegalArgumentException if the name does not end in {@code __c}
     */
    public Builder sObject(String name) {
      requireText(name, "name");
      if (!name.matches("[A-Za-z][A-Za-z0-9_]*__c")) {
        throw new IllegalArgumentException("custom object names end in __c: '" + name + "'");
      }
      customObjects.add(name);
      return this;
    }

    /**
     * Adds a custom field such as {@code Favourite_Colour__c} to {@code sObject}.
     *
     * @throws IllegalArgumentException if the name does not end in {@code __c}
     */
    public Builder customField(String sObject, String name, FieldType type) {
      return addField(sObject, name, type, false, List.of(), false);
    }

    /** Adds a custom text field marked External ID and unique, usable as an upsert key. */
    public Builder externalIdField(String sObject, String name) {
      return addField(sObject, name, FieldType.STRING, true, List.of(), false);
    }

    /**
     * Adds a custom picklist field with {@code values}; a {@code restricted} one refuses other values with {@code
     * INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST}, as picklists created since Spring '17 do by default.
     */
    public Builder picklistField(String sObject, String name, List<String> values, boolean restricted) {
      Objects.requireNonNull(values, "values");
      if (values.isEmpty()) {
        throw new IllegalArgumentException("a picklist needs at least one value");
      }
      return addField(sObject, name, FieldType.PICKLIST, false, values, restricted);
    }

    /**
     * Adds a custom lookup field to {@code sObject} whose values are ids of {@code referenceTo} records (an sObject
     * of the emulator, or {@code User}); its relationship name ends in {@code __r}.
     */
    public Builder lookupField(String sObject, String name, String referenceTo) {
      requireText(referenceTo, "referenceTo");
      addField(sObject, name, FieldType.REFERENCE, false, List.of(), false);
      CustomField f = customFields.remove(customFields.size() - 1);
      customFields.add(new CustomField(f.object, f.name, f.type, false, List.of(), false, referenceTo));
      return this;
    }

    private Builder addField(String sObject, String name, FieldType type, boolean externalId, List<String> picklist,
        boolean restricted) {
      requireText(sObject, "sObject");
      requireText(name, "name");
      Objects.requireNonNull(type, "type");
      if (!name.matches("[A-Za-z][A-Za-z0-9_]*__c")) {
        throw new IllegalArgumentException("custom field names end in __c: '" + name + "'");
      }
      customFields.add(new CustomField(sObject, name, type, externalId, List.copyOf(picklist), restricted, null));
      return this;
    }

    private static String requireText(String value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return value;
    }

    public SalesforceEmulator build() {
      return new SalesforceEmulator(this);
    }
  }
}

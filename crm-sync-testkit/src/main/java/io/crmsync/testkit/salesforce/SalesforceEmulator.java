package io.crmsync.testkit.salesforce;

import io.crmsync.internal.Checks;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.internal.SharedResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
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
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory Salesforce org served over loopback HTTP, for tests and demos. Start one in a test with
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
 * }
 * }</pre>
 *
 * <p>What it serves, in the shapes real orgs return (checked field for field against recorded responses):
 *
 * <ul>
 *   <li>{@code POST /services/oauth2/token}: the JWT bearer grant (RS256 signature verified with the configured
 *       public key; {@code iss}, {@code sub}, {@code aud} and {@code exp} checked), the refresh token grant and
 *       the client credentials grant; {@code instance_url} is the emulator itself.
 *   <li>{@code GET /services/data}, {@code .../limits}, {@code .../sobjects/{type}/describe}.
 *   <li>{@code GET .../query?q=} and {@code .../queryAll?q=} with a SOQL subset (see below), {@code
 *       Sforce-Query-Options: batchSize} (200 to 2,000, as Salesforce clamps it) and {@code nextRecordsUrl}.
 *   <li>sObject Collections: {@code PATCH .../composite/sobjects/{type}/{externalIdField}} (upsert, 200 records at
 *       most) and {@code DELETE .../composite/sobjects?ids=}.
 *   <li>Bulk API 2.0 ingest: create job, upload CSV, {@code UploadComplete}, job info (a job completes after
 *       {@link Builder#bulkPollsBeforeComplete} polls), successful / failed / unprocessed results, abort, delete.
 *   <li>{@code Sforce-Limit-Info: api-usage=n/max} on every API response, and {@code REQUEST_LIMIT_EXCEEDED}
 *       once {@link Builder#dailyApiLimit} requests were served.
 *   <li>Faults: {@link #injectFault} for the next request, or a seeded {@link Builder#faultRate}.
 * </ul>
 *
 * <p>SOQL: {@code SELECT} fields and parent fields ({@code Account.Name}) {@code FROM} one type, {@code WHERE}
 * with {@code AND OR NOT}, parentheses, {@code = != <> < <= > >= LIKE IN NOT IN} on strings (compared without
 * regard to case), numbers, booleans, {@code null}, dates and datetimes, {@code ORDER BY} and {@code LIMIT}.
 * String literals are decoded by Salesforce's escaping rules.
 *
 * <p>Writes follow Salesforce: records are processed in chunks of 200; emails are validated; required fields,
 * read-only fields, lengths and types are checked per record; an external id matched by several records, or
 * repeated within a chunk, fails that record with {@code DUPLICATE_EXTERNAL_ID}; unknown fields fail the
 * request. Deleted records stay visible to {@code queryAll} with {@code IsDeleted = true}.
 *
 * <p>Thread-safe. The emulator records no request bodies, so memory stays bounded by the org's data.
 */
public final class SalesforceEmulator implements AutoCloseable {
  /** The API version the emulator reports as its latest. It serves any {@code vNN.N} path. */
  public static final String DEFAULT_API_VERSION = "66.0";

  private static final Pattern DATA_PATH = Pattern.compile("/services/data/v(\\d{2,3}\\.\\d)(/.*)?");
  private static final Pattern JOB_PATH =
      Pattern.compile("/ingest/([A-Za-z0-9]+)(/batches|/successfulResults|/failedResults|/unprocessedrecords)?/?");
  private static final String JSON_TYPE = "application/json;charset=UTF-8";

  private final Builder config;
  private final ObjectMapper mapper = SharedResources.objectMapper();
  private final TimeSource time;
  private final Org org;
  private final BulkJobs bulk;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final Map<String, Instant> sessions = new HashMap<>();
  private final Map<String, List<ObjectNode>> cursors =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ObjectNode>> eldest) {
          return size() > 500;
        }
      };
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Deque<String> log = new ArrayDeque<>();
  private final SplittableRandom random;
  private final SecureRandom tokens = new SecureRandom();
  private long apiRequests;
  private long cursorSeq;
  private volatile boolean started;

  private SalesforceEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
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
      s.add(FieldDef.custom(f.name, f.type, f.externalId));
    }
    this.bulk = new BulkJobs(org, mapper, time, b.bulkPollsBeforeComplete);
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

  /** Serves the next API request (not a token request) with {@code fault} instead. */
  public SalesforceEmulator injectFault(Fault fault) {
    synchronized (lock) {
      injected.add(Objects.requireNonNull(fault, "fault"));
    }
    return this;
  }

  /** Invalidates every access token issued so far, as a session timeout or a revoked session would. */
  public void expireSessions() {
    synchronized (lock) {
      sessions.clear();
    }
  }

  /** How many API requests (not token requests) were counted against the daily limit. */
  public long apiRequests() {
    synchronized (lock) {
      return apiRequests;
    }
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
      return issued;
    }
  }

  private int issued;

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
    String usage = null;
    try {
      if (path.equals("/services/oauth2/token")) {
        return req.getMethod().equals("POST") ? token(req) : error(405, "METHOD_NOT_ALLOWED", "HTTP Method not allowed");
      }
      if (path.equals("/services/data") || path.equals("/services/data/")) {
        return versions();
      }
      Matcher m = DATA_PATH.matcher(path);
      if (!m.matches()) {
        return error(404, "NOT_FOUND", "The requested resource does not exist");
      }
      String version = m.group(1);
      String rest = m.group(2) == null ? "/" : m.group(2);
      synchronized (lock) {
        String auth = req.getHeaders().get("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip() : null;
        Instant expiry = token == null ? null : sessions.get(token);
        Fault fault = injected.pollFirst();
        if (fault == Fault.INVALID_SESSION || expiry == null || !time.now().isBefore(expiry)) {
          if (token != null) {
            sessions.remove(token);
          }
          return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
        }
        apiRequests++;
        usage = "api-usage=" + Math.min(apiRequests, config.dailyApiLimit) + "/" + config.dailyApiLimit;
        if (fault == Fault.REQUEST_LIMIT_EXCEEDED || apiRequests > config.dailyApiLimit) {
          return withUsage(error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), usage);
        }
        if (fault == null && config.faultRate > 0 && random.nextDouble() < config.faultRate) {
          Fault[] random3 = {Fault.SERVICE_UNAVAILABLE_HTML, Fault.SERVER_ERROR, Fault.GARBLED_JSON};
          fault = random3[random.nextInt(random3.length)];
        }
        if (fault != null) {
          return withUsage(fault(fault), usage);
        }
      }
      return withUsage(route(req, version, rest), usage);
    } catch (Org.RequestError e) {
      MockResponse r = error(e.status, e.code, e.getMessage());
      return usage == null ? r : withUsage(r, usage);
    } catch (RuntimeException e) {
      MockResponse r = error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred: " + e);
      return usage == null ? r : withUsage(r, usage);
    }
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
          return error(400, "MALFORMED_QUERY", "A query string has to be specified");
        }
        return queryFirst(req, q, all, version);
      }
      return queryMore(req, tail.substring(1), all, version);
    }
    if (rest.startsWith("/composite/sobjects")) {
      if (method.equals("PATCH")) {
        String[] parts = rest.substring("/composite/sobjects/".length()).split("/");
        if (parts.length != 2) {
          return error(400, "INVALID_URL", "Upsert takes /composite/sobjects/{sObject}/{externalIdField}");
        }
        return collectionsUpsert(req, parts[0], parts[1]);
      }
      if (method.equals("DELETE")) {
        String ids = url.queryParameter("ids");
        if (ids == null || ids.isBlank()) {
          return error(400, "MISSING_ARGUMENT", "ids not specified");
        }
        List<String> list = List.of(ids.split(","));
        if (list.size() > 200) {
          return error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records in this operation");
        }
        if ("true".equalsIgnoreCase(url.queryParameter("allOrNone"))) {
          return error(400, "INVALID_OPERATION", "allOrNone=true is not supported by the emulator");
        }
        return json(200, org.renderResults(org.delete(list), false));
      }
    }
    if (rest.startsWith("/jobs/ingest")) {
      return ingest(req, version, rest.substring("/jobs".length()));
    }
    return error(404, "NOT_FOUND", "The requested resource does not exist");
  }

  // ------------------------------------------------------------------------------------------ OAuth

  private MockResponse token(RecordedRequest req) {
    Map<String, String> form = form(req.getBody() == null ? "" : req.getBody().utf8());
    String grant = form.getOrDefault("grant_type", "");
    return switch (grant) {
      case "urn:ietf:params:oauth:grant-type:jwt-bearer" -> jwtGrant(form.get("assertion"));
      case "refresh_token" -> {
        if (!clientOk(form.get("client_id"), form.get("client_secret"), false)) {
          yield oauthError(400, "invalid_client_id", "client identifier invalid");
        }
        String rt = form.get("refresh_token");
        if (rt == null || rt.isBlank() || (!config.refreshTokens.isEmpty() && !config.refreshTokens.contains(rt))) {
          yield oauthError(400, "invalid_grant", "expired access/refresh token");
        }
        yield issue();
      }
      case "client_credentials" -> {
        if (!clientOk(form.get("client_id"), form.get("client_secret"), true)) {
          yield oauthError(400, "invalid_client", "invalid client credentials");
        }
        yield issue();
      }
      default -> oauthError(400, "unsupported_grant_type", "grant type not supported");
    };
  }

  private boolean clientOk(@Nullable String id, @Nullable String secret, boolean secretRequired) {
    if (id == null || id.isBlank()) {
      return false;
    }
    if (config.clientId != null && !config.clientId.equals(id)) {
      return false;
    }
    if (config.clientSecret != null) {
      return secret != null ? config.clientSecret.equals(secret) : !secretRequired;
    }
    return !secretRequired || (secret != null && !secret.isBlank());
  }

  private MockResponse jwtGrant(@Nullable String assertion) {
    if (assertion == null) {
      return oauthError(400, "invalid_request", "assertion is required");
    }
    if (config.jwtKey == null) {
      return oauthError(400, "invalid_grant", "no certificate is configured for this connected app");
    }
    String[] parts = assertion.split("\\.");
    if (parts.length != 3) {
      return oauthError(400, "invalid_grant", "invalid assertion");
    }
    try {
      Base64.Decoder dec = Base64.getUrlDecoder();
      JsonNode header = mapper.readTree(dec.decode(parts[0]));
      if (!"RS256".equals(header.path("alg").asText())) {
        return oauthError(400, "invalid_grant", "invalid assertion: alg must be RS256");
      }
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initVerify(config.jwtKey);
      sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!sig.verify(dec.decode(parts[2]))) {
        return oauthError(400, "invalid_grant", "invalid assertion: signature does not verify");
      }
      JsonNode claims = mapper.readTree(dec.decode(parts[1]));
      String iss = claims.path("iss").asText("");
      String sub = claims.path("sub").asText("");
      String aud = claims.path("aud").asText("");
      long exp = claims.path("exp").asLong(0);
      if (iss.isEmpty() || (config.clientId != null && !config.clientId.equals(iss))) {
        return oauthError(400, "invalid_client_id", "client identifier invalid");
      }
      if (sub.isEmpty() || (!config.users.isEmpty() && !config.users.contains(sub))) {
        return oauthError(400, "invalid_grant", "user hasn't approved this consumer");
      }
      String expected = config.audience != null ? config.audience : url();
      if (!strip(aud).equals(strip(expected))) {
        return oauthError(400, "invalid_grant", "audience is invalid");
      }
      long now = time.now().getEpochSecond();
      if (exp <= now) {
        return oauthError(400, "invalid_grant", "expired authorization code");
      }
      if (exp > now + 300) {
        return oauthError(400, "invalid_grant", "invalid assertion: exp is more than 3 minutes ahead");
      }
      return issue();
    } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
      return oauthError(400, "invalid_grant", "invalid assertion");
    }
  }

  private static String strip(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private MockResponse issue() {
    byte[] raw = new byte[24];
    String token;
    synchronized (lock) {
      tokens.nextBytes(raw);
      token = "00D000000000001!" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      sessions.put(token, time.now().plus(config.sessionTimeout));
      issued++;
    }
    ObjectNode n = mapper.createObjectNode();
    n.put("access_token", token);
    n.put("signature", Base64.getEncoder().encodeToString(raw));
    n.put("scope", "api");
    n.put("instance_url", url());
    n.put("id", url() + "/id/00D000000000001AAA/" + Org.USER_ID);
    n.put("token_type", "Bearer");
    n.put("issued_at", String.valueOf(time.now().toEpochMilli()));
    return json(200, n);
  }

  private MockResponse oauthError(int status, String error, String description) {
    ObjectNode n = mapper.createObjectNode();
    n.put("error", error);
    n.put("error_description", description);
    return json(status, n);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(java.net.URLDecoder.decode(k, StandardCharsets.UTF_8), java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
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
    ObjectNode daily = n.putObject("DailyApiRequests");
    long used;
    synchronized (lock) {
      used = apiRequests;
    }
    daily.put("Max", config.dailyApiLimit);
    daily.put("Remaining", Math.max(0, config.dailyApiLimit - used));
    ObjectNode bulk = n.putObject("DailyBulkV2QueryJobs");
    bulk.put("Max", 10000);
    bulk.put("Remaining", 10000);
    return json(200, n);
  }

  private MockResponse queryFirst(RecordedRequest req, String soql, boolean all, String version) throws Org.RequestError {
    List<ObjectNode> hits = org.query(soql, all, version);
    int batch = batchSize(req.getHeaders().get("Sforce-Query-Options"));
    String locator = null;
    if (hits.size() > batch) {
      synchronized (lock) {
        locator = String.format(Locale.ROOT, "01g%012dAAA", ++cursorSeq);
        cursors.put(locator, hits);
      }
    }
    return json(200, page(hits, 0, batch, locator, all, version));
  }

  private MockResponse queryMore(RecordedRequest req, String tail, boolean all, String version) {
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
      return error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    return json(200, page(hits, offset, batchSize(req.getHeaders().get("Sforce-Query-Options")), locator, all, version));
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

  private MockResponse collectionsUpsert(RecordedRequest req, String type, String field) throws Org.RequestError {
    JsonNode body;
    try {
      body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
    } catch (IOException e) {
      return error(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
    }
    if (body == null || !body.path("records").isArray()) {
      return error(400, "JSON_PARSER_ERROR", "The request body must hold a records array");
    }
    if (body.path("allOrNone").asBoolean(false)) {
      return error(400, "INVALID_OPERATION", "allOrNone=true is not supported by the emulator");
    }
    JsonNode records = body.get("records");
    if (records.size() > 200) {
      return error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records in this operation");
    }
    SObjectSchema s = org.schema(type);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode r : records) {
      String declared = r.path("attributes").path("type").asText("");
      if (!declared.equalsIgnoreCase(s.name)) {
        return error(400, "INVALID_TYPE", "Each record must have attributes.type " + s.name + " but one had '" + declared + "'");
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (var e : r.properties()) {
        if (!e.getKey().equals("attributes")) {
          row.put(e.getKey(), scalar(e.getValue()));
        }
      }
      rows.add(row);
    }
    return json(200, org.renderResults(org.upsert(type, field, rows, false), true));
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
      if (!method.equals("POST")) {
        return error(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      }
      JsonNode body;
      try {
        body = mapper.readTree(req.getBody() == null ? new byte[0] : req.getBody().toByteArray());
      } catch (IOException e) {
        return error(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
      }
      BulkJobs.Job j = bulk.create(body.path("object").asText(""), body.path("operation").asText(""),
          body.hasNonNull("externalIdFieldName") ? body.get("externalIdFieldName").asText() : null,
          body.path("contentType").asText("CSV"), body.path("columnDelimiter").asText("COMMA"),
          body.path("lineEnding").asText("LF"));
      return json(200, bulk.render(j, version, false));
    }
    Matcher m = JOB_PATH.matcher(rest);
    if (!m.matches()) {
      return error(404, "NOT_FOUND", "The requested resource does not exist");
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
            yield error(400, "JSON_PARSER_ERROR", "Unexpected character in the request body");
          }
          yield json(200, bulk.render(bulk.changeState(id, body.path("state").asText("")), version, false));
        }
        case "DELETE" -> bulk.delete(id) ? new MockResponse.Builder().code(204).build()
            : error(404, "NOT_FOUND", "The requested resource does not exist");
        default -> error(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      };
    }
    if (sub.equals("/batches")) {
      if (!method.equals("PUT")) {
        return error(405, "METHOD_NOT_ALLOWED", "HTTP Method '" + method + "' not allowed");
      }
      String ct = req.getHeaders().get("Content-Type");
      if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("text/csv")) {
        return error(400, "INVALIDBATCH", "InvalidBatch : Content-Type must be text/csv");
      }
      bulk.upload(id, req.getBody() == null ? "" : req.getBody().utf8());
      return new MockResponse.Builder().code(201).build();
    }
    BulkJobs.Job j = bulk.get(id);
    synchronized (bulk) {
      if (!j.state.equals("JobComplete") && !j.state.equals("Failed") && !j.state.equals("Aborted")) {
        return error(400, "INVALIDJOBSTATE", "Job is not finished: " + j.state);
      }
      String csv = switch (sub) {
        case "/successfulResults" -> j.successful.toString();
        case "/failedResults" -> j.failures.toString();
        default -> j.unprocessed.toString();
      };
      return new MockResponse.Builder().code(200).setHeader("Content-Type", "text/csv").body(csv).build();
    }
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
    };
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
    private record CustomField(String object, String name, FieldType type, boolean externalId) {}

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

    /** How long access tokens stay valid on the emulator's clock (default 2 hours). */
    public Builder sessionTimeout(Duration sessionTimeout) {
      Objects.requireNonNull(sessionTimeout, "sessionTimeout");
      this.sessionTimeout = Checks.positive(sessionTimeout, "sessionTimeout");
      return this;
    }

    /** API requests served before {@code REQUEST_LIMIT_EXCEEDED} (default 1,000,000). */
    public Builder dailyApiLimit(long dailyApiLimit) {
      this.dailyApiLimit = Checks.positive(dailyApiLimit, "dailyApiLimit");
      return this;
    }

    /** The seed of the random fault injection (default 42). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The share of API requests answered with a random 503 HTML page, 500 or garbled JSON (default 0). */
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
      return addField(sObject, name, type, false);
    }

    /** Adds a custom text field marked External ID and unique, usable as an upsert key. */
    public Builder externalIdField(String sObject, String name) {
      return addField(sObject, name, FieldType.STRING, true);
    }

    private Builder addField(String sObject, String name, FieldType type, boolean externalId) {
      requireText(sObject, "sObject");
      requireText(name, "name");
      Objects.requireNonNull(type, "type");
      if (!name.matches("[A-Za-z][A-Za-z0-9_]*__c")) {
        throw new IllegalArgumentException("custom field names end in __c: '" + name + "'");
      }
      customFields.add(new CustomField(sObject, name, type, externalId));
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

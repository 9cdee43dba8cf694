package io.crmsync.testkit.dynamics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import io.crmsync.testkit.dynamics.Org.Ref;
import io.crmsync.testkit.dynamics.Org.Row;
import io.crmsync.testkit.internal.NoDelayServerSockets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
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
 * Microsoft Dataverse (Dynamics 365) Web API, in memory, over HTTP on loopback: for tests of code that talks to
 * Dataverse, and for {@code crm-sync emulate dynamics}. The emulator is both the org ({@code /api/data/v9.x}) and
 * its Microsoft Entra ID token endpoint ({@code /{tenant}/oauth2/v2.0/token}). Thread-safe.
 *
 * <pre>{@code
 * try (DataverseEmulator dv = DataverseEmulator.builder().alternateKey("contact", "emailaddress1").build().start()) {
 *   CRMAdapter adapter = DynamicsAdapter.create(AdapterConfig.fromMap("dynamics", dv.adapterSettings()));
 *   ...
 *   assertThat(dv.records("contacts")).hasSize(3);
 *   assertThat(dv.refusals()).isEmpty();
 * }
 * }</pre>
 *
 * <h2>What it emulates</h2>
 *
 * Each rule cites the page it follows, beside its code; where the published exchanges in {@code
 * ../shared/specs/dynamics365} and a page disagree, the exchanges win.
 *
 * <ul>
 *   <li>Queries: {@code $select}, {@code $filter} ({@code eq ne gt ge lt le and or not}, {@code contains startswith
 *       endswith}, on text, numbers, dates, GUIDs), {@code $orderby}, {@code $top}, {@code $count}; server-driven
 *       paging with {@code Prefer: odata.maxpagesize} (5,000 at most) and an opaque paging-cookie {@code
 *       @odata.nextLink}.
 *   <li>Change tracking: {@code Prefer: odata.track-changes} answers with an {@code @odata.deltaLink}; following it
 *       returns rows changed since, and {@code $deletedEntity} entries for rows deleted since. Tokens expire after
 *       {@link Builder#deltaTokenLifetime}.
 *   <li>Writes: POST, PATCH by primary key or alternate key (an upsert; {@code If-Match: *} only updates, {@code
 *       If-None-Match: *} only creates, {@code Prefer: return=representation} answers 201/200 with the row), DELETE;
 *       lookups bound with {@code @odata.bind}. Unknown columns, values of the wrong type, text over {@code
 *       MaxLength}, choices outside their options, malformed ids and keys are refused as Dataverse refuses them.
 *   <li>{@code $batch} with change sets (atomic) and {@code Prefer: odata.continue-on-error}, up to 1,000
 *       operations.
 *   <li>The recycle bin of tables it is enabled for ({@link Builder#recycleBin}): deleted rows kept for 30 days and
 *       read with a FetchXml query ({@code ?fetchXml=<fetch datasource='bin'>}; attributes, {@code count}, {@code
 *       page} and paging cookies only).
 *   <li>Table definitions: {@code EntityDefinitions}, {@code Attributes} (and the choice casts with their {@code
 *       OptionSet}), {@code Keys}, {@code ManyToOneRelationships}.
 *   <li>Client credentials tokens (secret, or a certificate's signed assertion) that expire after {@link
 *       Builder#tokenLifetime}; service protection limits (requests per window, concurrent requests) answered with
 *       429, {@code Retry-After} and the documented error codes, and {@code x-ms-ratelimit-*} headers.
 *   <li>Seeded {@link Fault faults}, some after the request was applied, as a lost response would be.
 * </ul>
 *
 * <p>Not emulated: {@code $expand}, {@code $apply}, lookup paths in filters, FetchXML beyond the above, functions and actions, the
 * execution-time limit of service protection, plug-ins. A request using them is refused with 400 and counted apart
 * in {@link #unsupportedCount()}.
 *
 * <p>The emulator counts what it refused ({@link #refusals()}: requests the real API would refuse, inside batches
 * too), what it rate limited ({@link #rateLimitedCount()}) and the faults it injected ({@link #faultCount()}), so
 * tests can assert none happened.
 */
public final class DataverseEmulator implements AutoCloseable {
  /** The Web API version the emulator reports. It serves any {@code v9.x} path. */
  public static final String DEFAULT_API_VERSION = "9.2";

  private static final Pattern TOKEN_PATH = Pattern.compile("/([^/]+)/oauth2/v2\\.0/token");
  private static final Pattern API_PATH = Pattern.compile("/api/data/v(9\\.[0-9])(/(.*))?");
  private static final DateTimeFormatter AAD_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  /** One request the emulator answered. */
  public record RequestLog(Instant at, String method, String path, int status, @Nullable Fault fault) {}

  /**
   * A request (or a request inside a {@code $batch}) the emulator refused as Dataverse would.
   *
   * @param code the {@code error.code} of the answer
   */
  public record Refusal(String method, String path, int status, String code, String message) {}

  /** A webhook request as Dataverse sends it to a registered service endpoint: the JSON body and headers. */
  public record Webhook(String body, Map<String, String> headers) {
    public Webhook {
      headers = Map.copyOf(headers);
    }
  }

  private final Builder config;
  private final TimeSource time;
  private final ObjectMapper json = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private final Org org;
  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final SplittableRandom random;
  private final SecureRandom tokens = new SecureRandom();
  private final Deque<Fault> injected = new ArrayDeque<>();
  private final Map<String, Deque<Fault>> injectedFor = new HashMap<>();
  private final Map<String, Instant> accessTokens = new HashMap<>();
  private final Deque<Instant> window = new ArrayDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Deque<RequestLog> log = new ArrayDeque<>();
  private final Deque<Refusal> refusals = new ArrayDeque<>();
  private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
  private final LongAdder requestTotal = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder rateLimited = new LongAdder();
  private final LongAdder faults = new LongAdder();
  private final LongAdder unsupported = new LongAdder();
  private final LongAdder ignoredReadOnly = new LongAdder();
  private final @Nullable X509Certificate certificate;
  private @Nullable Service service;
  private int authFailures;
  private long tokensIssued;
  private boolean paused;
  private boolean started;

  private DataverseEmulator(Builder b) {
    this.config = b;
    this.time = b.time;
    this.random = new SplittableRandom(b.seed);
    this.org = new Org(time, b.seed);
    this.certificate = b.certificatePem == null ? null : readCertificate(b.certificatePem);
    Map<String, TableSpec> tables = new LinkedHashMap<>();
    for (TableSpec t : StandardTables.all()) {
      tables.put(t.logicalName, t);
    }
    for (TableSpec t : b.tables) {
      if (tables.containsKey(t.logicalName)) {
        throw new IllegalArgumentException("table " + t.logicalName + " already exists");
      }
      tables.put(t.logicalName, t.completed());
    }
    b.columns.forEach((table, cols) -> {
      TableSpec t = requireSpec(tables, table);
      cols.forEach(c -> t.column(c.asCustom(true)));
    });
    b.keys.forEach((table, keys) -> keys.forEach(k -> requireSpec(tables, table).alternateKey(k.toArray(String[]::new))));
    b.changeTracking.forEach((table, on) -> requireSpec(tables, table).changeTracking(on));
    b.recycleBin.forEach((table, on) -> requireSpec(tables, table).recycleBin(on));
    for (TableSpec t : tables.values()) {
      org.add(new Table(t, UUID.nameUUIDFromBytes(t.logicalName.getBytes(StandardCharsets.UTF_8))));
    }
    Table users = org.byLogical.get("systemuser");
    Map<String, Object> app = new LinkedHashMap<>();
    app.put("firstname", "# crm-sync");
    app.put("lastname", "application user");
    app.put("applicationid", b.clientId == null ? "emulator" : b.clientId);
    org.insert(users, org.callerId, app);
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return handle(request);
      }
    });
  }

  private static TableSpec requireSpec(Map<String, TableSpec> tables, String name) {
    TableSpec t = tables.get(name);
    if (t == null) {
      for (TableSpec s : tables.values()) {
        if (s.entitySetName.equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown table '" + name + "'; declare custom tables with table(TableSpec)");
    }
    return t;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** An emulator with the defaults, not yet started: {@code DataverseEmulator.create().start()}. */
  public static DataverseEmulator create() {
    return builder().build();
  }

  /**
   * A PEM file's text holding a throwaway self-signed certificate and its private key, for tests of certificate
   * credentials: give it to {@link Builder#clientCertificate} and to the adapter. It is trusted nowhere.
   */
  public static String testClientCertificatePem() {
    try (InputStream in = DataverseEmulator.class.getResourceAsStream("test-client-certificate.pem")) {
      if (in == null) {
        throw new IllegalStateException("test-client-certificate.pem is missing from the testkit");
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts listening on loopback.
   *
   * @throws IllegalStateException if it was started before
   * @throws UncheckedIOException if the port cannot be bound
   */
  public DataverseEmulator start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("emulator was already started");
      }
      started = true;
    }
    try {
      server.start(InetAddress.getLoopbackAddress(), config.port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Dataverse emulator on port " + config.port, e);
    }
    synchronized (lock) {
      service = new Service(org, json, url(), config.deltaTokenLifetime, new Service.Listener() {
        @Override
        public void ignoredReadOnly(String table, String column) {
          ignoredReadOnly.increment();
        }

        @Override
        public void batchPart(String method, String target, Service.Resp resp) {
          countStatus(resp.status, method, "$batch: " + target, resp.body);
        }
      });
    }
    return this;
  }

  /** The org URL, such as {@code http://127.0.0.1:54321}: the Web API is under {@code /api/data/v9.2}. */
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

  /** The token endpoint, {@code <url>/<tenant>/oauth2/v2.0/token}. */
  public String tokenUrl() {
    return url() + "/" + config.tenant + "/oauth2/v2.0/token";
  }

  /** The tenant the token endpoint serves. */
  public String tenant() {
    return config.tenant;
  }

  /**
   * Settings for the Dynamics adapter ({@code AdapterConfig.fromMap("dynamics", settings)}): org URL, tenant, token
   * URL, client id and secret (when the emulator was given a certificate instead, add {@code certificate} or {@code
   * certificateFile} yourself).
   */
  public Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("orgUrl", url());
    s.put("tenantId", config.tenant);
    s.put("tokenUrl", tokenUrl());
    s.put("clientId", config.clientId == null ? "emulator" : config.clientId);
    if (config.certificatePem == null) {
      s.put("clientSecret", config.clientSecret == null ? "emulator" : config.clientSecret);
    }
    return s;
  }

  @Override
  public void close() {
    server.close();
  }

  // -------------------------------------------------------------------------------------- inspection

  /** The rows of a table (logical or entity set name), by logical column name; lookups as GUID strings. */
  public List<Map<String, Object>> records(String table) {
    synchronized (lock) {
      Table t = table(table);
      List<Map<String, Object>> out = new ArrayList<>();
      for (Row r : org.data(t).rows.values()) {
        out.add(view(r));
      }
      return Collections.unmodifiableList(out);
    }
  }

  /** One row, or null. */
  public @Nullable Map<String, Object> record(String table, String id) {
    synchronized (lock) {
      Row r = org.get(table(table), UUID.fromString(id));
      return r == null ? null : view(r);
    }
  }

  /** How many rows a table holds. */
  public int count(String table) {
    synchronized (lock) {
      return org.data(table(table)).rows.size();
    }
  }

  private static Map<String, Object> view(Row r) {
    Map<String, Object> m = new TreeMap<>();
    r.values.forEach((k, v) -> m.put(k, v instanceof Ref ref ? ref.id().toString()
        : v instanceof UUID u ? u.toString() : v instanceof Instant i ? i.toString() : v));
    return Collections.unmodifiableMap(m);
  }

  /**
   * Creates a row directly, as another user of the org would, without a request: {@code values} as a Web API body
   * would have them (lookups as {@code nav@odata.bind}), checked as a request's would be. Returns its id.
   *
   * @throws IllegalArgumentException if Dataverse would refuse the values
   */
  public String insert(String table, Map<String, ?> values) {
    synchronized (lock) {
      Table t = table(table);
      try {
        Map<String, Object> v = requireService().body(t, json.writeValueAsString(values), true);
        Object id = v.remove(t.primaryId);
        return org.insert(t, id instanceof UUID u ? u : null, v).id.toString();
      } catch (DvError e) {
        throw new IllegalArgumentException(e.status + " " + e.code + ": " + e.getMessage(), e);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("values are not JSON-serialisable", e);
      }
    }
  }

  /** Updates a row directly, without a request; it changes now on the emulator's clock. */
  public void update(String table, String id, Map<String, ?> values) {
    synchronized (lock) {
      Table t = table(table);
      Row r = org.get(t, UUID.fromString(id));
      if (r == null) {
        throw new IllegalArgumentException("no " + t.logicalName + " row " + id);
      }
      try {
        org.update(t, r, requireService().body(t, json.writeValueAsString(values), false));
      } catch (DvError e) {
        throw new IllegalArgumentException(e.status + " " + e.code + ": " + e.getMessage(), e);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("values are not JSON-serialisable", e);
      }
    }
  }

  /** Deletes a row directly, without a request. */
  public void delete(String table, String id) {
    synchronized (lock) {
      Table t = table(table);
      Row r = org.get(t, UUID.fromString(id));
      if (r == null) {
        throw new IllegalArgumentException("no " + t.logicalName + " row " + id);
      }
      org.delete(t, r);
    }
  }

  /** The id of the application user the emulator's tokens act as (the default owner of new rows). */
  public String callerId() {
    return org.callerId.toString();
  }

  private Table table(String name) {
    Table t = org.byLogical.get(name);
    if (t == null) {
      t = org.bySet.get(name);
    }
    if (t == null) {
      throw new IllegalArgumentException("unknown table '" + name + "'");
    }
    return t;
  }

  private Service requireService() {
    if (service == null) {
      throw new IllegalStateException("emulator not started");
    }
    return service;
  }

  /** The requests answered so far (the latest {@link Builder#requestLogSize} of them). */
  public List<RequestLog> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** How many requests were answered (token requests and {@code $batch} requests count once each). */
  public long requestCount() {
    return requestTotal.sum();
  }

  /** How many requests were answered with {@code status} (parts of batches included). */
  public long countByStatus(int status) {
    LongAdder n = statusCounts.get(status);
    return n == null ? 0 : n.sum();
  }

  /** How many requests, and requests inside batches, were refused as invalid (4xx other than 401, 404 and 429). */
  public long refusedCount() {
    return refused.sum();
  }

  /** The latest refused requests, oldest first (at most 1,000). */
  public List<Refusal> refusals() {
    synchronized (refusals) {
      return List.copyOf(refusals);
    }
  }

  /** How many requests were answered 429 by service protection. */
  public long rateLimitedCount() {
    return rateLimited.sum();
  }

  /** How many faults were injected. */
  public long faultCount() {
    return faults.sum();
  }

  /** How many requests used something the emulator does not emulate. */
  public long unsupportedCount() {
    return unsupported.sum();
  }

  /** How many values were sent for columns not valid for the write (left alone, as Dataverse does). */
  public long ignoredReadOnlyCount() {
    return ignoredReadOnly.sum();
  }

  /** How many access tokens the token endpoint issued. */
  public long tokensIssued() {
    synchronized (lock) {
      return tokensIssued;
    }
  }

  /** API requests being served right now, and the most there were at once. */
  public int inFlight() {
    return inFlight.get();
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** The most API requests that arrived within any {@code window}. */
  public int maxRequestsInAnyWindow(Duration window) {
    List<Instant> times = new ArrayList<>();
    for (RequestLog r : requests()) {
      if (r.path().startsWith("/api/") && r.status() != 429) {
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

  // -------------------------------------------------------------------------------------------- controls

  /** Answers the next API requests with these faults, in order, before any random ones. */
  public void injectFaults(Fault... list) {
    synchronized (lock) {
      injected.addAll(List.of(list));
    }
  }

  /**
   * Answers the next API requests with HTTP method {@code method} ({@code PATCH}, {@code POST} for {@code $batch},
   * {@code DELETE}) with these faults, in order: to hit a write and not the lookup before it.
   */
  public void injectFaults(String method, Fault... list) {
    synchronized (lock) {
      injectedFor.computeIfAbsent(method.toUpperCase(Locale.ROOT), k -> new ArrayDeque<>()).addAll(List.of(list));
    }
  }

  /** Answers the next {@code requests} API requests with a 401 whatever their token. */
  public void failAuthentication(int requests) {
    if (requests < 0) {
      throw new IllegalArgumentException("requests must not be negative: " + requests);
    }
    synchronized (lock) {
      authFailures = requests;
    }
  }

  /** Makes every access token issued so far invalid. */
  public void revokeTokens() {
    synchronized (lock) {
      accessTokens.clear();
    }
  }

  /**
   * Holds admitted API requests before they are served until {@link #resumeRequests()}, so that a test can have
   * many in flight at once (the concurrency limit) without sleeping.
   */
  public void pauseRequests() {
    synchronized (lock) {
      paused = true;
    }
  }

  public void resumeRequests() {
    synchronized (lock) {
      paused = false;
      lock.notifyAll();
    }
  }

  /**
   * A webhook request for a change to a row, as Dataverse posts it to a service endpoint registered for {@code
   * messageName} ({@code Create}, {@code Update}, {@code Delete}): the serialised {@code RemoteExecutionContext}
   * and the {@code x-ms-dynamics-*} headers (https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks).
   * For creates and updates the {@code Target} holds {@code columns} with the row's current values.
   */
  public Webhook webhook(String table, String id, String messageName, List<String> columns) {
    synchronized (lock) {
      Table t = table(table);
      UUID rowId = UUID.fromString(id);
      Row r = org.get(t, rowId);
      ObjectNode ctx = json.createObjectNode();
      UUID correlation = UUID.randomUUID();
      ctx.put("BusinessUnitId", UUID.nameUUIDFromBytes("bu".getBytes(StandardCharsets.UTF_8)).toString());
      ctx.put("CorrelationId", correlation.toString());
      ctx.put("Depth", 1);
      ctx.put("InitiatingUserId", org.callerId.toString());
      ArrayNode input = ctx.putArray("InputParameters");
      ObjectNode target = input.addObject().put("key", "Target").putObject("value");
      if (messageName.equals("Delete")) {
        target.put("__type", "EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts");
        target.put("Id", id);
        target.putArray("KeyAttributes");
        target.put("LogicalName", t.logicalName);
        target.putNull("Name");
        target.putNull("RowVersion");
      } else {
        if (r == null) {
          throw new IllegalArgumentException("no " + t.logicalName + " row " + id);
        }
        target.put("__type", "Entity:http://schemas.microsoft.com/xrm/2011/Contracts");
        ArrayNode attrs = target.putArray("Attributes");
        List<String> names = new ArrayList<>(columns);
        if (!names.contains(t.primaryId)) {
          names.add(t.primaryId);
        }
        for (String c : names) {
          ObjectNode a = attrs.addObject().put("key", c);
          contextValue(a, r.values.get(c));
        }
        target.putNull("EntityState");
        target.putArray("FormattedValues");
        target.put("Id", id);
        target.putArray("KeyAttributes");
        target.put("LogicalName", t.logicalName);
        target.putArray("RelatedEntities");
        target.putNull("RowVersion");
      }
      ctx.put("IsExecutingOffline", false);
      ctx.put("IsInTransaction", false);
      ctx.put("IsOfflinePlayback", false);
      ctx.put("IsolationMode", 1);
      ctx.put("MessageName", messageName);
      ctx.put("Mode", 1);
      ctx.put("OperationCreatedOn", "/Date(" + time.now().toEpochMilli() + ")/");
      ctx.put("OperationId", UUID.randomUUID().toString());
      ctx.put("OrganizationId", UUID.nameUUIDFromBytes("org".getBytes(StandardCharsets.UTF_8)).toString());
      ctx.put("OrganizationName", "emulator");
      ctx.putArray("OutputParameters");
      ctx.putNull("ParentContext");
      ctx.putArray("PostEntityImages");
      ctx.putArray("PreEntityImages");
      ctx.put("PrimaryEntityId", id);
      ctx.put("PrimaryEntityName", t.logicalName);
      ctx.putNull("RequestId");
      ctx.put("SecondaryEntityName", "none");
      ctx.putArray("SharedVariables");
      ctx.put("Stage", 40);
      ctx.put("UserId", org.callerId.toString());
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", "application/json");
      headers.put("x-ms-dynamics-organization", URI.create(url()).getHost());
      headers.put("x-ms-dynamics-entity-name", t.logicalName);
      headers.put("x-ms-dynamics-request-name", messageName);
      headers.put("x-ms-correlation-request-id", correlation.toString());
      try {
        return new Webhook(json.writeValueAsString(ctx), headers);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A value as the data contract serialiser writes it into a {@code RemoteExecutionContext}. */
  private static void contextValue(ObjectNode a, @Nullable Object v) {
    if (v == null) {
      a.putNull("value");
    } else if (v instanceof Ref r) {
      ObjectNode ref = a.putObject("value");
      ref.put("__type", "EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts");
      ref.put("Id", r.id().toString());
      ref.putArray("KeyAttributes");
      ref.put("LogicalName", r.table());
      ref.putNull("Name");
      ref.putNull("RowVersion");
    } else if (v instanceof Instant i) {
      a.put("value", "/Date(" + i.toEpochMilli() + ")/");
    } else if (v instanceof BigDecimal d) {
      a.put("value", d);
    } else if (v instanceof Long l) {
      a.put("value", l);
    } else if (v instanceof Boolean b) {
      a.put("value", b);
    } else {
      a.put("value", v.toString());
    }
  }

  // ------------------------------------------------------------------------------------------ dispatch

  private MockResponse handle(RecordedRequest req) {
    // MockWebServer keeps every request for takeRequest(); drop them so memory stays bounded
    try {
      while (server.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
        // discard
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    HttpUrl url = req.getUrl();
    String path = url.encodedPath();
    Instant now = time.now();
    requestTotal.increment();
    Matcher token = TOKEN_PATH.matcher(path);
    if (token.matches()) {
      MockResponse r = req.getMethod().equals("POST")
          ? token(token.group(1), req)
          : aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
      record(now, req.getMethod(), path, r.getCode(), null);
      return r;
    }
    Matcher api = API_PATH.matcher(path);
    if (!api.matches()) {
      record(now, req.getMethod(), path, 404, null);
      return new MockResponse.Builder().code(404).setHeader("Content-Type", "text/html").body("<html><body><h1>404 Not Found</h1></body></html>").build();
    }
    int inflight = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(inflight, Math::max);
    try {
      return api(req, api.group(1), api.group(3) == null ? "" : api.group(3), now, inflight);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private MockResponse api(RecordedRequest req, String version, String rest, Instant now, int inflight) {
    String method = req.getMethod();
    String path = req.getUrl().encodedPath();
    Service svc = requireService();
    // Concurrent requests beyond the limit are refused at once (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits)
    if (inflight > config.concurrentLimit) {
      return limited(method, path, now, null, "0x80072326",
          "Number of concurrent requests exceeded the limit of " + config.concurrentLimit + ".", Duration.ofSeconds(1));
    }
    Fault fault;
    synchronized (lock) {
      MockResponse denied = authenticate(req.getHeaders().get("Authorization"), now);
      if (denied != null) {
        record(now, method, path, 401, null);
        countStatus(401, method, path, null);
        return denied;
      }
      fault = nextFault(method);
      if (fault == Fault.RATE_LIMITED || !admit(now)) {
        Duration wait = fault == Fault.RATE_LIMITED || window.isEmpty()
            ? Duration.ofSeconds(1) : Duration.between(now, window.peekFirst().plus(config.window));
        if (fault != null) {
          faults.increment();
        }
        return limited(method, path, now, fault, "0x80072322", "Number of requests exceeded the limit of "
            + config.windowLimit + " over time window of " + config.window.toSeconds() + " seconds.", wait);
      }
    }
    if (fault == Fault.SERVER_ERROR) {
      faults.increment();
      record(now, method, path, 500, fault);
      countStatus(500, method, path, null);
      return new MockResponse.Builder().code(500).setHeader("Content-Type", "application/json; odata.metadata=minimal")
          .setHeader("OData-Version", "4.0").setHeader("REQ_ID", UUID.randomUUID().toString())
          .body("{\"error\":{\"code\":\"0x80040216\",\"message\":\"An unexpected error occurred.\"}}").build();
    }
    if (fault == Fault.SERVICE_UNAVAILABLE_HTML) {
      faults.increment();
      record(now, method, path, 503, fault);
      countStatus(503, method, path, null);
      return new MockResponse.Builder().code(503).setHeader("Content-Type", "text/html")
          .body("<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h2>Service Unavailable</h2>"
              + "<p>HTTP Error 503. The service is unavailable.</p></body></html>").build();
    }
    awaitResume();
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String name : req.getHeaders().names()) {
      headers.put(name, req.getHeaders().get(name));
    }
    String body = req.getBody() == null ? "" : req.getBody().utf8();
    Service.Resp resp;
    synchronized (lock) {
      try {
        resp = svc.handle(new Service.Req(method, rest, req.getUrl().encodedQuery(), headers, body, version));
      } catch (DvError e) {
        if (e.code.equals("0x0") && e.getMessage() != null && e.getMessage().contains("not supported by the emulator")) {
          unsupported.increment();
        }
        if (e.plainText != null) {
          resp = new Service.Resp(e.status).header("Content-Type", "text/plain");
          resp.body = e.plainText;
        } else {
          resp = svc.errorResp(e);
        }
      }
      rateHeaders(resp);
    }
    countStatus(resp.status, method, path, resp.body);
    record(now, method, path, resp.status, fault);
    return respond(resp, fault);
  }

  private void awaitResume() {
    synchronized (lock) {
      while (paused) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private MockResponse limited(String method, String path, Instant now, @Nullable Fault fault, String code, String message,
      Duration wait) {
    rateLimited.increment();
    record(now, method, path, 429, fault);
    statusCounts.computeIfAbsent(429, k -> new LongAdder()).increment();
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    // 429 with Retry-After in seconds and the error code of the limit (api-limits)
    MockResponse.Builder b = new MockResponse.Builder().code(429).setHeader("Retry-After", Long.toString(seconds))
        .setHeader("Content-Type", "application/json; odata.metadata=minimal").setHeader("OData-Version", "4.0")
        .setHeader("REQ_ID", UUID.randomUUID().toString())
        .body("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
    synchronized (lock) {
      rateHeaders(b);
    }
    return b.build();
  }

  /** Counts the request against the service-protection window; false if the window is full. Call under the lock. */
  private boolean admit(Instant now) {
    if (config.windowLimit <= 0) {
      return true;
    }
    Instant from = now.minus(config.window);
    while (!window.isEmpty() && !window.peekFirst().isAfter(from)) {
      window.pollFirst();
    }
    if (window.size() >= config.windowLimit) {
      return false;
    }
    window.addLast(now);
    return true;
  }

  /**
   * The informational headers of service protection (api-limits, "HTTP Response headers"): requests left in the
   * window, and the combined execution time left (not measured by the emulator: always the full 1,200 seconds).
   */
  private void rateHeaders(Service.Resp r) {
    if (config.windowLimit > 0) {
      r.header("x-ms-ratelimit-burst-remaining-xrm-requests", Integer.toString(Math.max(0, config.windowLimit - window.size())));
      r.header("x-ms-ratelimit-time-remaining-xrm-requests", "1200.00");
    }
  }

  private void rateHeaders(MockResponse.Builder b) {
    if (config.windowLimit > 0) {
      b.setHeader("x-ms-ratelimit-burst-remaining-xrm-requests", Integer.toString(Math.max(0, config.windowLimit - window.size())));
      b.setHeader("x-ms-ratelimit-time-remaining-xrm-requests", "1200.00");
    }
  }

  private MockResponse respond(Service.Resp resp, @Nullable Fault fault) {
    MockResponse.Builder b = new MockResponse.Builder().code(resp.status);
    resp.headers.forEach(b::setHeader);
    String body = resp.body;
    if (fault == Fault.TRUNCATED_BODY && body != null) {
      faults.increment();
      body = body.substring(0, body.length() / 2);
    }
    if (fault == Fault.EMPTY_BODY) {
      faults.increment();
      b.code(200);
      body = "";
    }
    if (body != null) {
      b.body(body);
    }
    if (fault == Fault.DROPPED_CONNECTION) {
      faults.increment();
      b.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
    }
    return b.build();
  }

  private @Nullable Fault nextFault(String method) {
    Fault f = injected.poll();
    if (f != null) {
      return f;
    }
    Deque<Fault> forMethod = injectedFor.get(method);
    f = forMethod == null ? null : forMethod.poll();
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

  private void countStatus(int status, String method, String path, @Nullable String body) {
    statusCounts.computeIfAbsent(status, k -> new LongAdder()).increment();
    if (status >= 400 && status < 500 && status != 401 && status != 404 && status != 429) {
      refused.increment();
      String code = "";
      String message = body == null ? "" : body;
      try {
        JsonNode n = body == null ? null : json.readTree(body);
        if (n != null && n.path("error").isObject()) {
          code = n.path("error").path("code").asText("");
          message = n.path("error").path("message").asText("");
        }
      } catch (JsonProcessingException e) {
        // plain text
      }
      synchronized (refusals) {
        refusals.addLast(new Refusal(method, path, status, code, message));
        if (refusals.size() > 1000) {
          refusals.removeFirst();
        }
      }
    }
  }

  private void record(Instant at, String method, String path, int status, @Nullable Fault fault) {
    synchronized (log) {
      log.addLast(new RequestLog(at, method, path, status, fault));
      if (log.size() > config.requestLogSize) {
        log.removeFirst();
      }
    }
  }

  // ------------------------------------------------------------------------------------- authentication

  /**
   * Null if the bearer token is valid now, else 401 with an empty body and {@code WWW-Authenticate}, as the Web API
   * answers a missing, unknown or expired token. Call under the lock.
   */
  private @Nullable MockResponse authenticate(@Nullable String header, Instant now) {
    boolean ok = false;
    if (authFailures > 0) {
      authFailures--;
    } else if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Instant expires = accessTokens.get(header.substring(7).strip());
      ok = expires != null && expires.isAfter(now);
    }
    if (ok) {
      return null;
    }
    return new MockResponse.Builder().code(401)
        .setHeader("WWW-Authenticate", "Bearer error=invalid_token, error_description=\"Error during token validation!\", "
            + "authorization_uri=https://login.microsoftonline.com/" + config.tenant + "/oauth2/authorize, resource_id=" + url() + "/")
        .build();
  }

  /**
   * The Microsoft identity platform's client credentials grant: {@code client_id}, {@code scope} = the org URL plus
   * {@code /.default}, and a {@code client_secret} or a {@code client_assertion} signed with the registered
   * certificate (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
   * https://learn.microsoft.com/entra/identity-platform/certificate-credentials). Errors carry {@code error}, {@code
   * error_description} with an AADSTS code, and {@code error_codes}.
   */
  private MockResponse token(String tenant, RecordedRequest req) {
    Map<String, String> form = new LinkedHashMap<>();
    String body = req.getBody() == null ? "" : req.getBody().utf8();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    synchronized (lock) {
      if (!tenant.equalsIgnoreCase(config.tenant)) {
        return aadError(400, "invalid_request", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID.");
      }
      if (!"client_credentials".equals(form.get("grant_type"))) {
        return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"
            + form.getOrDefault("grant_type", "") + "'.");
      }
      String clientId = form.get("client_id");
      if (clientId == null || (config.clientId != null && !config.clientId.equals(clientId))) {
        return aadError(400, "unauthorized_client", 700016, "Application with identifier '" + clientId
            + "' was not found in the directory '" + config.tenant + "'.");
      }
      String scope = form.getOrDefault("scope", "");
      if (!scope.equalsIgnoreCase(url() + "/.default") && !scope.equalsIgnoreCase(url() + "//.default")) {
        return aadError(400, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid. "
            + "Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
      }
      String secret = form.get("client_secret");
      String assertion = form.get("client_assertion");
      if (assertion != null) {
        if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(form.get("client_assertion_type"))) {
          return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
        }
        String problem = checkAssertion(assertion, clientId);
        if (problem != null) {
          return aadError(401, "invalid_client", Integer.parseInt(problem.substring(6, problem.indexOf(':'))), problem.substring(problem.indexOf(':') + 2));
        }
      } else if (secret != null) {
        if (certificate != null || (config.clientSecret != null && !config.clientSecret.equals(secret))) {
          return aadError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the "
              + "request is the client secret value, not the client secret ID, for a secret added to app '" + clientId + "'.");
        }
      } else {
        return aadError(401, "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      }
      byte[] raw = new byte[32];
      tokens.nextBytes(raw);
      String access = "eyJ0eXAiOiJKV1QiLCJlbXUiOnRydWV9." + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      accessTokens.put(access, time.now().plus(config.tokenLifetime));
      tokensIssued++;
      ObjectNode ok = json.createObjectNode();
      ok.put("token_type", "Bearer");
      ok.put("expires_in", config.tokenLifetime.toSeconds());
      ok.put("ext_expires_in", config.tokenLifetime.toSeconds());
      ok.put("access_token", access);
      return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json; charset=utf-8")
          .setHeader("Cache-Control", "no-store, no-cache").body(ok.toString()).build();
    }
  }

  /** Null if {@code jwt} is a valid assertion of {@code clientId} signed with the registered certificate, else "AADSTSn: why". */
  private @Nullable String checkAssertion(String jwt, String clientId) {
    if (certificate == null) {
      return "AADSTS700027: Client assertion failed signature validation. No certificate is registered for the app.";
    }
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      return "AADSTS50027: JWT token is invalid or malformed.";
    }
    JsonNode header;
    JsonNode claims;
    byte[] signature;
    try {
      Base64.Decoder dec = Base64.getUrlDecoder();
      header = json.readTree(dec.decode(parts[0]));
      claims = json.readTree(dec.decode(parts[1]));
      signature = dec.decode(parts[2]);
    } catch (IOException | IllegalArgumentException e) {
      return "AADSTS50027: JWT token is invalid or malformed.";
    }
    String alg = header.path("alg").asText("");
    String thumb256 = header.path("x5t#S256").asText("");
    String thumb1 = header.path("x5t").asText("");
    try {
      byte[] der = certificate.getEncoded();
      Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
      boolean known = thumb256.equals(enc.encodeToString(MessageDigest.getInstance("SHA-256").digest(der)))
          || thumb1.equals(enc.encodeToString(MessageDigest.getInstance("SHA-1").digest(der)));
      if (!known) {
        return "AADSTS700027: Client assertion failed signature validation. The key was not found.";
      }
      Signature sig;
      if (alg.equals("PS256")) {
        sig = Signature.getInstance("RSASSA-PSS");
        sig.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      } else if (alg.equals("RS256")) {
        sig = Signature.getInstance("SHA256withRSA");
      } else {
        return "AADSTS5002730: Invalid JWT token. Unsupported key for the signing algorithm " + alg + ".";
      }
      sig.initVerify(certificate.getPublicKey());
      sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!sig.verify(signature)) {
        return "AADSTS700027: Client assertion failed signature validation.";
      }
    } catch (GeneralSecurityException e) {
      return "AADSTS700027: Client assertion failed signature validation.";
    }
    if (!tokenUrl().equals(claims.path("aud").asText(""))) {
      return "AADSTS700212: The client assertion's audience is not the token endpoint " + tokenUrl() + ".";
    }
    if (!clientId.equals(claims.path("iss").asText("")) || !clientId.equals(claims.path("sub").asText(""))) {
      return "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.";
    }
    if (claims.path("jti").asText("").isEmpty()) {
      return "AADSTS50027: JWT token is invalid or malformed. The jti claim is missing.";
    }
    long now = time.now().getEpochSecond();
    long skew = 300;
    if (!claims.path("exp").isNumber() || claims.path("exp").asLong() + skew < now
        || (claims.has("nbf") && claims.path("nbf").asLong() - skew > now)) {
      return "AADSTS700024: Client assertion is not within its valid time range.";
    }
    return null;
  }

  private MockResponse aadError(int status, String error, int code, String description) {
    ObjectNode body = json.createObjectNode();
    String trace = UUID.randomUUID().toString();
    String correlation = UUID.randomUUID().toString();
    body.put("error", error);
    body.put("error_description", "AADSTS" + code + ": " + description + " Trace ID: " + trace + " Correlation ID: "
        + correlation + " Timestamp: " + AAD_TIME.format(time.now()));
    body.putArray("error_codes").add(code);
    body.put("timestamp", AAD_TIME.format(time.now()));
    body.put("trace_id", trace);
    body.put("correlation_id", correlation);
    body.put("error_uri", "https://login.microsoftonline.com/error?code=" + code);
    countStatus(status, "POST", "/token", null);
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=utf-8")
        .body(body.toString()).build();
  }

  private static X509Certificate readCertificate(String pem) {
    int begin = pem.indexOf("-----BEGIN CERTIFICATE-----");
    int end = pem.indexOf("-----END CERTIFICATE-----");
    if (begin < 0 || end < 0) {
      throw new IllegalArgumentException("no PEM certificate found (expected -----BEGIN CERTIFICATE-----)");
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
          new ByteArrayInputStream(pem.substring(begin, end + "-----END CERTIFICATE-----".length()).getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the PEM certificate cannot be read: " + e.getMessage(), e);
    }
  }

  /** Configures a {@link DataverseEmulator}. Not thread-safe. */
  public static final class Builder {
    private int port;
    private TimeSource time = TimeSource.system();
    private long seed = 42;
    private String tenant = "00000000-0000-0000-0000-0000000000e5";
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable String certificatePem;
    private Duration tokenLifetime = Duration.ofSeconds(3599);
    private int windowLimit = 6_000;
    private Duration window = Duration.ofMinutes(5);
    private int concurrentLimit = 52;
    private Duration deltaTokenLifetime = Duration.ofDays(30);
    private int requestLogSize = 100_000;
    private final Map<Fault, Double> faultRates = new LinkedHashMap<>();
    private final List<TableSpec> tables = new ArrayList<>();
    private final Map<String, List<ColumnSpec>> columns = new LinkedHashMap<>();
    private final Map<String, List<List<String>>> keys = new LinkedHashMap<>();
    private final Map<String, Boolean> changeTracking = new LinkedHashMap<>();
    private final Map<String, Boolean> recycleBin = new LinkedHashMap<>();

    Builder() {}

    /** The port on loopback; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** The clock for row times, token expiry and the service-protection window. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where the random choices of generated ids and fault injection start; the same value replays them. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The tenant id (or domain) the token endpoint serves. */
    public Builder tenant(String tenant) {
      this.tenant = Objects.requireNonNull(tenant, "tenant");
      return this;
    }

    /**
     * Accepts only this client and secret at the token endpoint. Without credentials configured, any client id with
     * any secret is accepted (what {@code crm-sync emulate} needs).
     */
    public Builder clientSecret(String clientId, String secret) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.clientSecret = Objects.requireNonNull(secret, "secret");
      return this;
    }

    /**
     * Accepts only this client, authenticating with an assertion signed by the key of {@code certificatePem} (PEM
     * text holding at least the certificate), such as {@link #testClientCertificatePem()}.
     */
    public Builder clientCertificate(String clientId, String certificatePem) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      readCertificate(Objects.requireNonNull(certificatePem, "certificatePem"));
      this.certificatePem = certificatePem;
      return this;
    }

    /** How long issued access tokens live (about an hour by default). */
    public Builder tokenLifetime(Duration lifetime) {
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
      }
      this.tokenLifetime = lifetime;
      return this;
    }

    /**
     * At most {@code requests} API requests per sliding {@code window}, more answered 429 (Dataverse: 6,000 per 5
     * minutes per user and web server, the default; https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
     */
    public Builder serviceProtection(int requests, Duration window) {
      if (requests <= 0 || window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("requests and window must be positive: " + requests + " per " + window);
      }
      this.windowLimit = requests;
      this.window = window;
      return this;
    }

    /** No limit on requests per window (the concurrency limit stays). */
    public Builder noServiceProtection() {
      this.windowLimit = 0;
      return this;
    }

    /** At most {@code requests} API requests at once, more answered 429 (Dataverse: 52). */
    public Builder concurrentRequestLimit(int requests) {
      if (requests <= 0) {
        throw new IllegalArgumentException("requests must be positive: " + requests);
      }
      this.concurrentLimit = requests;
      return this;
    }

    /** How long a delta token stays valid (the org's ExpireChangeTrackingInDays, 30 days by default). */
    public Builder deltaTokenLifetime(Duration lifetime) {
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
      }
      this.deltaTokenLifetime = lifetime;
      return this;
    }

    /** How many of the latest requests {@link #requests()} keeps (100,000 by default). */
    public Builder requestLogSize(int size) {
      if (size <= 0) {
        throw new IllegalArgumentException("size must be positive: " + size);
      }
      this.requestLogSize = size;
      return this;
    }

    /** Adds a custom table. */
    public Builder table(TableSpec table) {
      tables.add(Objects.requireNonNull(table, "table"));
      return this;
    }

    /** Adds a custom column to a table (logical or entity set name). */
    public Builder column(String table, ColumnSpec column) {
      columns.computeIfAbsent(Objects.requireNonNull(table, "table"), k -> new ArrayList<>()).add(Objects.requireNonNull(column, "column"));
      return this;
    }

    /** Declares an alternate key on a table, such as {@code alternateKey("contact", "emailaddress1")}. */
    public Builder alternateKey(String table, String... columnNames) {
      keys.computeIfAbsent(Objects.requireNonNull(table, "table"), k -> new ArrayList<>()).add(List.of(columnNames));
      return this;
    }

    /** Turns change tracking on or off for a table (on for contact and account by default). */
    public Builder changeTracking(String table, boolean enabled) {
      changeTracking.put(Objects.requireNonNull(table, "table"), enabled);
      return this;
    }

    /**
     * Turns the recycle bin on or off for a table (off by default): with it on, deleted rows stay readable for 30
     * days through FetchXml queries with {@code datasource='bin'}
     * (https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records).
     */
    public Builder recycleBin(String table, boolean enabled) {
      recycleBin.put(Objects.requireNonNull(table, "table"), enabled);
      return this;
    }

    public Builder serverErrorRate(double rate) {
      return fault(Fault.SERVER_ERROR, rate);
    }

    public Builder htmlErrorPageRate(double rate) {
      return fault(Fault.SERVICE_UNAVAILABLE_HTML, rate);
    }

    public Builder truncatedBodyRate(double rate) {
      return fault(Fault.TRUNCATED_BODY, rate);
    }

    public Builder droppedConnectionRate(double rate) {
      return fault(Fault.DROPPED_CONNECTION, rate);
    }

    private Builder fault(Fault fault, double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException(fault + " rate must be within [0, 1]: " + rate);
      }
      faultRates.put(fault, rate);
      if (faultRates.values().stream().mapToDouble(Double::doubleValue).sum() > 1) {
        throw new IllegalArgumentException("fault rates add up to more than 1: " + faultRates);
      }
      return this;
    }

    /** The emulator, not yet started. */
    public DataverseEmulator build() {
      return new DataverseEmulator(this);
    }
  }
}

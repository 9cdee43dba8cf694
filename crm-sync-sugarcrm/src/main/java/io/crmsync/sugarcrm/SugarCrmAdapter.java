package io.crmsync.sugarcrm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.ContextualSupplier;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.HttpFailure;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.sugarcrm.internal.Cursor;
import io.crmsync.sugarcrm.internal.Names;
import io.crmsync.sugarcrm.internal.SugarErrors;
import io.crmsync.sugarcrm.internal.Tokens;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CRMAdapter} for SugarCRM's REST API (v10 and v11): contacts ({@code Contacts}), companies
 * ({@code Accounts}) and any other module by its name ({@code Leads}, {@code Opportunities}, custom modules),
 * custom fields ({@code *_c}) included. Thread-safe; create one per Sugar instance, user and platform, and share it.
 *
 * <pre>{@code
 * CRMAdapter sugar = SugarCrmAdapter.create(AdapterConfig.fromEnvironment("sugarcrm"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>SugarCRM adapter settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code baseUrl}</td><td>required</td><td>the instance, such as {@code https://acme.sugarondemand.com};
 *       https only, except for loopback hosts</td></tr>
 *   <tr><td>{@code apiVersion}</td><td>{@code v11_10}</td><td>the REST version in {@code /rest/<version>/};
 *       {@code v11_10} or later enables {@code sync_key} upserts; {@code v10} for old on-site instances</td></tr>
 *   <tr><td>{@code username}, {@code password}</td><td>required</td><td>the integration user (the password is a
 *       secret)</td></tr>
 *   <tr><td>{@code platform}</td><td>{@code crmsync}</td><td>the OAuth platform; register it on the instance
 *       (see the README): Sugar keeps one session per user and platform</td></tr>
 *   <tr><td>{@code clientId}, {@code clientSecret}</td><td>{@code sugar}, empty</td><td>the OAuth key (Admin &gt;
 *       OAuth Keys)</td></tr>
 *   <tr><td>{@code tokenRefreshAhead}</td><td>{@code 1m}</td><td>renew an access token this long before
 *       {@code expires_in} runs out</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>records per upsert or delete call (one {@code /bulk}
 *       request), 1-500</td></tr>
 *   <tr><td>{@code pageSize}</td><td>200</td><td>records per read ({@code max_num}), 1-1000</td></tr>
 *   <tr><td>{@code fields}</td><td>none</td><td>extra fields reads of Contacts and Accounts return: {@code name}
 *       for both, {@code Module:name} for one (reads of other modules return every field)</td></tr>
 *   <tr><td>{@code readCustomFields}</td><td>true</td><td>reads of Contacts and Accounts also return every
 *       custom field the module's metadata lists</td></tr>
 *   <tr><td>{@code syncKeyUpserts}</td><td>true</td><td>upserts matched on {@code sync_key} use Sugar's
 *       {@code PATCH /<module>/sync_key/<value>} (admin users, v11_10+)</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 1m}</td><td>incremental reads start this long before
 *       {@code since}</td></tr>
 *   <tr><td>{@code budgetRequests}, {@code budgetWindow}</td><td>unlimited</td><td>a request budget for the
 *       engine to keep to</td></tr>
 *   <tr><td>{@code readRetries}, {@code maxReadWait}</td><td>2, {@code 15s}</td><td>retries of reads on
 *       transient failures, and the longest 429 wait a read retry sits out</td></tr>
 *   <tr><td>{@code describeTtl}</td><td>{@code 15m}</td><td>how long a module's metadata is cached</td></tr>
 * </table>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Reads use {@code POST /<module>/filter}, sorted so that paging is stable whatever changes meanwhile:
 *       full reads by {@code id}, incremental reads by {@code date_modified} then {@code id}, each page
 *       starting after the last record of the one before ({@code next_offset} says whether there is more).
 *       Sugar's timestamps are whole seconds, so {@code since} is taken down to its second.
 *       {@code includeDeleted} sends {@code deleted: true}: deleted records come back flagged.
 *   <li>Upserts go out as one {@code POST /bulk} call. Matched on {@code sync_key}: one {@code PATCH
 *       /<module>/sync_key/<value>} sub-request per record. Matched on another field (email by default):
 *       one filter call finds the existing records, then {@code PUT /<module>/<id>} or {@code POST /<module>}
 *       sub-requests. A create whose answer was lost is found by the next attempt's lookup and updated.
 *   <li>Sugar ignores fields a module does not have; the adapter refuses them instead (the record fails with
 *       {@code INVALID_FIELD}), so that no value is dropped silently.
 * </ul>
 */
public final class SugarCrmAdapter implements CRMAdapter {
  private static final Logger log = LoggerFactory.getLogger(SugarCrmAdapter.class);

  /** The adapter's id, and the provider's. */
  public static final String ID = "sugarcrm";
  /** The REST version used unless set: the first with the {@code sync_key} endpoints (Sugar 10.2). */
  public static final String DEFAULT_API_VERSION = "v11_10";
  /** The platform used unless set; it must be registered on the instance. */
  public static final String DEFAULT_PLATFORM = "crmsync";

  static final int MAX_BATCH_SIZE = 500;
  static final int MAX_PAGE_SIZE = 1_000;
  private static final DateTimeFormatter SUGAR_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);

  private final HttpUrl apiUrl;
  private final String apiVersion;
  private final boolean syncKeyEndpoint;
  private final AdapterEvents events = AdapterEvents.create(ID);
  private final CrmHttp http;
  /** For writes: a client that never resends a request whose connection dropped (creates are not idempotent). */
  private final CrmHttp writeHttp;
  private final Tokens tokens;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  private final Map<String, Set<String>> extraFields;
  private final boolean readCustomFields;
  private final Duration overlap;
  private final Duration maxReadWait;
  private final RetryPolicy<Object> readRetry;
  private final Cache<String, Metadata> metadata;
  /**
   * Paces every HTTP request to the budget: the engine counts one request per adapter call, but an upsert
   * matched by lookup costs two (the filter and the bulk call).
   */
  private final @Nullable RequestLimiter limiter;

  /** A module's fields, from {@code /metadata}. */
  private record Metadata(String module, Map<String, JsonNode> fields) {
    boolean has(String field) {
      return fields.containsKey(field);
    }

    boolean writable(String field) {
      JsonNode d = fields.get(field);
      if (d == null || Names.SYSTEM.contains(field) || field.equals("date_entered")) {
        return false;
      }
      String type = d.path("type").asText("");
      if (d.path("readonly").asBoolean(false) || d.path("calculated").asBoolean(false)) {
        return false;
      }
      boolean nonDb = d.path("source").asText("db").equals("non-db");
      return !nonDb || type.equals("email") || (type.equals("relate") && field.endsWith("_id"));
    }
  }

  private SugarCrmAdapter(AdapterConfig config) {
    this.mapper = config.objectMapper();
    this.time = config.timeSource();
    HttpUrl base = checkedUrl(config.uri("baseUrl", URI.create("https://missing.invalid")), config);
    this.apiVersion = version(config.string("apiVersion", DEFAULT_API_VERSION));
    this.apiUrl = base.newBuilder().addPathSegment("rest").addPathSegment(apiVersion).build();
    this.syncKeyEndpoint = config.bool("syncKeyUpserts", true) && atLeast(apiVersion, 11, 10);
    SugarErrors errors = new SugarErrors();
    this.http = new CrmHttp(ID, config.httpClient(), mapper, errors, time, List.of(), CrmHttp.DEFAULT_MAX_RESPONSE_BYTES)
        .withEvents(events);
    // OkHttp silently resends a request whose connection failed; a /bulk of creates applied before the connection
    // dropped would then create every record twice. Writes fail instead, and the engine's retry looks them up first.
    this.writeHttp = new CrmHttp(ID, config.httpClient().newBuilder().retryOnConnectionFailure(false).build(), mapper,
        errors, time, List.of(), CrmHttp.DEFAULT_MAX_RESPONSE_BYTES).withEvents(events);
    String username = config.string("username");
    Secret password = config.secret("password");
    String platform = config.string("platform", DEFAULT_PLATFORM).strip();
    if (!platform.matches("[A-Za-z0-9_-]{1,127}")) {
      throw new CrmConfigurationException(ID, "setting 'platform' must be letters, digits, '_' or '-' but was '" + platform + "'");
    }
    CrmHttp tokenHttp = new CrmHttp(ID, config.httpClient(), mapper, errors, time, List.of(), 1024 * 1024)
        .withEvents(events);
    this.tokens = new Tokens(tokenHttp, apiUrl.newBuilder().addPathSegments("oauth2/token").build(), username, password,
        config.string("clientId", "sugar"), config.optionalSecret("clientSecret").orElse(null), platform, time,
        nonNegative(config, "tokenRefreshAhead", Duration.ofMinutes(1)), events::tokenRenewed);
    int batchSize = bounded(config, "batchSize", 100, MAX_BATCH_SIZE);
    int pageSize = bounded(config, "pageSize", 200, MAX_PAGE_SIZE);
    RequestBudget budget = RequestBudget.unlimited();
    if (config.has("budgetRequests") || config.has("budgetWindow")) {
      int requests = config.integer("budgetRequests", 0);
      Duration window = config.duration("budgetWindow", Duration.ofSeconds(1));
      if (requests <= 0 || window.isZero() || window.isNegative()) {
        throw new CrmConfigurationException(ID, "settings 'budgetRequests' and 'budgetWindow' must be positive but were "
            + requests + " per " + window);
      }
      budget = RequestBudget.of(requests, window);
    }
    this.limiter = budget.isUnlimited() ? null : RequestLimiter.of(budget, time);
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(batchSize)
        .maxPageSize(pageSize)
        .budget(budget)
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .build();
    this.extraFields = parseFields(config.string("fields", ""));
    this.readCustomFields = config.bool("readCustomFields", true);
    this.overlap = nonNegative(config, "incrementalOverlap", Duration.ofMinutes(1));
    this.maxReadWait = nonNegative(config, "maxReadWait", Duration.ofSeconds(15));
    int readRetries = config.integer("readRetries", 2);
    if (readRetries < 0) {
      throw new CrmConfigurationException(ID, "setting 'readRetries' must not be negative but was " + readRetries);
    }
    // Failsafe classifies and counts; the wait happens on the TimeSource in onRetry, never on the wall clock
    this.readRetry = RetryPolicy.builder()
        .handleIf((r, e) -> e != null && isRetryableRead(e) && !Thread.currentThread().isInterrupted())
        .withMaxRetries(readRetries)
        .onRetry(ev -> pauseBeforeRetry(ev.getLastException(), ev.getAttemptCount()))
        .build();
    this.metadata = Caffeine.newBuilder()
        .maximumSize(200)
        .expireAfterWrite(nonNegative(config, "describeTtl", Duration.ofMinutes(15)))
        .ticker(() -> {
          Instant now = time.now();
          return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        })
        .build();
  }

  /**
   * An adapter configured by {@code config}. Does no I/O: it logs in on first use.
   *
   * @throws CrmConfigurationException if a setting is missing or malformed, naming it
   * @throws NullPointerException if {@code config} is null
   */
  public static SugarCrmAdapter create(AdapterConfig config) {
    return new SugarCrmAdapter(Objects.requireNonNull(config, "config"));
  }

  private static String version(String v) {
    String s = v.strip();
    if (!s.matches("v?1\\d([_.]\\d{1,2})?")) {
      throw new CrmConfigurationException(ID, "setting 'apiVersion' must be a Sugar REST version such as v10, v11 or "
          + "v11_10 but was '" + v + "'");
    }
    return (s.startsWith("v") ? s : "v" + s).replace('.', '_');
  }

  private static boolean atLeast(String version, int major, int minor) {
    String[] parts = version.substring(1).split("_");
    int maj = Integer.parseInt(parts[0]);
    int min = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    return maj != major ? maj > major : min >= minor;
  }

  private static HttpUrl checkedUrl(URI uri, AdapterConfig config) {
    if (!config.has("baseUrl")) {
      config.string("baseUrl"); // throws, naming the setting
    }
    HttpUrl url = HttpUrl.get(uri.toString());
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(ID, "setting 'baseUrl' must be an https URL (http is allowed only for "
          + "loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new CrmConfigurationException(ID, "setting 'baseUrl' must not carry credentials; use 'username' and 'password'");
    }
    if (url.encodedQuery() != null) {
      throw new CrmConfigurationException(ID, "setting 'baseUrl' must not have a query");
    }
    // an instance URL may carry a path (on-site installs under /sugar); drop a trailing slash and a pasted /rest/...
    String path = url.encodedPath();
    int rest = path.indexOf("/rest/");
    if (rest >= 0 || path.endsWith("/rest")) {
      path = path.substring(0, rest >= 0 ? rest : path.length() - "/rest".length());
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return url.newBuilder().encodedPath(path.isEmpty() ? "/" : path).build();
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false; // only IP literals are checked here: names are never resolved
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static int bounded(AdapterConfig config, String name, int def, int max) {
    int v = config.integer(name, def);
    if (v < 1 || v > max) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must be between 1 and " + max + " but was " + v);
    }
    return v;
  }

  private static Duration nonNegative(AdapterConfig config, String name, Duration def) {
    Duration d = config.duration(name, def);
    if (d.isNegative()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not be negative but was " + d);
    }
    return d;
  }

  private static Map<String, Set<String>> parseFields(String value) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.indexOf(':');
      String module = colon < 0 ? "*" : Names.module(p.substring(0, colon).strip());
      String name = colon < 0 ? p : p.substring(colon + 1).strip();
      if (name.isEmpty() || module.isEmpty()) {
        throw new CrmConfigurationException(ID, "setting 'fields' must list names or Module:name pairs but had '" + p + "'");
      }
      out.computeIfAbsent(module, m -> new LinkedHashSet<>()).add(name);
    }
    Map<String, Set<String>> frozen = new HashMap<>();
    out.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    return Map.copyOf(frozen);
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  /** How many times the adapter logged in with the password, and refreshed its token (diagnostics, tests). */
  public long logins() {
    return tokens.passwordGrants();
  }

  public long refreshes() {
    return tokens.refreshGrants();
  }

  /**
   * Reports each request (by operation: {@code read}, {@code lookup}, {@code describe}, {@code upsert}, {@code
   * delete}, {@code token}), the adapter's own retries, 429s and session renewals. SugarCRM states no quota, so
   * {@link #quotaStatus()} stays empty.
   */
  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return events.add(listener);
  }

  @Override
  public void close() {
    metadata.invalidateAll();
  }

  @Override
  public String toString() {
    return "SugarCrmAdapter[" + apiUrl.scheme() + "://" + apiUrl.host() + ":" + apiUrl.port() + " " + apiVersion
        + ", budget " + capabilities.budget() + "]";
  }

  // ---------------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    String module = Names.module(request.objectType());
    boolean incremental = request.since() != null;
    Cursor cursor = null;
    if (request.cursor() != null) {
      cursor = Cursor.decode(mapper, request.cursor(), request.objectType());
      if (cursor.incremental() != incremental) {
        throw new IllegalArgumentException("cursor does not belong to a read " + (incremental ? "with" : "without")
            + " 'since'");
      }
    }
    int limit = Math.min(request.pageSize(), capabilities.maxPageSize());
    ObjectNode body = mapper.createObjectNode();
    ArrayNode filter = body.putArray("filter");
    if (incremental) {
      if (cursor == null) {
        Instant from = request.since().minus(overlap).truncatedTo(ChronoUnit.SECONDS);
        filter.addObject().putObject("date_modified").put("$gte", SUGAR_TIME.format(from.atOffset(ZoneOffset.UTC)));
      } else {
        // after (t, id): modified later than t, or at t with a greater id
        ArrayNode or = filter.addObject().putArray("$or");
        or.addObject().putObject("date_modified").put("$gt", cursor.lastModified());
        ArrayNode and = or.addObject().putArray("$and");
        and.addObject().putObject("date_modified").put("$gte", cursor.lastModified()).put("$lte", cursor.lastModified());
        and.addObject().putObject("id").put("$gt", cursor.lastId());
      }
      body.put("order_by", "date_modified:ASC,id:ASC");
    } else {
      if (cursor != null) {
        filter.addObject().putObject("id").put("$gt", cursor.lastId());
      }
      body.put("order_by", "id:ASC");
    }
    body.put("max_num", limit);
    body.put("offset", 0);
    if (request.includeDeleted()) {
      body.put("deleted", true);
    }
    List<String> fields = readFields(module, request.fields());
    if (!fields.isEmpty()) {
      Set<String> f = new LinkedHashSet<>(fields);
      f.add("date_modified");
      if (request.includeDeleted()) {
        f.add("deleted");
      }
      body.put("fields", String.join(",", f));
    }
    HttpUrl url = apiUrl.newBuilder().addPathSegment(module).addPathSegment("filter").build();
    JsonNode page = readCall(READ, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
    JsonNode records = page.path("records");
    JsonNode next = page.path("next_offset");
    if (!page.isObject() || !records.isArray() || !next.isIntegralNumber()) {
      throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath()
          + " answered without the documented shape {next_offset, records[]}: " + HttpFailure.excerpt(page.toString(), 120), null);
    }
    List<CrmRecord> out = new ArrayList<>(records.size());
    String lastId = null;
    String lastModified = null;
    for (JsonNode r : records) {
      CrmRecord rec = toRecord(module, request.objectType(), r, url.encodedPath());
      out.add(rec);
      lastId = rec.id();
      lastModified = r.path("date_modified").asText(null);
    }
    if (next.asLong() == -1) {
      return new Page(out, null);
    }
    if (lastId == null || (incremental && lastModified == null)) {
      throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath() + " answered next_offset "
          + next.asLong() + " with no records", null);
    }
    return new Page(out, new Cursor(request.objectType(), incremental, lastModified, lastId).encode(mapper));
  }

  private List<String> readFields(String module, List<String> requested) {
    if (!requested.isEmpty()) {
      List<String> out = new ArrayList<>();
      for (String f : requested) {
        out.add(Names.toSugar(module, f));
      }
      return out;
    }
    if (!Names.isStandard(module)) {
      return List.of(); // every field of a module without canonical names
    }
    Set<String> out = new LinkedHashSet<>(Names.defaultFields(module));
    out.addAll(extraFields.getOrDefault("*", Set.of()));
    out.addAll(extraFields.getOrDefault(module, Set.of()));
    if (readCustomFields) {
      for (Map.Entry<String, JsonNode> e : metadata(module).fields().entrySet()) {
        if (e.getValue().path("source").asText("").equals("custom_fields")) {
          out.add(e.getKey());
        }
      }
    }
    return new ArrayList<>(out);
  }

  private CrmRecord toRecord(String module, String objectType, JsonNode r, String operation) {
    if (!r.isObject()) {
      throw new CrmUnavailableException(ID, 200, null, operation + " answered a record that is not an object: "
          + HttpFailure.excerpt(r.toString(), 80), null);
    }
    JsonNode idNode = r.path("id");
    if (!idNode.isTextual() || idNode.asText().isBlank()) {
      throw new CrmUnavailableException(ID, 200, null, operation + " answered a " + module + " record without an id", null);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : r.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (Names.SYSTEM.contains(name) || (name.equals("name") && module.equals("Contacts"))) {
        continue;
      }
      if (name.equals("email")) {
        String primary = primaryEmail(v);
        if (primary != null) {
          fields.put(Names.fromSugar(module, "email"), primary);
        }
        continue;
      }
      if (name.equals("date_entered") && v.isTextual() && !v.asText().isEmpty()) {
        fields.put(Names.fromSugar(module, name), parseTime(v.asText(), operation).toString());
        continue;
      }
      Object value = value(v);
      if (value != null) {
        fields.put(Names.fromSugar(module, name), value);
      }
    }
    Instant modified = null;
    JsonNode dm = r.path("date_modified");
    if (dm.isTextual() && !dm.asText().isEmpty()) {
      modified = parseTime(dm.asText(), operation);
    }
    boolean deleted = r.path("deleted").asBoolean(false) || r.path("deleted").asText("").equals("1");
    return new CrmRecord(objectType, idNode.asText(), fields, modified, deleted);
  }

  private static @Nullable String primaryEmail(JsonNode v) {
    if (!v.isArray()) {
      return null;
    }
    String first = null;
    for (JsonNode a : v) {
      String address = a.path("email_address").asText("").strip();
      if (address.isEmpty()) {
        continue;
      }
      if (a.path("primary_address").asBoolean(false)) {
        return address;
      }
      if (first == null) {
        first = address;
      }
    }
    return first;
  }

  private static Instant parseTime(String text, String operation) {
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      throw new CrmUnavailableException(ID, 200, null, operation + " answered a datetime that is not ISO 8601: "
          + HttpFailure.excerpt(text, 40), e);
    }
  }

  /** A JSON value as a record value: empty texts and nulls are "not set"; arrays and objects are kept. */
  private static @Nullable Object value(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText().isEmpty() ? null : v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isArray()) {
      List<Object> out = new ArrayList<>();
      for (JsonNode e : v) {
        Object o = value(e);
        if (o != null) {
          out.add(o);
        }
      }
      return out.isEmpty() ? null : out;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    v.properties().forEach(e -> {
      Object o = value(e.getValue());
      if (o != null) {
        out.put(e.getKey(), o);
      }
    });
    return out.isEmpty() ? null : out;
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    String module = Names.module(objectType);
    String normalized = key.normalize(value);
    if (normalized == null) {
      return Optional.empty();
    }
    String field = Names.toSugar(module, key.field());
    ObjectNode body = mapper.createObjectNode();
    body.putArray("filter").addObject().putObject(field).put("$equals", field.equals("email") ? normalized : value.strip());
    body.put("max_num", 2);
    List<String> fields = readFields(module, List.of());
    if (!fields.isEmpty()) {
      body.put("fields", String.join(",", fields));
    }
    HttpUrl url = apiUrl.newBuilder().addPathSegment(module).addPathSegment("filter").build();
    JsonNode page = readCall(LOOKUP, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
    JsonNode records = page.path("records");
    if (!records.isArray()) {
      throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath() + " answered without records[]", null);
    }
    List<CrmRecord> found = new ArrayList<>();
    for (JsonNode r : records) {
      CrmRecord rec = toRecord(module, objectType, r, url.encodedPath());
      if (key.caseInsensitive() || field.equals("email") || value.strip().equals(rec.string(key.field()))) {
        found.add(rec);
      }
    }
    return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    String module = Names.module(objectType);
    Metadata md = metadata(module);
    List<FieldInfo> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : md.fields().entrySet()) {
      String name = e.getKey();
      JsonNode d = e.getValue();
      if (name.equals("id") || name.equals("deleted") || name.equals("date_modified")) {
        continue; // the record's id, flag and modification time, not fields
      }
      String type = d.path("type").asText("varchar");
      boolean reference = (type.equals("relate") || type.equals("id") || type.equals("assigned_user_name"))
          && name.endsWith("_id") || type.equals("id");
      FieldInfo.Builder b = FieldInfo.builder(Names.fromSugar(module, name))
          .nativeName(name)
          .type(type)
          .required(d.path("required").asBoolean(false) || d.path("required").asText("").equals("true"))
          .custom(d.path("source").asText("").equals("custom_fields"))
          .readOnly(!md.writable(name))
          .reference(reference);
      int len = d.path("len").asInt(0);
      if (len > 0 && (type.equals("varchar") || type.equals("name") || type.equals("phone") || type.equals("url"))) {
        b.maxLength(len);
      }
      if (type.equals("enum") || type.equals("multienum")) {
        b.picklistValues(enumValues(module, name));
      }
      out.add(b.build());
    }
    return out;
  }

  private List<String> enumValues(String module, String field) {
    HttpUrl url = apiUrl.newBuilder().addPathSegment(module).addPathSegment("enum").addPathSegment(field).build();
    JsonNode options = readCall(DESCRIBE, () -> new Request.Builder().url(url).get());
    List<String> out = new ArrayList<>();
    if (options.isObject()) {
      options.fieldNames().forEachRemaining(k -> {
        if (!k.isEmpty()) {
          out.add(k);
        }
      });
    } else if (options.isArray()) {
      options.forEach(o -> out.add(o.asText()));
    }
    return out;
  }

  private Metadata metadata(String module) {
    return metadata.get(module, m -> {
      HttpUrl url = apiUrl.newBuilder().addPathSegment("metadata")
          .addQueryParameter("type_filter", "modules").addQueryParameter("module_filter", m).build();
      JsonNode body = readCall(DESCRIBE, () -> new Request.Builder().url(url).get());
      JsonNode fields = body.path("modules").path(m).path("fields");
      if (!fields.isObject() || fields.isEmpty()) {
        throw new CrmRequestException(ID, 404, null, "SugarCRM has no module '" + m
            + "' visible to this user (GET /metadata listed no fields for it)", List.of(), null);
      }
      Map<String, JsonNode> out = new LinkedHashMap<>();
      fields.properties().forEach(e -> {
        if (e.getValue().isObject()) {
          out.put(e.getKey(), e.getValue());
        }
      });
      return new Metadata(m, Map.copyOf(out));
    });
  }

  // --------------------------------------------------------------------------------------------- writes

  /** One record of a write, with its position in the caller's batch. */
  private record Input(int index, String key, ObjectNode body) {}

  /**
   * {@inheritDoc}
   *
   * <p>One {@code /bulk} call (plus, unless matched on {@code sync_key}, one filter call to find the existing
   * records); records sharing a key in one batch go in successive rounds, in order. A sub-request Sugar
   * refuses fails that record alone; a transient failure of one (5xx, a record deleted meanwhile) fails it as
   * retryable. If the whole call fails after earlier rounds were applied, sending the batch again is safe.
   */
  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(key, "key");
    checkBatch(records.size());
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = Objects.requireNonNull(records.get(i), "records[" + i + "]");
      if (!r.objectType().equals(objectType)) {
        throw new IllegalArgumentException("record " + i + " is of object type '" + r.objectType() + "', not '"
            + objectType + "'");
      }
    }
    RecordResult[] results = new RecordResult[records.size()];
    if (records.isEmpty()) {
      return List.of();
    }
    String module = Names.module(objectType);
    String keyField = Names.toSugar(module, key.field());
    Metadata md = metadata(module);
    if (!md.has(keyField)) {
      throw new CrmRequestException(ID, module + " has no field '" + keyField + "' to match on");
    }
    boolean bySyncKey = syncKeyEndpoint && keyField.equals("sync_key");
    List<List<Input>> rounds = new ArrayList<>();
    Map<String, Integer> occurrences = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      String value = key.normalize(r.fields().get(key.field()));
      if (value == null) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.MISSING_MATCH_KEY,
            "record has no value for match key '" + key.field() + "' (SugarCRM field " + keyField + ")"));
        continue;
      }
      ObjectNode body = mapper.createObjectNode();
      RecordError problem = body(module, md, r, body, bySyncKey ? "sync_key" : null);
      if (problem != null) {
        results[i] = RecordResult.failed(i, problem);
        continue;
      }
      // sync_key upserts run in order inside one bulk call, so the same key twice is harmless there
      int round = bySyncKey ? 0 : occurrences.merge(value, 1, Integer::sum) - 1;
      while (rounds.size() <= round) {
        rounds.add(new ArrayList<>());
      }
      rounds.get(round).add(new Input(i, value, body));
    }
    for (List<Input> round : rounds) {
      if (bySyncKey) {
        upsertBySyncKey(module, round, results);
      } else {
        upsertByLookup(module, keyField, key, round, results);
      }
    }
    return List.of(results);
  }

  private void checkBatch(int size) {
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("a batch of " + size + " records is larger than maxBatchSize "
          + capabilities.maxBatchSize());
    }
  }

  /**
   * The Sugar body of {@code r}, or why it cannot be written: a field the module does not have (Sugar would
   * drop it silently), or a nested map. Computed fields are left out, as are {@code skip} and the company name
   * of a contact (the related Account's).
   */
  private @Nullable RecordError body(String module, Metadata md, CrmRecord r, ObjectNode body, @Nullable String skip) {
    for (Map.Entry<String, Object> e : r.fields().entrySet()) {
      String field = Names.toSugar(module, e.getKey());
      if (field.equals(skip) || Names.isRelatedName(module, field)) {
        continue;
      }
      if (!md.has(field)) {
        return RecordError.invalid("INVALID_FIELD", module + " has no field '" + field + "'",
            new FieldError(e.getKey(), "INVALID_FIELD", "no such field on SugarCRM module " + module));
      }
      if (!md.writable(field)) {
        continue;
      }
      Object v = e.getValue();
      if (field.equals("email")) {
        ArrayNode emails = body.putArray("email");
        emails.addObject().put("email_address", v.toString().strip()).put("primary_address", true);
        continue;
      }
      if (v instanceof Map<?, ?>) {
        return RecordError.invalid(RecordError.INVALID_VALUE, "field '" + e.getKey() + "' holds a map, which SugarCRM cannot store",
            new FieldError(e.getKey(), RecordError.INVALID_VALUE, "nested values are not supported"));
      }
      if (v instanceof String text) {
        body.put(field, text);
      } else if (v instanceof Boolean b) {
        body.put(field, b);
      } else if (v instanceof Long n) {
        body.put(field, n);
      } else if (v instanceof BigDecimal d) {
        body.put(field, d.toPlainString());
      } else {
        body.set(field, mapper.valueToTree(v)); // a list: a multi-select's values
      }
    }
    return null;
  }

  /** A sub-request's URL, starting with the version as {@code /bulk} wants it; each segment percent-encoded. */
  private String subUrl(String... segments) {
    StringBuilder sb = new StringBuilder(64).append('/').append(apiVersion);
    for (String s : segments) {
      sb.append('/');
      for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
        char c = (char) (b & 0xff);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~') {
          sb.append(c);
        } else {
          sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
              .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
        }
      }
    }
    return sb.toString();
  }

  private void upsertBySyncKey(String module, List<Input> inputs, RecordResult[] results) {
    List<ObjectNode> requests = new ArrayList<>();
    for (Input in : inputs) {
      requests.add(subRequest("PATCH", subUrl(module, "sync_key", in.key()), in.body()));
    }
    List<JsonNode> answers = bulk(UPSERT, requests);
    for (JsonNode a : answers) {
      if (status(a) == 403) {
        // "This endpoint is restricted to Admin users only": a setting to change, not a record to fix
        throw new CrmConfigurationException(ID, "SugarCRM refused PATCH /" + module + "/sync_key for this user ("
            + HttpFailure.excerpt(a.path("contents").path("error_message").asText("not_authorized"), 120)
            + "): sync_key upserts are for admin users; use an admin integration user or set 'syncKeyUpserts' to false");
      }
    }
    for (int k = 0; k < inputs.size(); k++) {
      Input in = inputs.get(k);
      JsonNode a = answers.get(k);
      int status = status(a);
      String id = a.path("contents").path("record").asText("");
      if (status / 100 == 2 && !id.isEmpty()) {
        results[in.index()] = status == 201 ? RecordResult.created(in.index(), id) : RecordResult.updated(in.index(), id);
      } else {
        results[in.index()] = RecordResult.failed(in.index(), subError(a, status));
      }
    }
  }

  private void upsertByLookup(String module, String keyField, MatchKey key, List<Input> inputs, RecordResult[] results) {
    Map<String, List<JsonNode>> existing = findExisting(module, keyField, key, inputs);
    List<ObjectNode> requests = new ArrayList<>();
    List<Input> sent = new ArrayList<>();
    List<Boolean> creates = new ArrayList<>();
    for (Input in : inputs) {
      List<JsonNode> matches = existing.getOrDefault(in.key(), List.of());
      if (matches.size() > 1) {
        results[in.index()] = RecordResult.failed(in.index(), RecordError.invalid(RecordError.AMBIGUOUS_MATCH,
            matches.size() + " " + module + " records have " + keyField + " '" + in.key() + "'"));
        continue;
      }
      if (matches.isEmpty()) {
        requests.add(subRequest("POST", subUrl(module), in.body()));
        creates.add(true);
      } else {
        JsonNode found = matches.get(0);
        keepOtherEmails(in.body(), found);
        requests.add(subRequest("PUT", subUrl(module, found.path("id").asText()), in.body()));
        creates.add(false);
      }
      sent.add(in);
    }
    if (requests.isEmpty()) {
      return;
    }
    List<JsonNode> answers = bulk(UPSERT, requests);
    for (int k = 0; k < sent.size(); k++) {
      Input in = sent.get(k);
      JsonNode a = answers.get(k);
      int status = status(a);
      String id = a.path("contents").path("id").asText("");
      if (status / 100 == 2 && !id.isEmpty()) {
        results[in.index()] = creates.get(k) ? RecordResult.created(in.index(), id) : RecordResult.updated(in.index(), id);
      } else if (status == 404 && !creates.get(k)) {
        // deleted between the lookup and the update: the next attempt creates it
        results[in.index()] = RecordResult.failed(in.index(), RecordError.transientError(RecordError.TRANSIENT,
            "the matching " + module + " record was deleted meanwhile"));
      } else {
        results[in.index()] = RecordResult.failed(in.index(), subError(a, status));
      }
    }
  }

  /** Writing {@code email} replaces a record's addresses: keep the ones other than the new primary. */
  private static void keepOtherEmails(ObjectNode body, JsonNode found) {
    JsonNode emails = body.get("email");
    if (emails == null || !emails.isArray() || emails.isEmpty()) {
      return;
    }
    String primary = emails.get(0).path("email_address").asText("");
    for (JsonNode a : found.path("email")) {
      String address = a.path("email_address").asText("");
      if (!address.isEmpty() && !address.equalsIgnoreCase(primary)) {
        ((ArrayNode) emails).addObject().put("email_address", address).put("primary_address", false)
            .put("opt_out", a.path("opt_out").asBoolean(false)).put("invalid_email", a.path("invalid_email").asBoolean(false));
      }
    }
  }

  /** The live records whose {@code keyField} holds one of the inputs' keys, by normalised key. */
  private Map<String, List<JsonNode>> findExisting(String module, String keyField, MatchKey key, List<Input> inputs) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode in = body.putArray("filter").addObject().putObject(keyField).putArray("$in");
    Set<String> wanted = new LinkedHashSet<>();
    for (Input i : inputs) {
      wanted.add(i.key());
      in.add(i.key());
    }
    body.put("fields", keyField.equals("email") ? "id,email" : "id,email," + keyField);
    body.put("order_by", "id:ASC");
    int pageSize = Math.min(capabilities.maxPageSize(), Math.max(20, inputs.size() * 2));
    body.put("max_num", pageSize);
    HttpUrl url = apiUrl.newBuilder().addPathSegment(module).addPathSegment("filter").build();
    Map<String, List<JsonNode>> out = new HashMap<>();
    int offset = 0;
    while (true) {
      body.put("offset", offset);
      JsonNode page = call(LOOKUP, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
      JsonNode records = page.path("records");
      JsonNode next = page.path("next_offset");
      if (!records.isArray() || !next.isIntegralNumber()) {
        throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath()
            + " answered without the documented shape {next_offset, records[]}", null);
      }
      for (JsonNode r : records) {
        if (!r.path("id").isTextual()) {
          throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath() + " answered a record without an id", null);
        }
        Set<String> keys = new LinkedHashSet<>();
        if (keyField.equals("email")) {
          for (JsonNode a : r.path("email")) {
            String k = key.normalize(a.path("email_address").asText(""));
            if (k != null) {
              keys.add(k);
            }
          }
        } else {
          String k = key.normalize(r.path(keyField).asText(""));
          if (k != null) {
            keys.add(k);
          }
        }
        for (String k : keys) {
          if (wanted.contains(k)) {
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
          }
        }
      }
      if (next.asLong() == -1) {
        return out;
      }
      if (records.isEmpty() || next.asLong() <= offset) {
        throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath() + " answered next_offset "
            + next.asLong() + " after offset " + offset, null);
      }
      offset = (int) next.asLong();
    }
  }

  private ObjectNode subRequest(String method, String url, @Nullable ObjectNode data) {
    ObjectNode o = mapper.createObjectNode();
    o.put("url", url);
    o.put("method", method);
    if (data != null) {
      try {
        // "The data for the POST/PUT body. Must be a JSON-encoded string."
        o.put("data", mapper.writeValueAsString(data));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("cannot serialise a record: " + e.getOriginalMessage(), e);
      }
    }
    return o;
  }

  /** One {@code POST /bulk}; checks that the answer has one {@code {contents, status}} object per request. */
  private List<JsonNode> bulk(CrmHttp.Operation op, List<ObjectNode> requests) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode array = body.putArray("requests");
    requests.forEach(array::add);
    HttpUrl url = apiUrl.newBuilder().addPathSegment("bulk").build();
    JsonNode answer = call(op, writeHttp, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
    if (!answer.isArray() || answer.size() != requests.size()) {
      throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath() + " answered "
          + (answer.isArray() ? answer.size() + " results" : "a " + answer.getNodeType().toString().toLowerCase(Locale.ROOT))
          + " for " + requests.size() + " requests", null);
    }
    List<JsonNode> out = new ArrayList<>(answer.size());
    for (JsonNode a : answer) {
      if (!a.isObject() || !a.has("contents")) {
        throw new CrmUnavailableException(ID, 200, null, "POST " + url.encodedPath()
            + " answered a result without contents: " + HttpFailure.excerpt(a.toString(), 80), null);
      }
      out.add(a);
    }
    return out;
  }

  /** A sub-request's status; Sugar's own help shows {@code null} for a successful one, so that counts as 200. */
  private static int status(JsonNode answer) {
    JsonNode s = answer.path("status");
    if (s.canConvertToInt() && s.isNumber()) {
      return s.asInt();
    }
    if (s.isTextual() && s.asText().matches("\\d{3}")) {
      return Integer.parseInt(s.asText());
    }
    return answer.path("contents").path("error").isTextual() ? 500 : 200;
  }

  private static RecordError subError(JsonNode answer, int status) {
    JsonNode c = answer.path("contents");
    String label = c.path("error").isTextual() ? c.path("error").asText() : "http_" + status;
    String text = c.path("error_message").isTextual() ? HttpFailure.excerpt(c.path("error_message").asText(), 300)
        : "SugarCRM answered " + status + " without an error message";
    if (status == 429 || status >= 500 || status == 409 || status == 401 || status / 100 == 2) {
      return RecordError.transientError(status / 100 == 2 ? RecordError.TRANSIENT : label, text);
    }
    return new RecordError(label, text, SugarErrors.fieldErrors(label, text), false);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code /bulk} call of {@code DELETE /<module>/<id>}; an id Sugar does not know (404) counts as
   * deleted, so deletes can be repeated.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(ids, "ids");
    checkBatch(ids.size());
    String module = Names.module(objectType);
    RecordResult[] results = new RecordResult[ids.size()];
    List<Integer> sent = new ArrayList<>();
    List<ObjectNode> requests = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = Objects.requireNonNull(ids.get(i), "ids[" + i + "]").strip();
      if (id.isEmpty() || id.length() > 36) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE,
            "'" + HttpFailure.excerpt(id, 40) + "' is not a SugarCRM record id (1 to 36 characters)"));
        continue;
      }
      sent.add(i);
      requests.add(subRequest("DELETE", subUrl(module, id), null));
    }
    if (!requests.isEmpty()) {
      List<JsonNode> answers = bulk(DELETE, requests);
      for (int k = 0; k < sent.size(); k++) {
        int i = sent.get(k);
        int status = status(answers.get(k));
        results[i] = status / 100 == 2 || status == 404 ? RecordResult.deleted(i, ids.get(i).strip())
            : RecordResult.failed(i, subError(answers.get(k), status));
      }
    }
    return List.of(results);
  }

  // ----------------------------------------------------------------------------------------------- HTTP

  // operations as reported to AdapterListeners: few, fixed names, never ids
  private static final CrmHttp.Operation READ = new CrmHttp.Operation("read");
  private static final CrmHttp.Operation LOOKUP = new CrmHttp.Operation("lookup");
  private static final CrmHttp.Operation DESCRIBE = new CrmHttp.Operation("describe");
  private static final CrmHttp.Operation UPSERT = new CrmHttp.Operation("upsert");
  private static final CrmHttp.Operation DELETE = new CrmHttp.Operation("delete");

  /** A read: retried on transient failures and short rate limits, waiting on the TimeSource. */
  private JsonNode readCall(CrmHttp.Operation op, Supplier<Request.Builder> request) {
    ContextualSupplier<JsonNode, JsonNode> attempt = ctx -> {
      Throwable last = ctx.getLastException();
      if (ctx.getAttemptCount() > 0 && last != null) {
        events.retry(op.name(), last);
      }
      return call(op, request);
    };
    return Failsafe.with(readRetry).get(attempt);
  }

  /** One call with the session's token; a 401 renews the session and tries once more. */
  private JsonNode call(CrmHttp.Operation op, Supplier<Request.Builder> request) {
    return call(op, http, request);
  }

  private JsonNode call(CrmHttp.Operation op, CrmHttp http, Supplier<Request.Builder> request) {
    String token = tokens.accessToken();
    try {
      return paced(op, http, request.get().header("OAuth-Token", token).tag(CrmHttp.Operation.class, op).build());
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() != 401) {
        throw e;
      }
      // expired, or displaced by a login of the same user on the same platform elsewhere
      log.debug("SugarCRM refused the access token ({}); renewing the session once", e.getMessage());
      tokens.refused(token);
      String renewed = tokens.accessToken();
      events.retry(op.name(), e);
      return paced(op, http, request.get().header("OAuth-Token", renewed).tag(CrmHttp.Operation.class, op).build());
    }
  }

  private JsonNode paced(CrmHttp.Operation op, CrmHttp http, Request request) {
    if (limiter == null) {
      return rateLimitsReported(op, http, request);
    }
    try (RequestLimiter.Permit permit = limiter.acquire()) {
      return rateLimitsReported(op, http, request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(ID, 0, null, "interrupted while waiting for the request budget", e);
    }
  }

  private JsonNode rateLimitsReported(CrmHttp.Operation op, CrmHttp http, Request request) {
    try {
      return http.execute(request);
    } catch (CrmRateLimitException e) {
      events.rateLimited(op.name(), e.retryAfter(), e.isQuotaExhausted());
      throw e;
    }
  }

  private boolean isRetryableRead(Throwable e) {
    if (e instanceof CrmRateLimitException r) {
      return !r.isQuotaExhausted() && r.retryAfter().compareTo(maxReadWait) <= 0;
    }
    return e instanceof CrmUnavailableException;
  }

  private void pauseBeforeRetry(@Nullable Throwable failure, int attempt) {
    Duration wait;
    if (failure instanceof CrmRateLimitException r) {
      wait = r.retryAfter();
    } else {
      long base = 250L << Math.min(6, Math.max(0, attempt - 1));
      wait = Duration.ofMillis(Math.min(8_000, base + ThreadLocalRandom.current().nextLong(base / 2 + 1)));
    }
    log.debug("Retrying a SugarCRM read in {} after: {}", wait, failure == null ? "?" : failure.getMessage());
    try {
      time.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

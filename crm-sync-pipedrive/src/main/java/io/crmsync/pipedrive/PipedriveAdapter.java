package io.crmsync.pipedrive;

import static io.crmsync.pipedrive.internal.PipedriveClient.dataArray;
import static io.crmsync.pipedrive.internal.PipedriveClient.envelope;
import static io.crmsync.pipedrive.internal.PipedriveClient.malformed;
import static io.crmsync.pipedrive.internal.PipedriveClient.nextCursor;
import static io.crmsync.pipedrive.internal.PipedriveClient.recordId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.HttpFailure;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.pipedrive.internal.ApiTokenAuth;
import io.crmsync.pipedrive.internal.Auth;
import io.crmsync.pipedrive.internal.Entities;
import io.crmsync.pipedrive.internal.FieldCatalog;
import io.crmsync.pipedrive.internal.OAuthAuth;
import io.crmsync.pipedrive.internal.PipedriveClient;
import io.crmsync.pipedrive.internal.PipedriveClient.Op;
import io.crmsync.pipedrive.internal.PipedriveErrors;
import io.crmsync.pipedrive.internal.RecordJson;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CRMAdapter} for Pipedrive's API v2: persons as contacts, organizations as companies, deals,
 * products and activities by name, custom fields under their names. Thread-safe; create one per Pipedrive
 * company and share it.
 *
 * <pre>{@code
 * CRMAdapter pipedrive = PipedriveAdapter.create(AdapterConfig.fromEnvironment("pipedrive"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * Given in an {@link AdapterConfig} with id {@code pipedrive}: as a map, as properties {@code
 * crmsync.pipedrive.<name>}, or as environment variables {@code CRMSYNC_PIPEDRIVE_<NAME>}. Secrets may come
 * from the config's {@link io.crmsync.adapter.CredentialsProvider} instead.
 *
 * <table>
 *   <caption>Pipedrive adapter settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code companyDomain}</td><td>-</td><td>the company's subdomain: requests go to {@code
 *       https://<companyDomain>.pipedrive.com}. Either this or {@code baseUrl}.</td></tr>
 *   <tr><td>{@code baseUrl}</td><td>-</td><td>where the API is instead (an emulator, a proxy); https only,
 *       except for loopback hosts.</td></tr>
 *   <tr><td>{@code apiToken}</td><td>-</td><td>secret: a user's personal API token, sent as {@code
 *       x-api-token}. Either this or the three OAuth settings.</td></tr>
 *   <tr><td>{@code clientId}, {@code clientSecret}, {@code refreshToken}</td><td>-</td><td>OAuth 2.0: the app's
 *       client id and secret (secret) and the company's refresh token (secret). Access tokens are fetched from
 *       {@code tokenUrl}, cached, and refreshed {@code tokenRefreshAhead} before they expire; a 401 refreshes
 *       once, and a second 401 is a {@link CrmAuthenticationException}.</td></tr>
 *   <tr><td>{@code tokenUrl}</td><td>{@code https://oauth.pipedrive.com/oauth/token}</td><td>the OAuth token
 *       endpoint.</td></tr>
 *   <tr><td>{@code tokenRefreshAhead}</td><td>{@code 5m}</td><td>how long before expiry an access token is
 *       replaced (at most half its lifetime).</td></tr>
 *   <tr><td>{@code burstLimit}</td><td>20 (API token) or 80 (OAuth)</td><td>requests per rolling 2-second
 *       window, the lowest plan's; replaced by the {@code x-ratelimit-limit} Pipedrive answers with.</td></tr>
 *   <tr><td>{@code searchBurstLimit}</td><td>10</td><td>search requests per 2 seconds (0: off).</td></tr>
 *   <tr><td>{@code dailyTokenReserve}</td><td>0</td><td>tokens of the company's daily budget left to other
 *       users and integrations: the adapter stops (a {@link CrmRateLimitException#quotaExhausted quota
 *       exhaustion}) rather than spend them.</td></tr>
 *   <tr><td>{@code dailyResetZone}</td><td>{@code UTC}</td><td>the server's zone, where the daily budget resets
 *       at midnight; used when a 429 names no wait.</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>the most records per upsert or delete call (1-500).</td></tr>
 *   <tr><td>{@code writeConcurrency}</td><td>8</td><td>how many of a batch's single-record calls are in flight at
 *       once (1-64), always within the burst limit.</td></tr>
 *   <tr><td>{@code contactSync}</td><td>false</td><td>whether the company uses Contact Sync, which gives persons
 *       a job title ({@code title}), a postal address ({@code street}, {@code city}, {@code state}, {@code
 *       postalCode}, {@code country}), notes and a birthday. Without it Pipedrive answers 403 to those fields,
 *       so the adapter fails such records alone instead of sending them.</td></tr>
 *   <tr><td>{@code linkOrganizations}</td><td>false</td><td>whether writing a contact's {@code company} finds
 *       the organization of that exact name, or creates it, and links the person to it. Off, {@code company}
 *       is read from the linked organization and left out of writes, because linking by name merges
 *       unrelated companies that share one.</td></tr>
 *   <tr><td>{@code extraFields}</td><td>none</td><td>standard fields reads also return, by API name, beyond
 *       the mapped ones and the custom fields: {@code name} for every entity, {@code entity:name} (such as
 *       {@code persons:label_ids}) for one.</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 0s}</td><td>how far before {@code since} an incremental
 *       read starts, beyond rounding down to the second of Pipedrive's timestamps.</td></tr>
 *   <tr><td>{@code readRetries}</td><td>2</td><td>retries of reads on 5xx, timeouts and garbled bodies,
 *       waiting on the config's {@link TimeSource}.</td></tr>
 *   <tr><td>{@code rateLimitRetries}</td><td>3</td><td>how often one request sits out a burst 429 before the
 *       429 is thrown.</td></tr>
 *   <tr><td>{@code maxWait}</td><td>{@code 10s}</td><td>the longest burst 429 wait sat out inside a call.</td></tr>
 *   <tr><td>{@code fieldCacheTtl}</td><td>{@code 10m}</td><td>how long the fields catalog (custom field names
 *       and keys) and organization names are cached.</td></tr>
 * </table>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Reads page {@code GET /api/v2/{entity}} by cursor, 500 records a page at most, sorted by id; with
 *       {@code since}, by {@code update_time} from {@code updated_since} rounded down to the second. Deleted
 *       records can be read for deals only ({@code status=...,deleted}, the 30 days Pipedrive keeps them).
 *   <li>Pipedrive has no upsert and no batch write. Each record is matched by an exact-match search on the
 *       key ({@code GET /api/v2/persons/search?fields=email&exact_match=true}), then updated ({@code PATCH}) or
 *       created ({@code POST}); a batch's records go as concurrent single calls, {@code writeConcurrency} at
 *       a time, within the burst limit. A key that matches several records fails with {@link
 *       RecordError#AMBIGUOUS_MATCH}. A create whose answer was lost (a dropped connection, a 5xx, a garbled
 *       body) is remembered; when the record comes again and search does not find it yet, the records
 *       changed since the attempt are listed ({@code updated_since}) and the one created is updated rather
 *       than created twice.
 *   <li>Custom fields go by their names: the 40-character keys are mapped through the fields endpoints
 *       ({@code GET /api/v2/personFields}, ...), cached {@code fieldCacheTtl}; options are written and read by
 *       label.
 *   <li>Every request waits for the burst limit (and search's) and spends the documented tokens; the
 *       latest rate-limit headers are in {@link #rateLimitStatus()}. A burst 429 is sat out and the request
 *       sent again; a 429 of the daily budget is {@link CrmRateLimitException#quotaExhausted}.
 * </ul>
 */
public final class PipedriveAdapter implements CRMAdapter {
  private static final Logger log = LoggerFactory.getLogger(PipedriveAdapter.class);

  /** The adapter's id, and the provider's. */
  public static final String ID = "pipedrive";
  /** The default records per upsert or delete call. */
  public static final int DEFAULT_BATCH_SIZE = 100;
  /** The most records per upsert or delete call this adapter accepts. */
  public static final int MAX_BATCH_SIZE = 500;
  /** "The maximum limit value is 500" for cursor-paginated lists. */
  public static final int MAX_PAGE_SIZE = 500;
  /** The production OAuth token endpoint. */
  public static final URI DEFAULT_TOKEN_URL = URI.create("https://oauth.pipedrive.com/oauth/token");

  /** Search pages hold at most 100 items; {@code ids} lists at most 100 ids. */
  static final int MAX_SEARCH_PAGE = 100;
  static final int MAX_IDS = 100;


  private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");
  private static final Set<String> RESERVED_NAMES;

  static {
    Set<String> reserved = new HashSet<>();
    for (String f : Contact.Fields.ALL) {
      reserved.add(f.toLowerCase(Locale.ROOT));
    }
    reserved.add("name");
    RESERVED_NAMES = Set.copyOf(reserved);
  }

  private final HttpUrl baseUrl;
  private final PipedriveClient client;
  private final RecordJson mapping;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  private final Duration overlap;
  private final boolean contactSync;
  private final boolean linkOrganizations;
  private final int writeConcurrency;
  private final Cache<String, FieldCatalog> catalogs;
  private final Cache<Long, String> orgNames;
  private final Cache<String, Long> orgIds;
  private final ConcurrentHashMap<String, CompletableFuture<Long>> orgCreations = new ConcurrentHashMap<>();
  /** Writes whose outcome is unknown (the answer was lost), by entity, key field and value: when attempted. */
  private final Cache<String, Instant> unknownOutcomes;
  /**
   * The records this adapter wrote lately, by entity, key field and value: their ids. A record sent again
   * soon (a batch retried after a rate limit) is updated by id, because search may not see a record created
   * seconds ago.
   */
  private final Cache<String, Long> recentWrites;
  private final Object writersLock = new Object();
  private @Nullable ExecutorService writers;
  private volatile boolean closed;

  private final AdapterEvents events = AdapterEvents.create(ID);

  private PipedriveAdapter(AdapterConfig config) {
    this.mapper = config.objectMapper();
    this.time = config.timeSource();
    this.baseUrl = baseUrl(config);
    ZoneId dailyResetZone;
    try {
      dailyResetZone = ZoneId.of(config.string("dailyResetZone", "UTC"));
    } catch (DateTimeException e) {
      throw new CrmConfigurationException(ID, "setting 'dailyResetZone' must be a time zone such as UTC or "
          + "Europe/Tallinn but was '" + config.string("dailyResetZone", "") + "'");
    }
    PipedriveErrors errors = new PipedriveErrors(dailyResetZone);
    // OkHttp sends a request again, unasked, when its connection fails; for a create whose connection dropped
    // after Pipedrive applied it, that is a second person. Failures come back to the adapter instead, which
    // knows which calls may be repeated (derived client: the pool and dispatcher stay shared).
    OkHttpClient httpClient = config.httpClient().newBuilder().retryOnConnectionFailure(false).build();
    CrmHttp http = new CrmHttp(ID, httpClient, mapper, errors, time, List.of("x-correlation-id"),
        CrmHttp.DEFAULT_MAX_RESPONSE_BYTES).withEvents(events);
    Auth auth = auth(config, httpClient, errors, events);

    int batchSize = config.integer("batchSize", DEFAULT_BATCH_SIZE);
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new CrmConfigurationException(ID, "setting 'batchSize' must be between 1 and " + MAX_BATCH_SIZE
          + " but was " + batchSize);
    }
    int burst = config.integer("burstLimit", auth.isOAuth() ? 80 : 20);
    if (burst < 1) {
      throw new CrmConfigurationException(ID, "setting 'burstLimit' must be positive but was " + burst);
    }
    int searchBurst = config.integer("searchBurstLimit", 10);
    if (searchBurst < 0) {
      throw new CrmConfigurationException(ID, "setting 'searchBurstLimit' must not be negative but was " + searchBurst);
    }
    this.writeConcurrency = config.integer("writeConcurrency", 8);
    if (writeConcurrency < 1 || writeConcurrency > 64) {
      throw new CrmConfigurationException(ID, "setting 'writeConcurrency' must be between 1 and 64 but was "
          + writeConcurrency);
    }
    long reserve = config.integer("dailyTokenReserve", 0);
    if (reserve < 0) {
      throw new CrmConfigurationException(ID, "setting 'dailyTokenReserve' must not be negative but was " + reserve);
    }
    RequestBudget budget = RequestBudget.of(burst, PipedriveErrors.BURST_WINDOW);
    RequestLimiter searchLimiter = searchBurst == 0 ? null
        : RequestLimiter.of(RequestBudget.of(searchBurst, PipedriveErrors.BURST_WINDOW), time);
    this.client = new PipedriveClient(baseUrl, http, auth, time, errors, RequestLimiter.of(budget, time), searchLimiter,
        nonNegative(config, "readRetries", 2), nonNegative(config, "rateLimitRetries", 3),
        nonNegative(config, "maxWait", Duration.ofSeconds(10)), reserve, dailyResetZone, events);
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(batchSize)
        .maxPageSize(MAX_PAGE_SIZE)
        .budget(budget)
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(false)
        .build();
    this.overlap = nonNegative(config, "incrementalOverlap", Duration.ZERO);
    this.contactSync = config.bool("contactSync", false);
    this.linkOrganizations = config.bool("linkOrganizations", false);
    this.mapping = new RecordJson(mapper, contactSync, linkOrganizations,
        parseExtraFields(config.string("extraFields", "")));
    Duration ttl = nonNegative(config, "fieldCacheTtl", Duration.ofMinutes(10));
    this.catalogs = Caffeine.newBuilder().ticker(this::ticks).expireAfterWrite(ttl).build();
    this.orgNames = Caffeine.newBuilder().ticker(this::ticks).expireAfterWrite(ttl).maximumSize(100_000).build();
    this.orgIds = Caffeine.newBuilder().ticker(this::ticks).expireAfterWrite(ttl).maximumSize(100_000).build();
    this.unknownOutcomes = Caffeine.newBuilder().ticker(this::ticks).expireAfterWrite(Duration.ofHours(1))
        .maximumSize(100_000).build();
    this.recentWrites = Caffeine.newBuilder().ticker(this::ticks).expireAfterWrite(Duration.ofMinutes(15))
        .maximumSize(100_000).build();
  }

  /**
   * An adapter configured by {@code config}.
   *
   * @throws CrmConfigurationException if a setting is missing or malformed, naming it
   * @throws NullPointerException if {@code config} is null
   */
  public static PipedriveAdapter create(AdapterConfig config) {
    Objects.requireNonNull(config, "config");
    return new PipedriveAdapter(config);
  }

  private long ticks() {
    Instant now = time.now();
    return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
  }

  private static HttpUrl baseUrl(AdapterConfig config) {
    if (config.has("baseUrl")) {
      if (config.has("companyDomain")) {
        throw new CrmConfigurationException(ID, "set either 'companyDomain' or 'baseUrl', not both");
      }
      return checkedUrl("baseUrl", config.uri("baseUrl", URI.create("https://invalid")));
    }
    if (!config.has("companyDomain")) {
      throw new CrmConfigurationException(ID, "no company: set 'companyDomain' (the subdomain of "
          + "https://<companyDomain>.pipedrive.com; property " + AdapterConfig.propertyKey(ID, "companyDomain")
          + " or environment variable " + AdapterConfig.environmentVariable(ID, "companyDomain") + ") or 'baseUrl'");
    }
    String domain = config.string("companyDomain").strip();
    if (!DOMAIN.matcher(domain).matches()) {
      throw new CrmConfigurationException(ID, "setting 'companyDomain' must be a subdomain such as 'acme' (of "
          + "acme.pipedrive.com) but was '" + HttpFailure.excerpt(domain, 80) + "'");
    }
    return HttpUrl.get("https://" + domain.toLowerCase(Locale.ROOT) + ".pipedrive.com");
  }

  private static HttpUrl checkedUrl(String name, URI uri) {
    HttpUrl url = HttpUrl.parse(uri.toString());
    if (url == null) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must be an http(s) URL");
    }
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must be an https URL (http is allowed only for "
          + "loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty() || url.querySize() > 0) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not carry credentials or a query; use "
          + "'apiToken' or the OAuth settings");
    }
    return url;
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false; // an IP literal or nothing: names are never resolved here
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private Auth auth(AdapterConfig config, OkHttpClient httpClient, PipedriveErrors errors, AdapterEvents events) {
    boolean hasToken = config.optionalSecret("apiToken").isPresent();
    boolean hasOAuth = config.has("clientId") || config.optionalSecret("clientSecret").isPresent()
        || config.optionalSecret("refreshToken").isPresent();
    if (hasToken && hasOAuth) {
      throw new CrmConfigurationException(ID,
          "set either 'apiToken' or 'clientId', 'clientSecret' and 'refreshToken' (OAuth), not both");
    }
    if (hasToken) {
      Supplier<Secret> source = () -> config.secret("apiToken");
      return new ApiTokenAuth(source);
    }
    if (hasOAuth) {
      String clientId = config.string("clientId");
      Secret clientSecret = config.secret("clientSecret");
      Secret refreshToken = config.secret("refreshToken");
      HttpUrl tokenUrl = checkedUrl("tokenUrl", config.uri("tokenUrl", DEFAULT_TOKEN_URL));
      Duration ahead = nonNegative(config, "tokenRefreshAhead", Duration.ofMinutes(5));
      CrmHttp tokenHttp = new CrmHttp(ID, httpClient, mapper, errors, time, List.of("x-correlation-id"),
          1024 * 1024).withEvents(events);
      return new OAuthAuth(tokenHttp, tokenUrl, clientId, clientSecret, refreshToken, time, ahead, events::tokenRenewed);
    }
    throw new CrmConfigurationException(ID, "no credentials: set 'apiToken' (a personal API token: property "
        + AdapterConfig.propertyKey(ID, "apiToken") + " or environment variable "
        + AdapterConfig.environmentVariable(ID, "apiToken") + ") or 'clientId', 'clientSecret' and 'refreshToken' for OAuth");
  }

  private static int nonNegative(AdapterConfig config, String name, int def) {
    int n = config.integer(name, def);
    if (n < 0) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not be negative but was " + n);
    }
    return n;
  }

  private static Duration nonNegative(AdapterConfig config, String name, Duration def) {
    Duration d = config.duration(name, def);
    if (d.isNegative()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not be negative but was " + d);
    }
    return d;
  }

  private static Map<String, Set<String>> parseExtraFields(String value) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.indexOf(':');
      String entity;
      try {
        entity = colon < 0 ? "*" : Entities.entity(p.substring(0, colon));
      } catch (IllegalArgumentException e) {
        throw new CrmConfigurationException(ID, "setting 'extraFields' names an unknown entity in '" + p + "'");
      }
      String name = colon < 0 ? p : p.substring(colon + 1).strip();
      if (name.isEmpty()) {
        throw new CrmConfigurationException(ID, "setting 'extraFields' must list names or entity:name pairs but had '" + p + "'");
      }
      out.computeIfAbsent(entity, k -> new LinkedHashSet<>()).add(name);
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

  /** What the latest rate-limit headers said, if any response carried them. */
  public Optional<RateLimitStatus> rateLimitStatus() {
    return client.rateLimitStatus();
  }

  /**
   * The company's daily token budget as the latest {@code x-daily-ratelimit-token-limit} and {@code -remaining}
   * headers said (none left after a refusal for a spent budget), resetting at midnight in {@code dailyResetZone}.
   */
  @Override
  public Optional<QuotaStatus> quotaStatus() {
    return client.quota();
  }

  /**
   * Reports each request (by operation: {@code read}, {@code search}, {@code lookup}, {@code describe}, {@code
   * upsert}, {@code delete}, {@code token}), the adapter's own retries (sat-out 429s, repeated reads, a new
   * credential after a 401), Pipedrive's 429s, and renewed credentials.
   */
  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return events.add(listener);
  }

  @Override
  public void close() {
    closed = true;
    synchronized (writersLock) {
      if (writers != null) {
        writers.shutdownNow();
        writers = null;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- reads

  /** Where a read continues: Pipedrive's cursor, and the filter it belongs to. */
  private record Cursor(@Nullable Long sinceSecond, boolean deleted, @Nullable String next) {}

  private String encode(Cursor c) {
    ObjectNode o = mapper.createObjectNode();
    if (c.sinceSecond() != null) {
      o.put("s", c.sinceSecond());
    }
    o.put("d", c.deleted());
    if (c.next() != null) {
      o.put("c", c.next());
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  private Cursor decode(String cursor) {
    try {
      JsonNode o = mapper.readTree(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
      if (o != null && o.isObject() && o.path("d").isBoolean() && o.path("c").isTextual()) {
        return new Cursor(o.has("s") ? o.get("s").asLong() : null, o.get("d").asBoolean(), o.get("c").asText());
      }
    } catch (IllegalArgumentException | java.io.IOException e) {
      // below
    }
    throw new IllegalArgumentException("not a cursor this adapter issued");
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code GET /api/v2/<entity>} (10 tokens for up to 500 records); for contacts, organization names
   * not in the cache cost one more call per 100 organizations.
   *
   * @throws IllegalArgumentException if deleted records are asked for another entity than deals
   */
  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    String entity = Entities.entity(request.objectType());
    if (request.includeDeleted() && !entity.equals(Entities.DEALS)) {
      throw new IllegalArgumentException("Pipedrive's API v2 lists deleted records for deals only, not for "
          + request.objectType());
    }
    Cursor cursor;
    Long sinceSecond = request.since() == null ? null
        : Math.max(0, request.since().minus(overlap).truncatedTo(ChronoUnit.SECONDS).getEpochSecond());
    if (request.cursor() == null) {
      cursor = new Cursor(sinceSecond, request.includeDeleted(), null);
    } else {
      cursor = decode(request.cursor());
      if ((cursor.sinceSecond() == null) != (request.since() == null) || cursor.deleted() != request.includeDeleted()) {
        throw new IllegalArgumentException("cursor does not belong to this read (its since or includeDeleted differ)");
      }
    }
    FieldCatalog catalog = catalog(entity);
    int limit = Math.min(request.pageSize(), MAX_PAGE_SIZE);
    HttpUrl.Builder url = client.api(entity)
        .addQueryParameter("limit", Integer.toString(limit))
        .addQueryParameter("sort_by", cursor.sinceSecond() != null ? "update_time" : "id")
        .addQueryParameter("sort_direction", "asc");
    if (cursor.sinceSecond() != null) {
      url.addQueryParameter("updated_since", Instant.ofEpochSecond(cursor.sinceSecond()).toString());
    }
    if (cursor.deleted()) {
      url.addQueryParameter("status", "open,won,lost,deleted");
    }
    if (cursor.next() != null) {
      url.addQueryParameter("cursor", cursor.next());
    }
    String op = "GET /api/v2/" + entity;
    JsonNode body = client.call(new Op("read", op, PipedriveClient.COST_LIST, false, true), () -> new Request.Builder().url(url.build()).get()).body();
    List<JsonNode> items = dataArray(body, op);
    String next = nextCursor(body, op);
    Map<Long, String> orgs = entity.equals(Entities.PERSONS) && wants(request.fields(), Contact.Fields.COMPANY)
        ? organizationNames(items) : Map.of();
    List<CrmRecord> records = new ArrayList<>(items.size());
    for (JsonNode item : items) {
      CrmRecord r = mapping.toRecord(entity, request.objectType(), item, catalog, orgs, request.fields(), op);
      if (request.since() != null && r.modifiedAt() == null) {
        throw new CrmUnavailableException(ID, 200, null, op + " returned record " + r.id()
            + " without update_time in a read by updated_since", null);
      }
      records.add(r);
    }
    return new Page(records, next == null ? null : encode(new Cursor(cursor.sinceSecond(), cursor.deleted(), next)));
  }

  private static boolean wants(List<String> fields, String field) {
    return fields.isEmpty() || fields.contains(field);
  }








  /** The names of the organizations {@code persons} belong to: from the cache, else 100 a call. */
  private Map<Long, String> organizationNames(List<JsonNode> persons) {
    Set<Long> wanted = new LinkedHashSet<>();
    for (JsonNode p : persons) {
      JsonNode org = p.path("org_id");
      if (org.isIntegralNumber() && org.asLong() > 0) {
        wanted.add(org.asLong());
      }
    }
    Map<Long, String> out = new HashMap<>(orgNames.getAllPresent(wanted));
    List<Long> missing = new ArrayList<>();
    for (Long id : wanted) {
      if (!out.containsKey(id)) {
        missing.add(id);
      }
    }
    for (int from = 0; from < missing.size(); from += MAX_IDS) {
      List<Long> slice = missing.subList(from, Math.min(missing.size(), from + MAX_IDS));
      StringBuilder ids = new StringBuilder();
      for (Long id : slice) {
        ids.append(ids.length() == 0 ? "" : ",").append(id);
      }
      HttpUrl url = client.api(Entities.ORGANIZATIONS).addQueryParameter("ids", ids.toString())
          .addQueryParameter("limit", Integer.toString(MAX_IDS)).build();
      String op = "GET /api/v2/organizations";
      JsonNode body = client.call(new Op("read", op, PipedriveClient.COST_LIST, false, true), () -> new Request.Builder().url(url).get()).body();
      for (JsonNode org : dataArray(body, op)) {
        String name = RecordJson.text(org.path("name"));
        if (name != null) {
          long id = recordId(org, op);
          orgNames.put(id, name);
          out.put(id, name);
        }
      }
    }
    return out;
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    String entity = Entities.entity(objectType);
    FieldCatalog catalog = catalog(entity);
    KeyField kf = keyField(entity, key, catalog);
    String normalized = key.normalize(value);
    if (normalized == null) {
      return Optional.empty();
    }
    List<Candidate> found = find(entity, kf, key, normalized);
    if (found.size() != 1) {
      return Optional.empty();
    }
    String op = "GET /api/v2/" + entity + "/{id}";
    HttpUrl url = client.api(entity).addPathSegment(Long.toString(found.get(0).id())).build();
    JsonNode body;
    try {
      body = client.call(new Op("lookup", op, PipedriveClient.COST_GET, false, true), () -> new Request.Builder().url(url).get()).body();
    } catch (CrmRequestException e) {
      if (e.statusCode() == 404 || e.statusCode() == 410) {
        return Optional.empty();
      }
      throw e;
    }
    JsonNode item = envelope(body, op).path("data");
    if (!item.isObject()) {
      throw malformed(op, "its data is not an object", body);
    }
    Map<Long, String> orgs = entity.equals(Entities.PERSONS) ? organizationNames(List.of(item)) : Map.of();
    return Optional.of(mapping.toRecord(entity, objectType, item, catalog, orgs, List.of(), op));
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    String entity = Entities.entity(objectType);
    FieldCatalog catalog = catalog(entity);
    List<FieldInfo> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    if (entity.equals(Entities.PERSONS)) {
      out.add(FieldInfo.builder(Contact.Fields.EMAIL).nativeName("emails").type("email").build());
      out.add(FieldInfo.builder(Contact.Fields.PHONE).nativeName("phones").type("phone").build());
      // first and last name are written as the person's name, which Pipedrive requires and splits itself
      out.add(FieldInfo.builder(Contact.Fields.FIRST_NAME).nativeName("first_name").type("varchar").maxLength(255).build());
      out.add(FieldInfo.builder(Contact.Fields.LAST_NAME).nativeName("last_name").type("varchar").maxLength(255).build());
      out.add(FieldInfo.builder(Contact.Fields.COMPANY).nativeName("org_id").type("varchar")
          .readOnly(!linkOrganizations).build());
      seen.addAll(Set.of("emails", "phones", "first_name", "last_name", "name"));
    }
    for (FieldCatalog.Field f : catalog.fields()) {
      String code = f.code();
      if (f.custom() || Entities.RECORD_PROPERTIES.contains(code) || seen.contains(code)) {
        continue;
      }
      if (Entities.CONTACT_SYNC_FIELDS.contains(code) && entity.equals(Entities.PERSONS) && !contactSync) {
        continue;
      }
      if (code.equals(Entities.addressField(entity))) {
        for (Map.Entry<String, String> part : Entities.ADDRESS_PARTS.entrySet()) {
          out.add(FieldInfo.builder(part.getKey()).nativeName(code + "." + part.getValue()).type("varchar").build());
        }
        continue;
      }
      String canonical = Entities.simpleCanonical(entity, code);
      boolean writable = Entities.writable(entity, code) && !code.equals("add_time");
      FieldInfo.Builder b = FieldInfo.builder(canonical != null ? canonical : code)
          .nativeName(code)
          .type(f.type())
          .readOnly(!writable)
          .required(code.equals(Entities.nameField(entity)) && !entity.equals(Entities.ACTIVITIES))
          .reference(f.isReference() || code.equals("owner_id") || code.endsWith("_id"));
      if (f.type().equals("varchar") || f.type().equals("varchar_auto")) {
        b.maxLength(255);
      }
      if (!f.options().isEmpty()) {
        b.picklistValues(labels(f));
      }
      out.add(b.build());
    }
    for (FieldCatalog.Field f : catalog.fields()) {
      if (!f.custom()) {
        continue;
      }
      FieldInfo.Builder b = FieldInfo.builder(catalog.exposedName(f.code()))
          .nativeName(f.code())
          .type(f.type())
          .custom(true)
          .reference(f.isReference());
      if (f.type().equals("varchar") || f.type().equals("varchar_auto")) {
        b.maxLength(255);
      }
      if (!f.options().isEmpty()) {
        b.picklistValues(labels(f));
      }
      out.add(b.build());
    }
    return out;
  }

  private static List<String> labels(FieldCatalog.Field f) {
    List<String> out = new ArrayList<>();
    f.options().forEach(o -> out.add(o.label()));
    return out;
  }

  /** The fields catalog of {@code entity}: every page of its fields endpoint, cached. */
  private FieldCatalog catalog(String entity) {
    return catalogs.get(entity, this::loadCatalog);
  }

  private FieldCatalog loadCatalog(String entity) {
    String path = Entities.fieldsPath(entity);
    String op = "GET /api/v2/" + path;
    List<JsonNode> items = new ArrayList<>();
    String cursor = null;
    do {
      HttpUrl.Builder url = client.api(path)
          .addQueryParameter("limit", Integer.toString(MAX_PAGE_SIZE));
      if (cursor != null) {
        url.addQueryParameter("cursor", cursor);
      }
      JsonNode body = client.call(new Op("describe", op, PipedriveClient.COST_FIELDS, false, true), () -> new Request.Builder().url(url.build()).get()).body();
      items.addAll(dataArray(body, op));
      cursor = nextCursor(body, op);
    } while (cursor != null && items.size() < 100_000);
    return FieldCatalog.parse(entity, items, RESERVED_NAMES);
  }

  // --------------------------------------------------------------------------------------------- matching

  /** The field a key matches on: what search's {@code fields} calls it, and how to read it from a record. */
  private record KeyField(String searchField, @Nullable String nativeCode, FieldCatalog.@Nullable Field custom) {}

  private KeyField keyField(String entity, MatchKey key, FieldCatalog catalog) {
    Set<String> searchable = Entities.searchFields(entity);
    if (searchable.isEmpty()) {
      throw new IllegalArgumentException("Pipedrive has no search for " + entity + ", so records cannot be matched "
          + "by key; upserts need persons, organizations, deals or products");
    }
    String field = key.field();
    if (entity.equals(Entities.PERSONS) && field.equals(Contact.Fields.EMAIL)) {
      return new KeyField("email", "emails", null);
    }
    if (entity.equals(Entities.PERSONS) && field.equals(Contact.Fields.PHONE)) {
      return new KeyField("phone", "phones", null);
    }
    String nameField = Entities.nameField(entity);
    if (field.equals(nameField) && searchable.contains(nameField.equals("title") ? "title" : "name")) {
      return new KeyField(nameField.equals("title") ? "title" : "name", nameField, null);
    }
    if (field.equals("code") && searchable.contains("code")) {
      return new KeyField("code", "code", null);
    }
    FieldCatalog.Field custom = catalog.custom(field);
    if (custom != null && Set.of("address", "varchar", "text", "varchar_auto", "double", "monetary", "phone")
        .contains(custom.type())) {
      return new KeyField("custom_fields", null, custom);
    }
    throw new IllegalArgumentException("Pipedrive's search cannot match " + entity + " on '" + field + "'; match on "
        + (entity.equals(Entities.PERSONS) ? "email, phone, " : "") + nameField
        + " or a custom text, number or address field");
  }

  /** A record a key matched: its id, and what the search or list said of it. */
  private record Candidate(long id, JsonNode item) {}

  /**
   * The records whose key field equals {@code value}: an exact-match search ("only full exact matches
   * against the given term are returned. It is not case sensitive",
   * https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons), checked against the value itself
   * (a search on custom fields searches all of them), lowest id first.
   */
  private List<Candidate> find(String entity, KeyField kf, MatchKey key, String value) {
    String op = "GET /api/v2/" + entity + "/search";
    List<Candidate> out = new ArrayList<>();
    Set<Long> toFetch = new LinkedHashSet<>();
    String cursor = null;
    int pages = 0;
    do {
      HttpUrl.Builder url = client.api(entity).addPathSegment("search")
          .addQueryParameter("term", value)
          .addQueryParameter("fields", kf.searchField())
          .addQueryParameter("exact_match", "true")
          .addQueryParameter("limit", Integer.toString(MAX_SEARCH_PAGE));
      if (cursor != null) {
        url.addQueryParameter("cursor", cursor);
      }
      JsonNode body = client.call(new Op("search", op, PipedriveClient.COST_SEARCH, true, true), () -> new Request.Builder().url(url.build()).get()).body();
      JsonNode items = envelope(body, op).path("data").path("items");
      if (!items.isArray()) {
        throw malformed(op, "its data.items is not an array", body);
      }
      for (JsonNode hit : items) {
        JsonNode item = hit.path("item");
        if (!item.isObject()) {
          throw malformed(op, "an item has no item object", body);
        }
        long id = recordId(item, op);
        if (kf.custom() != null) {
          toFetch.add(id);
        } else if (keyMatches(kf, key, value, item)) {
          out.add(new Candidate(id, item));
        }
      }
      cursor = nextCursor(body, op);
    } while (cursor != null && ++pages < 10);
    if (!toFetch.isEmpty()) {
      for (JsonNode item : fetch(entity, new ArrayList<>(toFetch))) {
        if (keyMatches(kf, key, value, item)) {
          out.add(new Candidate(recordId(item, op), item));
        }
      }
    }
    out.sort((a, b) -> Long.compare(a.id(), b.id()));
    return out;
  }

  /** Whether {@code item} (a search item or a record) has {@code value} in the key field. */
  private static boolean keyMatches(KeyField kf, MatchKey key, String value, JsonNode item) {
    List<String> actual = new ArrayList<>();
    if (kf.custom() != null) {
      JsonNode v = item.path("custom_fields").path(kf.custom().code());
      actual.add(v.isObject() ? v.path("value").asText("") : v.isNumber() ? v.decimalValue().toPlainString() : v.asText(""));
    } else if ("emails".equals(kf.nativeCode()) || "phones".equals(kf.nativeCode())) {
      actual.addAll(RecordJson.values(item.path(kf.nativeCode())));
    } else if (kf.nativeCode() != null) {
      actual.add(item.path(kf.nativeCode()).asText(""));
    }
    for (String a : actual) {
      if (value.equals(key.normalize(a))) {
        return true;
      }
    }
    return false;
  }

  /** The live records with these ids, 100 a call. */
  private List<JsonNode> fetch(String entity, List<Long> ids) {
    List<JsonNode> out = new ArrayList<>();
    String op = "GET /api/v2/" + entity;
    for (int from = 0; from < ids.size(); from += MAX_IDS) {
      StringBuilder s = new StringBuilder();
      for (Long id : ids.subList(from, Math.min(ids.size(), from + MAX_IDS))) {
        s.append(s.length() == 0 ? "" : ",").append(id);
      }
      HttpUrl url = client.api(entity).addQueryParameter("ids", s.toString()).addQueryParameter("limit", Integer.toString(MAX_IDS))
          .build();
      out.addAll(dataArray(client.call(new Op("lookup", op, PipedriveClient.COST_LIST, false, true), () -> new Request.Builder().url(url).get()).body(), op));
    }
    return out;
  }

  /**
   * The records changed since {@code since} whose key field holds {@code value}: where a create whose answer
   * was lost is found before search indexes it. Lists by {@code updated_since}, which reads what was written.
   */
  private List<Candidate> findChangedSince(String entity, KeyField kf, MatchKey key, String value, Instant since) {
    List<Candidate> out = new ArrayList<>();
    String op = "GET /api/v2/" + entity;
    String cursor = null;
    int pages = 0;
    do {
      HttpUrl.Builder url = client.api(entity)
          .addQueryParameter("updated_since", since.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1).toString())
          .addQueryParameter("sort_by", "update_time")
          .addQueryParameter("sort_direction", "asc")
          .addQueryParameter("limit", Integer.toString(MAX_PAGE_SIZE));
      if (cursor != null) {
        url.addQueryParameter("cursor", cursor);
      }
      JsonNode body = client.call(new Op("lookup", op, PipedriveClient.COST_LIST, false, true), () -> new Request.Builder().url(url.build()).get()).body();
      for (JsonNode item : dataArray(body, op)) {
        if (keyMatches(kf, key, value, item)) {
          out.add(new Candidate(recordId(item, op), item));
        }
      }
      cursor = nextCursor(body, op);
    } while (cursor != null && ++pages < 20);
    out.sort((a, b) -> Long.compare(a.id(), b.id()));
    return out;
  }

  private static String outcomeKey(String entity, KeyField kf, String value) {
    return entity + '\u0000' + (kf.custom() != null ? kf.custom().code() : kf.searchField()) + '\u0000' + value;
  }

  // --------------------------------------------------------------------------------------------- writes



  /**
   * {@inheritDoc}
   *
   * <p>Each record costs one exact-match search (20 tokens) and one create or update (5), sent as concurrent
   * single calls within the burst limit; a record whose search finds several matches fails with {@link
   * RecordError#AMBIGUOUS_MATCH}. Records with the same key are written one after another, in order. A
   * record whose call failed transiently (5xx, timeout, garbled answer) fails alone, retryably; a rate limit
   * that outlasts {@code maxWait}, a spent daily budget or lost authentication is thrown for the batch, even
   * though some of its records were written: sending the batch again is safe, as they are then found and
   * updated.
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
    String entity = Entities.entity(objectType);
    FieldCatalog catalog = catalog(entity);
    KeyField kf = keyField(entity, key, catalog);
    RecordResult[] results = new RecordResult[records.size()];
    RecordJson.Prepared[] prepared = new RecordJson.Prepared[records.size()];
    boolean unknownField = prepareAll(entity, records, key, catalog, prepared, results);
    if (unknownField) {
      // A field the cached catalog does not know may have been created since: look once more.
      catalogs.invalidate(entity);
      catalog = catalog(entity);
      for (int i = 0; i < records.size(); i++) {
        if (results[i] != null && isUnknownField(Objects.requireNonNull(results[i].error()))) {
          results[i] = null;
        }
      }
      prepareAll(entity, records, key, catalog, prepared, results);
    }
    Map<String, List<RecordJson.Prepared>> chains = new LinkedHashMap<>();
    for (RecordJson.Prepared p : prepared) {
      if (p != null && results[p.index()] == null) {
        chains.computeIfAbsent(p.value(), v -> new ArrayList<>()).add(p);
      }
    }
    FieldCatalog finalCatalog = catalog;
    List<Runnable> tasks = new ArrayList<>();
    for (List<RecordJson.Prepared> chain : chains.values()) {
      tasks.add(() -> {
        for (RecordJson.Prepared p : chain) {
          results[p.index()] = upsertOne(entity, kf, key, p, finalCatalog);
        }
      });
    }
    runAll(tasks);
    return List.of(results);
  }

  /** Prepares the records without a result yet; returns whether one named a field the catalog does not know. */
  private boolean prepareAll(String entity, List<CrmRecord> records, MatchKey key, FieldCatalog catalog,
      RecordJson.Prepared[] prepared, RecordResult[] results) {
    boolean unknownField = false;
    for (int i = 0; i < records.size(); i++) {
      if (prepared[i] != null || results[i] != null) {
        continue;
      }
      try {
        prepared[i] = mapping.prepare(entity, i, records.get(i), key, catalog);
      } catch (RecordJson.Invalid e) {
        results[i] = RecordResult.failed(i, e.error);
        unknownField |= e.unknownField;
      }
    }
    return unknownField;
  }

  private static boolean isUnknownField(RecordError e) {
    for (FieldError f : e.fieldErrors()) {
      if ("UNKNOWN_FIELD".equals(f.code())) {
        return true;
      }
    }
    return false;
  }

  private void checkBatch(int size) {
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("a batch of " + size + " records is larger than maxBatchSize "
          + capabilities.maxBatchSize());
    }
  }




  /** Matches one record by key, then updates it or creates it. Per-record failures become its result. */
  private RecordResult upsertOne(String entity, KeyField kf, MatchKey key, RecordJson.Prepared p, FieldCatalog catalog) {
    int i = p.index();
    String outcome = outcomeKey(entity, kf, p.value());
    try {
      List<Candidate> found = recentlyWritten(entity, kf, p, outcome);
      if (found == null) {
        found = find(entity, kf, key, p.value());
      }
      Instant lostAt = unknownOutcomes.getIfPresent(outcome);
      if (found.isEmpty() && lostAt != null) {
        found = findChangedSince(entity, kf, key, p.value(), lostAt);
        if (!found.isEmpty()) {
          log.debug("Pipedrive {} {}: a create whose answer was lost had been applied; updating it", entity, found.get(0).id());
        }
      }
      if (found.size() > 1) {
        return RecordResult.failed(i, RecordError.invalid(RecordError.AMBIGUOUS_MATCH, found.size() + " Pipedrive "
            + entity + " match key '" + key.field() + "' (ids " + idsOf(found) + "); merge them or match on another key"));
      }
      ObjectNode body = p.body().deepCopy();
      if (p.company() != null) {
        body.put("org_id", organizationId(p.company()));
      }
      if (found.size() == 1) {
        Candidate c = found.get(0);
        if (entity.equals(Entities.PERSONS)) {
          mapping.contactList(body, "emails", p.email(), c.item());
          mapping.contactList(body, "phones", p.phone(), c.item());
        }
        try {
          long id = write(entity, "PATCH", c.id(), body, outcome);
          unknownOutcomes.invalidate(outcome);
          recentWrites.put(outcome, id);
          return RecordResult.updated(i, Long.toString(id));
        } catch (CrmRequestException e) {
          if (e.statusCode() != 404 && e.statusCode() != 410) {
            throw e;
          }
          // deleted since it was found: create it again below
          recentWrites.invalidate(outcome);
        }
      }
      if (!p.hasName()) {
        String nameField = entity.equals(Entities.PERSONS) ? Contact.Fields.FIRST_NAME : Entities.nameField(entity);
        return RecordResult.failed(i, RecordError.invalid("REQUIRED_FIELD", "Pipedrive requires a "
            + (entity.equals(Entities.PERSONS) ? "name (firstName or lastName)" : nameField) + " to create a record",
            new FieldError(nameField, "REQUIRED_FIELD", "is required")));
      }
      if (entity.equals(Entities.PERSONS)) {
        mapping.contactList(body, "emails", p.email(), null);
        mapping.contactList(body, "phones", p.phone(), null);
      }
      long id = write(entity, "POST", null, body, outcome);
      unknownOutcomes.invalidate(outcome);
      recentWrites.put(outcome, id);
      return RecordResult.created(i, Long.toString(id));
    } catch (CrmRequestException e) {
      return RecordResult.failed(i, recordError(entity, catalog, e));
    } catch (CrmUnavailableException e) {
      return RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, e.getMessage()));
    }
  }

  /**
   * The record this adapter wrote lately under the same key, if any: search may not see a record created
   * seconds ago, so a record sent again soon (a batch retried after a rate limit) would otherwise be created
   * twice. Null when there is none, or it is gone. A person whose emails or phones the write may change is
   * fetched, so that the others are kept.
   */
  private @Nullable List<Candidate> recentlyWritten(String entity, KeyField kf, RecordJson.Prepared p, String outcome) {
    Long id = recentWrites.getIfPresent(outcome);
    if (id == null) {
      return null;
    }
    boolean needsLists = entity.equals(Entities.PERSONS)
        && (p.phone() != null || (p.email() != null && !kf.searchField().equals("email")));
    if (!needsLists) {
      ObjectNode item = mapper.createObjectNode();
      if (p.email() != null) {
        item.putArray("emails").add(p.email()); // the key: written by us
      }
      return List.of(new Candidate(id, item));
    }
    String op = "GET /api/v2/" + entity + "/{id}";
    HttpUrl url = client.api(entity).addPathSegment(Long.toString(id)).build();
    try {
      JsonNode item = envelope(client.call(new Op("lookup", op, PipedriveClient.COST_GET, false, true), () -> new Request.Builder().url(url).get()).body(), op)
          .path("data");
      return item.isObject() ? List.of(new Candidate(id, item)) : null;
    } catch (CrmRequestException e) {
      if (e.statusCode() == 404 || e.statusCode() == 410) {
        recentWrites.invalidate(outcome);
        return null;
      }
      throw e;
    }
  }

  private static String idsOf(List<Candidate> found) {
    List<String> ids = new ArrayList<>();
    for (Candidate c : found) {
      ids.add(Long.toString(c.id()));
    }
    return String.join(", ", ids);
  }


  /**
   * One create ({@code POST}) or update ({@code PATCH}); returns the record's id. An answer that did not
   * arrive (or not whole) leaves the write's outcome unknown: remembered, so that the next attempt looks for
   * the record it may have created.
   */
  private long write(String entity, String method, @Nullable Long id, ObjectNode body, String outcome) {
    HttpUrl.Builder url = client.api(entity);
    if (id != null) {
      url.addPathSegment(Long.toString(id));
    }
    String op = method + " /api/v2/" + entity + (id == null ? "" : "/{id}");
    Instant attempted = time.now();
    JsonNode answer;
    try {
      answer = client.call(new Op("upsert", op, PipedriveClient.COST_WRITE, false, false),
          () -> new Request.Builder().url(url.build()).method(method, client.json(body))).body();
    } catch (CrmUnavailableException e) {
      if (id == null) {
        unknownOutcomes.put(outcome, attempted);
      }
      throw e;
    }
    JsonNode data;
    try {
      data = envelope(answer, op).path("data");
      return recordId(data, op);
    } catch (CrmUnavailableException e) {
      if (id == null) {
        unknownOutcomes.put(outcome, attempted);
      }
      throw e;
    }
  }

  /**
   * The id of the organization named {@code name}: the lowest id of those with exactly that name (ignoring
   * case), else a new one. Concurrent callers share one lookup per name.
   */
  private long organizationId(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    Long cached = orgIds.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    CompletableFuture<Long> mine = new CompletableFuture<>();
    CompletableFuture<Long> running = orgCreations.putIfAbsent(key, mine);
    if (running != null) {
      try {
        return running.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CrmUnavailableException(ID, 0, null, "interrupted while waiting for an organization lookup", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new CrmUnavailableException(ID, 0, null, "organization lookup failed: " + e.getCause(), e.getCause());
      }
    }
    try {
      FieldCatalog catalog = catalog(Entities.ORGANIZATIONS);
      MatchKey byName = new MatchKey("name", true);
      KeyField kf = keyField(Entities.ORGANIZATIONS, byName, catalog);
      String value = Objects.requireNonNull(byName.normalize(name));
      String outcome = outcomeKey(Entities.ORGANIZATIONS, kf, value);
      List<Candidate> found = find(Entities.ORGANIZATIONS, kf, byName, value);
      Instant lostAt = unknownOutcomes.getIfPresent(outcome);
      if (found.isEmpty() && lostAt != null) {
        found = findChangedSince(Entities.ORGANIZATIONS, kf, byName, value, lostAt);
      }
      long id;
      if (!found.isEmpty()) {
        id = found.get(0).id();
      } else {
        ObjectNode body = mapper.createObjectNode().put("name", name);
        id = write(Entities.ORGANIZATIONS, "POST", null, body, outcome);
        unknownOutcomes.invalidate(outcome);
      }
      orgIds.put(key, id);
      orgNames.put(id, name);
      mine.complete(id);
      return id;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      orgCreations.remove(key, mine);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code DELETE /api/v2/<entity>/{id}} per id (3 tokens), concurrently within the burst limit.
   * Pipedrive marks the record deleted and purges it after 30 days; an id it does not know (or knows as
   * deleted) answers 404, which counts as deleted, so deletes can be repeated. An id that is not a number
   * fails alone with {@link RecordError#INVALID_VALUE}.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(ids, "ids");
    checkBatch(ids.size());
    String entity = Entities.entity(objectType);
    RecordResult[] results = new RecordResult[ids.size()];
    List<Runnable> tasks = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String raw = Objects.requireNonNull(ids.get(i), "ids[" + i + "]").strip();
      long id;
      try {
        id = Long.parseLong(raw);
      } catch (NumberFormatException e) {
        id = -1;
      }
      int index = i;
      if (id <= 0) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE,
            "'" + HttpFailure.excerpt(raw, 40) + "' is not a Pipedrive id (a positive number)"));
        continue;
      }
      long recordId = id;
      tasks.add(() -> results[index] = deleteOne(entity, index, recordId));
    }
    runAll(tasks);
    return List.of(results);
  }

  private RecordResult deleteOne(String entity, int index, long id) {
    HttpUrl url = client.api(entity).addPathSegment(Long.toString(id)).build();
    String op = "DELETE /api/v2/" + entity + "/{id}";
    try {
      client.call(new Op("delete", op, PipedriveClient.COST_DELETE, false, false), () -> new Request.Builder().url(url).delete());
      return RecordResult.deleted(index, Long.toString(id));
    } catch (CrmRequestException e) {
      if (e.statusCode() == 404 || e.statusCode() == 410) {
        return RecordResult.deleted(index, Long.toString(id));
      }
      return RecordResult.failed(index, new RecordError(RecordError.INVALID_VALUE, e.getMessage(), e.fieldErrors(), false));
    } catch (CrmUnavailableException e) {
      return RecordResult.failed(index, RecordError.transientError(RecordError.TRANSIENT, e.getMessage()));
    }
  }

  /** A record's error from Pipedrive's refusal, its fields under the caller's names. */
  private static RecordError recordError(String entity, FieldCatalog catalog, CrmRequestException e) {
    List<FieldError> fields = new ArrayList<>();
    for (FieldError f : e.fieldErrors()) {
      String field = f.field();
      if (field != null) {
        FieldCatalog.Field named = catalog.byCode(field);
        if (field.startsWith("custom_fields.")) {
          field = catalog.exposedName(field.substring("custom_fields.".length()));
        } else if (named != null && named.custom()) {
          field = catalog.exposedName(field);
        } else if (field.equals("emails")) {
          field = Contact.Fields.EMAIL;
        } else if (field.equals("phones")) {
          field = Contact.Fields.PHONE;
        } else {
          String canonical = Entities.simpleCanonical(entity, field);
          field = canonical != null ? canonical : field;
        }
      }
      fields.add(new FieldError(field, f.code(), f.message()));
    }
    String code = fields.isEmpty() ? RecordError.INVALID_VALUE : fields.get(0).code();
    return new RecordError(code, e.getMessage(), fields, false);
  }

  // ---------------------------------------------------------------------------------------- concurrency

  /**
   * Runs a batch's tasks, {@code writeConcurrency} at a time. A failure of the whole batch (authentication,
   * a rate limit, a spent budget) stops the tasks not yet started and interrupts the running ones; it is
   * thrown once every task has ended, so that none outlives the call.
   */
  private void runAll(List<Runnable> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    if (tasks.size() == 1 || writeConcurrency == 1) {
      for (Runnable t : tasks) {
        t.run();
      }
      return;
    }
    ExecutorService pool = writers();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    CountDownLatch ended = new CountDownLatch(tasks.size());
    Set<Thread> running = new HashSet<>(); // guarded by itself
    for (Runnable t : tasks) {
      pool.execute(() -> {
        synchronized (running) {
          running.add(Thread.currentThread());
        }
        try {
          if (failure.get() == null) {
            t.run();
          }
        } catch (RuntimeException e) {
          if (!failure.compareAndSet(null, e) && failure.get() != e) {
            failure.get().addSuppressed(e);
          }
          stop(running);
        } finally {
          synchronized (running) {
            running.remove(Thread.currentThread());
          }
          Thread.interrupted(); // an interrupt meant for this batch's task must not reach the pool's next one
          ended.countDown();
        }
      });
    }
    boolean interrupted = false;
    while (true) {
      try {
        ended.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
        failure.compareAndSet(null, new CrmUnavailableException(ID, 0, null, "interrupted while writing a batch", e));
        stop(running);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Interrupts the tasks of a failed batch that are still running (their waits for the rate limit end). */
  private static void stop(Set<Thread> running) {
    synchronized (running) {
      running.forEach(Thread::interrupt);
    }
  }

  private ExecutorService writers() {
    synchronized (writersLock) {
      if (closed) {
        throw new IllegalStateException("the Pipedrive adapter was closed");
      }
      if (writers == null) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(writeConcurrency, writeConcurrency, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
              Thread t = new Thread(r, "crm-sync-pipedrive-writer-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
        pool.allowCoreThreadTimeOut(true);
        writers = pool;
      }
      return writers;
    }
  }

  @Override
  public String toString() {
    return "PipedriveAdapter[" + baseUrl.scheme() + "://" + baseUrl.host() + ":" + baseUrl.port() + ", "
        + (client.isOAuth() ? "OAuth" : "API token") + ", burst " + client.burstBudget() + "]";
  }
}

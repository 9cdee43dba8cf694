package io.crmsync.hubspot;

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
import io.crmsync.http.CrmHttp;
import io.crmsync.http.Shapes;
import io.crmsync.http.JsonResponse;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.hubspot.internal.Auth;
import io.crmsync.hubspot.internal.Cursor;
import io.crmsync.hubspot.internal.HubSpotErrors;
import io.crmsync.hubspot.internal.Names;
import io.crmsync.hubspot.internal.OAuthAuth;
import io.crmsync.hubspot.internal.Pacer;
import io.crmsync.hubspot.internal.PrivateAppAuth;
import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CRMAdapter} for HubSpot's CRM v3 API: contacts, companies, deals and any other object type by
 * its HubSpot name (custom objects such as {@code p_cars} or {@code 2-123456}), custom properties
 * included. Thread-safe; create one per HubSpot account and share it.
 *
 * <pre>{@code
 * CRMAdapter hubspot = HubSpotAdapter.create(AdapterConfig.fromEnvironment("hubspot"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * Given in an {@link AdapterConfig} with id {@code hubspot}: as a map, as properties {@code
 * crmsync.hubspot.<name>}, or as environment variables {@code CRMSYNC_HUBSPOT_<NAME>} ({@code baseUrl}
 * is {@code CRMSYNC_HUBSPOT_BASE_URL}). Secrets may come from the config's {@link
 * io.crmsync.adapter.CredentialsProvider} instead.
 *
 * <table>
 *   <caption>HubSpot adapter settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code token}</td><td>-</td><td>secret: a private app's access token. Either this or the
 *       three OAuth settings.</td></tr>
 *   <tr><td>{@code clientId}, {@code clientSecret}, {@code refreshToken}</td><td>-</td><td>OAuth 2.0:
 *       the app's client id, its client secret (secret) and the account's refresh token (secret). Access
 *       tokens are fetched from {@code tokenUrl}, cached, and refreshed {@code tokenRefreshAhead} before
 *       they expire; a 401 refreshes once, and a second 401 is a {@link
 *       CrmAuthenticationException}.</td></tr>
 *   <tr><td>{@code baseUrl}</td><td>{@code https://api.hubapi.com}</td><td>where the API is (an
 *       emulator, a proxy). https only, except for loopback hosts.</td></tr>
 *   <tr><td>{@code tokenUrl}</td><td>{@code <baseUrl>/oauth/v3/token}</td><td>the OAuth token
 *       endpoint.</td></tr>
 *   <tr><td>{@code tokenRefreshAhead}</td><td>{@code 5m}</td><td>how long before expiry an access token is
 *       replaced (at most half its lifetime).</td></tr>
 *   <tr><td>{@code budgetRequests}, {@code budgetWindow}</td><td>190 (private app) or 110 (OAuth) per
 *       {@code 10s}</td><td>the request budget declared to the engine, which throttles to it, and where the
 *       adapter's own pacing starts; it then keeps to the lower of this and what HubSpot's headers say the
 *       account allows.</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>the most records per upsert or archive call
 *       (1-100).</td></tr>
 *   <tr><td>{@code properties}</td><td>none</td><td>extra properties reads return beyond the standard
 *       ones, comma-separated; {@code name} applies to every object type, {@code type:name} (such as
 *       {@code company:industry_code}) to one.</td></tr>
 *   <tr><td>{@code readCustomProperties}</td><td>false</td><td>whether reads also return every custom
 *       property of the object type, as the properties API lists them (looked up every 10 minutes).</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 1m}</td><td>how far before {@code since} an
 *       incremental read starts, to catch changes HubSpot's search index committed late.</td></tr>
 *   <tr><td>{@code searchRequestsPerSecond}</td><td>5</td><td>HubSpot's separate limit on search
 *       requests (incremental reads), kept by the adapter itself; 0 turns it off.</td></tr>
 *   <tr><td>{@code readRetries}</td><td>2</td><td>how often a read (list, search, lookup, describe) is
 *       retried on a transient failure or a short rate limit, waiting on the config's {@link TimeSource};
 *       writes are not retried here, the engine re-queues them.</td></tr>
 *   <tr><td>{@code maxReadWait}</td><td>{@code 15s}</td><td>the longest rate-limit wait a read retry
 *       sits out; longer ones (the daily limit) are thrown at once.</td></tr>
 *   <tr><td>{@code dailyResetZone}</td><td>{@code UTC}</td><td>the account's time zone, where HubSpot
 *       resets the daily limit at midnight; sets the wait of a {@code DAILY} 429.</td></tr>
 * </table>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Reads without {@code since} page {@code GET /crm/v3/objects/<type>} with HubSpot's {@code after}
 *       cursor. Reads with {@code since} use the search API on {@code lastmodifieddate} (contacts) or
 *       {@code hs_lastmodifieddate} (other types), sorted ascending, by keyset: each page starts a new
 *       search at the last page's modification time, so HubSpot's cap of 10,000 results per search never
 *       applies, and records modified during the read are not skipped; a millisecond holding more
 *       records than a page is paged by {@code hs_object_id}. Reads with {@code includeDeleted} continue
 *       with the archived records ({@code archived=true}).
 *   <li>Upserts use {@code batch/upsert} with {@code idProperty} (the match key's HubSpot property: {@code
 *       email}, or a unique custom property) and a per-input {@code objectWriteTraceId}, so 207 multi-status
 *       answers map to their records, each bad one failing alone. A batch of several records refused whole
 *       (400) throws a {@link CrmRequestException} with the field errors HubSpot named: HubSpot does not say
 *       which record they belong to, and the engine isolates it by splitting the batch. Records with the same
 *       key in one batch are sent in successive calls, in order.
 *   <li>Standard contact fields have canonical names ({@code firstName} is {@code firstname}, {@code
 *       title} is {@code jobtitle}, {@code postalCode} is {@code zip}...); other properties keep their
 *       HubSpot names. HubSpot's computed properties ({@code hs_object_id}, the modification dates) are
 *       not returned as fields and never sent.
 *   <li>Calls are paced by what HubSpot says: every call but searches keeps to the lower of the budget
 *       setting and {@code X-HubSpot-RateLimit-Max} per {@code -Interval-Milliseconds}, less what {@code
 *       -Remaining} shows other clients of the app use, so an account allowing fewer requests than the setting
 *       sees no 429s. Searches keep to {@code searchRequestsPerSecond}. When {@code -Daily-Remaining} reaches
 *       0, calls fail at once with a {@linkplain CrmRateLimitException#isQuotaExhausted() spent quota} until
 *       midnight in {@code dailyResetZone}.
 *   <li>A 429 becomes a {@link CrmRateLimitException} whose wait comes from {@code Retry-After}, else the
 *       {@code policyName} ({@code TEN_SECONDLY_ROLLING}: the window, and later calls wait it out; {@code
 *       SECONDLY}: a second; {@code DAILY}: a spent quota until midnight in {@code dailyResetZone}). The
 *       latest {@code X-HubSpot-RateLimit-*} headers are in {@link #rateLimitStatus()}.
 * </ul>
 */
public final class HubSpotAdapter implements CRMAdapter {
  private static final Logger log = LoggerFactory.getLogger(HubSpotAdapter.class);

  /** The adapter's id, and the provider's. */
  public static final String ID = "hubspot";
  /** HubSpot's limit of inputs per batch call. */
  public static final int MAX_BATCH_SIZE = 100;
  /** HubSpot's limit of records per list page. */
  public static final int MAX_PAGE_SIZE = 100;
  /** HubSpot's limit of records per search page (incremental reads). */
  public static final int MAX_SEARCH_PAGE_SIZE = 200;
  /** The production API. */
  public static final URI DEFAULT_BASE_URL = URI.create("https://api.hubapi.com");

  // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines: private apps get 100 (Free,
  // Starter) or 190 (Professional, Enterprise) requests per 10 seconds, public OAuth apps 110, and the CRM search
  // endpoints five requests per second apart. The adapter keeps to what each response's headers say in any case.
  private static final int PRIVATE_APP_BUDGET = 190;
  private static final int OAUTH_BUDGET = 110;
  private static final int SEARCH_REQUESTS_PER_SECOND = 5;
  /**
   * The longest URL sent: HubSpot answers 414 to URLs of about 16,000 characters
   * (https://developers.hubspot.com/docs/api-reference/error-handling); beyond half that, the properties of a
   * read go in a {@code batch/read} body instead.
   */
  static final int MAX_URL_LENGTH = 8_000;
  /** "If the body of your request exceeds 3,000 characters, a 400 error will be returned" (search the CRM). */
  static final int MAX_SEARCH_BODY_LENGTH = 3_000;

  private static final Set<String> RETRYABLE_CATEGORIES =
      Set.of("RATE_LIMITS", "INTERNAL_ERROR", "TIMEOUT", "LOCKED", "CONFLICT", "SERVICE_UNAVAILABLE");

  private final AdapterEvents events = AdapterEvents.create(ID);
  private final HttpUrl baseUrl;
  private final CrmHttp http;
  private final Auth auth;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  private final Map<String, Set<String>> extraProperties;
  private final Duration overlap;
  private final Duration maxReadWait;
  private final HubSpotErrors errors;
  private final RetryPolicy<JsonResponse> authRetry;
  private final RetryPolicy<Object> readRetry;
  private final AtomicReference<@Nullable RateLimitStatus> rateLimit = new AtomicReference<>();
  private final @Nullable RequestLimiter searchLimiter;
  private final Pacer pacer;
  private final ZoneId dailyResetZone;
  /** Custom properties by HubSpot object type, when reads carry them all; refreshed every 10 minutes. */
  private final @Nullable Cache<String, Set<String>> customProperties;

  private HubSpotAdapter(AdapterConfig config) {
    this.mapper = config.objectMapper();
    this.time = config.timeSource();
    URI base = config.uri("baseUrl", DEFAULT_BASE_URL);
    this.baseUrl = checkedUrl("baseUrl", base, config);
    HttpUrl tokenUrl = config.has("tokenUrl")
        ? checkedUrl("tokenUrl", config.uri("tokenUrl", base), config)
        // HubSpot's current token endpoint (v1 is its legacy one), under a proxy's path prefix too:
        // https://developers.hubspot.com/docs/api-reference/legacy/authentication/manage-oauth-tokens
        : baseUrl.newBuilder().addPathSegments("oauth/v3/token").build();
    ZoneId zone;
    try {
      zone = ZoneId.of(config.string("dailyResetZone", "UTC"));
    } catch (DateTimeException e) {
      throw new CrmConfigurationException(ID, "setting 'dailyResetZone' must be a time zone such as UTC or "
          + "America/New_York but was '" + config.string("dailyResetZone", "") + "'");
    }
    this.dailyResetZone = zone;
    this.errors = new HubSpotErrors(mapper, zone, n -> n);
    OkHttpClient client = config.httpClient();
    this.http = new CrmHttp(ID, client, mapper, errors, time,
        List.of("X-HubSpot-Correlation-Id", "X-Request-Id"), CrmHttp.DEFAULT_MAX_RESPONSE_BYTES).withEvents(events);
    this.auth = auth(config, tokenUrl, events);

    int batchSize = config.integer("batchSize", MAX_BATCH_SIZE);
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new CrmConfigurationException(ID, "setting 'batchSize' must be between 1 and " + MAX_BATCH_SIZE
          + " but was " + batchSize);
    }
    int budgetRequests = config.integer("budgetRequests", auth.isOAuth() ? OAUTH_BUDGET : PRIVATE_APP_BUDGET);
    Duration budgetWindow = config.duration("budgetWindow", Duration.ofSeconds(10));
    if (budgetRequests <= 0 || budgetWindow.isZero() || budgetWindow.isNegative()) {
      throw new CrmConfigurationException(ID, "settings 'budgetRequests' and 'budgetWindow' must be positive but were "
          + budgetRequests + " per " + budgetWindow);
    }
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(batchSize)
        .maxPageSize(MAX_PAGE_SIZE)
        .budget(RequestBudget.of(budgetRequests, budgetWindow))
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .build();
    this.extraProperties = parseProperties(config.string("properties", ""));
    this.customProperties = !config.bool("readCustomProperties", false) ? null
        : Caffeine.newBuilder()
            .ticker(() -> {
              Instant now = time.now();
              return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
            })
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();
    this.overlap = nonNegative(config, "incrementalOverlap", Duration.ofMinutes(1));
    this.maxReadWait = nonNegative(config, "maxReadWait", Duration.ofSeconds(15));
    this.pacer = new Pacer(RequestBudget.of(budgetRequests, budgetWindow), time, zone);
    int searchPerSecond = config.integer("searchRequestsPerSecond", SEARCH_REQUESTS_PER_SECOND);
    if (searchPerSecond < 0) {
      throw new CrmConfigurationException(ID, "setting 'searchRequestsPerSecond' must not be negative but was "
          + searchPerSecond);
    }
    this.searchLimiter = searchPerSecond == 0 ? null
        : RequestLimiter.of(RequestBudget.of(searchPerSecond, Duration.ofSeconds(1)), time);
    int readRetries = config.integer("readRetries", 2);
    if (readRetries < 0) {
      throw new CrmConfigurationException(ID, "setting 'readRetries' must not be negative but was " + readRetries);
    }
    this.authRetry = RetryPolicy.<JsonResponse>builder()
        .handle(RetryWithNewToken.class)
        .withMaxRetries(1)
        .build();
    // Failsafe classifies and counts; the wait itself happens on the config's TimeSource in onRetry (Failsafe's
    // own delays would sleep on the wall clock, which tests must not do).
    this.readRetry = RetryPolicy.builder()
        .handleIf((r, e) -> e != null && isRetryableRead(e) && !Thread.currentThread().isInterrupted())
        .withMaxRetries(readRetries)
        .onRetry(ev -> pauseBeforeRetry(ev.getLastException(), ev.getAttemptCount()))
        .build();
  }

  /**
   * An adapter configured by {@code config}.
   *
   * @throws CrmConfigurationException if a setting is missing or malformed, naming it
   * @throws NullPointerException if {@code config} is null
   */
  public static HubSpotAdapter create(AdapterConfig config) {
    Objects.requireNonNull(config, "config");
    return new HubSpotAdapter(config);
  }

  private static Auth auth(AdapterConfig config, HttpUrl tokenUrl, AdapterEvents events) {
    boolean hasToken = config.optionalSecret("token").isPresent();
    boolean hasOAuth = config.has("clientId") || config.optionalSecret("clientSecret").isPresent()
        || config.optionalSecret("refreshToken").isPresent();
    if (hasToken && hasOAuth) {
      throw new CrmConfigurationException(ID,
          "set either 'token' (private app) or 'clientId', 'clientSecret' and 'refreshToken' (OAuth), not both");
    }
    if (hasToken) {
      Supplier<Secret> source = () -> config.secret("token");
      return new PrivateAppAuth(source);
    }
    if (hasOAuth) {
      String clientId = config.string("clientId");
      Secret clientSecret = config.secret("clientSecret");
      Secret refreshToken = config.secret("refreshToken");
      Duration ahead = nonNegative(config, "tokenRefreshAhead", Duration.ofMinutes(5));
      // The token endpoint's errors are OAuth's own, but HubSpot's mapper reads them well enough.
      CrmHttp tokenHttp = new CrmHttp(ID, config.httpClient(), config.objectMapper(),
          new HubSpotErrors(config.objectMapper(), ZoneId.of("UTC"), n -> n), config.timeSource(),
          List.of("X-HubSpot-Correlation-Id"), 1024 * 1024).withEvents(events);
      return new OAuthAuth(tokenHttp, tokenUrl, clientId, clientSecret, refreshToken, config.timeSource(), ahead,
          events::tokenRenewed);
    }
    throw new CrmConfigurationException(ID,
        "no credentials: set 'token' (a private app's access token: property " + AdapterConfig.propertyKey(ID, "token")
            + " or environment variable " + AdapterConfig.environmentVariable(ID, "token")
            + ") or 'clientId', 'clientSecret' and 'refreshToken' for OAuth");
  }

  private static HttpUrl checkedUrl(String name, URI uri, AdapterConfig config) {
    HttpUrl url = HttpUrl.get(uri.toString());
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must be an https URL (http is allowed only for "
          + "loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not carry credentials; use 'token'");
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

  private static Duration nonNegative(AdapterConfig config, String name, Duration def) {
    Duration d = config.duration(name, def);
    if (d.isNegative()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not be negative but was " + d);
    }
    return d;
  }

  private static Map<String, Set<String>> parseProperties(String value) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.indexOf(':');
      String type = colon < 0 ? "*" : Names.objectType(p.substring(0, colon).strip());
      String name = colon < 0 ? p : p.substring(colon + 1).strip();
      if (name.isEmpty() || type.isEmpty()) {
        throw new CrmConfigurationException(ID, "setting 'properties' must list names or type:name pairs but had '" + p + "'");
      }
      out.computeIfAbsent(type, t -> new LinkedHashSet<>()).add(name);
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

  /** What the latest {@code X-HubSpot-RateLimit-*} headers said, if any response carried them. */
  public Optional<RateLimitStatus> rateLimitStatus() {
    return Optional.ofNullable(rateLimit.get());
  }

  /**
   * The daily limit as the latest {@code X-HubSpot-RateLimit-Daily} and {@code -Daily-Remaining} headers
   * said (private apps receive them; OAuth apps do not), resetting at midnight in {@code dailyResetZone}.
   */
  @Override
  public Optional<QuotaStatus> quotaStatus() {
    RateLimitStatus st = rateLimit.get();
    if (st == null || st.dailyRemaining() < 0) {
      return Optional.empty();
    }
    Instant resets = LocalDate.ofInstant(st.observedAt(), dailyResetZone).plusDays(1).atStartOfDay(dailyResetZone)
        .toInstant();
    return Optional.of(new QuotaStatus("daily", st.dailyRemaining(), Math.max(0, st.daily()), resets, st.observedAt()));
  }

  /** Reports each request (by operation), the adapter's own retries, 429s and OAuth token renewals. */
  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return events.add(listener);
  }

  // ---------------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    String type = Names.objectType(request.objectType());
    Cursor cursor;
    if (request.cursor() == null) {
      cursor = request.since() == null
          ? Cursor.list(request.objectType(), null)
          : Cursor.search(request.objectType(), Math.max(0, request.since().minus(overlap).toEpochMilli()),
              List.of(), false, 0);
    } else {
      cursor = Cursor.decode(mapper, request.cursor(), request.objectType());
      if ((cursor.phase() == Cursor.Phase.SEARCH) != (request.since() != null) && cursor.phase() != Cursor.Phase.ARCHIVED) {
        throw new IllegalArgumentException("cursor does not belong to a read " + (request.since() == null ? "without" : "with")
            + " 'since'");
      }
    }
    int limit = Math.min(request.pageSize(), cursor.phase() == Cursor.Phase.SEARCH ? MAX_SEARCH_PAGE_SIZE : MAX_PAGE_SIZE);
    Set<String> properties = properties(type, request.fields());
    return switch (cursor.phase()) {
      case LIST -> listPage(request, type, cursor, limit, properties, false);
      case ARCHIVED -> listPage(request, type, cursor, limit, properties, true);
      case SEARCH -> searchPage(request, type, cursor, limit, properties);
    };
  }

  private Page listPage(ReadRequest request, String type, Cursor cursor, int limit, Set<String> properties,
      boolean archived) {
    HttpUrl url = listUrl(type, cursor, limit, properties, archived);
    boolean wide = url.toString().length() > MAX_URL_LENGTH;
    if (wide) {
      // Too many properties for a URL: page the ids, then read the properties in a batch/read body. Deleted
      // records are reported by id, so their standard properties are enough.
      url = listUrl(type, cursor, limit, archived ? Names.defaultProperties(type) : Set.of(Names.modifiedProperty(type)),
          archived);
    }
    HttpUrl listed = url;
    JsonNode body = readCall(READ, () -> new Request.Builder().url(listed).get()).body();
    String what = "GET /crm/v3/objects/" + type;
    List<JsonNode> results = new ArrayList<>();
    Shapes.array(ID, body, "results", what).forEach(results::add);
    if (wide && !archived) {
      results = readProperties(type, results, properties);
    }
    List<CrmRecord> records = new ArrayList<>();
    for (JsonNode r : results) {
      CrmRecord rec = toRecord(type, request.objectType(), r);
      if (archived && cursor.sinceMillis() != null) {
        Instant at = instant(r.path("archivedAt")).orElse(rec.modifiedAt());
        if (at != null && at.toEpochMilli() < cursor.sinceMillis()) {
          continue;
        }
      }
      records.add(archived ? rec.asDeleted() : rec);
    }
    JsonNode paging = body.get("paging");
    String after = null;
    if (paging != null && !paging.isNull()) {
      JsonNode nextPage = Shapes.object(ID, paging, what + " paging").get("next");
      after = nextPage == null || nextPage.isNull() ? null
          : Shapes.optionalText(ID, Shapes.object(ID, nextPage, what + " paging.next"), "after", what + " paging.next");
    }
    Cursor next;
    if (after != null && !after.isEmpty()) {
      next = archived ? Cursor.archived(request.objectType(), after, cursor.sinceMillis())
          : Cursor.list(request.objectType(), after);
    } else if (!archived && request.includeDeleted()) {
      next = Cursor.archived(request.objectType(), null, null);
    } else {
      next = null;
    }
    return new Page(records, next == null ? null : next.encode(mapper));
  }

  private HttpUrl listUrl(String type, Cursor cursor, int limit, Set<String> properties, boolean archived) {
    HttpUrl.Builder url = objectsUrl(type)
        .addQueryParameter("limit", Integer.toString(limit))
        .addQueryParameter("properties", String.join(",", properties))
        .addQueryParameter("archived", Boolean.toString(archived));
    if (cursor.after() != null) {
      url.addQueryParameter("after", cursor.after());
    }
    return url.build();
  }

  /**
   * {@code records} (as HubSpot returned them, with few properties) with {@code properties} read by {@code
   * batch/read}, in the same order; records gone meanwhile are left out.
   */
  private List<JsonNode> readProperties(String type, List<JsonNode> records, Set<String> properties) {
    List<String> ids = new ArrayList<>();
    for (JsonNode r : records) {
      ids.add(r.path("id").asText(""));
    }
    Map<String, JsonNode> byId = new HashMap<>();
    for (int from = 0; from < ids.size(); from += MAX_BATCH_SIZE) {
      for (JsonNode r : batchRead(type, ids.subList(from, Math.min(ids.size(), from + MAX_BATCH_SIZE)), null, properties)) {
        byId.put(r.path("id").asText(""), r);
      }
    }
    List<JsonNode> out = new ArrayList<>();
    for (String id : ids) {
      JsonNode r = byId.get(id);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** {@code POST batch/read} of up to 100 records by id (or by the unique {@code idProperty}). */
  private List<JsonNode> batchRead(String type, List<String> ids, @Nullable String idProperty, Set<String> properties) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode props = body.putArray("properties");
    properties.forEach(props::add);
    if (idProperty != null) {
      body.put("idProperty", idProperty);
    }
    ArrayNode inputs = body.putArray("inputs");
    for (String id : ids) {
      inputs.addObject().put("id", id);
    }
    HttpUrl url = objectsUrl(type).addPathSegments("batch/read").build();
    JsonNode response = readCall(READ, () -> new Request.Builder().url(url).post(http.jsonBody(body))).body();
    List<JsonNode> out = new ArrayList<>();
    Shapes.array(ID, response, "results", "POST /crm/v3/objects/" + type + "/batch/read").forEach(out::add);
    return out;
  }

  /**
   * One page of an incremental read, by keyset on the modification time: search {@code modified >= t}
   * sorted ascending from offset 0, drop the records at exactly {@code t} already returned, and start the
   * next page at the last record's time. Offsets never grow, so the 10,000-result cap of a search never
   * applies, and a record modified meanwhile moves to a later time that the read still reaches. When a
   * whole page shares one millisecond, that millisecond is paged by {@code hs_object_id} instead.
   */
  private Page searchPage(ReadRequest request, String type, Cursor cursor, int limit, Set<String> properties) {
    String modified = Names.modifiedProperty(type);
    ObjectNode body = mapper.createObjectNode();
    ArrayNode filters = body.putArray("filterGroups").addObject().putArray("filters");
    if (cursor.byId()) {
      filter(filters, modified, "EQ", Long.toString(cursor.lowerMillis()));
      filter(filters, "hs_object_id", "GT", Long.toString(cursor.idAfter()));
      body.putArray("sorts").addObject().put("propertyName", "hs_object_id").put("direction", "ASCENDING");
    } else {
      filter(filters, modified, "GTE", Long.toString(cursor.lowerMillis()));
      body.putArray("sorts").addObject().put("propertyName", modified).put("direction", "ASCENDING");
    }
    ArrayNode props = body.putArray("properties");
    properties.forEach(props::add);
    body.put("limit", limit);
    boolean wide = body.toString().length() > MAX_SEARCH_BODY_LENGTH;
    if (wide) {
      // Too many properties for a search body: search for ids and modification times, then batch/read the rest.
      props.removeAll();
      props.add(modified);
    }
    HttpUrl url = objectsUrl(type).addPathSegment("search").build();
    JsonNode response = searchCall(() -> new Request.Builder().url(url).post(http.jsonBody(body))).body();
    Shapes.array(ID, response, "results", "POST /crm/v3/objects/" + type + "/search");
    Map<String, JsonNode> full = new HashMap<>();
    if (wide) {
      List<JsonNode> found = new ArrayList<>();
      response.path("results").forEach(found::add);
      for (JsonNode r : readProperties(type, found, properties)) {
        full.put(r.path("id").asText(""), r);
      }
    }

    Set<String> seen = new HashSet<>(cursor.seen());
    List<CrmRecord> records = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    int returned = 0;
    for (JsonNode r : response.path("results")) {
      returned++;
      CrmRecord rec = toRecord(type, request.objectType(), r);
      long t = modifiedMillis(r, modified, rec);
      ids.add(rec.id());
      times.add(t);
      if (t == cursor.lowerMillis() && seen.contains(rec.id())) {
        continue;
      }
      if (wide) {
        JsonNode complete = full.get(rec.id());
        if (complete == null) {
          continue; // deleted since the search; an incremental read with deletes reports it
        }
        rec = toRecord(type, request.objectType(), complete);
      }
      records.add(rec);
    }
    Cursor next;
    if (cursor.byId()) {
      if (returned < limit) {
        // this millisecond is done; continue after it
        next = Cursor.search(request.objectType(), cursor.lowerMillis() + 1, List.of(), false, 0);
      } else {
        long lastId = parseId(ids.get(ids.size() - 1));
        next = Cursor.search(request.objectType(), cursor.lowerMillis(), cursor.seen(), true, lastId);
      }
    } else if (returned < limit) {
      next = null;
    } else {
      long last = times.stream().mapToLong(Long::longValue).max().orElse(cursor.lowerMillis());
      if (last == cursor.lowerMillis()) {
        // A whole page in one millisecond: page that millisecond by id, without returning this page
        // (the id paging returns its records, minus those returned before).
        return new Page(List.of(),
            Cursor.search(request.objectType(), last, cursor.seen(), true, -1).encode(mapper));
      }
      List<String> atLast = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        if (times.get(i) == last) {
          atLast.add(ids.get(i));
        }
      }
      next = Cursor.search(request.objectType(), last, atLast, false, 0);
    }
    if (next == null && request.includeDeleted()) {
      next = Cursor.archived(request.objectType(), null,
          request.since() == null ? null : request.since().minus(overlap).toEpochMilli());
    }
    return new Page(records, next == null ? null : next.encode(mapper));
  }

  private static void filter(ArrayNode filters, String property, String operator, String value) {
    filters.addObject().put("propertyName", property).put("operator", operator).put("value", value);
  }

  private static long parseId(@Nullable String id) {
    try {
      return Long.parseLong(Objects.requireNonNull(id, "id"));
    } catch (NumberFormatException e) {
      throw new CrmUnavailableException(ID, 200, null, "HubSpot returned a non-numeric object id: " + id, e);
    }
  }

  private long modifiedMillis(JsonNode r, String modifiedProperty, CrmRecord rec) {
    Optional<Instant> fromProperty = instant(r.path("properties").path(modifiedProperty));
    Instant t = fromProperty.orElse(rec.modifiedAt());
    if (t == null) {
      throw new CrmUnavailableException(ID, 200, null,
          "HubSpot returned record " + rec.id() + " without " + modifiedProperty + " in a search by it", null);
    }
    return t.toEpochMilli();
  }

  /**
   * The live records with these ids, in one {@code batch/read} call: what a {@link ChangeNotification}
   * points at. Ids HubSpot does not know (deleted since, or never) are left out.
   *
   * @throws IllegalArgumentException if there are more than {@value #MAX_BATCH_SIZE} ids
   * @throws NullPointerException if an argument is null
   */
  public List<CrmRecord> fetch(String objectType, List<String> ids) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(ids, "ids");
    if (ids.size() > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("at most " + MAX_BATCH_SIZE + " ids per fetch, not " + ids.size());
    }
    if (ids.isEmpty()) {
      return List.of();
    }
    String type = Names.objectType(objectType);
    for (String id : ids) {
      Objects.requireNonNull(id, "id");
    }
    Map<String, CrmRecord> byId = new HashMap<>();
    for (JsonNode r : batchRead(type, ids, null, properties(type, List.of()))) {
      CrmRecord rec = toRecord(type, objectType, r);
      byId.put(rec.id(), rec);
    }
    List<CrmRecord> out = new ArrayList<>();
    for (String id : ids) {
      CrmRecord r = byId.remove(id);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    String type = Names.objectType(objectType);
    String normalized = key.normalize(value);
    if (normalized == null) {
      return Optional.empty();
    }
    String property = Names.toHubSpot(type, key.field());
    boolean byId = property.equals("hs_object_id") || property.equals("id");
    Set<String> properties = properties(type, List.of());
    HttpUrl.Builder url = objectsUrl(type).addPathSegment(normalized)
        .addQueryParameter("properties", String.join(",", properties));
    if (!byId) {
      url.addQueryParameter("idProperty", property);
    }
    HttpUrl get = url.build();
    if (get.toString().length() > MAX_URL_LENGTH) {
      // too many properties for a URL: the same lookup as a batch/read, properties in the body
      List<JsonNode> found = batchRead(type, List.of(normalized), byId ? null : property, properties);
      return found.isEmpty() ? Optional.empty() : Optional.of(toRecord(type, objectType, found.get(0)));
    }
    try {
      JsonNode r = readCall(LOOKUP, () -> new Request.Builder().url(get).get()).body();
      return Optional.of(toRecord(type, objectType, r));
    } catch (CrmRequestException e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    return describeNative(Names.objectType(objectType));
  }

  /**
   * The properties of {@code type} as {@code GET /crm/v3/properties/{type}} describes them
   * (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide):
   *
   * <ul>
   *   <li>read-only when {@code modificationMetadata.readOnlyValue} or {@code calculated} says so (or HubSpot
   *       computes it: the record id and modification dates);
   *   <li>a reference when its values are ids of records of this account: a {@code referencedObjectType}
   *       ({@code OWNER} for {@code hubspot_owner_id}, any object type for lookups), options taken from the
   *       account ({@code externalOptions}), or one of the id properties HubSpot defines;
   *   <li>an enumeration's values are its options' internal {@code value}s, which is what HubSpot takes;
   *   <li>no length: the properties API names none.
   * </ul>
   */
  private List<FieldInfo> describeNative(String type) {
    HttpUrl url = baseUrl.newBuilder().addPathSegments("crm/v3/properties").addPathSegment(type).build();
    JsonNode body = readCall(DESCRIBE, () -> new Request.Builder().url(url).get()).body();
    List<FieldInfo> out = new ArrayList<>();
    for (JsonNode p : body.path("results")) {
      String name = p.path("name").asText();
      if (name.isEmpty()) {
        continue;
      }
      boolean calculated = p.path("calculated").asBoolean(false)
          || p.path("fieldType").asText("").equals("calculation_equation");
      boolean readOnly = p.path("modificationMetadata").path("readOnlyValue").asBoolean(false) || calculated
          || Names.SYSTEM_PROPERTIES.contains(name);
      boolean externalOptions = p.path("externalOptions").asBoolean(false);
      String referenced = p.path("referencedObjectType").isTextual() ? p.path("referencedObjectType").asText().strip() : "";
      List<String> options = new ArrayList<>();
      if (!externalOptions) {
        for (JsonNode o : p.path("options")) {
          String value = o.path("value").asText("");
          if (!value.isEmpty()) { // hidden options are kept off HubSpot's forms, not refused
            options.add(value);
          }
        }
      }
      out.add(FieldInfo.builder(Names.fromHubSpot(type, name))
          .nativeName(name)
          .type(fieldType(type, name, p))
          .custom(!p.path("hubspotDefined").asBoolean(false))
          .readOnly(readOnly)
          .reference(!referenced.isEmpty() || externalOptions || Names.ID_PROPERTIES.contains(name))
          .picklistValues(options)
          .build());
    }
    return out;
  }

  /** HubSpot's {@code type}, except that the contact's email address is an {@code email}. */
  private static String fieldType(String type, String name, JsonNode p) {
    if (p.path("fieldType").asText("").equals("email") || (type.equals("contacts") && name.equals("email"))) {
      return "email";
    }
    return p.path("type").asText("string");
  }

  private Set<String> properties(String type, List<String> fields) {
    Set<String> out = new LinkedHashSet<>();
    if (fields.isEmpty()) {
      out.addAll(Names.defaultProperties(type));
      out.addAll(extraProperties.getOrDefault("*", Set.of()));
      out.addAll(extraProperties.getOrDefault(type, Set.of()));
      if (customProperties != null) {
        out.addAll(customProperties.get(type, t -> {
          Set<String> custom = new LinkedHashSet<>();
          for (FieldInfo f : describeNative(t)) {
            if (f.custom()) {
              custom.add(f.nativeName());
            }
          }
          return Set.copyOf(custom);
        }));
      }
    } else {
      for (String f : fields) {
        out.add(Names.toHubSpot(type, f));
      }
    }
    out.add(Names.modifiedProperty(type));
    return out;
  }

  private CrmRecord toRecord(String type, String canonicalType, JsonNode r) {
    if (!r.isObject() || !r.path("properties").isObject()) {
      throw new CrmUnavailableException(ID, 200, null, "HubSpot returned a " + type + " result without the documented"
          + " shape (an object with 'id' and 'properties')", null);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    r.path("properties").properties().forEach(e -> {
      JsonNode v = e.getValue();
      if (v == null || v.isNull() || Names.SYSTEM_PROPERTIES.contains(e.getKey())) {
        return;
      }
      String text = v.isTextual() ? v.asText() : v.toString();
      if (!text.isEmpty()) {
        fields.put(Names.fromHubSpot(type, e.getKey()), text);
      }
    });
    String id = r.path("id").asText(null);
    if (id == null || id.isEmpty()) {
      throw new CrmUnavailableException(ID, 200, null, "HubSpot returned a " + type + " record without an id", null);
    }
    Instant modified = instant(r.path("updatedAt"))
        .or(() -> instant(r.path("properties").path(Names.modifiedProperty(type))))
        .orElse(null);
    return new CrmRecord(canonicalType, id, fields, modified, r.path("archived").asBoolean(false));
  }

  /** An instant from HubSpot's ISO-8601 text or epoch milliseconds. */
  private static Optional<Instant> instant(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return Optional.empty();
    }
    String s = v.asText().strip();
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      if (s.chars().allMatch(Character::isDigit)) {
        return Optional.of(Instant.ofEpochMilli(Long.parseLong(s)));
      }
      return Optional.of(Instant.parse(s));
    } catch (DateTimeException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  // --------------------------------------------------------------------------------------------- writes

  /** One record of an upsert, with its position in the caller's batch. */
  private record Input(int index, String key, ObjectNode properties) {}

  /**
   * {@inheritDoc}
   *
   * <p>One {@code batch/upsert} call, or more when records share a key (sent in successive calls, in order). A
   * record HubSpot refuses in a 207 answer fails alone. A batch of several records HubSpot refuses whole (a
   * 400 that names fields but no record) throws a {@link CrmRequestException} with those field errors, for
   * the caller to isolate the bad record by splitting the batch. If a later call of the successive ones fails
   * as a whole, the exception is thrown even though earlier calls were applied: sending the batch again is
   * safe, as upserts by key are idempotent.
   *
   * @throws CrmRequestException if HubSpot refused a call of several records whole
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
        throw new IllegalArgumentException("record " + i + " is of object type '" + r.objectType()
            + "', not '" + objectType + "'");
      }
    }
    String type = Names.objectType(objectType);
    String idProperty = Names.toHubSpot(type, key.field());
    RecordResult[] results = new RecordResult[records.size()];
    List<List<Input>> rounds = new ArrayList<>();
    Map<String, Integer> occurrences = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      String value = key.normalize(r.fields().get(key.field()));
      if (value == null) {
        results[i] = RecordResult.failed(i, new RecordError(RecordError.MISSING_MATCH_KEY,
            "record has no value for match key '" + key.field() + "' (HubSpot property " + idProperty + ")",
            List.of(), false));
        continue;
      }
      int round = occurrences.merge(value, 1, Integer::sum) - 1;
      while (rounds.size() <= round) {
        rounds.add(new ArrayList<>());
      }
      rounds.get(round).add(new Input(i, value, hubSpotProperties(type, r)));
    }
    for (List<Input> round : rounds) {
      upsertInputs(type, idProperty, key, round, results);
    }
    return List.of(results);
  }

  private void checkBatch(int size) {
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("a batch of " + size + " records is larger than maxBatchSize "
          + capabilities.maxBatchSize());
    }
  }

  private ObjectNode hubSpotProperties(String type, CrmRecord r) {
    ObjectNode props = mapper.createObjectNode();
    r.fields().forEach((field, value) -> {
      String name = Names.toHubSpot(type, field);
      if (!Names.SYSTEM_PROPERTIES.contains(name)) {
        props.put(name, text(value));
      }
    });
    return props;
  }

  /** HubSpot takes every property value as text; multi-select values are {@code ;}-separated. */
  private String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      for (Object o : list) {
        parts.add(text(o));
      }
      return String.join(";", parts);
    }
    if (value instanceof Map<?, ?>) {
      try {
        return mapper.writeValueAsString(value);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException("cannot serialise a map value: " + e.getOriginalMessage(), e);
      }
    }
    return value.toString();
  }

  private void upsertInputs(String type, String idProperty, MatchKey key, List<Input> inputs, RecordResult[] results) {
    if (inputs.isEmpty()) {
      return;
    }
    ObjectNode body = mapper.createObjectNode();
    ArrayNode array = body.putArray("inputs");
    for (Input in : inputs) {
      ObjectNode o = array.addObject();
      o.put("idProperty", idProperty);
      o.put("id", in.key());
      o.put("objectWriteTraceId", Integer.toString(in.index()));
      o.set("properties", in.properties());
    }
    HttpUrl url = objectsUrl(type).addPathSegments("batch/upsert").build();
    JsonResponse response;
    try {
      response = call(UPSERT, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
    } catch (CrmRequestException e) {
      if (inputs.size() == 1 && isRecordLevel(e)) {
        Input only = inputs.get(0);
        results[only.index()] = RecordResult.failed(only.index(), recordError(type, e));
        return;
      }
      // HubSpot did not say which record it refused: the caller (the engine) isolates it by splitting the batch.
      throw isRecordLevel(e) ? refusedWhole(type, inputs.size(), e) : e;
    }
    Map<String, Input> byTrace = new HashMap<>();
    Map<String, Input> byKey = new HashMap<>();
    for (Input in : inputs) {
      byTrace.put(Integer.toString(in.index()), in);
      byKey.put(in.key(), in);
    }
    for (JsonNode r : response.body().path("results")) {
      Input in = byTrace.get(r.path("objectWriteTraceId").asText(""));
      if (in == null) {
        String value = key.normalize(r.path("properties").path(idProperty).asText(null));
        in = value == null ? null : byKey.get(value);
      }
      if (in == null && inputs.size() == 1) {
        in = inputs.get(0);
      }
      String id = r.path("id").asText("");
      if (in == null || results[in.index()] != null || id.isEmpty()) {
        continue;
      }
      results[in.index()] = r.path("new").asBoolean(false)
          ? RecordResult.created(in.index(), id)
          : RecordResult.updated(in.index(), id);
    }
    List<JsonNode> unattributed = new ArrayList<>();
    for (JsonNode e : response.body().path("errors")) {
      List<Input> named = new ArrayList<>();
      for (JsonNode t : e.path("context").path("objectWriteTraceId")) {
        Input in = byTrace.get(t.asText());
        if (in != null) {
          named.add(in);
        }
      }
      for (JsonNode v : e.path("context").path("ids")) {
        Input in = byKey.get(key.normalize(v.asText()));
        if (in != null) {
          named.add(in);
        }
      }
      if (named.isEmpty()) {
        unattributed.add(e);
      }
      for (Input in : named) {
        if (results[in.index()] == null) {
          results[in.index()] = RecordResult.failed(in.index(), recordError(type, e));
        }
      }
    }
    List<Input> missing = new ArrayList<>();
    for (Input in : inputs) {
      if (results[in.index()] == null) {
        missing.add(in);
      }
    }
    if (!unattributed.isEmpty() && missing.size() == 1) {
      results[missing.get(0).index()] = RecordResult.failed(missing.get(0).index(), recordError(type, unattributed.get(0)));
      return;
    }
    // Neither a result nor an error names these records: whether they were written is unknown, so they are sent
    // again later (an upsert by key is safe to repeat), where an error that comes back can be pinned on them.
    for (Input in : missing) {
      results[in.index()] = RecordResult.failed(in.index(), RecordError.transientError(RecordError.TRANSIENT,
          "HubSpot answered the batch without a result for this record"
              + (unattributed.isEmpty() ? "" : " (" + unattributed.size() + " errors it did not attribute)")));
    }
  }

  /**
   * A batch HubSpot refused whole: the field errors it named, under the caller's names, and no record blamed,
   * as HubSpot did not say which record they belong to.
   */
  private static CrmRequestException refusedWhole(String type, int records, CrmRequestException e) {
    List<FieldError> fields = canonical(type, e.fieldErrors());
    Set<String> named = new LinkedHashSet<>();
    for (FieldError f : fields) {
      named.add((f.field() == null ? "?" : f.field()) + " (" + f.code() + ")");
    }
    String what = named.isEmpty() ? "see the cause" : "fields " + String.join(", ", named);
    return new CrmRequestException(ID, e.statusCode(), e.requestId(),
        "HubSpot refused the whole batch of " + records + " " + type + " records for an invalid value; " + what, fields, e);
  }

  /** Whether a 4xx for a whole batch is about the records in it (so splitting helps), not the call. */
  private static boolean isRecordLevel(CrmRequestException e) {
    if (e.statusCode() == 400 || e.statusCode() == 422 || e.statusCode() == 409) {
      String m = e.getMessage().toLowerCase(Locale.ROOT);
      return !e.fieldErrors().isEmpty() || m.contains("property values were not valid")
          || m.contains("invalid_email") || m.contains("duplicate");
    }
    return false;
  }

  /** Field errors under the caller's names: {@code jobtitle} is reported as {@code title}. */
  private static List<FieldError> canonical(String type, List<FieldError> errors) {
    List<FieldError> out = new ArrayList<>(errors.size());
    for (FieldError f : errors) {
      out.add(f.field() == null ? f : new FieldError(Names.fromHubSpot(type, f.field()), f.code(), f.message()));
    }
    return out;
  }

  private RecordError recordError(String type, CrmRequestException e) {
    List<FieldError> fields = canonical(type, e.fieldErrors());
    String code = fields.isEmpty() ? RecordError.INVALID_VALUE : fields.get(0).code();
    String message = fields.isEmpty() ? e.getMessage() : fields.get(0).message()
        + (fields.size() > 1 ? " (and " + (fields.size() - 1) + " more)" : "");
    return new RecordError(code, message, fields, false);
  }

  private RecordError recordError(String type, JsonNode e) {
    List<FieldError> fields = canonical(type, errors.fieldErrors(e));
    String category = e.path("category").asText("");
    String code = !fields.isEmpty() ? fields.get(0).code() : category.isEmpty() ? RecordError.INVALID_VALUE : category;
    String message = !fields.isEmpty() ? fields.get(0).message() : e.path("message").asText(code);
    return new RecordError(code, message, fields, RETRYABLE_CATEGORIES.contains(category));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Archives with {@code batch/archive}; ids HubSpot does not know succeed, so deletes can be repeated.
   * An id that is not a number fails alone with {@link RecordError#INVALID_VALUE}.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(ids, "ids");
    checkBatch(ids.size());
    String type = Names.objectType(objectType);
    RecordResult[] results = new RecordResult[ids.size()];
    List<Integer> valid = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = Objects.requireNonNull(ids.get(i), "ids[" + i + "]");
      if (id.isBlank() || !id.strip().chars().allMatch(Character::isDigit)) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE,
            "'" + id + "' is not a HubSpot object id"));
      } else {
        valid.add(i);
      }
    }
    archive(type, ids, valid, results);
    return List.of(results);
  }

  private void archive(String type, List<String> ids, List<Integer> indices, RecordResult[] results) {
    if (indices.isEmpty()) {
      return;
    }
    ObjectNode body = mapper.createObjectNode();
    ArrayNode array = body.putArray("inputs");
    for (int i : indices) {
      array.addObject().put("id", ids.get(i).strip());
    }
    HttpUrl url = objectsUrl(type).addPathSegments("batch/archive").build();
    try {
      call(DELETE, () -> new Request.Builder().url(url).post(http.jsonBody(body)));
    } catch (CrmRequestException e) {
      if (indices.size() == 1 && (e.statusCode() == 404 || isRecordLevel(e))) {
        int i = indices.get(0);
        results[i] = e.statusCode() == 404 ? RecordResult.deleted(i, ids.get(i)) : RecordResult.failed(i, recordError(type, e));
        return;
      }
      throw e; // the caller isolates what HubSpot refused by splitting the batch
    }
    for (int i : indices) {
      results[i] = RecordResult.deleted(i, ids.get(i).strip());
    }
  }

  // ----------------------------------------------------------------------------------------------- HTTP

  private HttpUrl.Builder objectsUrl(String type) {
    return baseUrl.newBuilder().addPathSegments("crm/v3/objects").addPathSegment(type);
  }

  // operations as reported to AdapterListeners: few, fixed names, never ids
  private static final CrmHttp.Operation READ = new CrmHttp.Operation("read");
  private static final CrmHttp.Operation SEARCH = new CrmHttp.Operation("search");
  private static final CrmHttp.Operation LOOKUP = new CrmHttp.Operation("lookup");
  private static final CrmHttp.Operation DESCRIBE = new CrmHttp.Operation("describe");
  private static final CrmHttp.Operation UPSERT = new CrmHttp.Operation("upsert");
  private static final CrmHttp.Operation DELETE = new CrmHttp.Operation("delete");

  /** A read: retried on transient failures and short rate limits, waiting on the TimeSource. */
  private JsonResponse readCall(CrmHttp.Operation op, Supplier<Request.Builder> request) {
    return Failsafe.with(readRetry).get(retried(op, () -> call(op, request, true)));
  }

  /** A call counted against the burst limit. */
  private JsonResponse call(CrmHttp.Operation op, Supplier<Request.Builder> request) {
    return call(op, request, true);
  }

  /** A search: within HubSpot's separate limit on search requests per second, then like any read. */
  private JsonResponse searchCall(Supplier<Request.Builder> request) {
    if (searchLimiter == null) {
      return Failsafe.with(readRetry).get(retried(SEARCH, () -> call(SEARCH, request, false)));
    }
    return Failsafe.with(readRetry).get(retried(SEARCH, () -> {
      try (RequestLimiter.Permit permit = searchLimiter.acquire()) {
        return call(SEARCH, request, false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CrmUnavailableException(ID, 0, null, "interrupted while waiting for the search rate limit", e);
      }
    }));
  }

  /** {@code attempt}, reporting each attempt after the first to the listeners as a retry of {@code op}. */
  private <R> ContextualSupplier<R, JsonResponse> retried(CrmHttp.Operation op, Supplier<JsonResponse> attempt) {
    return ctx -> {
      Throwable last = ctx.getLastException();
      if (ctx.getAttemptCount() > 0 && last != null) {
        events.retry(op.name(), last instanceof RetryWithNewToken t ? t.refusal : last);
      }
      return attempt.get();
    };
  }

  /**
   * One call, authenticated and paced ({@code burst}: counted against the burst limit, as every call but
   * searches is); a 401 drops the token and tries once more with a new one.
   */
  private JsonResponse call(CrmHttp.Operation op, Supplier<Request.Builder> request, boolean burst) {
    try {
      return Failsafe.with(authRetry).get(retried(op, () -> attempt(op, request, burst)));
    } catch (RetryWithNewToken e) {
      throw e.refusal;
    }
  }

  private JsonResponse attempt(CrmHttp.Operation op, Supplier<Request.Builder> request, boolean burst) {
    // a fetch of the access token (its own endpoint, not rate-limited like the API) fails as it is
    String token = auth.token();
    Pacer.Call paced;
    try {
      paced = pacer.start(burst);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(ID, 0, null, "interrupted while waiting for HubSpot's rate limit", e);
    }
    try (paced) {
      Request r = request.get().header("Authorization", "Bearer " + token).tag(CrmHttp.Operation.class, op).build();
      JsonResponse response = http.exchange(r);
      Optional<RateLimitStatus> status = RateLimitStatus.fromHeaders(response.headers(), time.now());
      status.ifPresent(st -> {
        rateLimit.set(st);
        paced.observe(new Pacer.RateLimitHeaders(st.max(), st.remaining(), st.interval(), st.dailyRemaining()));
      });
      return response;
    } catch (CrmRateLimitException e) {
      if (e.statusCode() == 429) {
        // a refusal by HubSpot, not the pacer's own for a daily quota already known to be spent
        events.rateLimited(op.name(), e.retryAfter(), e.isQuotaExhausted());
      }
      pacer.rateLimited(e, burst);
      throw e;
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() == 401 && auth.refused(token)) {
        log.debug("HubSpot refused the access token ({}); trying once with a new one", e.getMessage());
        if (!auth.isOAuth()) {
          events.tokenRenewed(); // the credentials provider gave another token (OAuth reports its own refreshes)
        }
        throw new RetryWithNewToken(e);
      }
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
    log.debug("Retrying a HubSpot read in {} after: {}", wait, failure == null ? "?" : failure.getMessage());
    try {
      time.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Carries a 401 out of an attempt that is worth repeating with a new token. */
  private static final class RetryWithNewToken extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final CrmAuthenticationException refusal;

    RetryWithNewToken(CrmAuthenticationException refusal) {
      super(null, null, false, false);
      this.refusal = refusal;
    }
  }

  @Override
  public String toString() {
    return "HubSpotAdapter[" + baseUrl.scheme() + "://" + baseUrl.host() + ":" + baseUrl.port() + ", "
        + (auth.isOAuth() ? "OAuth" : "private app") + ", budget " + capabilities.budget() + "]";
  }

}

package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.CrmRateLimitException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmUnavailableException;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.HttpFailure;
import io.crmsync.salesforce.ApiUsage;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Authenticated calls to one org's REST API: adds the bearer token, re-authenticates once when the session is
 * rejected ({@code INVALID_SESSION_ID}), and records the {@code Sforce-Limit-Info} usage and the server's {@code
 * Date} of every response.
 *
 * <p>Every request is reported to the adapter's {@link #events()} under its operation ({@link #READ}, {@link
 * #UPSERT}...), with a re-authentication after a rejected session as a retry, and Salesforce's rate-limit refusals.
 *
 * <p>A request whose connection fails is never sent again silently: OkHttp's {@code retryOnConnectionFailure} would
 * resend a POST or PUT whose connection dropped after Salesforce acted on it (a second Bulk upload, a second job).
 * Callers decide what is safe to send again. Thread-safe.
 */
public final class SalesforceClient {
  /** The most an error body, a JSON body or a CSV result may hold. */
  static final long MAX_RESPONSE_BYTES = 256L * 1024 * 1024;
  /**
   * The longest path and query string sent as a GET: Salesforce refuses more than 16,384 bytes of URI and headers
   * together (414, 431); this leaves room for the headers.
   */
  static final int MAX_QUERY_URI = 14_000;

  // operations as reported to AdapterListeners: few, fixed names, never ids
  public static final CrmHttp.Operation READ = new CrmHttp.Operation("read");
  public static final CrmHttp.Operation LOOKUP = new CrmHttp.Operation("lookup");
  public static final CrmHttp.Operation DESCRIBE = new CrmHttp.Operation("describe");
  public static final CrmHttp.Operation UPSERT = new CrmHttp.Operation("upsert");
  public static final CrmHttp.Operation DELETE = new CrmHttp.Operation("delete");
  /** Every call of a Bulk API 2.0 job: create, upload, state changes, polls, results. */
  public static final CrmHttp.Operation BULK = new CrmHttp.Operation("bulk");
  public static final CrmHttp.Operation TOKEN = new CrmHttp.Operation("token");

  private final String crm;
  private final AdapterEvents events;
  private final Settings settings;
  private final CrmHttp api;
  private final TokenSource tokens;
  private final TimeSource time;
  private final AtomicReference<@Nullable ApiUsage> usage = new AtomicReference<>();
  private final AtomicReference<@Nullable Instant> serverTime = new AtomicReference<>();

  public SalesforceClient(AdapterConfig config, Settings settings) {
    this.crm = config.adapterId();
    this.events = AdapterEvents.create(crm);
    this.settings = settings;
    this.time = config.timeSource();
    OkHttpClient client = config.httpClient().newBuilder()
        .retryOnConnectionFailure(false)
        .addInterceptor(chain -> {
          Response r = chain.proceed(chain.request());
          ApiUsage.parse(r.header("Sforce-Limit-Info"), time.now()).ifPresent(usage::set);
          Date date = r.headers().getDate("Date");
          if (date != null) {
            serverTime.set(date.toInstant());
          }
          return r;
        })
        .build();
    ObjectMapper mapper = config.objectMapper();
    List<String> requestIds = List.of("Sforce-Request-Id", "X-Request-Id");
    this.api = new CrmHttp(crm, client, mapper, SalesforceErrors.api(), time, requestIds, MAX_RESPONSE_BYTES)
        .withEvents(events);
    CrmHttp oauth = new CrmHttp(crm, config.httpClient(), mapper, SalesforceErrors.oauth(), time, requestIds, 1024 * 1024)
        .withEvents(events);
    this.tokens = new TokenSource(config, settings, oauth, events::tokenRenewed);
  }

  /** Where this client reports its requests, retries, rate limits and token renewals. */
  public AdapterEvents events() {
    return events;
  }

  public ObjectMapper mapper() {
    return api.mapper();
  }

  public Optional<ApiUsage> usage() {
    return Optional.ofNullable(usage.get());
  }

  public TokenSource tokens() {
    return tokens;
  }

  /** The time on the org's clock, from the {@code Date} of the latest response; empty before the first. */
  public Optional<Instant> serverTime() {
    return Optional.ofNullable(serverTime.get());
  }

  /** The id of the user the current session acts as, if the token answer named it. */
  public Optional<String> userId() {
    return Optional.ofNullable(tokens.current().userId());
  }

  public String crm() {
    return crm;
  }

  public TimeSource time() {
    return time;
  }

  /** {@code /services/data/vXX.X} plus {@code path}. */
  public String dataPath(String path) {
    return "/services/data/v" + settings.apiVersion() + path;
  }

  /**
   * Sends a request built for the current token; on {@code 401} re-authenticates once and sends it again.
   *
   * @param build builds the request from the instance URL (the token's header is added here)
   */
  public JsonNode json(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build) {
    return withSession(op, build, api::execute);
  }

  /** As {@link #json}, for bodies that are not JSON (Bulk API CSV). */
  public byte[] bytes(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build) {
    return withSession(op, build, api::executeForBytes);
  }

  public JsonNode get(CrmHttp.Operation op, String path, Map<String, String> query, Map<String, String> headers) {
    return json(op, base -> {
      HttpUrl.Builder url = base.newBuilder().encodedPath(path);
      query.forEach(url::addQueryParameter);
      Request.Builder b = new Request.Builder().url(url.build()).get();
      headers.forEach(b::header);
      return b;
    });
  }

  /**
   * Runs a SOQL query: {@code GET .../query/?q=} ({@code resource} {@code /query} or {@code /queryAll}), or, when
   * the URI would pass Salesforce's limit of 16,384 bytes for URI and headers together (a select list of hundreds
   * of fields), the same GET as the one subrequest of a Composite request, as Salesforce advises ("Maximum number of
   * rows returned by SOQL queries over the REST API", https://help.salesforce.com/s/articleView?id=000386264&type=1).
   * Either way it counts as one API request and answers the query's first page.
   */
  public JsonNode query(CrmHttp.Operation op, String resource, String soql, Map<String, String> headers) {
    HttpUrl probe = new HttpUrl.Builder().scheme("https").host("instance").encodedPath(dataPath(resource + "/"))
        .addQueryParameter("q", soql).build();
    String pathAndQuery = probe.encodedPath() + "?" + probe.encodedQuery();
    if (pathAndQuery.length() <= MAX_QUERY_URI) {
      return get(op, dataPath(resource + "/"), Map.of("q", soql), headers);
    }
    ObjectNode body = mapper().createObjectNode();
    ObjectNode sub = body.putArray("compositeRequest").addObject();
    sub.put("method", "GET");
    sub.put("url", pathAndQuery);
    sub.put("referenceId", "query");
    if (!headers.isEmpty()) {
      ObjectNode h = sub.putObject("httpHeaders");
      headers.forEach(h::put);
    }
    JsonNode answer = send(op, "POST", dataPath("/composite"), Map.of(), body).path("compositeResponse").path(0);
    int status = answer.path("httpStatusCode").asInt(0);
    JsonNode result = answer.path("body");
    if (status >= 200 && status < 300 && result.isObject()) {
      return result;
    }
    if (status == 0) {
      throw new CrmUnavailableException(crm, 200, null, "POST " + dataPath("/composite") + " returned no subrequest result", null);
    }
    throw SalesforceErrors.api().map(new HttpFailure(crm, "GET " + dataPath(resource + "/") + " (in a Composite request)",
        status, Headers.of(), HttpFailure.excerpt(result.toString(), CrmHttp.MAX_ERROR_BODY_CHARS),
        result.isMissingNode() ? null : result, null, time.now()));
  }

  public JsonNode send(CrmHttp.Operation op, String method, String path, Map<String, String> query,
      @Nullable Object jsonBody) {
    RequestBody body = jsonBody == null ? null : api.jsonBody(jsonBody);
    return json(op, base -> {
      HttpUrl.Builder url = base.newBuilder().encodedPath(path);
      query.forEach(url::addQueryParameter);
      return new Request.Builder().url(url.build()).method(method, body);
    });
  }

  private <T> T withSession(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build, Function<Request, T> exec) {
    AccessToken token = tokens.current();
    try {
      return exec.apply(authorized(op, build, token));
    } catch (CrmRateLimitException e) {
      throw rateLimited(op, e);
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() != 401) {
        throw e;
      }
      tokens.invalidate(token);
      events.retry(op.name(), e);
    }
    AccessToken fresh = tokens.current();
    try {
      return exec.apply(authorized(op, build, fresh));
    } catch (CrmRateLimitException e) {
      throw rateLimited(op, e);
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() == 401) {
        tokens.invalidate(fresh);
        throw new CrmAuthenticationException(crm, 401, e.requestId(),
            "Salesforce rejected the session again right after re-authenticating; check the connected app's "
                + "policies and the user's API access (" + e.getMessage() + ")", e);
      }
      throw e;
    }
  }

  private CrmRateLimitException rateLimited(CrmHttp.Operation op, CrmRateLimitException e) {
    events.rateLimited(op.name(), e.retryAfter(), e.isQuotaExhausted());
    return e;
  }

  private static Request authorized(CrmHttp.Operation op, Function<HttpUrl, Request.Builder> build, AccessToken token) {
    Request r = build.apply(token.instanceUrl()).header("Authorization", "Bearer " + token.token().reveal())
        .tag(CrmHttp.Operation.class, op).build();
    return r.header("Accept") != null ? r : r.newBuilder().header("Accept", "application/json").build();
  }
}

package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.dynamics.ServiceProtectionStatus;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.ErrorMapper;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.JsonResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * Authenticated calls to one org's Web API: the OData headers every request carries
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors), the
 * bearer token (renewed once when the org answers 401, then a {@link CrmAuthenticationException}), the request
 * budget and the limit on concurrent requests (service protection: 6,000 requests per 5 minutes and 52 at once by
 * default, https://learn.microsoft.com/power-apps/developer/data-platform/api-limits), the pause a 429's {@code
 * Retry-After} asks for, and the {@code x-ms-ratelimit-*} headers of every response. Thread-safe.
 */
public final class DataverseClient {
  /** The most any response may hold. */
  static final long MAX_RESPONSE_BYTES = 256L * 1024 * 1024;
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final List<String> REQUEST_IDS = List.of("REQ_ID", "x-ms-service-request-id", "x-ms-request-id");

  /** A response read whole, for bodies that are not JSON ({@code $batch}). */
  public record Raw(int status, Headers headers, byte[] body, String contentType) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final String crm;
  private final Settings settings;
  private final OkHttpClient client;
  private final CrmHttp api;
  private final ErrorMapper errors = DataverseErrors.api();
  private final TokenSource tokens;
  private final TimeSource time;
  private final RequestLimiter limiter;
  private final Semaphore concurrency;
  private final AtomicReference<@Nullable ServiceProtectionStatus> status = new AtomicReference<>();
  private final HttpUrl apiRoot;

  public DataverseClient(AdapterConfig config, Settings settings) {
    this.crm = config.adapterId();
    this.settings = settings;
    this.time = config.timeSource();
    this.client = config.httpClient().newBuilder()
        .addInterceptor(chain -> {
          Response r = chain.proceed(chain.request());
          ServiceProtectionStatus.fromHeaders(r.headers(), time.now()).ifPresent(status::set);
          return r;
        })
        .build();
    ObjectMapper mapper = config.objectMapper();
    this.api = new CrmHttp(crm, client, mapper, errors, time, REQUEST_IDS, MAX_RESPONSE_BYTES);
    CrmHttp tokenHttp = new CrmHttp(crm, config.httpClient(), mapper, DataverseErrors.token(), time,
        List.of("x-ms-request-id"), 1024 * 1024);
    this.tokens = new TokenSource(config, settings, tokenHttp);
    this.limiter = RequestLimiter.of(settings.budget(), time);
    this.concurrency = new Semaphore(settings.maxConcurrentRequests(), true);
    this.apiRoot = settings.apiRoot();
  }

  public ObjectMapper mapper() {
    return api.mapper();
  }

  public TokenSource tokens() {
    return tokens;
  }

  public Optional<ServiceProtectionStatus> serviceProtection() {
    return Optional.ofNullable(status.get());
  }

  /** The Web API's root, {@code <org>/api/data/v9.2/}. */
  public HttpUrl apiRoot() {
    return apiRoot;
  }

  /**
   * A query option's value percent-encoded as {@code HttpUrl} encodes query values, for {@code
   * addEncodedQueryParameter("$select", ...)}: the option's name keeps its {@code $}, as every exchange Microsoft
   * publishes writes it ({@code ?$select=fullname}), where {@code addQueryParameter} would send {@code %24select}.
   */
  public static String encodeQueryValue(String value) {
    boolean plain = true;
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ',' || c == '.'
          || c == '-';
    }
    if (plain) {
      return value; // nothing to encode: the common case of a $select list
    }
    String q = new HttpUrl.Builder().scheme("http").host("q").addQueryParameter("v", value).build().encodedQuery();
    return q == null ? "" : q.substring(2);
  }

  /** A JSON body for a request. */
  public RequestBody json(byte[] bytes) {
    return RequestBody.create(bytes, JSON);
  }

  public JsonResponse get(HttpUrl url, Map<String, String> headers) {
    return call(token -> {
      Request.Builder b = request(url, token).get().header("If-None-Match", "null");
      headers.forEach(b::header);
      return api.exchange(b.build());
    });
  }

  public JsonResponse send(String method, HttpUrl url, Map<String, String> headers, @Nullable RequestBody body) {
    return call(token -> {
      Request.Builder b = request(url, token).method(method, body);
      headers.forEach(b::header);
      return api.exchange(b.build());
    });
  }

  /**
   * Posts a {@code $batch}. Returns the answer when it is a batch response: 200, or an error status whose body is
   * still multipart (a batch that stopped at a failure); any other failure is thrown, typed.
   */
  public Raw batch(byte[] body, String boundary, Map<String, String> headers) {
    HttpUrl url = apiRoot().newBuilder().addPathSegment("$batch").build();
    RequestBody rb = RequestBody.create(body, MediaType.get("multipart/mixed; boundary=" + boundary));
    return call(token -> {
      Request.Builder b = request(url, token).post(rb);
      headers.forEach(b::header);
      return raw(b.build());
    });
  }

  private Request.Builder request(HttpUrl url, TokenSource.AccessToken token) {
    return new Request.Builder().url(url)
        .header("Authorization", "Bearer " + token.value().reveal())
        .header("Accept", "application/json")
        .header("OData-MaxVersion", "4.0")
        .header("OData-Version", "4.0");
  }

  /** One call within the budget and the concurrency limit; a 401 renews the token and tries once more. */
  private <T> T call(Function<TokenSource.AccessToken, T> exec) {
    RequestLimiter.Permit permit;
    try {
      permit = limiter.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrmUnavailableException(crm, 0, null, "interrupted while waiting for the request budget", e);
    }
    try (permit) {
      try {
        concurrency.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        permit.cancel();
        throw new CrmUnavailableException(crm, 0, null, "interrupted while waiting for a free connection slot", e);
      }
      try {
        return withToken(exec);
      } catch (CrmRateLimitException e) {
        limiter.pauseUntil(time.now().plus(e.retryAfter()));
        throw e;
      } finally {
        concurrency.release();
      }
    }
  }

  private <T> T withToken(Function<TokenSource.AccessToken, T> exec) {
    TokenSource.AccessToken token = tokens.current();
    try {
      return exec.apply(token);
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() != 401) {
        throw e;
      }
      tokens.invalidate(token);
    }
    TokenSource.AccessToken fresh = tokens.current();
    try {
      return exec.apply(fresh);
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() == 401) {
        tokens.invalidate(fresh);
        throw new CrmAuthenticationException(crm, 401, e.requestId(), "Dataverse refused a new access token too; check that "
            + "the app registration has an application user in the environment, with a security role (" + e.getMessage() + ")", e);
      }
      throw e;
    }
  }

  private Raw raw(Request request) {
    String op = request.method() + " " + request.url().encodedPath();
    try (Response response = client.newCall(request).execute()) {
      byte[] bytes = readCapped(response.body(), op, response.code());
      String contentType = response.header("Content-Type", "");
      boolean multipart = contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/mixed");
      if (response.isSuccessful() || (response.code() >= 400 && response.code() < 500 && multipart && response.code() != 401
          && response.code() != 429)) {
        return new Raw(response.code(), response.headers(), bytes, contentType);
      }
      String text = new String(bytes, 0, Math.min(bytes.length, CrmHttp.MAX_ERROR_BODY_CHARS), StandardCharsets.UTF_8);
      JsonNode json = null;
      try {
        json = bytes.length == 0 ? null : api.mapper().readTree(bytes);
      } catch (IOException e) {
        json = null;
      }
      String requestId = null;
      for (String h : REQUEST_IDS) {
        if (response.header(h) != null) {
          requestId = response.header(h);
          break;
        }
      }
      throw errors.map(new HttpFailure(crm, op, response.code(), response.headers(), text, json, requestId, time.now()));
    } catch (CrmSyncException e) {
      throw e;
    } catch (InterruptedIOException e) {
      throw new CrmUnavailableException(crm, 0, null, op + " timed out: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CrmUnavailableException(crm, 0, null, op + " failed: " + e, e);
    }
  }

  private byte[] readCapped(@Nullable ResponseBody body, String op, int code) throws IOException {
    if (body == null) {
      return new byte[0];
    }
    if (body.contentLength() > MAX_RESPONSE_BYTES) {
      throw new CrmUnavailableException(crm, code, null, op + " returned " + body.contentLength() + " bytes, more than the limit of "
          + MAX_RESPONSE_BYTES, null);
    }
    try (InputStream in = body.byteStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_RESPONSE_BYTES + 1));
      if (bytes.length > MAX_RESPONSE_BYTES) {
        throw new CrmUnavailableException(crm, code, null, op + " returned more than the limit of " + MAX_RESPONSE_BYTES + " bytes", null);
      }
      return bytes;
    }
  }
}

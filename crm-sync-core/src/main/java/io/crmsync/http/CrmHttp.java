package io.crmsync.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.spi.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * Sends JSON requests to one CRM and maps every failure to the {@link CrmSyncException} hierarchy:
 * connection failures and timeouts to {@link CrmUnavailableException}; error statuses through the
 * adapter's {@link ErrorMapper}; a success whose body is not JSON (an HTML error page from a proxy, a
 * truncated body) or is larger than the limit to {@link CrmUnavailableException} naming what arrived.
 *
 * <p>Messages name the method and path only, never the query string or headers, so tokens cannot leak.
 * Bodies quoted in messages are cut short and stripped of control characters ({@link
 * HttpFailure#excerpt(String, int)}); the answers of token endpoints, sent through {@link
 * #executeCredentials}, are never quoted at all. Thread-safe.
 */
public final class CrmHttp {
  /** How much of an error body is kept for messages. */
  public static final int MAX_ERROR_BODY_CHARS = 8_192;
  /** The default largest response body accepted, so a runaway response cannot exhaust memory. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L * 1024 * 1024;

  public static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final String crm;
  private final OkHttpClient client;
  private final ObjectMapper mapper;
  private final ErrorMapper errors;
  private final TimeSource time;
  private final List<String> requestIdHeaders;
  private final long maxResponseBytes;
  private final @Nullable AdapterEvents events;

  /**
   * Names a request's operation for {@link io.crmsync.adapter.AdapterListener}s, low-cardinality ({@code
   * read}, {@code upsert}, {@code token}): {@code new Request.Builder().tag(CrmHttp.Operation.class, new
   * CrmHttp.Operation("upsert"))}. Untagged requests are reported under their HTTP method.
   */
  public record Operation(String name) {
    public Operation {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * @param requestIdHeaders response headers that carry the CRM's request id, first present wins
   */
  public CrmHttp(
      String crm,
      OkHttpClient client,
      ObjectMapper mapper,
      ErrorMapper errors,
      TimeSource time,
      List<String> requestIdHeaders,
      long maxResponseBytes) {
    this(crm, client, mapper, errors, time, requestIdHeaders, maxResponseBytes, null);
  }

  private CrmHttp(
      String crm,
      OkHttpClient client,
      ObjectMapper mapper,
      ErrorMapper errors,
      TimeSource time,
      List<String> requestIdHeaders,
      long maxResponseBytes,
      @Nullable AdapterEvents events) {
    this.events = events;
    this.crm = Objects.requireNonNull(crm, "crm");
    this.client = Objects.requireNonNull(client, "client");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.errors = Objects.requireNonNull(errors, "errors");
    this.time = Objects.requireNonNull(time, "time");
    this.requestIdHeaders = List.copyOf(requestIdHeaders);
    this.maxResponseBytes = Checks.positive(maxResponseBytes, "maxResponseBytes");
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  /** This client, reporting every request it sends (its operation, status and latency) to {@code events}. */
  public CrmHttp withEvents(AdapterEvents events) {
    Objects.requireNonNull(events, "events");
    return new CrmHttp(crm, client, mapper, errors, time, requestIdHeaders, maxResponseBytes, events);
  }

  /** A JSON request body of {@code value}. */
  public RequestBody jsonBody(Object value) {
    try {
      return RequestBody.create(mapper.writeValueAsBytes(value), JSON);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise request body: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Executes {@code request} and returns its body parsed as JSON ({@link MissingNode} for an empty body).
   *
   * @throws CrmSyncException for any failure, typed by what the caller can do
   */
  public JsonNode execute(Request request) {
    return exchange(request).body();
  }

  /**
   * Executes {@code request} like {@link #execute} and also returns the status and headers of the
   * successful response, for adapters that read them (rate-limit counters, a 207 multi-status).
   *
   * @throws CrmSyncException for any failure, typed by what the caller can do
   */
  public JsonResponse exchange(Request request) {
    return exchange(request, false);
  }

  /**
   * Executes a request to a token endpoint like {@link #execute}, but never quotes its answer: a
   * truncated or garbled token response holds access and refresh tokens, so a body that is not valid JSON
   * is described by its content type and size only, and an error body is reduced to the fields that say
   * what went wrong ({@code error}, {@code error_description}, {@code error_message}, {@code message})
   * before the {@link ErrorMapper} sees it.
   *
   * @throws CrmSyncException for any failure, typed by what the caller can do
   */
  public JsonNode executeCredentials(Request request) {
    return exchange(request, true).body();
  }

  private JsonResponse exchange(Request request, boolean credentials) {
    String op = request.method() + " " + request.url().encodedPath();
    Body body = call(request, op, credentials);
    if (body.bytes.length == 0) {
      return new JsonResponse(body.status, body.headers, MissingNode.getInstance());
    }
    try {
      return new JsonResponse(body.status, body.headers, mapper.readTree(body.bytes));
    } catch (IOException e) {
      String what = credentials
          ? body.bytes.length + " bytes, not shown: a token endpoint's answer may hold credentials"
          : HttpFailure.excerpt(new String(body.bytes, 0, Math.min(body.bytes.length, 400), StandardCharsets.UTF_8), 200);
      // the parser's message quotes the body too, so it is not kept as the cause
      throw new CrmUnavailableException(crm, body.status, body.requestId,
          op + " returned a body that is not valid JSON (" + HttpFailure.excerpt(body.contentType, 100) + "): " + what,
          null);
    }
  }

  /**
   * Executes {@code request} and returns its body as it arrived, for payloads that are not JSON (such as CSV).
   * Error statuses, transport failures and oversized bodies are mapped as by {@link #execute}.
   *
   * @throws CrmSyncException for any failure, typed by what the caller can do
   */
  public byte[] executeForBytes(Request request) {
    return call(request, request.method() + " " + request.url().encodedPath(), false).bytes;
  }

  private record Body(byte[] bytes, int status, Headers headers, @Nullable String requestId, String contentType) {}

  private Body call(Request request, String op, boolean credentials) {
    long start = System.nanoTime();
    int[] status = {0};
    try {
      return send(request, op, credentials, status);
    } finally {
      if (events != null) {
        Operation tagged = request.tag(Operation.class);
        events.request(tagged != null ? tagged.name() : request.method(), status[0],
            Duration.ofNanos(System.nanoTime() - start));
      }
    }
  }

  private Body send(Request request, String op, boolean credentials, int[] status) {
    try (Response response = client.newCall(request).execute()) {
      status[0] = response.code();
      String requestId = requestId(response);
      byte[] bytes = readCapped(response.body(), op, response.code(), requestId);
      if (!response.isSuccessful()) {
        JsonNode json = tryParse(bytes);
        String text;
        if (credentials) {
          json = oauthErrorOnly(json);
          text = json != null ? json.toString() : "(" + bytes.length + " bytes, not shown)";
        } else {
          text = new String(bytes, 0, Math.min(bytes.length, MAX_ERROR_BODY_CHARS * 4), StandardCharsets.UTF_8);
          if (text.length() > MAX_ERROR_BODY_CHARS) {
            text = text.substring(0, MAX_ERROR_BODY_CHARS);
          }
        }
        throw errors.map(new HttpFailure(crm, op, response.code(), response.headers(), text, json, requestId, time.now()));
      }
      return new Body(bytes, response.code(), response.headers(), requestId,
          response.header("Content-Type", "no content type"));
    } catch (CrmSyncException e) {
      throw e;
    } catch (InterruptedIOException e) {
      throw new CrmUnavailableException(crm, 0, null, op + " timed out: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CrmUnavailableException(crm, 0, null, op + " failed: " + e, e);
    }
  }

  private byte[] readCapped(@Nullable ResponseBody body, String op, int status, @Nullable String requestId)
      throws IOException {
    if (body == null) {
      return new byte[0];
    }
    long declared = body.contentLength();
    if (declared > maxResponseBytes) {
      throw new CrmUnavailableException(crm, status, requestId,
          op + " returned " + declared + " bytes, more than the limit of " + maxResponseBytes, null);
    }
    try (InputStream in = body.byteStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxResponseBytes + 1));
      if (bytes.length > maxResponseBytes) {
        throw new CrmUnavailableException(crm, status, requestId,
            op + " returned more than the limit of " + maxResponseBytes + " bytes", null);
      }
      return bytes;
    }
  }

  /** Of a token endpoint's error body, only the fields that say what went wrong. */
  private @Nullable JsonNode oauthErrorOnly(@Nullable JsonNode json) {
    if (json == null || !json.isObject()) {
      return null;
    }
    com.fasterxml.jackson.databind.node.ObjectNode kept = mapper.createObjectNode();
    for (String field : List.of("error", "error_description", "error_message", "errorCode", "message", "status")) {
      JsonNode v = json.get(field);
      if (v != null && v.isValueNode()) {
        kept.put(field, HttpFailure.excerpt(v.asText(), 200));
      }
    }
    return kept.isEmpty() ? null : kept;
  }

  private @Nullable JsonNode tryParse(byte[] bytes) {
    if (bytes.length == 0) {
      return null;
    }
    try {
      return mapper.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private @Nullable String requestId(Response response) {
    for (String h : requestIdHeaders) {
      String v = response.header(h);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}

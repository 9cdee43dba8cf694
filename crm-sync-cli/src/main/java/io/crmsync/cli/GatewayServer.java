package io.crmsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.gateway.Change;
import io.crmsync.gateway.ChangeStatus;
import io.crmsync.gateway.CrmGateway;
import io.crmsync.gateway.DeliveryStatus;
import io.crmsync.gateway.InvalidChangeException;
import io.crmsync.gateway.Receipt;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CrmGateway} over HTTP: {@code POST /v1/changes}, {@code GET /v1/changes/{receipt}}, {@code GET /healthz}
 * and {@code GET /openapi.json}, on an embedded Jetty (its core handlers: no servlet container). Requests to {@code
 * /v1/} need an API key or a JWT ({@link ServeAuth}) and are counted against their principal's quota ({@link
 * ServeQuotas}); bodies are bounded in bytes and changes. Neither the credentials nor the records' values reach the
 * log or an error answer.
 */
final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
  private static final Pattern RECEIPT_PATH = Pattern.compile("/v1/changes/([A-Za-z0-9_-]{1,128})");
  private static final Pattern BATCH_FIELD = Pattern.compile("\\[(\\d+)]\\.(.*)");
  /** One answer to every authentication failure, whatever failed. */
  private static final byte[] UNAUTHENTICATED = ("{\"error\":{\"code\":\"UNAUTHENTICATED\",\"message\":"
      + "\"missing or invalid credentials\"}}").getBytes(StandardCharsets.UTF_8);

  private final CrmGateway gateway;
  private final ServeSettings settings;
  private final ServeAuth auth;
  private final ServeQuotas quotas;
  private final ServeRequests requests;
  private final ObjectMapper json = new ObjectMapper();
  private final JsonNodeFactory nodes = JsonNodeFactory.instance;
  private final byte[] openApi;
  private final Server server;
  private final ServerConnector connector;
  private final TimeSource time;
  /** Per target, its adapter's last request, as {@code /healthz} shows it. */
  private final Map<String, AtomicReference<ObjectNode>> lastCalls = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, CRMAdapter> quotaOf = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<AdapterListener.Registration> listening = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Answer(int status, Map<String, String> headers, byte[] body, boolean bodyRead) {
    Answer(int status, Map<String, String> headers, byte[] body) {
      this(status, headers, body, false);
    }

    Answer(int status, byte[] body) {
      this(status, Map.of(), body, false);
    }

    Answer read() {
      return new Answer(status, headers, body, true);
    }
  }

  GatewayServer(CrmGateway gateway, ServeSettings settings, TimeSource time) {
    this(gateway, settings, time, Map.of());
  }

  /** @param adapters the targets' adapters by id, whose last calls and quotas {@code /healthz} reports */
  GatewayServer(CrmGateway gateway, ServeSettings settings, TimeSource time, Map<String, CRMAdapter> adapters) {
    this.time = time;
    adapters.forEach((id, adapter) -> {
      AtomicReference<ObjectNode> last = new AtomicReference<>();
      lastCalls.put(id, last);
      quotaOf.put(id, adapter);
      listening.add(adapter.listen(new AdapterListener() {
        @Override
        public void onRequest(String adapterId, String operation, int status, Duration latency) {
          ObjectNode call = JsonNodeFactory.instance.objectNode();
          call.put("operation", operation);
          call.put("status", status);
          call.put("at", time.now().toString());
          last.set(call);
        }
      }));
    });
    this.gateway = gateway;
    this.settings = settings;
    this.auth = new ServeAuth(settings, time);
    this.quotas = new ServeQuotas(settings.quotaRequests(), settings.quotaWindow(), time);
    this.requests = new ServeRequests(settings.maxBatch());
    this.openApi = OpenApi.document(settings);
    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("crm-sync-serve");
    threads.setDaemon(true);
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        answer(request, response, callback);
        return true;
      }
    });
    // Jetty's own refusals (a malformed request line, headers too large) in the same JSON shape, no page
    server.setErrorHandler((request, response, callback) -> {
      Object status = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_STATUS);
      int code = status instanceof Integer i ? i : 400;
      write(response, new Answer(code, error("BAD_REQUEST", "the request could not be read as HTTP", List.of())),
          callback);
      return true;
    });
  }

  /**
   * Starts listening.
   *
   * @throws IllegalStateException if the port cannot be bound
   */
  GatewayServer start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
          + e.getMessage(), e);
    }
    return this;
  }

  /** The port listened on (the one chosen when the settings said 0). */
  int port() {
    return connector.getLocalPort();
  }

  /** The base URL, such as {@code http://127.0.0.1:8080}. */
  String url() {
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    return "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + port();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server failed: {}", e.toString());
    }
    for (AdapterListener.Registration r : listening) {
      try {
        r.close();
      } catch (Exception e) {
        log.debug("removing a listener failed", e);
      }
    }
  }

  private void answer(Request request, Response response, Callback callback) {
    Answer a;
    try {
      a = route(request);
    } catch (RuntimeException | Error e) {
      log.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
      a = new Answer(500, error("INTERNAL", "the request failed on the server; see its log", List.of()));
    }
    if (!a.bodyRead() && (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
      // a body left unread (refused before reading, or too large) is not drained: the connection is closed
      // after the answer, and the client knows not to send its next request on it
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    write(response, a, callback);
  }

  private Answer route(Request request) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    if (path.equals("/healthz")) {
      return method.equals("GET") ? health() : notAllowed("GET");
    }
    if (path.equals("/openapi.json")) {
      return method.equals("GET") ? new Answer(200, openApi) : notAllowed("GET");
    }
    Matcher receipt = RECEIPT_PATH.matcher(path);
    boolean changes = path.equals("/v1/changes");
    if (!changes && !receipt.matches()) {
      return new Answer(404, error("NOT_FOUND", "no such path; see /openapi.json", List.of()));
    }
    if (changes ? !method.equals("POST") : !method.equals("GET")) {
      return notAllowed(changes ? "POST" : "GET");
    }
    Optional<String> principal = auth.principal(request.getHeaders().get(HttpHeader.AUTHORIZATION),
        request.getHeaders().get("X-Api-Key"));
    if (principal.isEmpty()) {
      return new Answer(401, Map.of("WWW-Authenticate", "Bearer"), UNAUTHENTICATED);
    }
    Duration wait = quotas.acquire(principal.get());
    if (!wait.isZero()) {
      return new Answer(429, Map.of("Retry-After", Long.toString(wait.toSeconds())), error("QUOTA_EXCEEDED",
          "this key's quota of " + settings.quotaRequests() + " requests per " + human(settings.quotaWindow())
              + " is spent; try again in " + wait.toSeconds() + " s", List.of()));
    }
    return changes ? submit(request, principal.get()) : status(receipt.group(1));
  }

  private Answer submit(Request request, String principal) {
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      return new Answer(415, error("UNSUPPORTED_MEDIA_TYPE", "send the changes as Content-Type: application/json",
          List.of()));
    }
    long declared = request.getLength();
    if (declared > settings.maxBodyBytes()) {
      return tooLarge();
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      body = in.readNBytes(settings.maxBodyBytes() + 1);
    } catch (IOException e) {
      return new Answer(400, error("BAD_REQUEST", "the body could not be read", List.of()));
    }
    if (body.length > settings.maxBodyBytes()) {
      return tooLarge();
    }
    return submit(body, principal).read();
  }

  private Answer submit(byte[] body, String principal) {
    ServeRequests.Parsed parsed;
    try {
      parsed = requests.parse(body);
    } catch (ServeRequests.Refused e) {
      String message = switch (e.code) {
        case "MALFORMED_JSON" -> "the body is not valid JSON";
        case "BATCH_TOO_LARGE" -> "too many changes in one request";
        default -> "the request does not have the shape of a change or a batch of changes; see /openapi.json";
      };
      return new Answer(400, error(e.code, message, e.problems));
    }
    List<Change> changes = scoped(parsed.changes(), principal);
    List<Receipt> receipts;
    try {
      receipts = changes.size() == 1 ? List.of(gateway.submit(changes.get(0))) : gateway.submitAll(changes);
    } catch (InvalidChangeException e) {
      List<ServeRequests.Problem> problems = new ArrayList<>();
      for (FieldError fe : e.fieldErrors()) {
        problems.add(new ServeRequests.Problem(fieldPath(fe.field(), parsed.batch()), fe.code(), fe.message()));
      }
      return new Answer(422, error("INVALID_CHANGE", "a target would refuse " + (parsed.batch() ? "these changes"
          : "this change") + "; nothing was queued", problems));
    } catch (CrmUnavailableException e) {
      log.warn("submit refused: the queue is unavailable: {}", e.getMessage());
      return new Answer(503, Map.of("Retry-After", "5"), error("UNAVAILABLE",
          "the queue is unavailable; nothing was queued; try again", List.of()));
    } catch (CrmSyncException e) {
      log.error("submit failed: {}", e.getMessage());
      return new Answer(500, error("INTERNAL", "the changes could not be queued; see the server's log", List.of()));
    }
    log.debug("{} queued {} change(s)", principal, receipts.size());
    if (!parsed.batch()) {
      Receipt r = receipts.get(0);
      return new Answer(202, Map.of("Location", "/v1/changes/" + r.id()), bytes(receipt(r)));
    }
    ObjectNode out = nodes.objectNode();
    ArrayNode list = out.putArray("receipts");
    receipts.forEach(r -> list.add(receipt(r)));
    return new Answer(202, bytes(out));
  }

  /**
   * The changes with their idempotency keys scoped to the principal, so that two callers who pick the same key
   * neither drop each other's changes nor see each other's receipts.
   */
  private static List<Change> scoped(List<Change> changes, String principal) {
    String scope = HexFormat.of().formatHex(sha256(principal), 0, 8);
    List<Change> out = new ArrayList<>(changes.size());
    for (Change c : changes) {
      String key = c.idempotencyKey();
      out.add(key == null ? c : withKey(c, "api/" + scope + "/" + key));
    }
    return out;
  }

  private static Change withKey(Change c, String key) {
    Change fresh = c.operation() == Change.Operation.UPSERT ? Change.upsert(c.objectType(), c.fields())
        : Change.delete(c.objectType(), c.fields());
    // at most 255 characters: a long caller key is hashed, which keeps it unique
    return fresh.idempotencyKey(key.length() <= 255 ? key
        : key.substring(0, key.indexOf('/', 4) + 1) + "sha256:" + HexFormat.of().formatHex(sha256(key)));
  }

  private static String fieldPath(@Nullable String field, boolean batch) {
    if (field == null || field.isEmpty()) {
      return batch ? "changes" : "record";
    }
    Matcher m = BATCH_FIELD.matcher(field);
    if (m.matches()) {
      return "changes[" + m.group(1) + "].record." + m.group(2);
    }
    return batch ? "changes[0].record." + field : "record." + field;
  }

  private Answer status(String receiptId) {
    Optional<ChangeStatus> status = gateway.status(receiptId);
    if (status.isEmpty()) {
      return new Answer(404, error("NOT_FOUND", "no change has this receipt", List.of()));
    }
    ChangeStatus s = status.get();
    ObjectNode out = nodes.objectNode();
    out.put("receipt", s.receiptId());
    out.put("delivered", s.isDelivered());
    out.put("final", s.isFinal());
    ObjectNode targets = out.putObject("targets");
    for (Map.Entry<String, DeliveryStatus> e : s.targets().entrySet()) {
      ObjectNode t = targets.putObject(e.getKey());
      t.put("state", e.getValue().state().name());
      if (e.getValue().targetId() != null) {
        t.put("targetId", e.getValue().targetId());
      }
      if (e.getValue().cause() != null) {
        t.put("cause", e.getValue().cause());
      }
    }
    return new Answer(200, bytes(out));
  }

  /**
   * Whether the queue answers (else 503), and per target: its changes waiting, whether it is paused and until
   * when, its adapter's last request, and the quota its CRM last stated. No record data.
   */
  private Answer health() {
    ObjectNode out = nodes.objectNode();
    try {
      ObjectNode targets = nodes.objectNode();
      for (String target : gateway.targets()) {
        // reaches the queue: a backend that cannot answer makes the server unhealthy
        io.crmsync.queue.QueueStats q = gateway.pending(target);
        ObjectNode t = targets.putObject(target);
        t.put("pending", q.ready() + q.delayed() + q.leased());
        t.put("dead", q.dead());
        if (q.oldestEnqueuedAt() != null) {
          t.put("oldestEnqueuedAt", q.oldestEnqueuedAt().toString());
        }
        gateway.pausedUntil(target).ifPresent(until -> t.put("pausedUntil", until.toString()));
        AtomicReference<ObjectNode> last = lastCalls.get(target);
        if (last != null && last.get() != null) {
          t.set("lastCall", last.get());
        }
        CRMAdapter adapter = quotaOf.get(target);
        if (adapter != null) {
          adapter.quotaStatus().ifPresent(quota -> {
            ObjectNode qn = t.putObject("quota");
            qn.put("name", quota.name());
            qn.put("remaining", quota.remaining());
            qn.put("limit", quota.limit());
            if (quota.resetsAt() != null) {
              qn.put("resetsAt", quota.resetsAt().toString());
            }
          });
        }
      }
      out.put("status", "ok");
      out.set("targets", targets);
      return new Answer(200, bytes(out));
    } catch (RuntimeException e) {
      log.warn("health check: the queue does not answer: {}", e.getMessage());
      out.put("status", "unavailable");
      return new Answer(503, bytes(out));
    }
  }

  private ObjectNode receipt(Receipt r) {
    ObjectNode n = nodes.objectNode();
    n.put("receipt", r.id());
    n.put("acceptedAt", r.acceptedAt().toString());
    n.put("duplicate", r.duplicate());
    n.put("status", "/v1/changes/" + r.id());
    return n;
  }

  private Answer tooLarge() {
    return new Answer(413, error("BODY_TOO_LARGE", "the body is larger than " + settings.maxBodyBytes()
        + " bytes; send fewer changes per request", List.of()));
  }

  private Answer notAllowed(String allowed) {
    return new Answer(405, Map.of("Allow", allowed), error("METHOD_NOT_ALLOWED", "use " + allowed, List.of()));
  }

  private byte[] error(String code, String message, List<ServeRequests.Problem> problems) {
    ObjectNode out = nodes.objectNode();
    ObjectNode e = out.putObject("error");
    e.put("code", code);
    e.put("message", message);
    if (!problems.isEmpty()) {
      ArrayNode list = e.putArray("problems");
      for (ServeRequests.Problem p : problems) {
        list.addObject().put("field", p.field()).put("code", p.code()).put("message", p.message());
      }
    }
    return bytes(out);
  }

  private byte[] bytes(ObjectNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Response response, Answer a, Callback callback) {
    response.setStatus(a.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    a.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    response.write(true, ByteBuffer.wrap(a.body()), callback);
  }

  private static String human(Duration d) {
    return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toMillis() / 1000.0 + " s";
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The targets' names and, for the description, nothing else of the settings. */
  @Override
  public String toString() {
    return "GatewayServer{" + settings.host() + ":" + settings.port() + ", targets=" + gateway.targets() + "}";
  }
}

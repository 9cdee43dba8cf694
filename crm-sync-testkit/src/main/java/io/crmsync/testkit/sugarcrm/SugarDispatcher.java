package io.crmsync.testkit.sugarcrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator.Fault;
import io.crmsync.testkit.sugarcrm.SugarStore.FieldDef;
import io.crmsync.testkit.sugarcrm.SugarStore.Module;
import io.crmsync.testkit.sugarcrm.SugarStore.Rec;
import io.crmsync.testkit.sugarcrm.SugarStore.SugarError;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/** Answers HTTP requests the way SugarCRM's REST API does, from the emulator's store. */
final class SugarDispatcher extends Dispatcher {
  private final SugarCrmEmulator emulator;
  private final SugarStore store;
  private final ObjectMapper json;

  SugarDispatcher(SugarCrmEmulator emulator, SugarStore store, ObjectMapper json) {
    this.emulator = emulator;
    this.store = store;
    this.json = json;
  }

  /** A response under construction: status, JSON body and headers. */
  record Answer(int status, JsonNode body, Map<String, String> headers) {
    static Answer of(int status, JsonNode body) {
      return new Answer(status, body, new LinkedHashMap<>());
    }
  }

  /** One request to route: from HTTP, or one of a {@code /bulk} call's sub-requests. */
  record Call(String method, String version, List<String> path, Map<String, String> query, @Nullable JsonNode body,
      String rawPath) {}

  /** "10" is 10.0, "11_10" is 11.10, compared part by part as PHP's version_compare does. */
  static int[] parseVersion(String v) {
    String s = v.startsWith("v") ? v.substring(1) : v;
    String[] parts = s.split("[_.]");
    if (parts.length == 0 || parts.length > 2) {
      throw new IllegalArgumentException("not a Sugar API version: " + v);
    }
    int[] out = new int[2];
    try {
      for (int i = 0; i < parts.length; i++) {
        out[i] = Integer.parseInt(parts[i]);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a Sugar API version: " + v, e);
    }
    return out;
  }

  private static int compareVersions(int[] a, int[] b) {
    return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    HttpUrl url = request.getUrl();
    String path = url.encodedPath();
    String method = request.getMethod() == null ? "GET" : request.getMethod();
    Instant now = emulator.time().now();
    List<String> seg = url.pathSegments();
    if (seg.size() < 3 || !seg.get(0).equals("rest")) {
      emulator.log(now, method, path, 404, null);
      return new MockResponse.Builder().code(404).setHeader("Content-Type", "text/html")
          .body("<html><body><h1>404 Not Found</h1></body></html>").build();
    }
    Map<String, String> query = new LinkedHashMap<>();
    for (String name : url.queryParameterNames()) {
      query.put(name, url.queryParameter(name));
    }
    String version = seg.get(1);
    List<String> rest = seg.subList(2, seg.size());
    Answer versionError = checkVersion(version);
    if (versionError != null) {
      return finish(now, method, path, versionError, null);
    }
    JsonNode body;
    try {
      body = parseBody(request);
    } catch (SugarError e) {
      return finish(now, method, path, error(e), null);
    }
    if (rest.size() == 2 && rest.get(0).equals("oauth2") && method.equals("POST")) {
      Answer a = emulator.synchronizedCall(() -> oauth(rest.get(1), body, request.getHeaders().get("OAuth-Token")));
      return finish(now, method, path, a, null);
    }
    String token = request.getHeaders().get("OAuth-Token");
    Object session = emulator.synchronizedCall(() -> emulator.session(token, now));
    if (session instanceof SugarError e) {
      return finish(now, method, path, error(e), null);
    }
    Fault fault = emulator.nextFault();
    Duration wait = fault == Fault.RATE_LIMITED ? Duration.ofSeconds(1) : emulator.synchronizedCall(() -> emulator.admit(now));
    if (wait != null) {
      ObjectNode b = json.createObjectNode();
      b.put("error", "too_many_requests");
      b.put("error_message", "Too many requests; retry later.");
      Answer a = Answer.of(429, b);
      if (emulator.config().retryAfterHeader) {
        a.headers().put("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
      }
      return finish(now, method, path, a, fault);
    }
    if (fault == Fault.SERVER_ERROR) {
      return finish(now, method, path, error(new SugarError(500, "fatal_error",
          "Something went wrong. Please contact your administrator.")), fault);
    }
    if (fault == Fault.SERVICE_UNAVAILABLE) {
      return finish(now, method, path, error(new SugarError(503, "service_unavailable",
          "The server is busy or overloaded. Please try again later.")), fault);
    }
    if (fault == Fault.HTML_ERROR_PAGE) {
      emulator.log(now, method, path, 502, fault);
      return new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
          .body("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
              + "<hr><center>nginx</center></body></html>")
          .build();
    }
    if (fault == Fault.SLOW_RESPONSE) {
      emulator.time().sleep(emulator.config().slowDelay);
    }
    Call call = new Call(method, version, rest, query, body, path);
    Answer a = emulator.synchronizedCall(() -> route(call, now));
    return finish(now, method, path, a, fault);
  }

  private @Nullable Answer checkVersion(String version) {
    int[] v;
    try {
      v = parseVersion(version);
    } catch (IllegalArgumentException e) {
      v = null;
    }
    int[] max = parseVersion(emulator.config().maxVersion);
    if (v == null || compareVersions(v, new int[] {10, 0}) < 0 || compareVersions(v, max) > 0) {
      // RestService::execute throws SugarApiExceptionIncorrectVersion (301)
      return error(new SugarError(301, "incorrect_version", "Please change your requested API version to value between 10 and "
          + emulator.config().maxVersion.replace('_', '.') + "."));
    }
    return null;
  }

  private @Nullable JsonNode parseBody(RecordedRequest request) {
    byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    if (bytes.length == 0) {
      return null;
    }
    String type = request.getHeaders().get("Content-Type");
    if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
      ObjectNode form = json.createObjectNode();
      for (String pair : new String(bytes, StandardCharsets.UTF_8).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      return form;
    }
    try {
      return json.readTree(bytes);
    } catch (IOException e) {
      // RestService::getRequestArgs: bad JSON is SugarApiExceptionInvalidParameter
      throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
    }
  }

  private MockResponse finish(Instant now, String method, String path, Answer a, @Nullable Fault fault) {
    emulator.log(now, method, path, a.status(), fault);
    if (fault == null && a.status() >= 300 && a.status() != 429) {
      emulator.refusedOne(a.status(), a.body().path("error").asText(""), method, path);
    }
    MockResponse.Builder b = new MockResponse.Builder().code(a.status());
    a.headers().forEach(b::setHeader);
    b.setHeader("Cache-Control", "no-store");
    String text;
    try {
      text = json.writeValueAsString(a.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (fault == Fault.TRUNCATED_BODY) {
      text = text.substring(0, Math.max(1, text.length() / 2));
    }
    b.setHeader("Content-Type", "application/json").body(text);
    if (fault == Fault.DROPPED_CONNECTION) {
      b.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
    }
    if (fault == Fault.STALLED) {
      b.headersDelay(emulator.config().stallDelay.toMillis(), TimeUnit.MILLISECONDS);
    }
    return b.build();
  }

  Answer error(SugarError e) {
    // RestService::handleException: {"error": <label>, "error_message": <message>}
    ObjectNode b = json.createObjectNode();
    b.put("error", e.label);
    if (e.getMessage() != null && !e.getMessage().isEmpty()) {
      b.put("error_message", e.getMessage());
    }
    return Answer.of(e.status, b);
  }

  private Answer oauth(String action, @Nullable JsonNode body, @Nullable String token) {
    try {
      if (action.equals("token")) {
        return Answer.of(200, emulator.token(body == null ? json.createObjectNode() : body));
      }
      if (action.equals("logout")) {
        if (token != null) {
          emulator.logout(token);
        }
        ObjectNode ok = json.createObjectNode();
        ok.put("success", true);
        return Answer.of(200, ok);
      }
      return error(new SugarError(404, "no_method", "Could not find any route that accepted a path like: oauth2/" + action));
    } catch (SugarError e) {
      return error(e);
    }
  }

  // --------------------------------------------------------------------------------------------- routes

  private Answer route(Call c, Instant now) {
    try {
      return routeOrThrow(c, now);
    } catch (SugarError e) {
      return error(e);
    }
  }

  private Answer routeOrThrow(Call c, Instant now) {
    List<String> p = c.path();
    String m = c.method();
    if (p.size() == 1 && p.get(0).equals("bulk") && m.equals("POST")) {
      return bulk(c, now);
    }
    if (p.size() == 1 && p.get(0).equals("metadata") && m.equals("GET")) {
      return metadata(c.query());
    }
    if (p.isEmpty()) {
      throw noMethod(c);
    }
    Module mod = store.module(p.get(0));
    if (mod == null) {
      throw noMethod(c);
    }
    if (p.size() == 1 && m.equals("POST")) {
      Rec r = store.create(mod, requireBody(c), now);
      return Answer.of(200, store.format(mod, r, null, emulator.config().zone));
    }
    if (p.size() == 2 && p.get(1).equals("filter") && m.equals("POST")) {
      return filter(mod, c.body() == null ? json.createObjectNode() : c.body());
    }
    if (p.size() == 3 && p.get(1).equals("enum") && m.equals("GET")) {
      FieldDef f = mod.fields.get(p.get(2));
      if (f == null || !(f.type().equals("enum") || f.type().equals("multienum"))) {
        throw new SugarError(404, "not_found", "field not found");
      }
      ObjectNode options = json.createObjectNode();
      f.options().forEach(o -> options.put(o, o));
      return Answer.of(200, options);
    }
    if (p.size() == 3 && p.get(1).equals("sync_key") && (m.equals("PATCH") || m.equals("PUT"))) {
      // https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_10.2/Integration/Web_Services/REST_API/Endpoints/modulesync_keysync_key_field_value_PATCH/
      if (compareVersions(parseVersion(c.version()), new int[] {11, 10}) < 0) {
        throw noMethod(c);
      }
      if (!emulator.isAdmin()) {
        // "This endpoint is restricted to Admin users only" (14.2 guide)
        throw new SugarError(403, "not_authorized", "This endpoint is restricted to Admin users only.");
      }
      JsonNode body = requireBody(c);
      String value = p.get(2);
      Rec r = store.bySyncKey(mod, value);
      ObjectNode out = json.createObjectNode();
      if (r == null) {
        ObjectNode withKey = body.deepCopy();
        withKey.put("sync_key", value);
        r = store.create(mod, withKey, now);
        out.put("record", r.id);
        return Answer.of(201, out);
      }
      ObjectNode withoutKey = body.deepCopy();
      withoutKey.remove("sync_key");
      store.apply(mod, r, withoutKey, now);
      out.put("record", r.id);
      return Answer.of(200, out);
    }
    if (p.size() == 2) {
      String id = p.get(1);
      Rec r = mod.live(id);
      switch (m) {
        case "GET" -> {
          return Answer.of(200, store.format(mod, requireFound(mod, id, r), fields(c.query().get("fields")),
              emulator.config().zone));
        }
        case "PUT" -> {
          Rec found = requireFound(mod, id, r);
          store.apply(mod, found, requireBody(c), now);
          return Answer.of(200, store.format(mod, found, null, emulator.config().zone));
        }
        case "DELETE" -> {
          Rec found = requireFound(mod, id, r);
          found.deleted = true;
          found.modified = now.truncatedTo(ChronoUnit.SECONDS);
          ObjectNode out = json.createObjectNode();
          out.put("id", id);
          return Answer.of(200, out);
        }
        default -> throw noMethod(c);
      }
    }
    throw noMethod(c);
  }

  private static SugarError noMethod(Call c) {
    return new SugarError(404, "no_method", "Could not find any route that accepted a path like: "
        + String.join("/", c.path()));
  }

  private static Rec requireFound(Module m, String id, @Nullable Rec r) {
    if (r == null) {
      throw new SugarError(404, "not_found", "Could not find record: " + id + " in module: " + m.name);
    }
    return r;
  }

  private JsonNode requireBody(Call c) {
    if (c.body() == null || !c.body().isObject()) {
      throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
    }
    return c.body();
  }

  private static @Nullable List<String> fields(@Nullable String fields) {
    if (fields == null || fields.isBlank()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String f : fields.split(",")) {
      if (!f.isBlank()) {
        out.add(f.strip());
      }
    }
    return out;
  }

  /**
   * {@code POST /<module>/filter}, after
   * https://support.sugarcrm.com/Documentation/Sugar_Developer/Sugar_Developer_Guide_13.0/Integration/Web_Services/REST_API/Endpoints/module_filter_POST/
   * : {@code max_num} defaults to 20 and the instance's {@code max_list_limit} caps it without an error; the
   * answer holds {@code max_num} records and {@code next_offset} (-1 when there are no more); {@code deleted}
   * includes deleted records, with their {@code deleted} flag.
   */
  private Answer filter(Module m, JsonNode body) {
    if (!body.isObject()) {
      throw new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid.");
    }
    JsonNode filter = body.path("filter");
    if (filter.isTextual() && filter.asText().isEmpty() || filter.isMissingNode() || filter.isNull()) {
      filter = json.createArrayNode();
    }
    int limit = body.hasNonNull("max_num") ? body.path("max_num").asInt(20) : 20;
    int cap = emulator.config().maxListLimit;
    if (cap > 0 && (limit < 1 || limit > cap)) {
      limit = cap;
    }
    JsonNode offsetNode = body.path("offset");
    int offset;
    if (offsetNode.isTextual() && offsetNode.asText().equals("end")) {
      offset = Integer.MAX_VALUE;
    } else {
      offset = Math.max(0, offsetNode.asInt(0));
    }
    boolean withDeleted = body.path("deleted").asBoolean(false);
    List<String> fields = body.path("fields").isTextual() ? fields(body.path("fields").asText()) : null;
    String orderBy = body.path("order_by").isTextual() ? body.path("order_by").asText() : null;
    var comparator = store.order(m, orderBy);
    List<Rec> hits = new ArrayList<>();
    for (Rec r : store.candidates(m, filter)) {
      if ((withDeleted || !r.deleted) && store.matches(m, r, filter)) {
        hits.add(r);
      }
    }
    hits.sort(comparator);
    ObjectNode out = json.createObjectNode();
    ArrayNode records = json.createArrayNode();
    int end = limit < 0 ? hits.size() : (int) Math.min(hits.size(), (long) offset + limit);
    for (int i = Math.min(offset, hits.size()); i < end; i++) {
      ObjectNode o = store.format(m, hits.get(i), fields, emulator.config().zone);
      if (withDeleted) {
        o.put("deleted", hits.get(i).deleted);
      }
      records.add(o);
    }
    out.put("next_offset", limit >= 0 && end < hits.size() ? offset + limit : -1);
    out.set("records", records);
    return Answer.of(200, out);
  }

  /** {@code GET /metadata?type_filter=modules&module_filter=<module>}: the modules' field definitions. */
  private Answer metadata(Map<String, String> query) {
    String typeFilter = query.getOrDefault("type_filter", "modules");
    ObjectNode out = json.createObjectNode();
    if (!Arrays.asList(typeFilter.split(",")).contains("modules")) {
      return Answer.of(200, out);
    }
    String moduleFilter = query.get("module_filter");
    List<String> wanted = moduleFilter == null ? store.moduleNames() : Arrays.asList(moduleFilter.split(","));
    ObjectNode modules = out.putObject("modules");
    for (String name : wanted) {
      Module m = store.module(name.strip());
      if (m == null) {
        continue;
      }
      ObjectNode fields = modules.putObject(m.name).putObject("fields");
      for (FieldDef f : m.fields.values()) {
        ObjectNode d = fields.putObject(f.name());
        d.put("name", f.name());
        d.put("vname", "LBL_" + f.name().toUpperCase(java.util.Locale.ROOT));
        d.put("type", f.type());
        if (f.len() > 0) {
          d.put("len", Integer.toString(f.len()));
        }
        if (f.required()) {
          d.put("required", true);
        }
        if (f.readonly()) {
          d.put("readonly", true);
        }
        if (!f.source().equals("db")) {
          d.put("source", f.source());
        }
        if (f.module() != null) {
          d.put("module", f.module());
          if (f.type().equals("relate")) {
            d.put("id_name", f.name().endsWith("_id") ? f.name() : f.name().replace("_name", "_id"));
          }
        }
        if (!f.options().isEmpty()) {
          d.put("options", f.name() + "_dom");
        }
      }
    }
    out.put("_hash", Integer.toHexString(out.hashCode()));
    return Answer.of(200, out);
  }

  /**
   * {@code POST /bulk}, after Sugar's in-product help for the endpoint (include/api/help/bulk_post_help.html,
   * shown at {@code /rest/v10/help}; summarised in "Enhancing performance using Sugar 7 Bulk API",
   * community.sugarcrm.com developer blog, 2015-07-20): {@code requests} is an array of {@code url} (starting
   * with the version), {@code method} (GET by default) and {@code data} (a JSON-encoded string); the answer is
   * one {@code {contents, headers, status}} per request, in order. A failing sub-request does not stop the others.
   */
  private Answer bulk(Call c, Instant now) {
    JsonNode requests = c.body() == null ? null : c.body().get("requests");
    if (requests == null || !requests.isArray()) {
      throw new SugarError(422, "missing_parameter", "A required parameter in your request was missing.");
    }
    ArrayNode out = json.createArrayNode();
    for (JsonNode r : requests) {
      Answer a = subRequest(r, now, c);
      ObjectNode o = out.addObject();
      o.set("contents", a.body());
      o.putArray("headers");
      o.put("status", a.status());
      if (a.status() >= 300) {
        emulator.refusedOne(a.status(), a.body().path("error").asText(""), r.path("method").asText("GET"),
            "/bulk " + r.path("url").asText(""));
      }
    }
    return Answer.of(200, out);
  }

  private Answer subRequest(JsonNode r, Instant now, Call outer) {
    String urlText = r.path("url").asText("");
    String method = r.path("method").asText("GET").toUpperCase(java.util.Locale.ROOT);
    if (!urlText.startsWith("/")) {
      return error(new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid."));
    }
    HttpUrl url = HttpUrl.get("http://bulk" + urlText);
    List<String> seg = url.pathSegments();
    if (seg.isEmpty()) {
      return error(new SugarError(404, "no_method", "Could not find any route that accepted a path like: "));
    }
    Answer versionError = checkVersion(seg.get(0));
    if (versionError != null) {
      return versionError;
    }
    JsonNode body = null;
    JsonNode data = r.get("data");
    if (data != null && !data.isNull()) {
      if (!data.isTextual()) {
        // "The data for the POST/PUT body. Must be a JSON-encoded string."
        return error(new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid."));
      }
      try {
        body = json.readTree(data.asText());
      } catch (IOException e) {
        return error(new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid."));
      }
    }
    Map<String, String> query = new LinkedHashMap<>();
    for (String name : url.queryParameterNames()) {
      query.put(name, url.queryParameter(name));
    }
    List<String> path = seg.subList(1, seg.size());
    if (path.size() == 1 && path.get(0).equals("bulk")) {
      return error(new SugarError(422, "invalid_parameter", "The required parameter in your request was invalid."));
    }
    return route(new Call(method, seg.get(0), path, query, body, outer.rawPath()), now);
  }
}

package io.crmsync.testkit.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.hubspot.EmulatorStore.Obj;
import io.crmsync.testkit.hubspot.EmulatorStore.Option;
import io.crmsync.testkit.hubspot.EmulatorStore.Owner;
import io.crmsync.testkit.hubspot.EmulatorStore.Problem;
import io.crmsync.testkit.hubspot.EmulatorStore.Property;
import io.crmsync.testkit.hubspot.EmulatorStore.Type;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Caller;
import io.crmsync.testkit.hubspot.HubSpotEmulator.Fault;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/** Answers HTTP requests the way HubSpot's API does, from the emulator's store. */
final class EmulatorDispatcher extends Dispatcher {
  /** Objects per batch call: "Object API batch endpoints are limited to 100 inputs per request." */
  static final int MAX_BATCH_INPUTS = 100;
  /** Search: https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm, "Limits". */
  static final int MAX_SEARCH_PAGE = 200;
  static final int MAX_SEARCH_BODY_CHARS = 3_000;
  static final int MAX_FILTER_GROUPS = 5;
  static final int MAX_FILTERS_PER_GROUP = 6;
  static final int MAX_FILTERS = 18;

  private final HubSpotEmulator emulator;
  private final ObjectMapper json;

  EmulatorDispatcher(HubSpotEmulator emulator, ObjectMapper json) {
    this.emulator = emulator;
    this.json = json;
  }

  /** A response under construction: status, JSON body (none for 204) and headers. */
  record Answer(int status, @Nullable JsonNode body, Map<String, String> headers) {
    static Answer of(int status, @Nullable JsonNode body) {
      return new Answer(status, body, new LinkedHashMap<>());
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    HttpUrl url = request.getUrl();
    String path = url.encodedPath();
    String method = request.getMethod();
    Instant now = emulator.time().now();
    if ((path.equals("/oauth/v1/token") || path.equals("/oauth/v3/token")) && "POST".equals(method)) {
      return tokenEndpoint(request, method, path, now);
    }
    if (request.getTarget().length() > emulator.maxUrlLength()) {
      // https://developers.hubspot.com/docs/api-reference/error-handling: 414 "The request URI is too long"
      emulator.refused("URI_TOO_LONG");
      emulator.log(now, method, path, 414, null);
      return new MockResponse.Builder().code(414).setHeader("Content-Type", "text/html")
          .body("<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>414 Request-URI Too "
              + "Large</h1></center></body></html>")
          .build();
    }
    if (!path.startsWith("/crm/v3/")) {
      emulator.log(now, method, path, 404, null);
      return respond(error(404, "NOT_FOUND", "Unknown path " + path), null);
    }
    Caller caller;
    try {
      caller = emulator.synchronizedCall(() -> authenticate(request.getHeaders().get("Authorization"), now));
    } catch (BadRequest e) {
      countRefusal(e.answer);
      emulator.log(now, method, path, e.answer.status(), null);
      return respond(e.answer, null);
    }
    boolean search = path.endsWith("/search") && method.equals("POST");
    Fault fault = emulator.nextFault();
    EmulatorLimits.Decision decision = emulator.synchronizedCall(
        () -> emulator.limits().admit(caller.app(), caller.oauth(), search, now, fault == Fault.RATE_LIMITED));
    if (decision.refusal() != null) {
      emulator.rateLimited(Objects.requireNonNull(decision.policy()));
      emulator.log(now, method, path, 429, fault == Fault.RATE_LIMITED ? fault : null);
      return respond(withCorrelationId(decision.refusal()), null);
    }
    if (fault == Fault.SERVER_ERROR) {
      emulator.log(now, method, path, 500, fault);
      return respond(headers(error(500, "INTERNAL_ERROR", "internal error"), caller, search, now), null);
    }
    if (fault == Fault.HTML_ERROR_PAGE) {
      emulator.log(now, method, path, 502, fault);
      return htmlErrorPage();
    }
    if (fault == Fault.SLOW_RESPONSE) {
      emulator.time().sleep(emulator.slowDelay());
    }
    Answer answer;
    try {
      answer = emulator.synchronizedCall(() -> route(method, url, request));
    } catch (BadRequest e) {
      answer = e.answer;
    }
    countRefusal(answer);
    answer = headers(answer, caller, search, now);
    emulator.log(now, method, path, answer.status(), fault == Fault.RATE_LIMITED ? null : fault);
    return respond(answer, fault);
  }

  private MockResponse tokenEndpoint(RecordedRequest request, String method, String path, Instant now) {
    Fault fault = emulator.nextTokenFault();
    if (fault == Fault.SERVER_ERROR) {
      emulator.log(now, method, path, 500, fault);
      return respond(error(500, "INTERNAL_ERROR", "internal error"), null);
    }
    if (fault == Fault.HTML_ERROR_PAGE) {
      emulator.log(now, method, path, 502, fault);
      return htmlErrorPage();
    }
    Answer a = emulator.synchronizedCall(() -> token(request));
    emulator.log(now, method, path, a.status(), fault);
    return respond(withCorrelationId(a), fault);
  }

  private static MockResponse htmlErrorPage() {
    return new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
        .body("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
            + "</center><hr><center>cloudflare</center></body></html>")
        .build();
  }

  /**
   * Rate-limit headers as HubSpot sends them: on every API response except those of the search endpoints
   * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
   */
  private Answer headers(Answer a, Caller caller, boolean search, Instant now) {
    if (!search) {
      a.headers().putAll(emulator.synchronizedCall(() -> emulator.limits().headers(caller.app(), caller.oauth(), now)));
    }
    return withCorrelationId(a);
  }

  private static Answer withCorrelationId(Answer a) {
    a.headers().put("X-HubSpot-Correlation-Id", UUID.randomUUID().toString());
    return a;
  }

  /**
   * Counts a request refused whole under each reason it gave: the error codes its {@code errors} name, else its
   * category. A lookup of a record that does not exist is an answer, not a refusal.
   */
  private void countRefusal(Answer a) {
    if (a.status() < 400 || a.status() >= 500 || a.status() == 429 || a.body() == null) {
      return;
    }
    String category = a.body().path("category").asText("");
    if (category.equals("OBJECT_NOT_FOUND")) {
      return;
    }
    Set<String> reasons = new LinkedHashSet<>();
    for (JsonNode e : a.body().path("errors")) {
      String code = e.path("code").asText("");
      if (!code.isEmpty()) {
        reasons.add(code);
      }
    }
    if (reasons.isEmpty()) {
      reasons.add(category.isEmpty() ? "HTTP_" + a.status() : category);
    }
    reasons.forEach(emulator::refused);
  }

  private MockResponse respond(Answer a, @Nullable Fault fault) {
    MockResponse.Builder b = new MockResponse.Builder().code(a.status());
    a.headers().forEach(b::setHeader);
    if (a.body() != null) {
      byte[] bytes;
      try {
        bytes = json.writeValueAsBytes(a.body());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (fault == Fault.GARBLED_JSON) {
        text = text.substring(0, Math.max(1, text.length() / 2)) + "\u0000}{";
      }
      b.setHeader("Content-Type", "application/json;charset=utf-8").body(text);
    }
    if (fault == Fault.DROPPED_CONNECTION) {
      b.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
    }
    if (fault == Fault.TRUNCATED_BODY) {
      // the whole length is declared, half the body is sent, then the connection closes
      b.onResponseBody(SocketEffect.ShutdownConnection.INSTANCE);
    }
    if (fault == Fault.STALLED) {
      b.headersDelay(emulator.stallDelay().toMillis(), TimeUnit.MILLISECONDS);
    }
    return b.build();
  }

  // ----------------------------------------------------------------------------------------------- auth

  private Caller authenticate(@Nullable String header, Instant now) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new BadRequest(error(401, "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"));
    }
    return emulator.checkToken(header.substring(7).strip(), now);
  }

  private Answer token(RecordedRequest request) {
    Map<String, String> form = new LinkedHashMap<>();
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return emulator.issueToken(form);
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  // --------------------------------------------------------------------------------------------- routes

  /** A request HubSpot would refuse with a 4xx. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Answer answer;

    BadRequest(Answer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }

  private Answer route(String method, HttpUrl url, RecordedRequest request) {
    List<String> seg = url.pathSegments(); // crm, v3, objects|properties|owners, type|id, ...
    if (seg.size() >= 3 && seg.get(2).equals("owners") && method.equals("GET")) {
      return seg.size() == 3 || seg.get(3).isEmpty() ? owners(url) : owner(seg.get(3), url);
    }
    if (seg.size() >= 4 && seg.get(2).equals("properties") && method.equals("GET")) {
      return properties(type(seg.get(3)));
    }
    if (seg.size() < 4 || !seg.get(2).equals("objects")) {
      return error(404, "NOT_FOUND", "Unknown path " + url.encodedPath());
    }
    Type type = type(seg.get(3));
    if (seg.size() == 4 && method.equals("GET")) {
      return list(type, url);
    }
    if (seg.size() == 5 && seg.get(4).equals("search") && method.equals("POST")) {
      return search(type, request);
    }
    if (seg.size() == 5 && method.equals("GET")) {
      return get(type, seg.get(4), url);
    }
    if (seg.size() == 6 && seg.get(4).equals("batch") && method.equals("POST")) {
      return switch (seg.get(5)) {
        case "upsert" -> upsert(type, body(request));
        case "archive" -> archive(type, body(request));
        case "read" -> batchRead(type, body(request));
        default -> error(404, "NOT_FOUND", "Unknown batch operation " + seg.get(5));
      };
    }
    return error(405, "METHOD_NOT_ALLOWED", method + " is not supported on " + url.encodedPath());
  }

  private Type type(String name) {
    Type t = emulator.store().type(name);
    if (t == null) {
      throw new BadRequest(error(400, "VALIDATION_ERROR", "Unable to infer object type from: " + name));
    }
    return t;
  }

  private JsonNode body(RecordedRequest request) {
    try {
      JsonNode n = json.readTree(request.getBody() == null ? new byte[0] : request.getBody().toByteArray());
      if (n == null || !n.isObject()) {
        throw new BadRequest(error(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object"));
      }
      return n;
    } catch (IOException e) {
      throw new BadRequest(error(400, "VALIDATION_ERROR", "Invalid input JSON: " + e.getMessage()));
    }
  }

  /** "Object API batch endpoints are limited to 100 inputs per request" (using-object-apis, Limits). */
  private JsonNode inputs(JsonNode body, boolean mayBeEmpty) {
    JsonNode inputs = body.path("inputs");
    if (!inputs.isArray() || (!mayBeEmpty && inputs.isEmpty())) {
      throw new BadRequest(error(400, "VALIDATION_ERROR", "inputs must be a non-empty array"));
    }
    if (inputs.size() > MAX_BATCH_INPUTS) {
      throw new BadRequest(error(400, "VALIDATION_ERROR", "Batch input size " + inputs.size()
          + " exceeds the limit of " + MAX_BATCH_INPUTS + " inputs per request"));
    }
    return inputs;
  }

  // --------------------------------------------------------------------------------------------- owners

  /**
   * {@code GET /crm/v3/owners}: the account's owners, active ones unless {@code archived=true}
   * (https://developers.hubspot.com/docs/api-reference/legacy/crm/owners/guide).
   */
  private Answer owners(HttpUrl url) {
    int limit = intParam(url, "limit", 100);
    if (limit < 1 || limit > 500) {
      return error(400, "VALIDATION_ERROR", "limit must be between 1 and 500 but was " + limit);
    }
    boolean archived = "true".equalsIgnoreCase(url.queryParameter("archived"));
    String email = url.queryParameter("email");
    int after = intParam(url, "after", 0);
    List<Owner> matching = new ArrayList<>();
    for (Owner o : emulator.store().owners()) {
      if (o.archived() == archived && (email == null || o.email().equalsIgnoreCase(email))) {
        matching.add(o);
      }
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode results = out.putArray("results");
    int from = Math.max(0, Math.min(after, matching.size()));
    int to = Math.min(matching.size(), from + limit);
    for (Owner o : matching.subList(from, to)) {
      results.add(owner(o));
    }
    if (to < matching.size()) {
      out.putObject("paging").putObject("next").put("after", Integer.toString(to));
    }
    return Answer.of(200, out);
  }

  private Answer owner(String id, HttpUrl url) {
    Owner o = emulator.store().owner(id);
    boolean archived = "true".equalsIgnoreCase(url.queryParameter("archived"));
    if (o == null || o.archived() != archived) {
      ObjectNode e = errorBody("OBJECT_NOT_FOUND", "Owner " + id + " not found");
      return Answer.of(404, e);
    }
    return Answer.of(200, owner(o));
  }

  private ObjectNode owner(Owner o) {
    ObjectNode n = json.createObjectNode();
    n.put("id", o.id());
    n.put("email", o.email());
    n.put("type", "PERSON");
    n.put("firstName", o.firstName());
    n.put("lastName", o.lastName());
    if (o.archived()) {
      n.putNull("userId");
    } else {
      n.put("userId", o.userId());
    }
    n.put("userIdIncludingInactive", o.userId());
    n.put("createdAt", o.createdAt().toString());
    n.put("updatedAt", o.createdAt().toString());
    n.put("archived", o.archived());
    return n;
  }

  // ----------------------------------------------------------------------------------------- properties

  /**
   * {@code GET /crm/v3/properties/{type}} with the fields of
   * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property's response.
   */
  private Answer properties(Type t) {
    ObjectNode out = json.createObjectNode();
    ArrayNode results = out.putArray("results");
    int order = 0;
    for (Property p : t.properties.values()) {
      ObjectNode o = results.addObject();
      o.put("name", p.name()).put("label", p.label()).put("type", p.type()).put("fieldType", p.fieldType())
          .put("description", "")
          .put("groupName", p.hubspotDefined() ? t.name.replaceAll("s$", "") + "information" : "custom")
          .put("displayOrder", order++)
          .put("calculated", p.calculated()).put("externalOptions", p.externalOptions())
          .put("hasUniqueValue", p.unique()).put("hidden", false).put("hubspotDefined", p.hubspotDefined())
          .put("formField", !p.readOnly() && !p.calculated())
          .put("dataSensitivity", "non_sensitive")
          .put("archived", false);
      ArrayNode options = o.putArray("options");
      int position = 0;
      for (Option opt : p.options()) {
        options.addObject().put("label", opt.label()).put("value", opt.value()).put("displayOrder", position++)
            .put("hidden", false);
      }
      if (p.referencedObjectType() != null) {
        o.put("referencedObjectType", p.referencedObjectType());
      }
      o.putObject("modificationMetadata").put("archivable", !p.hubspotDefined())
          .put("readOnlyDefinition", p.hubspotDefined()).put("readOnlyValue", p.readOnly() || p.calculated())
          .put("readOnlyOptions", p.externalOptions());
    }
    return Answer.of(200, out);
  }

  // --------------------------------------------------------------------------------------------- reads

  private Answer list(Type t, HttpUrl url) {
    int limit = intParam(url, "limit", 10);
    if (limit < 1 || limit > 100) {
      return error(400, "VALIDATION_ERROR", "limit must be between 1 and 100 but was " + limit);
    }
    boolean archived = "true".equalsIgnoreCase(url.queryParameter("archived"));
    long after = longParam(url, "after", 0);
    List<String> props = requestedProperties(t, url);
    ObjectNode out = json.createObjectNode();
    ArrayNode results = out.putArray("results");
    long last = -1;
    int n = 0;
    boolean more = false;
    for (Obj o : t.objects.tailMap(after, false).values()) {
      if (o.archived != archived) {
        continue;
      }
      if (n == limit) {
        more = true;
        break;
      }
      results.add(object(t, o, props));
      last = o.id;
      n++;
    }
    if (more) {
      ObjectNode next = out.putObject("paging").putObject("next");
      next.put("after", Long.toString(last));
      next.put("link", url.newBuilder().setQueryParameter("after", Long.toString(last)).build().toString());
    }
    return Answer.of(200, out);
  }

  private Answer get(Type t, String idOrValue, HttpUrl url) {
    String idProperty = url.queryParameter("idProperty");
    boolean archived = "true".equalsIgnoreCase(url.queryParameter("archived"));
    Obj o;
    if (idProperty == null || idProperty.equals("hs_object_id")) {
      Long id = parseLong(idOrValue);
      o = id == null ? null : t.objects.get(id);
      if (o != null && o.archived != archived) {
        o = null;
      }
    } else {
      if (!t.isUnique(idProperty)) {
        return error(400, "VALIDATION_ERROR", "Unable to perform get by non-unique " + t.typeId + " property " + idProperty);
      }
      o = archived ? null : t.byUnique(idProperty, idOrValue);
    }
    if (o == null) {
      ObjectNode e = errorBody("OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.");
      e.putObject("context").putArray("id").add(idOrValue);
      return Answer.of(404, e);
    }
    return Answer.of(200, object(t, o, requestedProperties(t, url)));
  }

  private List<String> requestedProperties(Type t, HttpUrl url) {
    List<String> props = new ArrayList<>();
    for (String p : url.queryParameterValues("properties")) {
      if (p != null) {
        for (String s : p.split(",")) {
          if (!s.isBlank()) {
            props.add(s.strip());
          }
        }
      }
    }
    return props.isEmpty() ? defaultProperties(t) : props;
  }

  private static List<String> defaultProperties(Type t) {
    return switch (t.name) {
      case "contacts" -> List.of("email", "firstname", "lastname", "createdate", "lastmodifieddate");
      case "companies" -> List.of("name", "domain", "createdate", "hs_lastmodifieddate");
      case "deals" -> List.of("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate", "hs_lastmodifieddate");
      default -> List.of("hs_createdate", "hs_lastmodifieddate");
    };
  }

  private ObjectNode object(Type t, Obj o, @Nullable List<String> props) {
    ObjectNode n = json.createObjectNode();
    n.put("id", Long.toString(o.id));
    ObjectNode p = n.putObject("properties");
    t.view(o, props).forEach(p::put);
    n.put("createdAt", o.createdAt.toString());
    n.put("updatedAt", o.updatedAt.toString());
    n.put("archived", o.archived);
    if (o.archivedAt != null) {
      n.put("archivedAt", o.archivedAt.toString());
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------- search

  private Answer search(Type t, RecordedRequest request) {
    long size = request.getBodySize();
    if (size > MAX_SEARCH_BODY_CHARS) {
      // "If the body of your request exceeds 3,000 characters, a 400 error will be returned."
      return error(400, "VALIDATION_ERROR", "The search request body has " + size + " characters, more than the "
          + "maximum of " + MAX_SEARCH_BODY_CHARS);
    }
    JsonNode body = body(request);
    int limit = body.path("limit").asInt(10);
    if (limit < 1 || limit > MAX_SEARCH_PAGE) {
      return error(400, "VALIDATION_ERROR", "limit must be between 1 and " + MAX_SEARCH_PAGE + " but was " + limit);
    }
    long after = body.hasNonNull("after") ? parseLongOr(body.get("after").asText(), -1) : 0;
    if (after < 0) {
      return error(400, "VALIDATION_ERROR", "after must be a non-negative number");
    }
    int cap = emulator.searchResultCap();
    if (after + limit > cap) {
      // "Attempting to page beyond 10,000 will result in a 400 error."
      return error(400, "VALIDATION_ERROR",
          "Search results are limited to " + cap + " records; after=" + after + " with limit=" + limit
              + " reaches past it. Narrow the search with filters.");
    }
    JsonNode groups = body.path("filterGroups");
    if (groups.size() > MAX_FILTER_GROUPS) {
      return error(400, "VALIDATION_ERROR", "Too many filter groups: at most " + MAX_FILTER_GROUPS + " are allowed");
    }
    int filterCount = 0;
    for (JsonNode g : groups) {
      if (g.path("filters").size() > MAX_FILTERS_PER_GROUP) {
        return error(400, "VALIDATION_ERROR", "Too many filters in a group: at most " + MAX_FILTERS_PER_GROUP
            + " are allowed");
      }
      filterCount += g.path("filters").size();
    }
    if (filterCount > MAX_FILTERS) {
      return error(400, "VALIDATION_ERROR", "Too many filters: at most " + MAX_FILTERS + " are allowed in all groups");
    }
    List<List<Filter>> compiled = compile(t, groups);
    Instant visibleBefore = emulator.time().now().minus(emulator.searchIndexLag());
    List<Obj> matches = new ArrayList<>();
    for (Obj o : t.objects.values()) {
      if (o.archived || (!emulator.searchIndexLag().isZero() && o.updatedAt.isAfter(visibleBefore))) {
        continue;
      }
      if (compiled.isEmpty() || anyGroupMatches(t, compiled, o)) {
        matches.add(o);
      }
    }
    String query = body.path("query").asText("");
    if (!query.isBlank()) {
      String q = query.toLowerCase(Locale.ROOT);
      matches.removeIf(o -> o.props.values().stream().noneMatch(v -> v.toLowerCase(Locale.ROOT).contains(q)));
    }
    JsonNode sort = body.path("sorts").path(0);
    if (!sort.isMissingNode()) {
      String prop = sort.isTextual() ? sort.asText() : sort.path("propertyName").asText("hs_object_id");
      boolean desc = sort.path("direction").asText("ASCENDING").equalsIgnoreCase("DESCENDING");
      Property p = t.properties.get(prop);
      Map<Long, @Nullable Object> keys = new HashMap<>();
      for (Obj o : matches) {
        keys.put(o.id, sortKey(t, o, prop, p));
      }
      Comparator<Obj> byProp = Comparator.comparing(o -> keys.get(o.id), EmulatorDispatcher::compareKeys);
      matches.sort((desc ? byProp.reversed() : byProp).thenComparingLong(o -> o.id));
    }
    List<String> props = new ArrayList<>();
    body.path("properties").forEach(p -> props.add(p.asText()));
    ObjectNode out = json.createObjectNode();
    out.put("total", matches.size());
    ArrayNode results = out.putArray("results");
    int from = (int) Math.min(after, matches.size());
    int to = Math.min(matches.size(), from + limit);
    for (Obj o : matches.subList(from, to)) {
      results.add(object(t, o, props.isEmpty() ? defaultProperties(t) : props));
    }
    if (to < matches.size() && to < cap) {
      out.putObject("paging").putObject("next").put("after", Integer.toString(to));
    }
    return Answer.of(200, out);
  }

  private static @Nullable Object sortKey(Type t, Obj o, String prop, @Nullable Property p) {
    if (p != null && p.isDate()) {
      return t.millis(o, prop);
    }
    String v = t.value(o, prop);
    if (v == null) {
      return null;
    }
    if (p != null && p.isDate()) {
      return millis(v);
    }
    if (p != null && p.isNumber()) {
      try {
        return new BigDecimal(v);
      } catch (NumberFormatException e) {
        return v;
      }
    }
    return v.toLowerCase(Locale.ROOT);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareKeys(@Nullable Object a, @Nullable Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : 1) : -1; // absent values last
    }
    if (a.getClass() != b.getClass()) {
      return a.toString().compareTo(b.toString());
    }
    return ((Comparable) a).compareTo(b);
  }

  /** One filter of a search, parsed once per request. */
  private record Filter(String prop, String op, @Nullable Property p, String value, String high, Set<String> values,
      @Nullable Long valueMillis, @Nullable Long highMillis, @Nullable BigDecimal valueNumber,
      @Nullable BigDecimal highNumber) {}

  private List<List<Filter>> compile(Type t, JsonNode groups) {
    List<List<Filter>> out = new ArrayList<>();
    for (JsonNode g : groups) {
      List<Filter> filters = new ArrayList<>();
      for (JsonNode f : g.path("filters")) {
        String prop = f.path("propertyName").asText();
        String op = f.path("operator").asText("EQ").toUpperCase(Locale.ROOT);
        Property p = t.properties.get(prop);
        if (p == null && !prop.equals("lastmodifieddate")) {
          throw new BadRequest(error(400, "VALIDATION_ERROR", "There was a problem with the request: property " + prop
              + " does not exist"));
        }
        if (!Set.of("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
            "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN").contains(op)) {
          throw new BadRequest(error(400, "VALIDATION_ERROR", "Unknown operator " + op));
        }
        String value = f.path("value").asText("");
        String high = f.path("highValue").asText("");
        Set<String> values = new HashSet<>();
        f.path("values").forEach(v -> values.add(v.asText().toLowerCase(Locale.ROOT)));
        boolean compares = !Set.of("IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN",
            "NOT_CONTAINS_TOKEN").contains(op);
        Long valueMillis = null;
        Long highMillis = null;
        BigDecimal valueNumber = null;
        BigDecimal highNumber = null;
        if (compares && p != null && p.isDate()) {
          valueMillis = millis(value);
          highMillis = op.equals("BETWEEN") ? millis(high) : null;
          if (valueMillis == null || (op.equals("BETWEEN") && highMillis == null)) {
            throw new BadRequest(error(400, "VALIDATION_ERROR", value + " is not a valid date for " + prop));
          }
        } else if (compares && p != null && p.isNumber()) {
          try {
            valueNumber = new BigDecimal(value);
            highNumber = op.equals("BETWEEN") ? new BigDecimal(high) : null;
          } catch (NumberFormatException e) {
            throw new BadRequest(error(400, "VALIDATION_ERROR", value + " is not a valid number for " + prop));
          }
        }
        filters.add(new Filter(prop, op, p, value.toLowerCase(Locale.ROOT), high.toLowerCase(Locale.ROOT), values,
            valueMillis, highMillis, valueNumber, highNumber));
      }
      out.add(filters);
    }
    return out;
  }

  private static boolean anyGroupMatches(Type t, List<List<Filter>> groups, Obj o) {
    for (List<Filter> g : groups) {
      boolean all = true;
      for (Filter f : g) {
        if (!matches(t, f, o)) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Type t, Filter f, Obj o) {
    String op = f.op();
    if (f.valueMillis() != null) {
      Long a = t.millis(o, f.prop());
      if (a == null) {
        return op.equals("NEQ");
      }
      if (op.equals("BETWEEN")) {
        return a >= f.valueMillis() && a <= Objects.requireNonNull(f.highMillis());
      }
      return compare(op, Long.compare(a, f.valueMillis()));
    }
    String actual = t.value(o, f.prop());
    switch (op) {
      case "HAS_PROPERTY":
        return actual != null && !actual.isEmpty();
      case "NOT_HAS_PROPERTY":
        return actual == null || actual.isEmpty();
      case "IN":
      case "NOT_IN":
        return op.equals("IN") == (actual != null && f.values().contains(actual.toLowerCase(Locale.ROOT)));
      case "CONTAINS_TOKEN":
      case "NOT_CONTAINS_TOKEN":
        return op.equals("CONTAINS_TOKEN")
            == (actual != null && actual.toLowerCase(Locale.ROOT).contains(f.value().replace("*", "")));
      default:
        break;
    }
    if (actual == null) {
      return op.equals("NEQ");
    }
    if (f.valueNumber() != null) {
      BigDecimal a;
      try {
        a = new BigDecimal(actual);
      } catch (NumberFormatException e) {
        return false;
      }
      if (op.equals("BETWEEN")) {
        return a.compareTo(f.valueNumber()) >= 0 && a.compareTo(Objects.requireNonNull(f.highNumber())) <= 0;
      }
      return compare(op, a.compareTo(f.valueNumber()));
    }
    String a = actual.toLowerCase(Locale.ROOT);
    if (op.equals("BETWEEN")) {
      return a.compareTo(f.value()) >= 0 && a.compareTo(f.high()) <= 0;
    }
    return compare(op, a.compareTo(f.value()));
  }

  private static boolean compare(String op, int cmp) {
    return switch (op) {
      case "EQ" -> cmp == 0;
      case "NEQ" -> cmp != 0;
      case "LT" -> cmp < 0;
      case "LTE" -> cmp <= 0;
      case "GT" -> cmp > 0;
      default -> cmp >= 0; // GTE
    };
  }

  /** Epoch milliseconds of HubSpot date text (millis or ISO-8601), or null. */
  static @Nullable Long millis(String v) {
    String s = v.strip();
    if (s.isEmpty()) {
      return null;
    }
    try {
      if (s.chars().allMatch(Character::isDigit)) {
        return Long.parseLong(s);
      }
      if (s.length() == 10) {
        return java.time.LocalDate.parse(s).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeException | NumberFormatException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------- writes

  /** One validated input of a batch. */
  private record Input(int position, @Nullable String id, @Nullable String traceId, Map<String, String> props,
      List<Problem> problems) {}

  /**
   * {@code POST .../batch/upsert}. Inputs that all carry an {@code objectWriteTraceId} get a 207 with one
   * error per bad input; otherwise one bad value refuses the whole batch with a 400
   * (https://developers.hubspot.com/docs/api-reference/error-handling, "Multi-status errors"; both bodies as shown
   * at https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis, "Error handling").
   */
  private Answer upsert(Type t, JsonNode body) {
    JsonNode inputs = inputs(body, false);
    List<Input> parsed = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    List<String> duplicates = new ArrayList<>();
    boolean allTraced = true;
    String idProperty = null;
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode in = inputs.get(i);
      String prop = in.path("idProperty").asText("");
      if (prop.isEmpty()) {
        return error(400, "VALIDATION_ERROR", "idProperty is required for upsert");
      }
      if (idProperty != null && !idProperty.equals(prop)) {
        return error(400, "VALIDATION_ERROR", "All inputs of a batch must use the same idProperty");
      }
      idProperty = prop;
      if (!t.isUnique(prop) || prop.equals("hs_object_id")) {
        return error(400, "VALIDATION_ERROR", "Unable to perform update/upsert by non-unique " + t.typeId + " property " + prop);
      }
      String id = in.hasNonNull("id") ? in.get("id").asText().strip() : null;
      String traceId = in.hasNonNull("objectWriteTraceId") ? in.get("objectWriteTraceId").asText() : null;
      allTraced &= traceId != null;
      Map<String, String> props = new LinkedHashMap<>();
      List<Problem> problems = new ArrayList<>();
      in.path("properties").properties().forEach(e -> {
        String v = e.getValue().isNull() ? "" : e.getValue().asText();
        props.put(e.getKey(), v);
        Problem bad = emulator.store().invalid(t, e.getKey(), v);
        if (bad != null) {
          problems.add(bad);
        }
      });
      if (id == null || id.isEmpty()) {
        problems.add(new Problem("MISSING_ID", "id is required for upsert by " + prop, prop));
      } else {
        Problem bad = emulator.store().invalid(t, prop, id);
        if (bad != null && !bad.code().equals("READ_ONLY_VALUE") && !problems.contains(bad)) {
          problems.add(bad); // once, when the properties repeat the id
        }
        if (!keys.add(t.normalize(prop, id))) {
          duplicates.add(id);
        }
      }
      parsed.add(new Input(i, id, traceId, props, problems));
    }
    String key = Objects.requireNonNull(idProperty);
    if (!duplicates.isEmpty()) {
      return error(400, "VALIDATION_ERROR", "Duplicate IDs found in batch input: " + duplicates + ". IDs must be unique");
    }
    boolean multiStatus = emulator.multiStatus() && allTraced;
    if (!multiStatus) {
      List<Problem> all = new ArrayList<>();
      parsed.forEach(in -> all.addAll(in.problems()));
      if (!all.isEmpty()) {
        return Answer.of(400, notValid(all, true));
      }
    }
    Instant now = emulator.time().now();
    String startedAt = now.toString();
    List<ObjectNode> results = new ArrayList<>();
    ArrayNode errors = json.createArrayNode();
    for (Input in : parsed) {
      if (!in.problems().isEmpty()) {
        ObjectNode e = notValid(in.problems(), false);
        e.putObject("context").putArray("objectWriteTraceId").add(in.traceId());
        errors.add(e);
        new LinkedHashSet<>(in.problems().stream().map(Problem::code).toList()).forEach(emulator::refused);
        continue;
      }
      String id = Objects.requireNonNull(in.id());
      Obj existing = t.byUnique(key, id);
      Map<String, String> props = new LinkedHashMap<>(in.props());
      props.put(key, id);
      Obj o;
      if (existing == null) {
        o = emulator.store().create(t, props, now);
      } else {
        emulator.store().update(t, existing, props, now);
        o = existing;
      }
      ObjectNode r = object(t, o, new ArrayList<>(in.props().keySet()));
      r.put("new", existing == null);
      if (in.traceId() != null) {
        r.put("objectWriteTraceId", in.traceId());
      }
      results.add(r);
    }
    emulator.shuffle(results);
    ObjectNode out = json.createObjectNode();
    out.put("status", "COMPLETE");
    ArrayNode array = out.putArray("results");
    results.forEach(array::add);
    if (!errors.isEmpty()) {
      out.put("numErrors", errors.size());
      out.set("errors", errors);
    }
    out.put("startedAt", startedAt);
    out.put("completedAt", emulator.time().now().toString());
    return Answer.of(errors.isEmpty() ? 200 : 207, out);
  }

  /**
   * HubSpot's "Property values were not valid" error: the message embeds the list of invalid values; a request
   * refused whole also lists them in {@code errors} with {@code context.propertyName}.
   */
  private ObjectNode notValid(List<Problem> problems, boolean wholeRequest) {
    ArrayNode list = json.createArrayNode();
    for (Problem p : problems) {
      list.addObject().put("isValid", false).put("message", p.message()).put("error", p.code())
          .put("name", p.property()).put("localizedErrorMessage", p.message()).put("portalId", HubSpotEmulator.PORTAL_ID);
    }
    ObjectNode e = json.createObjectNode();
    e.put("status", "error");
    e.put("message", "Property values were not valid: " + list);
    if (wholeRequest) {
      e.put("correlationId", UUID.randomUUID().toString());
      ArrayNode errors = e.putArray("errors");
      for (Problem p : problems) {
        ObjectNode d = errors.addObject().put("message", p.message()).put("code", p.code());
        d.putObject("context").putArray("propertyName").add(p.property());
      }
    }
    e.put("category", "VALIDATION_ERROR");
    return e;
  }

  private Answer archive(Type t, JsonNode body) {
    JsonNode inputs = inputs(body, true);
    List<Long> ids = new ArrayList<>();
    for (JsonNode in : inputs) {
      Long id = parseLong(in.path("id").asText(""));
      if (id == null) {
        return error(400, "VALIDATION_ERROR", "Object id " + in.path("id").asText("") + " is not valid");
      }
      ids.add(id);
    }
    Instant now = emulator.time().now();
    for (long id : ids) {
      Obj o = t.live(id);
      if (o != null) {
        emulator.store().archive(t, o, now);
      }
    }
    return Answer.of(204, null);
  }

  /**
   * {@code POST .../batch/read}: the records found; ids not found are listed in a 207's errors
   * (https://github.com/HubSpot/hubspot-api-php/issues/619).
   */
  private Answer batchRead(Type t, JsonNode body) {
    JsonNode inputs = inputs(body, true);
    List<String> props = new ArrayList<>();
    body.path("properties").forEach(p -> props.add(p.asText()));
    String idProperty = body.path("idProperty").asText("");
    ObjectNode out = json.createObjectNode();
    out.put("status", "COMPLETE");
    ArrayNode results = out.putArray("results");
    List<String> missing = new ArrayList<>();
    for (JsonNode in : inputs) {
      String id = in.path("id").asText("");
      Long numeric = parseLong(id);
      Obj o = idProperty.isEmpty() || idProperty.equals("hs_object_id")
          ? (numeric == null ? null : t.live(numeric))
          : t.byUnique(idProperty, id);
      if (o != null) {
        results.add(object(t, o, props.isEmpty() ? defaultProperties(t) : props));
      } else {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return Answer.of(200, out);
    }
    out.put("numErrors", 1);
    ObjectNode e = out.putArray("errors").addObject();
    e.put("status", "error");
    e.put("category", "OBJECT_NOT_FOUND");
    e.put("message", "Could not get some " + t.name.toUpperCase(Locale.ROOT) + " objects, they may be deleted or not "
        + "exist. Check that ids are valid.");
    ArrayNode ids = e.putObject("context").putArray("ids");
    missing.forEach(ids::add);
    return Answer.of(207, out);
  }

  // -------------------------------------------------------------------------------------------- misc

  ObjectNode errorBody(String category, String message) {
    ObjectNode e = json.createObjectNode();
    e.put("status", "error");
    e.put("message", message);
    e.put("correlationId", UUID.randomUUID().toString());
    e.put("category", category);
    return e;
  }

  Answer error(int status, String category, String message) {
    return Answer.of(status, errorBody(category, message));
  }

  static Answer answer(int status, JsonNode body, Map<String, String> headers) {
    return new Answer(status, body, new LinkedHashMap<>(headers));
  }

  private static int intParam(HttpUrl url, String name, int def) {
    String v = url.queryParameter(name);
    if (v == null || v.isBlank()) {
      return def;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long longParam(HttpUrl url, String name, long def) {
    String v = url.queryParameter(name);
    return v == null || v.isBlank() ? def : parseLongOr(v, def);
  }

  private static @Nullable Long parseLong(String s) {
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long parseLongOr(String s, long def) {
    Long v = parseLong(s);
    return v == null ? def : v;
  }
}

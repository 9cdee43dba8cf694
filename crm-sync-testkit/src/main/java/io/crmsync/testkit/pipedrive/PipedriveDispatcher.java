package io.crmsync.testkit.pipedrive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Admission;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Credential;
import io.crmsync.testkit.pipedrive.PipedriveEmulator.Fault;
import io.crmsync.testkit.pipedrive.PipedriveStore.Entity;
import io.crmsync.testkit.pipedrive.PipedriveStore.Rec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/** Answers HTTP requests the way Pipedrive's API v2 does, from the emulator's store. */
final class PipedriveDispatcher extends Dispatcher {
  static final Set<String> CUSTOM_TYPES = Set.of("varchar", "text", "varchar_auto", "double", "int", "monetary",
      "date", "phone", "address", "enum", "set", "user", "org", "people");

  /**
   * Token costs of the v2 endpoints: get one 1, list 10, add or update 5, delete 3, fields list 10 (the
   * {@code x-token-cost} of each operation in https://developers.pipedrive.com/docs/api/v1/openapi-v2.yaml);
   * search 20: v1's search costs 40 (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting) and the
   * v2 replacements "consume 50% fewer tokens"
   * (https://developers.pipedrive.com/changelog/post/deprecation-of-selected-api-v1-endpoints).
   */
  static final int COST_GET = 1;
  static final int COST_LIST = 10;
  static final int COST_WRITE = 5;
  static final int COST_DELETE = 3;
  static final int COST_SEARCH = 20;
  static final int COST_FIELDS = 10;

  /** "a maximum value of 500 is allowed" for {@code limit} (https://pipedrive.readme.io/docs/core-api-concepts-pagination). */
  static final int MAX_LIMIT = 500;
  /** Search pages: "a maximum value of 100 is allowed" (https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons). */
  static final int MAX_SEARCH_LIMIT = 100;
  /**
   * A text ({@code varchar}) or autocomplete ({@code varchar_auto}) field "stores up to 255 characters"
   * (https://support.pipedrive.com/hc/en-us/articles/115005197725).
   */
  static final int VARCHAR_MAX = 255;

  private static final String ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API.";

  private final PipedriveEmulator emulator;
  private final PipedriveStore store;

  PipedriveDispatcher(PipedriveEmulator emulator, PipedriveStore store) {
    this.emulator = emulator;
    this.store = store;
  }

  /** A response under construction: status, JSON body and headers. */
  record Answer(int status, JsonNode body, Map<String, String> headers, @Nullable String refusal) {
    static Answer of(int status, JsonNode body) {
      return new Answer(status, body, new LinkedHashMap<>(), status >= 400 ? Integer.toString(status) : null);
    }

    Answer refused(String reason) {
      return new Answer(status, body, headers, status + " " + reason);
    }
  }

  /** A request the API refuses with a 4xx, carried out of the validation that found it. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Answer answer;

    Refusal(Answer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
    HttpUrl url = request.getUrl();
    String path = url.encodedPath();
    String method = request.getMethod();
    Instant now = emulator.time().now();
    if (path.equals("/oauth/token") && "POST".equals(method)) {
      Answer a = emulator.synchronizedCall(() -> token(request));
      emulator.log(now, method, path, a.status(), null, 0, a.refusal());
      return respond(a, null);
    }
    if (!path.startsWith("/api/v2/")) {
      // API v1's persons, organizations, deals, products and activities endpoints are out of support since
      // 2026-08-01 (https://developers.pipedrive.com/changelog/post/deprecation-of-selected-api-v1-endpoints);
      // the emulator serves API v2 only.
      Answer a = notFound("Unknown method " + path).refused("unknown path");
      emulator.log(now, method, path, 404, null, 0, a.refusal());
      return respond(a, null);
    }
    String apiToken = request.getHeaders().get("x-api-token");
    String authorization = request.getHeaders().get("Authorization");
    String denied = emulator.synchronizedCall(() -> emulator.checkCredentials(apiToken, authorization, now));
    if (denied != null) {
      Answer a = unauthorized().refused("unauthorized (" + denied + ")");
      emulator.log(now, method, path, 401, null, 0, a.refusal());
      return respond(a, null);
    }
    Credential credential = apiToken != null && !apiToken.isBlank() ? Credential.API_TOKEN : Credential.ACCESS_TOKEN;
    int burstLimit = emulator.burstLimit(credential);
    boolean search = path.endsWith("/search") && "GET".equals(method);
    int cost = cost(method, url, search);
    Fault fault = emulator.nextFault(method, path);
    Admission admission =
        emulator.synchronizedCall(() -> emulator.admit(now, burstLimit, search, cost, fault == Fault.RATE_LIMITED));
    if (admission.limit() != null) {
      Answer a = emulator.synchronizedCall(() -> limited(admission, now, burstLimit));
      emulator.log(now, method, path, 429, fault == Fault.RATE_LIMITED ? fault : null, 0, a.refusal());
      return respond(a, null);
    }
    if (fault == Fault.SERVER_ERROR) {
      // The v2 error body of an internal error: {"success":false,"error":"Internal Server Error","code":"ERR_UNKNOWN"}
      // (recorded in https://github.com/pipedrive/client-php/issues/234)
      ObjectNode body = PipedriveStore.JSON.objectNode();
      body.put("success", false).put("error", "Internal Server Error").put("code", "ERR_UNKNOWN");
      Answer a = withHeaders(new Answer(500, body, new LinkedHashMap<>(), "500 fault"), now, burstLimit);
      emulator.log(now, method, path, 500, fault, cost, a.refusal());
      return respond(a, null);
    }
    if (fault == Fault.HTML_ERROR_PAGE) {
      emulator.log(now, method, path, 502, fault, cost, "502 fault");
      return new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
          .body("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
              + "</center><hr><center>cloudflare</center></body></html>")
          .build();
    }
    if (fault == Fault.SLOW_RESPONSE) {
      emulator.time().sleep(emulator.slowDelay());
    }
    Answer answer;
    try {
      answer = emulator.synchronizedCall(() -> route(method, url, request));
    } catch (Refusal e) {
      answer = e.answer;
    }
    answer = withHeaders(answer, now, burstLimit);
    String refusal = answer.refusal();
    if (fault == Fault.DROPPED_CONNECTION || fault == Fault.TRUNCATED_BODY) {
      refusal = (refusal == null ? "" : refusal + ", ") + fault.name().toLowerCase(Locale.ROOT) + " fault";
    }
    emulator.log(now, method, path, answer.status(), fault, cost, refusal);
    return respond(answer, fault);
  }

  private static int cost(String method, HttpUrl url, boolean search) {
    if (search) {
      return COST_SEARCH;
    }
    int segments = url.pathSegments().size();
    return switch (method) {
      case "GET" -> segments == 3 ? (url.pathSegments().get(2).endsWith("Fields") ? COST_FIELDS : COST_LIST) : COST_GET;
      case "POST", "PATCH", "PUT" -> COST_WRITE;
      case "DELETE" -> COST_DELETE;
      default -> 0;
    };
  }

  private Answer withHeaders(Answer a, Instant now, int burstLimit) {
    a.headers().putAll(emulator.synchronizedCall(() -> emulator.rateHeaders(now, burstLimit)));
    a.headers().put("x-correlation-id", UUID.randomUUID().toString());
    return a;
  }

  /**
   * A 429. The daily budget's answer was recorded from the live API: {"success":false,"error":"daily request
   * budget exceeded","errorCode":429} with {@code retry-after} in seconds until the reset
   * (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting: "Once this budget is exhausted, further
   * requests will be temporarily blocked until the budget resets at the start of the next day"). The burst
   * answers use the same envelope; their headers are the documented {@code x-ratelimit-limit}, {@code
   * -remaining} and {@code -reset} (seconds until the window frees a slot). Call under the lock.
   */
  private Answer limited(Admission admission, Instant now, int burstLimit) {
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("success", false);
    String limit = admission.limit();
    body.put("error", switch (limit == null ? "" : limit) {
      case "daily" -> "daily request budget exceeded";
      case "search" -> "Request over limit: search";
      default -> "Request over limit";
    });
    body.put("errorCode", 429);
    body.put("error_info", ERROR_INFO);
    Answer a = new Answer(429, body, new LinkedHashMap<>(emulator.rateHeaders(now, burstLimit)), "429 " + limit);
    long wait = Math.max(1, PipedriveEmulator.ceilSeconds(admission.delay()));
    if ("daily".equals(limit)) {
      a.headers().put("retry-after", Long.toString(wait));
    } else {
      a.headers().put("x-ratelimit-remaining", "0");
      a.headers().put("x-ratelimit-reset", Long.toString(wait));
      if (emulator.retryAfterOnBurst()) {
        a.headers().put("retry-after", Long.toString(wait));
      }
    }
    a.headers().put("x-correlation-id", UUID.randomUUID().toString());
    return a;
  }

  private MockResponse respond(Answer a, @Nullable Fault fault) {
    MockResponse.Builder b = new MockResponse.Builder().code(a.status());
    a.headers().forEach(b::setHeader);
    byte[] bytes;
    try {
      bytes = PipedriveStore.mapper().writeValueAsBytes(a.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (fault == Fault.TRUNCATED_BODY) {
      text = text.substring(0, Math.max(1, text.length() / 2));
    }
    b.setHeader("Content-Type", "application/json; charset=utf-8").body(text);
    if (fault == Fault.DROPPED_CONNECTION) {
      b.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
    }
    if (fault == Fault.STALLED) {
      b.headersDelay(emulator.stallDelay().toMillis(), TimeUnit.MILLISECONDS);
    }
    return b.build();
  }

  // ----------------------------------------------------------------------------------------------- auth

  /**
   * 401 as the gateway answers it (recorded against the live API with an invalid token: {@code x-401-by-gw:
   * true} and {"success":false,"error":"unauthorized access","errorCode":401,"error_info":"Please check
   * developers.pipedrive.com"}).
   */
  private static Answer unauthorized() {
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("success", false).put("error", "unauthorized access").put("errorCode", 401)
        .put("error_info", "Please check developers.pipedrive.com");
    Answer a = Answer.of(401, body);
    a.headers().put("x-401-by-gw", "true");
    a.headers().put("x-correlation-id", UUID.randomUUID().toString());
    return a;
  }

  /**
   * {@code POST /oauth/token} with {@code grant_type=refresh_token} and the app's client id and secret as HTTP
   * Basic credentials (https://pipedrive.readme.io/docs/marketplace-oauth-authorization, "Step 7: Refreshing
   * the tokens").
   */
  private Answer token(RecordedRequest request) {
    Map<String, String> form = new LinkedHashMap<>();
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    String id = null;
    String secret = null;
    String auth = request.getHeaders().get("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          id = decoded.substring(0, colon);
          secret = decoded.substring(colon + 1);
        }
      } catch (IllegalArgumentException e) {
        // not Base64: no credentials
      }
    }
    Answer a = emulator.issueToken(form, id, secret);
    return a.status() >= 400 ? a.refused(a.body().path("error").asText("oauth")) : a;
  }

  /**
   * An error of the token endpoint, with the messages https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes
   * lists ("Invalid grant: refresh_token is invalid", "Invalid client: client is invalid", ...); the page gives
   * the messages, not the body's field names, so the emulator sends both the OAuth ones and {@code message}.
   */
  static Answer oauthError(int status, String error, String message) {
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("success", false).put("error", error).put("error_description", message).put("message", message);
    return Answer.of(status, body);
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  // --------------------------------------------------------------------------------------------- routes

  private Answer route(String method, HttpUrl url, RecordedRequest request) {
    List<String> seg = url.pathSegments(); // api, v2, entity, ...
    String name = seg.size() > 2 ? seg.get(2) : "";
    Entity fieldsOf = store.byFieldsPath(name);
    if (fieldsOf != null && seg.size() == 3) {
      return method.equals("GET") ? fields(fieldsOf, url) : methodNotAllowed(method, url);
    }
    Entity e = store.entity(name);
    if (e == null) {
      return notFound("Unknown method " + url.encodedPath()).refused("unknown path");
    }
    if (seg.size() == 3) {
      return switch (method) {
        case "GET" -> list(e, url);
        case "POST" -> create(e, body(request));
        default -> methodNotAllowed(method, url);
      };
    }
    if (seg.size() == 4 && seg.get(3).equals("search")) {
      if (e.searchFields.isEmpty()) {
        return notFound("Unknown method " + url.encodedPath()).refused("unknown path");
      }
      return method.equals("GET") ? search(e, url) : methodNotAllowed(method, url);
    }
    if (seg.size() == 4) {
      long id = id(seg.get(3));
      return switch (method) {
        case "GET" -> get(e, id, url);
        case "PATCH" -> update(e, id, body(request));
        case "DELETE" -> delete(e, id);
        default -> methodNotAllowed(method, url);
      };
    }
    return notFound("Unknown method " + url.encodedPath()).refused("unknown path");
  }

  /** 405 "Incorrect request method" (https://pipedrive.readme.io/docs/core-api-concepts-http-status-codes). */
  private static Answer methodNotAllowed(String method, HttpUrl url) {
    return error(405, "Method " + method + " is not allowed on " + url.encodedPath()).refused("method not allowed");
  }

  /**
   * Path ids are integers ({@code id}, "The ID of the person", type integer:
   * https://developers.pipedrive.com/docs/api/v1/Persons#getPerson, v2); anything else fails the schema.
   */
  private static long id(String s) {
    try {
      long id = Long.parseLong(s);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new Refusal(schemaError(List.<String[]>of(new String[] {"id", "must be integer"})));
  }

  /** A request body: API v2 takes JSON only (https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide). */
  private static ObjectNode body(RecordedRequest request) {
    byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    JsonNode n;
    try {
      n = PipedriveStore.mapper().readTree(bytes);
    } catch (IOException e) {
      throw new Refusal(schemaError(List.<String[]>of(new String[] {"body", "must be valid JSON"})));
    }
    if (n == null || !n.isObject()) {
      throw new Refusal(schemaError(List.<String[]>of(new String[] {"body", "must be object"})));
    }
    return (ObjectNode) n;
  }

  // ----------------------------------------------------------------------------------------------- reads

  /**
   * {@code limit}: "If not provided, 100 items will be returned. Please note that a maximum value of 500 is
   * allowed" (https://developers.pipedrive.com/docs/api/v1/Persons#getPersons, v2; 100 for search).
   */
  private static int limit(HttpUrl url, int max) {
    String v = url.queryParameter("limit");
    if (v == null || v.isBlank()) {
      return 100; // "If not provided, 100 items will be returned"
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new Refusal(schemaError(List.<String[]>of(new String[] {"limit", "must be <= " + max + " and >= 1"})));
  }

  /** The keyset a cursor continues after: the sort value and the id of the last record of the page. */
  private record Position(String sort, String direction, long value, long id) {}

  private static String encodeCursor(Position p) {
    String raw = p.sort() + ":" + p.direction() + ":" + p.value() + ":" + p.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static Position decodeCursor(String cursor, String sort, String direction) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":");
      if (parts.length == 4 && parts[0].equals(sort) && parts[1].equals(direction)) {
        return new Position(parts[0], parts[1], Long.parseLong(parts[2]), Long.parseLong(parts[3]));
      }
    } catch (IllegalArgumentException e) {
      // below
    }
    throw new Refusal(schemaError(List.<String[]>of(new String[] {"cursor", "Invalid cursor"})));
  }

  private static long sortValue(Rec r, String sort) {
    return switch (sort) {
      case "update_time" -> r.updateTime.getEpochSecond();
      case "add_time" -> r.addTime.getEpochSecond();
      default -> r.id;
    };
  }

  /**
   * {@code GET /api/v2/{entity}}: every record not deleted ("If omitted, all not deleted deals are
   * returned"), filtered by {@code updated_since} ("update_time later than or equal to this time", RFC 3339),
   * {@code updated_until} (earlier than), {@code ids} ("up to 100 entity ids"), {@code owner_id}, {@code
   * org_id}, and for deals {@code status} ("If set to deleted, deals that have been deleted up to 30 days ago
   * will be included"); sorted by {@code sort_by} ({@code id}, {@code update_time}, {@code add_time}) and
   * {@code sort_direction}; paged by cursor (https://developers.pipedrive.com/docs/api/v1/Persons#getPersons,
   * https://developers.pipedrive.com/docs/api/v1/Deals#getDeals, v2).
   */
  private Answer list(Entity e, HttpUrl url) {
    int limit = limit(url, MAX_LIMIT);
    List<String[]> problems = new ArrayList<String[]>();
    Instant since = timeParam(url, "updated_since", problems);
    Instant until = timeParam(url, "updated_until", problems);
    String sort = url.queryParameter("sort_by") == null ? "id" : url.queryParameter("sort_by");
    if (!Set.of("id", "update_time", "add_time").contains(sort)) {
      problems.add(new String[] {"sort_by", "must be equal to one of the allowed values: id, update_time, add_time"});
    }
    String direction = url.queryParameter("sort_direction") == null ? "asc" : url.queryParameter("sort_direction");
    if (!Set.of("asc", "desc").contains(direction)) {
      problems.add(new String[] {"sort_direction", "must be equal to one of the allowed values: asc, desc"});
    }
    Set<Long> ids = idsParam(url, problems);
    Long owner = longParam(url, "owner_id", problems);
    Long org = e.name.equals("persons") || e.name.equals("deals") ? longParam(url, "org_id", problems) : null;
    Set<String> statuses = new HashSet<>(Set.of("open", "won", "lost"));
    boolean withDeleted = false;
    if (e.name.equals("deals") && url.queryParameter("status") != null) {
      statuses.clear();
      for (String s : url.queryParameter("status").split(",")) {
        String st = s.strip();
        if (!Set.of("open", "won", "lost", "deleted").contains(st)) {
          problems.add(new String[] {"status", "must be equal to one of the allowed values: open, won, lost, deleted"});
        }
        statuses.add(st);
      }
      withDeleted = statuses.contains("deleted");
    }
    Set<String> onlyCustom = customFieldsParam(e, url, problems);
    if (!problems.isEmpty()) {
      return schemaError(problems);
    }
    String cursor = url.queryParameter("cursor");
    Position after = cursor == null || cursor.isEmpty() ? null : decodeCursor(cursor, sort, direction);
    Comparator<Rec> order = Comparator.<Rec>comparingLong(r -> sortValue(r, sort)).thenComparingLong(r -> r.id);
    if (direction.equals("desc")) {
      order = order.reversed();
    }
    final String sortBy = sort;
    List<Rec> matches = new ArrayList<>();
    for (Rec r : e.records.values()) {
      if (r.deleted ? !withDeleted : (e.name.equals("deals") && !statuses.contains(r.data.path("status").asText("open")))) {
        continue;
      }
      if ((since != null && r.updateTime.isBefore(since)) || (until != null && !r.updateTime.isBefore(until))
          || (ids != null && !ids.contains(r.id)) || (owner != null && r.data.path("owner_id").asLong(-1) != owner)
          || (org != null && r.data.path("org_id").asLong(-1) != org)) {
        continue;
      }
      if (after != null) {
        int cmp = Long.compare(sortValue(r, sortBy), after.value());
        if (cmp == 0) {
          cmp = Long.compare(r.id, after.id());
        }
        if (direction.equals("asc") ? cmp <= 0 : cmp >= 0) {
          continue;
        }
      }
      matches.add(r);
    }
    matches.sort(order);
    ObjectNode out = ok();
    ArrayNode data = out.putArray("data");
    int n = Math.min(limit, matches.size());
    for (int i = 0; i < n; i++) {
      data.add(store.view(e, matches.get(i), onlyCustom));
    }
    ObjectNode additional = out.putObject("additional_data");
    if (matches.size() > limit) {
      Rec last = matches.get(limit - 1);
      additional.put("next_cursor", encodeCursor(new Position(sort, direction, sortValue(last, sort), last.id)));
    } else {
      additional.putNull("next_cursor");
    }
    return Answer.of(200, out);
  }

  private static @Nullable Instant timeParam(HttpUrl url, String name, List<String[]> problems) {
    String v = url.queryParameter(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v.strip()).toInstant();
    } catch (DateTimeException e) {
      problems.add(new String[] {name, "must match format \"date-time\""});
      return null;
    }
  }

  private static @Nullable Long longParam(HttpUrl url, String name, List<String[]> problems) {
    String v = url.queryParameter(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      problems.add(new String[] {name, "must be integer"});
      return null;
    }
  }

  private static @Nullable Set<Long> idsParam(HttpUrl url, List<String[]> problems) {
    String v = url.queryParameter("ids");
    if (v == null || v.isEmpty()) {
      return null;
    }
    Set<Long> ids = new HashSet<>();
    for (String s : v.split(",")) {
      try {
        ids.add(Long.parseLong(s.strip()));
      } catch (NumberFormatException e) {
        problems.add(new String[] {"ids", "must be a comma-separated list of integers"});
        return null;
      }
    }
    if (ids.size() > 100) {
      problems.add(new String[] {"ids", "must NOT have more than 100 items"});
    }
    return ids;
  }

  /** {@code custom_fields}: "A maximum of 15 keys is allowed". */
  private static @Nullable Set<String> customFieldsParam(Entity e, HttpUrl url, List<String[]> problems) {
    String v = url.queryParameter("custom_fields");
    if (v == null || v.isEmpty()) {
      return null;
    }
    Set<String> keys = new LinkedHashSet<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        keys.add(s.strip());
      }
    }
    if (keys.size() > 15) {
      problems.add(new String[] {"custom_fields", "must NOT have more than 15 items"});
    }
    return keys;
  }

  private Answer get(Entity e, long id, HttpUrl url) {
    Rec r = e.live(id);
    if (r == null) {
      return notFound(capitalized(e.singular) + " not found").refused("not found");
    }
    List<String[]> problems = new ArrayList<>();
    Set<String> onlyCustom = customFieldsParam(e, url, problems);
    if (!problems.isEmpty()) {
      return schemaError(problems);
    }
    ObjectNode out = ok();
    out.set("data", store.view(e, r, onlyCustom));
    return Answer.of(200, out);
  }

  /**
   * {@code GET /api/v2/{entity}/search}: {@code term} ("Minimum 2 characters (or 1 if using exact_match)"),
   * {@code fields} (persons: custom_fields, email, notes, phone, name), {@code exact_match} ("only full exact
   * matches against the given term are returned. It is not case sensitive"), {@code limit} up to 100, {@code
   * cursor}; answers {@code data.items[]} of {@code result_score} and {@code item}
   * (https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons, v2; the same for organizations, deals,
   * products). Only custom fields of type address, varchar, text, varchar_auto, double, monetary and phone are
   * searchable.
   */
  private Answer search(Entity e, HttpUrl url) {
    String term = url.queryParameter("term");
    boolean exact = "true".equalsIgnoreCase(url.queryParameter("exact_match"));
    List<String[]> problems = new ArrayList<>();
    if (term == null || term.strip().length() < (exact ? 1 : 2)) {
      problems.add(new String[] {"term", "must NOT have fewer than " + (exact ? 1 : 2) + " characters"});
    }
    Set<String> fields = new LinkedHashSet<>(e.searchFields);
    String f = url.queryParameter("fields");
    if (f != null && !f.isBlank()) {
      fields.clear();
      for (String s : f.split(",")) {
        String field = s.strip();
        if (!e.searchFields.contains(field)) {
          problems.add(new String[] {"fields", "must be equal to one of the allowed values: " + String.join(", ", e.searchFields)});
        }
        fields.add(field);
      }
    }
    int limit = limit(url, MAX_SEARCH_LIMIT);
    if (!problems.isEmpty()) {
      return schemaError(problems);
    }
    String needle = term.strip().toLowerCase(Locale.ROOT);
    long start = 0;
    String cursor = url.queryParameter("cursor");
    if (cursor != null && !cursor.isEmpty()) {
      start = decodeCursor(cursor, "search", "asc").value();
    }
    Instant visibleBefore = emulator.time().now().minus(emulator.searchIndexLag());
    List<Rec> hits = new ArrayList<>();
    Iterable<Rec> candidates = e.records.values();
    if (exact && Set.of("email", "name", "title").containsAll(fields)) {
      // an exact match on emails or names: from the index rather than a scan of every record
      java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
      for (String field : fields) {
        ids.addAll(PipedriveStore.exact(e, field.equals("email") ? "email" : "name", needle));
      }
      List<Rec> found = new ArrayList<>();
      ids.forEach(id -> found.add(e.records.get(id)));
      candidates = found;
    }
    for (Rec r : candidates) {
      if (r.deleted || (!emulator.searchIndexLag().isZero() && r.updateTime.isAfter(visibleBefore))) {
        continue;
      }
      if (matches(e, r, fields, needle, exact)) {
        hits.add(r);
      }
    }
    ObjectNode out = ok();
    ArrayNode items = out.putObject("data").putArray("items");
    int from = (int) Math.min(start, hits.size());
    int to = Math.min(hits.size(), from + limit);
    for (Rec r : hits.subList(from, to)) {
      ObjectNode item = items.addObject();
      item.put("result_score", exact ? 1.0 : 0.5);
      item.set("item", searchItem(e, r));
    }
    ObjectNode additional = out.putObject("additional_data");
    if (to < hits.size()) {
      additional.put("next_cursor", encodeCursor(new Position("search", "asc", to, 0)));
    } else {
      additional.putNull("next_cursor");
    }
    return Answer.of(200, out);
  }

  private static boolean matches(Entity e, Rec r, Set<String> fields, String needle, boolean exact) {
    List<String> values = new ArrayList<>();
    for (String field : fields) {
      switch (field) {
        case "email" -> values.addAll(PipedriveStore.emails(r));
        case "phone" -> r.data.path("phones").forEach(p -> values.add(p.path("value").asText("")));
        case "name", "title" -> values.add(r.data.path(e.nameField).asText(""));
        case "code" -> values.add(r.data.path("code").asText(""));
        case "address" -> values.add(r.data.path("address").path("value").asText(""));
        case "notes" -> values.add(r.data.path("notes").asText(""));
        case "custom_fields" -> r.custom.properties().forEach(c -> {
          FieldDef def = e.custom.get(c.getKey());
          if (def != null && Set.of("address", "varchar", "text", "varchar_auto", "double", "monetary", "phone")
              .contains(def.type())) {
            JsonNode v = c.getValue();
            values.add(v.isObject() ? v.path("value").asText("") : v.asText(""));
          }
        });
        default -> {
          // not searchable
        }
      }
    }
    for (String v : values) {
      String s = v.toLowerCase(Locale.ROOT);
      if (exact ? s.equals(needle) : s.contains(needle)) {
        return true;
      }
    }
    return false;
  }

  private ObjectNode searchItem(Entity e, Rec r) {
    ObjectNode item = PipedriveStore.JSON.objectNode();
    item.put("id", r.id);
    item.put("type", e.singular);
    item.set(e.nameField, r.data.path(e.nameField).isMissingNode() ? PipedriveStore.JSON.nullNode() : r.data.get(e.nameField));
    if (e.name.equals("persons")) {
      ArrayNode phones = item.putArray("phones");
      r.data.path("phones").forEach(p -> phones.add(p.path("value").asText("")));
      ArrayNode emails = item.putArray("emails");
      r.data.path("emails").forEach(p -> emails.add(p.path("value").asText("")));
      long orgId = r.data.path("org_id").asLong(0);
      Rec org = orgId == 0 ? null : store.entity("organizations").live(orgId);
      if (org == null) {
        item.putNull("organization");
      } else {
        item.putObject("organization").put("id", org.id).put("name", org.data.path("name").asText(""))
            .putNull("address");
      }
    }
    item.put("visible_to", r.data.path("visible_to").asInt(3));
    if (r.data.hasNonNull("owner_id")) {
      item.putObject("owner").put("id", r.data.get("owner_id").asLong());
    } else {
      item.putNull("owner");
    }
    ArrayNode custom = item.putArray("custom_fields");
    r.custom.properties().forEach(c -> {
      if (c.getValue().isValueNode()) {
        custom.add(c.getValue().asText());
      }
    });
    item.putArray("notes");
    return item;
  }

  /**
   * {@code GET /api/v2/personFields} (and the other fields endpoints): {@code field_name}, {@code field_code},
   * {@code description}, {@code field_type}, {@code options}, {@code subfields}, {@code is_custom_field}, {@code
   * is_optional_response_field}; cursor paged, {@code limit} up to 500
   * (https://developers.pipedrive.com/docs/api/v1/PersonFields#getPersonFields, v2).
   */
  private Answer fields(Entity e, HttpUrl url) {
    int limit = limit(url, MAX_LIMIT);
    List<FieldDef> all = new ArrayList<>();
    for (FieldDef f : e.standard.values()) {
      if (!f.contactSync() || emulator.contactSync()) {
        all.add(f);
      }
    }
    all.addAll(e.custom.values());
    long start = 0;
    String cursor = url.queryParameter("cursor");
    if (cursor != null && !cursor.isEmpty()) {
      start = decodeCursor(cursor, "fields", "asc").value();
    }
    int from = (int) Math.min(start, all.size());
    int to = Math.min(all.size(), from + limit);
    ObjectNode out = ok();
    ArrayNode data = out.putArray("data");
    for (FieldDef f : all.subList(from, to)) {
      ObjectNode o = data.addObject();
      o.put("field_name", f.name());
      o.put("field_code", f.code());
      o.putNull("description");
      o.put("field_type", apiType(f.type()));
      if (f.options().isEmpty()) {
        o.putNull("options");
      } else {
        ArrayNode options = o.putArray("options");
        for (FieldDef.Option opt : f.options()) {
          options.addObject().put("id", opt.id()).put("label", opt.label()).putNull("color");
        }
      }
      if (f.type().equals("monetary")) {
        ArrayNode sub = o.putArray("subfields");
        sub.addObject().put("field_code", "value").put("field_name", "Amount of " + f.name()).put("field_type", "double");
        sub.addObject().put("field_code", "currency").put("field_name", "Currency of " + f.name()).put("field_type", "varchar");
      } else {
        o.putNull("subfields");
      }
      o.put("is_custom_field", f.custom());
      o.put("is_optional_response_field", false);
    }
    ObjectNode additional = out.putObject("additional_data");
    if (to < all.size()) {
      additional.put("next_cursor", encodeCursor(new Position("fields", "asc", to, 0)));
    } else {
      additional.putNull("next_cursor");
    }
    return Answer.of(200, out);
  }

  /**
   * The {@code field_type} the fields endpoint names for a field the emulator checks by a finer type of its
   * own: the values of the v2 enum (https://developers.pipedrive.com/docs/api/v1/PersonFields#getPersonFields).
   */
  private static String apiType(String type) {
    return switch (type) {
      case "emails" -> "varchar";
      case "phones" -> "phone";
      case "label_ids" -> "set";
      case "timestamp" -> "date";
      case "im" -> "json";
      default -> type;
    };
  }

  // ---------------------------------------------------------------------------------------------- writes

  private Answer create(Entity e, ObjectNode body) {
    validate(e, body, true);
    if (e.standard.containsKey("owner_id") && !body.hasNonNull("owner_id")) {
      // "When omitted, the authorized user ID will be used" (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson)
      body.put("owner_id", PipedriveEmulator.USER_ID);
    }
    Rec r = store.create(e, body, emulator.time().now());
    ObjectNode out = ok();
    out.set("data", store.view(e, r, null));
    return Answer.of(200, out);
  }

  /** {@code PATCH /api/v2/{entity}/{id}}: "PATCH cannot delete" a record, and a deleted one is not found. */
  private Answer update(Entity e, long id, ObjectNode body) {
    Rec r = e.live(id);
    if (r == null) {
      return notFound(capitalized(e.singular) + " not found").refused("not found");
    }
    validate(e, body, false);
    store.update(e, r, body, emulator.time().now());
    ObjectNode out = ok();
    out.set("data", store.view(e, r, null));
    return Answer.of(200, out);
  }

  /**
   * {@code DELETE /api/v2/{entity}/{id}}: "Marks a person as deleted. After 30 days, the person will be
   * permanently deleted" and answers {"success":true,"data":{"id":1}}
   * (https://developers.pipedrive.com/docs/api/v1/Persons#deletePerson, v2). A record already deleted, or never
   * there, is not found.
   */
  private Answer delete(Entity e, long id) {
    Rec r = e.live(id);
    if (r == null) {
      return notFound(capitalized(e.singular) + " not found").refused("not found");
    }
    store.delete(e, r, emulator.time().now());
    ObjectNode out = ok();
    out.putObject("data").put("id", id);
    return Answer.of(200, out);
  }

  /** Checks a body the way {@link #validate} does, for seeding; null if it is valid, else the problem. */
  @Nullable String validateForSeeding(Entity e, ObjectNode body, boolean create) {
    try {
      validate(e, body, create);
      return null;
    } catch (Refusal r) {
      return r.answer.body().path("error").asText("refused");
    }
  }

  /**
   * Checks a create or update body as the v2 API does, throwing its 4xx. Unknown parameters fail the schema
   * with "Parameter 'x' is not allowed for this request" and code {@code ERR_SCHEMA_VALIDATION_FAILED}
   * (recorded in https://github.com/pipedrive/client-nodejs/issues/651); "Numeric fields do not convert
   * strings" and "Booleans are strictly true/false"
   * (https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide); a multi-option ({@code set}) value
   * "sending an empty array [] is not supported and will result in a validation error"; Contact Sync fields
   * without Contact Sync "returns a 403" (https://developers.pipedrive.com/docs/api/v1/Persons#addPerson, v2).
   */
  private void validate(Entity e, ObjectNode body, boolean create) {
    List<String[]> problems = new ArrayList<>();
    body.properties().forEach(en -> {
      String k = en.getKey();
      JsonNode v = en.getValue();
      if (k.equals("custom_fields") && e.customFields) {
        if (!v.isObject()) {
          problems.add(new String[] {k, "must be object"});
          return;
        }
        v.properties().forEach(c -> {
          FieldDef def = e.custom.get(c.getKey());
          if (def == null) {
            problems.add(new String[] {"custom_fields." + c.getKey(), "Custom field '" + c.getKey() + "' does not exist"});
          } else if (!c.getValue().isNull()) {
            String problem = checkValue(def, c.getValue());
            if (problem != null) {
              problems.add(new String[] {"custom_fields." + c.getKey(), problem});
            }
          }
        });
        return;
      }
      FieldDef def = e.standard.get(k);
      if (def == null || !def.writable()) {
        problems.add(new String[] {k, "Parameter '" + k + "' is not allowed for this request"});
        return;
      }
      if (def.contactSync() && !emulator.contactSync()) {
        ObjectNode forbidden = PipedriveStore.JSON.objectNode();
        forbidden.put("success", false)
            .put("error", "Field '" + k + "' is only available with contact sync enabled")
            .put("error_info", ERROR_INFO).putNull("data").putNull("additional_data");
        throw new Refusal(Answer.of(403, forbidden).refused("contact sync"));
      }
      if (v.isNull()) {
        if (def.requiredOnCreate()) {
          problems.add(new String[] {k, "must not be null"});
        }
        return;
      }
      String problem = checkValue(def, v);
      if (problem != null) {
        problems.add(new String[] {k, problem});
      }
    });
    if (create) {
      for (FieldDef def : e.standard.values()) {
        if (def.requiredOnCreate() && !body.hasNonNull(def.code())) {
          problems.add(new String[] {def.code(), "Parameter '" + def.code() + "' is required"});
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new Refusal(schemaError(problems));
    }
  }

  /** Null if {@code v} is a valid value of {@code def}, else what is wrong with it. */
  private static @Nullable String checkValue(FieldDef def, JsonNode v) {
    switch (def.type()) {
      case "varchar", "varchar_auto", "phone" -> {
        if (!v.isTextual()) {
          return "must be string";
        }
        return v.asText().length() > VARCHAR_MAX ? "must NOT have more than " + VARCHAR_MAX + " characters" : null;
      }
      case "text" -> {
        return v.isTextual() ? null : "must be string";
      }
      case "int", "user", "org", "people", "deal", "stage", "picture" -> {
        return v.isIntegralNumber() ? null : "must be integer";
      }
      case "double" -> {
        return v.isNumber() ? null : "must be number";
      }
      case "boolean" -> {
        return v.isBoolean() ? null : "must be boolean";
      }
      case "date" -> {
        return v.isTextual() && PipedriveStore.isDate(v.asText()) ? null : "must match format \"date\"";
      }
      case "timestamp" -> {
        // "Timestamps are RFC 3339" in v2 (https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide)
        if (v.isTextual()) {
          try {
            OffsetDateTime.parse(v.asText());
            return null;
          } catch (DateTimeException e) {
            // below
          }
        }
        return "must match format \"date-time\"";
      }
      case "visible_to" -> {
        // "visible_to is an integer (1, 3, 5, 7)" (https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide)
        return v.isIntegralNumber() && Set.of(1, 3, 5, 7).contains(v.asInt()) ? null : "must be equal to one of the allowed values: 1, 3, 5, 7";
      }
      case "status" -> {
        return v.isTextual() && Set.of("open", "won", "lost").contains(v.asText()) ? null
            : "must be equal to one of the allowed values: open, won, lost";
      }
      case "label_ids" -> {
        // "label is replaced by label_ids: number[]" (https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide)
        if (!v.isArray()) {
          return "must be array";
        }
        for (JsonNode i : v) {
          if (!i.isIntegralNumber()) {
            return "must be array of integers";
          }
        }
        return null;
      }
      case "emails", "phones" -> {
        if (!v.isArray()) {
          return "must be array";
        }
        for (JsonNode i : v) {
          // "In emails and phones items only value is required"
          if (!i.isObject() || !i.path("value").isTextual()) {
            return "items must be objects with a string value";
          }
          if (i.has("primary") && !i.get("primary").isBoolean()) {
            return "primary must be boolean";
          }
        }
        return null;
      }
      case "address" -> {
        // "Only the value subfield is required when updating an address field"
        return v.isObject() && v.path("value").isTextual() ? null : "must be object with a string value";
      }
      case "monetary" -> {
        return v.isObject() && v.path("value").isNumber() && (!v.has("currency") || v.get("currency").isTextual())
            ? null : "must be object with a numeric value and a currency";
      }
      case "enum" -> {
        if (!v.isIntegralNumber()) {
          return "must be integer";
        }
        return def.option(v.asLong()) == null ? "Option " + v.asLong() + " does not exist" : null;
      }
      case "set" -> {
        if (!v.isArray() || v.isEmpty()) {
          return "must be a non-empty array of option ids (send null to clear)";
        }
        for (JsonNode i : v) {
          if (!i.isIntegralNumber() || def.option(i.asLong()) == null) {
            return "Option " + i + " does not exist";
          }
        }
        return null;
      }
      default -> {
        return null; // json, im: any value
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- bodies

  private static ObjectNode ok() {
    ObjectNode o = PipedriveStore.JSON.objectNode();
    o.put("success", true);
    return o;
  }

  /** A schema validation failure: {"success":false,"error":"Validation failed: ...","code":"ERR_SCHEMA_VALIDATION_FAILED"}. */
  static Answer schemaError(List<String[]> problems) {
    List<String> parts = new ArrayList<>();
    for (String[] p : problems) {
      parts.add(p[0] + ": " + p[1]);
    }
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("success", false);
    body.put("error", "Validation failed: " + String.join("; ", parts));
    body.put("code", "ERR_SCHEMA_VALIDATION_FAILED");
    return Answer.of(400, body).refused("ERR_SCHEMA_VALIDATION_FAILED");
  }

  /** The error envelope: {"success":false,"error":...,"error_info":...,"data":null,"additional_data":null}. */
  static Answer error(int status, String message) {
    ObjectNode body = PipedriveStore.JSON.objectNode();
    body.put("success", false).put("error", message).put("error_info", ERROR_INFO).putNull("data").putNull("additional_data");
    return Answer.of(status, body);
  }

  private static Answer notFound(String message) {
    return error(404, message);
  }

  private static String capitalized(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}

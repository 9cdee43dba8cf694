package io.crmsync.testkit.zoho;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.testkit.zoho.ZohoEmulator.Fault;
import io.crmsync.testkit.zoho.ZohoSchema.Field;
import io.crmsync.testkit.zoho.ZohoStore.Deleted;
import io.crmsync.testkit.zoho.ZohoStore.Outcome;
import io.crmsync.testkit.zoho.ZohoStore.Rec;
import io.crmsync.testkit.zoho.ZohoStore.Table;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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

/**
 * Answers HTTP requests the way Zoho CRM's API and accounts server do, from the emulator's store. Sources, by
 * endpoint, are cited beside each handler; the OpenAPI descriptions and examples are Zoho's own
 * (https://github.com/zoho/crm-oas, v8.0).
 */
final class ZohoDispatcher {
  private static final int MAX_RECORDS = 100;
  private static final int MAX_PER_PAGE = 200;
  private static final int MAX_FIELDS = 50;
  private static final int DISCRETE_LIMIT = 2_000;
  private static final int TOKEN_LIMIT = 100_000;

  private final ZohoEmulator emulator;
  private final ZohoStore store;
  private final ObjectMapper json;
  private final Map<String, PageToken> pageTokens = new HashMap<>();

  /** Where a page-token chain of the Records API stands. */
  private record PageToken(String module, String fields, String sortBy, String sortOrder, int perPage, int served,
      Instant expires) {}

  /** A response under construction. */
  record Answer(int status, @Nullable JsonNode body, Map<String, String> headers) {
    static Answer of(int status, @Nullable JsonNode body) {
      return new Answer(status, body, new LinkedHashMap<>());
    }
  }

  /** A request Zoho refuses, carrying its answer out of the handler. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Answer answer;

    Refusal(Answer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }

  ZohoDispatcher(ZohoEmulator emulator, ZohoStore store, ObjectMapper json) {
    this.emulator = emulator;
    this.store = store;
    this.json = json;
  }

  Dispatcher api() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        return dispatchApi(request);
      }
    };
  }

  Dispatcher accounts() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return dispatchAccounts(request);
      }
    };
  }

  // ------------------------------------------------------------------------------------------------ bodies

  /** A top-level error: {@code {"code", "details", "message", "status": "error"}}. */
  private ObjectNode error(String code, String message, ObjectNode details) {
    ObjectNode e = json.createObjectNode();
    e.put("code", code);
    e.set("details", details);
    e.put("message", message);
    e.put("status", "error");
    return e;
  }

  private ObjectNode details() {
    return json.createObjectNode();
  }

  private Refusal refuse(int status, String code, String message, ObjectNode details) {
    return new Refusal(Answer.of(status, error(code, message, details)));
  }

  /** An error inside a {@code data} array, as the write and deleted-records APIs answer request errors. */
  private Refusal refuseInData(int status, String code, String message, ObjectNode details) {
    ObjectNode body = json.createObjectNode();
    body.putArray("data").add(error(code, message, details));
    return new Refusal(Answer.of(status, body));
  }

  // ------------------------------------------------------------------------------------------- accounts

  /**
   * {@code POST /oauth/v2/token} with {@code grant_type=refresh_token}; parameters in the query string or the
   * form body. Failures are HTTP 200 with {@code {"error": "invalid_code"}} (an unknown refresh token) or
   * {@code invalid_client}: https://github.com/Weble/ZohoBooksApi/issues/84,
   * https://github.com/zoho/zcrm-csharp-sdk/issues/7. Success:
   * https://zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html.
   */
  private MockResponse dispatchAccounts(RecordedRequest request) {
    Instant now = emulator.time().now();
    String path = request.getUrl().encodedPath();
    if (!path.equals("/oauth/v2/token") || !"POST".equals(request.getMethod())) {
      emulator.log(now, request.getMethod(), path, 404, null, null, true);
      return new MockResponse.Builder().code(404).setHeader("Content-Type", "text/html;charset=UTF-8")
          .body("<html><body><h1>404</h1><p>The page you are looking for is not found.</p></body></html>").build();
    }
    Map<String, String> params = new LinkedHashMap<>();
    HttpUrl url = request.getUrl();
    for (String name : url.queryParameterNames()) {
      params.put(name, url.queryParameter(name));
    }
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    ZohoEmulator.TokenAnswer a = emulator.locked(() -> emulator.issueToken(params));
    String code = a.body().has("error") ? a.body().get("error").asText() : null;
    emulator.log(now, "POST", path, a.status(), null, code, code != null);
    return respond(Answer.of(a.status(), a.body()), null);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------------------------------------- API

  private MockResponse dispatchApi(RecordedRequest request) throws InterruptedException {
    HttpUrl url = request.getUrl();
    String path = url.encodedPath();
    String method = request.getMethod() == null ? "GET" : request.getMethod();
    Instant now = emulator.time().now();
    List<String> seg = url.pathSegments();
    if (seg.size() < 3 || !seg.get(0).equals("crm") || !(seg.get(1).equals("v8") || seg.get(1).equals("v7"))) {
      return finish(now, method, path, invalidUrl(), null);
    }
    List<String> route = seg.subList(2, seg.size());
    String header = request.getHeaders().get("Authorization");
    String token = null;
    if (header != null && header.regionMatches(true, 0, "Zoho-oauthtoken ", 0, 16)) {
      token = header.substring(16).strip();
    }
    if (token == null) {
      // https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/cloneRecord/examples/response-401-authenticationfailure.md
      return finish(now, method, path, Answer.of(401, error("AUTHENTICATION_FAILURE", "Authentication failed", details())), null);
    }
    String scope = scopeOf(method, route);
    String presented = token;
    String denied = emulator.locked(() -> emulator.checkToken(presented, now, scope));
    if (denied != null) {
      // INVALID_TOKEN for unknown or expired tokens; OAUTH_SCOPE_MISMATCH:
      // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md
      String message = denied.equals("INVALID_TOKEN") ? "invalid oauth token" : "Unauthorized";
      return finish(now, method, path, Answer.of(401, error(denied, message, details())), null);
    }
    Fault fault = emulator.nextFault();
    boolean admitted = emulator.enter();
    try {
      if (!admitted || fault == Fault.CONCURRENCY_LIMITED) {
        // HTTP 429 "the concurrency limit of the user for the app is exceeded":
        // https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html, body per the OAS 429 sample
        // https://github.com/zoho/crm-oas/blob/main/v8.0/apis/operations/getAvailableApis/examples/response-429-sample.md
        ObjectNode d = details().put("limit", emulator.config().concurrencyLimit());
        return finish(now, method, path, Answer.of(429, error("TOO_MANY_REQUESTS",
            "The concurrency limit of the user for the app is exceeded. Please try again after some time.", d)),
            fault == Fault.CONCURRENCY_LIMITED ? fault : null);
      }
      int credits = creditsOf(method, route, request);
      boolean charged = emulator.locked(() -> emulator.charge(credits, now));
      if (!charged) {
        // HTTP 429 "Number of API requests for the 24 hour period is exceeded":
        // https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html (credits, rolling 24 hours)
        ObjectNode d = details().put("limit", emulator.config().creditLimitValue());
        Answer a = Answer.of(429, error("TOO_MANY_REQUESTS",
            "Number of API requests for the 24 hour period is exceeded. Please try again after some time.", d));
        a.headers().put("X-API-CREDITS-REMAINING", "0");
        return finish(now, method, path, a, null);
      }
      if (fault == Fault.SERVER_ERROR) {
        return finish(now, method, path, Answer.of(500, error("INTERNAL_ERROR", "Internal Server Error", details())), fault);
      }
      if (fault == Fault.HTML_ERROR_PAGE) {
        emulator.log(now, method, path, 502, fault, null, false);
        return new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
            .body("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                + "</center><hr><center>ZGS</center></body></html>")
            .build();
      }
      if (fault == Fault.SLOW_RESPONSE) {
        emulator.time().sleep(emulator.config().slowDelay());
      }
      Duration latency = emulator.config().latency();
      if (!latency.isZero()) {
        Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
      }
      Answer answer;
      try {
        answer = emulator.locked(() -> route(method, route, url, request, now));
      } catch (Refusal r) {
        answer = r.answer;
      }
      long remaining = emulator.locked(() -> emulator.creditsRemainingHeader(now));
      if (remaining >= 0) {
        answer.headers().put("X-API-CREDITS-REMAINING", Long.toString(remaining));
      }
      return finish(now, method, path, answer, fault);
    } finally {
      emulator.leave();
    }
  }

  private MockResponse finish(Instant now, String method, String path, Answer a, @Nullable Fault fault) {
    String code = null;
    if (a.body() != null) {
      if (a.body().hasNonNull("code")) {
        code = a.body().get("code").asText();
      } else {
        for (JsonNode e : a.body().path("data")) {
          if ("error".equals(e.path("status").asText())) {
            code = e.path("code").asText();
            break;
          }
        }
      }
    }
    boolean refusedRequest = a.status() >= 400 && a.status() < 500;
    emulator.log(now, method, path, a.status(), fault, code, refusedRequest);
    return respond(a, fault);
  }

  private MockResponse respond(Answer a, @Nullable Fault fault) {
    MockResponse.Builder b = new MockResponse.Builder().code(a.status());
    a.headers().forEach(b::setHeader);
    if (a.body() != null) {
      String text;
      try {
        text = json.writeValueAsString(a.body());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      b.setHeader("Content-Type", "application/json;charset=UTF-8");
      if (fault == Fault.GARBLED_JSON) {
        b.body(text.substring(0, Math.max(1, text.length() / 2)) + "\u0000}{");
      } else if (fault == Fault.TRUNCATED_BODY) {
        byte[] full = text.getBytes(StandardCharsets.UTF_8);
        b.body(new String(full, 0, Math.max(1, full.length / 2), StandardCharsets.ISO_8859_1));
        b.setHeader("Content-Length", Integer.toString(full.length));
        b.onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE);
      } else {
        b.body(text);
      }
    }
    if (fault == Fault.DROPPED_CONNECTION) {
      b.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
    }
    if (fault == Fault.STALLED) {
      b.headersDelay(emulator.config().stallDelay().toMillis(), TimeUnit.MILLISECONDS);
    }
    return b.build();
  }

  private Answer invalidUrl() {
    // https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md (404 InvalidUrlPattern)
    return Answer.of(404, error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", details()));
  }

  /** The scope a call needs: https://www.zoho.com/crm/developer/docs/api/v2/scopes.html */
  private static String scopeOf(String method, List<String> route) {
    if (route.size() == 1 && route.get(0).equals("coql")) {
      return "ZohoCRM.coql.READ";
    }
    if (route.size() >= 2 && route.get(0).equals("settings")) {
      return "ZohoCRM.settings." + route.get(1) + ".READ";
    }
    String module = route.get(0).toLowerCase(Locale.ROOT);
    String op = switch (method) {
      case "GET" -> "READ";
      case "DELETE" -> "DELETE";
      case "POST" -> route.size() > 1 && route.get(1).equals("upsert") ? "WRITE" : "CREATE";
      default -> "WRITE";
    };
    return "ZohoCRM.modules." + module + "." + op;
  }

  /**
   * Credits a call costs: 1 per call, 1 per 10 records written, COQL 1 to 3 by its {@code limit}:
   * https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html, and for COQL
   * https://www.zoho.com/developer/docs/vertical-solutions/api/v4/COQL-Overview.html.
   */
  private int creditsOf(String method, List<String> route, RecordedRequest request) {
    if (route.size() == 1 && route.get(0).equals("coql") && method.equals("POST")) {
      try {
        JsonNode body = json.readTree(request.getBody() == null ? new byte[0] : request.getBody().toByteArray());
        return Coql.credits(Coql.parse(body.path("select_query").asText("")).limit());
      } catch (IOException | RuntimeException e) {
        return 1;
      }
    }
    if (route.size() == 2 && route.get(1).equals("upsert") && method.equals("POST")) {
      try {
        JsonNode body = json.readTree(request.getBody() == null ? new byte[0] : request.getBody().toByteArray());
        int n = body.path("data").size();
        return Math.max(1, (n + 9) / 10);
      } catch (IOException e) {
        return 1;
      }
    }
    return 1;
  }

  // ----------------------------------------------------------------------------------------------- routes

  private Answer route(String method, List<String> route, HttpUrl url, RecordedRequest request, Instant now) {
    String first = route.get(0);
    if (first.equals("coql")) {
      requireMethod(method, "POST");
      return coql(body(request), now);
    }
    if (first.equals("settings")) {
      if (route.size() == 2 && route.get(1).equals("fields")) {
        requireMethod(method, "GET");
        return fields(url);
      }
      return invalidUrl();
    }
    if (route.size() == 1) {
      return switch (method) {
        case "GET" -> getRecords(table(first, false), url, request);
        case "DELETE" -> deleteRecords(table(first, false), url, now);
        default -> throw refuse(400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", details());
      };
    }
    if (route.size() == 2 && route.get(1).equals("upsert")) {
      requireMethod(method, "POST");
      return upsert(table(first, true), body(request), now);
    }
    if (route.size() == 2 && route.get(1).equals("deleted")) {
      requireMethod(method, "GET");
      return deletedRecords(table(first, true), url, request);
    }
    if (route.size() == 2 && method.equals("GET")) {
      return getRecord(table(first, false), route.get(1), url);
    }
    return invalidUrl();
  }

  private void requireMethod(String method, String expected) {
    if (!method.equals(expected)) {
      throw refuse(400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", details());
    }
  }

  /**
   * The module, or {@code INVALID_MODULE}: at the top level for reads and deletes, inside {@code data} for the
   * write and deleted-records APIs, as their examples show.
   */
  private Table table(String name, boolean inData) {
    Table t = store.table(name);
    if (t == null) {
      ObjectNode d = details().put("resource_path_index", 0);
      throw inData ? refuseInData(400, "INVALID_MODULE", "the module name given seems to be invalid", d)
          : refuse(400, "INVALID_MODULE", "the module name given seems to be invalid", d);
    }
    return t;
  }

  private JsonNode body(RecordedRequest request) {
    byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    try {
      JsonNode n = json.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw refuse(400, "INVALID_DATA", "either the request body or parameters is in wrong format", details());
      }
      return n;
    } catch (IOException e) {
      throw refuse(400, "INVALID_DATA", "either the request body or parameters is in wrong format", details());
    }
  }

  // ------------------------------------------------------------------------------------------------ upsert

  /**
   * {@code POST /{module}/upsert}: at most 100 records; {@code duplicate_check_fields} only system-defined or
   * unique fields; results in input order; 200 when all succeeded, 207 mixed, 400 when all failed.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/upsertRecords/operation.md,
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md
   */
  private Answer upsert(Table t, JsonNode body, Instant now) {
    JsonNode data = body.get("data");
    if (data == null || data.isNull()) {
      throw refuse(400, "MANDATORY_NOT_FOUND", "required field not found",
          details().put("api_name", "data").put("json_path", "$.data"));
    }
    if (!data.isArray() || data.isEmpty()) {
      throw refuse(400, "INVALID_DATA", "invalid data",
          details().put("api_name", "data").put("json_path", "$.data").put("expected_data_type", "jsonarray"));
    }
    if (data.size() > MAX_RECORDS) {
      throw refuse(400, "LIMIT_EXCEEDED", "limit exceeded",
          details().put("limit", MAX_RECORDS).put("api_name", "data").put("json_path", "$.data"));
    }
    List<String> dupFields = t.module.defaultDuplicateCheckFields();
    JsonNode given = body.get("duplicate_check_fields");
    if (given != null && !given.isNull()) {
      if (!given.isArray()) {
        throw refuse(400, "INVALID_DATA", "invalid data", details().put("api_name", "duplicate_check_fields")
            .put("json_path", "$.duplicate_check_fields").put("expected_data_type", "jsonarray"));
      }
      List<String> names = new ArrayList<>();
      for (int i = 0; i < given.size(); i++) {
        String name = given.get(i).asText("");
        if (!t.module.isDuplicateCheckField(name)) {
          throw refuse(400, "INVALID_DATA", "the field given is neither a system-defined duplicate check field nor a unique field",
              details().put("api_name", name).put("json_path", "$.duplicate_check_fields[" + i + "]"));
        }
        names.add(name);
      }
      dupFields = names;
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode results = out.putArray("data");
    int ok = 0;
    for (int i = 0; i < data.size(); i++) {
      Outcome o = store.upsert(t, data.get(i), i, dupFields, emulator.config().refuseUnknown(), now);
      results.add(o.result());
      ok += o.success() ? 1 : 0;
    }
    int status = ok == data.size() ? 200 : ok == 0 ? 400 : 207;
    return Answer.of(status, out);
  }

  // ------------------------------------------------------------------------------------------------ delete

  /**
   * {@code DELETE /{module}?ids=}: at most 100 ids, a result per id in order, 200, 207 or 400.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/deleteRecords.md
   */
  private Answer deleteRecords(Table t, HttpUrl url, Instant now) {
    String ids = url.queryParameter("ids");
    if (ids == null || ids.isBlank()) {
      throw refuse(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", details().put("param_name", "ids"));
    }
    String[] parts = ids.split(",", -1);
    if (parts.length > MAX_RECORDS) {
      throw refuse(400, "LIMIT_EXCEEDED", "limit exceeded", details().put("limit", MAX_RECORDS).put("param_name", "ids"));
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode results = out.putArray("data");
    int ok = 0;
    for (String id : parts) {
      Outcome o = store.delete(t, id.strip(), now);
      results.add(o.result());
      ok += o.success() ? 1 : 0;
    }
    return Answer.of(ok == parts.length ? 200 : ok == 0 ? 400 : 207, out);
  }

  // -------------------------------------------------------------------------------------------------- read

  /**
   * {@code GET /{module}}: {@code fields} required (at most 50), {@code per_page} up to 200, {@code page} up to
   * the first 2,000 records, {@code page_token} beyond, up to 100,000; 204 when nothing matches.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/getRecords/operation.md,
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/getRecords.md
   */
  private Answer getRecords(Table t, HttpUrl url, RecordedRequest request) {
    String fieldsParam = url.queryParameter("fields");
    if (fieldsParam == null || fieldsParam.isBlank()) {
      throw refuse(400, "REQUIRED_PARAM_MISSING", "required param is missing", details().put("param_name", "fields"));
    }
    List<Field> fields = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (String f : fieldsParam.split(",")) {
      String name = f.strip();
      if (name.equals("id") || !names.add(name)) {
        continue;
      }
      Field field = t.module.field(name);
      if (field == null) {
        throw refuse(400, "INVALID_DATA", "invalid data", details().put("param_name", "fields").put("api_name", name));
      }
      fields.add(field);
    }
    if (names.size() > MAX_FIELDS) {
      throw refuse(400, "LIMIT_EXCEEDED", "limit exceeded", details().put("limit", MAX_FIELDS).put("param_name", "fields"));
    }
    int perPage = intParam(url, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE);
    String sortBy = url.queryParameter("sort_by") == null ? "id" : url.queryParameter("sort_by");
    if (!List.of("id", "Created_Time", "Modified_Time").contains(sortBy)) {
      ObjectNode d = details().put("param_name", "sort_by");
      d.putArray("supported_values").add("id").add("Created_Time").add("Modified_Time");
      throw refuse(400, "INVALID_DATA", "invalid data", d);
    }
    String sortOrder = url.queryParameter("sort_order") == null ? "desc" : url.queryParameter("sort_order");
    if (!sortOrder.equals("asc") && !sortOrder.equals("desc")) {
      ObjectNode d = details().put("param_name", "sort_order");
      d.putArray("supported_values").add("asc").add("desc");
      throw refuse(400, "INVALID_DATA", "invalid data", d);
    }
    Instant now = emulator.time().now();
    String tokenParam = url.queryParameter("page_token");
    int skip;
    int page = 1;
    if (tokenParam != null) {
      PageToken pt = pageTokens.get(tokenParam);
      if (pt == null) {
        throw refuse(400, "INVALID_DATA", "invalid data", details().put("param_name", "page_token"));
      }
      if (!pt.expires().isAfter(now)) {
        throw refuse(400, "EXPIRED_VALUE", "Page token expired",
            details().put("api_name", "page_token").put("json_path", "$.query.page_token"));
      }
      if (!pt.module().equals(t.module.apiName) || !pt.fields().equals(fieldsParam) || !pt.sortBy().equals(sortBy)
          || !pt.sortOrder().equals(sortOrder) || pt.perPage() != perPage) {
        throw refuse(400, "TOKEN_BOUND_DATA_MISMATCH",
            "The page_token given seems to be invalid or input param is added or altered or deleted",
            details().put("param_name", "page_token"));
      }
      if (pt.served() + perPage > TOKEN_LIMIT) {
        throw refuse(400, "PAGINATION_LIMIT_EXCEEDED", "You can only get upto 100000 records using page_token param",
            details().put("param_name", "page_token"));
      }
      skip = pt.served();
      page = pt.served() / perPage + 1;
    } else {
      page = intParam(url, "page", 1, 1, Integer.MAX_VALUE);
      if ((long) page * perPage > DISCRETE_LIMIT) {
        throw refuse(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
            "You can only get the first 2000 records without using page_token param", details().put("limit", DISCRETE_LIMIT));
      }
      skip = (page - 1) * perPage;
    }
    List<Rec> rows = new ArrayList<>(t.live.values());
    String ids = url.queryParameter("ids");
    if (ids != null) {
      Set<String> wanted = new LinkedHashSet<>(List.of(ids.split(",")));
      rows.removeIf(r -> !wanted.contains(Long.toString(r.id)));
    }
    String since = request.getHeaders().get("If-Modified-Since");
    if (since != null) {
      Instant at = ZohoStore.parseDateTime(since.strip());
      if (at == null) {
        throw refuse(400, "INVALID_DATA", "invalid data", details().put("param_name", "If-Modified-Since"));
      }
      rows.removeIf(r -> r.modified.isBefore(at));
      if (rows.isEmpty()) {
        return Answer.of(304, null);
      }
    }
    Comparator<Rec> order = switch (sortBy) {
      case "Created_Time" -> Comparator.<Rec, Instant>comparing(r -> r.created).thenComparingLong(r -> r.id);
      case "Modified_Time" -> Comparator.<Rec, Instant>comparing(r -> r.modified).thenComparingLong(r -> r.id);
      default -> Comparator.comparingLong(r -> r.id);
    };
    rows.sort(sortOrder.equals("asc") ? order : order.reversed());
    int from = Math.min(rows.size(), skip);
    int to = Math.min(rows.size(), from + perPage);
    if (from == to) {
      return Answer.of(204, null);
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode data = out.putArray("data");
    for (Rec r : rows.subList(from, to)) {
      ObjectNode o = data.addObject();
      o.put("id", Long.toString(r.id));
      for (Field f : fields) {
        o.set(f.apiName(), store.recordsApiValue(t, r, f));
      }
    }
    boolean more = to < rows.size();
    ObjectNode info = out.putObject("info");
    info.put("call", false);
    info.put("per_page", perPage);
    String next = null;
    Instant expires = now.plus(Duration.ofDays(1));
    if (more) {
      next = UUID.randomUUID().toString().replace("-", "");
      pageTokens.put(next, new PageToken(t.module.apiName, fieldsParam, sortBy, sortOrder, perPage, to, expires));
    }
    info.put("next_page_token", next);
    info.put("count", to - from);
    info.put("sort_by", sortBy);
    info.put("page", page);
    info.put("page_token_expiry", next == null ? null : store.format(expires));
    info.put("sort_order", sortOrder);
    info.put("email", false);
    info.put("more_records", more);
    info.putNull("previous_page_token");
    return Answer.of(200, out);
  }

  private int intParam(HttpUrl url, String name, int def, int min, int max) {
    String v = url.queryParameter(name);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw refuse(400, "INVALID_DATA", "invalid data", details().put("param_name", name));
    }
  }

  /** {@code GET /{module}/{id}}: the record, or 204 when there is none. */
  private Answer getRecord(Table t, String id, HttpUrl url) {
    if (!id.matches("\\d{1,19}")) {
      throw refuse(400, "INVALID_DATA", "the related id given seems to be invalid", details().put("param_name", "id"));
    }
    Rec r = t.live.get(Long.parseLong(id));
    if (r == null) {
      return Answer.of(204, null);
    }
    ObjectNode out = json.createObjectNode();
    out.putArray("data").add(store.snapshot(t, r));
    return Answer.of(200, out);
  }

  /**
   * {@code GET /{module}/deleted}: {@code type} all, recycle or permanent; {@code page}, {@code per_page} up to
   * 200; {@code If-Modified-Since}; most recent first; 204 when none.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/getDeletedRecords/operation.md,
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/getDeletedRecords.md
   */
  private Answer deletedRecords(Table t, HttpUrl url, RecordedRequest request) {
    String type = url.queryParameter("type") == null ? "all" : url.queryParameter("type");
    if (!List.of("all", "recycle", "permanent").contains(type)) {
      throw refuseInData(400, "PATTERN_NOT_MATCHED", "Please check whether the input values are correct",
          details().put("param_name", "type"));
    }
    int perPage = intParam(url, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE);
    int page = intParam(url, "page", 1, 1, Integer.MAX_VALUE);
    List<Deleted> rows = new ArrayList<>(type.equals("permanent") ? List.of() : t.deleted.values());
    String since = request.getHeaders().get("If-Modified-Since");
    if (since != null) {
      Instant at = ZohoStore.parseDateTime(since.strip());
      if (at == null) {
        throw refuseInData(400, "INVALID_DATA", "invalid data", details().put("param_name", "If-Modified-Since"));
      }
      rows.removeIf(d -> d.at().isBefore(at));
    }
    rows.sort(Comparator.comparing(Deleted::at).thenComparingLong(Deleted::id).reversed());
    long from = Math.min(rows.size(), (long) (page - 1) * perPage);
    int to = (int) Math.min(rows.size(), from + perPage);
    if (from >= to) {
      return Answer.of(204, null);
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode data = out.putArray("data");
    for (Deleted d : rows.subList((int) from, to)) {
      ObjectNode o = data.addObject();
      o.set("deleted_by", store.user(d.deletedBy()));
      o.put("id", Long.toString(d.id()));
      o.put("display_name", d.displayName());
      o.put("type", "recycle");
      o.set("created_by", store.user(d.deletedBy()));
      o.put("deleted_time", store.format(d.at()));
    }
    ObjectNode info = out.putObject("info");
    info.put("per_page", perPage);
    info.put("count", to - from);
    info.put("page", page);
    info.put("more_records", to < rows.size());
    return Answer.of(200, out);
  }

  // -------------------------------------------------------------------------------------------------- COQL

  /** {@code POST /coql}: see {@link Coql}. */
  private Answer coql(JsonNode body, Instant now) {
    JsonNode q = body.get("select_query");
    if (q == null || !q.isTextual() || q.asText().isBlank()) {
      throw refuse(400, "MANDATORY_NOT_FOUND", "mandatory key not found", details().put("api_name", "select_query"));
    }
    try {
      Coql.Query query = Coql.parse(q.asText());
      Table t = store.table(query.module());
      if (t == null) {
        throw refuse(400, "INVALID_MODULE", "the given module is not supported in api", details());
      }
      ObjectNode out = Coql.run(query, t, store);
      return out == null ? Answer.of(204, null) : Answer.of(200, out);
    } catch (Coql.CoqlException e) {
      return Answer.of(400, e.body);
    }
  }

  // ------------------------------------------------------------------------------------------------ fields

  /**
   * {@code GET /settings/fields?module=}: the module's fields with their metadata.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/fields/mds/examples/getFields.md
   */
  private Answer fields(HttpUrl url) {
    String module = url.queryParameter("module");
    if (module == null || module.isBlank()) {
      throw refuse(400, "REQUIRED_PARAM_MISSING", "required param is missing", details().put("param_name", "module"));
    }
    Table t = store.table(module);
    if (t == null) {
      throw refuse(400, "INVALID_MODULE", "the module name given seems to be invalid", details());
    }
    ObjectNode out = json.createObjectNode();
    ArrayNode fields = out.putArray("fields");
    long n = 0;
    for (Field f : t.module.fields.values()) {
      ObjectNode o = fields.addObject();
      o.put("api_name", f.apiName());
      o.put("field_label", f.apiName().replace('_', ' '));
      o.put("display_label", f.apiName().replace('_', ' '));
      o.put("data_type", f.dataType());
      o.put("json_type", switch (f.dataType()) {
        case "integer", "bigint" -> "integer";
        case "double", "currency" -> "double";
        case "boolean" -> "boolean";
        case "multiselectpicklist" -> "jsonarray";
        case "lookup", "ownerlookup", "userlookup" -> "jsonobject";
        default -> "string";
      });
      o.put("length", f.length());
      o.put("system_mandatory", f.mandatory());
      o.put("read_only", f.readOnly());
      o.put("field_read_only", f.readOnly() || f.dataType().equals("autonumber") || f.dataType().equals("formula"));
      o.put("custom_field", f.custom());
      o.put("visible", true);
      o.put("id", Long.toString(5_725_767_000_000_002_000L + (n++)));
      ObjectNode unique = o.putObject("unique");
      if (f.unique()) {
        unique.put("casesensitive", "false");
      }
      ArrayNode picklist = o.putArray("pick_list_values");
      for (String v : f.picklistValues()) {
        picklist.addObject().put("display_value", v).put("actual_value", v);
      }
      ObjectNode lookup = o.putObject("lookup");
      if (f.dataType().equals("lookup") && f.lookupModule() != null) {
        lookup.put("display_label", f.lookupModule());
        lookup.putObject("module").put("api_name", f.lookupModule()).put("id", "5725767000000002177");
      }
    }
    return Answer.of(200, out);
  }
}

package io.crmsync.examples.acme;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.net.ServerSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * Acme CRM's REST API v1, in memory, over HTTP on loopback: what the Acme adapter is tested against. It is
 * built from Acme's reference below, not from what the adapter sends, and refuses what Acme refuses the way
 * Acme refuses it. Time is the {@link TimeSource} it is given. Thread-safe.
 *
 * <pre>{@code
 * try (AcmeCrmServer acme = AcmeCrmServer.builder().customField("favourite_colour", "text").build().start()) {
 *   CRMAdapter adapter = new AcmeCrmProvider().create(AdapterConfig.fromMap("acme", acme.settings()));
 *   ...
 * }
 * }</pre>
 *
 * <h2>Acme CRM REST API v1: reference</h2>
 *
 * <p>Base URL {@code https://api.acme-crm.example}; every path starts with {@code /v1}. Bodies are JSON in
 * UTF-8; times are RFC 3339 in UTC, to the millisecond. Every answer carries {@code X-Request-Id} (quote it
 * to support), {@code X-RateLimit-Limit} and {@code X-RateLimit-Remaining}.
 *
 * <h3>Authentication</h3>
 *
 * <pre>
 * POST /v1/auth/token    {"api_key": "..."}
 *   200 {"access_token": "...", "token_type": "Bearer", "expires_in": 3600}
 *   401 {"error": "invalid_client", "error_description": "..."}
 * </pre>
 *
 * <p>This endpoint answers its errors in the OAuth 2.0 form (RFC 6749, section 5.2): {@code invalid_request}
 * (400), {@code invalid_client} (401), {@code rate_limited} and {@code daily_quota_exceeded} (429). Every
 * other call sends {@code Authorization: Bearer <access_token>}; a missing or unknown token is refused with
 * 401 {@code unauthorized}, an expired one with 401 {@code token_expired}. Get a new token and send the call
 * again: nothing of a refused call is applied.
 *
 * <h3>Errors</h3>
 *
 * <pre>
 * {"error": {"code": "invalid_request", "message": "limit must be between 1 and 200", "field": "limit"}}
 * </pre>
 *
 * <ul>
 *   <li>400 {@code invalid_request}: a body that is not JSON or not of the documented shape, an unknown
 *       parameter or property, a value out of range; {@code field} names it where there is one.
 *   <li>401 {@code unauthorized}, {@code token_expired}.
 *   <li>404 {@code not_found}: no such endpoint.
 *   <li>413 {@code batch_too_large}: more than 100 records or ids in one call.
 *   <li>429 {@code rate_limited}, with {@code Retry-After} in seconds; {@code daily_quota_exceeded}, with
 *       {@code Retry-After} until 00:00 UTC, when the quota resets.
 *   <li>500 {@code internal_error}, 503 {@code unavailable}: try again later.
 * </ul>
 *
 * <h3>Limits</h3>
 *
 * <p>100 requests per rolling 10 seconds per API key, every endpoint's counted, the token endpoint's too;
 * a request refused for a limit does not count. A daily quota of requests per account, as the plan says, reset at 00:00
 * UTC. At most 100 records or ids per batch call, 200 contacts per page.
 *
 * <h3>Contacts</h3>
 *
 * <pre>
 * {"id": "ct_000042", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
 *  "custom_fields": {"favourite_colour": "green"},
 *  "created_at": "2026-01-01T09:30:00.125Z", "updated_at": "2026-01-02T10:00:00Z"}
 * </pre>
 *
 * <p>Properties ({@code GET /v1/contacts/fields} lists them with the account's custom fields): {@code email}
 * (required, unique ignoring case, at most 254 characters), {@code first_name}, {@code last_name}, {@code
 * job_title}, {@code city}, {@code country} (text, 100), {@code company_name} (text, 200), {@code phone}
 * (40), {@code external_id} (text, 64, unique), {@code owner_id} (a user's id, {@code usr_} and digits),
 * {@code created_at} (read-only). A property without a value is absent. Custom field values go in {@code
 * custom_fields} under the field's key: {@code text} (255), {@code number}, {@code boolean}, or {@code
 * picklist} (one of its {@code options}).
 *
 * <pre>
 * GET /v1/contacts?limit=&amp;cursor=&amp;updated_since=&amp;include_deleted=&amp;email=&amp;external_id=
 *   200 {"data": [contact, ...], "next_cursor": "..." | null}
 * </pre>
 *
 * <p>{@code limit} 1 to 200 (50 if absent); {@code cursor} a {@code next_cursor}, sent with the same other
 * parameters; {@code updated_since} contacts updated at or after it; {@code include_deleted=true} adds the
 * contacts deleted in the last 30 days as {@code {"id", "updated_at", "deleted_at"}}; {@code email}
 * (ignoring case) and {@code external_id} filter. Ordered by {@code id}; with {@code updated_since}, by
 * {@code updated_at}, then {@code id}.
 *
 * <pre>
 * POST /v1/contacts/batch_upsert   {"match_on": "email" | "external_id", "records": [{properties}, ...]}
 *   200 {"results": [{"status": "created" | "updated", "id": "ct_..."}
 *                    | {"status": "failed", "error": {"code", "message", "field"}}, ...]}
 * </pre>
 *
 * <p>1 to 100 records, applied in order, each alone: a record updates the live contact whose {@code
 * match_on} property equals its own, or creates one. Only the properties given change; {@code null} clears
 * one. One result per record, in order. A record's error codes: {@code missing_match_value}, {@code
 * missing_required} ({@code email}, on create), {@code invalid_email}, {@code too_long}, {@code
 * invalid_value} (a wrong type, an option the picklist lacks, a malformed user id), {@code unknown_field},
 * {@code read_only_field}, {@code duplicate_value} (another contact has this unique value), {@code
 * record_locked} (another update holds the contact: send it again later).
 *
 * <pre>
 * POST /v1/contacts/batch_delete   {"ids": ["ct_...", ...]}
 *   200 {"results": [{"status": "deleted" | "not_found"}, ...]}
 * GET /v1/contacts/fields
 *   200 {"data": [{"key", "label", "type", "required", "read_only", "unique", "custom", "max_length"?, "options"?}]}
 * </pre>
 */
public final class AcmeCrmServer implements AutoCloseable {
  public static final int MAX_BATCH = 100;
  public static final int MAX_LIMIT = 200;
  public static final int DEFAULT_LIMIT = 50;
  public static final int RATE_LIMIT = 100;
  public static final Duration RATE_WINDOW = Duration.ofSeconds(10);
  public static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
  public static final Duration TOMBSTONES_KEPT = Duration.ofDays(30);
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern USER_ID = Pattern.compile("usr_[0-9]+");

  /** One request the server answered: its status, and the error code it answered with. */
  public record Logged(Instant at, String method, String path, int status, @Nullable String code) {}

  /** A property of contacts, as {@code GET /v1/contacts/fields} describes it. */
  record FieldDef(String key, String label, String type, boolean required, boolean readOnly, boolean unique,
      boolean custom, int maxLength, List<String> options) {
    static FieldDef standard(String key, String label, String type, int maxLength) {
      return new FieldDef(key, label, type, false, false, false, false, maxLength, List.of());
    }
  }

  private static final List<FieldDef> STANDARD = List.of(
      new FieldDef("email", "Email", "email", true, false, true, false, 254, List.of()),
      FieldDef.standard("first_name", "First name", "text", 100),
      FieldDef.standard("last_name", "Last name", "text", 100),
      FieldDef.standard("company_name", "Company", "text", 200),
      FieldDef.standard("job_title", "Job title", "text", 100),
      FieldDef.standard("phone", "Phone", "phone", 40),
      FieldDef.standard("city", "City", "text", 100),
      FieldDef.standard("country", "Country", "text", 100),
      new FieldDef("external_id", "External id", "text", false, false, true, false, 64, List.of()),
      FieldDef.standard("owner_id", "Owner", "reference", 0),
      new FieldDef("created_at", "Created", "datetime", false, true, false, false, 0, List.of()));

  /** A contact as stored: its properties by Acme's keys, custom field values apart. */
  private static final class Stored {
    final String id;
    final ObjectNode props;
    final ObjectNode custom;
    Instant updatedAt;
    @Nullable Instant deletedAt;

    Stored(String id, ObjectNode props, ObjectNode custom, Instant now) {
      this.id = id;
      this.props = props;
      this.custom = custom;
      this.updatedAt = now;
    }

    @Nullable String value(String key) {
      JsonNode v = props.get(key);
      return v == null || v.isNull() ? null : v.asText();
    }
  }

  /** An answer under construction; {@code retryAfter} in seconds, 0 for none. */
  private record Answer(int status, JsonNode body, @Nullable String code, long retryAfter) {
    Answer(int status, JsonNode body, @Nullable String code) {
      this(status, body, code, 0);
    }
  }

  /** A request Acme refuses, carried out of the validation that found it. */
  private static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Answer answer;

    Refused(Answer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final MockWebServer server = new MockWebServer();
  private final TimeSource time;
  private final String apiKey;
  private final Map<String, FieldDef> fields = new LinkedHashMap<>();
  private final long dailyQuota;
  private final Object lock = new Object();
  private final TreeMap<String, Stored> contacts = new TreeMap<>();
  private final Map<String, Stored> byEmail = new HashMap<>(); // live contacts by lower-cased email
  private final Map<String, Stored> byExternalId = new HashMap<>(); // live contacts by external_id
  private final Map<String, Instant> tokens = new HashMap<>();
  private final Deque<Instant> window = new ArrayDeque<>();
  private final List<Logged> log = new ArrayList<>();
  private final Set<String> locked = new HashSet<>();
  private @Nullable LocalDate quotaDay;
  private long usedToday;
  private long nextId = 1;
  private long requestIds;
  private boolean loseNextWriteAnswer;
  private @Nullable MockResponse nextAnswer;

  private AcmeCrmServer(Builder b) {
    this.time = b.time;
    this.apiKey = b.apiKey;
    this.dailyQuota = b.dailyQuota;
    STANDARD.forEach(f -> fields.put(f.key(), f));
    b.custom.forEach(f -> fields.put(f.key(), f));
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts serving on a free loopback port. */
  public AcmeCrmServer start() {
    try {
      server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Acme CRM server", e);
    }
    return this;
  }

  /** The settings of an Acme adapter pointed at this server: {@code baseUrl} and {@code token}. */
  public Map<String, String> settings() {
    String url = server.url("/").toString();
    return Map.of("baseUrl", url.substring(0, url.length() - 1), "token", apiKey);
  }

  @Override
  public void close() {
    server.close();
  }

  // ------------------------------------------------------------------------- what tests look at and do

  /** The live contacts, as {@code GET /v1/contacts} returns them. */
  public List<ObjectNode> contacts() {
    synchronized (lock) {
      return contacts.values().stream().filter(c -> c.deletedAt == null).map(this::toJson).toList();
    }
  }

  /** The live contact with this email, ignoring case. */
  public Optional<ObjectNode> contact(String email) {
    synchronized (lock) {
      return Optional.ofNullable(find("email", email)).map(this::toJson);
    }
  }

  /** Changes a contact as a user of Acme's own screens would: {@code updated_at} moves. */
  public void edit(String id, Map<String, Object> properties) {
    synchronized (lock) {
      Stored c = Objects.requireNonNull(contacts.get(id), id);
      index(c, false);
      properties.forEach((k, v) -> (fields.get(k).custom() ? c.custom : c.props).set(k, json.valueToTree(v)));
      index(c, true);
      c.updatedAt = now();
    }
  }

  /** Every request answered, in order. */
  public List<Logged> requests() {
    synchronized (lock) {
      return List.copyOf(log);
    }
  }

  /** The requests Acme refused (4xx, 5xx), counted by status and error code. */
  public Map<String, Long> refusals() {
    Map<String, Long> out = new TreeMap<>();
    for (Logged l : requests()) {
      if (l.status() >= 400) {
        out.merge(l.status() + " " + l.code(), 1L, Long::sum);
      }
    }
    return out;
  }

  /** The most requests answered within any {@code window}. */
  public int maxRequestsInAnyWindow(Duration window) {
    List<Instant> at = requests().stream().map(Logged::at).toList();
    int max = 0;
    for (int i = 0, j = 0; j < at.size(); j++) {
      while (!at.get(i).plus(window).isAfter(at.get(j))) {
        i++;
      }
      max = Math.max(max, j - i + 1);
    }
    return max;
  }

  /** Expires every access token now, as a restart of Acme's session store does. */
  public void expireTokens() {
    synchronized (lock) {
      tokens.replaceAll((token, expiry) -> now());
    }
  }

  /** Another update holds the contact with this email: upserts of it fail with {@code record_locked}. */
  public void lock(String email) {
    synchronized (lock) {
      locked.add(email.toLowerCase(Locale.ROOT));
    }
  }

  /** Applies the next batch call, then drops the connection before its answer: the answer is lost. */
  public void loseNextWriteAnswer() {
    synchronized (lock) {
      loseNextWriteAnswer = true;
    }
  }

  /** Answers the next authenticated API call with this, applying nothing (an HTML page from a proxy, a cut body). */
  public void answerNext(int status, String contentType, String body) {
    synchronized (lock) {
      nextAnswer = new MockResponse.Builder().code(status).setHeader("Content-Type", contentType).body(body).build();
    }
  }

  // ----------------------------------------------------------------------------------------- requests

  private MockResponse answer(RecordedRequest request) {
    synchronized (lock) {
      Instant now = now();
      HttpUrl url = request.getUrl();
      String method = request.getMethod();
      String path = url.encodedPath();
      Answer a;
      boolean lose = false;
      try {
        admit(now);
        if (method.equals("POST") && path.equals("/v1/auth/token")) {
          a = token(request, now);
        } else {
          authenticate(request.getHeaders().get("Authorization"), now);
          MockResponse canned = nextAnswer;
          if (canned != null) {
            nextAnswer = null;
            log.add(new Logged(now, method, path, canned.getCode(), "canned"));
            return canned;
          }
          a = switch (method + " " + path) {
            case "GET /v1/contacts" -> list(url, now);
            case "GET /v1/contacts/fields" -> describe();
            case "POST /v1/contacts/batch_upsert" -> upsert(body(request), now);
            case "POST /v1/contacts/batch_delete" -> delete(body(request), now);
            default -> throw refused(404, "not_found", "no endpoint " + method + " " + path, null);
          };
          lose = method.equals("POST") && loseNextWriteAnswer;
          loseNextWriteAnswer &= !lose;
        }
      } catch (Refused r) {
        a = r.answer;
        if (path.equals("/v1/auth/token") && a.status() == 429) { // the token endpoint's errors are OAuth 2.0's
          Answer oauth = oauthError(429, a.code(), a.body().path("error").path("message").asText());
          a = new Answer(429, oauth.body(), a.code(), a.retryAfter());
        }
      }
      log.add(new Logged(now, method, path, a.status(), a.code()));
      MockResponse.Builder response = new MockResponse.Builder().code(a.status())
          .setHeader("Content-Type", "application/json; charset=utf-8")
          .setHeader("X-Request-Id", "req_" + (++requestIds))
          .setHeader("X-RateLimit-Limit", Integer.toString(RATE_LIMIT))
          .setHeader("X-RateLimit-Remaining", Integer.toString(Math.max(0, RATE_LIMIT - window.size())))
          .body(a.body().toString());
      if (a.retryAfter() > 0) {
        response.setHeader("Retry-After", Long.toString(a.retryAfter()));
      }
      if (lose) {
        response.onResponseStart(SocketEffect.ShutdownConnection.INSTANCE);
      }
      return response.build();
    }
  }

  /** The daily quota, then the rolling window: a request either side refuses does not count. */
  private void admit(Instant now) {
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    if (!today.equals(quotaDay)) {
      quotaDay = today;
      usedToday = 0;
    }
    if (usedToday >= dailyQuota) {
      Instant midnight = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      throw limited("daily_quota_exceeded", "the account's daily quota of " + dailyQuota + " requests is spent",
          Duration.between(now, midnight));
    }
    while (!window.isEmpty() && !window.peekFirst().plus(RATE_WINDOW).isAfter(now)) {
      window.pollFirst();
    }
    if (window.size() >= RATE_LIMIT) {
      throw limited("rate_limited", RATE_LIMIT + " requests per " + RATE_WINDOW.toSeconds() + " s",
          Duration.between(now, window.peekFirst().plus(RATE_WINDOW)));
    }
    window.addLast(now);
    usedToday++;
  }

  private Refused limited(String code, String message, Duration wait) {
    Answer a = refused(429, code, message, null).answer;
    return new Refused(new Answer(429, a.body(), code, Math.max(1, (wait.toMillis() + 999) / 1000)));
  }

  private Answer token(RecordedRequest request, Instant now) {
    JsonNode body;
    try {
      body = json.readTree(bodyText(request));
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject() || !body.path("api_key").isTextual()) {
      return oauthError(400, "invalid_request", "the body must be {\"api_key\": \"...\"}");
    }
    if (!body.path("api_key").asText().equals(apiKey)) {
      return oauthError(401, "invalid_client", "the API key is not valid");
    }
    String token = "at_" + UUID.randomUUID().toString().replace("-", "");
    tokens.put(token, now.plus(TOKEN_LIFETIME));
    ObjectNode out = json.createObjectNode().put("access_token", token).put("token_type", "Bearer")
        .put("expires_in", TOKEN_LIFETIME.toSeconds());
    return new Answer(200, out, null);
  }

  private Answer oauthError(int status, String error, String description) {
    return new Answer(status, json.createObjectNode().put("error", error).put("error_description", description), error);
  }

  private void authenticate(@Nullable String authorization, Instant now) {
    String token = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
    Instant expiry = tokens.get(token);
    if (expiry == null) {
      throw refused(401, "unauthorized", "a valid access token is required", null);
    }
    if (!now.isBefore(expiry)) {
      throw refused(401, "token_expired", "the access token has expired", null);
    }
  }

  // ------------------------------------------------------------------------------------------- reads

  private Answer list(HttpUrl url, Instant now) {
    for (String p : url.queryParameterNames()) {
      if (!Set.of("limit", "cursor", "updated_since", "include_deleted", "email", "external_id").contains(p)) {
        throw invalid(p, "unknown parameter " + p);
      }
    }
    int limit = DEFAULT_LIMIT;
    if (url.queryParameter("limit") != null) {
      try {
        limit = Integer.parseInt(url.queryParameter("limit"));
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw invalid("limit", "limit must be between 1 and " + MAX_LIMIT);
      }
    }
    Instant since = null;
    if (url.queryParameter("updated_since") != null) {
      try {
        since = Instant.parse(url.queryParameter("updated_since"));
      } catch (DateTimeException e) {
        throw invalid("updated_since", "updated_since must be an RFC 3339 time");
      }
    }
    String includeDeleted = url.queryParameter("include_deleted");
    if (includeDeleted != null && !includeDeleted.equals("true") && !includeDeleted.equals("false")) {
      throw invalid("include_deleted", "include_deleted must be true or false");
    }
    boolean deleted = "true".equals(includeDeleted);
    String email = url.queryParameter("email");
    String externalId = url.queryParameter("external_id");
    Instant from = since;
    Predicate<Stored> wanted = c -> (c.deletedAt == null
            || deleted && email == null && externalId == null && c.deletedAt.isAfter(now.minus(TOMBSTONES_KEPT)))
        && (from == null || !c.updatedAt.isBefore(from))
        && (email == null || email.equalsIgnoreCase(c.value("email")))
        && (externalId == null || externalId.equals(c.value("external_id")));
    Comparator<Stored> order = from == null ? Comparator.comparing((Stored c) -> c.id)
        : Comparator.comparing((Stored c) -> c.updatedAt).thenComparing(c -> c.id);
    List<Stored> matching = contacts.values().stream().filter(wanted).sorted(order).toList();
    int start = 0;
    String cursor = url.queryParameter("cursor");
    if (cursor != null) {
      Stored after = decodeCursor(cursor, from != null);
      while (start < matching.size() && order.compare(matching.get(start), after) <= 0) {
        start++;
      }
    }
    List<Stored> page = matching.subList(start, Math.min(matching.size(), start + limit));
    ArrayNode data = json.createArrayNode();
    page.forEach(c -> data.add(toJson(c)));
    ObjectNode out = json.createObjectNode().set("data", data);
    boolean more = start + page.size() < matching.size();
    out.put("next_cursor", more ? encodeCursor(page.get(page.size() - 1), from != null) : null);
    return new Answer(200, out, null);
  }

  private String encodeCursor(Stored last, boolean byUpdate) {
    String position = (byUpdate ? "u:" + last.updatedAt.toEpochMilli() : "i:") + ":" + last.id;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  /** The position a cursor holds, as a contact to compare with; refused if it was made for another order. */
  private Stored decodeCursor(String cursor, boolean byUpdate) {
    String[] parts;
    try {
      parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 3);
    } catch (IllegalArgumentException e) {
      parts = new String[0];
    }
    if (parts.length != 3 || !parts[0].equals(byUpdate ? "u" : "i")) {
      throw invalid("cursor", "cursor is not a next_cursor of a list with these parameters");
    }
    Stored position = new Stored(parts[2], json.createObjectNode(), json.createObjectNode(), Instant.EPOCH);
    if (byUpdate) {
      try {
        position.updatedAt = Instant.ofEpochMilli(Long.parseLong(parts[1]));
      } catch (NumberFormatException e) {
        throw invalid("cursor", "cursor is not a next_cursor of a list with these parameters");
      }
    }
    return position;
  }

  private Answer describe() {
    ArrayNode data = json.createArrayNode();
    for (FieldDef f : fields.values()) {
      ObjectNode n = data.addObject().put("key", f.key()).put("label", f.label()).put("type", f.type())
          .put("required", f.required()).put("read_only", f.readOnly()).put("unique", f.unique())
          .put("custom", f.custom());
      if (f.maxLength() > 0) {
        n.put("max_length", f.maxLength());
      }
      if (!f.options().isEmpty()) {
        f.options().forEach(n.putArray("options")::add);
      }
    }
    return new Answer(200, json.createObjectNode().set("data", data), null);
  }

  // ------------------------------------------------------------------------------------------ writes

  private Answer upsert(JsonNode body, Instant now) {
    onlyProperties(body, "match_on", "records");
    String matchOn = body.path("match_on").asText("");
    if (!matchOn.equals("email") && !matchOn.equals("external_id")) {
      throw invalid("match_on", "match_on must be email or external_id");
    }
    JsonNode records = batch(body, "records");
    ArrayNode results = json.createArrayNode();
    for (JsonNode record : records) {
      results.add(upsertOne(matchOn, record, now));
    }
    return new Answer(200, json.createObjectNode().set("results", results), null);
  }

  private ObjectNode upsertOne(String matchOn, JsonNode record, Instant now) {
    if (!record.isObject()) {
      return failed("invalid_value", "a record must be an object", null);
    }
    ObjectNode props = json.createObjectNode();
    ObjectNode custom = json.createObjectNode();
    for (Map.Entry<String, JsonNode> e : record.properties()) {
      String key = e.getKey();
      if (key.equals("custom_fields")) {
        if (!e.getValue().isObject()) {
          return failed("invalid_value", "custom_fields must be an object", key);
        }
        for (Map.Entry<String, JsonNode> c : e.getValue().properties()) {
          FieldDef f = fields.get(c.getKey());
          if (f == null || !f.custom()) {
            return failed("unknown_field", "this account has no custom field " + c.getKey(), c.getKey());
          }
          ObjectNode error = check(f, c.getValue());
          if (error != null) {
            return error;
          }
          custom.set(c.getKey(), c.getValue());
        }
        continue;
      }
      FieldDef f = fields.get(key);
      if (f == null || f.custom()) {
        return failed("unknown_field", "contacts have no property " + key
            + (f != null ? " (custom field values go in custom_fields)" : ""), key);
      }
      if (f.readOnly()) {
        return failed("read_only_field", key + " is read-only", key);
      }
      ObjectNode error = check(f, e.getValue());
      if (error != null) {
        return error;
      }
      props.set(key, e.getValue());
    }
    String matchValue = props.path(matchOn).asText("");
    if (matchValue.isBlank()) {
      return failed("missing_match_value", "the record has no " + matchOn + " to match on", matchOn);
    }
    Stored existing = find(matchOn, matchValue);
    if (existing != null && existing.value("email") != null
        && locked.contains(existing.value("email").toLowerCase(Locale.ROOT))) {
      return failed("record_locked", "another update holds this contact; send it again later", null);
    }
    for (String unique : List.of("email", "external_id")) {
      JsonNode v = props.get(unique);
      Stored other = v == null || v.isNull() ? null : find(unique, v.asText());
      if (other != null && other != existing) {
        return failed("duplicate_value", "another contact has this " + unique, unique);
      }
    }
    if (existing == null) {
      if (!props.hasNonNull("email")) {
        return failed("missing_required", "email is required to create a contact", "email");
      }
      Stored created = new Stored(String.format(Locale.ROOT, "ct_%06d", nextId++), json.createObjectNode(),
          json.createObjectNode(), now);
      created.props.put("created_at", now.toString());
      apply(created, props, custom);
      contacts.put(created.id, created);
      index(created, true);
      return json.createObjectNode().put("status", "created").put("id", created.id);
    }
    index(existing, false);
    apply(existing, props, custom);
    index(existing, true);
    existing.updatedAt = now;
    return json.createObjectNode().put("status", "updated").put("id", existing.id);
  }

  private static void apply(Stored c, ObjectNode props, ObjectNode custom) {
    for (Map.Entry<String, JsonNode> e : props.properties()) {
      if (e.getValue().isNull()) {
        c.props.remove(e.getKey());
      } else {
        c.props.set(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, JsonNode> e : custom.properties()) {
      if (e.getValue().isNull()) {
        c.custom.remove(e.getKey());
      } else {
        c.custom.set(e.getKey(), e.getValue());
      }
    }
  }

  /** The record's error for a value property {@code f} does not take, or null if it takes it. */
  private @Nullable ObjectNode check(FieldDef f, JsonNode v) {
    String key = f.key();
    if (v.isNull()) {
      return f.required() ? failed("invalid_value", key + " cannot be cleared", key) : null;
    }
    boolean text = !f.type().equals("number") && !f.type().equals("boolean");
    if (text && !v.isTextual() || f.type().equals("number") && !v.isNumber()
        || f.type().equals("boolean") && !v.isBoolean()) {
      return failed("invalid_value", key + " must be " + (text ? "text" : "a " + f.type()), key);
    }
    if (f.maxLength() > 0 && v.asText().length() > f.maxLength()) {
      return failed("too_long", key + " is longer than " + f.maxLength() + " characters", key);
    }
    if (f.type().equals("email") && !EMAIL.matcher(v.asText()).matches()) {
      return failed("invalid_email", key + " is not a valid email address", key);
    }
    if (f.type().equals("reference") && !USER_ID.matcher(v.asText()).matches()) {
      return failed("invalid_value", key + " must be a user id (usr_ and digits)", key);
    }
    if (f.type().equals("picklist") && !f.options().contains(v.asText())) {
      return failed("invalid_value", key + " must be one of " + f.options(), key);
    }
    return null;
  }

  private ObjectNode failed(String code, String message, @Nullable String field) {
    ObjectNode error = json.createObjectNode().put("code", code).put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    ObjectNode result = json.createObjectNode().put("status", "failed");
    result.set("error", error);
    return result;
  }

  private Answer delete(JsonNode body, Instant now) {
    onlyProperties(body, "ids");
    ArrayNode results = json.createArrayNode();
    for (JsonNode id : batch(body, "ids")) {
      if (!id.isTextual()) {
        throw invalid("ids", "ids must be text");
      }
    }
    for (JsonNode id : body.get("ids")) {
      Stored c = contacts.get(id.asText());
      if (c == null || c.deletedAt != null) {
        results.addObject().put("status", "not_found");
      } else {
        index(c, false);
        c.deletedAt = now;
        c.updatedAt = now;
        results.addObject().put("status", "deleted");
      }
    }
    return new Answer(200, json.createObjectNode().set("results", results), null);
  }

  // ----------------------------------------------------------------------------------------- helpers

  private Instant now() {
    return time.now().truncatedTo(ChronoUnit.MILLIS);
  }

  /** The live contact whose {@code email} (ignoring case) or {@code external_id} is {@code value}. */
  private @Nullable Stored find(String key, String value) {
    return key.equals("email") ? byEmail.get(value.toLowerCase(Locale.ROOT)) : byExternalId.get(value);
  }

  private void index(Stored c, boolean add) {
    String email = c.value("email");
    String externalId = c.value("external_id");
    if (email != null) {
      if (add) {
        byEmail.put(email.toLowerCase(Locale.ROOT), c);
      } else {
        byEmail.remove(email.toLowerCase(Locale.ROOT), c);
      }
    }
    if (externalId != null) {
      if (add) {
        byExternalId.put(externalId, c);
      } else {
        byExternalId.remove(externalId, c);
      }
    }
  }

  private ObjectNode toJson(Stored c) {
    ObjectNode out = json.createObjectNode().put("id", c.id);
    if (c.deletedAt != null) {
      return out.put("updated_at", c.updatedAt.toString()).put("deleted_at", c.deletedAt.toString());
    }
    out.setAll(c.props.deepCopy());
    if (!c.custom.isEmpty()) {
      out.set("custom_fields", c.custom.deepCopy());
    }
    return out.put("updated_at", c.updatedAt.toString());
  }

  private JsonNode body(RecordedRequest request) {
    try {
      JsonNode body = json.readTree(bodyText(request));
      if (body == null || !body.isObject()) {
        throw invalid(null, "the body must be a JSON object");
      }
      return body;
    } catch (IOException e) {
      throw invalid(null, "the body is not valid JSON");
    }
  }

  private static String bodyText(RecordedRequest request) {
    return request.getBody() == null ? "" : request.getBody().utf8();
  }

  private void onlyProperties(JsonNode body, String... allowed) {
    for (Map.Entry<String, JsonNode> e : body.properties()) {
      if (!List.of(allowed).contains(e.getKey())) {
        throw invalid(e.getKey(), "unknown property " + e.getKey());
      }
    }
  }

  /** The array {@code name} of 1 to 100 elements. */
  private JsonNode batch(JsonNode body, String name) {
    JsonNode items = body.get(name);
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw invalid(name, name + " must be an array of 1 to " + MAX_BATCH);
    }
    if (items.size() > MAX_BATCH) {
      throw refused(413, "batch_too_large", name + " has " + items.size() + " elements; at most " + MAX_BATCH, name);
    }
    return items;
  }

  private Refused invalid(@Nullable String field, String message) {
    return refused(400, "invalid_request", message, field);
  }

  private Refused refused(int status, String code, String message, @Nullable String field) {
    ObjectNode error = json.createObjectNode().put("code", code).put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    return new Refused(new Answer(status, json.createObjectNode().set("error", error), code));
  }

  /**
   * Server sockets whose connections send at once (TCP_NODELAY): otherwise an answer written in two parts
   * waits for the client's delayed acknowledgement, 40 ms a request on Linux.
   */
  private static final class NoDelayServerSockets extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket s = super.accept();
          s.setTcpNoDelay(true);
          return s;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return createServerSocket(port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return createServerSocket(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, @Nullable InetAddress address) throws IOException {
      ServerSocket s = createServerSocket();
      s.bind(new InetSocketAddress(address, port), backlog);
      return s;
    }
  }

  /** Builds an {@link AcmeCrmServer}. */
  public static final class Builder {
    private TimeSource time = TimeSource.system();
    private String apiKey = "ak_" + UUID.randomUUID().toString().replace("-", "");
    private long dailyQuota = Long.MAX_VALUE;
    private final List<FieldDef> custom = new ArrayList<>();

    private Builder() {}

    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    public Builder apiKey(String apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    /** The account's daily quota of requests; none by default. */
    public Builder dailyQuota(long requests) {
      this.dailyQuota = requests;
      return this;
    }

    /** A custom field of contacts: {@code text}, {@code number}, {@code boolean}, or {@code picklist} with options. */
    public Builder customField(String key, String type, String... options) {
      if (!Set.of("text", "number", "boolean", "picklist").contains(type)) {
        throw new IllegalArgumentException("no custom field type " + type);
      }
      custom.add(new FieldDef(key, key, type, false, false, false, true, type.equals("text") ? 255 : 0,
          List.of(options)));
      return this;
    }

    public AcmeCrmServer build() {
      return new AcmeCrmServer(this);
    }
  }
}

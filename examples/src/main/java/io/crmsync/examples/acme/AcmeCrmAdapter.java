package io.crmsync.examples.acme;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import io.crmsync.adapter.spi.AdapterEvents;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.Shapes;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CRMAdapter} for Acme CRM's REST API v1: contacts, their custom fields included. Thread-safe;
 * create one per Acme account ({@link AcmeCrmProvider} reads the settings) and share it.
 *
 * <ul>
 *   <li>Reads: {@code GET /v1/contacts}, pages of up to 200 by Acme's cursor; incremental reads by {@code
 *       updated_since}, deleted contacts of the last 30 days with {@code include_deleted}.
 *   <li>Upserts: {@code POST /v1/contacts/batch_upsert}, up to 100 records matched on {@code email} or
 *       {@code external_id}, a result per record. A batch sent again after its answer was lost updates
 *       what the first attempt created, so the engine's retries never duplicate a contact.
 *   <li>Deletes: {@code POST /v1/contacts/batch_delete}; an id Acme no longer has counts as deleted, so
 *       deletes can be retried.
 *   <li>{@code describe()}: Acme's field list, {@code GET /v1/contacts/fields}, custom fields included.
 *   <li>A session token from {@code POST /v1/auth/token}, renewed a minute before it expires and once
 *       more if Acme refuses it; listeners hear every request, renewal, retry and rate limit.
 * </ul>
 */
public final class AcmeCrmAdapter implements CRMAdapter {
  /** The adapter's id, and its provider's. */
  public static final String ID = "acme";
  /** Acme takes at most 100 records or ids per batch call. */
  static final int MAX_BATCH_SIZE = 100;
  /** Acme returns at most 200 contacts per list call. */
  static final int MAX_PAGE_SIZE = 200;
  /** Acme's rate limit: 100 requests per rolling 10 seconds per API key, its token endpoint's included. */
  static final Duration RATE_WINDOW = Duration.ofSeconds(10);
  private static final Duration RENEW_AHEAD = Duration.ofMinutes(1);
  private static final String CURSOR_PREFIX = "acme1.";

  private final HttpUrl api;
  private final Secret apiKey;
  private final CrmHttp http;
  private final AcmeJson json;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  private final AdapterEvents events = AdapterEvents.create(ID);
  private final Object sessionLock = new Object();
  private @Nullable Secret session; // guarded by sessionLock
  private Instant sessionExpiresAt = Instant.MIN; // guarded by sessionLock

  AcmeCrmAdapter(HttpUrl baseUrl, Secret apiKey, int budget, AdapterConfig config) {
    this.api = baseUrl.newBuilder().addPathSegment("v1").build();
    this.apiKey = apiKey;
    this.mapper = config.objectMapper();
    this.time = config.timeSource();
    this.json = new AcmeJson(mapper);
    // README:spi-adapter:start
    // one client for every call: maps transport failures, error statuses and bodies that are not JSON to
    // the exception hierarchy, reads Acme's error bodies, and tells listeners of every request it sends
    this.http = new CrmHttp(ID, config.httpClient(), mapper, new AcmeErrors(), time, List.of("X-Request-Id"),
        CrmHttp.DEFAULT_MAX_RESPONSE_BYTES).withEvents(events);
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(MAX_BATCH_SIZE)        // records per batch_upsert or batch_delete
        .maxPageSize(MAX_PAGE_SIZE)          // contacts per list call
        .budget(RequestBudget.of(budget, RATE_WINDOW))
        .incrementalReads(true)              // updated_since
        .deletes(true)
        .readsDeleted(true)                  // include_deleted
        .build();
    // README:spi-adapter:end
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return events.add(listener);
  }

  // ------------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    requireContacts(request.objectType());
    HttpUrl.Builder url = api.newBuilder().addPathSegment("contacts")
        .addQueryParameter("limit", Integer.toString(Math.min(request.pageSize(), MAX_PAGE_SIZE)));
    if (request.since() != null) {
      // Acme keeps milliseconds: rounding down reads a little more, never less
      url.addQueryParameter("updated_since", request.since().truncatedTo(ChronoUnit.MILLIS).toString());
    }
    if (request.includeDeleted()) {
      url.addQueryParameter("include_deleted", "true");
    }
    if (request.cursor() != null) {
      if (!request.cursor().startsWith(CURSOR_PREFIX)) {
        throw new IllegalArgumentException("not a cursor of the Acme adapter");
      }
      url.addQueryParameter("cursor", request.cursor().substring(CURSOR_PREFIX.length()));
    }
    String what = "GET /v1/contacts";
    JsonNode body = call("read", new Request.Builder().url(url.build()));
    List<CrmRecord> records = new ArrayList<>();
    for (JsonNode contact : Shapes.array(ID, body, "data", what)) {
      records.add(json.fromAcme(contact, what));
    }
    String next = Shapes.optionalText(ID, body, "next_cursor", what);
    return new Page(records, next == null ? null : CURSOR_PREFIX + next);
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    requireContacts(objectType);
    HttpUrl url = api.newBuilder().addPathSegment("contacts")
        .addQueryParameter(matchOn(key), value).addQueryParameter("limit", "2").build();
    String what = "GET /v1/contacts";
    JsonNode found = Shapes.array(ID, call("lookup", new Request.Builder().url(url)), "data", what);
    return found.size() == 1 ? Optional.of(json.fromAcme(found.get(0), what)) : Optional.empty();
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    requireContacts(objectType);
    String what = "GET /v1/contacts/fields";
    HttpUrl url = api.newBuilder().addPathSegments("contacts/fields").build();
    JsonNode body = call("describe", new Request.Builder().url(url));
    List<FieldInfo> fields = new ArrayList<>();
    for (JsonNode f : Shapes.array(ID, body, "data", what)) {
      Shapes.object(ID, f, what);
      String key = AcmeJson.text(f, "key", what);
      String type = AcmeJson.text(f, "type", what);
      boolean custom = Shapes.bool(ID, f, "custom", what);
      List<String> options = new ArrayList<>();
      f.path("options").forEach(o -> options.add(o.asText()));
      fields.add(FieldInfo.builder(custom ? key : AcmeJson.canonical(key))
          .nativeName(key)
          .type(type)
          .required(Shapes.bool(ID, f, "required", what))
          .readOnly(Shapes.bool(ID, f, "read_only", what))
          .custom(custom)
          .reference(type.equals("reference"))   // a user id of Acme's: meaningless in any other system
          .maxLength(f.path("max_length").asInt(0))
          .picklistValues(options)
          .build());
    }
    return fields;
  }

  // ------------------------------------------------------------------------------------------ writes

  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    requireContacts(objectType);
    requireBatchSize(records.size());
    String matchOn = matchOn(key);
    RecordResult[] results = new RecordResult[records.size()];
    List<Integer> sent = new ArrayList<>();
    ArrayNode batch = mapper.createArrayNode();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      requireContacts(r.objectType());
      if (key.normalize(r.fields().get(key.field())) == null) {  // fails alone, before anything is sent
        results[i] = RecordResult.failed(i, new RecordError(RecordError.MISSING_MATCH_KEY,
            "no value for the match key '" + key.field() + "'", List.of(), false));
      } else {
        sent.add(i);
        batch.add(json.toAcme(r));
      }
    }
    if (!sent.isEmpty()) {
      ObjectNode body = mapper.createObjectNode().put("match_on", matchOn).set("records", batch);
      JsonNode answer = call("upsert", post("contacts/batch_upsert", body));
      JsonNode each = results(answer, sent.size(), "POST /v1/contacts/batch_upsert");
      for (int k = 0; k < sent.size(); k++) {
        int i = sent.get(k);
        JsonNode r = each.get(k);
        results[i] = switch (AcmeJson.text(r, "status", "batch_upsert result")) {
          case "created" -> RecordResult.created(i, AcmeJson.text(r, "id", "batch_upsert result"));
          case "updated" -> RecordResult.updated(i, AcmeJson.text(r, "id", "batch_upsert result"));
          case "failed" -> RecordResult.failed(i, AcmeJson.recordError(r.path("error"), "batch_upsert error"));
          default -> throw AcmeJson.unexpected("POST /v1/contacts/batch_upsert", "a documented status");
        };
      }
    }
    return List.of(results);
  }

  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    requireContacts(objectType);
    requireBatchSize(ids.size());
    if (ids.isEmpty()) {
      return List.of();
    }
    ArrayNode idList = mapper.createArrayNode();
    ids.forEach(idList::add);
    JsonNode answer = call("delete", post("contacts/batch_delete", mapper.createObjectNode().set("ids", idList)));
    JsonNode each = results(answer, ids.size(), "POST /v1/contacts/batch_delete");
    List<RecordResult> results = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String status = AcmeJson.text(each.get(i), "status", "batch_delete result");
      if (!status.equals("deleted") && !status.equals("not_found")) {
        throw AcmeJson.unexpected("POST /v1/contacts/batch_delete", "a documented status");
      }
      results.add(RecordResult.deleted(i, ids.get(i))); // not_found: deleted before, by an earlier attempt
    }
    return results;
  }

  // ------------------------------------------------------------------------------------------ checks

  private static void requireContacts(String objectType) {
    if (!objectType.equals(ObjectTypes.CONTACT)) {
      throw new IllegalArgumentException("the Acme adapter reads and writes contacts only, not " + objectType);
    }
  }

  private static void requireBatchSize(int size) {
    if (size > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException(size + " records exceed maxBatchSize " + MAX_BATCH_SIZE);
    }
  }

  /** Acme's name for the property a key matches on: the two it keeps unique. */
  private static String matchOn(MatchKey key) {
    String acmeKey = AcmeJson.NATIVE.get(key.field());
    if (acmeKey == null || !(acmeKey.equals("email") || acmeKey.equals("external_id"))) {
      throw new IllegalArgumentException("Acme matches contacts on email or external_id only, not " + key.field());
    }
    return acmeKey;
  }

  /** The {@code results} of a batch call: one per record sent, in order, or the call failed. */
  private static JsonNode results(JsonNode answer, int expected, String what) {
    JsonNode results = Shapes.array(ID, answer, "results", what);
    if (results.size() != expected) {
      throw AcmeJson.unexpected(what, expected + " results, one per record sent, not " + results.size());
    }
    return results;
  }

  // -------------------------------------------------------------------------------------------- HTTP

  private Request.Builder post(String path, JsonNode body) {
    return new Request.Builder().url(api.newBuilder().addPathSegments(path).build()).post(http.jsonBody(body));
  }

  /**
   * Sends one API call with the session token. A 401 means the session expired early (Acme restarted, the
   * key was rotated): the session is renewed once and the call sent again, which is safe for writes too,
   * since Acme applies nothing of a call it refuses.
   */
  private JsonNode call(String operation, Request.Builder request) {
    request.tag(CrmHttp.Operation.class, new CrmHttp.Operation(operation));
    Secret token = session(null);
    try {
      return send(operation, request, token);
    } catch (CrmAuthenticationException e) {
      if (e.statusCode() != 401) {
        throw e;
      }
      events.retry(operation, e);
      return send(operation, request, session(token));
    }
  }

  private JsonNode send(String operation, Request.Builder request, Secret token) {
    try {
      return http.execute(request.header("Authorization", "Bearer " + token.reveal()).build());
    } catch (CrmRateLimitException e) {
      events.rateLimited(operation, e.retryAfter(), e.isQuotaExhausted()); // the engine waits; listeners count
      throw e;
    }
  }

  /**
   * The session token: a new one when there is none yet, when it expires within a minute, or when it is
   * the one Acme just {@code rejected} (and no other thread renewed it meanwhile).
   */
  private Secret session(@Nullable Secret rejected) {
    synchronized (sessionLock) {
      Instant now = time.now();
      if (session == null || session.equals(rejected) || !now.isBefore(sessionExpiresAt.minus(RENEW_AHEAD))) {
        String what = "POST /v1/auth/token";
        Request request = post("auth/token", mapper.createObjectNode().put("api_key", apiKey.reveal()))
            .tag(CrmHttp.Operation.class, new CrmHttp.Operation("token")).build();
        JsonNode answer = Shapes.object(ID, http.executeCredentials(request), what); // never quoted: it holds a token
        Secret token = Secret.of(AcmeJson.text(answer, "access_token", what));
        long seconds = answer.path("expires_in").asLong(0);
        if (seconds <= 0) {
          throw AcmeJson.unexpected(what, "a positive number 'expires_in'");
        }
        session = token;
        sessionExpiresAt = now.plusSeconds(seconds);
        events.tokenRenewed();
      }
      return session;
    }
  }
}

package io.crmsync.zoho;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.http.CrmHttp;
import io.crmsync.http.JsonResponse;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.zoho.internal.Coql;
import io.crmsync.zoho.internal.Cursor;
import io.crmsync.zoho.internal.Describe;
import io.crmsync.zoho.internal.Names;
import io.crmsync.zoho.internal.Settings;
import io.crmsync.zoho.internal.Values;
import io.crmsync.zoho.internal.ZohoClient;
import io.crmsync.zoho.internal.ZohoErrors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CRMAdapter} for Zoho CRM's REST API (v8): contacts, companies (Accounts) and deals, and any other
 * module by its API name ({@code Leads}, custom modules), custom fields included. Thread-safe; create one per
 * org and share it.
 *
 * <pre>{@code
 * CRMAdapter zoho = ZohoAdapter.create(AdapterConfig.fromEnvironment("zoho"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * Given in an {@link AdapterConfig} with id {@code zoho}: as a map, as properties {@code crmsync.zoho.<name>},
 * or as environment variables {@code CRMSYNC_ZOHO_<NAME>}. Secrets may come from the config's {@link
 * io.crmsync.adapter.CredentialsProvider} instead.
 *
 * <table>
 *   <caption>Zoho CRM adapter settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code clientId}, {@code clientSecret}, {@code refreshToken}</td><td>required</td><td>the OAuth
 *       client (a self client or a server-based one) and the org's refresh token (both secrets). Access tokens
 *       are fetched from the data centre's accounts server, cached, and replaced {@code tokenRefreshAhead}
 *       before they expire; a 401 {@code INVALID_TOKEN} refreshes once, and a second one is a {@link
 *       CrmAuthenticationException}.</td></tr>
 *   <tr><td>{@code dataCenter}</td><td>{@code us}</td><td>{@code us}, {@code eu}, {@code in}, {@code au}, {@code
 *       jp}, {@code ca}, {@code cn} or {@code sa}: picks the accounts server ({@link DataCenter}).</td></tr>
 *   <tr><td>{@code accountsUrl}</td><td>the data centre's</td><td>the accounts server itself (an emulator, a
 *       proxy); https only, except loopback.</td></tr>
 *   <tr><td>{@code apiDomain}</td><td>the token response's {@code api_domain}</td><td>where API calls go; by
 *       default whatever Zoho names, if it is a {@code zohoapis} host over https.</td></tr>
 *   <tr><td>{@code apiVersion}</td><td>{@code v8}</td><td>the API version in paths.</td></tr>
 *   <tr><td>{@code edition}</td><td>{@code standard}</td><td>free, standard, professional, enterprise or
 *       ultimate: sets {@code concurrency} to Zoho's limit for it (5, 10, 15, 20, 25).</td></tr>
 *   <tr><td>{@code concurrency}</td><td>from {@code edition}</td><td>the most calls in flight at once.</td></tr>
 *   <tr><td>{@code creditBudget}, {@code creditWindow}</td><td>none, {@code 24h}</td><td>API credits to spend at
 *       most per rolling window (each call costs 1; writes 1 per 10 records; COQL 1 to 3); without it, a spent
 *       allowance ends the run with {@link CrmRateLimitException#quotaExhausted}.</td></tr>
 *   <tr><td>{@code budgetRequests}, {@code budgetWindow}</td><td>unlimited</td><td>a request budget declared to
 *       the engine.</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>records per upsert or delete call (1-100).</td></tr>
 *   <tr><td>{@code fields}</td><td>none</td><td>extra fields reads return, comma-separated: {@code name} for
 *       every object type, {@code type:name} for one.</td></tr>
 *   <tr><td>{@code readCustomFields}</td><td>true</td><td>whether reads return every custom field of the module
 *       (from the Fields Metadata API, cached 15 minutes); COQL selects at most 50 columns.</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 1m}</td><td>incremental reads start this long before
 *       {@code since}: Zoho's modification times have whole seconds.</td></tr>
 *   <tr><td>{@code readRetries}, {@code maxReadWait}</td><td>2, {@code 15s}</td><td>retries of reads on
 *       transient failures and short rate limits, and the longest wait one sits out.</td></tr>
 *   <tr><td>{@code contactCompanyField}</td><td>none</td><td>a text field of Contacts to hold {@code company};
 *       without it {@code company} is read from the contact's account and not written.</td></tr>
 *   <tr><td>{@code tokenRefreshAhead}</td><td>{@code 5m}</td><td>how long before expiry a token is
 *       replaced.</td></tr>
 * </table>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Reads use COQL ({@code POST /crm/v8/coql}), 2,000 records per call for 3 credits, where the Records API
 *       takes 10 calls and 10 credits: by keyset on {@code id} for a full read, on {@code (Modified_Time, id)}
 *       for an incremental one, so COQL's reach of 100,000 records through {@code offset} never applies.
 *       Deleted records come from {@code GET /{module}/deleted} with {@code If-Modified-Since}.
 *   <li>Upserts use {@code POST /{module}/upsert} with {@code duplicate_check_fields} set to the match key's
 *       field: the module's system-defined duplicate check field ({@code Email} of Contacts and Leads, {@code
 *       Account_Name} of Accounts, ...) or a field marked unique. Records sharing a key go in successive calls.
 *       Each record's result maps to its input; {@code INVALID_DATA} and the like fail that record alone,
 *       naming the field. A field the module does not have fails the record before anything is sent.
 *   <li>Deletes use {@code DELETE /{module}?ids=}; an id Zoho did not delete is checked with COQL and counts as
 *       deleted if no such record exists, so deletes can be repeated.
 * </ul>
 */
public final class ZohoAdapter implements CRMAdapter {
  /** The adapter's id, and the provider's. */
  public static final String ID = Settings.ID;
  /** Zoho's limit of records per upsert or delete call. */
  public static final int MAX_BATCH_SIZE = Settings.MAX_BATCH;
  /** COQL's limit of records per call, the reads' page size. */
  public static final int MAX_PAGE_SIZE = Coql.MAX_LIMIT;

  private static final int DELETED_PAGE_SIZE = 200;
  private static final Duration DESCRIBE_TTL = Duration.ofMinutes(15);
  /** Field types COQL cannot select. */
  private static final Set<String> UNSELECTABLE = Set.of("subform", "multiselectlookup", "fileupload", "imageupload",
      "profileimage", "consent_lookup");

  private final Settings settings;
  private final ZohoClient client;
  private final ObjectMapper mapper;
  private final AdapterCapabilities capabilities;
  private final Cache<String, Describe> describes;

  private ZohoAdapter(AdapterConfig config) {
    this.settings = Settings.of(config);
    this.mapper = config.objectMapper();
    this.client = new ZohoClient(config, settings);
    TimeSource time = config.timeSource();
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(settings.batchSize())
        .maxPageSize(MAX_PAGE_SIZE)
        .budget(settings.budget())
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .build();
    this.describes = Caffeine.newBuilder()
        .ticker(() -> {
          Instant now = time.now();
          return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        })
        .expireAfterWrite(DESCRIBE_TTL)
        .build();
  }

  /**
   * An adapter configured by {@code config}.
   *
   * @throws CrmConfigurationException if a setting is missing or malformed, naming it
   * @throws NullPointerException if {@code config} is null
   */
  public static ZohoAdapter create(AdapterConfig config) {
    Objects.requireNonNull(config, "config");
    return new ZohoAdapter(config);
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  /**
   * The API credits Zoho last said are left in the org's rolling 24 hours ({@code X-API-CREDITS-REMAINING},
   * sent once half are used), or empty if it has not said.
   */
  public OptionalLong creditsRemaining() {
    return client.creditsRemaining();
  }

  /**
   * The org's API credits, as {@link #creditsRemaining()} says them: {@code api-credits}, over a rolling 24 hours
   * (no reset time), with the limit of the {@code creditBudget} setting if set (Zoho does not state it).
   */
  @Override
  public Optional<QuotaStatus> quotaStatus() {
    return client.quota();
  }

  /**
   * Reports each request (by operation: {@code read}, {@code lookup}, {@code describe}, {@code upsert}, {@code
   * delete}, {@code token}), the adapter's own retries of reads and refused tokens, rate-limit refusals and token
   * renewals.
   */
  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return client.events().add(listener);
  }

  private Names names(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    return Names.of(objectType, settings.contactCompanyField());
  }

  // ---------------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    Names names = names(request.objectType());
    Cursor cursor;
    if (request.cursor() == null) {
      long since = request.since() == null ? 0
          : Math.max(0, request.since().minus(settings.incrementalOverlap()).getEpochSecond());
      cursor = Cursor.live(request.objectType(), request.since() != null, since);
    } else {
      cursor = Cursor.decode(mapper, request.cursor(), request.objectType());
      if (cursor.incremental() != (request.since() != null)) {
        throw new IllegalArgumentException("cursor does not belong to a read " + (request.since() == null ? "without" : "with")
            + " 'since'");
      }
    }
    return cursor.phase() == Cursor.Phase.LIVE ? livePage(request, names, cursor) : deletedPage(request, names, cursor);
  }

  private Page livePage(ReadRequest request, Names names, Cursor cursor) {
    int limit = Math.min(request.pageSize(), MAX_PAGE_SIZE);
    List<String> columns = columns(names, request.fields());
    String where;
    String order;
    if (!cursor.incremental()) {
      where = cursor.lastId() == null ? "id is not null" : "id > " + cursor.lastId();
      order = "id asc";
    } else if (cursor.lastId() == null) {
      where = "Modified_Time >= " + Coql.datetime(Instant.ofEpochSecond(cursor.since()));
      order = "Modified_Time asc, id asc";
    } else {
      String t = Coql.datetime(Instant.ofEpochSecond(Objects.requireNonNull(cursor.lastModified())));
      where = "(Modified_Time > " + t + ") or ((Modified_Time = " + t + ") and (id > " + cursor.lastId() + "))";
      order = "Modified_Time asc, id asc";
    }
    String query = "select " + String.join(", ", columns) + " from " + Coql.name(names.module()) + " where " + where
        + " order by " + order + " limit " + limit;
    JsonResponse response = coql(ZohoClient.READ, query, limit);
    if (response.status() == 204) {
      return new Page(List.of(), afterLive(request, cursor));
    }
    JsonNode data = requireArray(response.body(), "data", "COQL");
    JsonNode more = response.body().path("info").path("more_records");
    if (!more.isBoolean()) {
      throw shape("COQL answered without info.more_records");
    }
    List<CrmRecord> records = new ArrayList<>(data.size());
    for (JsonNode r : data) {
      records.add(toRecord(names, r, cursor.incremental()));
    }
    if (!more.asBoolean()) {
      return new Page(records, afterLive(request, cursor));
    }
    if (records.isEmpty()) {
      throw shape("COQL answered more_records without any record");
    }
    CrmRecord last = records.get(records.size() - 1);
    Long lastModified = last.modifiedAt() == null ? null : last.modifiedAt().getEpochSecond();
    return new Page(records, cursor.after(Long.parseLong(Objects.requireNonNull(last.id())), lastModified).encode(mapper));
  }

  private @Nullable String afterLive(ReadRequest request, Cursor cursor) {
    return request.includeDeleted()
        ? cursor.deleted(1, Math.min(request.pageSize(), DELETED_PAGE_SIZE)).encode(mapper) : null;
  }

  /**
   * One page of {@code GET /{module}/deleted?type=all}, most recent first, with {@code If-Modified-Since} for
   * incremental reads. Records deleted while the read pages can shift earlier ones to the next page (read twice,
   * harmless), never past it. https://github.com/zoho/crm-oas/blob/main/v8.0/record/operations/getDeletedRecords/operation.md
   */
  private Page deletedPage(ReadRequest request, Names names, Cursor cursor) {
    JsonResponse response = client.call(ZohoClient.READ, base -> {
      Request.Builder b = new Request.Builder().url(base.newBuilder().addPathSegment(names.module()).addPathSegment("deleted")
          .addQueryParameter("type", "all")
          .addQueryParameter("page", Integer.toString(cursor.page()))
          .addQueryParameter("per_page", Integer.toString(cursor.perPage())).build()).get();
      if (cursor.incremental()) {
        b.header("If-Modified-Since", Coql.datetimeText(Instant.ofEpochSecond(cursor.since())));
      }
      return b;
    }, 1, true);
    if (response.status() == 204) {
      return new Page(List.of(), null);
    }
    JsonNode data = requireArray(response.body(), "data", "the deleted records API");
    JsonNode more = response.body().path("info").path("more_records");
    if (!more.isBoolean()) {
      throw shape("the deleted records API answered without info.more_records");
    }
    List<CrmRecord> records = new ArrayList<>();
    for (JsonNode d : data) {
      String id = d.path("id").asText("");
      Instant at = Values.instant(d.get("deleted_time"));
      if (!d.isObject() || !Coql.isId(id) || at == null) {
        throw shape("the deleted records API answered an entry without an id and deleted_time");
      }
      records.add(new CrmRecord(names.objectType(), id, Map.of(), at, true));
    }
    if (more.asBoolean() && records.isEmpty()) {
      throw shape("the deleted records API answered more_records without any record");
    }
    return new Page(records, more.asBoolean() ? cursor.deleted(cursor.page() + 1, cursor.perPage()).encode(mapper) : null);
  }

  private JsonResponse coql(CrmHttp.Operation op, String query, int limit) {
    ObjectNode body = mapper.createObjectNode().put("select_query", query);
    return client.call(op, base -> new Request.Builder().url(base.newBuilder().addPathSegment("coql").build())
        .post(client.http().jsonBody(body)), credits(limit), true);
  }

  /** COQL's credits by {@code limit}: https://www.zoho.com/developer/docs/vertical-solutions/api/v4/COQL-Overview.html */
  private static int credits(int limit) {
    return limit <= 200 ? 1 : limit <= 1_000 ? 2 : 3;
  }

  /** The columns a read selects: id and the modification time, then the requested or default fields. */
  private List<String> columns(Names names, List<String> fields) {
    Set<String> cols = new LinkedHashSet<>();
    cols.add("id");
    cols.add("Modified_Time");
    if (!fields.isEmpty()) {
      for (String f : fields) {
        cols.add(names.isReadOnlyCompany(f) ? Names.ACCOUNT_NAME_PATH : Coql.name(names.nativeName(f)));
      }
      if (cols.size() > Coql.MAX_COLUMNS) {
        throw new IllegalArgumentException("a read can select at most " + (Coql.MAX_COLUMNS - 2)
            + " fields (COQL's limit of " + Coql.MAX_COLUMNS + " columns), not " + fields.size());
      }
      return new ArrayList<>(cols);
    }
    Describe d = describe(names);
    for (String nat : names.standardFields().values()) {
      if (d.field(nat) != null) {
        cols.add(nat);
      }
    }
    for (String extra : settings.extraFields(names.objectType())) {
      String nat = names.nativeName(extra);
      if (d.field(nat) == null) {
        throw new CrmConfigurationException(ID, "setting 'fields' names '" + extra + "', which " + names.module()
            + " does not have");
      }
      cols.add(nat);
    }
    for (Describe.Field f : d.fields()) {
      boolean wanted = names.passThrough() ? !Describe.isSystemField(f.apiName()) : settings.readCustomFields() && f.custom();
      if (wanted && !UNSELECTABLE.contains(f.dataType())) {
        cols.add(f.apiName());
      }
    }
    if (names.companyFromAccount() && d.field("Account_Name") != null) {
      cols.add(Names.ACCOUNT_NAME_PATH);
    }
    if (cols.size() > Coql.MAX_COLUMNS) {
      throw new CrmConfigurationException(ID, "reads of " + names.module() + " would select " + cols.size()
          + " columns, more than COQL's " + Coql.MAX_COLUMNS + " (" + names.module() + " has many "
          + (names.passThrough() ? "fields" : "custom fields") + "): set 'readCustomFields' to false and list the fields "
          + "to carry in 'fields', or pass the fields to read in each request");
    }
    return new ArrayList<>(cols);
  }

  private CrmRecord toRecord(Names names, JsonNode r, boolean needModified) {
    String id = r.path("id").asText("");
    if (!r.isObject() || !Coql.isId(id)) {
      throw shape("COQL answered a record without an id");
    }
    Instant modified = Values.instant(r.get("Modified_Time"));
    if (needModified && modified == null) {
      throw shape("COQL answered record " + id + " without the Modified_Time it was selected and sorted by");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : r.properties()) {
      String name = e.getKey();
      if (name.equals("id") || name.equals("Modified_Time") || name.equals("Created_By") || name.equals("Modified_By")) {
        continue;
      }
      Object value = Values.fromJson(e.getValue());
      if (value == null || (value instanceof String s && s.isEmpty())) {
        continue;
      }
      if (name.equals(Names.ACCOUNT_NAME_PATH)) {
        if (names.companyFromAccount()) {
          fields.put(Contact.Fields.COMPANY, value);
        }
        continue;
      }
      String canonical = names.canonicalName(name);
      if (names.isCanonicalInstant(canonical)) {
        Instant at = Values.instant(e.getValue());
        if (at != null) {
          value = at.toString();
        }
      }
      fields.put(canonical, value);
    }
    return new CrmRecord(names.objectType(), id, fields, modified, false);
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Names names = names(objectType);
    String v = value.strip();
    if (key.normalize(v) == null || names.isReadOnlyCompany(key.field())) {
      return Optional.empty();
    }
    String nat = names.nativeName(key.field());
    String criterion;
    if (nat.equals("id")) {
      if (!Coql.isId(v)) {
        return Optional.empty();
      }
      criterion = "id = " + v;
    } else {
      criterion = Coql.name(nat) + " = " + Coql.quote(v);
    }
    String query = "select " + String.join(", ", columns(names, List.of())) + " from " + Coql.name(names.module())
        + " where " + criterion + " limit 2";
    JsonResponse response = coql(ZohoClient.LOOKUP, query, 2);
    if (response.status() == 204) {
      return Optional.empty();
    }
    JsonNode data = requireArray(response.body(), "data", "COQL");
    return data.size() == 1 ? Optional.of(toRecord(names, data.get(0), false)) : Optional.empty();
  }

  // ------------------------------------------------------------------------------------------- describe

  @Override
  public List<FieldInfo> describe(String objectType) {
    Names names = names(objectType);
    List<FieldInfo> out = new ArrayList<>();
    for (Describe.Field f : describe(names).fields()) {
      FieldInfo.Builder b = FieldInfo.builder(names.canonicalName(f.apiName()))
          .nativeName(f.apiName())
          .type(f.dataType())
          .required(f.mandatory())
          .custom(f.custom())
          .readOnly(!f.writable())
          .reference(f.reference())
          .picklistValues(f.picklistValues());
      if (f.textual() && f.length() > 0) {
        b.maxLength(f.length());
      }
      out.add(b.build());
    }
    if (names.companyFromAccount() && describe(names).field("Account_Name") != null) {
      out.add(FieldInfo.builder(Contact.Fields.COMPANY).nativeName(Names.ACCOUNT_NAME_PATH).type("text").readOnly(true)
          .build());
    }
    return out;
  }

  private Describe describe(Names names) {
    return describes.get(names.module(), module -> {
      JsonResponse r = client.call(ZohoClient.DESCRIBE, base -> new Request.Builder().url(base.newBuilder().addPathSegments("settings/fields")
          .addQueryParameter("module", module).build()).get(), 1, true);
      return Describe.parse(module, r.body());
    });
  }

  // ---------------------------------------------------------------------------------------------- writes

  /** One record of an upsert: its position in the caller's batch, its key, its Zoho JSON. */
  private record Input(int index, String key, ObjectNode json) {}

  /**
   * {@inheritDoc}
   *
   * <p>One {@code upsert} call in the usual case; records sharing a key go in successive calls, in order. If a
   * later call fails as a whole (a rate limit, an outage), the exception is thrown although earlier calls were
   * applied: sending the batch again is safe, as upserts by key are idempotent.
   *
   * @throws CrmRequestException if the match key's field cannot be matched on (not the module's system-defined
   *     duplicate check field nor a unique field)
   */
  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(key, "key");
    Names names = names(objectType);
    checkBatch(records.size());
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = Objects.requireNonNull(records.get(i), "records[" + i + "]");
      if (!r.objectType().equals(objectType)) {
        throw new IllegalArgumentException("record " + i + " is of object type '" + r.objectType() + "', not '"
            + objectType + "'");
      }
    }
    if (records.isEmpty()) {
      return List.of();
    }
    Describe d = describe(names);
    String keyNative = names.isReadOnlyCompany(key.field()) ? Names.ACCOUNT_NAME_PATH : names.nativeName(key.field());
    Describe.Field keyField = d.field(keyNative);
    if (keyField == null) {
      throw new CrmRequestException(ID, names.module() + " has no field " + keyNative + " to match on");
    }
    if (!keyNative.equals(names.systemDuplicateField()) && !keyField.unique()) {
      throw new CrmRequestException(ID, names.module() + "." + keyNative + " cannot be matched on: upserts match on the "
          + "module's system-defined duplicate check field" + (names.systemDuplicateField() == null ? ""
              : " (" + names.systemDuplicateField() + ")") + " or a field marked unique ('Do not allow duplicate values')");
    }
    RecordResult[] results = new RecordResult[records.size()];
    List<List<Input>> rounds = new ArrayList<>();
    Map<String, Integer> occurrences = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      String value = key.normalize(r.fields().get(key.field()));
      if (value == null) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.MISSING_MATCH_KEY,
            "record has no value for the match key '" + key.field() + "' (Zoho field " + keyNative + ")"));
        continue;
      }
      ObjectNode json = mapper.createObjectNode();
      RecordError problem = null;
      for (Map.Entry<String, Object> e : r.fields().entrySet()) {
        if (names.isReadOnlyCompany(e.getKey())) {
          continue;
        }
        String nat = names.nativeName(e.getKey());
        Describe.Field f = Names.isApiName(nat) ? d.field(nat) : null;
        if (f == null) {
          problem = RecordError.invalid("INVALID_FIELD", names.module() + " has no field '" + nat + "'",
              new FieldError(e.getKey(), "INVALID_FIELD", "no such field in " + names.module()));
          break;
        }
        if (!f.writable()) {
          continue;
        }
        json.set(nat, Values.toJson(f.dataType(), e.getValue()));
      }
      if (problem != null) {
        results[i] = RecordResult.failed(i, problem);
        continue;
      }
      int round = occurrences.merge(value, 1, Integer::sum) - 1;
      while (rounds.size() <= round) {
        rounds.add(new ArrayList<>());
      }
      rounds.get(round).add(new Input(i, value, json));
    }
    for (List<Input> round : rounds) {
      upsertRound(names, keyNative, round, results);
    }
    return List.of(results);
  }

  private void checkBatch(int size) {
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("a batch of " + size + " records is larger than maxBatchSize "
          + capabilities.maxBatchSize());
    }
  }

  /**
   * One upsert call. Results come in the order of the inputs, one each: 200 when all succeeded, 207 when some
   * did, 400 (with the same {@code data} array) when none did.
   * https://github.com/zoho/crm-oas/blob/main/v8.0/record/mds/examples/upsertRecords.md
   */
  private void upsertRound(Names names, String keyNative, List<Input> inputs, RecordResult[] results) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode data = body.putArray("data");
    inputs.forEach(in -> data.add(in.json()));
    body.putArray("duplicate_check_fields").add(keyNative);
    JsonNode answer;
    try {
      JsonResponse r = client.call(ZohoClient.UPSERT, base -> new Request.Builder()
          .url(base.newBuilder().addPathSegment(names.module()).addPathSegment("upsert").build())
          .post(client.http().jsonBody(body)), (inputs.size() + 9) / 10, false);
      answer = r.body().get("data");
    } catch (ZohoErrors.RecordsRefused e) {
      if (e.data().size() != inputs.size()) {
        throw e; // not one result per record: the request itself was refused
      }
      answer = e.data();
    }
    if (answer == null || !answer.isArray() || answer.size() != inputs.size()) {
      throw new CrmUnavailableException(ID, 200, null, "the upsert into " + names.module() + " answered "
          + (answer == null || !answer.isArray() ? "without a data array" : answer.size() + " results")
          + " for " + inputs.size() + " records; sending them again is safe", null);
    }
    for (int k = 0; k < inputs.size(); k++) {
      JsonNode e = answer.get(k);
      int i = inputs.get(k).index();
      if ("success".equals(e.path("status").asText()) && "SUCCESS".equals(e.path("code").asText())) {
        String id = e.path("details").path("id").asText("");
        if (!Coql.isId(id)) {
          throw shape("the upsert answered a success without a record id");
        }
        String action = e.path("action").asText("");
        results[i] = action.equals("insert") ? RecordResult.created(i, id) : RecordResult.updated(i, id);
      } else {
        results[i] = RecordResult.failed(i, recordError(names, e));
      }
    }
  }

  /** A per-record error of the write APIs, naming the field under the caller's name. */
  private static RecordError recordError(Names names, JsonNode e) {
    String code = e.path("code").asText("ERROR");
    List<FieldError> fields = new ArrayList<>();
    JsonNode details = e.path("details");
    if (code.equals("MULTIPLE_OR_MULTI_ERRORS")) {
      for (JsonNode sub : details.path("errors")) {
        fields.add(fieldError(names, sub));
      }
    } else if (details.path("api_name").isTextual()) {
      fields.add(fieldError(names, e));
    }
    StringBuilder message = new StringBuilder("Zoho CRM refused the record: ").append(code);
    String text = e.path("message").asText("");
    if (!text.isEmpty()) {
      message.append(" (").append(io.crmsync.http.HttpFailure.excerpt(text, 200)).append(')');
    }
    if (!fields.isEmpty()) {
      message.append(" on ").append(fields.get(0).field());
      JsonNode expected = details.path("expected_data_type");
      if (expected.isTextual()) {
        message.append(", expected ").append(expected.asText());
      }
      JsonNode max = details.path("maximum_length");
      if (max.canConvertToInt()) {
        message.append(", at most ").append(max.asInt()).append(" characters");
      }
    }
    boolean retryable = code.equals("INTERNAL_ERROR") || code.equals("RECORD_LOCKED") || code.equals("TOO_MANY_REQUESTS");
    return new RecordError(code, message.toString(), fields, retryable);
  }

  private static FieldError fieldError(Names names, JsonNode e) {
    String api = e.path("details").path("api_name").asText(null);
    String code = e.path("code").asText("ERROR");
    return new FieldError(api == null ? null : names.canonicalName(api), code,
        io.crmsync.http.HttpFailure.excerpt(e.path("message").asText(code), 200)
            + (api == null ? "" : " (" + api + ")"));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Records go to Zoho's recycle bin (listed by reads that include deleted records). An id that is not a Zoho
   * record id fails alone with {@link RecordError#INVALID_VALUE}. An id Zoho did not delete is looked up: if no
   * such record exists it counts as deleted.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    Names names = names(objectType);
    checkBatch(ids.size());
    RecordResult[] results = new RecordResult[ids.size()];
    Map<String, List<Integer>> byId = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = Objects.requireNonNull(ids.get(i), "ids[" + i + "]").strip();
      if (!Coql.isId(id)) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE, "'" + id
            + "' is not a Zoho record id"));
      } else {
        byId.computeIfAbsent(id, k -> new ArrayList<>()).add(i);
      }
    }
    if (byId.isEmpty()) {
      return List.of(results);
    }
    JsonNode answer;
    try {
      JsonResponse r = client.call(ZohoClient.DELETE, base -> new Request.Builder().url(base.newBuilder().addPathSegment(names.module())
          .addQueryParameter("ids", String.join(",", byId.keySet())).build()).delete(), 1, false);
      answer = r.body().get("data");
    } catch (ZohoErrors.RecordsRefused e) {
      answer = e.data();
    }
    if (answer == null || !answer.isArray()) {
      throw shape("the delete answered without a data array");
    }
    Map<String, JsonNode> failures = new LinkedHashMap<>();
    List<String> order = new ArrayList<>(byId.keySet());
    for (int k = 0; k < answer.size(); k++) {
      JsonNode e = answer.get(k);
      String id = e.path("details").path("id").asText(k < order.size() ? order.get(k) : "");
      List<Integer> at = byId.get(id);
      if (at == null) {
        continue;
      }
      if ("SUCCESS".equals(e.path("code").asText())) {
        at.forEach(i -> results[i] = RecordResult.deleted(i, id));
      } else {
        failures.put(id, e);
      }
    }
    Set<String> unanswered = new LinkedHashSet<>();
    for (String id : order) {
      if (results[byId.get(id).get(0)] == null && !failures.containsKey(id)) {
        unanswered.add(id);
      }
    }
    if (!failures.isEmpty() || !unanswered.isEmpty()) {
      Set<String> check = new LinkedHashSet<>(failures.keySet());
      check.addAll(unanswered);
      Set<String> present = existing(names, check);
      for (String id : check) {
        for (int i : byId.get(id)) {
          if (!present.contains(id)) {
            results[i] = RecordResult.deleted(i, id);
          } else if (failures.containsKey(id)) {
            results[i] = RecordResult.failed(i, recordError(names, failures.get(id)));
          } else {
            results[i] = RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT,
                "Zoho CRM answered the delete without a result for this record"));
          }
        }
      }
    }
    return List.of(results);
  }

  /** Which of {@code ids} are live records, by COQL ({@code in} takes 50 values at a time). */
  private Set<String> existing(Names names, Set<String> ids) {
    Set<String> out = new HashSet<>();
    List<String> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += Coql.MAX_IN) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + Coql.MAX_IN));
      String query = "select id from " + Coql.name(names.module()) + " where id in (" + String.join(", ", chunk)
          + ") limit " + Coql.MAX_IN;
      JsonResponse r = coql(ZohoClient.LOOKUP, query, Coql.MAX_IN);
      if (r.status() == 204) {
        continue;
      }
      for (JsonNode row : requireArray(r.body(), "data", "COQL")) {
        out.add(row.path("id").asText(""));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ shape

  private static JsonNode requireArray(JsonNode body, String field, String what) {
    JsonNode a = body.isObject() ? body.get(field) : null;
    if (a == null || !a.isArray()) {
      throw shape(what + " answered without a " + field + " array (" + kind(body) + ")");
    }
    return a;
  }

  private static String kind(JsonNode body) {
    if (body.isMissingNode()) {
      return "an empty body";
    }
    if (body.isObject()) {
      return body.isEmpty() ? "an empty object" : "an object with " + body.size() + " other fields";
    }
    return "a JSON " + body.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static CrmUnavailableException shape(String message) {
    return new CrmUnavailableException(ID, 200, null, message, null);
  }

  @Override
  public String toString() {
    HttpUrl accounts = settings.accountsUrl();
    return "ZohoAdapter[" + accounts.scheme() + "://" + accounts.host() + ":" + accounts.port() + ", " + settings.apiVersion()
        + ", concurrency " + settings.concurrency() + (settings.creditBudget() == null ? "" : ", credits " + settings.creditBudget())
        + "]";
  }
}

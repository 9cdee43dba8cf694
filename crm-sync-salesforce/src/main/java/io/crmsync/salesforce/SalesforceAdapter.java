package io.crmsync.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.http.Shapes;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.AdapterListener;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.QuotaStatus;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.http.CrmHttp;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.salesforce.internal.BulkIngest;
import io.crmsync.salesforce.internal.Describe;
import io.crmsync.salesforce.internal.FieldMap;
import io.crmsync.salesforce.internal.RecordErrors;
import io.crmsync.salesforce.internal.Retries;
import io.crmsync.salesforce.internal.SalesforceClient;
import io.crmsync.salesforce.internal.Settings;
import io.crmsync.salesforce.internal.SfValues;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link CRMAdapter} for Salesforce: SOQL reads with paging, sObject Collections upserts and deletes, and Bulk
 * API 2.0 ingest jobs for large batches. Thread-safe: share one adapter between the engine's workers.
 *
 * <pre>{@code
 * CRMAdapter sf = SalesforceAdapter.create(AdapterConfig.fromEnvironment("salesforce"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * From a map, a properties file ({@code crmsync.salesforce.<name>}) or the environment ({@code
 * CRMSYNC_SALESFORCE_<NAME>}), see {@link AdapterConfig}:
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code loginUrl}</td><td>{@code https://login.salesforce.com}</td><td>where to authenticate: {@code
 *       https://test.salesforce.com} for sandboxes, or your My Domain URL (required for the client credentials
 *       flow); plain {@code http} only to this machine</td></tr>
 *   <tr><td>{@code clientId}</td><td>required</td><td>the connected app's consumer key</td></tr>
 *   <tr><td>{@code authFlow}</td><td>from the credentials given</td><td>{@code jwt}, {@code refreshToken} or
 *       {@code clientCredentials}</td></tr>
 *   <tr><td>{@code username}</td><td>required for {@code jwt}</td><td>the user the JWT bearer flow acts as ({@code
 *       sub})</td></tr>
 *   <tr><td>{@code privateKeyFile}</td><td>for {@code jwt}</td><td>PEM file with the connected app's RSA private
 *       key (PKCS#8 or PKCS#1, unencrypted)</td></tr>
 *   <tr><td>{@code privateKey}</td><td>for {@code jwt}</td><td>secret: the same PEM text, instead of a file</td></tr>
 *   <tr><td>{@code audience}</td><td>from {@code loginUrl}</td><td>the JWT {@code aud}: {@code
 *       https://test.salesforce.com} for sandbox hosts, {@code https://login.salesforce.com} for other
 *       salesforce.com hosts, else the login URL</td></tr>
 *   <tr><td>{@code refreshToken}</td><td>for {@code refreshToken}</td><td>secret: the refresh token</td></tr>
 *   <tr><td>{@code clientSecret}</td><td>for {@code clientCredentials}</td><td>secret: the consumer secret (also
 *       sent with a refresh token when set, and used to introspect tokens in any flow)</td></tr>
 *   <tr><td>{@code apiVersion}</td><td>{@code 66.0}</td><td>the REST API version</td></tr>
 *   <tr><td>{@code bulkEnabled}</td><td>{@code true}</td><td>whether large batches go through Bulk API 2.0</td></tr>
 *   <tr><td>{@code bulkThreshold}</td><td>{@code 2000}</td><td>upserts and deletes of at least this many records
 *       use a Bulk API 2.0 job; smaller ones use sObject Collections, 200 records a request; at least 1</td></tr>
 *   <tr><td>{@code maxBatchSize}</td><td>{@code 10000} ({@code 200} without bulk)</td><td>the most records one
 *       call takes; the engine sizes batches by it</td></tr>
 *   <tr><td>{@code bulkPollInitial}, {@code bulkPollMax}</td><td>{@code 1s}, {@code 30s}</td><td>the wait between
 *       job-state polls, doubling from the first to the second</td></tr>
 *   <tr><td>{@code bulkTimeout}</td><td>{@code 30m}</td><td>a job not finished by then is aborted, and the call
 *       fails as unavailable</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 5m}</td><td>incremental reads start this much before the
 *       watermark, for records whose {@code SystemModstamp} was set before their transaction committed</td></tr>
 *   <tr><td>{@code contactCompanyField}</td><td>none</td><td>a writable text field of Contact to hold {@code
 *       company}; without it {@code company} is read from {@code Account.Name} and not written (see below)</td></tr>
 *   <tr><td>{@code tokenTtl}</td><td>none</td><td>renew the access token this long after obtaining it; for when it
 *       cannot be introspected (no {@code clientSecret}): set it to the org's session timeout</td></tr>
 *   <tr><td>{@code describeTtl}</td><td>{@code 15m}</td><td>how long a describe is cached</td></tr>
 *   <tr><td>{@code budgetRequests}, {@code budgetWindow}</td><td>unlimited</td><td>a request budget for the engine
 *       to keep to, such as 25 per 1s</td></tr>
 * </table>
 *
 * <h2>Mapping</h2>
 *
 * Object types {@code contact}, {@code company} and {@code deal} are the sObjects Contact, Account and
 * Opportunity; any other name is used as an sObject API name. Contact fields: {@code email}, {@code firstName},
 * {@code lastName}, {@code phone}, {@code title} map to Email, FirstName, LastName, Phone, Title; {@code street},
 * {@code city}, {@code state}, {@code postalCode}, {@code country} to the Mailing address; {@code ownerId} to
 * OwnerId; {@code createdAt} to CreatedDate (read only). Accounts: {@code name}, {@code website}, {@code phone},
 * {@code industry}, the Billing address, {@code ownerId}; opportunities: {@code name}, {@code amount}, {@code
 * stage} (StageName), {@code closeDate}, {@code companyId} (AccountId), {@code ownerId}. Every other field passes
 * through by its API name, so custom {@code __c} fields round-trip; reads without a field list return the
 * mapped fields and every custom field the describe lists (for other sObjects: every field but compound and
 * binary ones).
 *
 * <p>A contact's {@code company} is, in Salesforce, the Name of the Account the contact belongs to. Writing it
 * would mean finding or creating Accounts by name, which merges unrelated companies that share a name, so by
 * default the adapter reads {@code company} from {@code Account.Name} and leaves it out of writes. Set {@code
 * contactCompanyField} to a text field of your own to read and write it there instead.
 *
 * <p>On writes, fields Salesforce computes (describe says neither createable nor updateable, like {@code
 * createdAt}) are left out; a field the object does not have fails that record alone with {@code
 * INVALID_FIELD}. An empty text clears a field.
 *
 * <h2>Reads</h2>
 *
 * SOQL over {@code query}, or {@code queryAll} when deletes are asked for (deleted records come back flagged,
 * from the recycle bin, for 15 days after deletion). Pages of 200 or more use Salesforce's cursor ({@code
 * Sforce-Query-Options: batchSize}, {@code nextRecordsUrl}; the cursor lives 15 minutes); smaller pages, which
 * Salesforce's batch size does not allow, page by {@code Id} with {@code LIMIT}. Incremental reads filter on
 * {@code SystemModstamp}, which is also each record's {@link CrmRecord#modifiedAt()}.
 *
 * <h2>Sessions, limits, faults</h2>
 *
 * Salesforce's token answer has no {@code expires_in}. With {@code clientSecret} set each token is introspected and
 * renewed shortly before it expires; else after {@code tokenTtl}; else {@code INVALID_SESSION_ID} causes one
 * re-authentication per rejected token, then a {@link io.crmsync.CrmAuthenticationException} if the new one is
 * rejected too ({@link #sessionStats()} counts them). A spent daily allocation ({@code REQUEST_LIMIT_EXCEEDED},
 * counted over a rolling 24 hours) is {@link io.crmsync.CrmRateLimitException#quotaExhausted}; {@link #apiUsage()}
 * is the org's usage from the last response's {@code Sforce-Limit-Info}. Per-record errors become {@link
 * RecordError}s with Salesforce's status code (an external id matching several records is {@link
 * RecordError#AMBIGUOUS_MATCH}).
 *
 * <p>Requests are never resent silently when their connection fails. sObject Collections requests (idempotent)
 * are sent again while they fail transiently; Bulk API 2.0 jobs resolve a lost answer by reading the job's state,
 * never upload twice into a job, and leave none Open. See the module README for the rules.
 */
public final class SalesforceAdapter implements CRMAdapter {
  /** The provider id. */
  public static final String ID = "salesforce";

  private static final int COLLECTION = Settings.COLLECTION_LIMIT;
  /** Attempts of one sObject Collections request, an idempotent write (upsert by key, delete by id). */
  private static final int CHUNK_ATTEMPTS = 3;
  private static final int KEYSET_BELOW = 200;
  private static final int MAX_QUERY_BATCH = 2000;
  /** Describe types whose {@code length} limits a value's characters. */
  private static final Set<String> TEXT_TYPES = Set.of("string", "textarea", "email", "phone", "url", "picklist",
      "multipicklist", "combobox", "encryptedstring", "id", "reference");

  private final String id;
  private final Settings settings;
  private final SalesforceClient client;
  private final BulkIngest bulk;
  private final Retries chunkRetries;
  private final AdapterCapabilities capabilities;
  private final Cache<String, Describe> describes;

  private SalesforceAdapter(AdapterConfig config) {
    this.id = config.adapterId();
    this.settings = Settings.from(config);
    this.client = new SalesforceClient(config, settings);
    TimeSource time = config.timeSource();
    this.bulk = new BulkIngest(id, client, settings, time);
    this.chunkRetries = new Retries(id, time, CHUNK_ATTEMPTS, client.events());
    int max = settings.bulkEnabled() ? settings.maxBatchSize() : Math.min(settings.maxBatchSize(), COLLECTION);
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(max)
        .preferredBatchSize(Math.min(max, COLLECTION))
        .bulkThreshold(settings.bulkEnabled() && settings.bulkThreshold() <= max ? settings.bulkThreshold() : 0)
        .maxPageSize(2_000)
        .budget(settings.budget())
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .build();
    this.describes = Caffeine.newBuilder()
        .maximumSize(500)
        .expireAfterWrite(settings.describeTtl())
        .ticker(() -> {
          Instant now = time.now();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .build();
  }

  /**
   * An adapter configured by {@code config}. Does no I/O: it authenticates on first use.
   *
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  public static SalesforceAdapter create(AdapterConfig config) {
    return new SalesforceAdapter(Objects.requireNonNull(config, "config"));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  /**
   * The org's API usage in the rolling 24 hours, as the most recent response reported it ({@code
   * Sforce-Limit-Info}); empty before the first call.
   */
  public Optional<ApiUsage> apiUsage() {
    return client.usage();
  }

  /**
   * The org's {@code DailyApiRequests} allocation, from the {@code api-usage} of the most recent response's {@code
   * Sforce-Limit-Info}: Salesforce counts it over a rolling 24 hours, so it names no reset time.
   */
  @Override
  public Optional<QuotaStatus> quotaStatus() {
    return client.usage().map(u -> new QuotaStatus("DailyApiRequests", u.remaining(), u.max(), null, u.observedAt()));
  }

  /**
   * Reports each request (by operation: {@code read}, {@code lookup}, {@code describe}, {@code upsert}, {@code
   * delete}, {@code bulk}, {@code token}), the adapter's own retries, rate-limit refusals and session renewals.
   */
  @Override
  public AdapterListener.Registration listen(AdapterListener listener) {
    return client.events().add(listener);
  }

  /** How the adapter kept its session: tokens obtained, renewed ahead of expiry, renewed after a rejection. */
  public SessionStats sessionStats() {
    return client.tokens().stats();
  }

  @Override
  public void close() {
    client.tokens().invalidateAll();
    describes.invalidateAll();
  }

  @Override
  public String toString() {
    return "SalesforceAdapter[" + id + " " + settings.loginUrl() + " v" + settings.apiVersion() + "]";
  }

  // ----------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    FieldMap map = map(request.objectType());
    String cursor = request.cursor();
    String endpoint = request.includeDeleted() ? "/queryAll" : "/query";
    JsonNode page;
    boolean keyset = request.pageSize() < KEYSET_BELOW;
    if (cursor != null && cursor.startsWith("q:")) {
      String next = cursor.substring(2);
      if (!next.matches("/services/data/v\\d{2,3}\\.\\d/(query|queryAll)/[A-Za-z0-9]+(-\\d+)?")) {
        throw new IllegalArgumentException("not a cursor this adapter issued: '" + cursor + "'");
      }
      page = client.get(SalesforceClient.READ, next, Map.of(), Map.of("Sforce-Query-Options", "batchSize=" + batchSize(request)));
      return toPage(map, page, request, false);
    }
    String afterId = null;
    if (cursor != null) {
      if (!cursor.matches("k:[A-Za-z0-9]{15,18}")) {
        throw new IllegalArgumentException("not a cursor this adapter issued: '" + cursor + "'");
      }
      afterId = cursor.substring(2);
      keyset = true;
    }
    StringBuilder soql = new StringBuilder("SELECT ").append(String.join(", ", selectList(map, request)))
        .append(" FROM ").append(map.sObject());
    List<String> where = new ArrayList<>();
    if (request.since() != null) {
      where.add("SystemModstamp >= " + Soql.dateTime(request.since().minus(settings.incrementalOverlap())));
    }
    if (afterId != null) {
      where.add("Id > " + Soql.quote(afterId));
    }
    if (!where.isEmpty()) {
      soql.append(" WHERE ").append(String.join(" AND ", where));
    }
    if (keyset) {
      soql.append(" ORDER BY Id LIMIT ").append(request.pageSize());
    }
    page = client.query(SalesforceClient.READ, endpoint, soql.toString(),
        keyset ? Map.of() : Map.of("Sforce-Query-Options", "batchSize=" + batchSize(request)));
    return toPage(map, page, request, keyset);
  }

  private static int batchSize(ReadRequest request) {
    return Math.max(KEYSET_BELOW, Math.min(MAX_QUERY_BATCH, request.pageSize()));
  }

  private Page toPage(FieldMap map, JsonNode page, ReadRequest request, boolean keyset) {
    // A query answer is {totalSize, done, records[, nextRecordsUrl]}: anything else is a failed read, never
    // an empty last page that would end the pass early.
    String what = "the query of " + map.sObject();
    List<CrmRecord> records = new ArrayList<>();
    for (JsonNode r : Shapes.array(id, page, "records", what)) {
      // every record Salesforce returns carries its "attributes" (type and url), as every recorded answer shows
      if (!r.isObject() || !r.path("attributes").isObject()) {
        throw new CrmUnavailableException(id, 200, null, what + " returned a record without the documented shape", null);
      }
      records.add(toRecord(map, r));
    }
    boolean done = Shapes.bool(id, page, "done", what);
    String next;
    if (keyset) {
      next = records.size() >= request.pageSize() && !records.isEmpty() ? "k:" + records.get(records.size() - 1).id() : null;
    } else if (done) {
      next = null;
    } else {
      String url = Shapes.optionalText(id, page, "nextRecordsUrl", what);
      if (url == null || url.isEmpty()) {
        throw new CrmUnavailableException(id, 200, null, what + " is not done but names no next page", null);
      }
      next = "q:" + url;
    }
    return new Page(records, next);
  }

  private List<String> selectList(FieldMap map, ReadRequest request) {
    Set<String> select = new LinkedHashSet<>();
    select.add("Id");
    select.add("SystemModstamp");
    if (request.includeDeleted()) {
      select.add("IsDeleted");
    }
    if (!request.fields().isEmpty()) {
      for (String f : request.fields()) {
        select.add(map.isReadOnlyCompany(f) ? map.companyPath() : Soql.name(map.nativeName(f)));
      }
      return new ArrayList<>(select);
    }
    Describe d = describe(map);
    for (String nat : map.standardFields().values()) {
      if (d.field(nat) != null) {
        select.add(d.field(nat).name());
      }
    }
    boolean passThrough = map.standardFields().isEmpty();
    for (Describe.Field f : d.fields()) {
      boolean compound = f.type().equals("address") || f.type().equals("location") || f.type().equals("base64");
      if ((f.custom() || passThrough) && !compound) {
        select.add(f.name());
      }
    }
    if (map.companyPath() != null) {
      select.add(map.companyPath());
    }
    return new ArrayList<>(select);
  }

  private static CrmRecord toRecord(FieldMap map, JsonNode r) {
    Map<String, Object> fields = new LinkedHashMap<>();
    String recordId = r.path("Id").asText(null);
    Instant modified = null;
    boolean deleted = false;
    for (Map.Entry<String, JsonNode> e : r.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      switch (name) {
        case "attributes", "Id" -> { }
        case "SystemModstamp" -> modified = v.isTextual() ? SfValues.parseInstant(v.asText()) : null;
        case "IsDeleted" -> deleted = v.asBoolean(false);
        default -> {
          if (v.isObject() && map.companyPath() != null && name.equalsIgnoreCase("Account")) {
            Object company = SfValues.fromJson(v.path("Name"));
            if (company != null) {
              fields.put(Contact.Fields.COMPANY, company);
            }
            continue;
          }
          Object value = SfValues.fromJson(v);
          if (value == null) {
            continue;
          }
          String canonical = map.canonicalName(name);
          if (map.isCanonicalInstant(canonical) && value instanceof String s) {
            value = SfValues.parseInstant(s).toString();
          }
          fields.put(canonical, value);
        }
      }
    }
    return new CrmRecord(map.objectType(), recordId, fields, modified, deleted);
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    FieldMap map = map(objectType);
    if (value.isBlank()) {
      return Optional.empty();
    }
    String field = Soql.name(map.nativeName(key.field()));
    ReadRequest all = ReadRequest.of(objectType);
    String soql = "SELECT " + String.join(", ", selectList(map, all)) + " FROM " + map.sObject() + " WHERE " + field
        + " = " + Soql.quote(value) + " LIMIT 2";
    JsonNode page = client.query(SalesforceClient.LOOKUP, "/query", soql, Map.of());
    JsonNode records = page.path("records");
    return records.size() == 1 ? Optional.of(toRecord(map, records.get(0))) : Optional.empty();
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    FieldMap map = map(objectType);
    List<FieldInfo> out = new ArrayList<>();
    for (Describe.Field f : describe(map).fields()) {
      out.add(FieldInfo.builder(map.canonicalName(f.name()))
          .nativeName(f.name())
          .type(f.type())
          .required(f.requiredOnCreate())
          .custom(f.custom())
          .readOnly(!f.writable())
          // ids and lookups (OwnerId, AccountId, custom lookups) name records of this org only
          .reference(f.type().equals("reference") || f.type().equals("id"))
          .maxLength(TEXT_TYPES.contains(f.type()) ? f.length() : 0)
          // an unrestricted picklist takes any text; a restricted one refuses others per record
          .picklistValues(f.restrictedPicklist() ? f.picklistValues() : List.of())
          .build());
    }
    if (map.companyPath() != null) {
      out.add(FieldInfo.builder(Contact.Fields.COMPANY).nativeName(map.companyPath()).readOnly(true).build());
    }
    return out;
  }

  private Describe describe(FieldMap map) {
    return describes.get(map.sObject(),
        s -> Describe.parse(client.get(SalesforceClient.DESCRIBE, client.dataPath("/sobjects/" + s + "/describe"), Map.of(), Map.of())));
  }

  private FieldMap map(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    return FieldMap.of(objectType, settings.contactCompanyField());
  }

  // ----------------------------------------------------------------------------------------- writes

  /**
   * {@inheritDoc}
   *
   * <p>Batches of at least {@code bulkThreshold} records (counting only those that are sent) run as one Bulk API
   * 2.0 job; smaller ones as sObject Collections requests of 200. Both report the same per-record outcomes. A
   * Collections request that still fails after two more attempts, once others of the call succeeded, reports its
   * records and the unsent ones as {@link RecordError#TRANSIENT} failures.
   */
  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(key, "key");
    FieldMap map = map(objectType);
    checkBatch(objectType, records);
    RecordResult[] results = new RecordResult[records.size()];
    if (records.isEmpty()) {
      return List.of();
    }
    Describe d = describe(map);
    String extName = map.nativeName(key.field());
    Describe.Field ext = d.field(Soql.name(extName));
    if (ext == null) {
      throw new CrmRequestException(id, map.sObject() + " has no field " + extName + " to match on");
    }
    if (!ext.idLookup()) {
      throw new CrmRequestException(id, map.sObject() + "." + ext.name()
          + " cannot be matched on: upserts need an External ID field (or Id, or an idLookup field such as Contact.Email)");
    }
    List<Integer> indexes = new ArrayList<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      if (key.normalize(r.fields().get(key.field())) == null) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.MISSING_MATCH_KEY,
            "record has no value for the match key '" + key.field() + "'"));
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      RecordError problem = null;
      for (Map.Entry<String, Object> e : r.fields().entrySet()) {
        if (map.isReadOnlyCompany(e.getKey())) {
          continue;
        }
        String nat = map.nativeName(e.getKey());
        Describe.Field f = Soql.isName(nat) ? d.field(nat) : null;
        if (f == null) {
          problem = RecordError.invalid("INVALID_FIELD", map.sObject() + " has no field '" + nat + "'",
              new io.crmsync.adapter.FieldError(e.getKey(), "INVALID_FIELD", "no such field on " + map.sObject()));
          break;
        }
        if (!f.writable() && f != ext) {
          continue;
        }
        if (!SfValues.writable(e.getValue())) {
          problem = RecordError.invalid(RecordError.INVALID_VALUE, "field '" + e.getKey() + "' holds a map, which Salesforce cannot store",
              new io.crmsync.adapter.FieldError(e.getKey(), RecordError.INVALID_VALUE, "nested values are not supported"));
          break;
        }
        row.put(f.name(), e.getValue());
      }
      if (problem != null) {
        results[i] = RecordResult.failed(i, problem);
        continue;
      }
      indexes.add(i);
      rows.add(row);
    }
    if (!rows.isEmpty()) {
      if (settings.bulkEnabled() && rows.size() >= settings.bulkThreshold()) {
        bulkUpsert(map, ext.name(), indexes, rows, results);
      } else {
        inChunks(SalesforceClient.UPSERT, indexes, results, (from, to) ->
            collectionsUpsert(map, ext.name(), indexes.subList(from, to), rows.subList(from, to), results));
      }
    }
    return List.of(results);
  }

  /** Writes one sObject Collections request: records {@code from} (inclusive) to {@code to} of the sent ones. */
  @FunctionalInterface
  private interface Chunk {
    void write(int from, int to);
  }

  /**
   * Sends the records in sObject Collections requests of at most 200, each sent again while it fails transiently
   * (both writes are idempotent: an upsert by key, a delete by id). If one still fails after some have succeeded,
   * it and the rest are reported as transient failures, so that the engine retries only those; if the first fails,
   * the call fails.
   */
  private void inChunks(CrmHttp.Operation op, List<Integer> indexes, RecordResult[] results, Chunk chunk) {
    for (int from = 0; from < indexes.size(); from += COLLECTION) {
      int f = from;
      int to = Math.min(indexes.size(), from + COLLECTION);
      try {
        chunkRetries.run(op, "an sObject Collections request", () -> chunk.write(f, to));
      } catch (RuntimeException e) {
        if (from == 0 || !Retries.isTransient(e)) {
          throw e;
        }
        String why = "not written: a request for records before it succeeded, but " + e.getMessage();
        for (int k = from; k < indexes.size(); k++) {
          int i = indexes.get(k);
          results[i] = RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, why));
        }
        return;
      }
    }
  }

  private void checkBatch(String objectType, List<CrmRecord> records) {
    if (records.size() > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("batch of " + records.size() + " records exceeds maxBatchSize "
          + capabilities.maxBatchSize());
    }
    for (CrmRecord r : records) {
      Objects.requireNonNull(r, "record");
      if (!r.objectType().equals(objectType)) {
        throw new IllegalArgumentException("record of type " + r.objectType() + " in a batch of " + objectType);
      }
    }
  }

  private void collectionsUpsert(FieldMap map, String ext, List<Integer> indexes, List<Map<String, Object>> rows,
      RecordResult[] results) {
    ObjectNode body = client.mapper().createObjectNode();
    body.put("allOrNone", false);
    ArrayNode array = body.putArray("records");
    for (Map<String, Object> row : rows) {
      ObjectNode n = array.addObject();
      n.putObject("attributes").put("type", map.sObject());
      row.forEach((k, v) -> n.set(k, client.mapper().valueToTree(SfValues.toJson(v))));
    }
    JsonNode response = client.send(SalesforceClient.UPSERT, "PATCH", client.dataPath("/composite/sobjects/" + map.sObject() + "/" + ext), Map.of(), body);
    if (!response.isArray() || response.size() != rows.size()) {
      throw new CrmUnavailableException(id, 200, null, "sObject Collections upsert returned " + response.size()
          + " results for " + rows.size() + " records", null);
    }
    for (int k = 0; k < rows.size(); k++) {
      JsonNode r = response.get(k);
      int i = indexes.get(k);
      if (r.path("success").asBoolean(false)) {
        String recordId = r.path("id").asText();
        results[i] = r.path("created").asBoolean(false) ? RecordResult.created(i, recordId) : RecordResult.updated(i, recordId);
      } else {
        results[i] = RecordResult.failed(i, RecordErrors.toRecordError(map, errorsOf(r)));
      }
    }
  }

  private static List<RecordErrors.SfError> errorsOf(JsonNode result) {
    List<RecordErrors.SfError> errors = RecordErrors.fromJson(result.path("errors"));
    return errors.isEmpty() ? List.of(new RecordErrors.SfError("UNKNOWN", "Salesforce reported a failure without errors", List.of())) : errors;
  }

  private void bulkUpsert(FieldMap map, String ext, List<Integer> indexes, List<Map<String, Object>> rows,
      RecordResult[] results) {
    Set<String> columnSet = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    rows.forEach(r -> columnSet.addAll(r.keySet()));
    List<String> columns = new ArrayList<>(columnSet);
    List<List<String>> cells = new ArrayList<>(rows.size());
    for (Map<String, Object> row : rows) {
      List<String> line = new ArrayList<>(columns.size());
      for (String c : columns) {
        Object v = row.get(c);
        line.add(v == null ? "" : SfValues.toCsv(v));
      }
      cells.add(line);
    }
    List<BulkIngest.Outcome> outcomes = bulk.run(map.sObject(), "upsert", ext, columns, cells);
    for (int k = 0; k < outcomes.size(); k++) {
      BulkIngest.Outcome o = outcomes.get(k);
      int i = indexes.get(k);
      if (o.success() && o.id() != null) {
        results[i] = o.created() ? RecordResult.created(i, o.id()) : RecordResult.updated(i, o.id());
      } else {
        results[i] = RecordResult.failed(i, RecordErrors.toRecordError(map, o.errors()));
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Records go to the recycle bin (15 days, visible to reads that include deletes). An id that is already
   * deleted or does not exist counts as deleted. At least {@code bulkThreshold} ids run as a Bulk API 2.0 job.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    FieldMap map = map(objectType);
    if (ids.size() > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("batch of " + ids.size() + " ids exceeds maxBatchSize " + capabilities.maxBatchSize());
    }
    RecordResult[] results = new RecordResult[ids.size()];
    List<Integer> indexes = new ArrayList<>();
    List<String> valid = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String rid = Objects.requireNonNull(ids.get(i), "id");
      if (!rid.matches("[A-Za-z0-9]{15}|[A-Za-z0-9]{18}")) {
        results[i] = RecordResult.failed(i, RecordError.invalid("MALFORMED_ID", "not a Salesforce record id: '" + rid + "'"));
      } else {
        indexes.add(i);
        valid.add(rid);
      }
    }
    if (settings.bulkEnabled() && !valid.isEmpty() && valid.size() >= settings.bulkThreshold()) {
      List<List<String>> rows = new ArrayList<>();
      valid.forEach(v -> rows.add(List.of(v)));
      List<BulkIngest.Outcome> outcomes = bulk.run(map.sObject(), "delete", null, List.of("Id"), rows);
      for (int k = 0; k < outcomes.size(); k++) {
        BulkIngest.Outcome o = outcomes.get(k);
        results[indexes.get(k)] = deleteResult(map, indexes.get(k), valid.get(k), o.success(), o.errors());
      }
    } else {
      inChunks(SalesforceClient.DELETE, indexes, results, (from, to) -> {
        List<String> chunk = valid.subList(from, to);
        JsonNode response = client.send(SalesforceClient.DELETE, "DELETE", client.dataPath("/composite/sobjects"),
            Map.of("ids", String.join(",", chunk), "allOrNone", "false"), null);
        if (!response.isArray() || response.size() != chunk.size()) {
          throw new CrmUnavailableException(id, 200, null, "sObject Collections delete returned " + response.size()
              + " results for " + chunk.size() + " ids", null);
        }
        for (int k = 0; k < chunk.size(); k++) {
          JsonNode r = response.get(k);
          int i = indexes.get(from + k);
          results[i] = deleteResult(map, i, chunk.get(k), r.path("success").asBoolean(false),
              r.path("success").asBoolean(false) ? List.of() : errorsOf(r));
        }
      });
    }
    return List.of(results);
  }

  private static RecordResult deleteResult(FieldMap map, int index, String recordId, boolean success,
      List<RecordErrors.SfError> errors) {
    if (success) {
      return RecordResult.deleted(index, recordId);
    }
    String code = errors.isEmpty() ? "" : errors.get(0).statusCode();
    if (code.equals("ENTITY_IS_DELETED") || code.equals("INVALID_CROSS_REFERENCE_KEY") || code.equals("NOT_FOUND")) {
      return RecordResult.deleted(index, recordId);
    }
    return RecordResult.failed(index, RecordErrors.toRecordError(map, errors));
  }

}

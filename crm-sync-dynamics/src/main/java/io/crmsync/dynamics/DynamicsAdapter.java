package io.crmsync.dynamics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.dynamics.internal.Batch;
import io.crmsync.dynamics.internal.Cursor;
import io.crmsync.dynamics.internal.DataverseClient;
import io.crmsync.dynamics.internal.DataverseErrors;
import io.crmsync.dynamics.internal.DeltaState;
import io.crmsync.dynamics.internal.FieldMap;
import io.crmsync.dynamics.internal.Metadata;
import io.crmsync.dynamics.internal.ODataUrl;
import io.crmsync.dynamics.internal.Settings;
import io.crmsync.dynamics.internal.Values;
import io.crmsync.http.HttpFailure;
import io.crmsync.http.JsonResponse;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CRMAdapter} for Microsoft Dynamics 365: the Dataverse Web API (OData 4.0), with Microsoft Entra ID client
 * credentials. Contacts and companies (accounts) have canonical fields; any other table is reached by its entity set
 * name ({@code new_widgets}) with its columns as they are. Thread-safe: share one adapter between the engine's
 * workers.
 *
 * <pre>{@code
 * CRMAdapter dynamics = DynamicsAdapter.create(AdapterConfig.fromEnvironment("dynamics"));
 * }</pre>
 *
 * <h2>Settings</h2>
 *
 * From a map, a properties file ({@code crmsync.dynamics.<name>}) or the environment ({@code
 * CRMSYNC_DYNAMICS_<NAME>}), see {@link AdapterConfig}; the module's README has the full table.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code orgUrl}</td><td>required</td><td>the environment's URL, {@code https://contoso.crm.dynamics.com}
 *       (http only for loopback hosts)</td></tr>
 *   <tr><td>{@code tenantId}</td><td>required unless {@code tokenUrl}</td><td>the Microsoft Entra tenant id or
 *       domain</td></tr>
 *   <tr><td>{@code clientId}</td><td>required</td><td>the app registration's application (client) id</td></tr>
 *   <tr><td>{@code clientSecret}</td><td>this or a certificate</td><td>secret: a client secret's value</td></tr>
 *   <tr><td>{@code certificateFile}, {@code certificate}</td><td>this or a secret</td><td>a PEM file (or, secret, its
 *       text) with the certificate and its unencrypted PKCS#8 private key; the adapter signs a PS256 client
 *       assertion</td></tr>
 *   <tr><td>{@code tokenUrl}</td><td>{@code https://login.microsoftonline.com/<tenantId>/oauth2/v2.0/token}</td><td>the
 *       token endpoint</td></tr>
 *   <tr><td>{@code scope}</td><td>{@code <orgUrl>/.default}</td><td>the scope requested</td></tr>
 *   <tr><td>{@code apiVersion}</td><td>{@code 9.2}</td><td>the Web API version</td></tr>
 *   <tr><td>{@code batch}</td><td>{@code true}</td><td>whether writes go in one {@code $batch} request per call, or one
 *       request per record</td></tr>
 *   <tr><td>{@code maxBatchSize}, {@code batchSize}</td><td>1,000 and 100 (100 and 100 without batch)</td><td>the most
 *       records per call, and the batch size the engine prefers</td></tr>
 *   <tr><td>{@code budgetRequests}, {@code budgetWindow}</td><td>6,000 per {@code 5m}</td><td>service protection's
 *       request budget, kept by the engine and the adapter</td></tr>
 *   <tr><td>{@code maxConcurrentRequests}</td><td>52</td><td>requests in flight at once, at most</td></tr>
 *   <tr><td>{@code writeMode}</td><td>{@code upsert}</td><td>{@code upsert}, {@code createOnly} or {@code updateOnly}</td></tr>
 *   <tr><td>{@code contactCompanyField}</td><td>none</td><td>a text column of contact to hold {@code company}</td></tr>
 *   <tr><td>{@code formattedValues}</td><td>{@code false}</td><td>reads also return each value's formatted text as
 *       {@code <column>@OData.Community.Display.V1.FormattedValue}</td></tr>
 *   <tr><td>{@code changeTrackingScope}</td><td>the adapter id</td><td>names this adapter's delta links in the {@link
 *       DeltaLinkStore}</td></tr>
 *   <tr><td>{@code deltaLinkFile}</td><td>none (in memory)</td><td>a properties file that keeps delta links between
 *       runs</td></tr>
 *   <tr><td>{@code incrementalOverlap}</td><td>{@code 1m}</td><td>for tables without change tracking: how far before
 *       {@code since} a read by {@code modifiedon} starts</td></tr>
 *   <tr><td>{@code tokenRefreshAhead}, {@code describeTtl}</td><td>{@code 5m}, {@code 15m}</td><td>renew a token this
 *       long before it expires; keep table definitions this long</td></tr>
 * </table>
 *
 * <h2>Reads</h2>
 *
 * Pages by {@code Prefer: odata.maxpagesize} (up to 5,000 rows), following {@code @odata.nextLink} exactly as given.
 * Tables with change tracking are read with {@code Prefer: odata.track-changes}; the last page's {@code
 * @odata.deltaLink} is kept in the {@link DeltaLinkStore}, and an incremental read ({@code since}) follows it: rows
 * created or changed since, and rows deleted since as records flagged {@link CrmRecord#deleted()}. Tables without
 * change tracking are read incrementally by {@code modifiedon}, less {@code incrementalOverlap}. A full read that
 * includes deleted rows continues after the live rows with the table's recycle bin (a FetchXml query with {@code
 * datasource='bin'}), which holds deleted rows whole for up to 30 days where an administrator enabled it; without it
 * a full read reports no deleted rows, and incremental reads by change tracking still do. Lookups are read
 * from {@code _x_value} as the referenced row's GUID under the column's name; for lookups that can point at several
 * tables the table is kept beside it as {@code <column>@Microsoft.Dynamics.CRM.lookuplogicalname}, so a write can
 * bind it again. A page without the documented shape (an empty body, {@code {}}, a row without its key, an HTML
 * page) is a {@link CrmUnavailableException}, never an empty page.
 *
 * <h2>Writes</h2>
 *
 * Upserts are PATCH requests, by an alternate key when the table has one on the match key's columns ({@code
 * contacts(emailaddress1='a@example.com')}, several columns for a key of several: {@code MatchKey.field("a,b")}),
 * by the primary key ({@code MatchKey.field("contactid")}), or else by looking the rows up by the column first and
 * writing to their GUIDs (new rows get a new GUID). {@code Prefer: return=representation} tells creates (201) from
 * updates (200). With {@code batch}, one call is one {@code $batch} request with {@code Prefer:
 * odata.continue-on-error}, each record in a change set of its own with a {@code Content-ID}, so that one bad record
 * fails alone and every answer is matched to its record whatever its position. An upsert repeated after its answer
 * was lost writes the same values again; see {@link WriteMode} for create-only and update-only writes. Deletes treat a
 * row that is already gone as deleted.
 *
 * <h2>Errors and limits</h2>
 *
 * Dataverse's {@code {"error":{"code","message"}}} becomes a {@link RecordError} naming the column where the message
 * does (text too long, unknown column, choice out of range), or a typed exception for a whole call; 429 (service
 * protection, codes 0x80072322, 0x80072321, 0x80072326) is a {@link io.crmsync.CrmRateLimitException} with the
 * {@code Retry-After} wait; a 401 renews the token once, then is a {@link io.crmsync.CrmAuthenticationException}.
 */
public final class DynamicsAdapter implements CRMAdapter {
  private static final Logger log = LoggerFactory.getLogger(DynamicsAdapter.class);

  /** The provider id. */
  public static final String ID = "dynamics";
  /** The most rows one page may hold (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results). */
  public static final int MAX_PAGE_SIZE = 5_000;

  private static final String ANNOTATIONS =
      "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname\"";
  private static final String BIN_ANNOTATIONS = "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue,"
      + "Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords\"";
  private static final String LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname";
  private static final String FORMATTED = "@OData.Community.Display.V1.FormattedValue";
  /**
   * Characters that make key-based PATCH fail
   * (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity).
   */
  private static final String KEY_UNSAFE = "<>*%&:\\";
  /** Values per {@code $filter} when rows are looked up by a column, to keep URLs short. */
  private static final int LOOKUP_CHUNK = 50;

  private final String id;
  private final Settings settings;
  private final DataverseClient client;
  private final Metadata metadata;
  private final DeltaLinkStore deltaLinks;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  /** Tables whose tracked reads came back without a delta link: change tracking is off for them after all. */
  private final Set<String> untracked = ConcurrentHashMap.newKeySet();

  private DynamicsAdapter(AdapterConfig config, @Nullable DeltaLinkStore store) {
    this.id = config.adapterId();
    this.settings = Settings.from(config);
    this.client = new DataverseClient(config, settings);
    this.time = config.timeSource();
    this.mapper = config.objectMapper();
    this.metadata = new Metadata(id, client, time, settings.describeTtl());
    this.deltaLinks = store != null ? store
        : settings.deltaLinkFile() != null ? DeltaLinkStore.file(settings.deltaLinkFile()) : DeltaLinkStore.inMemory();
    this.capabilities = AdapterCapabilities.builder()
        .maxBatchSize(settings.maxBatchSize())
        .preferredBatchSize(settings.batchSize())
        .maxPageSize(MAX_PAGE_SIZE)
        .budget(settings.budget())
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .build();
  }

  /**
   * An adapter configured by {@code config}, keeping delta links in memory (or in {@code deltaLinkFile}). Does no
   * I/O: it authenticates on first use.
   *
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  public static DynamicsAdapter create(AdapterConfig config) {
    return new DynamicsAdapter(Objects.requireNonNull(config, "config"), null);
  }

  /**
   * An adapter configured by {@code config} that keeps delta links in {@code deltaLinks}, such as {@code
   * DeltaLinkStore.of(stateStore)} with the sync's own state store.
   *
   * @throws io.crmsync.CrmConfigurationException if a setting is missing or malformed, naming it
   */
  public static DynamicsAdapter create(AdapterConfig config, DeltaLinkStore deltaLinks) {
    return new DynamicsAdapter(Objects.requireNonNull(config, "config"), Objects.requireNonNull(deltaLinks, "deltaLinks"));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  /** What the latest response's {@code x-ms-ratelimit-*} headers said, if any response carried them. */
  public Optional<ServiceProtectionStatus> serviceProtectionStatus() {
    return client.serviceProtection();
  }

  @Override
  public void close() {
    client.tokens().invalidateAll();
    metadata.invalidateAll();
  }

  @Override
  public String toString() {
    return "DynamicsAdapter[" + id + " " + settings.orgUrl().host() + " v" + settings.apiVersion()
        + (settings.batch() ? ", $batch" : "") + ", budget " + settings.budget() + "]";
  }

  // -------------------------------------------------------------------------------------------- tables

  private Metadata.Table table(String objectType) {
    Objects.requireNonNull(objectType, "objectType");
    return switch (objectType) {
      case ObjectTypes.CONTACT -> metadata.byLogicalName("contact");
      case ObjectTypes.COMPANY -> metadata.byLogicalName("account");
      case ObjectTypes.DEAL -> metadata.byLogicalName("opportunity");
      default -> {
        try {
          OData.name(objectType);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("not a Dataverse entity set name: '" + objectType + "'", e);
        }
        yield metadata.byEntitySet(objectType);
      }
    };
  }

  private FieldMap map(String objectType) {
    return FieldMap.of(objectType, settings.contactCompanyField());
  }

  // --------------------------------------------------------------------------------------------- reads

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    Metadata.Table t = table(request.objectType());
    FieldMap map = map(request.objectType());
    int pageSize = Math.min(request.pageSize(), MAX_PAGE_SIZE);
    List<String> select = select(t, map, request.fields());
    String key = deltaKey(t, select);
    if (request.cursor() != null) {
      Cursor c = Cursor.decode(mapper, request.cursor(), request.objectType());
      if (c.mode() == Cursor.Mode.BIN) {
        return fetchBin(t, map, request, orgLink(c.link()), select, pageSize);
      }
      return fetch(t, map, request, c.mode(), orgLink(c.link()), pageSize, key);
    }
    HttpUrl query = ODataUrl.at(client.apiRoot()).path(t.entitySet())
        .option("$select", String.join(",", select)).build();
    boolean tracked = t.changeTracking() && !untracked.contains(t.logicalName());
    if (request.since() == null) {
      Page live = fetch(t, map, request, tracked ? Cursor.Mode.TRACKED : Cursor.Mode.PLAIN, query, pageSize, key);
      return live.hasMore() || !request.includeDeleted() ? live : thenBin(t, request, live, select, pageSize);
    }
    if (tracked) {
      DeltaState state = DeltaState.decode(mapper, deltaLinks.load(key).orElse(null)).forPass(request.since());
      deltaLinks.save(key, state.encode(mapper));
      if (state.committed() != null) {
        try {
          return fetch(t, map, request, Cursor.Mode.DELTA, orgLink(state.committed()), pageSize, key);
        } catch (CrmRequestException e) {
          if (!e.getMessage().contains("Please perform a full sync")) {
            throw e;
          }
          // https://github.com/MicrosoftDocs/powerapps-docs/issues/3845: the org keeps changes for a limited time
          log.warn("The delta link of {} has expired; reading the whole table again (rows deleted since the last pass are "
              + "not reported)", t.entitySet());
          deltaLinks.save(key, DeltaState.EMPTY.encode(mapper));
        }
      } else {
        log.info("No delta link kept for {} yet: reading the whole table with change tracking", t.entitySet());
      }
      return fetch(t, map, request, Cursor.Mode.TRACKED, query, pageSize, key);
    }
    if (request.includeDeleted()) {
      throw new CrmRequestException(id, 0, null, "table " + t.logicalName() + " has no change tracking, so its deleted rows "
          + "cannot be read; enable change tracking on the table", List.of(), null);
    }
    HttpUrl modified = ODataUrl.at(query)
        .option("$filter", "modifiedon ge " + OData.dateTime(request.since().minus(settings.incrementalOverlap())))
        .option("$orderby", "modifiedon asc")
        .build();
    return fetch(t, map, request, Cursor.Mode.MODIFIED, modified, pageSize, key);
  }

  /** The key of a table's delta link: the scope, the entity set and a digest of the columns read. */
  private String deltaKey(Metadata.Table t, List<String> select) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join(",", select).getBytes(StandardCharsets.UTF_8));
      return settings.changeTrackingScope() + "/" + t.entitySet() + "/"
          + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /**
   * A link Dataverse gave (next page, delta), checked to point at this org's Web API before a token is sent to it.
   *
   * @throws CrmUnavailableException if it points elsewhere or is not a URL
   */
  private HttpUrl orgLink(String link) {
    HttpUrl url = HttpUrl.parse(link);
    HttpUrl root = client.apiRoot();
    if (url == null || !url.scheme().equals(root.scheme()) || !url.host().equalsIgnoreCase(root.host()) || url.port() != root.port()
        || !url.encodedPath().startsWith("/api/data/")) {
      throw new CrmUnavailableException(id, 0, null, "Dataverse gave a paging link outside the org's Web API ("
          + (url == null ? "not a URL" : url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath()) + ")", null);
    }
    return url;
  }

  private Page fetch(Metadata.Table t, FieldMap map, ReadRequest request, Cursor.Mode mode, HttpUrl url, int pageSize,
      String key) {
    List<String> prefer = new ArrayList<>();
    prefer.add("odata.maxpagesize=" + pageSize);
    if (mode == Cursor.Mode.TRACKED) {
      prefer.add("odata.track-changes");
    }
    prefer.add(ANNOTATIONS);
    JsonResponse response = client.get(url, Map.of("Prefer", String.join(",", prefer)));
    String op = "GET " + url.encodedPath();
    JsonNode body = response.body();
    if (!body.isObject()) {
      throw unavailable(response.status(), op + " returned " + (body.isMissingNode() ? "an empty body" : "a " + body.getNodeType()
          + " instead of a JSON object") + " for a page of " + t.entitySet());
    }
    JsonNode value = body.get("value");
    if (value == null || !value.isArray()) {
      throw unavailable(response.status(), op + " returned a page of " + t.entitySet() + " without a 'value' array");
    }
    JsonNode next = body.get("@odata.nextLink");
    JsonNode delta = body.get("@odata.deltaLink");
    if ((next != null && !next.isTextual()) || (delta != null && !delta.isTextual())) {
      throw unavailable(response.status(), op + " returned a page of " + t.entitySet() + " whose paging link is not text");
    }
    List<CrmRecord> records = new ArrayList<>(value.size());
    for (JsonNode row : value) {
      if (!row.isObject()) {
        throw unavailable(response.status(), op + " returned a page of " + t.entitySet() + " holding a " + row.getNodeType()
            + " instead of rows");
      }
      if (isDeletedEntry(row)) {
        if (!OData.isGuid(row.path("id").asText(""))) {
          throw unavailable(response.status(), op + " returned a deleted row without a GUID id");
        }
        if (request.includeDeleted()) {
          records.add(new CrmRecord(request.objectType(), OData.guid(row.get("id").asText()), Map.of(), null, true));
        }
        continue;
      }
      records.add(toRecord(t, map, request.objectType(), row, op, response.status(), request.fields()));
    }
    if (next != null) {
      Cursor c = new Cursor(request.objectType(), mode, orgLink(next.asText()).toString());
      return new Page(records, c.encode(mapper));
    }
    if (delta != null && (mode == Cursor.Mode.TRACKED || mode == Cursor.Mode.DELTA)) {
      orgLink(delta.asText());
      DeltaState state = DeltaState.decode(mapper, deltaLinks.load(key).orElse(null));
      deltaLinks.save(key, state.withPending(delta.asText(), request.since()).encode(mapper));
    } else if (mode == Cursor.Mode.TRACKED && untracked.add(t.logicalName())) {
      log.info("Dataverse did not track changes of {} (no delta link); its incremental reads filter on modifiedon", t.entitySet());
    }
    Page last = new Page(records, null);
    boolean full = mode == Cursor.Mode.PLAIN || (mode == Cursor.Mode.TRACKED && request.since() == null);
    return full && request.cursor() != null && request.includeDeleted()
        ? thenBin(t, request, last, select(t, map(request.objectType()), request.fields()), pageSize) : last;
  }

  // ------------------------------------------------------------------------------------- recycle bin

  /**
   * The last page of live rows of a full read that includes deleted rows, continued by the rows in the table's
   * recycle bin: Dataverse keeps deleted rows there for up to 30 days when an administrator has enabled it, and
   * returns them only to FetchXml queries with {@code datasource='bin'}
   * (https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records). Without the recycle
   * bin the query finds nothing, and a full read reports no deleted rows (incremental reads do, by change tracking).
   */
  private Page thenBin(Metadata.Table t, ReadRequest request, Page live, List<String> select, int pageSize) {
    Cursor c = new Cursor(request.objectType(), Cursor.Mode.BIN, binUrl(t, select, pageSize, 1, null).toString());
    return new Page(live.records(), c.encode(mapper));
  }

  /** {@code GET <set>?fetchXml=<fetch datasource='bin' count page [paging-cookie]>} (fetchxml/page-results). */
  private HttpUrl binUrl(Metadata.Table t, List<String> select, int count, int page, @Nullable String pagingCookie) {
    StringBuilder x = new StringBuilder("<fetch datasource='bin' count='").append(count).append("' page='").append(page).append('\'');
    if (pagingCookie != null) {
      x.append(" paging-cookie='").append(xmlAttribute(pagingCookie)).append('\'');
    }
    x.append("><entity name='").append(xmlAttribute(t.logicalName())).append("'>");
    for (String property : select) {
      String column = property.startsWith("_") && property.endsWith("_value") && property.length() > 7
          ? property.substring(1, property.length() - "_value".length()) : property;
      x.append("<attribute name='").append(xmlAttribute(column)).append("' />");
    }
    x.append("</entity></fetch>");
    return ODataUrl.at(client.apiRoot()).path(t.entitySet()).option("fetchXml", x.toString()).build();
  }

  private static String xmlAttribute(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
  }

  private static final Pattern COOKIE_PAGE = Pattern.compile("pagenumber=\"(\\d+)\"");
  private static final Pattern COOKIE_VALUE = Pattern.compile("pagingcookie=\"([^\"]*)\"");

  /**
   * A page of the recycle bin: its rows (minus any whose id is live again, as a row re-created with the same primary
   * key would be) as deleted records, and the next page by the paging cookie Dataverse returned.
   */
  private Page fetchBin(Metadata.Table t, FieldMap map, ReadRequest request, HttpUrl url, List<String> select, int pageSize) {
    JsonResponse response = client.get(url, Map.of("Prefer", BIN_ANNOTATIONS));
    String op = "GET /" + t.entitySet() + "?fetchXml (recycle bin)";
    JsonNode body = response.body();
    if (!body.isObject() || !body.path("value").isArray()) {
      throw unavailable(response.status(), op + " returned " + (body.isMissingNode() ? "an empty body"
          : body.isObject() ? "a page without a 'value' array" : "a " + body.getNodeType() + " instead of a JSON object"));
    }
    JsonNode more = body.get("@Microsoft.Dynamics.CRM.morerecords");
    JsonNode cookie = body.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie");
    if ((more != null && !more.isBoolean()) || (cookie != null && !cookie.isTextual())) {
      throw unavailable(response.status(), op + " returned paging annotations of the wrong type");
    }
    List<CrmRecord> rows = new ArrayList<>();
    for (JsonNode row : body.get("value")) {
      if (!row.isObject()) {
        throw unavailable(response.status(), op + " returned a " + row.getNodeType() + " instead of a row");
      }
      rows.add(toRecord(t, map, request.objectType(), row, op, response.status(), request.fields()));
    }
    Set<String> live = liveIds(t, rows);
    List<CrmRecord> records = new ArrayList<>(rows.size());
    for (CrmRecord r : rows) {
      if (!live.contains(r.id())) {
        records.add(new CrmRecord(r.objectType(), r.id(), r.fields(), r.modifiedAt(), true));
      }
    }
    if (more == null || !more.asBoolean()) {
      return new Page(records, null);
    }
    int page = currentPage(url) + 1;
    String pagingCookie = null;
    if (cookie != null) {
      Matcher p = COOKIE_PAGE.matcher(cookie.asText());
      Matcher v = COOKIE_VALUE.matcher(cookie.asText());
      if (!p.find() || !v.find()) {
        throw unavailable(response.status(), op + " returned a paging cookie without pagenumber and pagingcookie");
      }
      page = Integer.parseInt(p.group(1));
      try {
        // "URL-decode the pagingcookie attribute value twice" (fetchxml/page-results)
        pagingCookie = URLDecoder.decode(URLDecoder.decode(v.group(1), StandardCharsets.UTF_8), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw unavailable(response.status(), op + " returned a paging cookie that is not URL-encoded");
      }
    }
    Cursor c = new Cursor(request.objectType(), Cursor.Mode.BIN, binUrl(t, select, pageSize, page, pagingCookie).toString());
    return new Page(records, c.encode(mapper));
  }

  private static int currentPage(HttpUrl url) {
    Matcher m = Pattern.compile("page='(\\d+)'").matcher(Objects.requireNonNullElse(url.queryParameter("fetchXml"), ""));
    return m.find() ? Integer.parseInt(m.group(1)) : 1;
  }

  /** Which of these rows exist as live rows, in one request per 50 ids. */
  private Set<String> liveIds(Metadata.Table t, List<CrmRecord> rows) {
    Set<String> live = new HashSet<>();
    for (int from = 0; from < rows.size(); from += LOOKUP_CHUNK) {
      List<Object> chunk = new ArrayList<>();
      for (CrmRecord r : rows.subList(from, Math.min(rows.size(), from + LOOKUP_CHUNK))) {
        chunk.add(UUID.fromString(r.id()));
      }
      HttpUrl url = ODataUrl.at(client.apiRoot()).path(t.entitySet()).option("$select", t.primaryId())
          .option("$filter", OData.anyOf(t.primaryId(), chunk)).build();
      JsonResponse r = client.get(url, Map.of());
      JsonNode value = r.body().path("value");
      if (!value.isArray()) {
        throw unavailable(r.status(), "GET /" + t.entitySet() + " returned rows without a 'value' array");
      }
      for (JsonNode row : value) {
        String rid = row.path(t.primaryId()).asText("");
        if (OData.isGuid(rid)) {
          live.add(OData.guid(rid));
        }
      }
    }
    return live;
  }

  private CrmUnavailableException unavailable(int status, String message) {
    return new CrmUnavailableException(id, status, null, message, null);
  }

  /** A {@code $deletedEntity} entry of a delta (use-change-tracking-synchronize-data-external-systems). */
  private static boolean isDeletedEntry(JsonNode row) {
    return row.path("@odata.context").asText("").endsWith("$deletedEntity")
        || ("deleted".equals(row.path("reason").asText(null)) && row.has("id"));
  }

  private CrmRecord toRecord(Metadata.Table t, FieldMap map, String objectType, JsonNode row, String op, int status) {
    return toRecord(t, map, objectType, row, op, status, List.of());
  }

  /**
   * A row as a record. Contacts and companies read with the default fields hold their canonical fields, the company
   * and custom columns, but not the standard lookups (owner, parent customer, created by): their values are GUIDs of
   * rows in this org, which mean nothing to another CRM and which a sync must not copy there. Asked for by name
   * ({@code fields}), a lookup is read, with its table beside it when it can point at several.
   */
  private CrmRecord toRecord(Metadata.Table t, FieldMap map, String objectType, JsonNode row, String op, int status,
      List<String> asked) {
    boolean canonicalOnly = asked.isEmpty() && map.isStandard();
    JsonNode pk = row.get(t.primaryId());
    if (pk == null || !pk.isTextual() || !OData.isGuid(pk.asText())) {
      throw unavailable(status, op + " returned a row of " + t.entitySet() + " without its key " + t.primaryId());
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    Instant modified = null;
    for (Map.Entry<String, JsonNode> e : row.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.startsWith("@") || name.contains("@") || name.equals(t.primaryId()) || v.isNull()) {
        continue;
      }
      if (name.equals("modifiedon")) {
        try {
          modified = Values.instant(v.asText());
        } catch (IllegalArgumentException x) {
          throw unavailable(status, op + " returned a row of " + t.entitySet() + " whose modifiedon is not a date and time");
        }
        continue;
      }
      if (name.startsWith("_") && name.endsWith("_value") && name.length() > 7) {
        String column = name.substring(1, name.length() - "_value".length());
        String target = row.path(name + LOOKUP_TABLE).asText(null);
        String formatted = row.path(name + FORMATTED).asText(null);
        if (map.companyFromParent() && column.equals("parentcustomerid") && "account".equals(target) && formatted != null) {
          fields.put(Contact.Fields.COMPANY, formatted);
        }
        Metadata.Column c = t.column(column);
        if (canonicalOnly && (c == null || !c.custom())) {
          continue;
        }
        fields.put(map.canonicalName(column), v.asText());
        if (!canonicalOnly && target != null && c != null && c.targets().size() > 1) {
          fields.put(column + LOOKUP_TABLE, target);
        }
        if (settings.formattedValues() && formatted != null) {
          fields.put(column + FORMATTED, formatted);
        }
        continue;
      }
      if (map.hidden(name)) {
        continue;
      }
      Object value = Values.fromJson(v);
      if (value == null) {
        continue;
      }
      String canonical = map.canonicalName(name);
      if (canonical.equals(Contact.Fields.CREATED_AT) && value instanceof String s) {
        try {
          value = Values.instant(s).toString();
        } catch (IllegalArgumentException x) {
          throw unavailable(status, op + " returned a row of " + t.entitySet() + " whose createdon is not a date and time");
        }
      }
      fields.put(canonical, value);
      String formatted = row.path(name + FORMATTED).asText(null);
      if (settings.formattedValues() && formatted != null) {
        fields.put(name + FORMATTED, formatted);
      }
    }
    return new CrmRecord(objectType, OData.guid(pk.asText()), fields, modified, false);
  }

  /**
   * The properties a read selects: for {@code fields}, their columns; by default the mapped columns but lookups,
   * every custom column (and, for other tables, every column), the primary key and {@code modifiedon}.
   */
  private List<String> select(Metadata.Table t, FieldMap map, List<String> fields) {
    Set<String> out = new LinkedHashSet<>();
    if (fields.isEmpty()) {
      boolean standard = !map.mapped().isEmpty() && (map.isContact() || map.objectType().equals(ObjectTypes.COMPANY));
      for (Metadata.Column c : t.columns().values()) {
        boolean mapped = map.mapped().containsValue(c.logicalName()) && !c.isLookup();
        if ((mapped || c.custom() || !standard) && !map.hidden(c.logicalName()) && !c.logicalName().equals("modifiedon")) {
          out.add(c.property());
        }
      }
      if (map.companyFromParent() && t.column("parentcustomerid") != null) {
        out.add("_parentcustomerid_value");
      }
    } else {
      for (String f : fields) {
        if (map.companyFromParent() && f.equals(Contact.Fields.COMPANY)) {
          out.add("_parentcustomerid_value");
          continue;
        }
        Metadata.Column c = t.column(map.nativeName(f));
        if (c == null || map.hidden(c.logicalName())) {
          throw new CrmRequestException(id, 0, null, t.logicalName() + " has no column '" + map.nativeName(f)
              + "' (field '" + f + "')", List.of(new FieldError(f, "INVALID_FIELD", "no such column")), null);
        }
        out.add(c.property());
      }
    }
    out.add(t.primaryId());
    if (t.column("modifiedon") != null) {
      out.add("modifiedon");
    }
    return new ArrayList<>(out);
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Metadata.Table t = table(objectType);
    FieldMap map = map(objectType);
    if (key.normalize(value) == null) {
      return Optional.empty();
    }
    List<String> cols = keyColumns(t, map, key);
    if (cols.size() != 1) {
      throw new IllegalArgumentException("lookup takes a key of one column; " + key.field() + " has " + cols.size());
    }
    Metadata.Column c = Objects.requireNonNull(t.column(cols.get(0)));
    String literal;
    try {
      literal = keyLiteral(c, value.strip());
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // a value the column cannot hold matches no row
    }
    List<String> select = select(t, map, List.of());
    HttpUrl root = client.apiRoot();
    String op = "GET /" + t.entitySet();
    try {
      if (c.logicalName().equals(t.primaryId()) || (t.key(cols) != null && keySafe(value))) {
        HttpUrl url = ODataUrl.at(root).path(t.entitySet() + "(" + (c.logicalName().equals(t.primaryId()) ? literal
            : c.logicalName() + "=" + literal) + ")").option("$select", String.join(",", select)).build();
        JsonResponse r = client.get(url, Map.of("Prefer", ANNOTATIONS));
        if (!r.body().isObject()) {
          throw unavailable(r.status(), op + " returned " + r.body().getNodeType() + " instead of a row");
        }
        return Optional.of(toRecord(t, map, objectType, r.body(), op, r.status()));
      }
    } catch (CrmRequestException e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
    HttpUrl url = ODataUrl.at(root).path(t.entitySet()).option("$select", String.join(",", select))
        .option("$filter", c.property() + " eq " + literal).option("$top", "2").build();
    JsonResponse r = client.get(url, Map.of("Prefer", ANNOTATIONS));
    JsonNode rows = r.body().path("value");
    if (!rows.isArray()) {
      throw unavailable(r.status(), op + " returned a result without a 'value' array");
    }
    return rows.size() == 1 ? Optional.of(toRecord(t, map, objectType, rows.get(0), op, r.status())) : Optional.empty();
  }

  /**
   * The rows with these ids, in one request per 50 ids: what a {@link ChangeNotification} points at. Ids of rows
   * that do not exist (deleted since, or never) are left out.
   *
   * @throws IllegalArgumentException if there are more than {@code maxBatchSize} ids, or one is not a GUID
   */
  public List<CrmRecord> fetch(String objectType, List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    checkBatch(objectType, ids.size());
    Metadata.Table t = table(objectType);
    FieldMap map = map(objectType);
    List<String> select = select(t, map, List.of());
    Map<String, CrmRecord> byId = new HashMap<>();
    for (int from = 0; from < ids.size(); from += LOOKUP_CHUNK) {
      List<Object> chunk = new ArrayList<>();
      for (String rid : ids.subList(from, Math.min(ids.size(), from + LOOKUP_CHUNK))) {
        chunk.add(UUID.fromString(OData.guid(rid)));
      }
      HttpUrl url = ODataUrl.at(client.apiRoot()).path(t.entitySet()).option("$select", String.join(",", select))
          .option("$filter", OData.anyOf(t.primaryId(), chunk)).build();
      while (url != null) {
        JsonResponse r = client.get(url, Map.of("Prefer", "odata.maxpagesize=" + MAX_PAGE_SIZE + "," + ANNOTATIONS));
        JsonNode rows = r.body().path("value");
        if (!rows.isArray()) {
          throw unavailable(r.status(), "GET /" + t.entitySet() + " returned rows without a 'value' array");
        }
        for (JsonNode row : rows) {
          CrmRecord rec = toRecord(t, map, objectType, row, "GET /" + t.entitySet(), r.status());
          byId.put(rec.id(), rec);
        }
        JsonNode next = r.body().get("@odata.nextLink");
        url = next != null && next.isTextual() ? orgLink(next.asText()) : null;
      }
    }
    List<CrmRecord> out = new ArrayList<>();
    for (String rid : ids) {
      CrmRecord r = byId.get(OData.guid(rid));
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * The object type this adapter reads a table by: {@code contact} and {@code company} for contacts and accounts,
   * else the table's entity set name (looked up in its definition).
   */
  public String objectTypeForTable(String logicalName) {
    Objects.requireNonNull(logicalName, "logicalName");
    return switch (logicalName) {
      case "contact" -> ObjectTypes.CONTACT;
      case "account" -> ObjectTypes.COMPANY;
      default -> metadata.entitySet(OData.name(logicalName));
    };
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    Metadata.Table t = table(objectType);
    FieldMap map = map(objectType);
    List<FieldInfo> out = new ArrayList<>();
    for (Metadata.Column c : t.columns().values()) {
      if (c.logicalName().equals(t.primaryId()) || c.logicalName().equals("modifiedon") || map.hidden(c.logicalName())) {
        continue;
      }
      boolean defaulted = c.logicalName().equals("ownerid") || c.logicalName().equals("statecode")
          || c.logicalName().equals("statuscode");
      String type = c.isEmail() ? "email" : c.type().toLowerCase(Locale.ROOT);
      out.add(FieldInfo.builder(map.canonicalName(c.logicalName()))
          .nativeName(c.logicalName())
          .type(type)
          .required(!defaulted && (c.requiredLevel().equals("SystemRequired") || c.requiredLevel().equals("ApplicationRequired")))
          .custom(c.custom())
          .readOnly(!c.writable())
          .reference(c.isLookup() || c.type().equals("Uniqueidentifier"))
          .maxLength(c.isText() ? Math.max(0, c.maxLength()) : 0)
          .picklistValues(c.options())
          .build());
    }
    if (map.companyFromParent() && t.column("parentcustomerid") != null) {
      out.add(FieldInfo.builder(Contact.Fields.COMPANY).nativeName("parentcustomerid").type("string").readOnly(true).build());
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------- writes

  /**
   * {@inheritDoc}
   *
   * <p>Writes in the configured {@code writeMode} (an upsert by default); see {@link #write}.
   */
  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    return write(objectType, records, key, settings.writeMode());
  }

  /**
   * One planned write: its record, the row's URL, the body and headers, the GUID it creates the row under (when
   * matched by a column), whether it was looked up first, the values sent and the field each lookup came from.
   */
  private record Planned(int index, HttpUrl url, byte[] body, Map<String, String> headers, @Nullable String newId,
      boolean lookedUp, Map<String, JsonNode> sent, Map<String, String> bindFields) {}

  /**
   * Writes {@code records} matched on {@code key}, creating, updating or both as {@code mode} says. Returns one result
   * per record, in order.
   *
   * @throws IllegalArgumentException if there are more records than {@code maxBatchSize}, or one is of another type
   */
  public List<RecordResult> write(String objectType, List<CrmRecord> records, MatchKey key, WriteMode mode) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(mode, "mode");
    checkBatch(objectType, records.size());
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = Objects.requireNonNull(records.get(i), "records[" + i + "]");
      if (!r.objectType().equals(objectType)) {
        throw new IllegalArgumentException("record " + i + " is of object type '" + r.objectType() + "', not '" + objectType + "'");
      }
    }
    if (records.isEmpty()) {
      return List.of();
    }
    Metadata.Table t = table(objectType);
    FieldMap map = map(objectType);
    List<String> keyCols = keyColumns(t, map, key);
    boolean primary = keyCols.equals(List.of(t.primaryId()));
    boolean alternate = !primary && t.key(keyCols) != null;
    RecordResult[] results = new RecordResult[records.size()];
    List<Planned> planned = new ArrayList<>();
    Map<Integer, Map<String, Object>> byColumn = new LinkedHashMap<>();
    Map<Integer, Map<String, JsonNode>> bodies = new HashMap<>();
    Map<Integer, Map<String, String>> bindsOf = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      CrmRecord r = records.get(i);
      Map<String, Object> keyValues = new LinkedHashMap<>();
      RecordError problem = null;
      for (String col : keyCols) {
        Object v = r.fields().get(map.canonicalName(col));
        if (v == null && col.equals(t.primaryId())) {
          v = r.id();
        }
        if (v == null || key.normalize(v) == null) {
          problem = RecordError.invalid(RecordError.MISSING_MATCH_KEY, "record has no value for the match key '" + key.field()
              + "' (column " + col + ")");
          break;
        }
        keyValues.put(col, v instanceof String s ? s.strip() : v);
      }
      if (problem == null) {
        try {
          for (Map.Entry<String, Object> e : keyValues.entrySet()) {
            Metadata.Column c = Objects.requireNonNull(t.column(e.getKey()));
            keyLiteral(c, e.getValue().toString());
            if (!c.isLookup() && !c.logicalName().equals(t.primaryId())) {
              Values.toJson(c, e.getValue()); // the same checks as a value in the body (an email address is one)
            }
          }
        } catch (IllegalArgumentException e) {
          problem = RecordError.invalid(RecordError.INVALID_VALUE, "the match key '" + key.field() + "' " + e.getMessage(),
              new FieldError(key.field(), RecordError.INVALID_VALUE, e.getMessage()));
        }
      }
      if (problem != null) {
        results[i] = RecordResult.failed(i, problem);
        continue;
      }
      boolean safe = keyValues.values().stream().allMatch(v -> keySafe(v.toString()));
      boolean byKeyUrl = primary || (alternate && safe);
      Map<String, JsonNode> body = new LinkedHashMap<>();
      Map<String, String> binds = new HashMap<>();
      problem = body(t, map, r, byKeyUrl ? Set.copyOf(keyCols) : Set.of(), body, binds);
      if (problem != null) {
        results[i] = RecordResult.failed(i, problem);
        continue;
      }
      if (byKeyUrl) {
        StringBuilder segment = new StringBuilder();
        if (primary) {
          segment.append(OData.guid(keyValues.get(t.primaryId()).toString()));
        } else {
          for (String col : keyCols) {
            segment.append(segment.length() == 0 ? "" : ",").append(col).append('=')
                .append(keyLiteral(Objects.requireNonNull(t.column(col)), keyValues.get(col).toString()));
          }
        }
        planned.add(plan(i, t, t.entitySet() + "(" + segment + ")", body, binds, conditional(mode), null, false));
      } else {
        byColumn.put(i, keyValues);
        bodies.put(i, body);
        bindsOf.put(i, binds);
      }
    }
    if (!byColumn.isEmpty()) {
      planByColumn(t, keyCols, byColumn, bodies, bindsOf, mode, planned, results);
    }
    if (!planned.isEmpty()) {
      Map<Integer, Answer> answers = settings.batch() ? sendBatch(planned) : sendEach(planned);
      for (Planned p : planned) {
        results[p.index()] = outcome(t, map, p, answers.get(p.index()), mode);
      }
    }
    return List.of(results);
  }

  private void checkBatch(String objectType, int size) {
    Objects.requireNonNull(objectType, "objectType");
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException("a batch of " + size + " records is larger than maxBatchSize " + capabilities.maxBatchSize());
    }
  }

  private static Map<String, String> conditional(WriteMode mode) {
    return switch (mode) {
      case UPSERT -> Map.of();
      case CREATE_ONLY -> Map.of("If-None-Match", "*");
      case UPDATE_ONLY -> Map.of("If-Match", "*");
    };
  }

  private Planned plan(int index, Metadata.Table t, String segment, Map<String, JsonNode> body, Map<String, String> binds,
      Map<String, String> conditions, @Nullable String newId, boolean lookedUp) {
    ObjectNode json = mapper.createObjectNode();
    body.forEach(json::set);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Prefer", "return=representation");
    headers.putAll(conditions);
    HttpUrl url = ODataUrl.at(client.apiRoot()).path(segment).option("$select", t.primaryId()).build();
    try {
      return new Planned(index, url, mapper.writeValueAsBytes(json), headers, newId, lookedUp, body, binds);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a row", e);
    }
  }

  /**
   * Rows matched on columns without an alternate key: looked up by {@code $filter} (50 values a request), then written
   * to their GUIDs; rows not found get a new GUID (one per key value, so duplicates within the batch land in one row).
   */
  private void planByColumn(Metadata.Table t, List<String> keyCols, Map<Integer, Map<String, Object>> byColumn,
      Map<Integer, Map<String, JsonNode>> bodies, Map<Integer, Map<String, String>> bindsOf, WriteMode mode, List<Planned> planned,
      RecordResult[] results) {
    Map<String, List<String>> found = new HashMap<>();
    List<Map<String, Object>> distinct = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Map<String, Object> kv : byColumn.values()) {
      if (seen.add(normalized(kv))) {
        distinct.add(kv);
      }
    }
    for (int from = 0; from < distinct.size(); from += LOOKUP_CHUNK) {
      List<Map<String, Object>> chunk = distinct.subList(from, Math.min(distinct.size(), from + LOOKUP_CHUNK));
      List<String> terms = new ArrayList<>();
      for (Map<String, Object> kv : chunk) {
        List<String> parts = new ArrayList<>();
        kv.forEach((col, v) -> parts.add(Objects.requireNonNull(t.column(col)).property() + " eq "
            + keyLiteral(Objects.requireNonNull(t.column(col)), v.toString())));
        terms.add(parts.size() == 1 ? parts.get(0) : "(" + String.join(" and ", parts) + ")");
      }
      Set<String> select = new LinkedHashSet<>();
      select.add(t.primaryId());
      keyCols.forEach(c -> select.add(Objects.requireNonNull(t.column(c)).property()));
      String filter = String.join(" or ", terms);
      HttpUrl url = ODataUrl.at(client.apiRoot()).path(t.entitySet()).option("$select", String.join(",", select))
          .option("$filter", filter).build();
      while (url != null) {
        JsonResponse r = client.get(url, Map.of("Prefer", "odata.maxpagesize=" + MAX_PAGE_SIZE));
        JsonNode rows = r.body().path("value");
        if (!rows.isArray()) {
          throw unavailable(r.status(), "GET /" + t.entitySet() + " returned a lookup without a 'value' array");
        }
        for (JsonNode row : rows) {
          Map<String, Object> kv = new LinkedHashMap<>();
          for (String col : keyCols) {
            Object v = Values.fromJson(row.path(Objects.requireNonNull(t.column(col)).property()));
            kv.put(col, v == null ? "" : v);
          }
          found.computeIfAbsent(normalized(kv), k -> new ArrayList<>()).add(row.path(t.primaryId()).asText());
        }
        JsonNode next = r.body().get("@odata.nextLink");
        url = next != null && next.isTextual() ? orgLink(next.asText()) : null;
      }
    }
    Map<String, String> newIds = new HashMap<>();
    for (Map.Entry<Integer, Map<String, Object>> e : byColumn.entrySet()) {
      int i = e.getKey();
      String norm = normalized(e.getValue());
      List<String> ids = found.getOrDefault(norm, List.of());
      if (ids.size() > 1) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.AMBIGUOUS_MATCH, "the match key matches "
            + ids.size() + " rows of " + t.logicalName() + "; nothing was written"));
        continue;
      }
      Map<String, JsonNode> body = new LinkedHashMap<>(bodies.get(i));
      if (ids.size() == 1) {
        if (mode == WriteMode.CREATE_ONLY) {
          // the row a first attempt created before its answer was lost holds exactly what was sent
          Map<String, JsonNode> sent = new LinkedHashMap<>(body);
          putKeyColumns(t, e.getValue(), sent);
          Planned probe = plan(i, t, t.entitySet() + "(" + OData.guid(ids.get(0)) + ")", sent, bindsOf.get(i), Map.of(), null, false);
          results[i] = createdEarlier(t, probe).orElseGet(() -> RecordResult.failed(i, RecordError.invalid("DUPLICATE_RECORD",
              "a row of " + t.logicalName() + " with this match key already exists")));
          continue;
        }
        // If-Match: * so that a row deleted since the lookup is not created again under its old id
        planned.add(plan(i, t, t.entitySet() + "(" + OData.guid(ids.get(0)) + ")", body, bindsOf.get(i), Map.of("If-Match", "*"),
            null, true));
      } else {
        if (mode == WriteMode.UPDATE_ONLY) {
          results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.NOT_FOUND, "no row of " + t.logicalName()
              + " has this match key"));
          continue;
        }
        putKeyColumns(t, e.getValue(), body);
        String newId = newIds.computeIfAbsent(norm, k -> UUID.randomUUID().toString());
        planned.add(plan(i, t, t.entitySet() + "(" + newId + ")", body, bindsOf.get(i), Map.of(), newId, true));
      }
    }
  }

  /** The match key's values into a body, for a row created by the lookup path (lookups are bound, not set). */
  private static void putKeyColumns(Metadata.Table t, Map<String, Object> keyValues, Map<String, JsonNode> body) {
    for (Map.Entry<String, Object> kv : keyValues.entrySet()) {
      Metadata.Column c = Objects.requireNonNull(t.column(kv.getKey()));
      if (!c.isLookup()) {
        body.putIfAbsent(kv.getKey(), Values.toJson(c, kv.getValue()));
      }
    }
  }

  private static String normalized(Map<String, Object> keyValues) {
    StringBuilder sb = new StringBuilder();
    keyValues.values().forEach(v -> sb.append(v.toString().strip().toLowerCase(Locale.ROOT)).append('\u0000'));
    return sb.toString();
  }

  /**
   * Fills {@code body} with the record's writable columns; returns why the record cannot be written, or null.
   * Columns Dataverse computes are left out; an unknown column, a value the column cannot hold, an invalid email
   * address or a lookup that is not a GUID fail the record alone.
   */
  private @Nullable RecordError body(Metadata.Table t, FieldMap map, CrmRecord r, Set<String> exclude, Map<String, JsonNode> body,
      Map<String, String> binds) {
    for (Map.Entry<String, Object> e : r.fields().entrySet()) {
      String field = e.getKey();
      if (field.contains("@")) {
        continue; // annotations read beside a value
      }
      if (map.companyFromParent() && field.equals(Contact.Fields.COMPANY)) {
        continue; // the parent account's name is read only
      }
      String column = map.nativeName(field);
      Metadata.Column c = OData.isName(column) ? t.column(column) : null;
      if (c == null || map.hidden(column)) {
        return RecordError.invalid("INVALID_FIELD", t.logicalName() + " has no column '" + column + "' (field '" + field + "')",
            new FieldError(field, "INVALID_FIELD", "no such column on " + t.logicalName()));
      }
      if (exclude.contains(column) || !c.writable() || column.equals(t.primaryId())) {
        continue;
      }
      if (c.isLookup()) {
        String value = e.getValue().toString().strip();
        if (!OData.isGuid(value)) {
          return RecordError.invalid(RecordError.INVALID_VALUE, "field '" + field + "' (" + column + ") is not a GUID",
              new FieldError(field, RecordError.INVALID_VALUE, "a lookup takes the GUID of a row"));
        }
        String target = c.targets().size() == 1 ? c.targets().get(0)
            : r.string(column + LOOKUP_TABLE) != null ? r.string(column + LOOKUP_TABLE)
            : c.type().equals("Owner") ? "systemuser" : c.targets().isEmpty() ? null : c.targets().get(0);
        if (target == null || !c.targets().contains(target)) {
          return RecordError.invalid(RecordError.INVALID_VALUE, "field '" + field + "' (" + column + ") cannot point at a row of "
              + target, new FieldError(field, RecordError.INVALID_VALUE, "lookup targets are " + c.targets()));
        }
        String nav = t.navigation(column, target) + "@odata.bind";
        body.put(nav, mapper.getNodeFactory().textNode("/" + metadata.entitySet(target) + "(" + OData.guid(value) + ")"));
        binds.put(OData.guid(value), field);
        continue;
      }
      try {
        body.put(column, Values.toJson(c, e.getValue()));
      } catch (IllegalArgumentException x) {
        return RecordError.invalid(RecordError.INVALID_VALUE, "field '" + field + "' (" + column + ") " + x.getMessage(),
            new FieldError(field, RecordError.INVALID_VALUE, x.getMessage()));
      }
    }
    return null;
  }

  /** The columns of the match key: one column, or several separated by commas for a key of several columns. */
  private List<String> keyColumns(Metadata.Table t, FieldMap map, MatchKey key) {
    List<String> cols = new ArrayList<>();
    for (String part : key.field().split(",")) {
      String f = part.strip();
      String col = f.equals("id") ? t.primaryId() : map.nativeName(f);
      Metadata.Column c = OData.isName(col) ? t.column(col) : null;
      if (c == null || map.hidden(col)) {
        throw new CrmRequestException(id, 0, null, t.logicalName() + " has no column '" + col + "' to match on",
            List.of(new FieldError(f, "INVALID_FIELD", "no such column")), null);
      }
      cols.add(col);
    }
    return cols;
  }

  /**
   * A value as the literal of a key segment or a filter for column {@code c}.
   *
   * @throws IllegalArgumentException if the value does not fit the column
   */
  private static String keyLiteral(Metadata.Column c, String value) {
    String v = value.strip();
    return switch (c.type()) {
      case "String", "Memo" -> OData.quote(v);
      case "Integer", "BigInt", "Picklist", "State", "Status" -> {
        try {
          yield Long.toString(Long.parseLong(v));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("is not a whole number");
        }
      }
      case "Decimal", "Double", "Money" -> {
        try {
          yield new java.math.BigDecimal(v).toPlainString();
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("is not a number");
        }
      }
      case "DateTime" -> OData.dateTime(Values.instant(v));
      case "Boolean" -> {
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("is not true or false");
        }
        yield v.toLowerCase(Locale.ROOT);
      }
      default -> {
        if (!OData.isGuid(v)) {
          throw new IllegalArgumentException("is not a GUID");
        }
        yield OData.guid(v);
      }
    };
  }

  private static boolean keySafe(String value) {
    for (char c : value.toCharArray()) {
      if (KEY_UNSAFE.indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The answer to one write: its status, headers and body. */
  private record Answer(int status, Map<String, String> headers, String body) {}

  private Map<Integer, Answer> sendBatch(List<Planned> planned) {
    List<Batch.Op> ops = new ArrayList<>(planned.size());
    Map<Integer, Integer> indexOf = new HashMap<>();
    for (Planned p : planned) {
      int contentId = ops.size() + 1;
      indexOf.put(contentId, p.index());
      ops.add(new Batch.Op(contentId, "PATCH", target(p.url()), p.headers(), p.body()));
    }
    return runBatch(ops, indexOf);
  }

  /** The request target of a URL inside a batch: its path and query, already encoded. */
  private static String target(HttpUrl url) {
    return url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery());
  }

  private Map<Integer, Answer> runBatch(List<Batch.Op> ops, Map<Integer, Integer> indexOf) {
    String boundary = "batch_" + UUID.randomUUID();
    DataverseClient.Raw raw = client.batch(Batch.write(boundary, ops), boundary, Map.of("Prefer", "odata.continue-on-error"));
    List<Batch.Answer> answers = Batch.read(raw.contentType(), raw.text());
    Map<Integer, Answer> out = new HashMap<>();
    boolean anyId = answers.stream().anyMatch(a -> a.contentId() != null);
    if (anyId) {
      for (Batch.Answer a : answers) {
        Integer index = a.contentId() == null ? null : indexOf.get(a.contentId());
        if (index != null) {
          out.put(index, new Answer(a.status(), a.headers(), a.body()));
        }
      }
    } else if (answers.size() <= ops.size()) {
      // No Content-ID at all: the answers follow the order of the requests, and a batch that stopped at a failing
      // request answers only up to it (execute-batch-operations-using-web-api); the rest get no answer
      for (int k = 0; k < answers.size(); k++) {
        Batch.Answer a = answers.get(k);
        out.put(indexOf.get(ops.get(k).contentId()), new Answer(a.status(), a.headers(), a.body()));
      }
    }
    if (answers.isEmpty() && raw.status() == 200) {
      throw unavailable(raw.status(), "POST /$batch returned no readable answer (" + raw.body().length + " bytes of "
          + raw.contentType() + ")");
    }
    return out;
  }

  /**
   * One request per record. A record whose request fails transiently (5xx, a body cut short, a dropped connection)
   * gets no answer, so it alone is retried; a rate limit on the first request fails the call (the engine backs off),
   * on a later one it leaves the rest unanswered rather than sending them into the limit.
   */
  private Map<Integer, Answer> sendEach(List<Planned> planned) {
    Map<Integer, Answer> out = new HashMap<>();
    for (Planned p : planned) {
      try {
        JsonResponse r = client.send("PATCH", p.url(), p.headers(), client.json(p.body()));
        Map<String, String> headers = new HashMap<>();
        r.headers().names().forEach(n -> headers.put(n, r.headers().get(n)));
        out.put(p.index(), new Answer(r.status(), headers, r.body().isMissingNode() ? "" : r.body().toString()));
      } catch (CrmRequestException e) {
        out.put(p.index(), new Answer(e.statusCode(), Map.of(), errorBody(e)));
      } catch (CrmRateLimitException e) {
        if (out.isEmpty()) {
          throw e;
        }
        log.debug("Rate limited after {} of {} writes; the rest are left for a retry", out.size(), planned.size());
        break;
      } catch (CrmUnavailableException e) {
        log.debug("A write to {} failed transiently: {}", p.url().encodedPath(), e.getMessage());
      }
    }
    return out;
  }

  /** A per-record error body rebuilt from a whole-call exception. */
  private String errorBody(CrmRequestException e) {
    ObjectNode n = mapper.createObjectNode();
    ObjectNode err = n.putObject("error");
    String message = e.getMessage();
    int colon = message.indexOf(" failed: ");
    String text = colon >= 0 ? message.substring(colon + " failed: ".length()) : message;
    String code = "";
    if (text.startsWith("0x")) {
      int space = text.indexOf(' ');
      code = space > 0 ? text.substring(0, space) : text;
      text = space > 0 ? text.substring(space + 1) : "";
    }
    err.put("code", code);
    err.put("message", text);
    return n.toString();
  }

  /** What an answer means for its record. */
  private RecordResult outcome(Metadata.Table t, FieldMap map, Planned p, @Nullable Answer a, WriteMode mode) {
    int i = p.index();
    if (a == null) {
      return RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, "no answer from Dataverse for this record "
          + "(the batch stopped early, the answer was cut short or the request failed transiently); it may or may not have "
          + "been written, and writing it again is safe"));
    }
    int s = a.status();
    if (s >= 200 && s < 300) {
      String rowId = null;
      if (!a.body().isEmpty()) {
        try {
          JsonNode body = mapper.readTree(a.body());
          JsonNode pk = body == null ? null : body.get(t.primaryId());
          rowId = pk != null && pk.isTextual() && OData.isGuid(pk.asText()) ? OData.guid(pk.asText()) : null;
        } catch (JsonProcessingException e) {
          rowId = null;
        }
      }
      if (rowId == null) {
        rowId = idFromEntityHeader(a.headers().get("OData-EntityId"));
      }
      if (rowId == null) {
        rowId = p.newId();
      }
      if (rowId == null) {
        rowId = idByKey(t, p);
      }
      if (rowId == null) {
        return RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, "Dataverse wrote the row but did not say "
            + "its id (no representation returned); writing it again is safe"));
      }
      // If-None-Match: * lets no update through, so any success of a create-only write is a create
      boolean created = s == 201 || mode == WriteMode.CREATE_ONLY || (s == 204 && p.newId() != null);
      return created ? RecordResult.created(i, rowId) : RecordResult.updated(i, rowId);
    }
    DataverseErrors.@Nullable Parsed err = parseError(a.body());
    String code = err == null ? "" : err.code();
    String message = err == null ? "" : err.message();
    String detail = "HTTP " + s + (code.isEmpty() ? "" : " " + code) + (message.isEmpty() ? "" : ": " + message);
    if (s == 429 || s == 408 || s >= 500) {
      return RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, "Dataverse answered " + s + " for this "
          + "record: " + detail));
    }
    if (s == 412 && mode == WriteMode.CREATE_ONLY && !p.lookedUp()) {
      return createdEarlier(t, p).orElseGet(() -> RecordResult.failed(i, RecordError.invalid("DUPLICATE_RECORD",
          "a row of " + t.logicalName() + " with this key already exists (create only): " + detail)));
    }
    if (s == 404 && p.lookedUp()) {
      return RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, "the row matched on the key was deleted "
          + "before it could be written; writing it again will create it"));
    }
    if (s == 404) {
      java.util.regex.Matcher missing = java.util.regex.Pattern.compile("(\\w+) With Id = \\{?([0-9A-Fa-f-]{36})").matcher(message);
      if (missing.find() && p.bindFields().containsKey(missing.group(2).toLowerCase(Locale.ROOT))) {
        String field = p.bindFields().get(missing.group(2).toLowerCase(Locale.ROOT));
        return RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE, "field '" + field + "' points at a "
            + missing.group(1) + " that does not exist", new FieldError(field, RecordError.NOT_FOUND, message)));
      }
      return RecordResult.failed(i, RecordError.invalid(RecordError.NOT_FOUND, "no row of " + t.logicalName()
          + " has this key" + (mode == WriteMode.UPDATE_ONLY ? " (update only)" : "") + ": " + detail));
    }
    String column = DataverseErrors.column(message);
    String field = column == null ? null : map.canonicalName(column);
    String category = s == 404 ? RecordError.INVALID_VALUE : s == 412 ? "DUPLICATE_RECORD"
        : message.contains("Invalid property") || message.contains("Could not find a property") || message.contains("undeclared property")
        ? "INVALID_FIELD" : RecordError.INVALID_VALUE;
    List<FieldError> fields = field == null ? List.of() : List.of(new FieldError(field, code.isEmpty() ? category : code, message));
    return RecordResult.failed(i, new RecordError(category, (field == null ? "" : "field '" + field + "': ") + detail, fields, false));
  }

  private DataverseErrors.@Nullable Parsed parseError(String body) {
    if (body.isEmpty()) {
      return null;
    }
    try {
      return DataverseErrors.parse(mapper.readTree(body));
    } catch (JsonProcessingException e) {
      return new DataverseErrors.Parsed("", "(an error body that is not Dataverse's JSON) " + HttpFailure.excerpt(body, 200));
    }
  }

  /**
   * The id of the row a write by alternate key landed in, read back by the same key: for a 204 whose {@code
   * OData-EntityId} names the row by its key (use-upsert-insert-update-record), as when a proxy drops the {@code
   * Prefer} header.
   */
  private @Nullable String idByKey(Metadata.Table t, Planned p) {
    try {
      JsonResponse r = client.get(p.url(), Map.of());
      JsonNode pk = r.body().path(t.primaryId());
      return pk.isTextual() && OData.isGuid(pk.asText()) ? OData.guid(pk.asText()) : null;
    } catch (CrmRequestException e) {
      return null;
    }
  }

  private static @Nullable String idFromEntityHeader(@Nullable String entityId) {
    if (entityId == null) {
      return null;
    }
    int open = entityId.lastIndexOf('(');
    int close = entityId.lastIndexOf(')');
    if (open < 0 || close < open) {
      return null;
    }
    String inside = entityId.substring(open + 1, close);
    return OData.isGuid(inside) ? OData.guid(inside) : null;
  }

  /**
   * A create-only write refused because the row exists: if the row holds exactly the values sent, it is the row an
   * earlier attempt created before its answer was lost, and the write counts as created.
   */
  private Optional<RecordResult> createdEarlier(Metadata.Table t, Planned p) {
    Set<String> select = new LinkedHashSet<>();
    select.add(t.primaryId());
    for (String name : p.sent().keySet()) {
      if (name.endsWith("@odata.bind")) {
        return Optional.empty(); // lookups are not compared; such a write stays a duplicate
      }
      select.add(name);
    }
    try {
      HttpUrl url = ODataUrl.at(p.url()).option("$select", String.join(",", select)).build();
      JsonNode row = client.get(url, Map.of()).body();
      for (Map.Entry<String, JsonNode> e : p.sent().entrySet()) {
        JsonNode have = row.get(e.getKey());
        JsonNode sent = e.getValue();
        boolean same = have != null && (have.equals(sent) || (have.isNumber() && sent.isNumber()
            && have.decimalValue().compareTo(sent.decimalValue()) == 0) || (have.isTextual() && sent.isTextual()
            && have.asText().equals(sent.asText())));
        if (!same) {
          return Optional.empty();
        }
      }
      JsonNode pk = row.get(t.primaryId());
      return pk != null && OData.isGuid(pk.asText()) ? Optional.of(RecordResult.created(p.index(), OData.guid(pk.asText())))
          : Optional.empty();
    } catch (CrmRequestException e) {
      return Optional.empty();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A row that is already gone counts as deleted, so deletes can be repeated; an id that is not a GUID fails alone.
   */
  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    checkBatch(objectType, ids.size());
    Metadata.Table t = table(objectType);
    RecordResult[] results = new RecordResult[ids.size()];
    List<Integer> valid = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String rid = Objects.requireNonNull(ids.get(i), "ids[" + i + "]");
      if (!OData.isGuid(rid)) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.INVALID_VALUE, "not a Dataverse row id (a GUID)"));
      } else {
        valid.add(i);
      }
    }
    Map<Integer, Answer> answers = new HashMap<>();
    if (settings.batch() && !valid.isEmpty()) {
      List<Batch.Op> ops = new ArrayList<>();
      Map<Integer, Integer> indexOf = new HashMap<>();
      for (int i : valid) {
        int contentId = ops.size() + 1;
        indexOf.put(contentId, i);
        ops.add(new Batch.Op(contentId, "DELETE", client.apiRoot().encodedPath() + t.entitySet() + "(" + OData.guid(ids.get(i)) + ")",
            Map.of(), null));
      }
      answers = runBatch(ops, indexOf);
    } else {
      for (int i : valid) {
        HttpUrl url = ODataUrl.at(client.apiRoot()).path(t.entitySet() + "(" + OData.guid(ids.get(i)) + ")").build();
        try {
          JsonResponse r = client.send("DELETE", url, Map.of(), null);
          answers.put(i, new Answer(r.status(), Map.of(), ""));
        } catch (CrmRequestException e) {
          answers.put(i, new Answer(e.statusCode(), Map.of(), errorBody(e)));
        }
      }
    }
    for (int i : valid) {
      Answer a = answers.get(i);
      String rid = OData.guid(ids.get(i));
      if (a == null) {
        results[i] = RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT,
            "Dataverse answered the batch without a result for this delete; deleting again is safe"));
      } else if ((a.status() >= 200 && a.status() < 300) || a.status() == 404) {
        results[i] = RecordResult.deleted(i, rid);
      } else if (a.status() == 429 || a.status() == 408 || a.status() >= 500) {
        results[i] = RecordResult.failed(i, RecordError.transientError(RecordError.TRANSIENT, "Dataverse answered " + a.status()));
      } else {
        DataverseErrors.@Nullable Parsed err = parseError(a.body());
        results[i] = RecordResult.failed(i, RecordError.invalid(err == null || err.code().isEmpty() ? RecordError.INVALID_VALUE
            : err.code(), err == null ? "HTTP " + a.status() : err.message()));
      }
    }
    return List.of(results);
  }
}

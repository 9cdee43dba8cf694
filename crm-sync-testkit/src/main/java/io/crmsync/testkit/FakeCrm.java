package io.crmsync.testkit;

import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterCapabilities;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordError;
import io.crmsync.adapter.RecordResult;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.spi.Checks;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory CRM for tests: a complete {@link CRMAdapter} (paging, incremental reads, upsert by key,
 * deletes with tombstones, lookup, describe) with seeded fault injection and a log of every request.
 *
 * <pre>{@code
 * FakeCrm target = FakeCrm.builder()
 *     .timeSource(clock)
 *     .seed(42)
 *     .budget(RequestBudget.of(10, Duration.ofSeconds(1)))   // declared, and enforced with 429s
 *     .transientFailureRate(0.05)                            // CrmUnavailableException, seeded
 *     .build();
 * ...
 * assertThat(target.records("contact")).hasSize(1000);
 * assertThat(target.maxRequestsInAnyWindow(Duration.ofSeconds(1))).isLessThanOrEqualTo(10);
 * }</pre>
 *
 * <p>Ids are zero-padded sequence numbers, so cursors (the last id of a page) stay valid while records are
 * written. Emails are validated unless {@link Builder#validateEmails(boolean) turned off}. Thread-safe: one
 * lock serialises writes, as a real CRM's per-record locks would.
 */
public final class FakeCrm implements CRMAdapter {
  private static final Pattern EMAIL =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  /**
   * Decides a custom fault for a call: return an exception to fail the call with it before anything is
   * applied, or null to let the call through.
   */
  @FunctionalInterface
  public interface Faults {
    @Nullable RuntimeException before(String operation, String objectType, List<CrmRecord> records);
  }

  /** One call the fake received. */
  public record RequestLog(Instant at, String operation, String objectType, int records, String outcome) {}

  private final String id;
  private final TimeSource time;
  private final AdapterCapabilities capabilities;
  private final boolean enforceBudget;
  private final int rateLimitAfter;
  private final Duration rateLimitRetryAfter;
  private final boolean sendRetryAfter;
  private final double transientFailureRate;
  private final double lostResponseRate;
  private final Duration latency;
  private final boolean validateEmails;
  private final int maxPageSize;
  private final @Nullable Faults faults;
  /** Fields per object type, when the fake takes only those; empty for a fake that takes any field. */
  private final Map<String, List<FieldInfo>> schemas;

  private final Object lock = new Object();
  private final SplittableRandom random;
  private final Map<String, ConcurrentSkipListMap<String, CrmRecord>> byType = new HashMap<>();
  private record IndexKey(String objectType, MatchKey key) {}

  private final Map<IndexKey, Map<String, String>> indexes = new HashMap<>();
  private long nextId;
  private int servedSinceLimit;
  private @Nullable Instant limitedUntil;
  private final Deque<Instant> window = new ArrayDeque<>();
  private final List<RequestLog> log = new CopyOnWriteArrayList<>();
  private volatile boolean logRequests;

  private FakeCrm(Builder b) {
    this.id = b.id;
    this.time = b.time;
    AdapterCapabilities.Builder caps = AdapterCapabilities.builder()
        .maxBatchSize(b.maxBatchSize)
        .maxPageSize(b.maxPageSize)
        .bulkThreshold(b.bulkThreshold)
        .budget(b.budget)
        .incrementalReads(true)
        .deletes(true)
        .readsDeleted(true)
        .openSchema(b.schemas.isEmpty());
    if (b.preferredBatchSize > 0) {
      caps.preferredBatchSize(b.preferredBatchSize);
    }
    this.capabilities = caps.build();
    this.schemas = Map.copyOf(b.schemas);
    this.enforceBudget = b.enforceBudget;
    this.rateLimitAfter = b.rateLimitAfter;
    this.rateLimitRetryAfter = b.rateLimitRetryAfter;
    this.sendRetryAfter = b.sendRetryAfter;
    this.transientFailureRate = b.transientFailureRate;
    this.lostResponseRate = b.lostResponseRate;
    this.latency = b.latency;
    this.validateEmails = b.validateEmails;
    this.maxPageSize = b.maxPageSize;
    this.faults = b.faults;
    this.random = new SplittableRandom(b.seed);
    this.logRequests = b.logRequests;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A fake with no faults on the system clock. */
  public static FakeCrm create() {
    return builder().build();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public AdapterCapabilities capabilities() {
    return capabilities;
  }

  // ---- requests --------------------------------------------------------------------------------

  /** Admission: latency, rate limits and transient faults, decided under the lock in request order. */
  private void admit(String operation, String objectType, int records) {
    if (!latency.isZero()) {
      try {
        time.sleep(latency);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CrmUnavailableException(id, 0, null, operation + " interrupted", e);
      }
    }
    Instant now = time.now();
    synchronized (lock) {
      if (limitedUntil != null && now.isBefore(limitedUntil)) {
        record(now, operation, objectType, records, "429");
        throw rateLimited(operation, Duration.between(now, limitedUntil));
      }
      if (enforceBudget && !capabilities.budget().isUnlimited()) {
        Instant from = now.minus(capabilities.budget().window());
        while (!window.isEmpty() && !window.peekFirst().isAfter(from)) {
          window.pollFirst();
        }
        if (window.size() >= capabilities.budget().requests()) {
          record(now, operation, objectType, records, "429");
          Duration wait = Duration.between(now, window.peekFirst().plus(capabilities.budget().window()));
          throw rateLimited(operation, wait);
        }
        window.addLast(now);
      }
      if (rateLimitAfter > 0 && ++servedSinceLimit > rateLimitAfter) {
        servedSinceLimit = 0;
        limitedUntil = now.plus(rateLimitRetryAfter);
        record(now, operation, objectType, records, "429");
        throw rateLimited(operation, rateLimitRetryAfter);
      }
      if (transientFailureRate > 0 && random.nextDouble() < transientFailureRate) {
        record(now, operation, objectType, records, "503");
        throw new CrmUnavailableException(id, 503, "fake-" + log.size(), operation + " failed: injected transient failure", null);
      }
      record(now, operation, objectType, records, "ok");
    }
  }

  private CrmRateLimitException rateLimited(String operation, Duration wait) {
    return new CrmRateLimitException(id, 429, "fake-" + log.size(), operation + " refused: rate limit",
        sendRetryAfter ? wait : null, null);
  }

  private void record(Instant at, String operation, String objectType, int records, String outcome) {
    if (logRequests) {
      log.add(new RequestLog(at, operation, objectType, records, outcome));
    }
  }

  private boolean loseResponse() {
    synchronized (lock) {
      return lostResponseRate > 0 && random.nextDouble() < lostResponseRate;
    }
  }

  // ---- CRMAdapter ------------------------------------------------------------------------------

  @Override
  public Page read(ReadRequest request) {
    Objects.requireNonNull(request, "request");
    admit("read", request.objectType(), 0);
    int size = Math.min(request.pageSize(), maxPageSize);
    ConcurrentSkipListMap<String, CrmRecord> store;
    synchronized (lock) {
      store = byType.get(request.objectType());
    }
    if (store == null) {
      return new Page(List.of(), null);
    }
    String cursor = request.cursor();
    if (cursor != null && !cursor.matches("\\d{12}")) {
      throw new IllegalArgumentException("not a cursor of this FakeCrm: '" + cursor + "'");
    }
    Map<String, CrmRecord> tail = cursor == null ? store : store.tailMap(cursor, false);
    List<CrmRecord> out = new ArrayList<>(size);
    String last = null;
    for (CrmRecord r : tail.values()) {
      if (r.deleted() && !request.includeDeleted()) {
        continue;
      }
      if (request.since() != null && (r.modifiedAt() == null || r.modifiedAt().isBefore(request.since()))) {
        continue;
      }
      if (out.size() == size) {
        return new Page(out, last);
      }
      out.add(project(r, request.fields()));
      last = r.id();
    }
    return new Page(out, null);
  }

  private static CrmRecord project(CrmRecord r, List<String> fields) {
    if (fields.isEmpty()) {
      return r;
    }
    Map<String, Object> f = new LinkedHashMap<>();
    for (String name : fields) {
      Object v = r.fields().get(name);
      if (v != null) {
        f.put(name, v);
      }
    }
    return r.withFields(f);
  }

  @Override
  public List<RecordResult> upsert(String objectType, List<CrmRecord> records, MatchKey key) {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(key, "key");
    checkBatch(objectType, records.size());
    for (CrmRecord r : records) {
      if (!r.objectType().equals(objectType)) {
        throw new IllegalArgumentException("record of type " + r.objectType() + " in a batch of " + objectType);
      }
    }
    admit("upsert", objectType, records.size());
    if (faults != null) {
      RuntimeException e = faults.before("upsert", objectType, records);
      if (e != null) {
        throw e;
      }
    }
    // Validate outside the lock, as a CRM validates before it takes row locks.
    RecordResult[] results = new RecordResult[records.size()];
    String[] values = new String[records.size()];
    for (int i = 0; i < records.size(); i++) {
      CrmRecord in = records.get(i);
      values[i] = key.normalize(in.fields().get(key.field()));
      if (values[i] == null) {
        results[i] = RecordResult.failed(i, RecordError.invalid(RecordError.MISSING_MATCH_KEY,
            "record has no value for match key '" + key.field() + "'", new FieldError(key.field(), "REQUIRED", "missing")));
        continue;
      }
      RecordError invalid = validate(in);
      if (invalid != null) {
        results[i] = RecordResult.failed(i, invalid);
      }
    }
    synchronized (lock) {
      Instant now = time.now();
      ConcurrentSkipListMap<String, CrmRecord> store = store(objectType);
      Map<String, String> index = index(objectType, key);
      for (int i = 0; i < records.size(); i++) {
        if (results[i] != null) {
          continue;
        }
        CrmRecord in = records.get(i);
        String existingId = index.get(values[i]);
        CrmRecord existing = existingId == null ? null : store.get(existingId);
        if (existing != null && !existing.deleted()) {
          Map<String, Object> merged = new LinkedHashMap<>(existing.fields());
          merged.putAll(in.fields());
          CrmRecord updated = new CrmRecord(objectType, existingId, merged, now, false);
          unindex(objectType, existing);
          store.put(existingId, updated);
          reindex(objectType, updated);
          results[i] = RecordResult.updated(i, existingId);
        } else {
          String newId = formatId(++nextId);
          CrmRecord created = new CrmRecord(objectType, newId, in.fields(), now, false);
          store.put(newId, created);
          reindex(objectType, created);
          results[i] = RecordResult.created(i, newId);
        }
      }
    }
    if (loseResponse()) {
      throw new CrmUnavailableException(id, 0, null, "upsert: connection reset after the request was applied (injected)", null);
    }
    return List.of(results);
  }

  private @Nullable RecordError validate(CrmRecord r) {
    List<FieldInfo> schema = schemas.get(r.objectType());
    if (schema != null) {
      for (String name : r.fields().keySet()) {
        FieldInfo f = null;
        for (FieldInfo candidate : schema) {
          if (candidate.name().equals(name)) {
            f = candidate;
            break;
          }
        }
        if (f == null || f.readOnly()) {
          // as a CRM does: one field it does not take fails the whole record
          return RecordError.invalid("INVALID_FIELD", (f == null ? "no such field: " : "read-only field: ") + name,
              new FieldError(name, "INVALID_FIELD", f == null ? "not a field of " + r.objectType() : "read-only"));
        }
      }
    }
    Object email = r.fields().get(Contact.Fields.EMAIL);
    if (validateEmails && email != null && !(email instanceof String s && EMAIL.matcher(s.strip()).matches())) {
      return RecordError.invalid(RecordError.INVALID_VALUE, "invalid email address: '" + email + "'",
          new FieldError(Contact.Fields.EMAIL, "INVALID_EMAIL", "not a valid email address"));
    }
    return null;
  }

  @Override
  public List<RecordResult> delete(String objectType, List<String> ids) {
    Objects.requireNonNull(objectType, "objectType");
    checkBatch(objectType, ids.size());
    admit("delete", objectType, ids.size());
    List<RecordResult> results = new ArrayList<>(ids.size());
    synchronized (lock) {
      Instant now = time.now();
      ConcurrentSkipListMap<String, CrmRecord> store = store(objectType);
      for (int i = 0; i < ids.size(); i++) {
        String rid = Objects.requireNonNull(ids.get(i), "id");
        CrmRecord existing = store.get(rid);
        if (existing != null && !existing.deleted()) {
          unindex(objectType, existing);
          store.put(rid, new CrmRecord(objectType, rid, existing.fields(), now, true));
        }
        results.add(RecordResult.deleted(i, rid));
      }
    }
    return results;
  }

  @Override
  public Optional<CrmRecord> lookup(String objectType, MatchKey key, String value) {
    admit("lookup", objectType, 0);
    String v = key.normalize(value);
    if (v == null) {
      return Optional.empty();
    }
    synchronized (lock) {
      String rid = index(objectType, key).get(v);
      CrmRecord r = rid == null ? null : store(objectType).get(rid);
      return r == null || r.deleted() ? Optional.empty() : Optional.of(r);
    }
  }

  @Override
  public List<FieldInfo> describe(String objectType) {
    admit("describe", objectType, 0);
    List<FieldInfo> schema = schemas.get(objectType);
    if (schema != null) {
      return schema;
    }
    TreeSet<String> names = new TreeSet<>();
    if (objectType.equals(io.crmsync.model.ObjectTypes.CONTACT)) {
      names.addAll(Contact.Fields.ALL);
    }
    synchronized (lock) {
      ConcurrentSkipListMap<String, CrmRecord> store = byType.get(objectType);
      if (store != null) {
        for (CrmRecord r : store.values()) {
          names.addAll(r.fields().keySet());
        }
      }
    }
    List<FieldInfo> out = new ArrayList<>();
    for (String n : names) {
      boolean custom = !Contact.Fields.ALL.contains(n);
      out.add(FieldInfo.builder(n)
          .type(n.equals(Contact.Fields.EMAIL) ? "email" : "string")
          .custom(custom)
          .reference(n.equals(Contact.Fields.OWNER_ID))
          .build());
    }
    return out;
  }

  private void checkBatch(String objectType, int size) {
    if (size > capabilities.maxBatchSize()) {
      throw new IllegalArgumentException(
          "batch of " + size + " " + objectType + " records exceeds maxBatchSize " + capabilities.maxBatchSize());
    }
  }

  // ---- storage ---------------------------------------------------------------------------------

  /** Twelve zero-padded digits, so that ids sort as numbers (String.format is slow on this path). */
  private static String formatId(long id) {
    String digits = Long.toString(id);
    return "000000000000".substring(Math.min(12, digits.length())) + digits;
  }

  private ConcurrentSkipListMap<String, CrmRecord> store(String objectType) {
    return byType.computeIfAbsent(objectType, k -> new ConcurrentSkipListMap<>());
  }

  /** The index of {@code key} for {@code objectType}, built on first use. Call under the lock. */
  private Map<String, String> index(String objectType, MatchKey key) {
    IndexKey name = new IndexKey(objectType, key);
    Map<String, String> idx = indexes.get(name);
    if (idx == null) {
      idx = new HashMap<>();
      for (CrmRecord r : store(objectType).values()) {
        String v = r.deleted() ? null : key.normalize(r.fields().get(key.field()));
        if (v != null) {
          idx.putIfAbsent(v, Objects.requireNonNull(r.id()));
        }
      }
      indexes.put(name, idx);
    }
    return idx;
  }

  private void reindex(String objectType, CrmRecord r) {
    forEachIndexed(objectType, r, (index, value) -> index.put(value, Objects.requireNonNull(r.id())));
  }

  private void unindex(String objectType, CrmRecord r) {
    forEachIndexed(objectType, r, (index, value) -> index.remove(value, r.id()));
  }

  /** Calls {@code action} with each index of {@code objectType} and {@code r}'s value in it, if any. */
  private void forEachIndexed(String objectType, CrmRecord r, java.util.function.BiConsumer<Map<String, String>, String> action) {
    for (Map.Entry<IndexKey, Map<String, String>> e : indexes.entrySet()) {
      if (e.getKey().objectType().equals(objectType)) {
        MatchKey k = e.getKey().key();
        String v = k.normalize(r.fields().get(k.field()));
        if (v != null) {
          action.accept(e.getValue(), v);
        }
      }
    }
  }

  // ---- test helpers ----------------------------------------------------------------------------

  /**
   * Stores {@code records} directly, as data that was in the CRM before the test: no request is logged
   * and no fault applies. Records get new ids; their modification time is kept if set, else now.
   *
   * @return the stored records, with their ids
   */
  public List<CrmRecord> seed(List<CrmRecord> records) {
    List<CrmRecord> out = new ArrayList<>(records.size());
    synchronized (lock) {
      Instant now = time.now();
      for (CrmRecord r : records) {
        String newId = formatId(++nextId);
        CrmRecord stored = new CrmRecord(r.objectType(), newId, r.fields(),
            r.modifiedAt() != null ? r.modifiedAt() : now, r.deleted());
        store(r.objectType()).put(newId, stored);
        if (!stored.deleted()) {
          reindex(r.objectType(), stored);
        }
        out.add(stored);
      }
    }
    return out;
  }

  /** Changes fields of a stored record as a user of the CRM would, setting its modification time to now. */
  public CrmRecord edit(String objectType, String recordId, Map<String, Object> changes) {
    synchronized (lock) {
      ConcurrentSkipListMap<String, CrmRecord> store = store(objectType);
      CrmRecord r = store.get(recordId);
      if (r == null) {
        throw new IllegalArgumentException("no " + objectType + " with id " + recordId);
      }
      Map<String, Object> merged = new LinkedHashMap<>(r.fields());
      merged.putAll(changes);
      CrmRecord updated = new CrmRecord(objectType, recordId, merged, time.now(), r.deleted());
      unindex(objectType, r);
      store.put(recordId, updated);
      reindex(objectType, updated);
      return updated;
    }
  }

  /** The live (not deleted) records of {@code objectType}, in id order. */
  public List<CrmRecord> records(String objectType) {
    ConcurrentSkipListMap<String, CrmRecord> store;
    synchronized (lock) {
      store = byType.get(objectType);
    }
    if (store == null) {
      return List.of();
    }
    List<CrmRecord> out = new ArrayList<>();
    for (CrmRecord r : store.values()) {
      if (!r.deleted()) {
        out.add(r);
      }
    }
    return out;
  }

  /** The number of live records of {@code objectType}. */
  public int size(String objectType) {
    return records(objectType).size();
  }

  /** The record with {@code id}, deleted or not. */
  public Optional<CrmRecord> get(String objectType, String recordId) {
    synchronized (lock) {
      ConcurrentSkipListMap<String, CrmRecord> store = byType.get(objectType);
      return Optional.ofNullable(store == null ? null : store.get(recordId));
    }
  }

  /** Every request received so far, in order (empty if request logging was turned off). */
  public List<RequestLog> requests() {
    return Collections.unmodifiableList(log);
  }

  /** Forgets the requests received so far, so that a test can count those of one step. */
  public void clearRequests() {
    log.clear();
  }

  /** The number of requests of {@code operation} received, refused ones included. */
  public long requestCount(String operation) {
    return log.stream().filter(r -> r.operation().equals(operation)).count();
  }

  /** The number of requests refused with a 429. */
  public long rateLimitedCount() {
    return log.stream().filter(r -> r.outcome().equals("429")).count();
  }

  /**
   * The most requests received in any half-open window {@code [t, t + window)}: what a server that
   * allows N requests per window would measure.
   */
  public int maxRequestsInAnyWindow(Duration window) {
    List<Instant> times = new ArrayList<>();
    for (RequestLog r : log) {
      times.add(r.at());
    }
    Collections.sort(times);
    int max = 0;
    int start = 0;
    for (int end = 0; end < times.size(); end++) {
      while (!times.get(start).plus(window).isAfter(times.get(end))) {
        start++;
      }
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /** Live records by the normalised value of {@code key}: handy to compare two fakes after a sync. */
  public Map<String, CrmRecord> recordsBy(String objectType, MatchKey key) {
    Map<String, CrmRecord> out = new TreeMap<>();
    for (CrmRecord r : records(objectType)) {
      String v = key.normalize(r.fields().get(key.field()));
      if (v != null && out.put(v, r) != null) {
        throw new AssertionError(id + " holds two " + objectType + " records with " + key.field() + "=" + v);
      }
    }
    return out;
  }

  /** Turns request logging on or off (off saves memory in benchmarks). */
  public void logRequests(boolean on) {
    this.logRequests = on;
  }

  @Override
  public String toString() {
    return "FakeCrm[" + id + "]";
  }

  /** Builds a {@link FakeCrm}. Not thread-safe. */
  public static final class Builder {
    private String id = "fake";
    private TimeSource time = TimeSource.system();
    private long seed = 1;
    private int maxBatchSize = 200;
    private int maxPageSize = 1000;
    private RequestBudget budget = RequestBudget.unlimited();
    private boolean enforceBudget = true;
    private int rateLimitAfter;
    private Duration rateLimitRetryAfter = Duration.ofSeconds(10);
    private boolean sendRetryAfter = true;
    private double transientFailureRate;
    private double lostResponseRate;
    private Duration latency = Duration.ZERO;
    private boolean validateEmails = true;
    private boolean logRequests = true;
    private @Nullable Faults faults;
    private int preferredBatchSize;
    private int bulkThreshold;
    private final Map<String, List<FieldInfo>> schemas = new HashMap<>();

    Builder() {}

    /**
     * Makes the fake take only {@code fields} for {@code objectType}, as a CRM does: {@code describe()}
     * lists them, and a record carrying any other field, or a read-only one, fails whole with {@code
     * INVALID_FIELD}. Without it the fake takes any field.
     */
    public Builder fields(String objectType, List<FieldInfo> fields) {
      schemas.put(Objects.requireNonNull(objectType, "objectType"), List.copyOf(fields));
      return this;
    }

    /** The batch size the fake declares as cheapest; its maximum batch size by default. */
    public Builder preferredBatchSize(int preferredBatchSize) {
      this.preferredBatchSize = Checks.positive(preferredBatchSize, "preferredBatchSize");
      return this;
    }

    /** From how many records the fake declares a bulk path (0, the default: none). */
    public Builder bulkThreshold(int bulkThreshold) {
      this.bulkThreshold = Checks.notNegative(bulkThreshold, "bulkThreshold");
      return this;
    }

    /** Custom faults, decided per upsert call after the built-in ones. */
    public Builder faults(Faults faults) {
      this.faults = Objects.requireNonNull(faults, "faults");
      return this;
    }

    /** The system id the fake reports ({@code "fake"} by default); use distinct ids for source and target. */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where the fault injection's random choices start; the same value replays the same faults. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = Checks.positive(maxBatchSize, "maxBatchSize");
      return this;
    }

    public Builder maxPageSize(int maxPageSize) {
      this.maxPageSize = Checks.positive(maxPageSize, "maxPageSize");
      return this;
    }

    /** The request budget declared in the capabilities and, unless {@code enforce} is false, enforced with 429s. */
    public Builder budget(RequestBudget budget, boolean enforce) {
      this.budget = Objects.requireNonNull(budget, "budget");
      this.enforceBudget = enforce;
      return this;
    }

    /** Declares and enforces {@code budget}. */
    public Builder budget(RequestBudget budget) {
      return budget(budget, true);
    }

    /**
     * After every {@code requests} served requests, refuses all requests with a 429 for {@code retryAfter},
     * as a CRM whose quota ran out does.
     */
    public Builder rateLimitAfter(int requests, Duration retryAfter) {
      Checks.positive(requests, "requests");
      Checks.positive(retryAfter, "retryAfter");
      this.rateLimitAfter = requests;
      this.rateLimitRetryAfter = retryAfter;
      return this;
    }

    /** Whether 429s say how long to wait (true by default); without it callers must use their default. */
    public Builder sendRetryAfter(boolean send) {
      this.sendRetryAfter = send;
      return this;
    }

    /** The probability that a request fails with a 503 before anything is applied. */
    public Builder transientFailureRate(double p) {
      this.transientFailureRate = probability(p, "transientFailureRate");
      return this;
    }

    /** The probability that an upsert is applied but its response is lost (a connection reset). */
    public Builder lostResponseRate(double p) {
      this.lostResponseRate = probability(p, "lostResponseRate");
      return this;
    }

    /** How long each request takes, on the time source. */
    public Builder latency(Duration latency) {
      this.latency = Checks.notNegative(latency, "latency");
      return this;
    }

    /** Whether records with an invalid {@code email} fail with {@link RecordError#INVALID_VALUE} (true by default). */
    public Builder validateEmails(boolean validate) {
      this.validateEmails = validate;
      return this;
    }

    /** Whether requests are logged (true by default). */
    public Builder logRequests(boolean log) {
      this.logRequests = log;
      return this;
    }

    private static double probability(double p, String name) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException(name + " must be within [0, 1]: " + p);
      }
      return p;
    }

    public FakeCrm build() {
      return new FakeCrm(this);
    }
  }
}

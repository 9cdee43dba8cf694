package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import io.crmsync.salesforce.ApiUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk API 2.0 ingest jobs, start to finish, safe when answers are lost: create the job, upload the CSV once,
 * mark it {@code UploadComplete}, poll its state with backoff on the adapter's {@link TimeSource}, then read the
 * successful, failed and unprocessed results and map each back to its input row.
 *
 * <p>Salesforce takes one upload per job (a second makes the job impossible to close) and allows each state change
 * only from certain states (Bulk API 2.0 and Bulk API Developer Guide: Upload Job Data, Upload Complete, Delete a
 * Job). So when an answer is lost, possibly after Salesforce acted:
 *
 * <ul>
 *   <li>a job creation: the adapter's own Open jobs that it does not know of (same object, operation and external
 *       id field, created by the same user since just before the request, by the server's clock) are found in the
 *       list of jobs and aborted, then a job is created again. Job creations of one adapter are serialized so that
 *       one call never takes another's new job for a lost one;
 *   <li>an upload: it is never sent again into the same job; the job is aborted and a new one opened;
 *   <li>a state change ({@code UploadComplete}, {@code Aborted}): the job's state is read, and the change sent again
 *       only if the job is still in the state it was sent from;
 *   <li>a poll or a result download: read again, and results are checked against the job's counts before use.
 * </ul>
 *
 * Every job it opens thus ends {@code UploadComplete} (then processed) or {@code Aborted}; one it could not abort
 * (the org unreachable throughout) is remembered and aborted at the start of the next run. A record is reported
 * failed only when the failed results or the unprocessed records list it. Thread-safe.
 */
public final class BulkIngest {
  private static final Logger log = LoggerFactory.getLogger(BulkIngest.class);
  private static final MediaType CSV = MediaType.get("text/csv");
  private static final Set<String> DONE = Set.of("JobComplete", "Failed", "Aborted");
  /** Salesforce accepts at most 150 MB per upload (base64 counted); stay well under it. */
  static final int MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
  /** Attempts of one step (a poll, a download, a state change) before the call fails. */
  static final int STEP_ATTEMPTS = 5;
  /** Jobs one call opens at most, when uploads keep losing their answers. */
  static final int MAX_JOBS_PER_CALL = 4;
  /**
   * Requests a job needs at the least: create, upload, close, a poll, three result downloads, and a few to spare. A
   * job is not opened with fewer left in the org's daily allocation, so that none is stranded half-way.
   */
  static final int REQUEST_RESERVE = 10;
  /** How recent a {@code Sforce-Limit-Info} reading must be to decide on. */
  private static final Duration USAGE_FRESHNESS = Duration.ofMinutes(15);
  /** A job created within this much before the clock read before creating it is taken for the adapter's own. */
  private static final Duration CLOCK_SLACK = Duration.ofSeconds(2);
  /** Without the server's clock: Open jobs created this recently are taken for the adapter's own. */
  private static final Duration UNKNOWN_CLOCK_WINDOW = Duration.ofMinutes(10);

  /** What happened to one row. */
  public record Outcome(boolean success, @Nullable String id, boolean created, List<RecordErrors.SfError> errors) {}

  /** A job creation whose answer was lost: the job may exist, Open, with an id nobody knows. */
  private record LostCreation(String object, String operation, @Nullable String externalIdField, @Nullable Instant notBefore) {}

  private final String crm;
  private final SalesforceClient client;
  private final Settings settings;
  private final TimeSource time;
  private final Retries retries;
  private final Object creating = new Object();
  private final Set<String> inUse = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<LostCreation> lostCreations = new ConcurrentLinkedQueue<>();
  private final Set<String> unaborted = ConcurrentHashMap.newKeySet();

  public BulkIngest(String crm, SalesforceClient client, Settings settings, TimeSource time) {
    this.crm = crm;
    this.client = client;
    this.settings = settings;
    this.time = time;
    this.retries = new Retries(crm, time, STEP_ATTEMPTS, client.events());
  }

  /**
   * Runs a job and returns one outcome per row, in row order.
   *
   * @param operation {@code upsert} or {@code delete}
   * @throws CrmRequestException if the job failed before processing any record (a bad header, say)
   * @throws CrmRateLimitException flagged {@linkplain CrmRateLimitException#isQuotaExhausted() quota exhausted} if
   *     the org's daily allocation has fewer requests left than a job needs
   * @throws CrmUnavailableException if Salesforce could not be reached through the retries, the job did not finish
   *     within {@code bulkTimeout} (it is aborted), or it was aborted by someone else
   */
  public List<Outcome> run(String sObject, String operation, @Nullable String externalIdField, List<String> columns,
      List<List<String>> rows) {
    StringBuilder csv = new StringBuilder();
    Csv.appendRow(csv, columns);
    for (List<String> row : rows) {
      Csv.appendRow(csv, row);
    }
    byte[] upload = csv.toString().getBytes(StandardCharsets.UTF_8);
    if (upload.length > MAX_UPLOAD_BYTES) {
      throw new IllegalArgumentException("Bulk upload of " + upload.length + " bytes exceeds " + MAX_UPLOAD_BYTES
          + "; lower maxBatchSize");
    }
    checkAllocation();
    cleanUp();
    for (int attempt = 1; ; attempt++) {
      String id = open(sObject, operation, externalIdField);
      try {
        String jobPath = jobsPath() + "/" + id;
        log.debug("Bulk {} job {} on {}: uploading {} rows", operation, id, sObject, rows.size());
        if (!upload(jobPath, id, upload)) {
          if (attempt >= MAX_JOBS_PER_CALL) {
            throw new CrmUnavailableException(crm, 0, null, "Bulk API uploads lost their answers in " + attempt
                + " jobs in a row (each aborted); try again later", null);
          }
          continue;
        }
        try {
          close(jobPath, id);
        } catch (RuntimeException e) {
          abortQuietly(jobPath, id); // never leave a job Open
          throw e;
        }
        JsonNode info = await(jobPath, id);
        String state = info.path("state").asText();
        long processed = info.path("numberRecordsProcessed").asLong(0);
        if (state.equals("Aborted")) {
          throw new CrmUnavailableException(crm, 0, null, "Bulk job " + id + " was aborted by someone else", null);
        }
        if (state.equals("Failed") && processed == 0) {
          throw new CrmRequestException(crm, 0, null,
              "Bulk job " + id + " failed: " + info.path("errorMessage").asText("no error message"), List.of(), null);
        }
        return collect(jobPath, id, info, columns, rows);
      } finally {
        inUse.remove(id);
        if (!lostCreations.isEmpty() || !unaborted.isEmpty()) {
          cleanUp(); // what this run could not abort on the way, if the org answers again by now
        }
      }
    }
  }

  private String jobsPath() {
    return client.dataPath("/jobs/ingest");
  }

  // ------------------------------------------------------------------ allocation

  private void checkAllocation() {
    Optional<ApiUsage> usage = client.usage();
    if (usage.isEmpty() || usage.get().observedAt().isBefore(time.now().minus(USAGE_FRESHNESS))) {
      return;
    }
    ApiUsage u = usage.get();
    if (u.remaining() < REQUEST_RESERVE) {
      throw CrmRateLimitException.quotaExhausted(crm, 0, null, "not opening a Bulk API job with " + u.remaining()
              + " requests left (" + u.used() + " of " + u.max() + " used in the rolling 24 hours); a job needs at least "
              + REQUEST_RESERVE + " and would be left unfinished",
          null, null);
    }
  }

  // ------------------------------------------------------------------ create, with lost answers resolved

  private String open(String sObject, String operation, @Nullable String externalIdField) {
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("object", sObject);
    create.put("operation", operation);
    if (externalIdField != null) {
      create.put("externalIdFieldName", externalIdField);
    }
    create.put("contentType", "CSV");
    create.put("columnDelimiter", "COMMA");
    create.put("lineEnding", "LF");
    return retries.run(SalesforceClient.BULK, "creating a Bulk job", () -> {
      synchronized (creating) {
        Instant before = client.serverTime().orElse(null);
        try {
          JsonNode job = client.send(SalesforceClient.BULK, "POST", jobsPath() + "/", Map.of(), create);
          String id = job.path("id").asText("");
          if (!id.matches("[A-Za-z0-9]{15,18}")) {
            throw new CrmUnavailableException(crm, 200, null, "Bulk API returned a job without a valid id", null);
          }
          inUse.add(id);
          return id;
        } catch (RuntimeException e) {
          if (Retries.isTransient(e)) {
            // the job may have been created: find it and abort it before creating another
            LostCreation lost = new LostCreation(sObject, operation, externalIdField,
                before == null ? null : before.minus(CLOCK_SLACK));
            try {
              abortLost(lost);
            } catch (RuntimeException sweepFailed) {
              lostCreations.add(lost);
              e.addSuppressed(sweepFailed);
            }
          }
          throw e;
        }
      }
    });
  }

  /**
   * Aborts what could not be aborted when it happened: jobs whose creation answer was lost, and jobs an abort
   * failed for. Best effort: what still fails is kept for the next run.
   */
  private void cleanUp() {
    for (String id : List.copyOf(unaborted)) {
      try {
        abort(jobsPath() + "/" + id, id);
        unaborted.remove(id);
      } catch (RuntimeException e) {
        log.debug("Bulk job {} still could not be aborted: {}", id, e.getMessage());
      }
    }
    for (int n = lostCreations.size(); n > 0; n--) {
      LostCreation lost = lostCreations.poll();
      if (lost == null) {
        break;
      }
      synchronized (creating) {
        try {
          abortLost(lost);
        } catch (RuntimeException e) {
          lostCreations.add(lost);
          log.debug("The Bulk job list could not be read to find a job whose creation answer was lost: {}", e.getMessage());
        }
      }
    }
  }

  /**
   * Aborts this adapter's Open jobs matching {@code lost} that no call of it is using. Called holding {@code
   * creating}, so that every job this adapter created is known by then.
   */
  private void abortLost(LostCreation lost) {
    String userId = client.userId().orElse(null);
    List<JsonNode> jobs = allJobs();
    Instant notBefore = lost.notBefore() != null ? lost.notBefore()
        : client.serverTime().orElse(time.now()).minus(UNKNOWN_CLOCK_WINDOW);
    for (JsonNode j : jobs) {
      String id = j.path("id").asText("");
      if (!j.path("state").asText().equals("Open") || inUse.contains(id) || !id.matches("[A-Za-z0-9]{15,18}")
          || !j.path("object").asText().equalsIgnoreCase(lost.object())
          || !j.path("operation").asText().equals(lost.operation())
          || !Objects.equals(j.hasNonNull("externalIdFieldName") ? j.get("externalIdFieldName").asText() : null,
              lost.externalIdField())
          || (userId != null && !sameId(j.path("createdById").asText(""), userId))) {
        continue;
      }
      Instant created;
      try {
        created = SfValues.parseInstant(j.path("createdDate").asText(""));
      } catch (DateTimeParseException e) {
        continue;
      }
      if (created.isBefore(notBefore)) {
        continue;
      }
      log.info("Aborting Bulk job {}: opened by a request whose answer was lost", id);
      try {
        abort(jobsPath() + "/" + id, id);
      } catch (RuntimeException e) {
        unaborted.add(id);
        throw e;
      }
    }
  }

  private static boolean sameId(String a, String b) {
    return a.regionMatches(0, b, 0, Math.min(15, Math.min(a.length(), b.length()))) && a.length() >= 15 && b.length() >= 15;
  }

  /** Every ingest job of the org, through Get All Jobs and its {@code nextRecordsUrl} pages. */
  private List<JsonNode> allJobs() {
    List<JsonNode> out = new ArrayList<>();
    String next = jobsPath() + "/";
    Map<String, String> query = Map.of("jobType", "V2Ingest");
    for (int page = 0; next != null && page < 1000; page++) {
      String path = next;
      Map<String, String> q = query;
      JsonNode body = retries.run(SalesforceClient.BULK, "listing Bulk jobs", () -> client.get(SalesforceClient.BULK, pathOnly(path), queryOf(path, q), Map.of()));
      body.path("records").forEach(out::add);
      String url = body.path("nextRecordsUrl").asText("");
      next = body.path("done").asBoolean(true) || url.isEmpty() ? null : url;
      query = Map.of();
    }
    return out;
  }

  private static String pathOnly(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
  }

  private static Map<String, String> queryOf(String pathAndQuery, Map<String, String> extra) {
    Map<String, String> out = new LinkedHashMap<>(extra);
    int q = pathAndQuery.indexOf('?');
    if (q >= 0) {
      for (String pair : pathAndQuery.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ upload once, close, abort

  /**
   * Uploads the CSV into the job, once. If the answer is lost, the upload may have landed or not: the job is
   * aborted, never uploaded into again.
   *
   * @return whether the upload is known to have landed; false if the job was aborted and a new one is needed
   */
  private boolean upload(String jobPath, String id, byte[] csv) {
    try {
      client.bytes(SalesforceClient.BULK, base -> new Request.Builder().url(base.newBuilder().encodedPath(jobPath + "/batches").build())
          .put(RequestBody.create(csv, CSV)));
      return true;
    } catch (RuntimeException e) {
      log.debug("The upload into Bulk job {} failed ({}); aborting the job rather than uploading into it again", id,
          e.getMessage());
      try {
        abort(jobPath, id);
      } catch (RuntimeException abortFailed) {
        unaborted.add(id);
        e.addSuppressed(abortFailed);
        throw e;
      }
      if (Retries.isTransient(e)) {
        return false;
      }
      throw e;
    }
  }

  /** Marks the job {@code UploadComplete}; a lost answer is resolved by reading the job's state. */
  private void close(String jobPath, String id) {
    changeState(jobPath, id, "UploadComplete", Set.of("UploadComplete", "InProgress", "JobComplete", "Failed"));
  }

  /** Aborts the job; done once it is Aborted or finished (a finished job cannot be aborted). */
  private void abort(String jobPath, String id) {
    changeState(jobPath, id, "Aborted", Set.of("Aborted", "JobComplete", "Failed"));
  }

  /**
   * Sends the state change while the job is still Open (or, for an abort, not finished), reading the job's state
   * after every failure instead of sending blindly again.
   */
  private void changeState(String jobPath, String id, String target, Set<String> reached) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= STEP_ATTEMPTS; attempt++) {
      try {
        client.send(SalesforceClient.BULK, "PATCH", jobPath, Map.of(), Map.of("state", target));
        return;
      } catch (CrmRequestException e) {
        // 400 INVALIDJOBSTATE: an earlier change whose answer was lost may have landed
        String state = state(jobPath);
        if (reached.contains(state)) {
          return;
        }
        throw e;
      } catch (RuntimeException e) {
        if (!Retries.isTransient(e)) {
          throw e;
        }
        last = e;
        String state = state(jobPath);
        if (reached.contains(state)) {
          return;
        }
        if (state.equals("Aborted")) {
          throw new CrmUnavailableException(crm, 0, null, "Bulk job " + id + " was aborted by someone else", e);
        }
        log.debug("Bulk job {} is still {} after a lost answer to {}; sending it again", id, state, target);
        client.events().retry(SalesforceClient.BULK.name(), e);
      }
    }
    throw Objects.requireNonNull(last);
  }

  private String state(String jobPath) {
    return retries.run(SalesforceClient.BULK, "reading a Bulk job's state", () -> client.get(SalesforceClient.BULK, jobPath, Map.of(), Map.of())).path("state").asText("");
  }

  // ------------------------------------------------------------------ wait

  private JsonNode await(String jobPath, String id) {
    Instant deadline = time.now().plus(settings.bulkTimeout());
    Duration delay = settings.bulkPollInitial();
    while (true) {
      JsonNode info = retries.run(SalesforceClient.BULK, "polling a Bulk job", () -> client.get(SalesforceClient.BULK, jobPath, Map.of(), Map.of()));
      String state = info.path("state").asText();
      if (DONE.contains(state)) {
        log.debug("Bulk job {} finished: {} ({} processed, {} failed)", id, state,
            info.path("numberRecordsProcessed").asLong(), info.path("numberRecordsFailed").asLong());
        return info;
      }
      if (!time.now().plus(delay).isBefore(deadline)) {
        abortQuietly(jobPath, id);
        throw new CrmUnavailableException(crm, 0, null,
            "Bulk job " + id + " did not finish within " + settings.bulkTimeout() + " (last state " + state + "); aborted it", null);
      }
      try {
        time.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abortQuietly(jobPath, id);
        throw new CrmUnavailableException(crm, 0, null, "interrupted while waiting for Bulk job " + id + "; aborted it", e);
      }
      Duration doubled = delay.multipliedBy(2);
      delay = doubled.compareTo(settings.bulkPollMax()) > 0 ? settings.bulkPollMax() : doubled;
    }
  }

  private void abortQuietly(String jobPath, String id) {
    try {
      abort(jobPath, id);
    } catch (RuntimeException e) {
      unaborted.add(id);
      log.warn("Could not abort Bulk job {}: {}", id, e.getMessage());
    }
  }

  // ------------------------------------------------------------------ results

  private List<Outcome> collect(String jobPath, String id, JsonNode info, List<String> columns, List<List<String>> rows) {
    long processed = info.path("numberRecordsProcessed").asLong(-1);
    long failed = info.path("numberRecordsFailed").asLong(-1);
    List<List<String>> ok = results(jobPath + "/successfulResults/", columns.size() + 2,
        processed < 0 || failed < 0 ? -1 : processed - failed);
    List<List<String>> bad = results(jobPath + "/failedResults/", columns.size() + 2, failed);
    List<List<String>> unprocessed = results(jobPath + "/unprocessedrecords/", columns.size(),
        processed < 0 ? -1 : rows.size() - processed);

    Map<String, Deque<Integer>> byCells = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      byCells.computeIfAbsent(key(rows.get(i), 0, columns.size()), k -> new ArrayDeque<>()).add(i);
    }
    Outcome[] out = new Outcome[rows.size()];
    for (List<String> r : ok) {
      Integer i = take(byCells, r, 2);
      if (i != null) {
        out[i] = new Outcome(true, r.get(0), Boolean.parseBoolean(r.get(1)), List.of());
      }
    }
    for (List<String> r : bad) {
      Integer i = take(byCells, r, 2);
      if (i != null) {
        out[i] = new Outcome(false, null, false, RecordErrors.fromBulk(r.get(1)));
      }
    }
    for (List<String> r : unprocessed) {
      Integer i = take(byCells, r, 0);
      if (i != null) {
        out[i] = new Outcome(false, null, false,
            List.of(new RecordErrors.SfError("BULK_UNPROCESSED", "the Bulk job stopped before processing this record", List.of())));
      }
    }
    List<Outcome> list = new ArrayList<>(rows.size());
    int missing = 0;
    for (Outcome o : out) {
      if (o == null) {
        missing++;
      }
      list.add(o);
    }
    if (missing > 0) {
      // never report a record failed that the job may have written: the caller writes the batch again
      throw new CrmUnavailableException(crm, 0, null, "the results of Bulk job " + id + " name no outcome for "
          + missing + " of " + rows.size() + " records", null);
    }
    return list;
  }

  /**
   * The rows of a result file, without its header, read again while the download fails or holds another number of
   * rows than the job's counts say ({@code expected}, or -1 if unknown).
   */
  private List<List<String>> results(String path, int width, long expected) {
    return retries.run(SalesforceClient.BULK, "reading Bulk job results", () -> {
      byte[] body = client.bytes(SalesforceClient.BULK, base -> new Request.Builder().url(base.newBuilder().encodedPath(path).build())
          .header("Accept", "text/csv").get());
      List<List<String>> parsed;
      try {
        parsed = Csv.parse(new String(body, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new CrmUnavailableException(crm, 200, null, "GET " + path + " returned CSV cut short: " + e.getMessage(), null);
      }
      List<List<String>> rows = parsed.isEmpty() ? parsed : parsed.subList(1, parsed.size());
      for (List<String> r : rows) {
        if (r.size() != width) {
          throw new CrmUnavailableException(crm, 200, null, "GET " + path + " returned a row of " + r.size()
              + " cells where " + width + " were expected (cut short?)", null);
        }
      }
      if (expected >= 0 && rows.size() != expected) {
        throw new CrmUnavailableException(crm, 200, null, "GET " + path + " returned " + rows.size()
            + " rows where the job counts " + expected + " (cut short?)", null);
      }
      return rows;
    });
  }

  private static @Nullable Integer take(Map<String, Deque<Integer>> byCells, List<String> row, int offset) {
    Deque<Integer> q = byCells.get(key(row, offset, row.size() - offset));
    return q == null ? null : q.poll();
  }

  private static String key(List<String> row, int offset, int width) {
    StringBuilder sb = new StringBuilder();
    for (int i = offset; i < offset + width; i++) {
      sb.append(row.get(i)).append('\u0000');
    }
    return sb.toString();
  }
}

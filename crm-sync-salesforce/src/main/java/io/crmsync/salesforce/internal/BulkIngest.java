package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmUnavailableException;
import io.crmsync.TimeSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Bulk API 2.0 ingest job, start to finish: create the job, upload the CSV, mark it {@code UploadComplete},
 * poll its state with exponential backoff on the adapter's {@link TimeSource}, then read the successful, failed
 * and unprocessed results and map each back to its input row. Results come back in no particular order, so rows
 * are matched by their cells, as uploaded and echoed back.
 */
public final class BulkIngest {
  private static final Logger log = LoggerFactory.getLogger(BulkIngest.class);
  private static final MediaType CSV = MediaType.get("text/csv");
  private static final Set<String> DONE = Set.of("JobComplete", "Failed", "Aborted");
  /** Salesforce accepts at most 150 MB per upload (base64 counted); stay well under it. */
  static final int MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

  /** What happened to one row. */
  public record Outcome(boolean success, @Nullable String id, boolean created, List<RecordErrors.SfError> errors) {}

  private final String crm;
  private final SalesforceClient client;
  private final Settings settings;
  private final TimeSource time;

  public BulkIngest(String crm, SalesforceClient client, Settings settings, TimeSource time) {
    this.crm = crm;
    this.client = client;
    this.settings = settings;
    this.time = time;
  }

  /**
   * Runs a job and returns one outcome per row, in row order.
   *
   * @param operation {@code upsert} or {@code delete}
   * @throws CrmRequestException if the job failed before processing any record (a bad header, say)
   * @throws CrmUnavailableException if the job did not finish within {@code bulkTimeout} (it is aborted) or was
   *     aborted by someone else
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
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("object", sObject);
    create.put("operation", operation);
    if (externalIdField != null) {
      create.put("externalIdFieldName", externalIdField);
    }
    create.put("contentType", "CSV");
    create.put("columnDelimiter", "COMMA");
    create.put("lineEnding", "LF");
    String jobs = client.dataPath("/jobs/ingest");
    JsonNode job = client.send("POST", jobs + "/", Map.of(), create);
    String id = job.path("id").asText("");
    if (!id.matches("[A-Za-z0-9]{15,18}")) {
      throw new CrmUnavailableException(crm, 200, null, "Bulk API returned a job without a valid id", null);
    }
    String jobPath = jobs + "/" + id;
    log.debug("Bulk {} job {} on {}: uploading {} rows", operation, id, sObject, rows.size());
    client.bytes(base -> new Request.Builder().url(base.newBuilder().encodedPath(jobPath + "/batches").build())
        .put(RequestBody.create(upload, CSV)));
    client.send("PATCH", jobPath, Map.of(), Map.of("state", "UploadComplete"));
    JsonNode info = await(jobPath, id);
    String state = info.path("state").asText();
    long processed = info.path("numberRecordsProcessed").asLong(0);
    if (state.equals("Aborted")) {
      throw new CrmUnavailableException(crm, 0, null, "Bulk job " + id + " was aborted", null);
    }
    if (state.equals("Failed") && processed == 0) {
      throw new CrmRequestException(crm, 0, null,
          "Bulk job " + id + " failed: " + info.path("errorMessage").asText("no error message"), List.of(), null);
    }
    return collect(jobPath, columns, rows);
  }

  private JsonNode await(String jobPath, String id) {
    Instant deadline = time.now().plus(settings.bulkTimeout());
    Duration delay = settings.bulkPollInitial();
    while (true) {
      JsonNode info = client.get(jobPath, Map.of(), Map.of());
      String state = info.path("state").asText();
      if (DONE.contains(state)) {
        log.debug("Bulk job {} finished: {} ({} processed, {} failed)", id, state,
            info.path("numberRecordsProcessed").asLong(), info.path("numberRecordsFailed").asLong());
        return info;
      }
      if (!time.now().plus(delay).isBefore(deadline)) {
        abort(jobPath);
        throw new CrmUnavailableException(crm, 0, null,
            "Bulk job " + id + " did not finish within " + settings.bulkTimeout() + " (last state " + state + "); aborted it", null);
      }
      try {
        time.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abort(jobPath);
        throw new CrmUnavailableException(crm, 0, null, "interrupted while waiting for Bulk job " + id + "; aborted it", e);
      }
      Duration doubled = delay.multipliedBy(2);
      delay = doubled.compareTo(settings.bulkPollMax()) > 0 ? settings.bulkPollMax() : doubled;
    }
  }

  private void abort(String jobPath) {
    try {
      client.send("PATCH", jobPath, Map.of(), Map.of("state", "Aborted"));
    } catch (RuntimeException e) {
      log.warn("Could not abort Bulk job {}: {}", jobPath, e.getMessage());
    }
  }

  private List<Outcome> collect(String jobPath, List<String> columns, List<List<String>> rows) {
    Map<String, Deque<Integer>> byCells = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      byCells.computeIfAbsent(key(rows.get(i), 0, columns.size()), k -> new ArrayDeque<>()).add(i);
    }
    Outcome[] out = new Outcome[rows.size()];
    for (List<String> r : results(jobPath + "/successfulResults/")) {
      Integer i = take(byCells, r, 2, columns.size());
      if (i != null) {
        out[i] = new Outcome(true, r.get(0), Boolean.parseBoolean(r.get(1)), List.of());
      }
    }
    for (List<String> r : results(jobPath + "/failedResults/")) {
      Integer i = take(byCells, r, 2, columns.size());
      if (i != null) {
        out[i] = new Outcome(false, null, false, RecordErrors.fromBulk(r.get(1)));
      }
    }
    for (List<String> r : results(jobPath + "/unprocessedrecords/")) {
      Integer i = take(byCells, r, 0, columns.size());
      if (i != null) {
        out[i] = new Outcome(false, null, false,
            List.of(new RecordErrors.SfError("BULK_UNPROCESSED", "the Bulk job stopped before processing this record", List.of())));
      }
    }
    List<Outcome> list = new ArrayList<>(rows.size());
    for (Outcome o : out) {
      list.add(o != null ? o : new Outcome(false, null, false,
          List.of(new RecordErrors.SfError("BULK_NO_RESULT", "the Bulk job reported no result for this record", List.of()))));
    }
    return list;
  }

  private List<List<String>> results(String path) {
    byte[] body = client.bytes(base -> new Request.Builder().url(base.newBuilder().encodedPath(path).build())
        .header("Accept", "text/csv").get());
    List<List<String>> rows = Csv.parse(new String(body, StandardCharsets.UTF_8));
    return rows.isEmpty() ? rows : rows.subList(1, rows.size());
  }

  private static @Nullable Integer take(Map<String, Deque<Integer>> byCells, List<String> row, int offset, int width) {
    if (row.size() < offset + width) {
      return null;
    }
    Deque<Integer> q = byCells.get(key(row, offset, width));
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

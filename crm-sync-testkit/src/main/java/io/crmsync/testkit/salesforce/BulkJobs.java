package io.crmsync.testkit.salesforce;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Bulk API 2.0 ingest jobs: Open, UploadComplete, InProgress, then JobComplete, Failed or Aborted, with the state
 * rules of the Bulk API 2.0 and Bulk API Developer Guide (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/):
 *
 * <ul>
 *   <li>Upload Job Data (upload_job_data.htm): one CSV upload, into an Open job. A second upload is accepted (201)
 *       but the job can no longer be closed: Upload Complete answers 400 INVALIDJOB "Found multipe contents for job",
 *       as observed against real orgs (https://salesforce.stackexchange.com/questions/231917).
 *   <li>Upload Complete and Abort (close_job.htm): a state change a job's state does not allow is 400
 *       INVALIDJOBSTATE ("The job state specified in a job update operation is invalid", bulk_api_2_0_errors.htm);
 *       only an Open job can be closed, and a finished job (JobComplete, Failed, Aborted) cannot be aborted.
 *   <li>Delete a Job (delete_job.htm): "To be deleted, a job must have a state of UploadComplete, JobComplete,
 *       Aborted, or Failed."
 * </ul>
 *
 * Thread-safe.
 */
final class BulkJobs {
  static final class Job {
    final String id;
    final String object;
    final String operation;
    final @Nullable String externalIdFieldName;
    final String createdDate;
    String systemModstamp;
    String state = "Open";
    final StringBuilder data = new StringBuilder();
    int uploads;
    int pollsLeft;
    int processed;
    int failed;
    @Nullable String errorMessage;
    final StringBuilder successful = new StringBuilder();
    final StringBuilder failures = new StringBuilder();
    final StringBuilder unprocessed = new StringBuilder();

    Job(String id, String object, String operation, @Nullable String externalIdFieldName, String created) {
      this.id = id;
      this.object = object;
      this.operation = operation;
      this.externalIdFieldName = externalIdFieldName;
      this.createdDate = created;
      this.systemModstamp = created;
    }
  }

  private final Org org;
  private final ObjectMapper mapper;
  private final TimeSource time;
  private final int pollsBeforeComplete;
  private final Counters counters;
  private final Map<String, Job> jobs = new LinkedHashMap<>();

  BulkJobs(Org org, ObjectMapper mapper, TimeSource time, int pollsBeforeComplete, Counters counters) {
    this.org = org;
    this.counters = counters;
    this.mapper = mapper;
    this.time = time;
    this.pollsBeforeComplete = pollsBeforeComplete;
  }

  synchronized Job create(String object, String operation, @Nullable String extField, String contentType,
      String columnDelimiter, String lineEnding) throws Org.RequestError {
    SObjectSchema s = org.schema(object);
    if (!List.of("insert", "update", "upsert", "delete", "hardDelete").contains(operation)) {
      throw new Org.RequestError(400, "INVALIDJOB", "InvalidJob : Invalid job operation: " + operation);
    }
    if (operation.equals("upsert") && (extField == null || extField.isBlank())) {
      throw new Org.RequestError(400, "INVALIDJOB", "InvalidJob : External ID was blank for " + s.name
          + ". An External ID must be specified for upsert.");
    }
    if (!contentType.equals("CSV") || !columnDelimiter.equals("COMMA") || !(lineEnding.equals("LF") || lineEnding.equals("CRLF"))) {
      throw new Org.RequestError(400, "INVALIDJOB", "InvalidJob : this emulator supports CSV with COMMA delimiters only");
    }
    Job j = new Job(org.newId("750"), s.name, operation, extField, Values.format(time.now()));
    jobs.put(j.id, j);
    return j;
  }

  synchronized Job get(String id) throws Org.RequestError {
    Job j = jobs.get(id);
    if (j == null) {
      throw new Org.RequestError(404, "NOT_FOUND", "The requested resource does not exist");
    }
    return j;
  }

  synchronized void upload(String id, String csv) throws Org.RequestError {
    Job j = get(id);
    if (!j.state.equals("Open")) {
      throw new Org.RequestError(400, "INVALIDJOBSTATE", "Job is not in state Open, data can no longer be uploaded: " + j.state);
    }
    j.uploads++;
    if (j.uploads == 1) {
      j.data.append(csv);
    }
  }

  synchronized Job changeState(String id, String state) throws Org.RequestError {
    Job j = get(id);
    if (state.equals("UploadComplete")) {
      if (!j.state.equals("Open")) {
        throw new Org.RequestError(400, "INVALIDJOBSTATE", "Job is not in state Open, it cannot be closed: " + j.state);
      }
      if (j.uploads > 1) {
        throw new Org.RequestError(400, "INVALIDJOB", "Found multipe contents for job: <" + j.id + ">, please 'Close' / "
            + "'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.");
      }
      j.state = "UploadComplete";
      j.pollsLeft = pollsBeforeComplete;
    } else if (state.equals("Aborted")) {
      if (j.state.equals("JobComplete") || j.state.equals("Failed") || j.state.equals("Aborted")) {
        throw new Org.RequestError(400, "INVALIDJOBSTATE", "Job is already finished, it cannot be aborted: " + j.state);
      }
      j.state = "Aborted";
      j.unprocessed.setLength(0);
    } else {
      throw new Org.RequestError(400, "INVALIDJOBSTATE", "Invalid state for a job update: " + state);
    }
    j.systemModstamp = Values.format(time.now());
    return j;
  }

  /** The job's info; a job in progress advances one step per poll, and runs when its polls are used up. */
  synchronized Job poll(String id) throws Org.RequestError {
    Job j = get(id);
    if (j.state.equals("UploadComplete") || j.state.equals("InProgress")) {
      if (j.pollsLeft > 0) {
        j.pollsLeft--;
        j.state = "InProgress";
      } else {
        run(j);
      }
      j.systemModstamp = Values.format(time.now());
    }
    return j;
  }

  synchronized void delete(String id) throws Org.RequestError {
    Job j = get(id);
    if (j.state.equals("Open") || j.state.equals("InProgress")) {
      throw new Org.RequestError(400, "INVALIDJOBSTATE", "Job can not be deleted in state " + j.state);
    }
    jobs.remove(id);
  }

  /** The jobs, oldest first. */
  synchronized List<Job> all() {
    List<Job> out = new ArrayList<>(jobs.values());
    out.sort(java.util.Comparator.comparing((Job j) -> j.createdDate).thenComparing(j -> j.id));
    return out;
  }

  /** What tests see of a job. */
  synchronized IngestJob snapshot(Job j) {
    return new IngestJob(j.id, j.object, j.operation, j.state, j.uploads, j.processed, j.failed);
  }

  private void run(Job j) {
    List<List<String>> rows;
    try {
      rows = Csv.parse(j.data.toString());
    } catch (IllegalArgumentException e) {
      fail(j, "InvalidBatch : Failed to parse CSV: " + e.getMessage());
      return;
    }
    if (rows.isEmpty()) {
      fail(j, "InvalidBatch : Empty CSV file");
      return;
    }
    List<String> header = rows.get(0);
    List<List<String>> body = rows.subList(1, rows.size());
    SObjectSchema s = org.schemaOrNull(j.object);
    for (String col : header) {
      if (s == null || s.field(col) == null) {
        fail(j, "InvalidBatch : Field name not found : " + col);
        return;
      }
    }
    List<Map<String, Object>> records = new ArrayList<>(body.size());
    for (List<String> row : body) {
      if (row.size() != header.size()) {
        fail(j, "InvalidBatch : Wrong number of columns in a row: expected " + header.size() + " but was " + row.size());
        return;
      }
      Map<String, Object> rec = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        rec.put(header.get(i), row.get(i));
      }
      records.add(rec);
    }
    List<Org.WriteResult> results;
    try {
      results = switch (j.operation) {
        case "delete", "hardDelete" -> {
          int idCol = indexOf(header, "Id");
          if (idCol < 0 || header.size() != 1) {
            throw new Org.RequestError(400, "INVALIDBATCH", "InvalidBatch : A delete job takes exactly one column, Id");
          }
          List<String> ids = new ArrayList<>();
          body.forEach(r -> ids.add(r.get(idCol)));
          yield org.delete(ids);
        }
        case "upsert" -> org.upsert(j.object, j.externalIdFieldName, records, true);
        case "insert" -> org.upsert(j.object, "Id", records, true);
        default -> throw new Org.RequestError(400, "INVALIDBATCH", "InvalidBatch : unsupported operation " + j.operation);
      };
    } catch (Org.RequestError e) {
      fail(j, e.getMessage());
      return;
    }
    Csv.appendRow(j.successful, prefixed(List.of("sf__Id", "sf__Created"), header));
    Csv.appendRow(j.failures, prefixed(List.of("sf__Id", "sf__Error"), header));
    Csv.appendRow(j.unprocessed, header);
    for (int i = 0; i < results.size(); i++) {
      Org.WriteResult r = results.get(i);
      List<String> row = body.get(i);
      if (r.success()) {
        Csv.appendRow(j.successful, prefixed(List.of(r.id(), String.valueOf(r.created())), row));
      } else {
        j.failed++;
        r.errors().forEach(e -> counters.recordError(e.statusCode()));
        StringBuilder err = new StringBuilder();
        for (Org.ErrorItem e : r.errors()) {
          if (err.length() > 0) {
            err.append('\n');
          }
          err.append(e.statusCode()).append(':').append(e.message()).append(':')
              .append(String.join(",", e.fields())).append(" --");
        }
        Csv.appendRow(j.failures, prefixed(List.of("", err.toString()), row));
      }
      j.processed++;
    }
    j.state = "JobComplete";
  }

  private static int indexOf(List<String> header, String name) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> prefixed(List<String> prefix, List<String> rest) {
    List<String> out = new ArrayList<>(prefix);
    out.addAll(rest);
    return out;
  }

  private static void fail(Job j, String message) {
    j.state = "Failed";
    j.errorMessage = message;
    j.unprocessed.setLength(0);
    j.unprocessed.append(j.data);
  }

  /** The job's JSON; {@code full} adds the counters a job-info GET returns. */
  ObjectNode render(Job j, String version, boolean full) {
    ObjectNode n = mapper.createObjectNode();
    n.put("id", j.id);
    n.put("operation", j.operation);
    n.put("object", j.object);
    n.put("createdById", Org.USER_ID);
    n.put("createdDate", j.createdDate);
    n.put("systemModstamp", j.systemModstamp);
    n.put("state", j.state);
    if (j.externalIdFieldName != null) {
      n.put("externalIdFieldName", j.externalIdFieldName);
    }
    n.put("concurrencyMode", "Parallel");
    n.put("contentType", "CSV");
    n.put("apiVersion", new BigDecimal(version));
    if (full) {
      n.put("jobType", "V2Ingest");
    }
    n.put("contentUrl", "services/data/v" + version + "/jobs/ingest/" + j.id + "/batches");
    n.put("lineEnding", "LF");
    n.put("columnDelimiter", "COMMA");
    if (full) {
      n.put("numberRecordsProcessed", j.processed);
      n.put("numberRecordsFailed", j.failed);
      n.put("retries", 0);
      n.put("totalProcessingTime", j.processed);
      n.put("apiActiveProcessingTime", j.processed);
      n.put("apexProcessingTime", 0);
      if (j.errorMessage != null) {
        n.put("errorMessage", j.errorMessage);
      }
    }
    return n;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}

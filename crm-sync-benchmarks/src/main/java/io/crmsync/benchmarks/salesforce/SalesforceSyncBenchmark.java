package io.crmsync.benchmarks.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.benchmarks.Benchmarks;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Contacts from a {@link FakeCrm} into the Salesforce emulator, through sObject Collections (batches of 200) and
 * through Bulk API 2.0 (batches of 10,000), each by the engine ({@link CRMSync} with the {@link SalesforceAdapter})
 * and by a bare OkHttp loop that issues the same requests (one token, one describe, then the same PATCHes, or the
 * same job create, CSV upload, close, poll and three result reads per batch) with no retries, rate limiting,
 * checkpoints or change detection. Each round runs both against a fresh emulator, alternating, so both see the
 * same machine noise. The emulator completes a Bulk job on the first poll, so neither side waits on polling.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -Xmx3g -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.salesforce.SalesforceSyncBenchmark [records] [rounds] [workers] [modes]
 * </pre>
 *
 * Defaults: 200,000 records, 3 rounds, 2 workers, modes {@code collections,bulk}.
 */
public final class SalesforceSyncBenchmark {
  private static final String CLIENT_ID = "benchmark";
  private static final String SECRET = "benchmark-secret";
  private static final ObjectMapper MAPPER = AdapterConfig.defaultObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final MediaType CSV = MediaType.get("text/csv");
  private static final String VERSION = "66.0";

  /**
   * One client for both sides, with Nagle's algorithm off as for any request/response protocol on loopback: with it
   * on, the last segment of each request body waits for the server's delayed ACK.
   */
  private static final OkHttpClient HTTP = AdapterConfig.defaultHttpClient().newBuilder()
      .socketFactory(new javax.net.SocketFactory() {
        @Override
        public java.net.Socket createSocket() throws IOException {
          java.net.Socket s = new java.net.Socket();
          s.setTcpNoDelay(true);
          return s;
        }

        @Override
        public java.net.Socket createSocket(String host, int port) throws IOException {
          throw new UnsupportedOperationException();
        }

        @Override
        public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) throws IOException {
          throw new UnsupportedOperationException();
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
          throw new UnsupportedOperationException();
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress local, int localPort)
            throws IOException {
          throw new UnsupportedOperationException();
        }
      })
      .build();

  private SalesforceSyncBenchmark() {}

  public static void main(String[] args) {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    List<String> modes = List.of((args.length > 3 ? args[3] : "collections,bulk").split(","));
    System.out.printf(Locale.ROOT, "SalesforceSyncBenchmark: %,d contacts, %d rounds, %d workers, modes %s, max heap %,d MB, %d cores%n",
        records, rounds, workers, modes, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
    FakeCrm source = FakeCrm.builder().id("source").logRequests(false).maxPageSize(10_000).build();
    source.seed(Benchmarks.contacts(records));
    for (String mode : modes) {
      int batch = mode.equals("bulk") ? 10_000 : 200;
      double[] bare = new double[rounds];
      double[] engine = new double[rounds];
      runBare(source, mode, batch, Math.min(records, 20_000));
      runEngine(source, mode, batch, workers, Math.min(records, 20_000));
      for (int r = 0; r < rounds; r++) {
        System.gc();
        bare[r] = runBare(source, mode, batch, records);
        System.gc();
        engine[r] = runEngine(source, mode, batch, workers, records);
        System.out.printf(Locale.ROOT, "%s round %d: bare loop %,.0f records/s, engine %,.0f records/s, ratio %.2f%n",
            mode, r + 1, bare[r], engine[r], engine[r] / bare[r]);
      }
      System.out.printf(Locale.ROOT, "%s median: bare loop %,.0f records/s, engine %,.0f records/s, ratio %.2f%n",
          mode, Benchmarks.median(bare), Benchmarks.median(engine), Benchmarks.median(engine) / Benchmarks.median(bare));
    }
  }

  private static SalesforceEmulator emulator() {
    return SalesforceEmulator.builder().clientCredentials(CLIENT_ID, SECRET).bulkPollsBeforeComplete(0)
        .dailyApiLimit(Long.MAX_VALUE).build().start();
  }

  /** The engine with the adapter, on its embedded defaults. Records per second. */
  static double runEngine(FakeCrm source, String mode, int batch, int workers, int limit) {
    try (SalesforceEmulator sf = emulator()) {
      SalesforceAdapter target = SalesforceAdapter.create(AdapterConfig.builder("salesforce").httpClient(HTTP).settings(Map.of(
          "loginUrl", sf.url(), "clientId", CLIENT_ID, "clientSecret", SECRET, "apiVersion", VERSION,
          "bulkThreshold", mode.equals("bulk") ? "1" : "1000000", "maxBatchSize", String.valueOf(Math.max(batch, 200)),
          "bulkPollInitial", "1ms", "bulkPollMax", "10ms")).build());
      CRMSync[] sync = new CRMSync[1];
      sync[0] = CRMSync.builder()
          .source(source)
          .target(target)
          .workers(workers)
          .batchSize(batch)
          .readPageSize(batch)
          .listener(new io.crmsync.SyncListener() {
            long read;

            @Override
            public void onPageRead(String jobId, int records) {
              read += records;
              if (read >= limit) {
                sync[0].stop();
              }
            }
          })
          .build();
      SyncReport report = sync[0].run();
      long settled = report.written() + report.unchanged() + report.deadLettered();
      if (report.deadLettered() != 0 || settled < Math.min(limit, 1)) {
        throw new IllegalStateException("benchmark run did not sync cleanly: " + report);
      }
      long inTarget = sf.records("Contact").size();
      if (inTarget != settled) {
        throw new IllegalStateException("emulator holds " + inTarget + " contacts but the engine settled " + settled);
      }
      if (!sf.refusals().isEmpty() || sf.ingestJobs().stream().anyMatch(j -> j.isOpen())) {
        throw new IllegalStateException("the engine sent requests Salesforce would refuse " + sf.refusals()
            + " or left Bulk jobs Open");
      }
      return settled / (report.duration().toNanos() / 1e9);
    }
  }

  /** The same requests, issued in a plain loop. Records per second. */
  static double runBare(FakeCrm source, String mode, int batch, int limit) {
    try (SalesforceEmulator sf = emulator()) {
      OkHttpClient http = HTTP;
      long start = System.nanoTime();
      JsonNode token = json(http, new Request.Builder().url(sf.url() + "/services/oauth2/token").post(new FormBody.Builder()
          .add("grant_type", "client_credentials").add("client_id", CLIENT_ID).add("client_secret", SECRET).build()).build());
      String bearer = "Bearer " + token.get("access_token").asText();
      HttpUrl base = HttpUrl.get(token.get("instance_url").asText()).newBuilder().encodedPath("/services/data/v" + VERSION).build();
      json(http, authed(bearer, base, "/sobjects/Contact/describe").get().build());
      ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withPageSize(batch);
      String cursor = null;
      long n = 0;
      do {
        Page page = source.read(request.withCursor(cursor));
        n += mode.equals("bulk") ? bulk(http, bearer, base, page.records()) : collections(http, bearer, base, page.records());
        cursor = page.nextCursor();
      } while (cursor != null && n < limit);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (sf.records("Contact").size() != n) {
        throw new IllegalStateException("bare loop wrote " + n + " but the emulator holds " + sf.records("Contact").size());
      }
      return n / seconds;
    }
  }

  private static int collections(OkHttpClient http, String bearer, HttpUrl base, List<CrmRecord> records) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("allOrNone", false);
    ArrayNode array = body.putArray("records");
    for (CrmRecord r : records) {
      ObjectNode n = array.addObject();
      n.putObject("attributes").put("type", "Contact");
      n.put("Email", r.string(Contact.Fields.EMAIL));
      n.put("FirstName", r.string(Contact.Fields.FIRST_NAME));
      n.put("LastName", r.string(Contact.Fields.LAST_NAME));
      n.put("Phone", r.string(Contact.Fields.PHONE));
    }
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode results = json(http, authed(bearer, base, "/composite/sobjects/Contact/Email")
        .patch(RequestBody.create(bytes, JSON)).build());
    int ok = 0;
    for (JsonNode r : results) {
      ok += r.path("success").asBoolean() ? 1 : 0;
    }
    return ok;
  }

  private static int bulk(OkHttpClient http, String bearer, HttpUrl base, List<CrmRecord> records) {
    StringBuilder csv = new StringBuilder("Email,FirstName,LastName,Phone\n");
    for (CrmRecord r : records) {
      csv.append(r.string(Contact.Fields.EMAIL)).append(',').append(r.string(Contact.Fields.FIRST_NAME)).append(',')
          .append(r.string(Contact.Fields.LAST_NAME)).append(',').append(r.string(Contact.Fields.PHONE)).append('\n');
    }
    String create = "{\"object\":\"Contact\",\"operation\":\"upsert\",\"externalIdFieldName\":\"Email\","
        + "\"contentType\":\"CSV\",\"columnDelimiter\":\"COMMA\",\"lineEnding\":\"LF\"}";
    String id = json(http, authed(bearer, base, "/jobs/ingest/").post(RequestBody.create(create, JSON)).build()).get("id").asText();
    String job = "/jobs/ingest/" + id;
    text(http, authed(bearer, base, job + "/batches").put(RequestBody.create(csv.toString().getBytes(StandardCharsets.UTF_8), CSV)).build());
    json(http, authed(bearer, base, job).patch(RequestBody.create("{\"state\":\"UploadComplete\"}", JSON)).build());
    while (!json(http, authed(bearer, base, job).get().build()).get("state").asText().equals("JobComplete")) {
      Thread.onSpinWait();
    }
    String ok = text(http, authed(bearer, base, job + "/successfulResults/").get().build());
    text(http, authed(bearer, base, job + "/failedResults/").get().build());
    text(http, authed(bearer, base, job + "/unprocessedrecords/").get().build());
    return (int) ok.chars().filter(c -> c == '\n').count() - 1;
  }

  private static Request.Builder authed(String bearer, HttpUrl base, String path) {
    return new Request.Builder().url(base.newBuilder().encodedPath(base.encodedPath() + path).build())
        .header("Authorization", bearer).header("Accept", "application/json");
  }

  private static JsonNode json(OkHttpClient http, Request request) {
    return parse(text(http, request));
  }

  private static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(OkHttpClient http, Request request) {
    try (Response r = http.newCall(request).execute()) {
      if (!r.isSuccessful()) {
        throw new IllegalStateException(request.method() + " " + request.url().encodedPath() + " failed: " + r.code());
      }
      return r.body().string();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.crmsync.benchmarks.dynamics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.benchmarks.Benchmarks;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.net.SocketFactory;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Contacts from a {@link FakeCrm} into the Dataverse emulator through {@code $batch}.
 *
 * <ul>
 *   <li>{@code unlimited}: 100,000 contacts by a bare OkHttp loop that issues the same requests as the adapter (one
 *       token, the contact table's definition, then one {@code $batch} of 100 alternate-key PATCHes after another, each
 *       in its own change set, parsing the answers), and by the engine ({@link CRMSync} with the {@link
 *       DynamicsAdapter}) with 1 worker (like for like) and with 4; in the same process, each into a fresh emulator,
 *       in interleaved rounds; reports the median rates and the engine's ratios to the loop.
 *   <li>{@code limited}: the emulator's service protection at 200 requests per 10-second window (the documented
 *       6,000 per 5 minutes, scaled to a short run), the adapter's budget set to the same; reports the request rate
 *       as a share of the allowed one and the share of requests answered 429.
 * </ul>
 *
 * <p>Run with {@code mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests} then {@code java -Xmx2g -cp
 * crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.dynamics.DynamicsSyncBenchmark
 * [unlimited|limited|all] [contacts] [rounds]}.
 */
public final class DynamicsSyncBenchmark {
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final int BATCH = 100;

  /** One client for both sides, Nagle's algorithm off as for any request/response protocol on loopback. */
  private static final OkHttpClient HTTP = new OkHttpClient.Builder()
      .socketFactory(new SocketFactory() {
        @Override
        public Socket createSocket() throws IOException {
          Socket s = new Socket();
          s.setTcpNoDelay(true);
          return s;
        }

        @Override
        public Socket createSocket(String host, int port) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Socket createSocket(InetAddress host, int port) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort) {
          throw new UnsupportedOperationException();
        }
      })
      .readTimeout(Duration.ofSeconds(60))
      .build();

  private DynamicsSyncBenchmark() {}

  public static void main(String[] args) throws IOException {
    String which = args.length > 0 ? args[0] : "all";
    int contacts = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    System.out.printf(Locale.ROOT, "DynamicsSyncBenchmark: %s, %,d contacts, %d rounds, max heap %,d MB, %d cores%n", which, contacts,
        rounds, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
    if (which.equals("unlimited") || which.equals("all")) {
      unlimited(contacts, rounds);
    }
    if (which.equals("limited") || which.equals("all")) {
      limited(Math.min(contacts, 60_000));
    }
  }

  private static DataverseEmulator emulator(DataverseEmulator.Builder b) {
    return b.clientSecret("benchmark", "benchmark-secret").alternateKey("contact", "emailaddress1").build().start();
  }

  private static DynamicsAdapter adapter(DataverseEmulator dv, Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(dv.adapterSettings());
    s.putAll(extra);
    return DynamicsAdapter.create(AdapterConfig.builder("dynamics").settings(s).httpClient(HTTP).build());
  }

  private static FakeCrm source(int n) {
    FakeCrm source = FakeCrm.builder().id("app").logRequests(false).maxPageSize(1_000).build();
    source.seed(Benchmarks.contacts(n));
    return source;
  }

  static void unlimited(int n, int rounds) throws IOException {
    FakeCrm source = source(n);
    List<CrmRecord> records = source.records(io.crmsync.model.ObjectTypes.CONTACT);
    // warm both paths up so the JIT does not favour whichever runs second
    for (int i = 0; i < 2; i++) {
      bareLoop(records.subList(0, Math.min(n, 20_000)));
      engine(source(Math.min(n, 20_000)), 1);
      engine(source(Math.min(n, 20_000)), 4);
    }
    double[] bare = new double[rounds];
    double[] engine1 = new double[rounds];
    double[] engine4 = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      System.gc();
      bare[r] = bareLoop(records);
      System.gc();
      engine1[r] = engine(source, 1);
      System.gc();
      engine4[r] = engine(source, 4);
      System.out.printf(Locale.ROOT, "round %d: bare loop %,.0f records/s, engine/1 %,.0f (%.2fx), engine/4 %,.0f (%.2fx)%n", r + 1,
          bare[r], engine1[r], engine1[r] / bare[r], engine4[r], engine4[r] / bare[r]);
    }
    double b = Benchmarks.median(bare);
    double e1 = Benchmarks.median(engine1);
    double e4 = Benchmarks.median(engine4);
    System.out.printf(Locale.ROOT, "unlimited: %,d contacts, medians of %d rounds: bare OkHttp loop (1 thread) %,.0f records/s; "
        + "engine with 1 worker %,.0f records/s (%.2fx), with 4 workers %,.0f records/s (%.2fx)%n", n, rounds, b, e1, e1 / b, e4, e4 / b);
    System.out.printf(Locale.ROOT, "  rounds: bare %s, engine/1 %s, engine/4 %s%n", Arrays.toString(round(bare)),
        Arrays.toString(round(engine1)), Arrays.toString(round(engine4)));
  }

  private static long[] round(double[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i]);
    }
    return out;
  }

  /** The engine, full pass, into a fresh emulator. Records per second. */
  static double engine(FakeCrm source, int workers) {
    try (DataverseEmulator dv = emulator(DataverseEmulator.builder().noServiceProtection().requestLogSize(1))) {
      int n = source.size(io.crmsync.model.ObjectTypes.CONTACT);
      SyncReport report = CRMSync.builder().source(source).target(adapter(dv, Map.of())).workers(workers).batchSize(BATCH)
          .incremental(false).build().run();
      if (report.written() != n || dv.count("contact") != n || dv.refusedCount() != 0) {
        throw new IllegalStateException("engine wrote " + report.written() + " of " + n + " (" + dv.count("contact")
            + " in the emulator, " + dv.refusedCount() + " refused): " + report);
      }
      return n / (report.duration().toNanos() / 1e9);
    }
  }

  /** What a hand-written integration does: the same token, definition and $batch requests, one after another. */
  static double bareLoop(List<CrmRecord> records) throws IOException {
    try (DataverseEmulator dv = emulator(DataverseEmulator.builder().noServiceProtection().requestLogSize(1))) {
      long start = System.nanoTime();
      JsonNode token = json(new Request.Builder().url(dv.tokenUrl()).post(new FormBody.Builder()
          .add("grant_type", "client_credentials").add("client_id", "benchmark").add("client_secret", "benchmark-secret")
          .add("scope", dv.url() + "/.default").build()).build());
      String bearer = "Bearer " + token.get("access_token").asText();
      String api = dv.url() + "/api/data/v9.2/";
      json(authed(bearer, HttpUrl.get(api + "EntityDefinitions(LogicalName='contact')/Attributes")).get().build());
      json(authed(bearer, HttpUrl.get(api + "EntityDefinitions(LogicalName='contact')/Keys")).get().build());
      int ok = 0;
      for (int from = 0; from < records.size(); from += BATCH) {
        ok += batch(bearer, api, records.subList(from, Math.min(records.size(), from + BATCH)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (ok != records.size() || dv.count("contact") != records.size()) {
        throw new IllegalStateException("bare loop wrote " + ok + " of " + records.size());
      }
      return ok / seconds;
    }
  }

  private static int batch(String bearer, String api, List<CrmRecord> records) throws IOException {
    String boundary = "batch_" + UUID.randomUUID();
    StringBuilder sb = new StringBuilder(records.size() * 420);
    int id = 0;
    for (CrmRecord r : records) {
      id++;
      ObjectNode body = MAPPER.createObjectNode();
      body.put("firstname", r.string(Contact.Fields.FIRST_NAME));
      body.put("lastname", r.string(Contact.Fields.LAST_NAME));
      body.put("telephone1", r.string(Contact.Fields.PHONE));
      String key = HttpUrl.get(api).newBuilder()
          .addPathSegment("contacts(emailaddress1='" + r.string(Contact.Fields.EMAIL).replace("'", "''") + "')").build().encodedPath();
      String cs = "changeset_" + boundary.substring(6) + "_" + id;
      sb.append("--").append(boundary).append("\r\nContent-Type: multipart/mixed; boundary=").append(cs).append("\r\n\r\n")
          .append("--").append(cs).append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ")
          .append(id).append("\r\n\r\nPATCH ").append(key).append("?$select=contactid HTTP/1.1\r\n")
          .append("Content-Type: application/json; type=entry\r\nPrefer: return=representation\r\n\r\n")
          .append(MAPPER.writeValueAsString(body)).append("\r\n--").append(cs).append("--\r\n");
    }
    sb.append("--").append(boundary).append("--\r\n");
    Request request = authed(bearer, HttpUrl.get(api + "$batch"))
        .header("Prefer", "odata.continue-on-error")
        .post(RequestBody.create(sb.toString().getBytes(StandardCharsets.UTF_8), MediaType.get("multipart/mixed; boundary=" + boundary)))
        .build();
    String answer = text(request);
    int ok = 0;
    for (int at = answer.indexOf("HTTP/1.1 2"); at >= 0; at = answer.indexOf("HTTP/1.1 2", at + 1)) {
      ok++;
    }
    return ok;
  }

  /** The engine under service protection: 200 requests per 10 s, the adapter's budget the same. */
  static void limited(int n) {
    int requests = 200;
    Duration window = Duration.ofSeconds(10);
    try (DataverseEmulator dv = emulator(DataverseEmulator.builder().serviceProtection(requests, window))) {
      DynamicsAdapter target = adapter(dv, Map.of("budgetRequests", Integer.toString(requests), "budgetWindow", "10s"));
      SyncReport report = CRMSync.builder().source(source(n)).target(target).workers(4).batchSize(BATCH).incremental(false)
          .build().run();
      double seconds = report.duration().toNanos() / 1e9;
      long sent = dv.requestCount();
      double allowed = requests / (double) window.toSeconds();
      double rate = sent / seconds;
      System.out.printf(Locale.ROOT, "limited: %,d contacts in %.1f s (%s); %d requests = %.1f requests/s, %.1f%% of the allowed "
              + "%.0f/s (%,.0f records/s); %d answered 429 (%.2f%%); at most %d requests in any 10 s%n",
          report.written(), seconds, report.status(), sent, rate, 100 * rate / allowed, allowed, report.written() / seconds,
          dv.rateLimitedCount(), 100.0 * dv.rateLimitedCount() / Math.max(1, sent), dv.maxRequestsInAnyWindow(window));
    }
  }

  private static Request.Builder authed(String bearer, HttpUrl url) {
    return new Request.Builder().url(url).header("Authorization", bearer).header("Accept", "application/json")
        .header("OData-MaxVersion", "4.0").header("OData-Version", "4.0");
  }

  private static JsonNode json(Request request) throws IOException {
    return MAPPER.readTree(text(request));
  }

  private static String text(Request request) throws IOException {
    try (Response r = HTTP.newCall(request).execute()) {
      if (!r.isSuccessful()) {
        throw new IOException(request.method() + " " + request.url().encodedPath() + " failed: " + r.code());
      }
      return r.body().string();
    }
  }
}

package io.crmsync.benchmarks.sugarcrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.benchmarks.Benchmarks;
import io.crmsync.model.CrmRecord;
import io.crmsync.sugarcrm.SugarCrmAdapter;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * End-to-end throughput of syncing contacts into the SugarCRM emulator with {@link CRMSync}, matched by email:
 * per batch of 100, one {@code POST /Contacts/filter} (which of them exist) and one {@code POST /bulk} (their
 * creates and updates).
 *
 * <ul>
 *   <li>{@code unlimited}: 50,000 contacts, FakeCrm to the emulator, by a bare OkHttp loop sending the same two
 *       requests per batch one after the other, and by the engine with 1 worker (like for like) and with 4, each
 *       into a fresh emulator, in alternating rounds; reports the medians and the engine's ratios to the loop.
 *   <li>{@code limited}: the emulator allows 10 requests per second (429 beyond); 20,000 contacts are synced with
 *       the adapter's budget set to the same, by 2 workers; reports the request rate as a share of the allowed one,
 *       the share of requests answered 429, and the request latency.
 * </ul>
 *
 * <p>Run with {@code mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests} then {@code java -Xmx2g -cp
 * crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.sugarcrm.SugarCrmSyncBenchmark
 * [unlimited|limited|all] [contacts] [rounds or workers]}.
 */
public final class SugarCrmSyncBenchmark {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private SugarCrmSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "all";
    if (which.equals("unlimited") || which.equals("all")) {
      unlimited(args.length > 1 ? Integer.parseInt(args[1]) : 50_000, args.length > 2 ? Integer.parseInt(args[2]) : 3);
    }
    if (which.equals("limited") || which.equals("all")) {
      limited(args.length > 1 && which.equals("limited") ? Integer.parseInt(args[1]) : 20_000,
          args.length > 2 && which.equals("limited") ? Integer.parseInt(args[2]) : 2);
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (CrmRecord r : Benchmarks.contacts(n)) {
      out.add(r.with("email", prefix + r.string("email")).with("company", null));
    }
    return out;
  }

  private static SugarCrmAdapter adapter(SugarCrmEmulator emulator, OkHttpClient client, Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    s.putAll(extra);
    return SugarCrmAdapter.create(AdapterConfig.builder("sugarcrm").settings(s).httpClient(client).build());
  }

  private static SyncReport sync(CRMAdapter source, CRMAdapter target, int workers) {
    return CRMSync.builder().source(source).target(target).workers(workers).incremental(false).build().run();
  }

  static void unlimited(int n, int rounds) throws IOException {
    OkHttpClient client = AdapterConfig.defaultHttpClient(); // TCP_NODELAY; both sides use it
    ObjectMapper mapper = JsonMapper.builder().build();
    bareLoop(client, mapper, contacts("warm-bare", 5_000));
    engine(client, contacts("warm-engine", 5_000), 4);
    double[] bare = new double[rounds];
    double[] engine1 = new double[rounds];
    double[] engine4 = new double[rounds];
    double[] bareCpu = new double[rounds];
    double[] engine1Cpu = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      // alternate which goes first, so that neither always runs on a warmer or cooler machine
      if (round % 2 == 0) {
        long c = cpu();
        bare[round] = bareLoop(client, mapper, contacts("bare" + round + "-", n));
        bareCpu[round] = (cpu() - c) / 1e3 / n;
        c = cpu();
        engine1[round] = engine(client, contacts("engine1-" + round + "-", n), 1);
        engine1Cpu[round] = (cpu() - c) / 1e3 / n;
      } else {
        long c = cpu();
        engine1[round] = engine(client, contacts("engine1-" + round + "-", n), 1);
        engine1Cpu[round] = (cpu() - c) / 1e3 / n;
        c = cpu();
        bare[round] = bareLoop(client, mapper, contacts("bare" + round + "-", n));
        bareCpu[round] = (cpu() - c) / 1e3 / n;
      }
      engine4[round] = engine(client, contacts("engine4-" + round + "-", n), 4);
      System.gc();
    }
    double b = Benchmarks.median(bare);
    double e1 = Benchmarks.median(engine1);
    double e4 = Benchmarks.median(engine4);
    System.out.printf(Locale.ROOT, "unlimited: %d contacts, medians of %d rounds; bare OkHttp loop %.0f records/s; engine with "
        + "1 worker %.0f records/s (%.2fx), with 4 workers %.0f records/s (%.2fx)%n", n, rounds, b, e1, e1 / b, e4, e4 / b);
    System.out.printf(Locale.ROOT, "  rounds: bare %s, engine/1 %s, engine/4 %s; per-round ratio engine/1 to bare %s%n",
        Arrays.toString(round(bare)), Arrays.toString(round(engine1)), Arrays.toString(round(engine4)),
        Arrays.toString(ratios(engine1, bare)));
    System.out.printf(Locale.ROOT, "  best rounds: bare %.0f, engine/1 %.0f records/s (%.2fx); process CPU per record "
            + "(client and emulator): bare %.1f us, engine/1 %.1f us (medians; the loop costs %.2fx of the engine)%n",
        Arrays.stream(bare).max().orElse(0), Arrays.stream(engine1).max().orElse(0),
        Arrays.stream(engine1).max().orElse(0) / Arrays.stream(bare).max().orElse(1),
        Benchmarks.median(bareCpu), Benchmarks.median(engine1Cpu), Benchmarks.median(bareCpu) / Benchmarks.median(engine1Cpu));
  }

  static void limited(int n, int workers) {
    int perSecond = 10;
    try (SugarCrmEmulator emulator = SugarCrmEmulator.builder().rateLimit(perSecond, Duration.ofSeconds(1)).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(contacts("limited", n));
      List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
      OkHttpClient timed = AdapterConfig.defaultHttpClient().newBuilder().addInterceptor(chain -> {
        long t = System.nanoTime();
        try {
          return chain.proceed(chain.request());
        } finally {
          latencies.add((System.nanoTime() - t) / 1_000_000);
        }
      }).build();
      SugarCrmAdapter target = adapter(emulator, timed,
          Map.of("budgetRequests", Integer.toString(perSecond), "budgetWindow", "1s"));
      long start = System.nanoTime();
      SyncReport report = sync(source, target, workers);
      double seconds = (System.nanoTime() - start) / 1e9;
      long requests = emulator.requestCount() - tokenRequests(emulator);
      long refused = emulator.countByStatus(429);
      double rate = requests / seconds;
      List<Long> sorted = new ArrayList<>(latencies);
      java.util.Collections.sort(sorted);
      double mean = sorted.stream().mapToLong(Long::longValue).average().orElse(0);
      System.out.printf(Locale.ROOT, "limited, " + workers + " workers: %d contacts in %.1f s (%s); %d API requests = %.2f/s, %.1f%% of the allowed %d/s; "
              + "%d answered 429 (%.2f%%); %.0f records/s; request latency mean %.0f ms, p95 %d ms%n",
          report.written(), seconds, report.status(), requests, rate, 100 * rate / perSecond, perSecond, refused,
          requests == 0 ? 0 : 100.0 * refused / requests, report.written() / seconds, mean,
          sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.95)));
    }
  }

  /** This process's CPU time so far, in nanoseconds. */
  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long tokenRequests(SugarCrmEmulator emulator) {
    return emulator.requests().stream().filter(r -> r.path().contains("/oauth2/")).count();
  }

  private static long[] round(double[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i]);
    }
    return out;
  }

  private static String[] ratios(double[] a, double[] b) {
    String[] out = new String[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = String.format(Locale.ROOT, "%.2f", a[i] / b[i]);
    }
    return out;
  }

  private static double engine(OkHttpClient client, List<CrmRecord> records, int workers) {
    try (SugarCrmEmulator emulator = SugarCrmEmulator.create().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(records);
      SugarCrmAdapter target = adapter(emulator, client, Map.of());
      long start = System.nanoTime();
      SyncReport report = sync(source, target, workers);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (report.written() != records.size()) {
        throw new IllegalStateException("engine wrote " + report.written() + " of " + records.size() + ": " + report);
      }
      return records.size() / seconds;
    }
  }

  /** What a hand-written integration does: log in, then per batch find the existing contacts and write them in one bulk call. */
  private static double bareLoop(OkHttpClient client, ObjectMapper mapper, List<CrmRecord> records) throws IOException {
    try (SugarCrmEmulator emulator = SugarCrmEmulator.create().start()) {
      String api = emulator.url() + "/rest/v11_10";
      Map<String, String> settings = emulator.adapterSettings();
      long start = System.nanoTime();
      ObjectNode login = mapper.createObjectNode().put("grant_type", "password").put("client_id", "sugar")
          .put("client_secret", "").put("username", settings.get("username")).put("password", settings.get("password"))
          .put("platform", settings.get("platform"));
      String token = post(client, mapper, api + "/oauth2/token", null, login).path("access_token").asText();
      for (int from = 0; from < records.size(); from += 100) {
        List<CrmRecord> batch = records.subList(from, Math.min(records.size(), from + 100));
        ObjectNode filter = mapper.createObjectNode();
        ArrayNode in = filter.putArray("filter").addObject().putObject("email").putArray("$in");
        batch.forEach(r -> in.add(r.string("email")));
        filter.put("fields", "id,email").put("order_by", "id:ASC").put("max_num", 200).put("offset", 0);
        JsonNode existing = post(client, mapper, api + "/Contacts/filter", token, filter);
        if (existing.path("records").size() != 0) {
          throw new IllegalStateException("fresh emulator had records");
        }
        ObjectNode bulk = mapper.createObjectNode();
        ArrayNode requests = bulk.putArray("requests");
        for (CrmRecord r : batch) {
          ObjectNode data = mapper.createObjectNode();
          data.putArray("email").addObject().put("email_address", r.string("email")).put("primary_address", true);
          data.put("first_name", r.string("firstName"));
          data.put("last_name", r.string("lastName"));
          data.put("phone_work", r.string("phone"));
          requests.addObject().put("url", "/v11_10/Contacts").put("method", "POST").put("data", mapper.writeValueAsString(data));
        }
        JsonNode answers = post(client, mapper, api + "/bulk", token, bulk);
        if (answers.size() != batch.size()) {
          throw new IllegalStateException("bulk answered " + answers.size() + " results");
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (emulator.records("Contacts").size() != records.size()) {
        throw new IllegalStateException("bare loop lost records");
      }
      return records.size() / seconds;
    }
  }

  private static JsonNode post(OkHttpClient client, ObjectMapper mapper, String url, String token, JsonNode body)
      throws IOException {
    Request.Builder b = new Request.Builder().url(url).post(RequestBody.create(mapper.writeValueAsBytes(body), JSON));
    if (token != null) {
      b.header("OAuth-Token", token);
    }
    try (Response response = client.newCall(b.build()).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("HTTP " + response.code() + " from " + url);
      }
      return mapper.readTree(response.body().byteStream());
    }
  }
}

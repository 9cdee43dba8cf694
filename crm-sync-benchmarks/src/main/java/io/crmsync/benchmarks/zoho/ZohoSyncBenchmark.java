package io.crmsync.benchmarks.zoho;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.benchmarks.Benchmarks;
import io.crmsync.model.CrmRecord;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.zoho.ZohoEmulator;
import io.crmsync.zoho.ZohoAdapter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * End-to-end throughput of syncing contacts into the Zoho CRM emulator with {@link CRMSync}.
 *
 * <ul>
 *   <li>{@code unlimited}: 50,000 contacts, FakeCrm to the emulator, by a bare OkHttp loop sending the same
 *       upsert requests (100 records each, {@code duplicate_check_fields: ["Email"]}) one after the other, and by
 *       the engine with 1 worker (the like-for-like overhead) and with 4, each into a fresh emulator, in five
 *       interleaved rounds; reports the median rates and the engine's ratios to the loop.
 *   <li>{@code limited}: the emulator with Zoho's limits on, a Standard edition's concurrency (10) and its API
 *       credits scaled from 24 hours to a rolling second (60 credits per second; an upsert of 100 records costs
 *       10, so 600 records per second are allowed), each request taking 5 ms; 20,000 contacts synced with the
 *       adapter's credit budget set to the same. Reports the record rate as a share of the allowed one and the
 *       share of requests answered 429.
 * </ul>
 *
 * <p>Run with {@code mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests} then {@code java -Xmx2g -cp
 * crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.zoho.ZohoSyncBenchmark [unlimited|limited|all]
 * [contacts]}.
 */
public final class ZohoSyncBenchmark {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final int ROUNDS = 5;

  private ZohoSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "all";
    if (which.equals("unlimited") || which.equals("all")) {
      unlimited(args.length > 1 && !which.equals("all") ? Integer.parseInt(args[1]) : 50_000);
    }
    if (which.equals("limited") || which.equals("all")) {
      limited(args.length > 1 && !which.equals("all") ? Integer.parseInt(args[1]) : 20_000);
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (CrmRecord r : Benchmarks.contacts(n)) {
      Map<String, Object> f = new LinkedHashMap<>(r.fields());
      f.put("email", prefix + f.get("email"));
      f.remove("company"); // a contact's company is its account in Zoho: not written
      out.add(r.withFields(f));
    }
    return out;
  }

  private static ZohoAdapter adapter(ZohoEmulator emulator, OkHttpClient client, Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    s.putAll(extra);
    return ZohoAdapter.create(AdapterConfig.builder("zoho").settings(s).httpClient(client).build());
  }

  private static SyncReport sync(FakeCrm source, ZohoAdapter target, int workers) {
    return CRMSync.builder().source(source).target(target).workers(workers).incremental(false).build().run();
  }

  static void unlimited(int n) throws IOException {
    OkHttpClient client = AdapterConfig.builder("zoho").build().httpClient(); // the shared client (TCP_NODELAY)
    ObjectMapper mapper = JsonMapper.builder().build();
    bareLoop(client, mapper, contacts("warm-bare-", 5_000));
    engine(client, contacts("warm-engine-", 5_000), 4);
    double[] bare = new double[ROUNDS];
    double[] engine1 = new double[ROUNDS];
    double[] engine4 = new double[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
      bare[round] = bareLoop(client, mapper, contacts("bare" + round + "-", n));
      engine1[round] = engine(client, contacts("engine1-" + round + "-", n), 1);
      engine4[round] = engine(client, contacts("engine4-" + round + "-", n), 4);
      System.gc();
    }
    double b = Benchmarks.median(bare);
    double e1 = Benchmarks.median(engine1);
    double e4 = Benchmarks.median(engine4);
    System.out.printf(Locale.ROOT, "unlimited: %d contacts, medians of %d rounds; bare OkHttp loop (1 thread) %.0f records/s; "
        + "engine with 1 worker %.0f records/s (%.2fx), with 4 workers %.0f records/s (%.2fx)%n", n, ROUNDS, b, e1, e1 / b, e4,
        e4 / b);
    double[] ratios = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      ratios[i] = Math.round(100 * engine1[i] / bare[i]) / 100.0;
    }
    System.out.printf(Locale.ROOT, "  rounds: bare %s, engine/1 %s, engine/4 %s; engine/1 to bare per round %s%n",
        Arrays.toString(round(bare)), Arrays.toString(round(engine1)), Arrays.toString(round(engine4)),
        Arrays.toString(ratios));
  }

  private static long[] round(double[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i]);
    }
    return out;
  }

  private static double engine(OkHttpClient client, List<CrmRecord> records, int workers) {
    try (ZohoEmulator emulator = ZohoEmulator.builder().requestLogSize(1_000).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(records);
      SyncReport report = sync(source, adapter(emulator, client, Map.of("edition", "ultimate")), workers);
      if (report.written() != records.size()) {
        throw new IllegalStateException("engine wrote " + report.written() + " of " + records.size() + ": " + report);
      }
      return report.written() / (report.duration().toNanos() / 1e9);
    }
  }

  /** What a hand-written integration does: get a token, then build each upsert body and POST it, one after another. */
  private static double bareLoop(OkHttpClient client, ObjectMapper mapper, List<CrmRecord> records) throws IOException {
    try (ZohoEmulator emulator = ZohoEmulator.builder().requestLogSize(1_000).build().start()) {
      long start = System.nanoTime();
      Request tokenRequest = new Request.Builder().url(emulator.accountsUrl() + "/oauth/v2/token")
          .post(new FormBody.Builder().add("grant_type", "refresh_token").add("client_id", emulator.clientId())
              .add("client_secret", emulator.clientSecret()).add("refresh_token", emulator.refreshToken()).build())
          .build();
      JsonNode token;
      try (Response response = client.newCall(tokenRequest).execute()) {
        token = mapper.readTree(response.body().byteStream());
      }
      String url = token.path("api_domain").asText() + "/crm/v8/Contacts/upsert";
      String auth = "Zoho-oauthtoken " + token.path("access_token").asText();
      for (int from = 0; from < records.size(); from += 100) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode data = body.putArray("data");
        for (CrmRecord r : records.subList(from, Math.min(records.size(), from + 100))) {
          ObjectNode o = data.addObject();
          o.put("Email", r.string("email"));
          o.put("First_Name", r.string("firstName"));
          o.put("Last_Name", r.string("lastName"));
          o.put("Phone", r.string("phone"));
        }
        body.putArray("duplicate_check_fields").add("Email");
        Request request = new Request.Builder().url(url).header("Authorization", auth)
            .post(RequestBody.create(mapper.writeValueAsBytes(body), JSON)).build();
        try (Response response = client.newCall(request).execute()) {
          if (!response.isSuccessful()) {
            throw new IOException("HTTP " + response.code());
          }
          mapper.readTree(response.body().byteStream());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (emulator.records("Contacts").size() != records.size()) {
        throw new IllegalStateException("bare loop lost records");
      }
      return records.size() / seconds;
    }
  }

  static void limited(int n) {
    int creditsPerSecond = 60;
    int concurrency = 10;
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    OkHttpClient client = AdapterConfig.builder("zoho").build().httpClient().newBuilder()
        .addInterceptor(chain -> {
          long start = System.nanoTime();
          try {
            return chain.proceed(chain.request());
          } finally {
            latencies.add((System.nanoTime() - start) / 1_000_000);
          }
        })
        .build();
    try (ZohoEmulator emulator = ZohoEmulator.builder().concurrency(concurrency).latency(Duration.ofMillis(5))
        .credits(creditsPerSecond, Duration.ofSeconds(1)).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(contacts("limited-", n));
      ZohoAdapter target = adapter(emulator, client, Map.of("concurrency", Integer.toString(concurrency),
          "creditBudget", Integer.toString(creditsPerSecond), "creditWindow", "1s"));
      SyncReport report = sync(source, target, 4);
      long requests = emulator.requestCount();
      long limited = emulator.countByStatus(429);
      double seconds = report.duration().toNanos() / 1e9;
      double rate = report.written() / seconds;
      double allowed = creditsPerSecond * 10.0; // 10 records per credit
      List<Long> sorted = new ArrayList<>(latencies);
      java.util.Collections.sort(sorted);
      double mean = sorted.stream().mapToLong(Long::longValue).average().orElse(0);
      long p95 = sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.95));
      System.out.printf(Locale.ROOT,
          "limited: %d contacts in %.1f s = %.0f records/s, %.1f%% of the allowed %.0f/s (%d credits per second, "
              + "concurrency %d); %d requests, %d answered 429 (%.2f%%), %d credits used, most requests at once %d; "
              + "request latency mean %.0f ms, p95 %d ms; %s%n",
          report.written(), seconds, rate, 100 * rate / allowed, allowed, creditsPerSecond, concurrency, requests, limited,
          requests == 0 ? 0 : 100.0 * limited / requests, emulator.creditsUsed(), emulator.maxConcurrentRequests(),
          mean, p95, report.status());
    }
  }
}

package io.crmsync.benchmarks.hubspot;

import io.crmsync.benchmarks.Benchmarks;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
 * End-to-end throughput of syncing contacts into the HubSpot emulator with {@link CRMSync}.
 *
 * <ul>
 *   <li>{@code limited}: the emulator allows 10 requests per second (HubSpot-style 429s beyond); 20,000
 *       contacts are synced with the adapter's budget set to the same limit. Reports the record rate as a
 *       share of the allowed one (10 requests x 100 records per second) and the share of requests
 *       answered 429.
 *   <li>{@code paced}: the emulator keeps a Starter account's documented limits (100 requests per 10 s for a
 *       private app); 20,000 contacts are synced by the engine with 4 workers and the adapter's settings
 *       unchanged (a budget of 190 per 10 s), in three rounds. Reports the 429 share, the requests per 10,000
 *       records, anything HubSpot would have refused, and the rate reached: a rolling limit of 100 per 10 s lets
 *       the j-th request arrive 10 s after the (j - 100)-th at the earliest, so the mean wait beyond that, w,
 *       gives {@code 10 s / (10 s + w)} of the allowed rate, whatever the first window's burst.
 *   <li>{@code unlimited}: 100,000 contacts, FakeCrm to the emulator, by a bare OkHttp loop sending the
 *       same batch-upsert requests one after the other, and by the engine with 1 worker (the like-for-like
 *       overhead) and with 4, in the same process, each into a fresh emulator, in five interleaved
 *       rounds; reports the median rates and the engine's ratios to the loop.
 * </ul>
 *
 * <p>Run with {@code mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests} then {@code java -Xmx2g -cp
 * crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.hubspot.HubSpotSyncBenchmark
 * [limited|paced|unlimited|all] [contacts] [rounds of paced]}.
 */
public final class HubSpotSyncBenchmark {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final int ROUNDS = 5;

  private HubSpotSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "all";
    if (which.equals("limited") || which.equals("all")) {
      limited(args.length > 1 ? Integer.parseInt(args[1]) : 20_000);
    }
    if (which.equals("paced") || which.equals("all")) {
      int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
      for (int round = 1; round <= rounds; round++) {
        paced(args.length > 1 && !which.equals("all") ? Integer.parseInt(args[1]) : 20_000, round);
      }
    }
    if (which.equals("unlimited") || which.equals("all")) {
      unlimited(args.length > 1 && !which.equals("all") ? Integer.parseInt(args[1]) : 100_000);
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("email", prefix + i + "@example.com");
      f.put("firstName", "First" + i);
      f.put("lastName", "Last" + (i % 997));
      f.put("company", "Company " + (i % 113));
      f.put("city", "City " + (i % 31));
      out.add(CrmRecord.of(ObjectTypes.CONTACT, f));
    }
    return out;
  }

  private static HubSpotAdapter adapter(HubSpotEmulator emulator, OkHttpClient client, Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    s.putAll(extra);
    return HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(s).httpClient(client).build());
  }

  private static SyncReport sync(CRMAdapter source, CRMAdapter target, int workers) {
    return CRMSync.builder().source(source).target(target).workers(workers).incremental(false).build().run();
  }

  static void limited(int n) {
    int perSecond = 10;
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    OkHttpClient client = AdapterConfig.defaultHttpClient().newBuilder()
        .addInterceptor(chain -> {
          long start = System.nanoTime();
          try {
            return chain.proceed(chain.request());
          } finally {
            latencies.add((System.nanoTime() - start) / 1_000_000);
          }
        })
        .build();
    try (HubSpotEmulator emulator = HubSpotEmulator.builder().rateLimit(perSecond, Duration.ofSeconds(1)).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(contacts("limited", n));
      HubSpotAdapter target = adapter(emulator, client, Map.of("budgetRequests", Integer.toString(perSecond), "budgetWindow", "1s"));
      SyncReport report = sync(source, target, 4);
      long requests = emulator.requestCount();
      long limited = emulator.countByStatus(429);
      double seconds = report.duration().toNanos() / 1e9;
      double rate = report.written() / seconds;
      double allowed = perSecond * 100.0;
      List<Long> sorted = new ArrayList<>(latencies);
      java.util.Collections.sort(sorted);
      double mean = sorted.stream().mapToLong(Long::longValue).average().orElse(0);
      long p95 = sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.95));
      System.out.printf(Locale.ROOT,
          "limited: %d contacts in %.1f s = %.0f records/s, %.1f%% of the allowed %.0f/s; %d requests, %d answered 429 (%.2f%%); "
              + "request latency mean %.0f ms, p95 %d ms; %s%n",
          report.written(), seconds, rate, 100 * rate / allowed, allowed, requests, limited,
          requests == 0 ? 0 : 100.0 * limited / requests, mean, p95, report.status());
    }
  }

  static void paced(int n, int round) {
    try (HubSpotEmulator emulator = HubSpotEmulator.builder().plan(HubSpotEmulator.Plan.STARTER).build().start()) {
      HubSpotEmulator.RateLimits limits = emulator.rateLimits(HubSpotEmulator.AppType.PRIVATE_APP);
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(contacts("paced" + round + "-", n));
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      OkHttpClient client = AdapterConfig.defaultHttpClient().newBuilder()
          .addInterceptor(chain -> {
            long start = System.nanoTime();
            try {
              return chain.proceed(chain.request());
            } finally {
              latencies.add((System.nanoTime() - start) / 1_000_000);
            }
          })
          .build();
      HubSpotAdapter target = adapter(emulator, client, Map.of()); // budget setting: 190 per 10 s
      SyncReport report = sync(source, target, 4);
      long requests = emulator.apiRequestCount();
      long limited = emulator.rateLimited().values().stream().mapToLong(Long::longValue).sum();
      double seconds = report.duration().toNanos() / 1e9;
      // A rolling limit of L per window W lets request j go no earlier than W after request j - L arrived. How much
      // later than that each request arrives, on average, is what pacing (and the client's own speed) costs: the
      // rate reached is W / (W + that wait) of the allowed one, whatever the first window's burst.
      List<Instant> times = emulator.requests().stream()
          .filter(r -> r.path().startsWith("/crm/") && r.status() != 429) // what the window counted
          .map(HubSpotEmulator.RequestLog::at).sorted().toList();
      int l = limits.perWindow();
      double waits = 0;
      for (int j = l; j < times.size(); j++) {
        waits += Duration.between(times.get(j - l).plus(limits.window()), times.get(j)).toNanos() / 1e9;
      }
      double meanWait = times.size() > l ? waits / (times.size() - l) : 0;
      double window = limits.window().toNanos() / 1e9;
      double reached = times.size() > l ? window / (window + meanWait) : 0;
      double allowed = l / window;
      System.out.printf(Locale.ROOT,
          "paced round %d: %d contacts into an account allowing %d per %d s (budget setting %s) in %.1f s; "
              + "%d requests, %d answered 429 (%.2f%%), %.1f per 10,000 records; most in any %d s: %d; "
              + "each request %.0f ms after the limit allowed it = %.1f%% of the allowed %.0f requests/s; "
              + "request latency mean %.0f ms; refused: %s; %s%n",
          round, report.written(), limits.perWindow(), limits.window().toSeconds(), target.capabilities().budget(),
          seconds, requests, limited, 100.0 * emulator.rateLimitedShare(),
          10_000.0 * requests / Math.max(1, report.written()), limits.window().toSeconds(),
          emulator.maxRequestsInAnyWindow(limits.window()), 1_000 * meanWait, 100 * reached, allowed,
          latencies.stream().mapToLong(Long::longValue).average().orElse(0), emulator.refusals(), report.status());
    }
  }

  static void unlimited(int n) throws IOException {
    // the shared client (TCP_NODELAY on its sockets); the loop and the engine both use it
    OkHttpClient client = AdapterConfig.defaultHttpClient();
    ObjectMapper mapper = JsonMapper.builder().build();
    // warm both paths up on a small set so the JIT does not favour whichever runs second
    bareLoop(client, mapper, contacts("warm-bare", 5_000));
    engine(client, contacts("warm-engine", 5_000), 4);

    // interleaved rounds, medians reported: a shared machine's load shifts between runs
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
    System.out.printf(Locale.ROOT, "  rounds: bare %s, engine/1 %s, engine/4 %s%n", java.util.Arrays.toString(round(bare)),
        java.util.Arrays.toString(round(engine1)), java.util.Arrays.toString(round(engine4)));
  }

  private static long[] round(double[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i]);
    }
    return out;
  }

  private static double engine(OkHttpClient client, List<CrmRecord> records, int workers) {
    try (HubSpotEmulator emulator = HubSpotEmulator.create().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(records);
      HubSpotAdapter target = adapter(emulator, client, Map.of("budgetRequests", "1000000", "budgetWindow", "1s"));
      SyncReport report = sync(source, target, workers);
      if (report.written() != records.size()) {
        throw new IllegalStateException("engine wrote " + report.written() + " of " + records.size() + ": " + report);
      }
      return report.written() / (report.duration().toNanos() / 1e9);
    }
  }

  /** What a hand-written integration does: build each batch-upsert body and POST it, one after another. */
  private static double bareLoop(OkHttpClient client, ObjectMapper mapper, List<CrmRecord> records) throws IOException {
    try (HubSpotEmulator emulator = HubSpotEmulator.create().start()) {
      String url = emulator.url() + "/crm/v3/objects/contacts/batch/upsert";
      String auth = "Bearer " + emulator.privateAppToken();
      long start = System.nanoTime();
      for (int from = 0; from < records.size(); from += 100) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode inputs = body.putArray("inputs");
        int index = 0;
        for (CrmRecord r : records.subList(from, Math.min(records.size(), from + 100))) {
          ObjectNode in = inputs.addObject();
          in.put("idProperty", "email");
          in.put("id", r.string("email"));
          in.put("objectWriteTraceId", Integer.toString(index++));
          ObjectNode p = in.putObject("properties");
          p.put("email", r.string("email"));
          p.put("firstname", r.string("firstName"));
          p.put("lastname", r.string("lastName"));
          p.put("company", r.string("company"));
          p.put("city", r.string("city"));
        }
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
      if (emulator.records("contacts").size() != records.size()) {
        throw new IllegalStateException("bare loop lost records");
      }
      return records.size() / seconds;
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}

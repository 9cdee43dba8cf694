package io.crmsync.benchmarks.pipedrive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.benchmarks.Benchmarks;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.pipedrive.PipedriveAdapter;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * End-to-end throughput of syncing contacts into the Pipedrive emulator with {@link CRMSync}.
 *
 * <ul>
 *   <li>{@code unlimited}: 50,000 contacts, FakeCrm to the emulator, by a bare OkHttp loop sending the same
 *       requests one after the other (for each contact an exact-match search by email, then a create), and
 *       by the engine: one worker with one write at a time (like for like), and the defaults (two workers,
 *       eight concurrent writes per batch); each into a fresh emulator, in interleaved rounds; reports the
 *       medians and the engine's ratios to the loop.
 *   <li>{@code limited}: the emulator keeps the Lite plan's limits (20 requests per 2 seconds, 10 searches
 *       per 2 seconds, 30,000 tokens a day) and the adapter runs with its defaults, learning the limits from
 *       the answers. A new contact costs a search and a create, so the allowed rate is 5 contacts a second
 *       (both limits bind there); reports the rate reached as a share of it and the share of requests
 *       answered 429.
 * </ul>
 *
 * <p>Run with {@code mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests} then {@code java -Xmx2g -cp
 * crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.pipedrive.PipedriveSyncBenchmark
 * [limited|unlimited|all] [contacts] [rounds]}.
 */
public final class PipedriveSyncBenchmark {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private PipedriveSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "all";
    boolean one = !which.equals("all");
    if (which.equals("limited") || which.equals("all")) {
      limited(one && args.length > 1 ? Integer.parseInt(args[1]) : 300);
    }
    if (which.equals("unlimited") || which.equals("all")) {
      unlimited(one && args.length > 1 ? Integer.parseInt(args[1]) : 50_000, args.length > 2 ? Integer.parseInt(args[2]) : 3);
    }
  }

  private static List<CrmRecord> contacts(String prefix, int n) {
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("email", prefix + i + "@example.com");
      f.put("firstName", "First" + i);
      f.put("lastName", "Last" + (i % 997));
      out.add(CrmRecord.of(ObjectTypes.CONTACT, f));
    }
    return out;
  }

  private static PipedriveAdapter adapter(PipedriveEmulator emulator, OkHttpClient client, Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    s.putAll(extra);
    return PipedriveAdapter.create(AdapterConfig.builder("pipedrive").settings(s).httpClient(client).build());
  }

  static void limited(int n) {
    OkHttpClient client = AdapterConfig.defaultHttpClient();
    PipedriveEmulator.Plan plan = PipedriveEmulator.Plan.LITE;
    try (PipedriveEmulator emulator = PipedriveEmulator.builder().plan(plan, 1).build().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(contacts("limited", n));
      PipedriveAdapter target = adapter(emulator, client, Map.of());
      SyncReport report = CRMSync.builder().source(source).target(target).workers(2).incremental(false).build().run();
      long requests = emulator.requestCount();
      long limited = emulator.countByStatus(429);
      double seconds = report.duration().toNanos() / 1e9;
      double rate = report.written() / seconds;
      // a new contact is one search and one create: the burst allows 20/2 requests a second, search 10/2
      double allowed = Math.min(plan.apiTokenBurst() / 2.0 / 2.0, PipedriveEmulator.SEARCH_BURST / 2.0);
      System.out.printf(Locale.ROOT,
          "limited (%s plan): %d contacts in %.1f s = %.2f contacts/s, %.1f%% of the allowed %.1f/s; %d requests, "
              + "%d answered 429 (%.2f%%), %d refused in all; %d tokens spent (%.1f a contact); %s%n",
          plan, report.written(), seconds, rate, 100 * rate / allowed, allowed, requests, limited,
          requests == 0 ? 0 : 100.0 * limited / requests, emulator.refusedCount(), emulator.tokensSpent(),
          emulator.tokensSpent() / (double) Math.max(1, report.written()), report.status());
    }
  }

  static void unlimited(int n, int rounds) throws IOException {
    OkHttpClient client = AdapterConfig.defaultHttpClient();
    ObjectMapper mapper = JsonMapper.builder().build();
    // warm every path up so the JIT does not favour whichever runs second
    bareLoop(client, mapper, contacts("warm-bare", 3_000));
    engine(client, contacts("warm-engine1-", 3_000), 1, 1);
    engine(client, contacts("warm-engine-", 3_000), 2, 8);

    double[] bare = new double[rounds];
    double[] engineOne = new double[rounds];
    double[] engineDefault = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      bare[round] = bareLoop(client, mapper, contacts("bare" + round + "-", n));
      engineOne[round] = engine(client, contacts("one" + round + "-", n), 1, 1);
      engineDefault[round] = engine(client, contacts("default" + round + "-", n), 2, 8);
      System.gc();
    }
    double b = Benchmarks.median(bare);
    double e1 = Benchmarks.median(engineOne);
    double ed = Benchmarks.median(engineDefault);
    System.out.printf(Locale.ROOT, "unlimited: %d contacts, medians of %d rounds; bare OkHttp loop (1 thread, search then "
        + "create) %.0f contacts/s; engine with 1 worker writing 1 at a time %.0f contacts/s (%.2fx); engine with its "
        + "defaults (2 workers, 8 writes at a time) %.0f contacts/s (%.2fx)%n", n, rounds, b, e1, e1 / b, ed, ed / b);
    System.out.printf(Locale.ROOT, "  rounds: bare %s, engine/1x1 %s, engine/default %s%n", Arrays.toString(round(bare)),
        Arrays.toString(round(engineOne)), Arrays.toString(round(engineDefault)));
  }

  private static long[] round(double[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i]);
    }
    return out;
  }

  private static double engine(OkHttpClient client, List<CrmRecord> records, int workers, int writeConcurrency) {
    try (PipedriveEmulator emulator = PipedriveEmulator.create().start()) {
      FakeCrm source = FakeCrm.builder().id("app").logRequests(false).build();
      source.seed(records);
      try (PipedriveAdapter target = adapter(emulator, client, Map.of("burstLimit", "1000000", "searchBurstLimit", "0",
          "writeConcurrency", Integer.toString(writeConcurrency)))) {
        SyncReport report = CRMSync.builder().source(source).target(target).workers(workers).incremental(false).build().run();
        if (report.written() != records.size() || emulator.records("persons").size() != records.size()) {
          throw new IllegalStateException("engine wrote " + report.written() + " of " + records.size() + ": " + report);
        }
        return report.written() / (report.duration().toNanos() / 1e9);
      }
    }
  }

  /** What a hand-written integration does: for each contact, search it by email, and create it if not found. */
  private static double bareLoop(OkHttpClient client, ObjectMapper mapper, List<CrmRecord> records) throws IOException {
    try (PipedriveEmulator emulator = PipedriveEmulator.create().start()) {
      HttpUrl search = HttpUrl.get(emulator.url() + "/api/v2/persons/search");
      String persons = emulator.url() + "/api/v2/persons";
      String token = emulator.apiToken();
      long start = System.nanoTime();
      for (CrmRecord r : records) {
        String email = r.string("email");
        HttpUrl url = search.newBuilder().addQueryParameter("term", email).addQueryParameter("fields", "email")
            .addQueryParameter("exact_match", "true").addQueryParameter("limit", "100").build();
        JsonNode found;
        try (Response response = client.newCall(new Request.Builder().url(url).header("x-api-token", token).build()).execute()) {
          if (!response.isSuccessful()) {
            throw new IOException("HTTP " + response.code());
          }
          found = mapper.readTree(response.body().byteStream());
        }
        if (!found.path("data").path("items").isEmpty()) {
          continue;
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("name", r.string("firstName") + " " + r.string("lastName"));
        body.putArray("emails").addObject().put("value", email).put("primary", true).put("label", "work");
        Request create = new Request.Builder().url(persons).header("x-api-token", token)
            .post(RequestBody.create(mapper.writeValueAsBytes(body), JSON)).build();
        try (Response response = client.newCall(create).execute()) {
          if (!response.isSuccessful()) {
            throw new IOException("HTTP " + response.code());
          }
          mapper.readTree(response.body().byteStream());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (emulator.records("persons").size() != records.size()) {
        throw new IllegalStateException("bare loop lost records");
      }
      return records.size() / seconds;
    }
  }
}

package io.crmsync.benchmarks.gateway;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.backend.SyncBackend;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.gateway.Change;
import io.crmsync.gateway.CrmGateway;
import io.crmsync.gateway.Target;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.jdbc.PostgresSync;
import io.crmsync.model.CrmRecord;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Changes through {@link CrmGateway} into three CRMs' emulators on loopback (HubSpot, Salesforce, Dynamics 365), beside
 * the same records written by direct adapter calls in the same run:
 *
 * <ol>
 *   <li><b>direct</b>: each target's adapter upserts the records in batches of its largest size, one target after
 *       the other; records per second (a record counts once for its three targets);
 *   <li><b>gateway</b>: the records submitted one {@code submit} call each on one thread while the gateway's
 *       workers deliver, until every target has every one; records per second from the first submit to the last
 *       delivery, and the latency of {@code submit} (p50, p99), on the in-memory backend and on PostgreSQL
 *       (embedded, fsync and synchronous commit off, so a durable server's flush is not in the figures).
 * </ol>
 *
 * <p>Each figure is the median of {@code runs} timed runs after one warm-up, each with new records.
 *
 * <pre>
 * mvn -B -q -pl crm-sync-benchmarks -am package -DskipTests
 * java -cp crm-sync-benchmarks/target/benchmarks.jar io.crmsync.benchmarks.gateway.GatewayBenchmark \
 *     [records=2000] [runs=5]
 * </pre>
 */
public final class GatewayBenchmark {
  private final HubSpotEmulator hs;
  private final SalesforceEmulator sf;
  private final DataverseEmulator dv;
  private final List<CRMAdapter> adapters;
  private int run;

  private GatewayBenchmark() {
    // the benchmark measures the gateway, not the accounts' limits: the largest HubSpot plan, Dataverse's service
    // protection off; contacts keyed by email (an alternate key), so an upsert is one PATCH per record
    hs = HubSpotEmulator.builder().plan(HubSpotEmulator.Plan.ENTERPRISE).build().start();
    sf = SalesforceEmulator.builder().build().start();
    dv = DataverseEmulator.builder().noServiceProtection().alternateKey("contact", "emailaddress1").build().start();
    adapters = List.of(
        HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(hs.adapterSettings()).build()),
        SalesforceAdapter.create(AdapterConfig.builder("salesforce")
            .settings(Map.of("loginUrl", sf.url(), "clientId", "emulator", "clientSecret", "emulator")).build()),
        DynamicsAdapter.create(AdapterConfig.builder(DynamicsAdapter.ID).settings(dv.adapterSettings()).build()));
  }

  public static void main(String[] args) throws Exception {
    int records = 2000;
    int runs = 5;
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "records" -> records = Integer.parseInt(kv[1]);
        case "runs" -> runs = Integer.parseInt(kv[1]);
        default -> throw new IllegalArgumentException("unknown argument " + a + "; known: records, runs");
      }
    }
    GatewayBenchmark b = new GatewayBenchmark();
    try (EmbeddedPostgres server = EmbeddedPostgres.builder().start()) {
      HikariConfig config = new HikariConfig();
      config.setDataSource(server.getPostgresDatabase());
      config.setMaximumPoolSize(8);
      try (HikariDataSource pool = new HikariDataSource(config)) {
        double[] direct = new double[runs];
        double[] memory = new double[runs];
        double[] postgres = new double[runs];
        double[][] memoryLatency = new double[runs][];
        double[][] pgLatency = new double[runs][];
        for (int r = -1; r < runs; r++) {
          double d = b.direct(records);
          Result m = b.gateway(records, SyncBackend.inMemory(TimeSource.system()));
          PostgresSync pg = PostgresSync.builder().dataSource(pool).schema("gw_bench_" + (r + 1)).build();
          Result p;
          try {
            p = b.gateway(records, pg.backend());
          } finally {
            pg.close();
          }
          if (r >= 0) {
            direct[r] = d;
            memory[r] = m.perSecond;
            postgres[r] = p.perSecond;
            memoryLatency[r] = new double[] {m.p50Micros, m.p99Micros};
            pgLatency[r] = new double[] {p.p50Micros, p.p99Micros};
          }
          System.out.printf(Locale.ROOT, "%s: direct %.0f rec/s | gateway in-memory %.0f rec/s (submit p50 %.0f us, p99 "
              + "%.0f us) | gateway postgres %.0f rec/s (submit p50 %.0f us, p99 %.0f us)%n", r < 0 ? "warm-up" : "run "
              + (r + 1), d, m.perSecond, m.p50Micros, m.p99Micros, p.perSecond, p.p50Micros, p.p99Micros);
        }
        double dm = median(direct);
        double mm = median(memory);
        double pm = median(postgres);
        System.out.printf(Locale.ROOT, "%nmedians over %d runs of %d records into 3 targets:%n", runs, records);
        System.out.printf(Locale.ROOT, "  direct adapter calls     %8.0f records/s%n", dm);
        System.out.printf(Locale.ROOT, "  gateway, in memory       %8.0f records/s  (%.2fx direct)  submit p50 %.0f us, "
            + "p99 %.0f us%n", mm, mm / dm, median(column(memoryLatency, 0)), median(column(memoryLatency, 1)));
        System.out.printf(Locale.ROOT, "  gateway, PostgreSQL      %8.0f records/s  (%.2fx direct)  submit p50 %.0f us, "
            + "p99 %.0f us%n", pm, pm / dm, median(column(pgLatency, 0)), median(column(pgLatency, 1)));
      }
    } finally {
      b.adapters.forEach(CRMAdapter::close);
      b.hs.close();
      b.sf.close();
      b.dv.close();
    }
  }

  private record Result(double perSecond, double p50Micros, double p99Micros) {}

  private List<Map<String, Object>> records(int n) {
    int r = run++;
    List<Map<String, Object>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Map.of("email", "r" + r + "c" + i + "@example.com", "firstName", "First" + i, "lastName", "Last" + i,
          "title", "Engineer"));
    }
    return out;
  }

  private double direct(int n) {
    List<Map<String, Object>> recs = records(n);
    long start = System.nanoTime();
    for (CRMAdapter a : adapters) {
      int size = a.capabilities().maxBatchSize();
      for (int from = 0; from < n; from += size) {
        List<CrmRecord> batch = new ArrayList<>();
        for (Map<String, Object> f : recs.subList(from, Math.min(n, from + size))) {
          batch.add(CrmRecord.of("contact", f));
        }
        for (RecordResult r : a.upsert("contact", batch, MatchKey.email())) {
          if (!r.succeeded()) {
            throw new IllegalStateException(a.id() + " refused a record: " + r.error());
          }
        }
      }
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private Result gateway(int n, SyncBackend backend) throws InterruptedException {
    List<Map<String, Object>> recs = records(n);
    CrmGateway.Builder b = CrmGateway.builder().backend(backend);
    adapters.forEach(a -> b.target(Target.builder(a).build()));
    long[] latencies = new long[n];
    double perSecond;
    try (CrmGateway gateway = b.build().start()) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        gateway.submit(Change.upsert("contact", recs.get(i)));
        latencies[i] = System.nanoTime() - t;
      }
      while (gateway.targets().stream().anyMatch(t -> gateway.pending(t).unfinished() > 0)) {
        Thread.sleep(2);
      }
      perSecond = n / ((System.nanoTime() - start) / 1e9);
      for (String t : gateway.targets()) {
        if (gateway.pending(t).dead() > 0) {
          throw new IllegalStateException(t + " dead-lettered changes: " + gateway.deadLetters(t, 3));
        }
      }
    } finally {
      backend.close();
    }
    Arrays.sort(latencies);
    return new Result(perSecond, latencies[n / 2] / 1e3, latencies[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)] / 1e3);
  }

  private static double[] column(double[][] rows, int c) {
    double[] out = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = rows[i][c];
    }
    return out;
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}

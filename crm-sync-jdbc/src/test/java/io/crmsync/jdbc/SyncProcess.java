package io.crmsync.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A sync process for the multi-process tests, run in a child JVM on the system clock:
 *
 * <pre>
 * java -cp ... io.crmsync.jdbc.SyncProcess mode=sync|worker url=jdbc:postgresql://... schema=s \
 *     records=50000 workers=2 visibility=PT5S idleExit=PT3S pooled=true [stallAfter=100]
 * </pre>
 *
 * <p>{@code sync} reads a source of {@code records} generated contacts (the same ids and content in every
 * process) and writes them to the contacts table of the schema through the PostgreSQL queue and state;
 * {@code worker} only works on the queue's tasks. With {@code stallAfter}, the target's upserts block for
 * good after that many calls, so that the process holds leases when it is killed. Prints one {@code
 * REPORT key=value ...} line.
 */
public final class SyncProcess {
  static final String JOB = "crash-job";

  private SyncProcess() {}

  public static void main(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String url = a.get("url");
    String schema = a.get("schema");
    int workers = Integer.parseInt(a.getOrDefault("workers", "2"));
    boolean pooled = Boolean.parseBoolean(a.getOrDefault("pooled", "true"));

    PostgresSync pg;
    DataSource targetDs;
    if (pooled) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setUsername("postgres");
      config.setMaximumPoolSize(workers * 2 + 2);
      HikariDataSource ds = new HikariDataSource(config);
      pg = PostgresSync.builder().dataSource(ds).schema(schema).build();
      targetDs = ds;
    } else {
      // what the command line does: a plain data source from the URL
      pg = PostgresSync.fromJdbcUrl(url, Map.of("user", "postgres", "schema", schema));
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setURL(url);
      ds.setUser("postgres");
      targetDs = ds;
    }
    FakeCrm source = FakeCrm.builder().id("app").timeSource(new FakeTimeSource()).logRequests(false).build();
    if (a.get("mode").equals("sync")) {
      source.seed(SyncEngineContract.contacts(Integer.parseInt(a.get("records")), 0));
    }
    CRMSync sync = CRMSync.builder()
        .source(source)
        .target(new JdbcContactsTarget(targetDs, schema + ".contacts",
            Integer.parseInt(a.getOrDefault("stallAfter", Integer.toString(Integer.MAX_VALUE)))))
        .backend(pg.backend())
        .jobId(JOB)
        .workers(workers)
        .visibilityTimeout(Duration.parse(a.getOrDefault("visibility", "PT30S")))
        .build();
    SyncReport r = a.get("mode").equals("sync")
        ? sync.run()
        : sync.runWorker(Duration.parse(a.getOrDefault("idleExit", "PT3S")));
    System.out.println(report(r));
    pg.close();
    if (targetDs instanceof HikariDataSource h) {
      h.close();
    }
  }

  static String report(SyncReport r) {
    return String.format(Locale.ROOT, "REPORT status=%s read=%d recovered=%d created=%d updated=%d unchanged=%d "
            + "dead=%d remaining=%d balanced=%s millis=%d",
        r.status(), r.read(), r.recovered(), r.created(), r.updated(), r.unchanged(), r.deadLettered(), r.remaining(),
        r.balanced(), r.duration().toMillis());
  }
}

package io.crmsync.examples;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.micrometer.CrmSyncMetrics;
import io.crmsync.model.Contact;
import io.crmsync.sentry.SentryAlertSink;
import io.crmsync.testkit.FakeCrm;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/** The operating snippets of the READMEs: a sync with metrics in a Micrometer registry and alerts in Sentry. */
public final class OperatingExample {
  private OperatingExample() {}

  public static SyncReport instrumented(CRMAdapter app, CRMAdapter hubspot, MeterRegistry registry, String sentryDsn) {
    // README:operating:start
    CrmSyncMetrics metrics = CrmSyncMetrics.builder(registry).build();
    try (SentryAlertSink sentry = SentryAlertSink.builder().dsn(sentryDsn).environment("production").build()) {
      CRMSync sync = CRMSync.builder()
          .source(app)
          .target(hubspot)
          .listener(metrics)          // records, retries, rate limits, runs, checkpoint lag
          .alertSink(sentry)          // one Sentry issue per kind and cause, scrubbed
          .build();
      metrics.bind(sync);             // queue gauges, adapters' requests; close() removes the job's meters
      return sync.run();
    }
    // README:operating:end
  }

  public static void main(String[] args) {
    FakeCrm app = FakeCrm.builder().id("app").build();
    FakeCrm crm = FakeCrm.builder().id("crm").build();
    app.seed(List.of(Contact.builder().email("ada@example.com").firstName("Ada").build().toRecord("app")));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    System.out.println(instrumented(app, crm, registry, args.length > 0 ? args[0] : "http://key@127.0.0.1:9/1"));
    System.out.println(registry.getMetersAsString());
  }
}

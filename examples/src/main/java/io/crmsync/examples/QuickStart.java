package io.crmsync.examples;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.Contact;
import io.crmsync.testkit.FakeCrm;
import java.util.List;

/** The README's quick start: sync contacts from one CRM to another and read the report. */
public final class QuickStart {
  private QuickStart() {}

  public static SyncReport sync(CRMAdapter app, CRMAdapter crm) {
    // README:quickstart:start
    CRMSync sync = CRMSync.builder()
        .source(app)                  // any CRMAdapter: your app, HubSpot, Salesforce, ...
        .target(crm)
        .matchKey(MatchKey.email())   // upsert by email (or MatchKey.field("external_id__c"))
        .batchSize(100)
        .workers(4)
        .alertSink(alert -> System.err.println("ALERT " + alert.kind() + ": " + alert.message()))
        .build();

    SyncReport report = sync.run();   // reads, retries, rate-limits, dead-letters, checkpoints
    System.out.println(report);       // read=..., written=..., unchanged=..., deadLettered=...
    sync.deadLetters(10).forEach(d -> System.out.println(d.record().string("email") + ": " + d.message()));
    // README:quickstart:end
    return report;
  }

  public static void main(String[] args) {
    FakeCrm app = FakeCrm.builder().id("app").build();
    FakeCrm crm = FakeCrm.builder().id("crm").build();
    app.seed(List.of(
        Contact.builder().email("ada@example.com").firstName("Ada").lastName("Lovelace").build().toRecord("app"),
        Contact.builder().email("grace@example.com").firstName("Grace").lastName("Hopper").build().toRecord("app"),
        Contact.builder().email("not-an-email").firstName("Bad").lastName("Row").build().toRecord("app")));
    sync(app, crm);
  }
}

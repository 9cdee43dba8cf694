package io.crmsync.cli;

import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.io.PrintStream;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crm-sync emulate}: serves a CRM emulator on loopback until interrupted. */
@Command(
    name = "emulate",
    mixinStandardHelpOptions = true,
    description = {
      "Serves an in-memory emulator of a CRM's API on 127.0.0.1, for trying crm-sync (and your own code)",
      "without an account. Prints the settings that point an adapter at it. Stops on Ctrl-C."
    })
final class EmulateCommand implements Callable<Integer> {
  enum Crm {
    salesforce,
    hubspot,
    dynamics
  }

  @Parameters(index = "0", paramLabel = "CRM", description = "Which CRM: ${COMPLETION-CANDIDATES}.")
  Crm crm;

  @Option(names = "--contacts", defaultValue = "0",
      description = "Sample contacts to load into the emulator (default: ${DEFAULT-VALUE}).")
  int contacts;

  @Option(names = "--port", defaultValue = "0", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    try (AutoCloseable emulator = start(System.out)) {
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "crm-sync-emulate-stop"));
      stopped.await();
    }
    return 0;
  }

  private static String text(CrmRecord r, String field) {
    return java.util.Objects.requireNonNull(r.string(field), field);
  }

  /** Starts the emulator and prints how to use it; the caller closes it. */
  AutoCloseable start(PrintStream out) {
    switch (crm) {
      case salesforce -> {
        SalesforceEmulator e = SalesforceEmulator.builder().port(port).build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("Contact", Map.of("Email", text(r, Contact.Fields.EMAIL), "FirstName", text(r, Contact.Fields.FIRST_NAME),
              "LastName", text(r, Contact.Fields.LAST_NAME)));
        }
        out.printf(Locale.ROOT, "Salesforce emulator on %s%n", e.url());
        out.println("Point the salesforce adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_SALESFORCE_LOGIN_URL=%s%n", e.url());
        out.println("  export CRMSYNC_SALESFORCE_CLIENT_ID=emulator CRMSYNC_SALESFORCE_CLIENT_SECRET=emulator");
        return e::close;
      }
      case hubspot -> {
        HubSpotEmulator e = HubSpotEmulator.builder().port(port).privateAppToken("emulator").build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("contacts", Map.of("email", text(r, Contact.Fields.EMAIL), "firstname", text(r, Contact.Fields.FIRST_NAME),
              "lastname", text(r, Contact.Fields.LAST_NAME), "company", text(r, Contact.Fields.COMPANY)));
        }
        out.printf(Locale.ROOT, "HubSpot emulator on %s%n", e.url());
        out.println("Point the hubspot adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_HUBSPOT_BASE_URL=%s%n", e.url());
        out.println("  export CRMSYNC_HUBSPOT_TOKEN=emulator");
        return e::close;
      }
      case dynamics -> {
        DataverseEmulator e = DataverseEmulator.builder().port(port).clientSecret("emulator", "emulator")
            .alternateKey("contact", "emailaddress1").recycleBin("contact", true).build().start();
        Map<String, String> accounts = new java.util.HashMap<>();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          String account = accounts.computeIfAbsent(text(r, Contact.Fields.COMPANY), name -> e.insert("account", Map.of("name", name)));
          e.insert("contact", Map.of("emailaddress1", text(r, Contact.Fields.EMAIL), "firstname", text(r, Contact.Fields.FIRST_NAME),
              "lastname", text(r, Contact.Fields.LAST_NAME), "parentcustomerid_account@odata.bind", "/accounts(" + account + ")"));
        }
        Map<String, String> s = e.adapterSettings();
        out.printf(Locale.ROOT, "Dynamics 365 (Dataverse) emulator on %s%n", e.url());
        out.println("Point the dynamics adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_DYNAMICS_ORG_URL=%s%n", s.get("orgUrl"));
        out.printf(Locale.ROOT, "  export CRMSYNC_DYNAMICS_TENANT_ID=%s CRMSYNC_DYNAMICS_TOKEN_URL=%s%n", s.get("tenantId"),
            s.get("tokenUrl"));
        out.println("  export CRMSYNC_DYNAMICS_CLIENT_ID=emulator CRMSYNC_DYNAMICS_CLIENT_SECRET=emulator");
        out.println("Contacts have an alternate key on emailaddress1; deleted contacts stay in the recycle bin.");
        return e::close;
      }
      default -> throw new IllegalStateException("unknown CRM " + crm);
    }
  }
}

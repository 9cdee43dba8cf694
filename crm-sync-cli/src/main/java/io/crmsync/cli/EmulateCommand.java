package io.crmsync.cli;

import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.io.PrintStream;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
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
    sugarcrm,
    zoho,
    pipedrive,
    dynamics
  }

  @Parameters(index = "0", paramLabel = "CRM", description = "Which CRM: ${COMPLETION-CANDIDATES}.")
  Crm crm;

  @Option(names = "--contacts", defaultValue = "0",
      description = "Sample contacts to load into the emulator (default: ${DEFAULT-VALUE}).")
  int contacts;

  @Option(names = "--port", defaultValue = "0", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--plan", paramLabel = "PLAN",
      description = "HubSpot only: the account's subscription, whose documented rate limits the emulator keeps "
          + "(${COMPLETION-CANDIDATES}); no limits if not given.")
  HubSpotEmulator.@Nullable Plan plan;

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
        if (plan != null) {
          throw new IllegalArgumentException("--plan applies to the hubspot emulator only");
        }
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
        HubSpotEmulator.Builder b = HubSpotEmulator.builder().port(port).privateAppToken("emulator");
        if (plan != null) {
          b.plan(plan);
        }
        HubSpotEmulator e = b.build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("contacts", Map.of("email", text(r, Contact.Fields.EMAIL), "firstname", text(r, Contact.Fields.FIRST_NAME),
              "lastname", text(r, Contact.Fields.LAST_NAME), "company", text(r, Contact.Fields.COMPANY)));
        }
        out.printf(Locale.ROOT, "HubSpot emulator on %s%n", e.url());
        if (plan != null) {
          HubSpotEmulator.RateLimits limits = e.rateLimits(HubSpotEmulator.AppType.PRIVATE_APP);
          out.printf(Locale.ROOT, "Rate limits of a private app on %s: %d requests per %d s, %d a day%n", plan,
              limits.perWindow(), limits.window().toSeconds(), limits.daily());
        }
        out.println("Point the hubspot adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_HUBSPOT_BASE_URL=%s%n", e.url());
        out.println("  export CRMSYNC_HUBSPOT_TOKEN=emulator");
        return e::close;
      }
      case sugarcrm -> {
        SugarCrmEmulator e = SugarCrmEmulator.builder().port(port).user("admin", "emulator").build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("Contacts", Map.of("email", text(r, Contact.Fields.EMAIL), "first_name", text(r, Contact.Fields.FIRST_NAME),
              "last_name", text(r, Contact.Fields.LAST_NAME)));
        }
        out.printf(Locale.ROOT, "SugarCRM emulator on %s%n", e.url());
        out.println("Point the sugarcrm adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_SUGARCRM_BASE_URL=%s%n", e.url());
        out.println("  export CRMSYNC_SUGARCRM_USERNAME=admin CRMSYNC_SUGARCRM_PASSWORD=emulator CRMSYNC_SUGARCRM_PLATFORM=crmsync");
        return e::close;
      }
      case zoho -> {
        ZohoEmulator e = ZohoEmulator.builder().port(port).client("emulator", "emulator", "emulator").build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("Contacts", Map.of("Email", text(r, Contact.Fields.EMAIL), "First_Name", text(r, Contact.Fields.FIRST_NAME),
              "Last_Name", text(r, Contact.Fields.LAST_NAME)));
        }
        out.printf(Locale.ROOT, "Zoho CRM emulator on %s%n", e.apiUrl());
        out.printf(Locale.ROOT, "Its accounts server (OAuth tokens) is on %s%n", e.accountsUrl());
        out.println("Point the zoho adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_ZOHO_ACCOUNTS_URL=%s%n", e.accountsUrl());
        out.println("  export CRMSYNC_ZOHO_CLIENT_ID=emulator CRMSYNC_ZOHO_CLIENT_SECRET=emulator CRMSYNC_ZOHO_REFRESH_TOKEN=emulator");
        return e::close;
      }
      case pipedrive -> {
        PipedriveEmulator e = PipedriveEmulator.builder().port(port).apiToken("emulator").build().start();
        for (CrmRecord r : DemoCommand.generate(contacts, 0, 7)) {
          e.insert("persons", Map.of("name", text(r, Contact.Fields.FIRST_NAME) + " " + text(r, Contact.Fields.LAST_NAME),
              "emails", java.util.List.of(Map.of("value", text(r, Contact.Fields.EMAIL), "primary", true))));
        }
        out.printf(Locale.ROOT, "Pipedrive emulator on %s%n", e.url());
        out.println("Point the pipedrive adapter at it with:");
        out.printf(Locale.ROOT, "  export CRMSYNC_PIPEDRIVE_BASE_URL=%s%n", e.url());
        out.println("  export CRMSYNC_PIPEDRIVE_API_TOKEN=emulator");
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

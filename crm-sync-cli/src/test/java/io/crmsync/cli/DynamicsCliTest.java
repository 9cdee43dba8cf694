package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code crm-sync emulate dynamics}, and {@code crm-sync sync} with {@code dynamics} as the target and as the source,
 * found through ServiceLoader and configured from a properties file, end to end on loopback.
 */
class DynamicsCliTest {
  private static String printedSetting(String printed, String variable) {
    Matcher m = Pattern.compile(Pattern.quote(variable) + "=(\\S+)").matcher(printed);
    assertThat(m.find()).as(printed).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(ByteArrayOutputStream printed, String... args) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(args);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  private static String sync(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      exit = Main.run(args);
    } finally {
      System.setOut(stdout);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(report).isZero();
    return report;
  }

  @Test
  void contactsSyncFromHubSpotIntoDynamicsAndOnToSalesforce(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    ByteArrayOutputStream dynamicsOut = new ByteArrayOutputStream();
    ByteArrayOutputStream salesforceOut = new ByteArrayOutputStream();
    try (AutoCloseable hubspot = emulate(hubspotOut, "hubspot");
        AutoCloseable dynamics = emulate(dynamicsOut, "dynamics", "--contacts", "20");
        AutoCloseable salesforce = emulate(salesforceOut, "salesforce")) {
      String printed = dynamicsOut.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("Dynamics 365 (Dataverse) emulator on http://")
          .contains("CRMSYNC_DYNAMICS_CLIENT_ID=emulator CRMSYNC_DYNAMICS_CLIENT_SECRET=emulator");
      String hubspotUrl = printedSetting(hubspotOut.toString(StandardCharsets.UTF_8), "CRMSYNC_HUBSPOT_BASE_URL");
      try (HubSpotAdapter seed = HubSpotAdapter.create(AdapterConfig.fromMap("hubspot",
          Map.of("baseUrl", hubspotUrl, "token", "emulator")))) {
        List<CrmRecord> contacts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          contacts.add(CrmRecord.of(ObjectTypes.CONTACT,
              Map.of("email", "cli" + i + "@example.com", "firstName", "Cli", "lastName", "Contact" + i)));
        }
        assertThat(seed.upsert(ObjectTypes.CONTACT, contacts, MatchKey.email())).allMatch(RecordResult::succeeded);
      }

      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.hubspot.baseUrl=" + hubspotUrl,
          "crmsync.hubspot.token=emulator",
          "crmsync.dynamics.orgUrl=" + printedSetting(printed, "CRMSYNC_DYNAMICS_ORG_URL"),
          "crmsync.dynamics.tenantId=" + printedSetting(printed, "CRMSYNC_DYNAMICS_TENANT_ID"),
          "crmsync.dynamics.tokenUrl=" + printedSetting(printed, "CRMSYNC_DYNAMICS_TOKEN_URL"),
          "crmsync.dynamics.clientId=emulator",
          "crmsync.dynamics.clientSecret=emulator",
          "crmsync.salesforce.loginUrl=" + printedSetting(salesforceOut.toString(StandardCharsets.UTF_8),
              "CRMSYNC_SALESFORCE_LOGIN_URL"),
          "crmsync.salesforce.clientId=emulator",
          "crmsync.salesforce.clientSecret=emulator",
          ""));

      String into = sync("sync", "--source", "hubspot", "--target", "dynamics", "--config", config.toString(), "--no-progress");
      assertThat(into).contains("status=COMPLETED").contains("read=100").contains("created=100").doesNotContain("emulator@");

      String outOf = sync("sync", "--source", "dynamics", "--target", "salesforce", "--config", config.toString(), "--no-progress");
      assertThat(outOf).as("the 20 sample contacts and the 100 from HubSpot").contains("status=COMPLETED").contains("read=120")
          .contains("created=120");

      try (DynamicsAdapter check = DynamicsAdapter.create(AdapterConfig.fromProperties("dynamics", config))) {
        assertThat(check.lookup(ObjectTypes.CONTACT, MatchKey.email(), "cli7@example.com")).get()
            .satisfies(r -> assertThat(r.string("lastName")).isEqualTo("Contact7"));
      }
    }
  }
}

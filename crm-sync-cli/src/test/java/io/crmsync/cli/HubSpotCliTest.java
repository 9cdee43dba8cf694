package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
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

/** {@code crm-sync emulate hubspot} and {@code crm-sync sync --source hubspot}, end to end on loopback. */
class HubSpotCliTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static String url(String printed) {
    Matcher m = URL.matcher(printed);
    assertThat(m.find()).as(printed).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(String crm, ByteArrayOutputStream printed, String... options) {
    EmulateCommand command = new EmulateCommand();
    List<String> args = new ArrayList<>(List.of(crm));
    args.addAll(List.of(options));
    new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args.toArray(String[]::new));
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void theHubSpotEmulatorKeepsThePlansLimits() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (AutoCloseable hubspot = emulate("hubspot", printed, "--plan", "starter")) {
      String text = printed.toString(StandardCharsets.UTF_8);
      assertThat(text).contains("STARTER: 100 requests per 10 s, 250000 a day");
      okhttp3.Request request = new okhttp3.Request.Builder().url(url(text) + "/crm/v3/objects/contacts")
          .header("Authorization", "Bearer emulator").build();
      try (okhttp3.Response response = new okhttp3.OkHttpClient().newCall(request).execute()) {
        assertThat(response.code()).isEqualTo(200);
        assertThat(response.header("X-HubSpot-RateLimit-Max")).isEqualTo("100");
        assertThat(response.header("X-HubSpot-RateLimit-Daily")).isEqualTo("250000");
      }
    }
  }

  @Test
  void contactsSyncFromTheHubSpotEmulatorToTheSalesforceOne(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    ByteArrayOutputStream salesforceOut = new ByteArrayOutputStream();
    try (AutoCloseable hubspot = emulate("hubspot", hubspotOut);
        AutoCloseable salesforce = emulate("salesforce", salesforceOut)) {
      String printed = hubspotOut.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("CRMSYNC_HUBSPOT_BASE_URL=").contains("CRMSYNC_HUBSPOT_TOKEN=emulator");
      String hubspotUrl = url(printed);

      try (CRMAdapter seed = HubSpotAdapter.create(AdapterConfig.fromMap("hubspot",
          Map.of("baseUrl", hubspotUrl, "token", "emulator")))) {
        List<CrmRecord> contacts = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
          contacts.add(CrmRecord.of(ObjectTypes.CONTACT,
              Map.of("email", "cli" + i + "@example.com", "firstName", "Cli", "lastName", "Contact" + i)));
        }
        assertThat(seed.upsert(ObjectTypes.CONTACT, contacts.subList(0, 100), MatchKey.email())).allMatch(RecordResult::succeeded);
        assertThat(seed.upsert(ObjectTypes.CONTACT, contacts.subList(100, 150), MatchKey.email())).allMatch(RecordResult::succeeded);
      }

      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.hubspot.baseUrl=" + hubspotUrl,
          "crmsync.hubspot.token=emulator",
          "crmsync.salesforce.loginUrl=" + url(salesforceOut.toString(StandardCharsets.UTF_8)),
          "crmsync.salesforce.clientId=emulator",
          "crmsync.salesforce.clientSecret=emulator",
          ""));
      PrintStream stdout = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit;
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        exit = Main.run("sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(),
            "--no-progress");
      } finally {
        System.setOut(stdout);
      }
      String report = out.toString(StandardCharsets.UTF_8);
      assertThat(exit).as(report).isZero();
      assertThat(report).contains("status=COMPLETED").contains("read=150").contains("created=150")
          .doesNotContain("emulator@");
    }
  }
}

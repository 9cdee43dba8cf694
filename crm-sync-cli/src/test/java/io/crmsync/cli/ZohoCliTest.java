package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code crm-sync emulate zoho} and {@code crm-sync sync --source zoho}, end to end on loopback. */
class ZohoCliTest {
  private static String printed(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(ByteArrayOutputStream printed, String... args) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(args);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void contactsSyncFromTheZohoEmulatorToTheHubSpotOne(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream zohoOut = new ByteArrayOutputStream();
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    try (AutoCloseable zoho = emulate(zohoOut, "zoho", "--contacts", "150");
        AutoCloseable hubspot = emulate(hubspotOut, "hubspot")) {
      String printed = zohoOut.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("CRMSYNC_ZOHO_ACCOUNTS_URL=").contains("CRMSYNC_ZOHO_REFRESH_TOKEN=emulator");
      String accounts = printed(Pattern.compile("(?m)CRMSYNC_ZOHO_ACCOUNTS_URL=(http://\\S+)$"), printed);
      String hubspotUrl = printed(Pattern.compile("(?m)emulator on (http://\\S+)$"), hubspotOut.toString(StandardCharsets.UTF_8));

      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.zoho.accountsUrl=" + accounts,
          "crmsync.zoho.clientId=emulator",
          "crmsync.zoho.clientSecret=emulator",
          "crmsync.zoho.refreshToken=emulator",
          "crmsync.hubspot.baseUrl=" + hubspotUrl,
          "crmsync.hubspot.token=emulator",
          ""));
      PrintStream stdout = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit;
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        exit = Main.run("sync", "--source", "zoho", "--target", "hubspot", "--config", config.toString(), "--no-progress");
      } finally {
        System.setOut(stdout);
      }
      String report = out.toString(StandardCharsets.UTF_8);
      assertThat(exit).as(report).isZero();
      assertThat(report).contains("status=COMPLETED").contains("read=150").contains("created=150")
          .doesNotContain("refreshToken=emulator");
    }
  }
}

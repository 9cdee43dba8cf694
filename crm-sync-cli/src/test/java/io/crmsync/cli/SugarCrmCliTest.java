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

/** {@code crm-sync emulate sugarcrm} and {@code crm-sync sync --source sugarcrm} through ServiceLoader, on loopback. */
class SugarCrmCliTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static String url(String printed) {
    Matcher m = URL.matcher(printed);
    assertThat(m.find()).as(printed).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(ByteArrayOutputStream printed, String... args) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(args);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void contactsSyncFromTheSugarCrmEmulatorToTheHubSpotOne(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream sugarOut = new ByteArrayOutputStream();
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    try (AutoCloseable sugar = emulate(sugarOut, "sugarcrm", "--contacts", "120");
        AutoCloseable hubspot = emulate(hubspotOut, "hubspot")) {
      String printed = sugarOut.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("CRMSYNC_SUGARCRM_BASE_URL=").contains("CRMSYNC_SUGARCRM_USERNAME=admin")
          .contains("CRMSYNC_SUGARCRM_PLATFORM=crmsync");
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.sugarcrm.baseUrl=" + url(printed),
          "crmsync.sugarcrm.username=admin",
          "crmsync.sugarcrm.password=emulator",
          "crmsync.sugarcrm.platform=crmsync",
          "crmsync.hubspot.baseUrl=" + url(hubspotOut.toString(StandardCharsets.UTF_8)),
          "crmsync.hubspot.token=emulator",
          ""));
      PrintStream stdout = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit;
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        exit = Main.run("sync", "--source", "sugarcrm", "--target", "hubspot", "--config", config.toString(), "--no-progress");
      } finally {
        System.setOut(stdout);
      }
      String report = out.toString(StandardCharsets.UTF_8);
      assertThat(exit).as(report).isZero();
      assertThat(report).contains("status=COMPLETED").contains("read=120").contains("created=120")
          .doesNotContain("emulator@");
    }
  }
}

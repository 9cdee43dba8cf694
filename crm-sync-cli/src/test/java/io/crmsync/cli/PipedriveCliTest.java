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

/** {@code crm-sync emulate pipedrive} and {@code crm-sync sync --source/--target pipedrive}, end to end on loopback. */
class PipedriveCliTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static String url(ByteArrayOutputStream printed) {
    Matcher m = URL.matcher(printed.toString(StandardCharsets.UTF_8));
    assertThat(m.find()).as(printed.toString(StandardCharsets.UTF_8)).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(ByteArrayOutputStream printed, String... args) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(args);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  private static String run(String... args) {
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
  void contactsSyncFromThePipedriveEmulatorToTheHubSpotOneAndBack(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream pipedriveOut = new ByteArrayOutputStream();
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    try (AutoCloseable pipedrive = emulate(pipedriveOut, "pipedrive", "--contacts", "150");
        AutoCloseable hubspot = emulate(hubspotOut, "hubspot", "--contacts", "40")) {
      assertThat(pipedriveOut.toString(StandardCharsets.UTF_8))
          .contains("CRMSYNC_PIPEDRIVE_BASE_URL=").contains("CRMSYNC_PIPEDRIVE_API_TOKEN=emulator");
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.pipedrive.baseUrl=" + url(pipedriveOut),
          "crmsync.pipedrive.apiToken=emulator",
          // the emulator has no limits; the adapter would otherwise pace itself at the lowest plan's
          "crmsync.pipedrive.burstLimit=1000",
          "crmsync.pipedrive.searchBurstLimit=0",
          "crmsync.hubspot.baseUrl=" + url(hubspotOut),
          "crmsync.hubspot.token=emulator",
          ""));
      String out = run("sync", "--source", "pipedrive", "--target", "hubspot", "--config", config.toString(), "--no-progress");
      assertThat(out).contains("status=COMPLETED").contains("read=150").doesNotContain("emulator@");
      String back = run("sync", "--source", "hubspot", "--target", "pipedrive", "--config", config.toString(),
          "--no-progress");
      assertThat(back).contains("status=COMPLETED").contains("deadLettered=0");
    }
  }
}

package io.crmsync.cli;

import static io.crmsync.cli.CliRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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

/** {@code crm-sync sync --state jdbc:postgresql://...} and {@code crm-sync worker}, on a real PostgreSQL. */
class PostgresStateCliTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static String url(ByteArrayOutputStream printed) {
    Matcher m = URL.matcher(printed.toString(StandardCharsets.UTF_8));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(ByteArrayOutputStream printed, String... args) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(args);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void aSecondSyncOnPostgresStateFindsEverythingUnchangedAndAWorkerCanJoin(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    ByteArrayOutputStream salesforceOut = new ByteArrayOutputStream();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        AutoCloseable hubspot = emulate(hubspotOut, "hubspot", "--contacts", "300");
        AutoCloseable salesforce = emulate(salesforceOut, "salesforce")) {
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.hubspot.baseUrl=" + url(hubspotOut),
          "crmsync.hubspot.token=emulator",
          "crmsync.salesforce.loginUrl=" + url(salesforceOut),
          "crmsync.salesforce.clientId=emulator",
          "crmsync.salesforce.clientSecret=emulator",
          "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres",
          "crmsync.state.user=postgres",
          "crmsync.state.schema=cli_state",
          ""));
      String[] sync = {"sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(), "--no-progress"};
      int[] exit = new int[1];

      String first = run(exit, sync);
      assertThat(exit[0]).as(first).isZero();
      assertThat(first).contains("queue and state in PostgreSQL").contains("created=300").contains("status=COMPLETED");

      String second = run(exit, sync);
      assertThat(exit[0]).as(second).isZero();
      assertThat(second).contains("read=300").contains("unchanged=300").contains("written=0");

      String worker = run(exit, "worker", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(),
          "--exit-when-idle", "100ms");
      assertThat(exit[0]).as(worker).isZero();
      assertThat(worker).contains("Worker on job hubspot-to-salesforce-contact").contains("status=COMPLETED");
    }
  }

  @Test
  void aWorkerWithoutDurableStateIsRefused() {
    int[] exit = new int[1];
    run(exit, "worker", "--source", "hubspot", "--target", "salesforce");
    assertThat(exit[0]).isEqualTo(2);
  }
}

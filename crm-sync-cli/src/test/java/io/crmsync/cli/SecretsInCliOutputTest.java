package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line in a process of its own, with every log at TRACE (ours through SLF4J, the driver's
 * through java.util.logging at FINEST), run with a database password in each form it accepts: everything
 * it prints is searched for the password, which must not be there, whether the run succeeds or fails.
 */
class SecretsInCliOutputTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");
  private static EmbeddedPostgres pg;
  private static AutoCloseable hubspot;
  private static AutoCloseable salesforce;
  private static String adapters;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresStateErrorsCliTest.startWithPasswords();
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    ByteArrayOutputStream salesforceOut = new ByteArrayOutputStream();
    hubspot = emulate(hubspotOut, "hubspot", "--contacts", "20");
    salesforce = emulate(salesforceOut, "salesforce");
    adapters = String.join("\n",
        "crmsync.hubspot.baseUrl=" + url(hubspotOut),
        "crmsync.hubspot.token=emulator",
        "crmsync.salesforce.loginUrl=" + url(salesforceOut),
        "crmsync.salesforce.clientId=emulator",
        "crmsync.salesforce.clientSecret=emulator",
        "");
  }

  @AfterAll
  static void stop() throws Exception {
    try (AutoCloseable a = hubspot; AutoCloseable b = salesforce) {
      pg.close();
    }
  }

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

  private record Run(int exit, String output) {}

  /** {@code crm-sync sync} in a new JVM, everything it prints (both streams) in one string. */
  private static Run sync(Path dir, String state, Map<String, String> env) throws IOException, InterruptedException {
    Path config = dir.resolve("crm-sync.properties");
    Files.writeString(config, adapters + state);
    Path logging = dir.resolve("logging.properties");
    Files.writeString(logging, String.join("\n",
        "handlers=java.util.logging.ConsoleHandler",
        "java.util.logging.ConsoleHandler.level=ALL",
        ".level=INFO",
        "org.postgresql.level=FINEST",
        ""));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-Djava.util.logging.config.file=" + logging,
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(),
        "sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(), "--no-progress",
        "--log-level", "trace"));
    Path out = dir.resolve("out.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CRMSYNC_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("crm-sync did not finish; output:\n" + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out));
  }

  private static void assertNoSecret(Run run, String secret) {
    assertThat(run.output()).doesNotContain(secret)
        .doesNotContain(URLEncoder.encode(secret, StandardCharsets.UTF_8));
  }

  private static String encoded(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void aPasswordInTheUrlsAuthorityWorksAndIsNeverPrintedEvenAtTrace(@TempDir Path dir) throws Exception {
    String special = PostgresStateErrorsCliTest.SPECIAL;
    Run ok = sync(dir, "crmsync.state.url=jdbc:postgresql://special:" + encoded(special) + "@localhost:"
        + pg.getPort() + "/postgres\n", Map.of());
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(ok.output()).as("logged at every level").contains("status=COMPLETED").contains("DEBUG").contains("FINEST");
    assertNoSecret(ok, special);

    Run unknownHost = sync(dir, "crmsync.state.url=jdbc:postgresql://special:" + encoded(special)
        + "@no-such-host.invalid:5432/postgres\n", Map.of());
    assertThat(unknownHost.exit()).as(unknownHost.output()).isEqualTo(2);
    assertThat(unknownHost.output()).contains("cannot reach PostgreSQL at no-such-host.invalid:5432/postgres");
    assertNoSecret(unknownHost, special);
  }

  @Test
  void aPasswordInTheQueryOrTheEnvironmentIsNeverPrintedEvenAtTrace(@TempDir Path dir) throws Exception {
    String password = PostgresStateErrorsCliTest.PASSWORD;
    Run query = sync(dir, "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort()
        + "/postgres?user=sync&password=" + password + "\ncrmsync.state.schema=query_form\n", Map.of());
    assertThat(query.exit()).as(query.output()).isZero();
    assertNoSecret(query, password);

    String wrong = PostgresStateErrorsCliTest.WRONG;
    Run refused = sync(dir, "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres\n",
        Map.of("CRMSYNC_STATE_USER", "sync", "CRMSYNC_STATE_PASSWORD", wrong));
    assertThat(refused.exit()).as(refused.output()).isEqualTo(2);
    assertThat(refused.output()).contains("password authentication failed for user \"sync\"");
    assertNoSecret(refused, wrong);
  }
}

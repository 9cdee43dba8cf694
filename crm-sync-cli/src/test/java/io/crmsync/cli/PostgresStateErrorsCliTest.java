package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code crm-sync sync} and {@code crm-sync worker} print when the PostgreSQL state is misconfigured:
 * exit status 2 (a configuration error, as {@code sync --help} says) and one line that says what to do,
 * with no stack trace and no password. A server of its own checks passwords (SCRAM) for every user but
 * the administrator.
 */
class PostgresStateErrorsCliTest {
  static final String PASSWORD = "Right-pw-4711";
  static final String WRONG = "Wrong-pw-0815";
  /** The password of user {@code special}: characters a URL must percent-encode. */
  static final String SPECIAL = "S3cr3t@:/?#&=x";
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static EmbeddedPostgres pg;
  private static AutoCloseable hubspot;
  private static AutoCloseable salesforce;
  static String hubspotUrl;
  static String salesforceUrl;

  @BeforeAll
  static void start() throws Exception {
    pg = startWithPasswords();
    ByteArrayOutputStream hubspotOut = new ByteArrayOutputStream();
    ByteArrayOutputStream salesforceOut = new ByteArrayOutputStream();
    hubspot = emulate(hubspotOut, "hubspot", "--contacts", "20");
    salesforce = emulate(salesforceOut, "salesforce");
    hubspotUrl = url(hubspotOut);
    salesforceUrl = url(salesforceOut);
  }

  @AfterAll
  static void stop() throws Exception {
    try (AutoCloseable a = hubspot; AutoCloseable b = salesforce) {
      pg.close();
    }
  }

  /**
   * A server where {@code postgres} signs in without a password (to set things up) and every other user
   * with one: {@code sync} may create tables, {@code lowly} may only connect.
   */
  static EmbeddedPostgres startWithPasswords() throws IOException, SQLException {
    EmbeddedPostgres server = EmbeddedPostgres.builder()
        .setServerConfig("password_encryption", "scram-sha-256")
        .setDataDirectoryCustomizer(dir -> {
          try {
            Files.writeString(dir.toPath().resolve("pg_hba.conf"), String.join("\n",
                "local all all trust",
                "host all postgres 127.0.0.1/32 trust",
                "host all postgres ::1/128 trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host all all ::1/128 scram-sha-256",
                ""));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        })
        .start();
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE sync LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("GRANT CREATE ON DATABASE postgres TO sync");
      s.execute("CREATE ROLE lowly LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE ROLE special LOGIN PASSWORD '" + SPECIAL + "'");
      s.execute("GRANT CREATE ON DATABASE postgres TO special");
    }
    return server;
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

  static String adapters() {
    return String.join("\n",
        "crmsync.hubspot.baseUrl=" + hubspotUrl,
        "crmsync.hubspot.token=emulator",
        "crmsync.salesforce.loginUrl=" + salesforceUrl,
        "crmsync.salesforce.clientId=emulator",
        "crmsync.salesforce.clientSecret=emulator",
        "");
  }

  /**
   * What a command printed: its exit status, standard output and standard error (without the lines the
   * embedded server logs, which land there too).
   */
  record Run(int exit, String out, String err) {
    Run {
      err = err.lines().filter(l -> !l.contains("io.zonky.test.db.postgres")).map(l -> l + "\n")
          .collect(java.util.stream.Collectors.joining());
    }

    String all() {
      return out + err;
    }
  }

  private static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Main.run(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static List<Run> syncAndWorker(Path dir, String state) throws IOException {
    Path config = dir.resolve("crm-sync.properties");
    Files.writeString(config, adapters() + state);
    List<Run> runs = new ArrayList<>();
    runs.add(run("sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(),
        "--no-progress"));
    runs.add(run("worker", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(),
        "--exit-when-idle", "100ms"));
    return runs;
  }

  /** Exit 2 and one line on standard error, starting as given, with no stack trace and no password. */
  private static void assertOneLineConfigurationError(List<Run> runs, String... expected) {
    for (Run r : runs) {
      assertThat(r.exit()).as(r.all()).isEqualTo(2);
      List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).as(r.err()).hasSize(1);
      assertThat(lines.get(0)).matches("crm-sync (sync|worker): .*").contains(expected);
      assertThat(r.all()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain(PASSWORD)
          .doesNotContain(WRONG);
    }
  }

  private static String local(String database) {
    return "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/" + database + "\n";
  }

  @Test
  void aWrongPasswordSaysToCheckTheCredentials(@TempDir Path dir) throws IOException {
    assertOneLineConfigurationError(syncAndWorker(dir, local("postgres") + "crmsync.state.user=sync\n"
            + "crmsync.state.password=" + WRONG + "\n"),
        "[postgresql] PostgreSQL at localhost:" + pg.getPort() + "/postgres refused the connection: FATAL: password "
            + "authentication failed for user \"sync\" (SQLState 28P01); check the user and password");
  }

  @Test
  void anUnreachableServerSaysToCheckTheHostAndPort(@TempDir Path dir) throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertOneLineConfigurationError(syncAndWorker(dir, "crmsync.state.url=jdbc:postgresql://127.0.0.1:" + closed
            + "/postgres\ncrmsync.state.user=sync\ncrmsync.state.password=" + PASSWORD + "\n"),
        "[postgresql] cannot reach PostgreSQL at 127.0.0.1:" + closed + "/postgres: connection refused; check the "
            + "host and port of the URL");
  }

  @Test
  void aMissingDatabaseSaysToCreateItOrNameAnother(@TempDir Path dir) throws IOException {
    assertOneLineConfigurationError(syncAndWorker(dir, local("no_such_db") + "crmsync.state.user=sync\n"
            + "crmsync.state.password=" + PASSWORD + "\n"),
        "has no such database: FATAL: database \"no_such_db\" does not exist (SQLState 3D000); create it, or name "
            + "an existing one in the URL");
  }

  @Test
  void aUserWhoMayNotCreateTheTablesIsToldWhatToGrant(@TempDir Path dir) throws IOException {
    assertOneLineConfigurationError(syncAndWorker(dir, local("postgres") + "crmsync.state.user=lowly\n"
            + "crmsync.state.password=" + PASSWORD + "\ncrmsync.state.schema=lowly_state\n"),
        "the database user may not create or use the tables of schema lowly_state", "(SQLState 42501); grant it");
  }

  @Test
  void tablesThatWereNeverCreatedSayHowToCreateThem(@TempDir Path dir) throws IOException {
    assertOneLineConfigurationError(syncAndWorker(dir, local("postgres") + "crmsync.state.user=sync\n"
            + "crmsync.state.password=" + PASSWORD + "\ncrmsync.state.schema=never_made\ncrmsync.state.migrate=false\n"),
        "the tables of schema never_made do not exist");
  }

  @Test
  void aMalformedSettingIsNamed(@TempDir Path dir) throws IOException {
    assertOneLineConfigurationError(syncAndWorker(dir, local("postgres") + "crmsync.state.outageTolerance=soon\n"),
        "outageTolerance must be a duration");
    assertOneLineConfigurationError(syncAndWorker(dir, local("postgres") + "crmsync.state.visibilityTimeout=0s\n"),
        "'visibilityTimeout'", "must be positive");
    Path config = dir.resolve("adapters.properties");
    Files.writeString(config, adapters());
    assertOneLineConfigurationError(List.of(run("sync", "--source", "hubspot", "--target", "salesforce",
            "--config", config.toString(), "--state", "jdbc:mysql://u:" + PASSWORD + "@h/db")),
        "--state must be a jdbc:postgresql: URL, not a jdbc:mysql: one");
  }

  @Test
  void theVisibilityTimeoutComesFromTheOptionOrTheSettings(@TempDir Path dir) throws Exception {
    SyncOptions options = new SyncOptions();
    new CommandLine(options).parseArgs("--source", "a", "--target", "b", "--visibility-timeout", "90s");
    try (StateBackend memory = StateBackend.open(null, new java.util.Properties(), Map.of())) {
      assertThat(options.builder(io.crmsync.testkit.FakeCrm.builder().id("a").build(),
          io.crmsync.testkit.FakeCrm.builder().id("b").build(), memory).build().config().visibilityTimeout())
          .isEqualTo(Duration.ofSeconds(90));
    }
    SyncOptions fromSettings = new SyncOptions();
    new CommandLine(fromSettings).parseArgs("--source", "a", "--target", "b");
    try (StateBackend memory = StateBackend.open(null, new java.util.Properties(),
        Map.of("CRMSYNC_STATE_VISIBILITY_TIMEOUT", "45s"))) {
      assertThat(fromSettings.builder(io.crmsync.testkit.FakeCrm.builder().id("a").build(),
          io.crmsync.testkit.FakeCrm.builder().id("b").build(), memory).build().config().visibilityTimeout())
          .isEqualTo(Duration.ofSeconds(45));
    }
  }
}

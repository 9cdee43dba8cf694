package io.crmsync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.crmsync.CrmConfigurationException;
import io.crmsync.queue.NewTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every form the driver accepts a password in (user information in the URL's authority, {@code password=}
 * and {@code sslpassword=} in its query, the settings) stays out of everything printed: messages, the
 * whole stack trace with its causes, {@code toString()}. The libpq form, which the driver itself does not
 * understand, works.
 */
class SecretsInUrlsTest {
  /** With characters that must be percent-encoded in a URL. */
  private static final String SECRET = "Xq9-s3cr3t@Pa55:w/rd";
  private static final String ENCODED = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);

  /** What a user sees of a failure: its one-line message, then its stack trace with every cause. */
  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    out.append(t.getMessage()).append('\n');
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static void assertNoSecret(String text) {
    assertThat(text).doesNotContain(SECRET).doesNotContain(ENCODED).doesNotContain("s3cr3t");
  }

  @Test
  void theLibpqFormWithUserAndPasswordInTheAuthorityConnectsAndShowsNoPassword() {
    int port = TestDatabase.server().getPort();
    String schema = TestDatabase.freshSchema("userinfo");
    try (PostgresSync pg = PostgresSync.fromJdbcUrl(
        "jdbc:postgresql://postgres:" + ENCODED + "@localhost:" + port + "/postgres", Map.of("schema", schema))) {
      assertThat(pg.taskQueue().enqueue("t", List.of(NewTask.of("{}")))).hasSize(1);
      assertThat(pg.location()).isEqualTo("localhost:" + port + "/postgres");
      assertNoSecret(pg.toString());
      assertNoSecret(pg.config().toString());
      assertNoSecret(pg.taskQueue().toString() + pg.stateStore().toString());
    }
  }

  @Test
  void aPasswordInAnyPartOfAUrlWhoseHostIsUnknownIsNotPrinted() {
    List<String> urls = List.of(
        // as libpq writes it, encoded
        "jdbc:postgresql://sync:" + ENCODED + "@no-such-host.invalid:5432/app",
        // as typed, unencoded (the driver took "sync:...@no-such-host.invalid" for a host name)
        "jdbc:postgresql://sync:" + SECRET.replace("/", "") + "@no-such-host.invalid:5432/app",
        "jdbc:postgresql://no-such-host.invalid/app?user=sync&password=" + ENCODED + "&connectTimeout=2",
        "jdbc:postgresql://no-such-host.invalid/app?sslpassword=" + ENCODED);
    for (String url : urls) {
      Throwable t = catchThrowable(() -> PostgresSync.fromJdbcUrl(url, Map.of()));
      assertThat(t).as(url).isInstanceOf(CrmConfigurationException.class);
      assertThat(t.getMessage()).as(url).contains("cannot reach PostgreSQL at no-such-host.invalid:")
          .contains("unknown host").doesNotContain("\n");
      assertNoSecret(printed(t));
    }
  }

  @Test
  void passwordsGivenAsSettingsAreNotPrintedWhenTheServerCannotBeReached() {
    Throwable t = catchThrowable(() -> PostgresSync.fromJdbcUrl("jdbc:postgresql://127.0.0.1:1/app",
        Map.of("user", "sync", "password", SECRET, "sslpassword", SECRET)));
    assertThat(t).isInstanceOf(CrmConfigurationException.class)
        .hasMessage("[postgresql] cannot reach PostgreSQL at 127.0.0.1:1/app: connection refused; check the host "
            + "and port of the URL, and that the server is running and accepts TCP/IP connections");
    assertNoSecret(printed(t));
  }
}

package io.crmsync.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** Every form a PostgreSQL password takes in text is masked, known or not; the rest of the text stays. */
class RedactorTest {
  private static final String SECRET = "Xq9-s3cr3t+Pa55";

  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void maskedWithoutKnowingTheSecretWhereverASettingOrAUrlNamesIt() {
    Redactor r = Redactor.patternsOnly();
    assertThat(r.redact("jdbc:postgresql://sync:" + SECRET + "@db.example:5432/app"))
        .isEqualTo("jdbc:postgresql://sync:****@db.example:5432/app");
    assertThat(r.redact("jdbc:postgresql://db/app?user=sync&password=" + SECRET + "&sslmode=require"))
        .isEqualTo("jdbc:postgresql://db/app?user=sync&password=****&sslmode=require");
    assertThat(r.redact("sslpassword=" + SECRET + ";PGPASSWORD=" + SECRET + " passwd: " + SECRET))
        .isEqualTo("sslpassword=****;PGPASSWORD=**** passwd: ****");
    assertThat(r.redact("{\"password\": \"" + SECRET + "\", \"user\": \"sync\"}"))
        .isEqualTo("{\"password\": ****, \"user\": \"sync\"}");
    // what is not a secret stays readable
    assertThat(r.redact("FATAL: password authentication failed for user \"sync\""))
        .isEqualTo("FATAL: password authentication failed for user \"sync\"");
    assertThat(r.redact("Connection to db.example:5432 refused")).isEqualTo("Connection to db.example:5432 refused");
  }

  @Test
  void aKnownSecretIsMaskedAnywhereAsTypedOrPercentEncoded() {
    Redactor r = Redactor.of(Arrays.asList(SECRET, null, "ab"));
    // a malformed URL the driver took for a host name, with the user information in it
    assertThat(r.redact("UnknownHostException: sync:" + SECRET + "@db")).doesNotContain(SECRET).contains("****");
    assertThat(r.redact("host sync:Xq9-s3cr3t%2BPa55@db")).doesNotContain("s3cr3t");
    assertThat(r.redact("a message about " + SECRET)).isEqualTo("a message about ****");
    // too short to search for as plain text: "ab" in "tables" is left alone
    assertThat(r.redact("tables")).isEqualTo("tables");
  }

  @Test
  void theDriversExceptionsAreCopiedWithMaskedMessagesKeepingTheirStateAndTraces() {
    Redactor r = Redactor.of(List.of(SECRET));
    UnknownHostException host = new UnknownHostException("sync:" + SECRET + "@db.example");
    PSQLException driver = new PSQLException("The connection attempt failed.", PSQLState.CONNECTION_UNABLE_TO_CONNECT,
        host);
    driver.addSuppressed(new IllegalStateException("password=" + SECRET));
    SQLException copy = r.redact(driver);

    assertThat(printed(copy)).doesNotContain(SECRET).contains("org.postgresql.util.PSQLException")
        .contains("java.net.UnknownHostException: sync:****@db.example");
    assertThat(copy.getSQLState()).isEqualTo("08001");
    assertThat(copy.getStackTrace()).isEqualTo(driver.getStackTrace());
    assertThat(Db.isConnectionFailure(copy)).as("still recognised as a connection failure").isTrue();

    PSQLException clean = new PSQLException("ERROR: relation does not exist", PSQLState.UNDEFINED_TABLE);
    assertThat(r.redact((Throwable) clean)).as("nothing to mask: the original").isSameAs(clean);
  }
}

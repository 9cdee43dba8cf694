package io.crmsync.cli;

import static io.crmsync.cli.CliRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import io.crmsync.tck.SyncEngineContract;
import io.crmsync.testkit.FakeCrm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sync that fails says so: a non-zero exit status, the report on stdout, and one line on stderr that says
 * why (no stack trace); a setting the target cannot take is a usage error before any record moves.
 */
class FailureExitsCliTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void clear() {
    FakeAdapters.clear();
  }

  private String sync(int[] exit, String... more) {
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      String[] args = CliRuns.cat(new String[] {"sync", "--source", "appdb", "--target", "acme", "--no-progress"},
          more);
      return run(exit, args);
    } finally {
      System.setErr(stderr);
    }
  }

  /** The line of stderr that says why the command failed; the rest are log lines, none of them a stack trace. */
  private String reason() {
    List<String> lines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("no stack trace").noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
    List<String> said = lines.stream().filter(l -> l.startsWith("crm-sync sync: ")).toList();
    assertThat(said).as("one line says why, in %s", lines).hasSize(1);
    return said.get(0);
  }

  private static FakeCrm source() {
    FakeCrm appDb = FakeCrm.builder().id("appdb").seed(1).build();
    appDb.seed(SyncEngineContract.contacts(300, 0));
    return appDb;
  }

  @Test
  void lostCredentialsFailTheRunWithExitOneAndOneLine() {
    FakeCrm acme = FakeCrm.builder().id("acme").faults((op, type, records) -> op.equals("upsert")
        ? new CrmAuthenticationException("acme", 401, "req-9", "token revoked", null) : null).build();
    FakeAdapters.install(source(), acme);
    int[] exit = new int[1];
    String out = sync(exit);

    assertThat(exit[0]).as(out).isEqualTo(1);
    assertThat(out).contains("status=FAILED").contains("AUTHENTICATION_LOST");
    assertThat(reason()).startsWith("crm-sync sync: failed (AUTHENTICATION_LOST)").contains("token revoked");
    assertThat(acme.size(ObjectTypes.CONTACT)).isZero();
  }

  @Test
  void aSpentQuotaStopsTheRunSaysWhenItResetsAndExitsOne() {
    AtomicInteger calls = new AtomicInteger();
    FakeCrm acme = FakeCrm.builder().id("acme").faults((op, type, records) -> op.equals("upsert")
        && calls.incrementAndGet() > 1 ? CrmRateLimitException.quotaExhausted("acme", 403, null,
            "REQUEST_LIMIT_EXCEEDED: daily allocation spent", Duration.ofHours(3), null) : null).build();
    FakeAdapters.install(source(), acme);
    int[] exit = new int[1];
    String out = sync(exit, "--workers", "1");

    assertThat(exit[0]).as(out).isEqualTo(1);
    assertThat(out).as("the report, printed").contains("status=FAILED").contains("quotaResetsAt=");
    assertThat(reason()).startsWith("crm-sync sync: failed (QUOTA_EXHAUSTED)").contains("the quota resets at");
    assertThat(acme.size(ObjectTypes.CONTACT)).as("what landed before the quota ran out").isPositive()
        .isLessThan(300);
  }

  @Test
  void aMatchKeyTheTargetDoesNotHaveIsAUsageErrorBeforeAnyRecordMoves() {
    FakeCrm acme = FakeCrm.builder().id("acme").fields(ObjectTypes.CONTACT, List.of(
        FieldInfo.builder(Contact.Fields.EMAIL).type("email").build(),
        FieldInfo.builder(Contact.Fields.LAST_NAME).build())).build();
    FakeCrm appDb = source();
    FakeAdapters.install(appDb, acme);
    int[] exit = new int[1];
    String out = sync(exit, "--match-key", "Email' OR Id != '");

    assertThat(exit[0]).as(out).isEqualTo(2);
    assertThat(reason()).contains("match key");
    assertThat(acme.requestCount("upsert")).isZero();
    assertThat(appDb.requestCount("read")).isZero();
  }
}

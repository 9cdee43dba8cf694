package io.crmsync.cli;

import static io.crmsync.cli.CliRuns.cat;
import static io.crmsync.cli.CliRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.tck.SyncEngineContract;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crm-sync dead-letters}: a target refuses some records for a setting of its own; the operator lists
 * and inspects the dead letters, fixes the cause, replays them, and every record lands exactly once.
 */
class DeadLettersCliTest {
  private final AtomicBoolean goldRefused = new AtomicBoolean(true);

  @AfterEach
  void clear() {
    FakeAdapters.clear();
  }

  /** A target that refuses a whole call holding a record whose tier is gold, while {@link #goldRefused}. */
  private FakeCrm acme() {
    return FakeCrm.builder().id("acme").seed(11).faults((operation, type, records) -> {
      if (operation.equals("upsert") && goldRefused.get()
          && records.stream().anyMatch(r -> "gold".equals(r.fields().get("tier")))) {
        return new CrmRequestException("acme", 400, "req-gold-1", "the tier field cannot be written by this user",
            List.of(new FieldError("tier", "FIELD_NOT_WRITABLE", "the tier field cannot be written by this user")),
            null);
      }
      return null;
    }).build();
  }

  @Test
  void listShowFixReplayAndEveryRecordLandsOnce(@TempDir Path dir) throws Exception {
    FakeCrm appDb = FakeCrm.builder().id("appdb").seed(10).build();
    List<CrmRecord> seeded = appDb.seed(SyncEngineContract.contacts(90, 0)); // a third of them gold
    FakeCrm acme = acme();
    FakeAdapters.install(appDb, acme);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, String.join("\n",
          "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres",
          "crmsync.state.user=postgres",
          "crmsync.state.schema=dead_letters_cli",
          ""));
      String[] job = {"--source", "appdb", "--target", "acme", "--config", config.toString()};
      int[] exit = new int[1];

      String sync = run(exit, cat(new String[] {"sync", "--no-progress"}, job));
      assertThat(exit[0]).as(sync).isEqualTo(ReportOutcome.COMPLETED_WITH_DEAD_LETTERS);
      assertThat(sync).contains("written=60").contains("deadLettered=30");

      String list = run(exit, cat(new String[] {"dead-letters", "list"}, job));
      assertThat(exit[0]).as(list).isZero();
      assertThat(list).contains("Dead letters of job appdb-to-acme-contact: 30 shown, 30 in the state store");
      assertThat(list.lines().filter(l -> l.contains("CrmRequestException"))).hasSize(30);

      String filtered = run(exit, cat(new String[] {"dead-letters", "list", "--error-code", "NOPE", "--operation",
          "delete"}, job));
      assertThat(filtered).contains("0 shown, 30 in the state store");

      CrmRecord gold = seeded.stream().filter(r -> "gold".equals(r.fields().get("tier"))).findFirst().orElseThrow();
      String show = run(exit, cat(new String[] {"dead-letters", "show", "--record-id", gold.id()}, job));
      assertThat(exit[0]).as(show).isZero();
      assertThat(show)
          .contains("Dead letter of record " + gold.id())
          .contains("operation:     upsert")
          .contains("error code:    CrmRequestException")
          .contains("field error:   tier: FIELD_NOT_WRITABLE the tier field cannot be written by this user")
          .contains("request id:    req-gold-1")
          .contains("transient:     no")
          .contains("email = " + gold.fields().get("email"));

      goldRefused.set(false); // the target's administrator lets the integration user write the tier
      String replay = run(exit, cat(new String[] {"dead-letters", "replay"}, job));
      assertThat(exit[0]).as(replay).isZero();
      assertThat(replay).contains("Replaying 30 dead letter(s) of job appdb-to-acme-contact into acme")
          .contains("Landed: 30 written").contains("0 failed again").contains("30 before, 0 now");

      Map<String, CrmRecord> byEmail = acme.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
      assertThat(byEmail).hasSize(90);
      assertThat(acme.size(ObjectTypes.CONTACT)).as("each record once").isEqualTo(90);
      for (CrmRecord r : seeded) {
        assertThat(byEmail.get(r.fields().get("email").toString()).fields()).isEqualTo(r.fields());
      }

      String again = run(exit, cat(new String[] {"dead-letters", "replay"}, job));
      assertThat(exit[0]).as(again).isZero();
      assertThat(again).contains("Replaying 0 dead letter(s)");
    }
  }

  @Test
  void purgeSaysWhatItWouldRemoveUnlessToldYes(@TempDir Path dir) throws Exception {
    FakeCrm appDb = FakeCrm.builder().id("appdb").seed(10).build();
    appDb.seed(SyncEngineContract.contacts(30, 0));
    FakeAdapters.install(appDb, acme());
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres\n"
          + "crmsync.state.user=postgres\n");
      String[] job = {"--job-id", "appdb-to-acme-contact", "--config", config.toString()};
      int[] exit = new int[1];
      run(exit, "sync", "--source", "appdb", "--target", "acme", "--config", config.toString(), "--no-progress");
      assertThat(exit[0]).isEqualTo(ReportOutcome.COMPLETED_WITH_DEAD_LETTERS);

      String dry = run(exit, cat(new String[] {"dead-letters", "purge", "--error-code", "CrmRequestException"}, job));
      assertThat(dry).contains("Would remove 10 dead letter(s)").contains("add --yes");
      assertThat(run(exit, cat(new String[] {"dead-letters", "list"}, job))).contains("10 in the state store");

      String purged = run(exit, cat(new String[] {"dead-letters", "purge", "--yes"}, job));
      assertThat(exit[0]).isZero();
      assertThat(purged).contains("Removed 10 dead letter(s) of job appdb-to-acme-contact; 0 left");
    }
  }

  @Test
  void withoutDurableStateTheCommandsRefuseToGuess() {
    int[] exit = new int[1];
    run(exit, "dead-letters", "list", "--job-id", "j");
    assertThat(exit[0]).isEqualTo(2);
    run(exit, "dead-letters", "list", "--state", "jdbc:postgresql://localhost:1/x");
    assertThat(exit[0]).as("no job named").isEqualTo(2);
  }
}

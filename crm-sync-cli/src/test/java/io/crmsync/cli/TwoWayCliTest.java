package io.crmsync.cli;

import static io.crmsync.cli.CliRuns.cat;
import static io.crmsync.cli.CliRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.MatchKey;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crm-sync sync --two-way} and {@code crm-sync conflicts}: both sides edit, a field changed on both goes
 * to review under {@code --conflicts review}, the rest lands both ways, and the operator lists, inspects and
 * resolves the pair.
 */
class TwoWayCliTest {
  private static final String C = ObjectTypes.CONTACT;

  @AfterEach
  void clear() {
    FakeAdapters.clear();
  }

  private static CrmRecord contact(String email, String phone) {
    return Contact.builder().email(email).firstName("F").lastName("L").phone(phone).build().toRecord("seed");
  }

  private static CrmRecord on(FakeCrm crm, String email) {
    return crm.recordsBy(C, MatchKey.email()).get(email);
  }

  @Test
  void aConflictGoesToReviewAndIsResolvedFromTheCommandLine(@TempDir Path dir) throws Exception {
    FakeCrm app = FakeCrm.builder().id("appdb").seed(10).build();
    FakeCrm crm = FakeCrm.builder().id("acme").seed(11).build();
    app.seed(List.of(contact("ann@example.com", "+14155550100"), contact("bob@example.com", "+14155550101")));
    FakeAdapters.install(app, crm);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      Path config = dir.resolve("crm-sync.properties");
      Files.writeString(config, "crmsync.state.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres\n"
          + "crmsync.state.user=postgres\ncrmsync.state.schema=two_way_cli\n");
      String[] job = {"--source", "appdb", "--target", "acme", "--config", config.toString()};
      int[] exit = new int[1];

      String first = run(exit, cat(new String[] {"sync", "--two-way", "--conflicts", "review"}, job));
      assertThat(exit[0]).as(first).isZero();
      assertThat(first).contains("both ways between appdb and acme").contains("completed");
      assertThat(crm.size(C)).isEqualTo(2);

      app.edit(C, on(app, "ann@example.com").id(), Map.of(Contact.Fields.PHONE, "+14155550111"));
      crm.edit(C, on(crm, "ann@example.com").id(), Map.of(Contact.Fields.PHONE, "+14155550122"));
      crm.edit(C, on(crm, "bob@example.com").id(), Map.of(Contact.Fields.TITLE, "CTO"));
      String second = run(exit, cat(new String[] {"sync", "--two-way", "--conflicts", "review"}, job));
      assertThat(exit[0]).as(second).isZero();
      assertThat(second).contains("1 pair(s) were sent to review");
      assertThat(on(app, "bob@example.com").fields()).as("the rest lands").containsEntry(Contact.Fields.TITLE, "CTO");
      assertThat(on(app, "ann@example.com").fields()).containsEntry(Contact.Fields.PHONE, "+14155550111");
      assertThat(on(crm, "ann@example.com").fields()).containsEntry(Contact.Fields.PHONE, "+14155550122");

      String annId = on(app, "ann@example.com").id();
      String list = run(exit, cat(new String[] {"conflicts", "list"}, job));
      assertThat(exit[0]).as(list).isZero();
      assertThat(list).contains("1 shown").contains(annId).contains(Contact.Fields.PHONE)
          .as("values are for 'show' only").doesNotContain("+14155550111");

      String show = run(exit, cat(new String[] {"conflicts", "show", "--id", annId}, job));
      assertThat(exit[0]).as(show).isZero();
      assertThat(show).contains("+14155550100").contains("+14155550111").contains("+14155550122");

      String resolved = run(exit, cat(new String[] {"conflicts", "resolve", "--id", annId, "--take", "target"}, job));
      assertThat(exit[0]).as(resolved).isZero();
      assertThat(on(app, "ann@example.com").fields()).containsEntry(Contact.Fields.PHONE, "+14155550122");
      assertThat(on(crm, "ann@example.com").fields()).containsEntry(Contact.Fields.PHONE, "+14155550122");
      assertThat(run(exit, cat(new String[] {"conflicts", "list"}, job))).contains("0 shown");

      run(exit, cat(new String[] {"conflicts", "resolve", "--id", annId, "--take", "target"}, job));
      assertThat(exit[0]).as("nothing in review with that id").isEqualTo(1);

      app.clearRequests();
      crm.clearRequests();
      String quiet = run(exit, cat(new String[] {"sync", "--two-way", "--conflicts", "review"}, job));
      assertThat(exit[0]).as(quiet).isZero();
      assertThat(app.requestCount("upsert") + crm.requestCount("upsert")).as("agreed: nothing to write").isZero();
    }
  }

  @Test
  void badConflictSettingsAreUsageErrors() {
    FakeAdapters.install(FakeCrm.builder().id("appdb").build(), FakeCrm.builder().id("acme").build());
    int[] exit = new int[1];
    String[] job = {"--source", "appdb", "--target", "acme"};
    run(exit, cat(new String[] {"sync", "--two-way", "--conflicts", "newest"}, job));
    assertThat(exit[0]).isEqualTo(2);
    run(exit, cat(new String[] {"sync", "--two-way", "--owned-by", "phone=crm"}, job));
    assertThat(exit[0]).isEqualTo(2);
    run(exit, cat(new String[] {"sync", "--conflicts", "review"}, job));
    assertThat(exit[0]).as("conflicts without --two-way").isEqualTo(2);
    run(exit, cat(new String[] {"sync", "--two-way", "--full"}, job));
    assertThat(exit[0]).isEqualTo(2);
    run(exit, cat(new String[] {"conflicts", "list"}, job));
    assertThat(exit[0]).as("reviews need durable state").isEqualTo(2);
  }
}

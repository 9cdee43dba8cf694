package io.crmsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.SyncReport;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's snippets do what the README says. */
class ExamplesTest {

  @Test
  void theOperatingSnippetCountsWhatTheSyncDid() {
    FakeCrm app = FakeCrm.builder().id("app").build();
    FakeCrm crm = FakeCrm.builder().id("crm").build();
    app.seed(List.of(Contact.builder().email("ada@example.com").build().toRecord("app"),
        Contact.builder().email("grace@example.com").build().toRecord("app")));
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    SyncReport report = OperatingExample.instrumented(app, crm, registry, "http://key@127.0.0.1:9/1");

    assertThat(report.created()).isEqualTo(2);
    assertThat(registry.get("crmsync.records.written").tag("job", "app-to-crm-contact").counter().count()).isEqualTo(2);
    assertThat(registry.get("crmsync.queue.tasks").tag("state", "ready").gauge().value()).isZero();
  }

  @Test
  void quickStartSyncsAndDeadLettersTheInvalidRow() {
    FakeCrm app = FakeCrm.builder().id("app").build();
    FakeCrm crm = FakeCrm.builder().id("crm").build();
    app.seed(List.of(
        Contact.builder().email("ada@example.com").build().toRecord("app"),
        Contact.builder().email("not-an-email").build().toRecord("app")));

    SyncReport report = QuickStart.sync(app, crm);

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(crm.size(ObjectTypes.CONTACT)).isEqualTo(1);
  }

  @Test
  void theDedupeSnippetFindsTheDuplicatesAmongSixContacts() {
    io.crmsync.quality.DedupeResult result = DedupeExample.dedupe(DedupeExample.sampleRecords());

    assertThat(result.duplicateClusters()).map(c -> java.util.Set.copyOf(c.memberIds()))
        .containsExactlyInAnyOrder(java.util.Set.of("42", "42-crm"), java.util.Set.of("45", "46"));
    assertThat(result.clusterOf("43").size()).isEqualTo(1);   // shares the mailbox and switchboard with 44
  }

  @Test
  void customAdaptersAreRegisteredAndConfigured() {
    CRMAdapter acme = CustomAdapterExample.create();
    assertThat(acme.id()).isEqualTo("acme");
    assertThat(acme.capabilities().maxBatchSize()).isEqualTo(50);
  }
}

package io.crmsync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.examples.acme.AcmeCrmServer;
import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's snippets do what the README says. */
class ExamplesTest {

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
    try (AcmeCrmServer acme = AcmeCrmServer.builder().build().start();
        CRMAdapter adapter = CustomAdapterExample.create(AdapterConfig.fromMap("acme", acme.settings()))) {
      assertThat(adapter.id()).isEqualTo("acme");
      assertThat(adapter.capabilities().maxBatchSize()).isEqualTo(100);
      assertThat(adapter.describe(ObjectTypes.CONTACT)).extracting(FieldInfo::name).contains("email", "firstName");
    }
    assertThatThrownBy(() -> CustomAdapterExample.create(AdapterConfig.fromMap("acme", Map.of())))
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("'baseUrl'")
        .hasMessageContaining("CRMSYNC_ACME_BASE_URL");
  }
}

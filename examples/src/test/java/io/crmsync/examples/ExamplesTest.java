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

  @Test
  void theReadmesMappingFileHasNoProblemAgainstBothCrmsAndMapsWhatItSays() {
    io.crmsync.fieldmapping.FieldMapping mapping = MappingExample.load();
    assertThat(mapping.check(ObjectTypes.CONTACT, MappingExample.hubspotFields(), MappingExample.salesforceFields()))
        .isEmpty();
    assertThat(mapping.inverse().check(ObjectTypes.CONTACT, MappingExample.salesforceFields(),
        MappingExample.hubspotFields())).as("and the way back").isEmpty();

    FakeCrm hubspot = FakeCrm.builder().id("hubspot").fields(ObjectTypes.CONTACT, MappingExample.hubspotFields()).build();
    FakeCrm salesforce = FakeCrm.builder().id("salesforce").fields(ObjectTypes.CONTACT, MappingExample.salesforceFields())
        .build();
    hubspot.seed(List.of(
        io.crmsync.model.CrmRecord.of(ObjectTypes.CONTACT, java.util.Map.of("email", " Ada@Example.com",
            "firstName", "ada", "lastName", "Lovelace", "phone", "020 7946 0018", "lifecyclestage", "evangelist",
            "favourite_colour", " Teal", "first_purchase", "10/12/2024", "annual_spend", "1,250.50",
            "address", "12 St James's Square", "address2", "Flat 3")),
        io.crmsync.model.CrmRecord.of(ObjectTypes.CONTACT, java.util.Map.of("email", "grace@example.com",
            "lastName", "Hopper", "first_purchase", "31/02/2024"))));

    SyncReport report = MappingExample.sync(hubspot, salesforce);

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.deadLettered()).as("no 31 February").isEqualTo(1);
    assertThat(salesforce.records(ObjectTypes.CONTACT)).singleElement().satisfies(r -> assertThat(r.fields())
        .isEqualTo(java.util.Map.ofEntries(
            java.util.Map.entry("email", "ada@example.com"),
            java.util.Map.entry("firstName", "Ada"),
            java.util.Map.entry("lastName", "Lovelace"),
            java.util.Map.entry("phone", "+442079460018"),
            java.util.Map.entry("Lifecycle_Stage__c", "Other"),
            java.util.Map.entry("Favourite_Colour__c", "teal"),
            java.util.Map.entry("First_Purchase__c", "2024-12-10"),
            java.util.Map.entry("Annual_Spend__c", new java.math.BigDecimal("1250.5")),
            java.util.Map.entry("street", "12 St James's Square, Flat 3"),
            java.util.Map.entry("country", "United Kingdom"),
            java.util.Map.entry("LeadSource", "HubSpot"))));
  }

  @Test
  void theTwoWaySnippetMergesBothSidesEditsAndGivesThePhoneToSalesforce() {
    // the snippet's sync runs on the system clock, as the CRMs here do
    FakeCrm hubspot = FakeCrm.builder().id("hubspot").build();
    FakeCrm salesforce = FakeCrm.builder().id("salesforce").build();
    hubspot.seed(List.of(io.crmsync.model.CrmRecord.of(ObjectTypes.CONTACT, java.util.Map.of(
        "email", "ada@example.com", "lastName", "Lovelace", "phone", "+442079460018", "title", "Analyst"))));
    io.crmsync.twoway.TwoWaySync sync = TwoWayExample.build(hubspot, salesforce,
        io.crmsync.fieldmapping.FieldMapping.defaults(ObjectTypes.CONTACT), io.crmsync.backend.SyncBackend.inMemory(io.crmsync.TimeSource.system()));
    assertThat(sync.run().completed()).isTrue();

    String inHubSpot = hubspot.records(ObjectTypes.CONTACT).get(0).id();
    String inSalesforce = salesforce.records(ObjectTypes.CONTACT).get(0).id();
    salesforce.edit(ObjectTypes.CONTACT, inSalesforce, java.util.Map.of("phone", "+442079460099"));
    hubspot.edit(ObjectTypes.CONTACT, inHubSpot, java.util.Map.of("phone", "+442079460000", "title", "Director"));
    io.crmsync.twoway.TwoWayReport report = sync.run();

    assertThat(report.completed()).isTrue();
    assertThat(report.conflictsResolved()).as("%s", report).isEqualTo(1);
    for (FakeCrm side : List.of(hubspot, salesforce)) {
      assertThat(side.records(ObjectTypes.CONTACT)).singleElement().satisfies(r -> assertThat(r.fields())
          .containsEntry("phone", "+442079460099").containsEntry("title", "Director"));
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES) // the snippet polls until delivered
  void theGatewaySnippetDeliversOneChangeToBothCrmsAndRefusesTheInvalidOne() throws Exception {
    FakeCrm salesforce = FakeCrm.builder().id("salesforce").build();
    FakeCrm hubspot = FakeCrm.builder().id("hubspot").build();
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    io.crmsync.gateway.ChangeStatus status;
    System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      status = GatewayExample.submit(salesforce, hubspot);
    } finally {
      System.setOut(stdout);
    }

    assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the invalid change, refused by field")
        .contains("email").doesNotContain("not-an-email");
    assertThat(status.isDelivered()).isTrue();
    assertThat(salesforce.size(ObjectTypes.CONTACT)).isEqualTo(1);
    assertThat(hubspot.size(ObjectTypes.CONTACT)).isEqualTo(1);
  }
}

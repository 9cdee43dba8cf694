package io.crmsync.fieldmapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CRMSync;
import io.crmsync.CrmConfigurationException;
import io.crmsync.SyncReport;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.state.DeadLetter;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A mapping through the engine: records transformed on their way, a record a transform refuses dead-lettered
 * alone naming its field while the rest of its batch lands, and a broken mapping refused before a record moves.
 */
class MappedSyncTest {
  static final String MAPPING = """
      object: contact
      unmapped: drop
      rules:
        - from: email
          to: email
          transform: email
        - from: name
          to: [firstName, lastName]
          transform: [trim, split-name]
        - from: phone
          to: phone
          transform: {phone: GB}
        - from: lifecycle
          to: Stage__c
          transform:
            map:
              values: {lead: Lead, customer: Customer}
              default: Other
          direction: to-target
        - from: Favourite_Colour__c
          to: Favourite_Colour__c
        - constant: crm-sync
          to: LeadSource
      """;

  final FakeTimeSource clock = new FakeTimeSource();

  /** A target as strict as a CRM: these fields only, a record with any other refused whole. */
  FakeCrm strictTarget() {
    return FakeCrm.builder().id("crm").timeSource(clock).fields(ObjectTypes.CONTACT, List.of(
        FieldInfo.builder("email").type("email").maxLength(80).build(),
        FieldInfo.builder("firstName").maxLength(40).build(),
        FieldInfo.builder("lastName").required(true).maxLength(80).build(),
        FieldInfo.builder("phone").type("phone").build(),
        FieldInfo.builder("Stage__c").type("picklist").custom(true).picklistValues(List.of("Lead", "Customer", "Other"))
            .build(),
        FieldInfo.builder("Favourite_Colour__c").custom(true).build(),
        FieldInfo.builder("LeadSource").type("picklist").picklistValues(List.of("Web", "crm-sync")).build(),
        FieldInfo.builder("ownerId").type("reference").reference(true).build())).build();
  }

  FakeCrm source(int n) {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
    List<CrmRecord> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      records.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of(
          "email", i == 7 ? "not an address" : " Person" + i + "@Example.COM",
          "name", "Ada" + i + " van Lovelace",
          "phone", i == 13 ? "12" : "020 7946 " + String.format("%04d", i),
          "lifecycle", i % 3 == 0 ? "lead" : i % 3 == 1 ? "customer" : "evangelist",
          "Favourite_Colour__c", "teal",
          "ownerId", "u-" + i)));
    }
    app.seed(records);
    return app;
  }

  @Test
  void recordsAreMappedAndTheOneATransformRefusesIsDeadLetteredNamingItsField() {
    FakeCrm app = source(50);
    FakeCrm crm = strictTarget();
    CRMSync sync = CRMSync.builder().source(app).target(crm).timeSource(clock).matchKey(MatchKey.email())
        .mapping(FieldMapping.parse(MAPPING, "contacts.yaml")).batchSize(25).build();

    SyncReport report = sync.run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
    assertThat(report.created()).isEqualTo(48);
    assertThat(report.deadLettered()).isEqualTo(2);
    assertThat(report.balanced()).isTrue();
    Map<String, DeadLetter> letters = sync.deadLetters(10).stream()
        .collect(Collectors.toMap(d -> d.fieldErrors().get(0).field(), d -> d));
    assertThat(letters).containsOnlyKeys("email", "phone");
    assertThat(letters.get("email").errorCode()).isEqualTo("MAPPING_FAILED");
    assertThat(letters.get("email").fieldErrors()).extracting(FieldError::code).containsExactly(FieldMapping.TRANSFORM_FAILED);
    assertThat(letters.get("email").message()).contains("email: not an email address").doesNotContain("not an address'");
    assertThat(letters.get("phone").message()).contains("phone: not a possible phone number for region GB")
        .contains("contacts.yaml:");
    assertThat(letters.get("phone").record().string("email")).as("the source record, as read").isEqualTo(" Person13@Example.COM");

    CrmRecord written = crm.recordsBy(ObjectTypes.CONTACT, MatchKey.email()).get("person4@example.com");
    assertThat(written.fields()).isEqualTo(Map.of(
        "email", "person4@example.com",
        "firstName", "Ada4",
        "lastName", "van Lovelace",
        "phone", "+442079460004",
        "Stage__c", "Customer",
        "Favourite_Colour__c", "teal",
        "LeadSource", "crm-sync"));
    assertThat(crm.records(ObjectTypes.CONTACT)).filteredOn(r -> "Other".equals(r.string("Stage__c"))).hasSize(16);
  }

  @Test
  void aMappingThatDoesNotFitTheTargetIsRefusedBeforeAnyRecordMoves() {
    FakeCrm app = source(10);
    FakeCrm crm = strictTarget();
    FieldMapping broken = FieldMapping.parse(MAPPING.replace("to: Favourite_Colour__c", "to: Favorite_Color__c")
        .replace("default: Other", "default: Unknown"), "contacts.yaml");

    assertThatThrownBy(() -> CRMSync.builder().source(app).target(crm).timeSource(clock).mapping(broken).build().run())
        .isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("2 problem(s)")
        .hasMessageContaining("contacts.yaml:13: Stage__c: writes 'Unknown', which the target's picklist does not allow")
        .hasMessageContaining("contacts.yaml:20: Favorite_Color__c: the target has no contact field 'Favorite_Color__c'; "
            + "did you mean 'Favourite_Colour__c'?");
    assertThat(crm.requestCount("upsert")).isZero();
  }

  @Test
  void theDefaultsCarryCanonicalAndSameNamedCustomFieldsAndTheEngineLeavesOutTheRest() {
    FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
    app.seed(List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "ada@example.com", "lastName", "Lovelace",
        "Favourite_Colour__c", "teal", "hs_analytics_source", "DIRECT"))));
    FakeCrm crm = strictTarget();

    SyncReport report = CRMSync.builder().source(app).target(crm).timeSource(clock)
        .mapping(FieldMapping.defaults(ObjectTypes.CONTACT)).build().run();

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.fieldsLeftOut()).containsOnlyKeys("hs_analytics_source");
    assertThat(crm.records(ObjectTypes.CONTACT)).singleElement().satisfies(r -> assertThat(r.fields())
        .isEqualTo(Map.of("email", "ada@example.com", "lastName", "Lovelace", "Favourite_Colour__c", "teal")));
  }
}

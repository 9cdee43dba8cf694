package io.crmsync.fieldmapping;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Custom fields and a custom object of two CRMs, mapped by a YAML file, there and back through their emulators:
 * a HubSpot custom property and enumeration to Salesforce {@code __c} fields, and a HubSpot custom object to a
 * Salesforce custom object.
 */
class EmulatedCrmsMappingTest {
  static final String[] TIERS = {"bronze", "silver", "gold"};
  final FakeTimeSource clock = new FakeTimeSource();

  private HubSpotAdapter hubspot(HubSpotEmulator hs) {
    Map<String, String> settings = new HashMap<>(hs.adapterSettings());
    settings.put("readCustomProperties", "true");
    return HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(settings).timeSource(clock).build());
  }

  private SalesforceAdapter salesforce(SalesforceEmulator sf) {
    return SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
        .settings(Map.of("loginUrl", sf.url(), "clientId", "emulator", "clientSecret", "emulator")).build());
  }

  private static Path resource(String name) throws Exception {
    return Path.of(EmulatedCrmsMappingTest.class.getResource("/" + name).toURI());
  }

  @Test
  void customFieldsGoToSalesforceAndComeBackToHubSpot() throws Exception {
    try (HubSpotEmulator hs = HubSpotEmulator.builder().timeSource(clock)
            .property("contacts", "favourite_colour")
            .enumerationProperty("contacts", "loyalty_tier", false, TIERS)
            .build().start();
        SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock)
            .customField("Contact", "Favourite_Colour__c", FieldType.STRING)
            .picklistField("Contact", "Loyalty_Tier__c", List.of("Bronze", "Silver", "Gold"), true)
            .build().start();
        HubSpotAdapter hubspot = hubspot(hs);
        SalesforceAdapter salesforce = salesforce(sf)) {
      for (int i = 0; i < 30; i++) {
        hs.insert("contacts", Map.of("email", "c" + i + "@example.com", "firstname", "First" + i, "lastname", "Last" + i,
            "favourite_colour", " Teal ", "loyalty_tier", TIERS[i % 3]));
      }
      clock.advance(Duration.ofMinutes(1));
      FieldMapping mapping = FieldMapping.load(resource("hubspot-to-salesforce.yaml"));
      assertThat(mapping.check(ObjectTypes.CONTACT, hubspot.describe(ObjectTypes.CONTACT),
          salesforce.describe(ObjectTypes.CONTACT))).isEmpty();

      SyncReport out = sync(hubspot, salesforce, mapping);

      assertThat(out.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(out.created()).isEqualTo(30);
      Map<String, Map<String, Object>> inSalesforce = new HashMap<>();
      sf.records("Contact").forEach(r -> inSalesforce.put((String) r.get("Email"), r));
      assertThat(inSalesforce.get("c4@example.com")).containsEntry("FirstName", "First4").containsEntry("LastName", "Last4")
          .containsEntry("Favourite_Colour__c", "teal").containsEntry("Loyalty_Tier__c", "Silver");

      // changed in Salesforce, and synced back with the same file read the other way round
      clock.advance(Duration.ofMinutes(1));
      List<CrmRecord> changes = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        changes.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "c" + i + "@example.com",
            "Loyalty_Tier__c", "Gold", "Favourite_Colour__c", "amber")));
      }
      assertThat(salesforce.upsert(ObjectTypes.CONTACT, changes, MatchKey.email())).allMatch(RecordResult::succeeded);
      clock.advance(Duration.ofMinutes(1));

      SyncReport back = sync(salesforce, hubspot, mapping.inverse());

      assertThat(back.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(back.deadLettered()).isZero();
      Map<String, Map<String, String>> inHubSpot = new HashMap<>();
      hs.records("contacts").forEach(r -> inHubSpot.put(r.get("email"), r));
      assertThat(inHubSpot).hasSize(30);
      for (int i = 0; i < 30; i++) {
        Map<String, String> c = inHubSpot.get("c" + i + "@example.com");
        assertThat(c.get("loyalty_tier")).as("contact %s", i).isEqualTo(i < 10 ? "gold" : TIERS[i % 3]);
        assertThat(c.get("favourite_colour")).as("contact %s", i).isEqualTo(i < 10 ? "amber" : "teal");
        assertThat(c.get("firstname")).isEqualTo("First" + i);
      }
    }
  }

  private SyncReport sync(CRMAdapter source, CRMAdapter target, RecordMapper mapping) {
    return CRMSync.builder().source(source).target(target).timeSource(clock).mapping(mapping).build().run();
  }

  @Test
  void aCustomObjectIsMappedToAnotherCustomObjectAndBack() throws Exception {
    try (HubSpotEmulator hs = HubSpotEmulator.builder().timeSource(clock)
            .objectType("pets")
            .property("pets", "pet_code", "string", true)
            .property("pets", "pet_name")
            .enumerationProperty("pets", "species", false, "dog", "cat")
            .build().start();
        SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock)
            .sObject("Pet__c")
            .externalIdField("Pet__c", "Pet_Code__c")
            .picklistField("Pet__c", "Species__c", List.of("Dog", "Cat"), true)
            .build().start();
        HubSpotAdapter hubspot = hubspot(hs);
        SalesforceAdapter salesforce = salesforce(sf)) {
      hs.insert("pets", Map.of("pet_code", "P1", "pet_name", " rex ", "species", "dog"));
      hs.insert("pets", Map.of("pet_code", "P2", "pet_name", "tibbles", "species", "cat"));
      FieldMapping pets = FieldMapping.load(resource("pets.yaml"));
      assertThat(pets.check(hubspot.describe("pets"), salesforce.describe("Pet__c"))).isEmpty();
      assertThat(pets.inverse().check(salesforce.describe("Pet__c"), hubspot.describe("pets"))).isEmpty();

      List<CrmRecord> mapped = new ArrayList<>();
      for (CrmRecord r : readAll(hubspot, "pets")) {
        mapped.add(pets.map(r, RecordMapper.Direction.TO_TARGET));
      }
      assertThat(mapped).allSatisfy(r -> assertThat(r.objectType()).isEqualTo("Pet__c"));
      assertThat(salesforce.upsert("Pet__c", mapped, MatchKey.field("Pet_Code__c"))).allMatch(RecordResult::succeeded);
      assertThat(sf.records("Pet__c")).extracting(r -> r.get("Name") + "/" + r.get("Species__c"))
          .containsExactlyInAnyOrder("Rex/Dog", "Tibbles/Cat");

      sf.insert("Pet__c", Map.of("Pet_Code__c", "P3", "Name", "Felix", "Species__c", "Cat"));
      List<CrmRecord> back = new ArrayList<>();
      for (CrmRecord r : readAll(salesforce, "Pet__c")) {
        back.add(pets.inverse().map(r, RecordMapper.Direction.TO_TARGET));
      }
      assertThat(hubspot.upsert("pets", back, MatchKey.field("pet_code"))).allMatch(RecordResult::succeeded);
      assertThat(hs.records("pets")).extracting(r -> r.get("pet_code") + "/" + r.get("pet_name") + "/" + r.get("species"))
          .containsExactlyInAnyOrder("P1/Rex/dog", "P2/Tibbles/cat", "P3/Felix/cat");
    }
  }

  private static List<CrmRecord> readAll(CRMAdapter adapter, String objectType) {
    List<CrmRecord> out = new ArrayList<>();
    String cursor = null;
    do {
      Page page = adapter.read(ReadRequest.of(objectType).withCursor(cursor));
      out.addAll(page.records());
      cursor = page.nextCursor();
    } while (cursor != null);
    return out;
  }
}

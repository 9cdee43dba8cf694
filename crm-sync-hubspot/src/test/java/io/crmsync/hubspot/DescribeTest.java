package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.FieldInfo;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code describe()} says what HubSpot's properties API says: which properties hold HubSpot ids, which are
 * read-only or calculated, and which values an enumeration takes; the engine writes only what it lists as
 * writable and copies no id of one system into another.
 */
class DescribeTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;
  Map<String, FieldInfo> contact;

  @BeforeEach
  void start() {
    hubspot = HubSpotEmulator.builder().timeSource(clock)
        .referenceProperty("contacts", "account_manager", "OWNER")
        .referenceProperty("contacts", "main_company_id", "COMPANY")
        .calculatedProperty("contacts", "lifetime_value", "number")
        .enumerationProperty("contacts", "interests", true, "golf", "sailing")
        .property("contacts", "favourite_colour")
        .build().start();
    contact = Emulated.adapter(hubspot, clock).describe(ObjectTypes.CONTACT).stream()
        .collect(Collectors.toMap(FieldInfo::nativeName, Function.identity()));
  }

  @AfterEach
  void stop() {
    hubspot.close();
  }

  @Test
  void propertiesHoldingHubSpotIdsAreReferences() {
    FieldInfo owner = contact.get("hubspot_owner_id");
    assertThat(owner.name()).isEqualTo("ownerId");
    assertThat(owner.reference()).isTrue();
    assertThat(owner.writable()).as("HubSpot takes its own owner ids").isTrue();
    assertThat(owner.picklistValues()).as("the options are the account's owners, not a fixed list").isEmpty();
    assertThat(contact.get("account_manager").reference()).isTrue();
    assertThat(contact.get("main_company_id").reference()).isTrue();
    assertThat(contact.get("hs_object_id").reference()).isTrue();
    assertThat(contact.get("firstname").reference()).isFalse();
    assertThat(contact.get("favourite_colour").reference()).isFalse();
  }

  @Test
  void readOnlyAndCalculatedPropertiesAreNotWritable() {
    for (String name : List.of("hs_object_id", "lastmodifieddate", "hs_lastmodifieddate", "hs_email_domain",
        "lifetime_value")) {
      assertThat(contact.get(name).readOnly()).as(name).isTrue();
      assertThat(contact.get(name).writable()).as(name).isFalse();
    }
    for (String name : List.of("email", "firstname", "jobtitle", "lifecyclestage", "favourite_colour", "createdate")) {
      assertThat(contact.get(name).writable()).as(name).isTrue();
    }
  }

  @Test
  void enumerationsListTheValuesTheyTake() {
    assertThat(contact.get("lifecyclestage").picklistValues()).containsExactly("subscriber", "lead",
        "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other");
    assertThat(contact.get("interests").picklistValues()).containsExactly("golf", "sailing");
    assertThat(contact.get("interests").type()).isEqualTo("enumeration");
    assertThat(contact.get("firstname").picklistValues()).isEmpty();
  }

  @Test
  void typesNamesAndCustomFlagsFollowThePropertiesApi() {
    assertThat(contact.get("email").type()).isEqualTo("email");
    assertThat(contact.get("email").name()).isEqualTo("email");
    assertThat(contact.get("jobtitle").name()).isEqualTo("title");
    assertThat(contact.get("createdate").type()).isEqualTo("datetime");
    assertThat(contact.get("favourite_colour").custom()).isTrue();
    assertThat(contact.get("firstname").custom()).isFalse();
    assertThat(contact.values()).as("the properties API names no length limit")
        .allSatisfy(f -> assertThat(f.maxLength()).isZero());
  }

  @Test
  void dealStagesArePicklists() {
    Map<String, FieldInfo> deal = Emulated.adapter(hubspot, clock).describe(ObjectTypes.DEAL).stream()
        .collect(Collectors.toMap(FieldInfo::nativeName, Function.identity()));
    assertThat(deal.get("dealstage").picklistValues()).contains("appointmentscheduled", "closedwon", "closedlost");
    assertThat(deal.get("pipeline").picklistValues()).containsExactly("default");
    assertThat(deal.get("hubspot_owner_id").reference()).isTrue();
  }
}

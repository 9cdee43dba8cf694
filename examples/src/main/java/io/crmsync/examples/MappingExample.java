package io.crmsync.examples;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.mapping.MappingProblem;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The README's mapping: a YAML file checked against both CRMs' fields, then used by a sync. */
public final class MappingExample {
  /** The mapping file the README shows, on the class path. */
  public static final String FILE = "mappings/hubspot-contacts-to-salesforce.yaml";

  private MappingExample() {}

  /** The file as a {@link FieldMapping}; {@code FieldMapping.load(Path)} reads one from disk. */
  public static FieldMapping load() {
    try (InputStream in = Objects.requireNonNull(MappingExample.class.getClassLoader().getResourceAsStream(FILE), FILE)) {
      return FieldMapping.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "hubspot-contacts-to-salesforce.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SyncReport sync(CRMAdapter hubspot, CRMAdapter salesforce) {
    // README:mapping:start
    FieldMapping mapping = load();   // or FieldMapping.load(Path.of("hubspot-contacts-to-salesforce.yaml"))
    List<MappingProblem> problems = mapping.check(ObjectTypes.CONTACT,
        hubspot.describe(ObjectTypes.CONTACT), salesforce.describe(ObjectTypes.CONTACT));
    problems.forEach(System.out::println);   // file:line: field: what is wrong and what to do

    CRMSync sync = CRMSync.builder()
        .source(hubspot)
        .target(salesforce)
        .mapping(mapping)             // checked again before a record moves; run() refuses it with problems
        .build();
    SyncReport report = sync.run();  // a record a transform refuses is dead-lettered naming the field
    // README:mapping:end
    return report;
  }

  /** A Salesforce-like target: the contact fields it takes, as its describe() would list them. */
  public static List<FieldInfo> salesforceFields() {
    return List.of(
        FieldInfo.builder("email").nativeName("Email").type("email").maxLength(80).build(),
        FieldInfo.builder("firstName").nativeName("FirstName").maxLength(40).build(),
        FieldInfo.builder("lastName").nativeName("LastName").required(true).maxLength(80).build(),
        FieldInfo.builder("phone").nativeName("Phone").type("phone").maxLength(40).build(),
        FieldInfo.builder("street").nativeName("MailingStreet").type("textarea").maxLength(255).build(),
        FieldInfo.builder("country").nativeName("MailingCountry").maxLength(80).build(),
        FieldInfo.builder("LeadSource").type("picklist").picklistValues(List.of("Web", "HubSpot", "Other")).build(),
        FieldInfo.builder("Lifecycle_Stage__c").type("picklist").custom(true)
            .picklistValues(List.of("Lead", "MQL", "SQL", "Customer", "Other")).build(),
        FieldInfo.builder("Favourite_Colour__c").custom(true).maxLength(40).build(),
        FieldInfo.builder("First_Purchase__c").type("date").custom(true).build(),
        FieldInfo.builder("Annual_Spend__c").type("currency").custom(true).build(),
        FieldInfo.builder("createdAt").nativeName("CreatedDate").type("datetime").readOnly(true).build());
  }

  /** A HubSpot-like source: its contact properties, under canonical names where there are some. */
  public static List<FieldInfo> hubspotFields() {
    return List.of(
        FieldInfo.builder("email").type("email").build(),
        FieldInfo.builder("firstName").nativeName("firstname").build(),
        FieldInfo.builder("lastName").nativeName("lastname").build(),
        FieldInfo.builder("phone").build(),
        FieldInfo.builder("address").build(),
        FieldInfo.builder("address2").custom(true).build(),
        FieldInfo.builder("country").build(),
        FieldInfo.builder("lifecyclestage").type("enumeration").picklistValues(List.of("subscriber", "lead",
            "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other")).build(),
        FieldInfo.builder("favourite_colour").custom(true).build(),
        FieldInfo.builder("first_purchase").custom(true).build(),
        FieldInfo.builder("annual_spend").custom(true).build(),
        FieldInfo.builder("hs_analytics_source").readOnly(true).build());
  }

  public static void main(String[] args) {
    FakeCrm hubspot = FakeCrm.builder().id("hubspot").fields(ObjectTypes.CONTACT, hubspotFields()).build();
    FakeCrm salesforce = FakeCrm.builder().id("salesforce").fields(ObjectTypes.CONTACT, salesforceFields()).build();
    hubspot.seed(List.of(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", " Ada@Example.com", "firstName", "ada",
        "lastName", "Lovelace", "phone", "020 7946 0018", "lifecyclestage", "customer", "favourite_colour", "Teal",
        "first_purchase", "10/12/2024", "annual_spend", "1,250.00", "address", "12 St James's Square"))));
    System.out.println(sync(hubspot, salesforce));
    System.out.println(salesforce.records(ObjectTypes.CONTACT));
  }
}

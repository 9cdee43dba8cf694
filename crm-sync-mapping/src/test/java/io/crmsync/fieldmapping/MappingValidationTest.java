package io.crmsync.fieldmapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.mapping.MappingProblem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems of a mapping are found before a record moves, all at once, each naming its line and field. */
class MappingValidationTest {
  static final List<FieldInfo> SOURCE = List.of(
      FieldInfo.builder("email").type("email").build(),
      FieldInfo.builder("score").type("number").build(),
      FieldInfo.builder("firstName").build(),
      FieldInfo.builder("name").build(),
      FieldInfo.builder("lifecycle").type("enumeration").picklistValues(List.of("lead", "customer", "evangelist")).build(),
      FieldInfo.builder("phone").type("phone").build(),
      FieldInfo.builder("ownerName").build(),
      FieldInfo.builder("street1").build(),
      FieldInfo.builder("street2").build(),
      FieldInfo.builder("city").build());
  static final List<FieldInfo> TARGET = List.of(
      FieldInfo.builder("email").nativeName("Email").type("email").maxLength(80).build(),
      FieldInfo.builder("lastName").nativeName("LastName").required(true).maxLength(80).build(),
      FieldInfo.builder("Is_Vip__c").type("boolean").custom(true).build(),
      FieldInfo.builder("Full_Name__c").custom(true).readOnly(true).build(),
      FieldInfo.builder("Stage__c").type("picklist").custom(true).picklistValues(List.of("Lead", "Customer", "Other")).build(),
      FieldInfo.builder("Status__c").type("picklist").custom(true).picklistValues(List.of("lead", "customer")).build(),
      FieldInfo.builder("Source__c").custom(true).maxLength(10).build(),
      FieldInfo.builder("phone").type("phone").build(),
      FieldInfo.builder("ownerId").nativeName("OwnerId").type("reference").reference(true).build(),
      FieldInfo.builder("firstName").build(),
      FieldInfo.builder("street").build(),
      FieldInfo.builder("city").build(),
      FieldInfo.builder("Id").type("id").readOnly(true).required(true).reference(true).build());

  static Path resource(String name) throws Exception {
    return Path.of(MappingValidationTest.class.getResource("/" + name).toURI());
  }

  private static Map<String, String> byLocationAndField(List<MappingProblem> problems) {
    return problems.stream().collect(Collectors.toMap(p -> p.location() + " " + p.field(), MappingProblem::message,
        (a, b) -> a + " | " + b));
  }

  @Test
  void everyKindOfProblemIsReportedTogetherWithItsLineAndField() throws Exception {
    FieldMapping mapping = FieldMapping.load(resource("broken-contacts.yaml"));

    List<MappingProblem> problems = mapping.check("contact", SOURCE, TARGET);

    Map<String, String> found = byLocationAndField(problems);
    assertThat(found).containsOnlyKeys(
        "broken-contacts.yaml:38 tranform",        // unknown key in a rule
        "broken-contacts.yaml:24 phone",           // unregistered transform
        "broken-contacts.yaml:30 firstName",       // split-name gives two fields, one 'to'
        "broken-contacts.yaml:33 street",          // concat both ways cannot be undone
        "broken-contacts.yaml:7 Emial",            // unknown source field
        "broken-contacts.yaml:7 Email__c",         // unknown target field
        "broken-contacts.yaml:9 Is_Vip__c",        // a number into a boolean
        "broken-contacts.yaml:11 Full_Name__c",    // read-only target
        "broken-contacts.yaml:13 Stage__c",        // a map default the picklist does not allow
        "broken-contacts.yaml:20 Source__c",       // a constant longer than the field
        "broken-contacts.yaml:25 ownerId",         // a reference field
        "broken-contacts.yaml:27 Status__c",       // source picklist values the target does not allow
        "broken-contacts.yaml:3 lastName");        // a required field nothing writes
    assertThat(found.get("broken-contacts.yaml:38 tranform")).contains("did you mean 'transform'?");
    assertThat(found.get("broken-contacts.yaml:24 phone")).contains("unknown transform 'e164ify'")
        .contains("TransformRegistry");
    assertThat(found.get("broken-contacts.yaml:30 firstName")).contains("split-name").contains("2 fields");
    assertThat(found.get("broken-contacts.yaml:33 street")).contains("concat cannot be undone").contains("to-target");
    assertThat(found.get("broken-contacts.yaml:7 Emial")).contains("the source has no contact field 'Emial'")
        .contains("did you mean 'email'?");
    assertThat(found.get("broken-contacts.yaml:7 Email__c")).contains("the target has no contact field 'Email__c'")
        .contains("its fields are email, lastName, Is_Vip__c");
    assertThat(found.get("broken-contacts.yaml:9 Is_Vip__c")).contains("a number").contains("boolean")
        .contains("to-boolean");
    assertThat(found.get("broken-contacts.yaml:11 Full_Name__c")).contains("read-only");
    assertThat(found.get("broken-contacts.yaml:13 Stage__c")).contains("'Unknown'").contains("Lead, Customer, Other");
    assertThat(found.get("broken-contacts.yaml:20 Source__c")).contains("at most 10");
    assertThat(found.get("broken-contacts.yaml:25 ownerId")).contains("ids of the target's own records");
    assertThat(found.get("broken-contacts.yaml:27 Status__c")).contains("evangelist").contains("map transform");
    assertThat(found.get("broken-contacts.yaml:3 lastName")).contains("requires this field");
    assertThat(mapping.problems()).as("found without any adapter").hasSize(4);
    assertThat(problems.subList(0, 4)).as("those first").isEqualTo(mapping.problems());
    assertThat(mapping.inverse().problems()).as("the other way round has them too")
        .containsExactlyInAnyOrderElementsOf(mapping.problems());
  }

  @Test
  void theEngineRefusesItWithEveryProblemInOneMessage() throws Exception {
    FieldMapping mapping = FieldMapping.load(resource("broken-contacts.yaml"));
    assertThatThrownBy(() -> mapping.map(io.crmsync.model.CrmRecord.of("contact", Map.of("email", "a@b.co")),
        io.crmsync.mapping.RecordMapper.Direction.TO_TARGET))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("4 problem(s)");
  }

  @Test
  void aGoodMappingHasNoProblem() {
    FieldMapping mapping = FieldMapping.parse("""
        object: contact
        rules:
          - from: email
            to: email
            transform: email
          - from: name
            to: [firstName, lastName]
            transform: [trim, split-name]
          - from: lifecycle
            to: Stage__c
            transform:
              map:
                values: {lead: Lead, customer: Customer, evangelist: Other}
          - constant: crm-sync
            to: Source__c
          - from: score
            to: Is_Vip__c
            transform: to-boolean
        """, "good.yaml");

    assertThat(mapping.check("contact", SOURCE, TARGET)).isEmpty();
  }

  @Test
  void aMappingForAnotherObjectTypeIsAProblem() {
    FieldMapping mapping = FieldMapping.parse("object: company\nrules: []\n", "companies.yaml");
    assertThat(mapping.check("contact", List.of(), List.of()))
        .singleElement().satisfies(p -> assertThat(p.message()).contains("for company").contains("moves contact"));
  }

  @Test
  void aSideThatDescribesNoFieldIsNotChecked() {
    FieldMapping mapping = FieldMapping.parse("rules:\n  - from: anything\n    to: Whatever__c\n", "open.yaml");
    assertThat(mapping.check("contact", List.of(), List.of())).isEmpty();
  }

  @Test
  void optionalRulesApplyOnlyWhereTheSourceHasTheField() {
    FieldMapping mapping = FieldMapping.builder("contact", "contact")
        .field("fax").to("phone").optional()
        .field("email").to("email")
        .build();
    assertThat(mapping.check("contact", SOURCE, TARGET)).extracting(MappingProblem::field).containsExactly("lastName");
  }

  @Test
  void aFileThatIsNotYamlFailsAtOnceWithItsLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    java.nio.file.Files.writeString(file, "rules:\n  - from: email\n    to: [email\n");
    assertThatThrownBy(() -> FieldMapping.load(file)).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("bad.yaml:").hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> FieldMapping.load(dir.resolve("missing.yaml")))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("cannot read the mapping file");
    assertThatThrownBy(() -> FieldMapping.parse("- just\n- a list\n", "list.yaml"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("list.yaml:1: a mapping file is a map");
    assertThatThrownBy(() -> FieldMapping.parse("{\"rules\": [}", "bad.json"))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("not valid JSON");
  }

  @Test
  void jsonFilesKeepTheirLinesToo() {
    FieldMapping mapping = FieldMapping.parse("""
        {
          "object": "contact",
          "rules": [
            {"from": "email", "to": "email"},
            {"from": "nope", "to": "email2"}
          ]
        }
        """, "contacts.json");
    assertThat(mapping.check("contact", SOURCE, List.of(FieldInfo.builder("email").build())))
        .extracting(MappingProblem::toString)
        .containsExactly("contacts.json:5: nope: the source has no contact field 'nope'; did you mean 'name'?",
            "contacts.json:5: email2: the target has no contact field 'email2'; did you mean 'email'?");
  }

  @Test
  void twoRulesWritingOneFieldAndBadOptionsAreProblems() {
    FieldMapping mapping = FieldMapping.parse("""
        rules:
          - from: email
            to: email
          - from: name
            to: email
          - from: phone
            to: phone
            transform: {phone: XX}
          - from: created
            to: created
            transform: {date: {from: "dd/MM/yyyy", to: iso-date, zone: Mars/Olympus}}
          - from: amount
            to: amount
            transform: {number: {from: "#,##0.00", locale: de-DE, rounding: up}}
          - from: city
            to: city
            direction: sideways
        """, "options.yaml");
    assertThat(mapping.problems()).extracting(MappingProblem::toString).containsExactly(
        "options.yaml:8: phone: unknown region 'XX': give an ISO 3166 country code such as GB or US",
        "options.yaml:11: created: not a time zone: 'Mars/Olympus'; give one such as UTC or Europe/London",
        "options.yaml:14: amount: unknown option 'rounding' of number; it takes from, locale, to",
        "options.yaml:17: city: direction is to-target, to-source or both, not 'sideways'",
        "options.yaml:4: email: the rule at options.yaml:2 writes target field 'email' too: keep one of them");
  }

  @Test
  void codeBuiltMappingsRefuseTheirOwnProblemsAtBuild() {
    assertThatThrownBy(() -> FieldMapping.builder("contact", "contact")
        .field("street1", "street2").to("street").transform(Transforms.concat(", "))
        .field("name").to("fullName").transform(Transforms.splitName())
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mapping rule 1: street: concat cannot be undone")
        .hasMessageContaining("mapping rule 2: fullName: its transforms (split-name) give 2 fields, and it names 1 field");
  }
}

package io.crmsync.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The examples are what users copy: they use the API and the spi packages, never an internal class. */
class ExamplesUseOnlyTheApiTest {
  @Test
  void examplesNeverUseAnInternalClass() {
    noClasses().should().dependOnClassesThat().resideInAPackage("..internal..")
        .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.crmsync.examples"));
  }
}

package io.crmsync.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three tiers of every module, enforced: the API users call, {@code spi} for what plug-in authors
 * implement, and {@code internal} for the rest, which is no one else's. Checked over the main classes of
 * every published module (this module's tests see all of them); the benchmarks, which are not published,
 * are not checked.
 */
class TiersTest {
  /** The packages of crm-sync-core. */
  private static final String[] CORE = {"io.crmsync", "io.crmsync.adapter..", "io.crmsync.backend..",
      "io.crmsync.http..", "io.crmsync.internal..", "io.crmsync.mapping..", "io.crmsync.model..",
      "io.crmsync.queue..", "io.crmsync.state..", "io.crmsync.twoway.."};
  private static final String[] CORE_INTERNALS = {"io.crmsync.internal..", "io.crmsync.adapter.internal..",
      "io.crmsync.queue.internal..", "io.crmsync.state.internal.."};
  private static final Pattern MODULE_INTERNAL = Pattern.compile("io\\.crmsync\\.([a-z0-9]+)\\.internal(\\..*)?");

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("/crm-sync-benchmarks/"))
        .importPackages("io.crmsync");
  }

  @Test
  void noModuleOutsideCoreReachesIntoCoresInternals() {
    noClasses().that().resideOutsideOfPackages(CORE)
        .should().dependOnClassesThat().resideInAnyPackage(CORE_INTERNALS)
        .because("core's internals may change without notice; what adapters, backends and tools need is in"
            + " the API or an spi package")
        .check(classes);
  }

  @Test
  void eachModulesInternalsAreItsOwn() {
    classes().should(new ArchCondition<JavaClass>("use another module's internal classes only from that module") {
      @Override
      public void check(JavaClass item, ConditionEvents events) {
        String own = item.getPackageName();
        for (var d : item.getDirectDependenciesFromSelf()) {
          Matcher m = MODULE_INTERNAL.matcher(d.getTargetClass().getPackageName());
          if (m.matches() && !Set.of("adapter", "queue", "state").contains(m.group(1))
              && !own.equals("io.crmsync." + m.group(1)) && !own.startsWith("io.crmsync." + m.group(1) + ".")) {
            events.add(SimpleConditionEvent.violated(item, d.getDescription()));
          }
        }
      }
    }).check(classes);
  }

  @Test
  void publicSignaturesOutsideInternalPackagesExposeNoInternalType() {
    DescribedPredicate<JavaClass> internal = DescribedPredicate.describe("an internal type",
        c -> c.getPackageName().contains(".internal"));
    classes().that().arePublic().and().resideOutsideOfPackages("..internal..")
        .should(new ArchCondition<JavaClass>("expose no internal type in a public or protected signature") {
          @Override
          public void check(JavaClass item, ConditionEvents events) {
            List<String> found = new ArrayList<>();
            item.getRawSuperclass().filter(internal).ifPresent(s -> found.add("extends " + s.getName()));
            item.getRawInterfaces().stream().filter(internal).forEach(i -> found.add("implements " + i.getName()));
            for (JavaCodeUnit u : item.getCodeUnits()) {
              if (!visible(u.getModifiers())) {
                continue;
              }
              if (internal.test(u.getRawReturnType())) {
                found.add(u.getFullName() + " returns " + u.getRawReturnType().getName());
              }
              u.getRawParameterTypes().stream().filter(internal)
                  .forEach(p -> found.add(u.getFullName() + " takes " + p.getName()));
            }
            for (JavaField f : item.getFields()) {
              if (visible(f.getModifiers()) && internal.test(f.getRawType())) {
                found.add(f.getFullName() + " is a " + f.getRawType().getName());
              }
            }
            found.forEach(f -> events.add(SimpleConditionEvent.violated(item, item.getName() + ": " + f)));
          }
        })
        .check(classes);
  }

  private static boolean visible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }
}

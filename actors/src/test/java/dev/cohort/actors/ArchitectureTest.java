package dev.cohort.actors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of DESIGN.md, checked by ArchUnit on the compiled production classes of protocol,
 * model and actors: the protocol knows nothing of DL4J, Pekko or the model; the model nothing of
 * Pekko, the protocol or the runtime; no package reaches itself through others, so each can be
 * read, tested and changed from its dependencies upwards. (That nothing in production uses the
 * benchmarks is the bench module's {@code BenchStaysOutsideTest}.)
 */
class ArchitectureTest {

  private static JavaClasses production;

  @BeforeAll
  static void importProductionClasses() {
    production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.cohort");
    for (String module : new String[] {"dev.cohort.protocol", "dev.cohort.model", "dev.cohort.actors.peer"}) {
      assertTrue(production.stream().anyMatch(c -> c.getPackageName().startsWith(module)),
          "the classes of " + module + " were found");
    }
  }

  @Test
  void theProtocolKnowsNothingOfDl4jPekkoOrTheModel() {
    noClasses().that().resideInAPackage("dev.cohort.protocol..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("org.deeplearning4j..", "org.nd4j..", "org.apache.pekko..", "dev.cohort.model..",
            "dev.cohort.actors..")
        .check(production);
  }

  @Test
  void theModelKnowsNothingOfPekkoTheProtocolOrTheRuntime() {
    noClasses().that().resideInAPackage("dev.cohort.model..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("org.apache.pekko..", "dev.cohort.protocol..", "dev.cohort.actors..")
        .check(production);
  }

  @Test
  void noPackageUsesItselfThroughOthers() {
    slices().matching("dev.cohort.(**)").should().beFreeOfCycles().check(production);
  }
}

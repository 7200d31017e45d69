package dev.cohort.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks use the runtime; nothing of the runtime, the model or the protocol uses them, so
 * they stay out of its jar and image (ArchUnit, on the compiled classes of every module, which
 * this module alone has on its class path).
 */
class BenchStaysOutsideTest {

  @Test
  void nothingInProductionUsesTheBenchmarks() {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.cohort");
    assertTrue(classes.stream().anyMatch(c -> c.getPackageName().equals("dev.cohort.bench")), "bench classes found");
    assertTrue(classes.stream().anyMatch(c -> c.getPackageName().startsWith("dev.cohort.actors")), "runtime found");
    noClasses().that().resideOutsideOfPackage("dev.cohort.bench..")
        .should().dependOnClassesThat().resideInAPackage("dev.cohort.bench..")
        .check(classes);
  }
}

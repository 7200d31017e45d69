package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The real dataset the demo trains on, where Debian's dataset-fashion-mnist is installed (CI installs it). */
class FashionMnistTest {

  @Test
  void debiansFashionMnistReadsAsSixtyThousandAndTenThousandImagesOfTenClasses() {
    assumeTrue(
        Files.isDirectory(IdxDataset.DEBIAN_FASHION_MNIST),
        "dataset-fashion-mnist is not installed here; .ci/run installs it");
    IdxDataset.Splits splits = IdxDataset.load(IdxDataset.DEBIAN_FASHION_MNIST);
    assertEquals(60_000, splits.train().size());
    assertEquals(10_000, splits.test().size());
    assertEquals(784, splits.train().featureCount());
    int[] perClass = new int[10];
    for (int i = 0; i < splits.test().size(); i++) {
      perClass[splits.test().label(i)]++;
    }
    for (int count : perClass) {
      assertEquals(1000, count, "Fashion-MNIST's test split has 1000 images per class");
    }
    float[] pixels = splits.train().features(new int[] {0, 1, 2}).ravel().toFloatVector();
    for (float p : pixels) {
      assertTrue(p >= 0 && p <= 1);
    }
  }
}

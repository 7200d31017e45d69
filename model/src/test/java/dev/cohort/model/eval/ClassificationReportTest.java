package dev.cohort.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {

  /**
   * Four examples, three classes, computed by hand:
   *   row 0: label 0, p = (0.7, 0.2, 0.1) -> predicts 0, right, confidence 0.7
   *   row 1: label 1, p = (0.1, 0.8, 0.1) -> predicts 1, right, confidence 0.8
   *   row 2: label 1, p = (0.6, 0.3, 0.1) -> predicts 0, wrong, confidence 0.6
   *   row 3: label 2, p = (0.2, 0.2, 0.6) -> predicts 2, right, confidence 0.6
   * accuracy 3/4; NLL = -(ln 0.7 + ln 0.8 + ln 0.3 + ln 0.6) / 4;
   * ECE with 15 bins: 0.6 -> bin 9 holds rows 2 and 3 (confidence 1.2, correct 1),
   * 0.7 -> bin 10 (0.7 vs 1), 0.8 -> bin 12 (0.8 vs 1):
   * (|1 - 1.2| + |1 - 0.7| + |1 - 0.8|) / 4 = 0.7 / 4 = 0.175.
   */
  @Test
  void matchesAHandComputedCase() {
    float[] p = {0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f, 0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f};
    ClassificationReport report = ClassificationReport.of(p, new int[] {0, 1, 1, 2}, 3);
    assertEquals(0.75, report.accuracy(), 1e-12);
    double nll = -(Math.log(0.7f) + Math.log(0.8f) + Math.log(0.3f) + Math.log(0.6f)) / 4;
    assertEquals(nll, report.nll(), 1e-9);
    assertEquals(0.175, report.ece(), 1e-6);
    assertArrayEquals(new double[] {1.0, 0.5, 1.0}, report.classAccuracy(), 1e-12);
    assertArrayEquals(new int[] {1, 2, 1}, report.classExamples());
    assertArrayEquals(new long[] {1, 0, 0}, report.confusion()[0]);
    assertArrayEquals(new long[] {1, 1, 0}, report.confusion()[1]);
    assertArrayEquals(new long[] {0, 0, 1}, report.confusion()[2]);
  }

  @Test
  void aClassWithoutExamplesHasNoAccuracyAndTheTextSaysSo() {
    ClassificationReport report = ClassificationReport.of(new float[] {0.9f, 0.1f}, new int[] {0}, 2);
    assertTrue(Double.isNaN(report.classAccuracy()[1]));
    String text = report.text(List.of("cat", "dog"));
    assertTrue(text.contains("cat") && text.contains("n/a") && text.contains("accuracy 1.0000"), text);
  }

  @Test
  void aConfidentMistakeGivesAFiniteNll() {
    ClassificationReport report = ClassificationReport.of(new float[] {1f, 0f}, new int[] {1}, 2);
    assertEquals(-Math.log(1e-12), report.nll(), 1e-9);
  }
}

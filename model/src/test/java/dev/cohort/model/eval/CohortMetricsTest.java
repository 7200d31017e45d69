package dev.cohort.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CohortMetricsTest {

  @Test
  void agreementKlInBothDirectionsAndAnEnsembleThatBeatsEachPeer() {
    // Three rows, two classes, true classes 0, 0, 1. a is wrong on row 2, b on row 0 (barely);
    // averaged, their probabilities get every row right.
    Map<String, float[]> p = new LinkedHashMap<>();
    p.put("a", new float[] {0.9f, 0.1f, 0.8f, 0.2f, 0.6f, 0.4f});
    p.put("b", new float[] {0.4f, 0.6f, 0.7f, 0.3f, 0.1f, 0.9f});
    CohortMetrics m = CohortMetrics.of(p, new int[] {0, 0, 1}, 2);
    assertEquals(1.0 / 3, m.agreement().get("a").get("b"), 1e-12);
    assertEquals(m.agreement().get("a").get("b"), m.agreement().get("b").get("a"));
    assertEquals(1.0, m.ensembleAccuracy());
    double klAb = (0.9 * Math.log(0.9 / 0.4) + 0.1 * Math.log(0.1 / 0.6)
        + 0.8 * Math.log(0.8 / 0.7) + 0.2 * Math.log(0.2 / 0.3)
        + 0.6 * Math.log(0.6 / 0.1) + 0.4 * Math.log(0.4 / 0.9)) / 3;
    double klBa = (0.4 * Math.log(0.4 / 0.9) + 0.6 * Math.log(0.6 / 0.1)
        + 0.7 * Math.log(0.7 / 0.8) + 0.3 * Math.log(0.3 / 0.2)
        + 0.1 * Math.log(0.1 / 0.6) + 0.9 * Math.log(0.9 / 0.4)) / 3;
    assertEquals(klAb, m.kl().get("a").get("b"), 1e-6);
    assertEquals(klBa, m.kl().get("b").get("a"), 1e-6);
    assertEquals((klAb + klBa) / 2, m.meanKl(), 1e-6);
  }

  /** Every ordered pair of five peers (zeros included, as float16 underflow gives) against KL's definition. */
  @Test
  void everyPairsKlAndAgreementMatchTheirDefinitionsWithZerosFloored() {
    int rows = 37;
    int classes = 6;
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    Map<String, float[]> p = new LinkedHashMap<>();
    for (String peer : new String[] {"a", "b", "c", "d", "e"}) {
      float[] values = new float[rows * classes];
      for (int r = 0; r < rows; r++) {
        float sum = 0;
        for (int c = 0; c < classes; c++) {
          values[r * classes + c] = random.nextInt(5) == 0 ? 0f : (float) random.nextDouble();
          sum += values[r * classes + c];
        }
        for (int c = 0; c < classes; c++) {
          values[r * classes + c] = sum > 0 ? values[r * classes + c] / sum : 1f / classes;
        }
      }
      p.put(peer, values);
    }
    int[] labels = random.ints(rows, 0, classes).toArray();
    CohortMetrics m = CohortMetrics.of(p, labels, classes);
    for (String i : p.keySet()) {
      for (String j : p.keySet()) {
        if (i.equals(j)) {
          continue;
        }
        double kl = 0;
        int same = 0;
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < classes; c++) {
            double pi = p.get(i)[r * classes + c];
            if (pi > 0) {
              kl += pi * (Math.log(pi) - Math.log(Math.max(p.get(j)[r * classes + c], 1e-7)));
            }
          }
          same += dev.cohort.model.distill.SoftTargets.argMax(p.get(i), r * classes, classes)
              == dev.cohort.model.distill.SoftTargets.argMax(p.get(j), r * classes, classes) ? 1 : 0;
        }
        assertEquals(kl / rows, m.kl().get(i).get(j), 1e-9, "KL(" + i + " || " + j + ")");
        assertEquals((double) same / rows, m.agreement().get(i).get(j), 0, "agreement of " + i + " and " + j);
      }
    }
    assertEquals(5 * 4, m.kl().values().stream().mapToInt(Map::size).sum(), "every ordered pair once");
  }

  @Test
  void rowsOfTheWrongLengthAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> CohortMetrics.of(Map.of("a", new float[5]), new int[] {0, 1, 1}, 2));
  }
}

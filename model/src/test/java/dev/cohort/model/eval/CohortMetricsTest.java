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

  @Test
  void rowsOfTheWrongLengthAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> CohortMetrics.of(Map.of("a", new float[5]), new int[] {0, 1, 1}, 2));
  }
}

package dev.cohort.model.eval;

import dev.cohort.model.distill.SoftTargets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a cohort's peers relate on one split: for each ordered pair the share of examples on which
 * their predicted classes agree and the mean KL(p_i ‖ p_j) of their class probabilities, and the
 * accuracy of the ensemble (the argmax of the peers' averaged probabilities).
 */
public record CohortMetrics(
    Map<String, Map<String, Double>> agreement,
    Map<String, Map<String, Double>> kl,
    double ensembleAccuracy) {

  /** Smallest probability used inside a log, so a zero (e.g. float16 underflow) stays finite. */
  private static final double FLOOR = 1e-7;

  /**
   * @param probabilities each peer's class probabilities, rows × classes, row-major, same rows
   * @param labels the true class of each row
   */
  public static CohortMetrics of(Map<String, float[]> probabilities, int[] labels, int classes) {
    List<String> peers = List.copyOf(probabilities.keySet());
    int rows = labels.length;
    for (String peer : peers) {
      if (probabilities.get(peer).length != rows * classes) {
        throw new IllegalArgumentException(
            "peer " + peer + " has " + probabilities.get(peer).length + " probabilities, expected "
                + rows + " rows x " + classes + " classes");
      }
    }
    Map<String, int[]> predicted = new LinkedHashMap<>();
    for (String peer : peers) {
      predicted.put(peer, argMaxes(probabilities.get(peer), rows, classes));
    }
    Map<String, Map<String, Double>> agreement = new LinkedHashMap<>();
    Map<String, Map<String, Double>> kl = new LinkedHashMap<>();
    for (String i : peers) {
      for (String j : peers) {
        if (i.equals(j)) {
          continue;
        }
        int same = 0;
        for (int r = 0; r < rows; r++) {
          if (predicted.get(i)[r] == predicted.get(j)[r]) {
            same++;
          }
        }
        agreement.computeIfAbsent(i, k -> new LinkedHashMap<>()).put(j, (double) same / rows);
        kl.computeIfAbsent(i, k -> new LinkedHashMap<>())
            .put(j, meanKl(probabilities.get(i), probabilities.get(j), rows, classes));
      }
    }
    float[] mean = new float[rows * classes];
    for (float[] p : probabilities.values()) {
      for (int k = 0; k < mean.length; k++) {
        mean[k] += p[k] / peers.size();
      }
    }
    int[] ensemble = argMaxes(mean, rows, classes);
    int correct = 0;
    for (int r = 0; r < rows; r++) {
      if (ensemble[r] == labels[r]) {
        correct++;
      }
    }
    return new CohortMetrics(agreement, kl, (double) correct / rows);
  }

  /** Mean over ordered pairs of the agreement, or NaN with fewer than two peers. */
  public double meanAgreement() {
    return meanOf(agreement);
  }

  /** Mean over ordered pairs of KL(p_i ‖ p_j), or NaN with fewer than two peers. */
  public double meanKl() {
    return meanOf(kl);
  }

  private static double meanOf(Map<String, Map<String, Double>> matrix) {
    return matrix.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue)
        .average().orElse(Double.NaN);
  }

  private static double meanKl(float[] p, float[] q, int rows, int classes) {
    double sum = 0;
    for (int k = 0; k < rows * classes; k++) {
      if (p[k] > 0) {
        sum += p[k] * (Math.log(p[k]) - Math.log(Math.max(q[k], FLOOR)));
      }
    }
    return sum / rows;
  }

  private static int[] argMaxes(float[] p, int rows, int classes) {
    int[] out = new int[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = SoftTargets.argMax(p, r * classes, classes);
    }
    return out;
  }
}

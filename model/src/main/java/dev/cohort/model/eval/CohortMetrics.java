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
    // Per peer once: its argmaxes, Σ p·log p, and log q (floored); per ordered pair then only a
    // count and a dot product, KL(p_i ‖ p_j) = Σ p_i·log p_i − Σ p_i·log q_j. (Two logarithms per
    // value and pair took about 0.5 s of the coordinator's thread at 64 peers, every epoch.)
    int peerCount = peers.size();
    int[][] predicted = new int[peerCount][];
    double[] selfTerms = new double[peerCount];
    double[][] logs = new double[peerCount][];
    for (int i = 0; i < peerCount; i++) {
      float[] p = probabilities.get(peers.get(i));
      predicted[i] = argMaxes(p, rows, classes);
      double[] log = new double[p.length];
      double self = 0;
      for (int k = 0; k < p.length; k++) {
        log[k] = Math.log(Math.max(p[k], FLOOR));
        if (p[k] > 0) {
          self += p[k] * Math.log(p[k]);
        }
      }
      logs[i] = log;
      selfTerms[i] = self;
    }
    Map<String, Map<String, Double>> agreement = new LinkedHashMap<>();
    Map<String, Map<String, Double>> kl = new LinkedHashMap<>();
    for (int i = 0; i < peerCount; i++) {
      Map<String, Double> agreesWith = new LinkedHashMap<>();
      Map<String, Double> klTo = new LinkedHashMap<>();
      float[] p = probabilities.get(peers.get(i));
      int[] mine = predicted[i];
      for (int j = 0; j < peerCount; j++) {
        if (i == j) {
          continue;
        }
        int same = 0;
        int[] theirs = predicted[j];
        for (int r = 0; r < rows; r++) {
          if (mine[r] == theirs[r]) {
            same++;
          }
        }
        agreesWith.put(peers.get(j), (double) same / rows);
        klTo.put(peers.get(j), (selfTerms[i] - dot(p, logs[j])) / rows);
      }
      if (!agreesWith.isEmpty()) {
        agreement.put(peers.get(i), agreesWith);
        kl.put(peers.get(i), klTo);
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

  /** Σ p·q, in four partial sums (independent additions the CPU can overlap). */
  private static double dot(float[] p, double[] q) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int k = 0;
    for (; k + 3 < p.length; k += 4) {
      s0 += p[k] * q[k];
      s1 += p[k + 1] * q[k + 1];
      s2 += p[k + 2] * q[k + 2];
      s3 += p[k + 3] * q[k + 3];
    }
    for (; k < p.length; k++) {
      s0 += p[k] * q[k];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static int[] argMaxes(float[] p, int rows, int classes) {
    int[] out = new int[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = SoftTargets.argMax(p, r * classes, classes);
    }
    return out;
  }
}

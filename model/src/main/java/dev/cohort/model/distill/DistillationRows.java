package dev.cohort.model.distill;

import dev.cohort.model.Matrices;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link DistillationLoss}'s row-wise math for one batch, in double precision, on flat
 * row-major arrays: labels {@code [y | t]} n × 2C and logits z n × C.
 */
final class DistillationRows {

  final int n;
  final int classes;
  private final double[] labels;
  private final double[] logP;
  private final double[] logPT;
  private final double lambda;
  private final double temperature;

  DistillationRows(double lambda, double temperature, INDArray labelArray, INDArray output) {
    this(lambda, temperature, rowMajorLabels(labelArray, output), Matrices.rowMajor(output), (int) output.size(0),
        (int) output.size(1));
  }

  /** {@code labels}: n × 2C, {@code z}: n × C, both row-major. */
  DistillationRows(double lambda, double temperature, double[] labels, double[] z, int n, int classes) {
    this.lambda = lambda;
    this.temperature = temperature;
    this.n = n;
    this.classes = classes;
    this.labels = labels;
    logP = new double[n * classes];
    logPT = new double[n * classes];
    for (int r = 0; r < n; r++) {
      SoftTargets.logSoftmax(z, r * classes, classes, 1.0, logP);
      SoftTargets.logSoftmax(z, r * classes, classes, temperature, logPT);
    }
  }

  private double y(int r, int c) {
    return labels[r * 2 * classes + c];
  }

  private double t(int r, int c) {
    return labels[r * 2 * classes + classes + c];
  }

  double crossEntropy(int r) {
    double ce = 0;
    for (int c = 0; c < classes; c++) {
      ce -= y(r, c) * logP[r * classes + c];
    }
    return ce;
  }

  /**
   * λ·T²·w·KL(t/w ‖ p^T) with w = Σt the row's weight: a distribution scaled by w counts w times
   * (small-loss selection's weights), and a row of weight 1 is plain λ·T²·KL(t ‖ p^T). 0·log 0
   * counts as 0, so a zero target row contributes nothing.
   */
  double distillation(int r) {
    double weight = 0;
    for (int c = 0; c < classes; c++) {
      weight += t(r, c);
    }
    if (weight == 0) {
      return 0;
    }
    double logWeight = Math.log(weight);
    double kl = 0;
    for (int c = 0; c < classes; c++) {
      double target = t(r, c);
      if (target > 0) {
        kl += target * (Math.log(target) - logWeight - logPT[r * classes + c]);
      }
    }
    return lambda * temperature * temperature * kl;
  }

  /** (p·Σy − y) + λ·T·(p^T·Σt − t): exact also for rows whose labels do not sum to one. */
  void gradient(int r, double[] into) {
    double ySum = 0;
    double tSum = 0;
    for (int c = 0; c < classes; c++) {
      ySum += y(r, c);
      tSum += t(r, c);
    }
    for (int c = 0; c < classes; c++) {
      double p = Math.exp(logP[r * classes + c]);
      double pT = Math.exp(logPT[r * classes + c]);
      into[r * classes + c] = (p * ySum - y(r, c)) + lambda * temperature * (pT * tSum - t(r, c));
    }
  }

  private static double[] rowMajorLabels(INDArray labelArray, INDArray output) {
    long n = output.size(0);
    long classes = output.size(1);
    if (labelArray.size(0) != n || labelArray.size(1) != 2L * classes) {
      throw new IllegalArgumentException(
          "DistillationLoss expects labels [one-hot | target] of shape ["
              + n
              + ", "
              + 2 * classes
              + "] for "
              + classes
              + " classes, found "
              + java.util.Arrays.toString(labelArray.shape()));
    }
    return Matrices.rowMajor(labelArray);
  }
}

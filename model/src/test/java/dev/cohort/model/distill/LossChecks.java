package dev.cohort.model.distill;

import dev.cohort.model.nn.MlpPreset;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Gradient checks of a {@link DistillationLoss}: by central differences, and DL4J's through a network. */
final class LossChecks {

  private LossChecks() {}

  /** ∂(summed score)/∂z by central differences at step h, rows × classes. */
  static double[][] numericGradient(DistillationLoss loss, INDArray labels, double[][] z, double h) {
    double[][] numeric = new double[z.length][z[0].length];
    for (int r = 0; r < z.length; r++) {
      for (int c = 0; c < z[r].length; c++) {
        double[][] plus = copy(z);
        double[][] minus = copy(z);
        plus[r][c] += h;
        minus[r][c] -= h;
        numeric[r][c] = (loss.computeScore(labels, Nd4j.create(plus), new ActivationIdentity(), null, false)
            - loss.computeScore(labels, Nd4j.create(minus), new ActivationIdentity(), null, false)) / (2 * h);
      }
    }
    return numeric;
  }

  private static double[][] copy(double[][] a) {
    double[][] copy = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      copy[i] = a[i].clone();
    }
    return copy;
  }

  /**
   * DL4J's gradient check, in double precision, of an MLP 5-6-classes ending in {@code loss} on
   * {@code labels} (rows × 2·classes) and fixed random inputs.
   */
  static boolean passesDl4jGradientCheck(DistillationLoss loss, INDArray labels, int classes) {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      MultiLayerConfiguration conf =
          new MlpPreset(5, List.of(6), classes).configuration(42, new NoOp(), loss, DataType.DOUBLE);
      MultiLayerNetwork network = new MultiLayerNetwork(conf);
      network.init();
      SplittableRandom random = new SplittableRandom(7);
      double[][] x = new double[(int) labels.size(0)][5];
      for (double[] row : x) {
        for (int i = 0; i < row.length; i++) {
          row[i] = random.nextDouble() * 2 - 1;
        }
      }
      return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
          .net(network)
          .input(Nd4j.create(x))
          .labels(labels.castTo(DataType.DOUBLE))
          .epsilon(1e-6)
          .maxRelError(1e-5)
          .minAbsoluteError(1e-9));
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }
}

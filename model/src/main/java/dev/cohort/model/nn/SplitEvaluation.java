package dev.cohort.model.nn;

import dev.cohort.model.Matrices;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.SoftTargets;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model's figures on a split: accuracy, mean cross-entropy and every row's class probabilities,
 * computed from its logits in chunks (a whole split at once would be one large off-heap array),
 * in double precision.
 */
final class SplitEvaluation {

  private static final int CHUNK = 1000;

  private SplitEvaluation() {}

  /** Accuracy, mean cross-entropy and the class probabilities on {@code data}, from its logits. */
  static PeerNetwork.Evaluation of(Function<INDArray, INDArray> logitsOf, LabeledData data) {
    int correct = 0;
    double crossEntropy = 0;
    float[] probabilities = new float[data.size() * data.classes()];
    int[] all = data.allRows();
    for (int from = 0; from < all.length; from += CHUNK) {
      int[] rows = java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + CHUNK));
      INDArray logits = logitsOf.apply(data.features(rows));
      int classes = (int) logits.size(1);
      double[] z = Matrices.rowMajor(logits);
      double[] logP = new double[z.length];
      int[] labels = data.labels(rows);
      for (int r = 0; r < rows.length; r++) {
        SoftTargets.logSoftmax(z, r * classes, classes, 1.0, logP);
        crossEntropy -= logP[r * classes + labels[r]];
        if (argMax(z, r * classes, classes) == labels[r]) {
          correct++;
        }
        for (int c = 0; c < classes; c++) {
          probabilities[(from + r) * classes + c] = (float) Math.exp(logP[r * classes + c]);
        }
      }
    }
    return new PeerNetwork.Evaluation((double) correct / data.size(), crossEntropy / data.size(), data.size(), probabilities);
  }

  private static int argMax(double[] z, int offset, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (z[offset + c] > z[offset + best]) {
        best = c;
      }
    }
    return best;
  }
}

package dev.cohort.model.distill;

import dev.cohort.model.Matrices;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Softened predictions and the training labels built from them.
 *
 * <p>A teacher sends {@code softmax(z / T)}; a student averages what its teachers sent with their
 * link weights and trains on {@code [one-hot | target]}. Because the loss gradient is linear in
 * the target, distilling from the weighted average is exactly the average of the per-teacher KL
 * gradients, i.e. deep mutual learning's update.
 */
public final class SoftTargets {

  private SoftTargets() {}

  /**
   * log softmax(z / T) of the row of {@code classes} values starting at {@code offset} in {@code z},
   * written at the same offset of {@code into}; computed stably in double precision.
   */
  public static void logSoftmax(double[] z, int offset, int classes, double temperature, double[] into) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, z[offset + c] / temperature);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(z[offset + c] / temperature - max);
    }
    double logSum = max + Math.log(sum);
    for (int c = 0; c < classes; c++) {
      into[offset + c] = z[offset + c] / temperature - logSum;
    }
  }

  /** softmax(logits / T), row-major rows × classes. */
  public static float[] soften(INDArray logits, double temperature) {
    return soften(Matrices.rowMajor(logits), (int) logits.size(1), temperature);
  }

  /** softmax(z / T) of logits {@code z} given row-major with {@code classes} per row. */
  public static float[] soften(float[] z, int classes, double temperature) {
    double[] wide = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      wide[i] = z[i];
    }
    return soften(wide, classes, temperature);
  }

  private static float[] soften(double[] z, int classes, double temperature) {
    double[] logP = new double[z.length];
    float[] out = new float[z.length];
    for (int offset = 0; offset < z.length; offset += classes) {
      logSoftmax(z, offset, classes, temperature, logP);
    }
    for (int i = 0; i < z.length; i++) {
      out[i] = (float) Math.exp(logP[i]);
    }
    return out;
  }

  /** The first class of largest value in the row of {@code classes} values at {@code offset}. */
  public static int argMax(float[] rows, int offset, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (rows[offset + c] > rows[offset + best]) {
        best = c;
      }
    }
    return best;
  }

  /** One teacher's rows and the weight of its link to the student. */
  public record Weighted(float[] rows, double weight) {}

  /**
   * The weighted average {@code Σ w_j q_j / Σ w_j} of the teachers that answered: weights are
   * renormalised over those present, so a missing teacher does not shrink the target. No teachers
   * gives the all-zero target, which the loss treats as "no distillation for this step".
   */
  public static float[] average(List<Weighted> teachers, int length) {
    double[] sum = new double[length];
    double totalWeight = 0;
    for (Weighted teacher : teachers) {
      if (teacher.rows().length != length) {
        throw new IllegalArgumentException(
            "teacher rows have " + teacher.rows().length + " values, expected " + length);
      }
      for (int i = 0; i < length; i++) {
        sum[i] += teacher.weight() * teacher.rows()[i];
      }
      totalWeight += teacher.weight();
    }
    float[] out = new float[length];
    if (totalWeight > 0) {
      for (int i = 0; i < length; i++) {
        out[i] = (float) (sum[i] / totalWeight);
      }
    }
    return out;
  }

  /** The labels {@code [one-hot(classes) | target]} the distillation loss trains on. */
  public static INDArray labels(int[] classIndices, float[] target, int classes) {
    return Nd4j.create(labelValues(classIndices, target, classes), new long[] {classIndices.length, 2L * classes},
        DataType.FLOAT);
  }

  /** The same labels as a flat row-major array, rows × 2·classes. */
  public static float[] labelValues(int[] classIndices, float[] target, int classes) {
    return labelValues(classIndices, StepTarget.of(target), classes);
  }

  /**
   * The labels {@code [w·one-hot | target]} of a step, row-major, rows × 2·classes: each row's
   * one-hot scaled by its label weight ({@link StepTarget#labelWeight}).
   */
  public static float[] labelValues(int[] classIndices, StepTarget step, int classes) {
    int n = classIndices.length;
    float[] target = step.target();
    if (target.length != n * classes) {
      throw new IllegalArgumentException(
          "target has " + target.length + " values, expected " + n + " rows x " + classes + " classes");
    }
    if (step.labelWeights() != null && step.labelWeights().length != n) {
      throw new IllegalArgumentException(
          "label weights have " + step.labelWeights().length + " values, expected one per row (" + n + ")");
    }
    float[] labels = new float[n * 2 * classes];
    for (int r = 0; r < n; r++) {
      labels[r * 2 * classes + classIndices[r]] = step.labelWeight(r);
      System.arraycopy(target, r * classes, labels, r * 2 * classes + classes, classes);
    }
    return labels;
  }
}

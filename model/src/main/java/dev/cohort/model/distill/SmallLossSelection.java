package dev.cohort.model.distill;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Small-loss selection for learning from noisy labels: on each batch a student keeps the share
 * {@code 1 − ε(epoch)} of its examples with the smallest loss and trains on those alone, because
 * networks fit clean examples before they memorise wrong labels (Arpit et al. 2017), so early in
 * training a small loss marks a likely clean label.
 *
 * <ul>
 *   <li>{@link Method#CO_TEACHING} (Han et al. 2018): the loss that ranks a student's examples is
 *       its <em>teachers'</em> cross-entropy, never its own, so a network does not confirm its own
 *       mistakes; the student trains its cross-entropy on the kept examples (the distillation term,
 *       when λ > 0, stays on every example).
 *   <li>{@link Method#JOCOR} (Wei et al. 2020): the ranking loss is the joint loss, the student's
 *       own cross-entropy plus its teachers' plus λ·T² times the symmetric KL between the
 *       teachers' target and the student's softened prediction; for two peers both compute the
 *       same number and keep the same examples. The student trains its whole loss (cross-entropy
 *       plus the existing distillation term KL(t ‖ p^T)) on the kept examples; the teachers'
 *       outputs are constants, as everywhere in Cohort.
 * </ul>
 *
 * <p>Teachers send {@code q = softmax(z/T)}; their cross-entropy at T = 1 is recovered exactly
 * from it, {@code softmax(T·log q) = softmax(z)}, so the ranking is the one the teacher would
 * compute on its own logits whatever the temperature of the exchange.
 *
 * <p>The forget rate rises linearly from 0 at the first epoch to ε at epoch {@code rampEpochs}
 * (the paper's {@code R(T) = 1 − min(T/T_k · τ, τ)}), then stays. With no teacher answering, a
 * step keeps every example: a student whose teachers are gone trains on cross-entropy alone.
 */
public final class SmallLossSelection {

  /** Which loss ranks the examples. */
  public enum Method {
    /** No selection: every example trains. */
    NONE,
    /** Ranked by the teachers' cross-entropy. */
    CO_TEACHING,
    /** Ranked by the joint loss: own and teachers' cross-entropy plus the agreement term. */
    JOCOR;

    /** The name the cohort file uses: {@code none}, {@code co-teaching}, {@code jocor}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The smallest target probability the reverse KL of {@link #jointLoss} takes a log of. */
  static final double TARGET_FLOOR = 1e-30;

  private SmallLossSelection() {}

  /** The forget rate at {@code epoch} (0-based): ε·min(1, epoch / rampEpochs); ε from the start when rampEpochs is 0. */
  public static double forgetRate(double epsilon, int rampEpochs, int epoch) {
    if (rampEpochs <= 0) {
      return epsilon;
    }
    return epsilon * Math.min(1.0, (double) epoch / rampEpochs);
  }

  /** Rows kept of {@code rows} at {@code forgetRate}: ⌊(1 − rate)·rows⌋, at least one. */
  public static int kept(int rows, double forgetRate) {
    return Math.max(1, (int) Math.floor((1 - forgetRate) * rows + 1e-9));
  }

  /**
   * The label weights that keep the {@link #kept} rows of smallest {@code loss} (ties: the lower
   * row first) at {@code rows / kept} and drop the others (0): the mean over the kept rows.
   */
  public static float[] keepSmallest(double[] loss, double forgetRate) {
    int rows = loss.length;
    int kept = kept(rows, forgetRate);
    Integer[] order = new Integer[rows];
    for (int r = 0; r < rows; r++) {
      order[r] = r;
    }
    Arrays.sort(order, (a, b) -> {
      int byLoss = Double.compare(loss[a], loss[b]);
      return byLoss != 0 ? byLoss : Integer.compare(a, b);
    });
    float[] weights = new float[rows];
    float weight = (float) rows / kept;
    for (int i = 0; i < kept; i++) {
      weights[order[i]] = weight;
    }
    return weights;
  }

  /**
   * Cross-entropy at T = 1 of the row at {@code offset} of a teacher's softened predictions
   * {@code q = softmax(z/T)} against {@code label}: {@code logsumexp(T·log q) − T·log q_label}
   * (infinite where the teacher gave the label probability 0).
   */
  public static double crossEntropyOfSoftened(float[] q, int offset, int classes, double temperature, int label) {
    double[] z = new double[classes]; // T·log q = z/T·T up to a constant: the logits, shifted
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      z[c] = temperature * Math.log(q[offset + c]);
      max = Math.max(max, z[c]);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(z[c] - max);
    }
    return max + Math.log(sum) - z[label];
  }

  /**
   * Per row, the teachers' cross-entropy averaged with their link weights: co-teaching's ranking.
   *
   * @param teachers each teacher's softened rows (rows × classes) and link weight; not empty
   */
  public static double[] teachersLoss(List<SoftTargets.Weighted> teachers, int[] labels, int classes,
      double temperature) {
    if (teachers.isEmpty()) {
      throw new IllegalArgumentException("small-loss selection ranks by teachers' losses, and none answered");
    }
    int rows = labels.length;
    double[] loss = new double[rows];
    double totalWeight = 0;
    for (SoftTargets.Weighted teacher : teachers) {
      checkRows(teacher.rows(), rows, classes, "teacher");
      totalWeight += teacher.weight();
    }
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (SoftTargets.Weighted teacher : teachers) {
        sum += teacher.weight() * crossEntropyOfSoftened(teacher.rows(), r * classes, classes, temperature, labels[r]);
      }
      loss[r] = sum / totalWeight;
    }
    return loss;
  }

  /**
   * Per row, JoCoR's joint loss from the student's side: its own cross-entropy (logits {@code z}),
   * plus the teachers' ({@link #teachersLoss}), plus {@code λ·T²·(KL(t ‖ p^T) + KL(p^T ‖ t))} with
   * {@code t} the teachers' target row and {@code p^T = softmax(z/T)}.
   *
   * @param target the step's target, rows × classes (the teachers' weighted average)
   */
  public static double[] jointLoss(float[] z, List<SoftTargets.Weighted> teachers, float[] target, int[] labels,
      int classes, double temperature, double lambda) {
    int rows = labels.length;
    checkRows(z, rows, classes, "student logits");
    checkRows(target, rows, classes, "target");
    double[] loss = teachersLoss(teachers, labels, classes, temperature);
    double[] wide = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      wide[i] = z[i];
    }
    double[] logP = new double[z.length];
    double[] logPT = new double[z.length];
    for (int r = 0; r < rows; r++) {
      int offset = r * classes;
      SoftTargets.logSoftmax(wide, offset, classes, 1.0, logP);
      SoftTargets.logSoftmax(wide, offset, classes, temperature, logPT);
      double agreement = 0;
      for (int c = 0; c < classes; c++) {
        double t = target[offset + c];
        double pT = Math.exp(logPT[offset + c]);
        if (t > 0) {
          agreement += t * (Math.log(t) - logPT[offset + c]);
        }
        // KL(p^T ‖ t) would be infinite where a float target underflowed to 0: floored there.
        agreement += pT * (logPT[offset + c] - Math.log(Math.max(t, TARGET_FLOOR)));
      }
      loss[r] += -logP[offset + labels[r]] + lambda * temperature * temperature * agreement;
    }
    return loss;
  }

  /** Most classes for which {@link #estimateForgetRate} fits the joint predictions; above, the agreement estimate. */
  static final int MAX_FITTED_CLASSES = 1000;

  /** The estimate of ε and the kind of noise it fitted best. */
  public record Estimate(double rate, String fit) {}

  /**
   * ε, the share of wrong training labels, estimated from a model trained for a while on them:
   * the classes it predicts on the clean validation split and on training examples it has not
   * trained on yet. With noise that depends on the class alone ({@code T[y][j] = P(label j | class
   * y)}) and predictions that depend on the example, not on its label, the training split's joint
   * {@code N[k][j] = P(pred k, label j)} is {@code A·T}, where {@code A[k][y] = P(pred k, class y)}
   * is read on the validation split: the model's own confusions are accounted for. T is fitted, by
   * least squares over all C² cells, as {@code (1 − ε)·I + ε·S} for S symmetric (every other class
   * alike) and for S pair (the next class), and the better fit's ε is the estimate. Under 45 % pair
   * noise a model partly learns the flip, which the plain agreement estimate {@code 1 − b/a} (b:
   * agreement with the training labels, a: validation accuracy) mistakes for clean labels (0.06 to
   * 0.17 measured instead of 0.45); the fit does not, and it inverts nothing, so a class the model
   * rarely predicts does not blow it up. Above {@value #MAX_FITTED_CLASSES} classes it is the plain
   * estimate. Clipped to [0, 0.9].
   */
  public static Estimate estimateForgetRate(int[] validationPredicted, int[] validationLabels, int[] trainPredicted,
      int[] trainLabels, int classes) {
    if (classes > MAX_FITTED_CLASSES) {
      double a = agreement(validationPredicted, validationLabels);
      double b = agreement(trainPredicted, trainLabels);
      return new Estimate(clip(a > 0 ? 1 - b / a : 0), "agreement");
    }
    double[][] a = joint(validationPredicted, validationLabels, classes);
    double[][] n = joint(trainPredicted, trainLabels, classes);
    double[] predictedShare = new double[classes]; // Σ_y a[k][y]
    for (int k = 0; k < classes; k++) {
      for (int y = 0; y < classes; y++) {
        predictedShare[k] += a[k][y];
      }
    }
    Estimate best = null;
    double bestResidual = Double.POSITIVE_INFINITY;
    for (String kind : new String[] {"symmetric", "pair"}) {
      // N ≈ A + ε·D with D = A·S − A; least squares: ε = <N − A, D> / <D, D>.
      double rd = 0;
      double dd = 0;
      double[][] d = new double[classes][classes];
      for (int k = 0; k < classes; k++) {
        for (int j = 0; j < classes; j++) {
          double as = kind.equals("pair") ? a[k][(j - 1 + classes) % classes]
              : (predictedShare[k] - a[k][j]) / (classes - 1);
          d[k][j] = as - a[k][j];
          rd += (n[k][j] - a[k][j]) * d[k][j];
          dd += d[k][j] * d[k][j];
        }
      }
      double epsilon = dd > 0 ? clip(rd / dd) : 0;
      double residual = 0;
      for (int k = 0; k < classes; k++) {
        for (int j = 0; j < classes; j++) {
          double r = n[k][j] - a[k][j] - epsilon * d[k][j];
          residual += r * r;
        }
      }
      if (residual < bestResidual) {
        bestResidual = residual;
        best = new Estimate(epsilon, kind);
      }
    }
    return best;
  }

  private static double[][] joint(int[] predicted, int[] labels, int classes) {
    if (predicted.length != labels.length || labels.length == 0) {
      throw new IllegalArgumentException(predicted.length + " predictions for " + labels.length + " labels");
    }
    double[][] joint = new double[classes][classes];
    for (int i = 0; i < labels.length; i++) {
      joint[predicted[i]][labels[i]] += 1.0 / labels.length;
    }
    return joint;
  }

  private static double clip(double epsilon) {
    return Math.max(0, Math.min(0.9, epsilon));
  }

  private static double agreement(int[] predicted, int[] labels) {
    if (predicted.length != labels.length) {
      throw new IllegalArgumentException(predicted.length + " predictions for " + labels.length + " labels");
    }
    int same = 0;
    for (int i = 0; i < labels.length; i++) {
      same += predicted[i] == labels[i] ? 1 : 0;
    }
    return labels.length == 0 ? 0 : (double) same / labels.length;
  }

  private static void checkRows(float[] values, int rows, int classes, String what) {
    if (values.length != rows * classes) {
      throw new IllegalArgumentException(what + " has " + values.length + " values, expected " + rows + " rows x "
          + classes + " classes");
    }
  }
}

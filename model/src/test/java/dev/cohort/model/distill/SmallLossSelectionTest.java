package dev.cohort.model.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SmallLossSelectionTest {

  private static final int CLASSES = 4;

  /** log softmax(z / T), written independently of the code under test. */
  private static double[] logSoftmax(double[] z, double temperature) {
    double sum = 0;
    for (double v : z) {
      sum += Math.exp(v / temperature);
    }
    double[] out = new double[z.length];
    for (int c = 0; c < z.length; c++) {
      out[c] = z[c] / temperature - Math.log(sum);
    }
    return out;
  }

  private static float[] softened(double[][] z, double temperature) {
    float[] out = new float[z.length * CLASSES];
    for (int r = 0; r < z.length; r++) {
      double[] log = logSoftmax(z[r], temperature);
      for (int c = 0; c < CLASSES; c++) {
        out[r * CLASSES + c] = (float) Math.exp(log[c]);
      }
    }
    return out;
  }

  private static double[][] logits(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] z = new double[rows][CLASSES];
    for (double[] row : z) {
      for (int c = 0; c < CLASSES; c++) {
        row[c] = random.nextDouble() * 8 - 4;
      }
    }
    return z;
  }

  private static float[] flat(double[][] z) {
    float[] out = new float[z.length * CLASSES];
    for (int r = 0; r < z.length; r++) {
      for (int c = 0; c < CLASSES; c++) {
        out[r * CLASSES + c] = (float) z[r][c];
      }
    }
    return out;
  }

  @Test
  void theForgetRateRisesLinearlyToEpsilonOverTheRampThenStays() {
    assertEquals(0.0, SmallLossSelection.forgetRate(0.4, 10, 0));
    assertEquals(0.2, SmallLossSelection.forgetRate(0.4, 10, 5), 1e-12);
    assertEquals(0.4, SmallLossSelection.forgetRate(0.4, 10, 10), 1e-12);
    assertEquals(0.4, SmallLossSelection.forgetRate(0.4, 10, 29), 1e-12);
    assertEquals(0.4, SmallLossSelection.forgetRate(0.4, 0, 0), "no ramp: ε from the first epoch");
    assertEquals(76, SmallLossSelection.kept(128, 0.4), "⌊0.6 · 128⌋");
    assertEquals(128, SmallLossSelection.kept(128, 0.0));
    assertEquals(1, SmallLossSelection.kept(3, 0.9), "at least one row");
  }

  @Test
  void theSmallestLossesAreKeptAtWeightRowsOverKeptTiesByRow() {
    double[] loss = {0.9, 0.1, 0.5, 0.1, 2.0};
    float[] weights = SmallLossSelection.keepSmallest(loss, 0.4); // keeps 3 of 5
    float w = 5f / 3;
    assertArrayEquals(new float[] {0, w, w, w, 0}, weights);
    assertArrayEquals(new float[] {0, 2.5f, 0, 2.5f, 0}, SmallLossSelection.keepSmallest(loss, 0.6),
        "two rows tie at 0.1 and both are the smallest");
    assertArrayEquals(new float[] {0, 5, 0, 0, 0}, SmallLossSelection.keepSmallest(loss, 0.8), "a tie goes to the lower row");
    double sum = 0;
    for (float v : weights) {
      sum += v;
    }
    assertEquals(5, sum, 1e-5, "the weights make the mean over the kept rows of a mean over the batch");
  }

  @ParameterizedTest(name = "T={0}")
  @CsvSource({"1.0", "3.0", "0.5"})
  void aTeachersCrossEntropyIsRecoveredExactlyFromItsSoftenedPredictions(double temperature) {
    double[][] z = logits(6, 3);
    float[] q = softened(z, temperature);
    for (int r = 0; r < z.length; r++) {
      for (int label = 0; label < CLASSES; label++) {
        double expected = -logSoftmax(z[r], 1.0)[label];
        assertEquals(expected, SmallLossSelection.crossEntropyOfSoftened(q, r * CLASSES, CLASSES, temperature, label),
            1e-5 * Math.max(1, expected), "row " + r + " label " + label);
      }
    }
    // Ranking on the softened probabilities themselves would differ: the test can tell.
    double[][] pair = {{4, 0, 0, 0}, {1.2, 0, 0, 0}};
    float[] hot = softened(pair, 3.0);
    double ceAt1 = SmallLossSelection.crossEntropyOfSoftened(hot, 0, CLASSES, 3.0, 0);
    assertEquals(-logSoftmax(pair[0], 1.0)[0], ceAt1, 1e-5);
    assertNotEquals(-Math.log(hot[0]), ceAt1, 1e-3, "the CE at T, not at 1, would be another number");
  }

  @Test
  void coTeachingRanksByTheTeachersLossesWeighedByTheirLinks() {
    int[] labels = {0, 1, 2};
    double[][] zA = {{3, 0, 0, 0}, {0, 0, 3, 0}, {0, 0, 1, 0}}; // right, wrong, right
    double[][] zB = {{0, 3, 0, 0}, {0, 3, 0, 0}, {0, 0, 3, 0}}; // wrong, right, right
    SoftTargets.Weighted a = new SoftTargets.Weighted(softened(zA, 2.0), 3.0);
    SoftTargets.Weighted b = new SoftTargets.Weighted(softened(zB, 2.0), 1.0);
    double[] loss = SmallLossSelection.teachersLoss(List.of(a, b), labels, CLASSES, 2.0);
    for (int r = 0; r < 3; r++) {
      double expected = (3 * -logSoftmax(zA[r], 1)[labels[r]] + -logSoftmax(zB[r], 1)[labels[r]]) / 4;
      assertEquals(expected, loss[r], 1e-5, "row " + r);
    }
    assertThrows(IllegalArgumentException.class,
        () -> SmallLossSelection.teachersLoss(List.of(), labels, CLASSES, 2.0), "no teacher, no ranking");
  }

  @ParameterizedTest(name = "λ={0}, T={1}")
  @CsvSource({"0.0, 1.0", "1.0, 1.0", "5.0, 2.0"})
  void jocorsJointLossIsBothCrossEntropiesPlusTheSymmetricKlAndTheSameForBothPeers(double lambda, double temperature) {
    double[][] zA = logits(5, 8);
    double[][] zB = logits(5, 9);
    int[] labels = {0, 3, 1, 2, 2};
    float[] qA = softened(zA, temperature);
    float[] qB = softened(zB, temperature);
    double[] fromA = SmallLossSelection.jointLoss(flat(zA), List.of(new SoftTargets.Weighted(qB, 1)), qB, labels,
        CLASSES, temperature, lambda);
    double[] fromB = SmallLossSelection.jointLoss(flat(zB), List.of(new SoftTargets.Weighted(qA, 1)), qA, labels,
        CLASSES, temperature, lambda);
    for (int r = 0; r < labels.length; r++) {
      double[] pA = logSoftmax(zA[r], temperature);
      double[] pB = logSoftmax(zB[r], temperature);
      double symmetricKl = 0;
      for (int c = 0; c < CLASSES; c++) {
        symmetricKl += Math.exp(pB[c]) * (pB[c] - pA[c]) + Math.exp(pA[c]) * (pA[c] - pB[c]);
      }
      double expected = -logSoftmax(zA[r], 1)[labels[r]] - logSoftmax(zB[r], 1)[labels[r]]
          + lambda * temperature * temperature * symmetricKl;
      assertEquals(expected, fromA[r], 1e-4, "row " + r + " from a");
      assertEquals(fromA[r], fromB[r], 1e-4, "row " + r + ": both peers rank by the same number");
    }
  }

  /**
   * The selected loss, {@code [w·y | w·t]} with w = n/kept on the kept rows and 0 elsewhere, is the
   * mean over the kept rows of each row's CE + λT²KL, and its gradient is the derivative of that
   * score: what JoCoR trains on. With only the labels weighted (co-teaching), the distillation term
   * stays on every row.
   */
  @ParameterizedTest(name = "λ={0}, T={1}")
  @CsvSource({"1.0, 1.0", "0.7, 3.0"})
  void theSelectedLossIsTheMeanOverTheKeptRowsAndItsGradientItsDerivative(double lambda, double temperature) {
    double[][] z = logits(5, 21);
    int[] labels = {1, 0, 3, 3, 2};
    float[] target = softened(logits(5, 22), temperature);
    float[] weights = {2.5f, 0, 2.5f, 0, 0}; // keeps rows 0 and 2 of 5
    float[] scaledTarget = target.clone();
    for (int r = 0; r < 5; r++) {
      for (int c = 0; c < CLASSES; c++) {
        scaledTarget[r * CLASSES + c] *= weights[r];
      }
    }
    DistillationLoss loss = new DistillationLoss(lambda, temperature);
    INDArray jocor = labelArray(labels, new StepTarget(scaledTarget, weights));
    INDArray coTeaching = labelArray(labels, new StepTarget(target, weights));
    INDArray logits = Nd4j.create(z);
    double jocorScore = loss.computeScore(jocor, logits, new ActivationIdentity(), null, true);
    double coTeachingScore = loss.computeScore(coTeaching, logits, new ActivationIdentity(), null, true);
    double keptMean = 0;
    double ceKept = 0;
    double kdAll = 0;
    for (int r = 0; r < 5; r++) {
      double ce = -logSoftmax(z[r], 1)[labels[r]];
      double[] pT = logSoftmax(z[r], temperature);
      double kl = 0;
      for (int c = 0; c < CLASSES; c++) {
        double t = target[r * CLASSES + c];
        kl += t * (Math.log(t) - pT[c]);
      }
      double kd = lambda * temperature * temperature * kl;
      if (weights[r] > 0) {
        keptMean += (ce + kd) / 2;
        ceKept += ce / 2;
      }
      kdAll += kd / 5;
    }
    assertEquals(keptMean, jocorScore, 1e-5, "JoCoR: the whole loss, mean over the 2 kept rows");
    assertEquals(ceKept + kdAll, coTeachingScore, 1e-5, "co-teaching: CE over the kept rows, KD over all");
    for (INDArray labelArray : List.of(jocor, coTeaching)) {
      double[][] analytic = loss.computeGradient(labelArray, logits, new ActivationIdentity(), null).toDoubleMatrix();
      double[][] numeric = LossChecks.numericGradient(loss, labelArray, z, 1e-6);
      for (int r = 0; r < 5; r++) {
        for (int c = 0; c < CLASSES; c++) {
          assertEquals(numeric[r][c], analytic[r][c], 1e-5, "row " + r + " class " + c);
          if (weights[r] == 0 && labelArray == jocor) {
            assertEquals(0, analytic[r][c], 1e-12, "a dropped row has no gradient under JoCoR");
          }
        }
      }
    }
  }

  private static INDArray labelArray(int[] labels, StepTarget step) {
    return Nd4j.create(SoftTargets.labelValues(labels, step, CLASSES), new long[] {labels.length, 2L * CLASSES},
        DataType.FLOAT).castTo(DataType.DOUBLE);
  }


  @Test
  void theSelectedLossPassesDl4jsGradientCheckInDoublePrecision() {
    int[] labels = {0, 1, 2, 3, 0, 1, 2, 3};
    float[] weights = SmallLossSelection.keepSmallest(new double[] {5, 1, 4, 2, 8, 3, 7, 6}, 0.5);
    float[] target = softened(logits(8, 30), 2.0);
    for (int r = 0; r < 8; r++) {
      for (int c = 0; c < CLASSES; c++) {
        target[r * CLASSES + c] *= weights[r];
      }
    }
    assertTrue(LossChecks.passesDl4jGradientCheck(new DistillationLoss(1.5, 2.0),
        labelArray(labels, new StepTarget(target, weights)), CLASSES), "DL4J gradient check failed on the selected loss");
  }

  /** Draws (prediction, label) pairs from a model's confusion M and a noise transition of the given kind. */
  private static int[][] draws(int n, int classes, double accuracy, double flipToNext, double noise, boolean pair,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] predicted = new int[n];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int y = random.nextInt(classes);
      double u = random.nextDouble();
      // the model: right with `accuracy`, the next class with `flipToNext`, else uniformly another
      predicted[i] = u < accuracy ? y : u < accuracy + flipToNext ? (y + 1) % classes
          : (y + 1 + random.nextInt(classes - 1)) % classes;
      labels[i] = random.nextDouble() >= noise ? y
          : pair ? (y + 1) % classes : (y + 1 + random.nextInt(classes - 1)) % classes;
    }
    return new int[][] {predicted, labels};
  }

  @ParameterizedTest(name = "{0} noise {1}, model: accuracy {2}, next class {3}")
  @CsvSource({
    "symmetric, 0.40, 0.70, 0.05",
    "pair, 0.45, 0.50, 0.30",
    "symmetric, 0.00, 0.80, 0.05",
    "pair, 0.20, 0.75, 0.10"
  })
  void theForgetRateIsEstimatedFromValidationAndUnseenTrainingPredictions(String kind, double noise, double accuracy,
      double flipToNext) {
    boolean pair = kind.equals("pair");
    int[][] validation = draws(20_000, 10, accuracy, flipToNext, 0, pair, 1); // clean labels
    int[][] train = draws(20_000, 10, accuracy, flipToNext, noise, pair, 2);
    SmallLossSelection.Estimate estimate =
        SmallLossSelection.estimateForgetRate(validation[0], validation[1], train[0], train[1], 10);
    assertEquals(noise, estimate.rate(), 0.03, kind + " noise at " + noise);
    if (noise > 0) {
      assertEquals(kind, estimate.fit());
    }
    // The plain agreement estimate is fooled by a model that learnt part of a pair flip; the fit is not.
    if (pair && flipToNext > 0.2) {
      double a = agreement(validation);
      double b = agreement(train);
      assertTrue(Math.abs(1 - b / a - noise) > 0.1, "1 - b/a = " + (1 - b / a) + " would be far off");
    }
  }

  private static double agreement(int[][] draws) {
    int same = 0;
    for (int i = 0; i < draws[0].length; i++) {
      same += draws[0][i] == draws[1][i] ? 1 : 0;
    }
    return (double) same / draws[0].length;
  }
}

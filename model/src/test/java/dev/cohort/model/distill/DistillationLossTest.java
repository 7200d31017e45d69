package dev.cohort.model.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.nn.MlpPreset;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DistillationLossTest {

  private static final int CLASSES = 4;

  /** Logits, one-hot labels and a teacher distribution for a few rows, fixed by the seed. */
  private record Batch(double[][] z, int[] y, double[][] t) {
    INDArray logits() {
      return Nd4j.create(z).castTo(DataType.DOUBLE);
    }

    INDArray labels() {
      double[][] l = new double[z.length][2 * CLASSES];
      for (int r = 0; r < z.length; r++) {
        l[r][y[r]] = 1;
        System.arraycopy(t[r], 0, l[r], CLASSES, CLASSES);
      }
      return Nd4j.create(l).castTo(DataType.DOUBLE);
    }
  }

  private static Batch batch(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] z = new double[rows][CLASSES];
    double[][] t = new double[rows][CLASSES];
    int[] y = new int[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = random.nextInt(CLASSES);
      double sum = 0;
      for (int c = 0; c < CLASSES; c++) {
        z[r][c] = random.nextDouble() * 6 - 3;
        t[r][c] = random.nextDouble() + 0.05;
        sum += t[r][c];
      }
      for (int c = 0; c < CLASSES; c++) {
        t[r][c] /= sum;
      }
    }
    return new Batch(z, y, t);
  }

  /** softmax(z / T) in plain Java, written independently of the loss. */
  private static double[] softmax(double[] z, double temperature) {
    double[] e = new double[z.length];
    double sum = 0;
    for (int c = 0; c < z.length; c++) {
      e[c] = Math.exp(z[c] / temperature);
      sum += e[c];
    }
    for (int c = 0; c < z.length; c++) {
      e[c] /= sum;
    }
    return e;
  }

  private static double kl(double[] from, double[] to) {
    double kl = 0;
    for (int c = 0; c < from.length; c++) {
      kl += from[c] * Math.log(from[c] / to[c]);
    }
    return kl;
  }

  @ParameterizedTest(name = "λ={0}, T={1}")
  @CsvSource({"0.5, 1.0", "1.0, 4.0", "0.3, 2.5"})
  void scoreIsCrossEntropyPlusLambdaTSquaredKlFromTargetToStudent(double lambda, double temperature) {
    Batch b = batch(6, 11);
    DistillationLoss loss = new DistillationLoss(lambda, temperature);
    double score = loss.computeScore(b.labels(), b.logits(), new ActivationIdentity(), null, true);

    double expected = 0;
    double reversedDirection = 0;
    for (int r = 0; r < b.z().length; r++) {
      double[] p = softmax(b.z()[r], 1);
      double[] pT = softmax(b.z()[r], temperature);
      double ce = -Math.log(p[b.y()[r]]);
      expected += ce + lambda * temperature * temperature * kl(b.t()[r], pT);
      reversedDirection += ce + lambda * temperature * temperature * kl(pT, b.t()[r]);
    }
    expected /= b.z().length;
    reversedDirection /= b.z().length;

    assertEquals(expected, score, 1e-12);
    assertNotEquals(reversedDirection, score, 1e-6, "the test must tell the two KL directions apart");
  }

  @ParameterizedTest(name = "λ={0}, T={1}")
  @CsvSource({"0.5, 1.0", "1.0, 4.0", "0.3, 2.5"})
  void gradientIsPMinusYPlusLambdaTTimesPTMinusTarget(double lambda, double temperature) {
    Batch b = batch(5, 12);
    DistillationLoss loss = new DistillationLoss(lambda, temperature);
    double[][] gradient =
        loss.computeGradient(b.labels(), b.logits(), new ActivationIdentity(), null).toDoubleMatrix();
    for (int r = 0; r < b.z().length; r++) {
      double[] p = softmax(b.z()[r], 1);
      double[] pT = softmax(b.z()[r], temperature);
      for (int c = 0; c < CLASSES; c++) {
        double y = c == b.y()[r] ? 1 : 0;
        double expected = (p[c] - y) + lambda * temperature * (pT[c] - b.t()[r][c]);
        assertEquals(expected, gradient[r][c], 1e-12, "row " + r + " class " + c);
      }
    }
  }

  @ParameterizedTest(name = "T={0}")
  @CsvSource({"1.0", "3.0", "8.0"})
  void gradientIsTheDerivativeOfTheScore(double temperature) {
    Batch b = batch(3, 13);
    DistillationLoss loss = new DistillationLoss(0.7, temperature);
    INDArray labels = b.labels();
    double[][] analytic =
        loss.computeGradient(labels, b.logits(), new ActivationIdentity(), null).toDoubleMatrix();
    double[][] numeric = LossChecks.numericGradient(loss, labels, b.z(), 1e-6);
    for (int r = 0; r < b.z().length; r++) {
      for (int c = 0; c < CLASSES; c++) {
        assertEquals(numeric[r][c], analytic[r][c], 1e-6, "row " + r + " class " + c);
      }
    }
  }


  @Test
  void theSoftTermsGradientScalesAsOneOverTBeforeTheTSquaredFactor() {
    // Hinton et al.: KL's gradient shrinks as 1/T, so T² keeps λ·T²·KL's gradient at scale T·(p^T − t).
    Batch b = batch(4, 14);
    double[][] atT1 = kdOnlyGradient(b, 1.0);
    double[][] atT4 = kdOnlyGradient(b, 4.0);
    double[][] z = b.z();
    for (int r = 0; r < z.length; r++) {
      double[] pT = softmax(z[r], 4.0);
      double[] p = softmax(z[r], 1.0);
      for (int c = 0; c < CLASSES; c++) {
        assertEquals(4.0 * (pT[c] - b.t()[r][c]), atT4[r][c], 1e-12);
        assertEquals(p[c] - b.t()[r][c], atT1[r][c], 1e-12);
      }
    }
  }

  /** The gradient of λ·T²·KL alone (λ = 1): the full gradient minus the CE part's. */
  private static double[][] kdOnlyGradient(Batch b, double temperature) {
    double[][] full =
        new DistillationLoss(1.0, temperature)
            .computeGradient(b.labels(), b.logits(), new ActivationIdentity(), null)
            .toDoubleMatrix();
    double[][] ceOnly =
        new DistillationLoss(0.0, temperature)
            .computeGradient(b.labels(), b.logits(), new ActivationIdentity(), null)
            .toDoubleMatrix();
    for (int r = 0; r < full.length; r++) {
      for (int c = 0; c < CLASSES; c++) {
        full[r][c] -= ceOnly[r][c];
      }
    }
    return full;
  }

  @Test
  void theCombinedCallGivesTheSameScoreAndGradientAsTheSeparateOnes() {
    Batch b = batch(5, 19);
    DistillationLoss loss = new DistillationLoss(0.8, 2.5);
    var both = loss.computeGradientAndScore(b.labels(), b.logits(), new ActivationIdentity(), null, true);
    assertEquals(loss.computeScore(b.labels(), b.logits(), new ActivationIdentity(), null, true), both.getFirst(), 0.0);
    assertEquals(loss.computeGradient(b.labels(), b.logits(), new ActivationIdentity(), null), both.getSecond());
  }

  @Test
  void aZeroTargetRowAddsNeitherLossNorGradient() {
    Batch b = batch(3, 15);
    double[][] t = java.util.Arrays.stream(b.t()).map(double[]::clone).toArray(double[][]::new);
    t[1] = new double[CLASSES];
    Batch withoutTeacher = new Batch(b.z(), b.y(), t);
    DistillationLoss loss = new DistillationLoss(1.0, 2.0);
    DistillationLoss crossEntropyOnly = new DistillationLoss(0.0, 2.0);
    INDArray scores = loss.computeScoreArray(withoutTeacher.labels(), b.logits(), new ActivationIdentity(), null);
    INDArray ceScores =
        crossEntropyOnly.computeScoreArray(withoutTeacher.labels(), b.logits(), new ActivationIdentity(), null);
    assertEquals(ceScores.getDouble(1, 0), scores.getDouble(1, 0), 0.0);
    assertTrue(scores.getDouble(0, 0) > ceScores.getDouble(0, 0));
    INDArray gradient = loss.computeGradient(withoutTeacher.labels(), b.logits(), new ActivationIdentity(), null);
    INDArray ceGradient =
        crossEntropyOnly.computeGradient(withoutTeacher.labels(), b.logits(), new ActivationIdentity(), null);
    assertEquals(ceGradient.getRow(1), gradient.getRow(1));
  }

  @Test
  void partsSplitTheScoreIntoCrossEntropyAndDistillation() {
    Batch b = batch(6, 16);
    DistillationLoss loss = new DistillationLoss(0.5, 3.0);
    DistillationLoss.Parts parts = loss.parts(b.logits(), b.labels());
    double score = loss.computeScore(b.labels(), b.logits(), new ActivationIdentity(), null, true);
    assertEquals(score, parts.total(), 1e-12);
    double ce = new DistillationLoss(0.0, 3.0).computeScore(b.labels(), b.logits(), new ActivationIdentity(), null, true);
    assertEquals(ce, parts.crossEntropy(), 1e-12);
  }

  @Test
  void labelsOfTheWrongWidthAreRejectedNamingTheShapes() {
    Batch b = batch(2, 17);
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new DistillationLoss(1, 1)
                    .computeScore(b.logits(), b.logits(), new ActivationIdentity(), null, true));
    assertTrue(error.getMessage().contains("[2, 8]"), error.getMessage());
    assertTrue(error.getMessage().contains("[2, 4]"), error.getMessage());
  }

  @Test
  void invalidHyperparametersAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(-1, 1));
    assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1, 0));
    assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(Double.NaN, 1));
  }

  @ParameterizedTest(name = "λ={0}, T={1}")
  @CsvSource({"0.5, 1.0", "1.0, 4.0"})
  void passesDl4jsGradientCheckInDoublePrecision(double lambda, double temperature) {
    assertTrue(LossChecks.passesDl4jGradientCheck(new DistillationLoss(lambda, temperature), batch(8, 18).labels(), CLASSES),
        "DL4J gradient check failed");
  }


  @Test
  void survivesTheJsonRoundTripOfANetworkConfiguration() {
    MultiLayerConfiguration conf =
        new MlpPreset(5, List.of(3), CLASSES)
            .configuration(1, new org.nd4j.linalg.learning.config.Adam(0.01), new DistillationLoss(0.25, 3.0), DataType.FLOAT);
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    org.deeplearning4j.nn.conf.layers.BaseOutputLayer output =
        (org.deeplearning4j.nn.conf.layers.BaseOutputLayer) back.getConf(1).getLayer();
    assertEquals(new DistillationLoss(0.25, 3.0), output.getLossFn());
  }
}

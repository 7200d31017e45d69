package dev.cohort.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN in the convolutions: engaged on the default build, and the same gradients as DL4J's own path. */
class OneDnnHelpersTest {

  private static final CnnPreset PRESET = new CnnPreset(new LabeledData.ImageShape(10, 10, 1), List.of(3, 4), List.of(6), 3);
  private static final DistillationLoss LOSS = new DistillationLoss(0.5, 2);

  private static INDArray[] batch(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * 100];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    int[] y = new int[rows];
    float[] t = new float[rows * 3];
    for (int r = 0; r < rows; r++) {
      y[r] = random.nextInt(3);
      t[r * 3 + random.nextInt(3)] = 1f;
    }
    return new INDArray[] {Nd4j.create(x, new long[] {rows, 100}, 'c'), SoftTargets.labels(y, t, 3)};
  }

  @Test
  void theDefaultBuildHasOneDnnAndTheCohortEngineUsesItForConvolutionsAndPooling() {
    assertTrue(OneDnnHelpers.available(), "nd4j-native's onednn build is the default backend (pom.xml)");
    MultiLayerNetwork engaged = PRESET.build(1, 0.01, LOSS);
    new PeerNetwork(engaged, LOSS, "cnn", StepEngine.COHORT);
    assertTrue(engaged.getLayer(0).getHelper() instanceof FirstConvolutionHelper, "the first layer skips its input gradient");
    assertTrue(engaged.getLayer(1).getHelper() instanceof MKLDNNSubsamplingHelper);
    assertEquals(MKLDNNConvHelper.class, engaged.getLayer(2).getHelper().getClass());
    MultiLayerNetwork stock = PRESET.build(1, 0.01, LOSS);
    PeerNetwork reference = new PeerNetwork(stock, LOSS, "cnn", StepEngine.DL4J);
    assertNull(stock.getLayer(0).getHelper(), "DL4J as shipped: no helper");
    assertEquals("DL4J fit", reference.stepPath());
  }

  /** Every parameter's gradient, the first layer's weights and bias included (FirstConvolutionHelper's own). */
  @Test
  void oneDnnGivesDl4jsGradients() {
    MultiLayerNetwork stock = PRESET.build(2, 0.01, LOSS);
    MultiLayerNetwork engaged = PRESET.build(2, 0.01, LOSS);
    assertEquals(4, OneDnnHelpers.engage(engaged), "two convolutions and two poolings");
    INDArray[] batch = batch(16, 3);
    for (MultiLayerNetwork network : List.of(stock, engaged)) {
      network.setInput(batch[0]);
      network.setLabels(batch[1]);
      network.computeGradientAndScore();
    }
    for (var entry : stock.gradient().gradientForVariable().entrySet()) {
      INDArray expected = entry.getValue().castTo(DataType.DOUBLE);
      INDArray actual = engaged.gradient().gradientForVariable().get(entry.getKey()).castTo(DataType.DOUBLE);
      double worst = expected.sub(actual).amaxNumber().doubleValue();
      double scale = expected.amaxNumber().doubleValue();
      assertTrue(scale > 0 && worst <= 1e-4 * scale,
          entry.getKey() + ": largest difference " + worst + " against " + scale);
    }
    assertEquals(8, stock.gradient().gradientForVariable().size(), "weights and biases of 4 layers");
    assertEquals(stock.score(), engaged.score(), 1e-5);
  }

  @Test
  void aCnnTrainedByTheCohortEngineEndsCloseToOneTrainedByDl4jAsShipped() {
    PeerNetwork dl4j = PeerNetwork.of(PRESET, 4, 0.01, LOSS, StepEngine.DL4J);
    PeerNetwork cohort = PeerNetwork.of(PRESET, 4, 0.01, LOSS, StepEngine.COHORT);
    for (int s = 0; s < 10; s++) {
      INDArray[] batch = batch(20, 10 + s);
      dl4j.train(batch[0], batch[1]);
      cohort.train(batch[0], batch[1]);
    }
    double worst = dl4j.parameters().sub(cohort.parameters()).amaxNumber().doubleValue();
    assertTrue(worst < 1e-3, "largest parameter difference after 10 steps: " + worst);
  }
}

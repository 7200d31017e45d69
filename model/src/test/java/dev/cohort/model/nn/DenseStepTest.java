package dev.cohort.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.Matrices;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The hand-written dense step against DL4J's own: the same gradient before the update (so a wrong
 * scale, sign or KL direction shows even though Adam would normalise it away), and the same
 * parameters and Adam moments after several updates.
 */
class DenseStepTest {

  @TempDir Path dir;

  private static final int INPUTS = 12;
  private static final int CLASSES = 5;
  private static final MlpPreset PRESET = new MlpPreset(INPUTS, List.of(16, 9), CLASSES);
  private static final DistillationLoss LOSS = new DistillationLoss(0.7, 2.5);

  private static MultiLayerNetwork network(long seed) {
    return PRESET.build(seed, 0.01, LOSS);
  }

  /** A batch of features and labels {@code [one-hot | target]} with soft, uneven targets. */
  private record Batch(INDArray features, INDArray labels) {}

  private static Batch batch(int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * INPUTS];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * 2 - 1);
    }
    int[] y = new int[rows];
    float[] t = new float[rows * CLASSES];
    for (int r = 0; r < rows; r++) {
      y[r] = random.nextInt(CLASSES);
      float sum = 0;
      for (int c = 0; c < CLASSES; c++) {
        t[r * CLASSES + c] = (float) random.nextDouble();
        sum += t[r * CLASSES + c];
      }
      for (int c = 0; c < CLASSES; c++) {
        t[r * CLASSES + c] /= sum;
      }
    }
    return new Batch(Nd4j.create(x, new long[] {rows, INPUTS}, 'c'), SoftTargets.labels(y, t, CLASSES));
  }

  private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
    double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
    double worst = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    assertTrue(worst <= tolerance * scale, what + ": largest difference " + worst + " against a scale of " + scale);
  }

  private static void train(DenseStep step, DistillationLoss loss, Batch batch) {
    int rows = (int) batch.features().size(0);
    float[] logits = step.forward(batch.features());
    step.backward(rows, loss.logitGradient(logits, Matrices.rowMajorFloats(batch.labels()), rows, CLASSES, 1.0 / rows));
  }

  @Test
  void itsGradientIsDl4jsBackpropDividedByTheBatchSize() {
    MultiLayerNetwork reference = network(3);
    MultiLayerNetwork twin = network(3);
    DenseStep step = DenseStep.of(twin).orElseThrow();
    Batch batch = batch(32, 1);
    reference.setInput(batch.features());
    reference.setLabels(batch.labels());
    reference.computeGradientAndScore();
    INDArray expected = reference.gradient().gradient().dup().reshape(-1).divi(32);
    train(step, LOSS, batch);
    INDArray actual = Nd4j.createFromArray(step.lastGradient());
    assertClose(expected, actual, 1e-5, "gradient");
  }

  @Test
  void parametersAndMomentsFollowDl4jsFitStepForStep() throws IOException {
    MultiLayerNetwork reference = network(4);
    MultiLayerNetwork twin = network(4);
    DenseStep step = DenseStep.of(twin).orElseThrow();
    for (int s = 0; s < 8; s++) {
      Batch batch = batch(s == 7 ? 11 : 32, 10 + s); // a short last batch, as at an epoch's end
      reference.fit(batch.features(), batch.labels());
      train(step, LOSS, batch);
      assertClose(reference.params(), twin.params(), 1e-4, "parameters after step " + s);
    }
    step.flush();
    assertClose(reference.getUpdater().getStateViewArray(), twin.getUpdater().getStateViewArray(), 1e-4, "Adam moments");
    assertEquals(reference.getIterationCount(), twin.getIterationCount());
  }

  @Test
  void itsLogitsAreDl4jsOutput() {
    MultiLayerNetwork network = network(5);
    DenseStep step = DenseStep.of(network).orElseThrow();
    INDArray features = batch(40, 2).features();
    INDArray expected = network.output(features, false);
    INDArray actual = Nd4j.create(step.logits(features), new long[] {40, CLASSES}, DataType.FLOAT);
    assertClose(expected, actual, 1e-5, "logits");
  }

  /** Saving flushes the Adam moments, so a run resumed from a checkpoint continues bit for bit. */
  @Test
  void aSavedAndReloadedNetworkContinuesExactlyAsOneThatWasNeverSaved() throws IOException {
    PeerNetwork continuous = new PeerNetwork(network(6), LOSS, "mlp");
    PeerNetwork interrupted = new PeerNetwork(network(6), LOSS, "mlp");
    for (int s = 0; s < 3; s++) {
      Batch batch = batch(16, 20 + s);
      continuous.train(batch.features(), batch.labels());
      interrupted.train(batch.features(), batch.labels());
    }
    Path file = dir.resolve("model.zip");
    interrupted.save(file);
    PeerNetwork resumed = PeerNetwork.load(file, "mlp");
    assertTrue(resumed.stepPath().startsWith("dense"), resumed.stepPath());
    for (int s = 3; s < 6; s++) {
      Batch batch = batch(16, 20 + s);
      continuous.train(batch.features(), batch.labels());
      resumed.train(batch.features(), batch.labels());
    }
    assertEquals(continuous.parameters(), resumed.parameters());
  }

  /** A fill may run inference (of any batch size) while the step waits between its two passes. */
  @Test
  void anInferencePassInsideTheTargetFillLeavesTheStepAlone() {
    PeerNetwork plain = new PeerNetwork(network(8), LOSS, "mlp");
    PeerNetwork busy = new PeerNetwork(network(8), LOSS, "mlp");
    Batch batch = batch(32, 50);
    INDArray other = batch(32, 51).features();
    int[] classes = {0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1};
    for (int s = 0; s < 3; s++) {
      plain.train(batch.features(), classes, (z, n, c) -> StepTarget.of(SoftTargets.soften(z, c, 2.5)));
      busy.train(batch.features(), classes, (z, n, c) -> {
        busy.logits(other); // same batch size as the step in progress
        return StepTarget.of(SoftTargets.soften(z, c, 2.5));
      });
    }
    assertEquals(plain.parameters(), busy.parameters());
  }

  @Test
  void networksItDoesNotReproduceExactlyTrainWithFit() {
    assertTrue(DenseStep.of(network(1)).isPresent(), "the MLP preset");
    MultiLayerNetwork cnn = new CnnPreset(new LabeledData.ImageShape(8, 8, 1), List.of(2), List.of(4), 3)
        .build(1, 0.01, LOSS);
    assertTrue(DenseStep.of(cnn).isEmpty(), "a CNN");
    MultiLayerConfiguration sgd = PRESET.configuration(1, new Sgd(0.1), LOSS, DataType.FLOAT);
    assertTrue(DenseStep.of(initialised(sgd)).isEmpty(), "another updater");
    MultiLayerConfiguration doubles = PRESET.configuration(1, new Adam(0.01), LOSS, DataType.DOUBLE);
    assertTrue(DenseStep.of(initialised(doubles)).isEmpty(), "double precision");
    MultiLayerConfiguration dropout = PRESET.configuration(1, new Adam(0.01), LOSS, DataType.FLOAT);
    dropout.getConf(0).getLayer().setIDropout(new org.deeplearning4j.nn.conf.dropout.Dropout(0.5));
    assertTrue(DenseStep.of(initialised(dropout)).isEmpty(), "dropout");
    MultiLayerConfiguration l2 = PRESET.configuration(1, new Adam(0.01), LOSS, DataType.FLOAT);
    ((org.deeplearning4j.nn.conf.layers.BaseLayer) l2.getConf(1).getLayer())
        .setRegularization(List.of(new org.nd4j.linalg.learning.regularization.L2Regularization(1e-4)));
    assertTrue(DenseStep.of(initialised(l2)).isEmpty(), "L2 regularisation");
  }

  @Test
  void theStepEngineDecidesThePath() {
    assertTrue(PeerNetwork.of(PRESET, 1, 0.01, LOSS).stepPath().startsWith("dense"));
    assertEquals("DL4J fit", PeerNetwork.of(PRESET, 1, 0.01, LOSS, StepEngine.DL4J).stepPath());
  }

  @Test
  void theDl4jAndTheDenseEngineEndTrainingClose() {
    PeerNetwork dl4j = PeerNetwork.of(PRESET, 7, 0.01, LOSS, StepEngine.DL4J);
    PeerNetwork dense = PeerNetwork.of(PRESET, 7, 0.01, LOSS, StepEngine.COHORT);
    for (int s = 0; s < 20; s++) {
      Batch batch = batch(24, 40 + s);
      dl4j.train(batch.features(), batch.labels());
      dense.train(batch.features(), batch.labels());
    }
    assertClose(dl4j.parameters(), dense.parameters(), 1e-3, "parameters after 20 steps");
    INDArray features = batch(10, 99).features();
    assertClose(dl4j.logits(features), dense.logits(features), 1e-3, "logits after 20 steps");
    assertArrayEquals(new long[] {10, CLASSES}, dense.logits(features).shape());
  }

  /**
   * A learning rate changed between steps (a decay schedule) acts as DL4J's own
   * {@code setLearningRate} does, on both engines, the moments kept; it survives a checkpoint; and it
   * matters (the same steps at the old rate end elsewhere).
   */
  @Test
  void aLearningRateChangedBetweenStepsActsAsDl4jsOwnSetLearningRate() throws IOException {
    MultiLayerNetwork official = network(8);
    PeerNetwork reference = new PeerNetwork(official, LOSS, "mlp", StepEngine.DL4J);
    PeerNetwork dl4j = new PeerNetwork(network(8), LOSS, "mlp", StepEngine.DL4J);
    PeerNetwork dense = new PeerNetwork(network(8), LOSS, "mlp", StepEngine.COHORT);
    PeerNetwork unchanged = new PeerNetwork(network(8), LOSS, "mlp", StepEngine.COHORT);
    assertTrue(dense.stepPath().startsWith("dense"), dense.stepPath());
    List<PeerNetwork> all = List.of(reference, dl4j, dense, unchanged);
    for (int s = 0; s < 4; s++) {
      Batch batch = batch(16, 60 + s);
      all.forEach(n -> n.train(batch.features(), batch.labels()));
    }
    official.setLearningRate(0.002);
    dl4j.learningRate(0.002);
    dense.learningRate(0.002);
    assertEquals(0.002, reference.learningRate(), 0);
    assertEquals(0.002, dense.learningRate(), 0);
    Path file = dir.resolve("decayed.zip");
    dense.save(file);
    PeerNetwork resumed = PeerNetwork.load(file, "mlp");
    assertEquals(0.002, resumed.learningRate(), 0);
    for (int s = 4; s < 8; s++) {
      Batch batch = batch(16, 60 + s);
      List.of(reference, dl4j, dense, unchanged, resumed).forEach(n -> n.train(batch.features(), batch.labels()));
    }
    assertEquals(reference.parameters(), dl4j.parameters(), "DL4J engine, rate set in place vs setLearningRate");
    assertClose(reference.parameters(), dense.parameters(), 1e-4, "dense engine vs setLearningRate");
    assertEquals(dense.parameters(), resumed.parameters(), "the rate after a save and reload");
    double moved = unchanged.parameters().castTo(DataType.DOUBLE).sub(dense.parameters().castTo(DataType.DOUBLE))
        .amaxNumber().doubleValue();
    assertTrue(moved > 1e-3, "four steps at 0.002 instead of 0.01 should end elsewhere; largest difference " + moved);
  }

  private static MultiLayerNetwork initialised(MultiLayerConfiguration configuration) {
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }
}

package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.PeerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Refilled batches hold what a freshly allocated batch holds, and the flat-array paths agree with the INDArray ones. */
class FeatureBuffersTest {

  private static final LabeledData DATA = SyntheticData.gaussianClusters(300, 7, 3, 0.5, 4);

  @Test
  void aRefilledBatchHoldsTheSameFeaturesAsANewOne() {
    FeatureBuffers buffers = new FeatureBuffers();
    int[] first = {5, 0, 299, 17};
    int[] second = {1, 2, 3, 4};
    INDArray a = buffers.of(DATA, first);
    assertEquals(DATA.features(first), a);
    INDArray b = buffers.of(DATA, second);
    assertSame(a, b, "the same buffer, refilled");
    assertEquals(DATA.features(second), b);
    int[] shortBatch = {9, 8};
    assertEquals(DATA.features(shortBatch), buffers.of(DATA, shortBatch));
    assertEquals(DATA.features(second), b, "a batch of another size has its own buffer");
  }

  @Test
  void aBufferOfTheWrongShapeIsRefusedNamingBoth() {
    INDArray wrong = Nd4j.create(DataType.FLOAT, 2, 6);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DATA.features(new int[] {0, 1}, wrong));
    assertTrue(e.getMessage().contains("[2, 7]") && e.getMessage().contains("[2, 6]"), e.getMessage());
  }

  @Test
  void lossPartsAndAccuracyFromFlatArraysMatchTheArrayVersions() {
    DistillationLoss loss = new DistillationLoss(0.8, 2.5);
    float[] z = {2f, -1f, 0.5f, 0.1f, 0.2f, 3f};
    int[] y = {0, 1};
    float[] t = {0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f};
    INDArray logits = Nd4j.create(z, new long[] {2, 3}, DataType.FLOAT);
    DistillationLoss.Parts fromArrays = loss.parts(logits, SoftTargets.labels(y, t, 3));
    DistillationLoss.Parts flat = loss.parts(z, SoftTargets.labelValues(y, t, 3), 2, 3);
    assertEquals(fromArrays.crossEntropy(), flat.crossEntropy(), 1e-12);
    assertEquals(fromArrays.distillation(), flat.distillation(), 1e-12);
    assertEquals(PeerNetwork.correct(logits, y), PeerNetwork.correct(z, y, 3));
    assertEquals(1, PeerNetwork.correct(z, y, 3));
  }
}

package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.MlpPreset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The profile's three readers report what they were given, not something else. */
class ProfileToolsTest {

  @Test
  void ndOpsCountsEveryCallPerStepAndNamesTheLongOnes() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 400, 400);
    INDArray b = Nd4j.rand(DataType.FLOAT, 400, 400);
    INDArray small = Nd4j.rand(DataType.FLOAT, 4, 4);
    Nd4jOps.Result result = Nd4jOps.profile(() -> {
      a.mmul(b); // about 64 M multiply-adds: over 0.1 ms, timed by name
      a.mmul(b);
      small.addi(1.0);
    }, 4);
    Map<String, Nd4jOps.Op> ops = result.ops().stream().collect(Collectors.toMap(Nd4jOps.Op::name, o -> o));
    assertEquals(2.0, ops.get("matmul").callsPerStep(), 1e-9, result.toString());
    assertEquals(1.0, ops.get("add_scalar").callsPerStep(), 1e-9, result.toString());
    assertTrue(ops.get("matmul").longCallMillisPerStep() > 0, result.toString());
    // mmul also copies its result (old_assign): every op ND4J ran is counted, ours or not
    assertEquals(result.ops().stream().mapToDouble(Nd4jOps.Op::callsPerStep).sum(), result.callsPerStep(), 1e-9);
    assertTrue(result.opMillisPerStep() >= ops.get("matmul").longCallMillisPerStep(), result.toString());
  }

  @Test
  void hotFramesPutsSamplesOnTheCohortMethodThatSpentThem() throws java.io.IOException {
    double[] sink = new double[1];
    HotFrames.Result result = HotFrames.record(() -> sink[0] = spin(400));
    assertTrue(result.samples() > 50, "samples: " + result.samples());
    HotFrames.Spot top = result.spots().get(0);
    assertTrue(top.where().startsWith("ProfileToolsTest.spin:"), result.spots().subList(0, Math.min(3, result.spots().size())).toString());
    assertTrue(top.share() > 0.5, top.toString());
    assertTrue(sink[0] != 0);
  }

  /** Busy for about {@code millis} ms in plain Java. */
  private static double spin(long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    double x = 1;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 1000; i++) {
        x = x * 1.0000001 + Math.sqrt(i);
      }
    }
    return x;
  }

  @Test
  void layerTimesHasOneRowPerLayerWithPositiveTimes() {
    MultiLayerNetwork network = new MlpPreset(20, List.of(16), 3).build(1, 0.01, new DistillationLoss(0.5, 2));
    INDArray features = Nd4j.rand(DataType.FLOAT, 8, 20);
    INDArray labels = SoftTargets.labels(new int[] {0, 1, 2, 0, 1, 2, 0, 1}, new float[8 * 3], 3);
    INDArray before = network.params().dup();
    List<LayerTimes.Layer> layers = LayerTimes.measure(network, features, labels, 1, 3);
    assertEquals(List.of("0 DenseLayer", "1 OutputLayer"), layers.stream().map(LayerTimes.Layer::name).toList());
    assertTrue(layers.stream().allMatch(l -> l.forwardMillis() > 0 && l.backwardMillis() > 0), layers.toString());
    assertEquals(before, network.params(), "timing the layers does not train the network");
  }
}

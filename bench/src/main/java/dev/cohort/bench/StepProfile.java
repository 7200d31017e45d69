package dev.cohort.bench;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.NetworkPreset;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.model.nn.StepEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One model's training step under one {@link StepEngine}, profiled three ways: JDK Flight Recorder
 * on the training thread ({@link HotFrames}: the Java side, and which DL4J or Cohort line each
 * native call came from), ND4J's op profiler ({@link Nd4jOps}: the native ops), and, for networks
 * that DL4J's fit trains, layer by layer ({@link LayerTimes}).
 */
public final class StepProfile {

  /** @param layers empty for the dense step, which has no DL4J layers in its path */
  public record Result(String model, StepEngine engine, String path, StepTimes.Timing step, HotFrames.Result frames,
      Nd4jOps.Result ops, List<LayerTimes.Layer> layers) {}

  private StepProfile() {}

  public static Result measure(String model, NetworkPreset preset, StepEngine engine, LabeledData train, int batch,
      int warmup, int steps) throws IOException {
    DistillationLoss loss = new DistillationLoss(1, 3);
    MultiLayerNetwork network = preset.build(1, 1e-3, loss);
    PeerNetwork peer = new PeerNetwork(network, loss, preset.describe(), engine);
    int[] rows = new int[batch];
    for (int r = 0; r < batch; r++) {
      rows[r] = r % train.size();
    }
    INDArray features = train.features(rows);
    float[] uniform = new float[batch * train.classes()];
    java.util.Arrays.fill(uniform, 1f / train.classes());
    INDArray labels = SoftTargets.labels(train.labels(rows), uniform, train.classes());
    Runnable step = () -> peer.train(features, labels);
    for (int i = 0; i < warmup; i++) {
      step.run();
    }
    List<Double> millis = new ArrayList<>();
    HotFrames.Result frames = HotFrames.record(() -> {
      for (int i = 0; i < steps; i++) {
        long started = System.nanoTime();
        step.run();
        millis.add((System.nanoTime() - started) / 1e6);
      }
    });
    Nd4jOps.Result ops = Nd4jOps.profile(step, Math.max(3, steps / 4));
    List<LayerTimes.Layer> layers = peer.stepPath().startsWith("dense") ? List.of()
        : LayerTimes.measure(network, features, labels, 2, Math.max(3, steps / 4));
    return new Result(model, engine, peer.stepPath(), StepTimes.Timing.of(millis), frames, ops, layers);
  }
}

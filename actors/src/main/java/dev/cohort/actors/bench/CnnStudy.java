package dev.cohort.actors.bench;

import dev.cohort.model.CnnPreset;
import dev.cohort.model.DistillationLoss;
import dev.cohort.model.LabeledData;
import dev.cohort.model.SoftTargets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Where DL4J's LeNet step spends its time on this CPU, and what changes it: ND4J threads, the
 * platform helpers (oneDNN) on or off, workspaces, and the forward pass layer by layer.
 */
public final class CnnStudy {

  /** A variant of the step and its median time. */
  public record Variant(String name, StepTimes.Timing step) {}

  /** The forward pass (inference) cumulated up to each layer, in ms. */
  public record Result(List<Variant> variants, Map<String, Double> forwardByLayer, double forwardMillis) {}

  private CnnStudy() {}

  public static Result run(CnnPreset preset, LabeledData train, int batch, int cores, int warmup, int steps) {
    INDArray features = train.features(rows(batch, 0, train.size()));
    INDArray labels = SoftTargets.labels(train.labels(rows(batch, 0, train.size())), new float[batch * train.classes()],
        train.classes());
    List<Variant> variants = new ArrayList<>();
    for (int threads : cores > 1 ? new int[] {cores, 1} : new int[] {1}) {
      threads(threads);
      variants.add(new Variant("setMaxThreads(" + threads + "), helpers on, workspaces on",
          time(network(preset, WorkspaceMode.ENABLED), features, labels, warmup, steps)));
    }
    threads(cores);
    Nd4j.getEnvironment().allowHelpers(false);
    try {
      variants.add(new Variant("setMaxThreads(" + cores + "), helpers off (ND4J's own im2col + gemm)",
          time(network(preset, WorkspaceMode.ENABLED), features, labels, warmup, steps)));
    } finally {
      Nd4j.getEnvironment().allowHelpers(true);
    }
    variants.add(new Variant("setMaxThreads(" + cores + "), helpers on, workspaces off",
        time(network(preset, WorkspaceMode.NONE), features, labels, warmup, steps)));
    MultiLayerNetwork network = network(preset, WorkspaceMode.ENABLED);
    Map<String, Double> byLayer = new LinkedHashMap<>();
    for (int layer = 0; layer < network.getnLayers(); layer++) {
      int upTo = layer;
      byLayer.put(layer + " " + network.getLayer(layer).getClass().getSimpleName(),
          Stats.median(millis(() -> network.feedForwardToLayer(upTo, features, false), warmup, steps)));
    }
    return new Result(variants, byLayer, Stats.median(millis(() -> network.output(features, false), warmup, steps)));
  }

  /** Wall times in ms of {@code steps} runs of {@code work} after {@code warmup} untimed ones. */
  private static List<Double> millis(Runnable work, int warmup, int steps) {
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < warmup + steps; i++) {
      long started = System.nanoTime();
      work.run();
      if (i >= warmup) {
        millis.add((System.nanoTime() - started) / 1e6);
      }
    }
    return millis;
  }

  private static void threads(int threads) {
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.getEnvironment().setMaxThreads(threads);
  }

  private static int[] rows(int batch, int first, int size) {
    int[] rows = new int[batch];
    for (int r = 0; r < batch; r++) {
      rows[r] = (first + r) % size;
    }
    return rows;
  }

  private static MultiLayerNetwork network(CnnPreset preset, WorkspaceMode workspaces) {
    MultiLayerConfiguration configuration =
        preset.configuration(1, new Adam(1e-3), new DistillationLoss(1, 3), DataType.FLOAT);
    configuration.setTrainingWorkspaceMode(workspaces);
    configuration.setInferenceWorkspaceMode(workspaces);
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }

  private static StepTimes.Timing time(MultiLayerNetwork network, INDArray features, INDArray labels, int warmup, int steps) {
    return StepTimes.Timing.of(millis(() -> network.fit(features, labels), warmup, steps));
  }
}

package dev.cohort.bench;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.CnnPreset;
import dev.cohort.model.nn.OneDnnHelpers;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What each of the CNN step's changes buys, on DL4J's LeNet {@code fit}: DL4J as shipped, the
 * forward convolution cached for the backward pass, oneDNN engaged in the convolutions and
 * pooling, both, and both with the first convolution skipping its input gradient (Cohort's step).
 * The variants run interleaved, step by step, in this JVM.
 */
public final class CnnStudy {

  /** A variant of the step and its median time. */
  public record Variant(String name, StepTimes.Timing step) {}

  private CnnStudy() {}

  public static List<Variant> run(CnnPreset preset, LabeledData train, int batch, int warmup, int steps) {
    int[] rows = new int[batch];
    for (int r = 0; r < batch; r++) {
      rows[r] = r % train.size();
    }
    INDArray features = train.features(rows);
    INDArray labels = SoftTargets.labels(train.labels(rows), new float[batch * train.classes()], train.classes());
    List<String> names = List.of("DL4J as shipped (CacheMode.NONE, no helpers)", "forward cached (CacheMode.DEVICE)",
        "oneDNN helpers engaged", "forward cached + oneDNN",
        "forward cached + oneDNN, first layer without input gradient (Cohort's step)");
    List<MultiLayerNetwork> networks = List.of(network(preset, false, false, false), network(preset, true, false, false),
        network(preset, false, true, false), network(preset, true, true, false), network(preset, true, true, true));
    List<List<Double>> millis = new ArrayList<>();
    networks.forEach(n -> millis.add(new ArrayList<>()));
    for (int i = 0; i < warmup + steps; i++) {
      for (int v = 0; v < networks.size(); v++) {
        MultiLayerNetwork network = networks.get(v);
        long started = System.nanoTime();
        network.fit(features, labels);
        if (i >= warmup) {
          millis.get(v).add((System.nanoTime() - started) / 1e6);
        }
      }
    }
    List<Variant> variants = new ArrayList<>();
    for (int v = 0; v < networks.size(); v++) {
      variants.add(new Variant(names.get(v), StepTimes.Timing.of(millis.get(v))));
    }
    return variants;
  }

  private static MultiLayerNetwork network(CnnPreset preset, boolean cached, boolean oneDnn, boolean firstLayerShortcut) {
    MultiLayerNetwork network = preset.build(1, 1e-3, new DistillationLoss(1, 3));
    if (cached) {
      network.getLayerWiseConfigurations().setCacheMode(CacheMode.DEVICE);
      network.setCacheMode(CacheMode.DEVICE);
    }
    if (oneDnn) {
      OneDnnHelpers.engage(network, firstLayerShortcut);
    }
    return network;
  }
}

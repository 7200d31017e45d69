package dev.cohort.actors.bench;

import dev.cohort.model.DistillationLoss;
import dev.cohort.model.LabeledData;
import dev.cohort.model.NetworkPreset;
import dev.cohort.model.PeerNetwork;
import dev.cohort.model.SoftTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's training step timed alone, in this JVM, without actors: the DL4J update by itself
 * ({@code fit}), the step as peers took it before (an inference pass for the predictions, then
 * {@code fit}: two forward passes), and the step as they take it now (one forward pass, the
 * softened predictions and the target computed between it and the backward pass).
 */
public final class StepTimes {

  /** Median and quartiles of the wall time of one step, in ms. */
  public record Timing(double median, double q1, double q3) {
    static Timing of(List<Double> millis) {
      return new Timing(Stats.median(millis), Stats.quantile(millis, 0.25), Stats.quantile(millis, 0.75));
    }
  }

  public record Result(String model, int threads, Timing fitAlone, Timing twoPasses, Timing oneForward) {}

  private StepTimes() {}

  public static Result measure(String name, NetworkPreset preset, LabeledData train, int batch, int threads, int warmup, int steps) {
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.getEnvironment().setMaxThreads(threads);
    int classes = train.classes();
    double temperature = 3;
    PeerNetwork network = PeerNetwork.of(preset, 1, 1e-3, new DistillationLoss(1, temperature));
    List<INDArray> features = new ArrayList<>();
    List<int[]> labels = new ArrayList<>();
    for (int b = 0; b < 20; b++) {
      int[] rows = new int[batch];
      for (int r = 0; r < batch; r++) {
        rows[r] = (b * batch + r) % train.size();
      }
      features.add(train.features(rows));
      labels.add(train.labels(rows));
    }
    float[] uniform = new float[batch * classes];
    java.util.Arrays.fill(uniform, 1f / classes);
    Consumer<Integer> fit = b -> network.train(features.get(b), SoftTargets.labels(labels.get(b), uniform, classes));
    Consumer<Integer> twoPasses = b -> {
      float[] softened = SoftTargets.soften(network.logits(features.get(b)), temperature);
      network.train(features.get(b), SoftTargets.labels(labels.get(b), softened, classes));
    };
    Consumer<Integer> oneForward = b -> network.train(features.get(b), labels.get(b),
        (z, n, c) -> SoftTargets.soften(z, c, temperature));
    // Interleaved, so that drift of the machine's speed hits the three alike.
    List<Double> a = new ArrayList<>();
    List<Double> t = new ArrayList<>();
    List<Double> o = new ArrayList<>();
    for (int i = 0; i < warmup + steps; i++) {
      int b = i % features.size();
      time(fit, b, i >= warmup ? a : null);
      time(twoPasses, b, i >= warmup ? t : null);
      time(oneForward, b, i >= warmup ? o : null);
    }
    return new Result(name, threads, Timing.of(a), Timing.of(t), Timing.of(o));
  }

  private static void time(Consumer<Integer> step, int batch, List<Double> into) {
    long started = System.nanoTime();
    step.accept(batch);
    if (into != null) {
      into.add((System.nanoTime() - started) / 1e6);
    }
  }
}

package dev.cohort.bench;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.nn.NetworkPreset;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.model.nn.StepEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's training step timed alone, in this JVM, without actors: DL4J's {@code fit} as DL4J
 * ships it ({@link StepEngine#DL4J}), the step Cohort takes instead ({@link StepEngine#COHORT}),
 * and that step as a peer takes it (one forward pass, the softened predictions and the target
 * computed between it and the backward pass). The three run interleaved, step by step, in an
 * order that rotates every step (which of them follows DL4J's slow fit changed a LeNet step's
 * time by a quarter), and
 * PyTorch's step of the same model in blocks between them, so that drift of the machine's speed
 * hits them all alike.
 */
public final class StepTimes {

  /** Median and quartiles of the wall time of one step, in ms. */
  public record Timing(double median, double q1, double q3) {
    static Timing of(List<Double> millis) {
      return new Timing(Stats.median(millis), Stats.quantile(millis, 0.25), Stats.quantile(millis, 0.75));
    }
  }

  /**
   * @param cohortPath what runs Cohort's step for this model, in words
   * @param torch PyTorch's step of the same model, interleaved in blocks with the others; null without PyTorch
   */
  public record Result(String model, int threads, Timing dl4jFit, Timing cohortStep, Timing oneForward, String cohortPath,
      Timing torch) {}

  private StepTimes() {}

  /**
   * @param torch a PyTorch session, or null; with one, every {@code block} steps of each variant are
   *     followed by as many PyTorch steps of {@code torchModel}, so that all four see the same machine
   */
  public static Result measure(String name, NetworkPreset preset, LabeledData train, int batch, int threads, int warmup,
      int steps, TorchReference.Session torch, String torchModel, int block) throws java.io.IOException {
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.getEnvironment().setMaxThreads(threads);
    int classes = train.classes();
    double temperature = 3;
    PeerNetwork dl4j = PeerNetwork.of(preset, 1, 1e-3, new DistillationLoss(1, temperature), StepEngine.DL4J);
    PeerNetwork cohort = PeerNetwork.of(preset, 1, 1e-3, new DistillationLoss(1, temperature), StepEngine.COHORT);
    PeerNetwork peer = PeerNetwork.of(preset, 1, 1e-3, new DistillationLoss(1, temperature), StepEngine.COHORT);
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
    List<INDArray> fullLabels = labels.stream().map(l -> SoftTargets.labels(l, uniform, classes)).toList();
    IntConsumer fit = b -> dl4j.train(features.get(b), fullLabels.get(b));
    IntConsumer step = b -> cohort.train(features.get(b), fullLabels.get(b));
    IntConsumer oneForward = b -> peer.train(features.get(b), labels.get(b), (z, n, c) -> StepTarget.of(SoftTargets.soften(z, c, temperature)));
    List<Double> f = new ArrayList<>();
    List<Double> s = new ArrayList<>();
    List<Double> o = new ArrayList<>();
    List<Double> t = new ArrayList<>();
    if (torch != null) {
      torch.steps(torchModel, Math.max(1, warmup)); // its own warm-up
    }
    List<IntConsumer> variants = List.of(fit, step, oneForward);
    List<List<Double>> times = List.of(f, s, o);
    for (int i = 0; i < warmup + steps; i++) {
      int b = i % features.size();
      for (int k = 0; k < variants.size(); k++) {
        int v = (i + k) % variants.size(); // rotated: no variant always runs right after DL4J's slow fit
        time(variants.get(v), b, i >= warmup ? times.get(v) : null);
      }
      if (torch != null && i >= warmup && (i - warmup + 1) % block == 0) {
        t.addAll(torch.steps(torchModel, block));
      }
    }
    return new Result(name, threads, Timing.of(f), Timing.of(s), Timing.of(o), cohort.stepPath(),
        t.isEmpty() ? null : Timing.of(t));
  }

  private static void time(IntConsumer step, int batch, List<Double> into) {
    long started = System.nanoTime();
    step.accept(batch);
    if (into != null) {
      into.add((System.nanoTime() - started) / 1e6);
    }
  }
}

package dev.cohort.bench;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.FeatureBuffers;
import dev.cohort.model.data.IdxDataset;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.nn.MlpPreset;
import dev.cohort.model.nn.PeerNetwork;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort bench step-alone}: a solo MLP peer's epochs without the runtime, for the
 * separate-machines part of {@code bench speed}, which runs it in a fresh JVM pinned like the
 * runtime's: the same network (784-256-10, Cohort's step), batches of the same schedule, the step
 * as an independent peer takes it (one forward pass, an all-zero target filled in), nothing else —
 * no actors, reports, evaluation or checkpoints. Prints one line per epoch: {@code epoch E millis M}.
 */
@Command(name = "step-alone", hidden = true, mixinStandardHelpOptions = true,
    description = "A solo MLP peer's epochs without the runtime (for bench speed --only nodes).")
public final class StepAlone implements Callable<Integer> {

  @Option(names = "--steps", required = true, paramLabel = "S", description = "steps per epoch")
  private int steps;

  @Option(names = "--epochs", required = true, paramLabel = "E")
  private int epochs;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N")
  private long seed;

  @Override
  public Integer call() {
    Nd4j.getEnvironment().setMaxMasterThreads(1);
    Nd4j.getEnvironment().setMaxThreads(1);
    LabeledData train = IdxDataset.split(IdxDataset.DEBIAN_FASHION_MNIST, "train");
    PeerNetwork network = PeerNetwork.of(new MlpPreset(784, List.of(256), 10), seed, 1e-3, new DistillationLoss(1, 3));
    network.distillationWeight(0);
    BatchSchedule schedule = new BatchSchedule(Math.min(train.size(), steps * 128), 128, seed);
    FeatureBuffers buffers = new FeatureBuffers();
    for (int epoch = 0; epoch < epochs; epoch++) {
      long started = System.nanoTime();
      for (int index = 0; index < schedule.batchesPerEpoch(); index++) {
        int[] rows = schedule.batch(epoch, index);
        network.train(buffers.of(train, rows), train.labels(rows), (z, n, classes) -> StepTarget.of(new float[n * classes]));
      }
      System.out.printf(java.util.Locale.ROOT, "epoch %d millis %.3f%n", epoch + 1, (System.nanoTime() - started) / 1e6);
    }
    return 0;
  }
}

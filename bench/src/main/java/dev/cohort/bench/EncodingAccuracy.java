package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The encodings' effect on what the peers learn: the same mutual-learning runs (same seeds) with
 * float32, float16 and top-k on the wire, on a Fashion-MNIST subset (10 classes) and on a
 * synthetic task with 1,000 classes (two JVMs, so Artery carries every byte; float32 and float16
 * batches there exceed one frame and travel in several messages).
 */
final class EncodingAccuracy {

  /** One run: the task, its encoding and seed, accuracies, and its wire figures. */
  record Row(String task, String encoding, int seed, double bestTest, double meanVal, double bytesPerStep,
      double stepMillis, long timeouts) {}

  /** 20,000 training examples of 1,000 Gaussian classes in 64 dimensions. */
  static final Config THOUSAND_CLASSES = CohortFile.of(CohortFile.settings(
      "data.format", "synthetic", "data.validation-size", 2000,
      "data.synthetic.train-examples", 22000, "data.synthetic.test-examples", 2000, "data.synthetic.features", 64,
      "data.synthetic.classes", 1000, "data.synthetic.noise", 1.0));

  private EncodingAccuracy() {}

  static List<Row> run(Path runs, SpeedOptions options) throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int seed = 1; seed <= options.seeds(); seed++) {
      for (String encoding : List.of("float32", "float16", "top-k")) {
        SpeedRun fashion = new SpeedRun("Fashion-MNIST 5k, mutual K=2, " + encoding, "mlp", "dml", 2, 1, encoding, 3, 0);
        rows.add(row("Fashion-MNIST, 5,000 images, " + options.epochs() + " epochs (top-k: k = 3)", encoding, seed,
            fashion.run(runs, "acc-fmnist-" + encoding + "-s" + seed, 39, seed, ConfigFactory.empty(), options.epochs())));
        SpeedRun synthetic = new SpeedRun("1,000 classes, mutual K=2, two JVMs, " + encoding, "mlp", "dml", 2, 2, encoding, 10, 0);
        rows.add(row("synthetic, 1,000 classes, " + options.epochs() + " epochs, two JVMs (top-k: k = 10)", encoding, seed,
            synthetic.run(runs, "acc-1000-" + encoding + "-s" + seed, 156, seed, THOUSAND_CLASSES, options.epochs())));
      }
    }
    return rows;
  }

  private static Row row(String task, String encoding, int seed, SpeedRun.Measured measured) {
    return new Row(task, encoding, seed, measured.finished().getTestAccuracy(), measured.figures().meanValAccuracy(),
        measured.figures().bytesPerStepPerLink(), measured.figures().meanStepMillis(), measured.figures().teacherTimeouts());
  }
}

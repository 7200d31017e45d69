package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.Launch;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One benchmark run of the real runtime, in this JVM (and {@code nodes - 1} child JVMs): a cohort
 * of K peers training for one epoch of {@code steps} batches, the dashboard off, and the figures
 * its logs give.
 */
record SpeedRun(
    String label, String model, String topology, int peers, int nodes, String encoding, int topK, int lookahead) {

  /** The outcome: the run's figures and the time from launch to the first step. */
  record Measured(RunFigures figures, Duration toFirstStep, RunFinished finished) {}

  Measured run(Path runs, String runId, int steps, int seed, String dataOverrides, int epochs) throws IOException {
    StringBuilder peerList = new StringBuilder("[");
    for (int i = 1; i <= peers; i++) {
      peerList.append(i > 1 ? ", " : "").append("{name = ").append(model).append('-').append(i)
          .append(model.equals("cnn") ? ", model = cnn" : ", hidden = [256]")
          .append(", seed = ").append(seed * 100 + i).append('}');
    }
    peerList.append(']');
    Config cohort = ConfigFactory.parseString(
        "cohort {\n"
            + "  run { id = \"" + runId + "\", directory = \"" + runs.toAbsolutePath() + "\" }\n"
            + "  data.train-limit = " + steps * 128 + "\n"
            + dataOverrides
            + "  training { epochs = " + epochs + ", seed = " + seed + ", checkpoint-every = 0, report-every = "
            + Math.max(5, steps / 12) + " }\n"
            + "  distillation { topology = \"" + topology + "\", encoding = \"" + encoding + "\", top-k = " + topK
            + ", lookahead = " + lookahead + " }\n"
            + "  peers = " + peerList + "\n"
            + "  cluster.nodes = " + nodes + "\n"
            + "  dashboard.enabled = false\n"
            + "}\n");
    Instant launched = Instant.now();
    Launch.Prepared prepared = Launch.prepare(cohort, "cohort bench speed", new dev.cohort.actors.data.RunDataCache());
    Launch.Outcome outcome = Launch.execute(prepared, nodes - 1, 0, line -> {});
    RunFinished finished = outcome.finished();
    if (outcome.interrupted() || !finished.getSuccess()) {
      throw new IllegalStateException("benchmark run " + runId + " failed: " + finished.getMessage());
    }
    RunFigures figures = RunFigures.read(prepared.settings().runPath());
    Duration toFirst = figures.trainingStarted() == null ? null : Duration.between(launched, figures.trainingStarted());
    System.out.printf(Locale.ROOT, "  %-44s %7.2f ms/step  wait %5.1f%%  codec %5.2f%%  %8.0f B/step/link  timeouts %d  first step after %.1f s%n",
        label + " (" + runId + ")", figures.meanStepMillis(), 100 * figures.waitShare(), 100 * figures.codecShare(),
        figures.bytesPerStepPerLink(), figures.teacherTimeouts(), toFirst == null ? Double.NaN : toFirst.toMillis() / 1e3);
    return new Measured(figures, toFirst, finished);
  }
}

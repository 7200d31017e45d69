package dev.cohort.bench;

import com.typesafe.config.Config;
import dev.cohort.actors.launch.Launch;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark run of the real runtime, in this JVM (and {@code nodes - 1} child JVMs): a cohort
 * of K peers training for one epoch of {@code steps} batches, the dashboard off, and the figures
 * its logs give.
 */
record SpeedRun(
    String label, String model, String topology, int peers, int nodes, String encoding, int topK, int lookahead) {

  /** The outcome: the run's figures and the time from launch to the first step. */
  record Measured(RunFigures figures, Duration toFirstStep, RunFinished finished) {}

  /** @param data settings of the data beyond the training limit ({@link CohortFile#of}), or empty */
  Measured run(Path runs, String runId, int steps, int seed, Config data, int epochs) throws IOException {
    List<Map<String, Object>> peerList = new ArrayList<>();
    for (int i = 1; i <= peers; i++) {
      peerList.add(model.equals("cnn") ? CohortFile.peer(model + "-" + i, "model", "cnn")
          : CohortFile.peer(model + "-" + i, "hidden", List.of(256)));
    }
    Config cohort = data.withFallback(CohortFile.of(CohortFile.settings(
        "run.id", runId, "run.directory", runs.toAbsolutePath().toString(),
        "data.train-limit", steps * 128,
        "training.epochs", epochs, "training.seed", seed, "training.checkpoint-every", 0,
        "training.report-every", Math.max(5, steps / 12),
        "distillation.topology", topology, "distillation.encoding", encoding, "distillation.top-k", topK,
        "distillation.lookahead", lookahead,
        "peers", CohortFile.seeded(peerList, seed),
        "cluster.nodes", nodes,
        "dashboard.enabled", false)));
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

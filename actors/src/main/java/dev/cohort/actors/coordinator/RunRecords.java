package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.model.eval.CohortMetrics;
import dev.cohort.protocol.Checkpointed;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.ValidationPredictions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the coordinator records of a run and prints on the terminal: events and metrics in the run
 * directory (which the dashboard follows), the epoch table once every live peer has reported an
 * epoch, the cohort's metrics (ensemble accuracy, agreement, KL between peers) once every live
 * peer's validation probabilities are in, and one line per placement, checkpoint restored or node
 * change.
 */
final class RunRecords {

  private final CohortSettings settings;
  private final RunDirectory run;
  private final Consumer<String> console;
  private final PeerResults results;
  private final CohortEvaluation evaluation = new CohortEvaluation();

  RunRecords(CohortSettings settings, RunDirectory run, Consumer<String> console, PeerResults results) {
    this.settings = settings;
    this.run = run;
    this.console = console;
    this.results = results;
  }

  void event(String name, Map<String, ?> fields) {
    run.event(name, fields);
  }

  void print(String line) {
    console.accept(line);
  }

  /** The run (re)starts: its event, and a line with what it trains and how. */
  void started(boolean resumed) {
    String topology = settings.distillation().topologyName();
    run.event(resumed ? "run-resumed" : "run-started", Map.of("run", settings.runId(), "peers", settings.peers().size(),
        "nodes", settings.cluster().nodes(), "topology", topology,
        "label_noise", settings.data().labelNoise(), "label_noise_type", settings.data().labelNoiseType().key(),
        "teacher_weighting", settings.distillation().teacherWeighting().name().toLowerCase(Locale.ROOT),
        "selection", settings.distillation().selection().describe()));
  }

  /** The terminal's first line, once the run can go on. */
  void announceWaiting() {
    console.accept(String.format(Locale.ROOT,
        "run %s: %d peers, %s (T=%s, λ=%s%s), %d epochs, waiting for %d node(s)",
        settings.runId(), settings.peers().size(), settings.distillation().topologyName(),
        settings.distillation().temperature(), settings.distillation().lambda(),
        settings.distillation().selection().active() ? ", " + settings.distillation().selection().describe() : "",
        settings.training().epochs(), settings.cluster().nodes()));
  }

  void placed(PeerSpec spec, Placement.Decision decision, boolean resume) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("peer", spec.name());
    fields.put("node", decision.node().address());
    fields.put("slots", decision.node().slots());
    fields.put("device", decision.device() < 0 ? "cpu" : "gpu:" + decision.device());
    fields.put("threads", decision.threads());
    fields.put("oversubscribed", decision.oversubscribed());
    fields.put("resume", resume);
    run.event("peer-placed", fields);
    console.accept("  peer " + spec.name() + " " + spec.hidden() + " -> " + decision.node().address()
        + (decision.device() >= 0 ? " (gpu " + decision.device() + ")" : "")
        + (resume ? " (restarted from its checkpoint)" : ""));
  }

  void checkpointed(Checkpointed checkpoint) {
    if (!checkpoint.getRunId().equals(settings.runId())) {
      return;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("peer", checkpoint.getPeer());
    fields.put("node", checkpoint.getNode());
    fields.put("path", checkpoint.getPath());
    fields.put("step", checkpoint.getStep());
    fields.put("trained_through", checkpoint.getTrainedThrough());
    if (checkpoint.getRestored()) {
      fields.put("rejected", checkpoint.getRejectedList());
      console.accept("  peer " + checkpoint.getPeer() + " resumed from " + checkpoint.getPath()
          + " (step " + checkpoint.getStep() + ")");
      checkpoint.getRejectedList().forEach(r -> console.accept("  unusable checkpoint " + r));
    }
    run.event(checkpoint.getRestored() ? "checkpoint-restored" : "checkpoint", fields);
  }

  /** Keeps a peer's report (in metrics.jsonl unless it is an epoch's result told again) and says what it was. */
  PeerResults.Kind report(PeerReport report) {
    PeerResults.Kind kind = results.add(report);
    if (kind != PeerResults.Kind.TOLD_AGAIN) {
      run.metrics(report);
    }
    return kind;
  }

  /** A KD teacher's epoch of its own training, a row of its own in the table. */
  void teacherEpoch(PeerReport report) {
    console.accept(EpochTable.row("T" + report.getEpoch(), report, settings.distillation().selection().active()));
  }

  /** Prints each epoch's rows once every live peer has reported it. */
  void completedEpochs(List<String> live) {
    results.completedRows(live).forEach(console);
  }

  void validation(ValidationPredictions chunk, List<String> live) {
    if (!chunk.getRunId().equals(settings.runId())) {
      return;
    }
    evaluation.accept(chunk, live).ifPresent(metrics -> cohortMetrics(chunk.getEpoch(), metrics));
  }

  /** A peer was given up: the epochs that waited only for it are complete now. */
  void withoutGivenUp(List<String> live) {
    completedEpochs(live);
    for (int epoch : List.copyOf(evaluation.pendingEpochs())) {
      evaluation.completed(epoch, live).ifPresent(metrics -> cohortMetrics(epoch, metrics));
    }
  }

  private void cohortMetrics(int epoch, CohortMetrics metrics) {
    run.cohortMetrics(epoch, metrics);
    results.cohortLine(epoch, String.format(Locale.ROOT,
            "%5d  %-14s ensemble val_acc %.4f; agreement %.4f, KL %.4f between peers (mean over pairs)",
            epoch, "(cohort)", metrics.ensembleAccuracy(), metrics.meanAgreement(), metrics.meanKl()))
        .forEach(console);
  }

  /** One terminal line per change of a node that holds peers (Pekko's own warnings go to the log file). */
  void nodeChange(String change, String address, List<String> hosted) {
    if (hosted.isEmpty()) {
      return;
    }
    switch (change) {
      case "member-unreachable" -> console.accept("node " + address + " is unreachable; its peers " + hosted
          + " are not waited for while it is");
      case "member-reachable" -> console.accept("node " + address + " is reachable again");
      case "member-downed" -> console.accept("node " + address + " is downed (split-brain resolver)");
      default -> { }
    }
  }

  void close(org.slf4j.Logger log) {
    try {
      run.close();
    } catch (IOException e) {
      log.warn("cannot close the run files in {}: {}", run.root(), e.getMessage());
    }
  }
}

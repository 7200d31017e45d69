package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.dashboard.RunReport;
import dev.cohort.actors.extract.CardFacts;
import dev.cohort.protocol.ExportModel;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.ModelExported;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.RunFinished;
import dev.cohort.protocol.StopTraining;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A run's course: waiting for its nodes, then for its peers, training, exporting the best peer,
 * done. Once every live peer has finished (and no restart is under way) it asks the peer with the
 * best validation accuracy to export itself, writes the model card, and ends the run: the outcome
 * recorded, the run's report written, the peers stopped and every node told. Nothing waits
 * forever: missing nodes or peers after {@code startup-timeout}, or an export missing after
 * {@code export-timeout}, end the run with an error that names what is missing.
 */
final class RunLifecycle {

  enum Phase {
    WAITING_FOR_NODES,
    WAITING_FOR_PEERS,
    TRAINING,
    EXPORTING,
    DONE
  }

  private final CohortSettings settings;
  private final RunRecords records;
  private final PeerResults results;
  private final Roster roster;
  private final Failover failover;
  private final NodeDirectory nodes;
  private final RunTimers timers;
  private final Consumer<RunFinished> onFinished;
  private Phase phase = Phase.WAITING_FOR_NODES;
  private String exportingPeer;

  RunLifecycle(CohortSettings settings, RunRecords records, PeerResults results, Roster roster, Failover failover,
      NodeDirectory nodes, RunTimers timers, Consumer<RunFinished> onFinished) {
    this.settings = settings;
    this.records = records;
    this.results = results;
    this.roster = roster;
    this.failover = failover;
    this.nodes = nodes;
    this.timers = timers;
    this.onFinished = onFinished;
  }

  Phase phase() {
    return phase;
  }

  boolean done() {
    return phase == Phase.DONE;
  }

  /** Training or exporting: peers are out there. */
  boolean running() {
    return phase == Phase.TRAINING || phase == Phase.EXPORTING;
  }

  /** The peers not given up. */
  List<String> livePeers() {
    return roster.live();
  }

  void waitingForPeers() {
    phase = Phase.WAITING_FOR_PEERS;
  }

  /** A coordinator that took over finds the run training. */
  void tookOver() {
    phase = Phase.TRAINING;
  }

  /**
   * While the run waits for its peers: training starts once every live peer has registered (a peer
   * registering, or one given up, can complete the roster).
   */
  void startWhenAllRegistered() {
    if (phase == Phase.WAITING_FOR_PEERS && roster.allRegistered()) {
      startTraining();
    }
  }

  /** Every peer has registered: training starts (with the kd topology, the teacher's alone). */
  void startTraining() {
    timers.cancelStartup();
    phase = Phase.TRAINING;
    records.event("training-started", Map.of("peers", roster.names()));
    records.print("all " + roster.registered() + " peers registered; training starts");
    records.print(EpochTable.header(settings.distillation().selection().active()));
    roster.startTraining();
  }

  /**
   * A peer's report: a KD teacher's epoch of its own (once it is frozen, its students start); an
   * epoch's end (the table's rows once every live peer has reported it; the export once every live
   * peer has finished).
   */
  void report(PeerReport report) {
    if (!report.getRunId().equals(settings.runId())) {
      return;
    }
    switch (records.report(report)) {
      case TEACHER -> {
        if (report.getEpochEnd()) {
          teacherEpoch(report);
        }
      }
      case EPOCH_END -> {
        records.completedEpochs(roster.live());
        maybeExport();
      }
      case TOLD_AGAIN -> maybeExport();
      case STEP -> { }
    }
  }

  /**
   * A peer failed by itself (an error, not its node): during training it is given up, not
   * restarted (it would fail again); before, the run cannot start as configured and ends.
   */
  List<Failover.Decision> failed(PeerFailed failed) {
    if (!failed.getRunId().equals(settings.runId())) {
      return List.of();
    }
    if (running()) {
      return failover.failed(failed.getPeer(), failed.getReason());
    }
    if (phase != Phase.DONE) {
      finish(false, failed.getReason());
    }
    return List.of();
  }

  private void teacherEpoch(PeerReport report) {
    records.teacherEpoch(report);
    if (report.getFrozen()) {
      roster.teacherFrozen(true);
      records.event("teacher-frozen", Map.of("peer", report.getPeer(), "val_accuracy", report.getValAccuracy()));
      records.print("KD teacher " + report.getPeer() + " is frozen after " + report.getEpoch()
          + " epochs of its own; its students start");
      roster.startStudents();
    }
  }

  /** Once every live peer has finished, asks the one with the best validation accuracy to export. */
  void maybeExport() {
    if (phase != Phase.TRAINING || timers.recovering() || !failover.settled()) {
      return;
    }
    List<String> live = roster.live();
    if (live.isEmpty()) {
      finish(false, "every peer was lost: " + failover.dead());
      return;
    }
    if (!live.stream().allMatch(p -> results.isFinished(p) && roster.has(p))) {
      return;
    }
    String best = results.best(live);
    exportingPeer = best;
    phase = Phase.EXPORTING;
    Path directory = settings.runPath().resolve("best");
    double accuracy = results.epochEnd(best).getValAccuracy();
    records.event("best-peer-chosen", Map.of("peer", best, "metric", "val_accuracy", "val_accuracy", accuracy));
    records.print(String.format(Locale.ROOT, "best peer on the validation split: %s (val_acc %.4f); exporting",
        best, accuracy));
    roster.ref(best).tell(PeerInbox.newBuilder()
        .setExport(ExportModel.newBuilder().setRunId(settings.runId()).setDirectory(directory.toString()))
        .build());
    timers.startExport();
  }

  /** A peer was lost: if it was exporting, the best peer is chosen again once every live peer is back and finished. */
  void lost(String peer) {
    if (phase == Phase.EXPORTING && peer.equals(exportingPeer)) {
      timers.cancelExport();
      phase = Phase.TRAINING;
      exportingPeer = null;
    }
  }

  void exported(ModelExported exported) {
    if (phase != Phase.EXPORTING || !exported.getPeer().equals(exportingPeer)) {
      return;
    }
    timers.cancelExport();
    PeerReport last = results.epochEnd(exportingPeer);
    Path cardFile = Path.of(exported.getModelPath()).resolveSibling("model-card.json");
    try {
      CardFacts.card(settings,
              new CardFacts.Measured(exported.getPeer(), Path.of(exported.getModelPath()), exported.getArchitecture(),
                  exported.getParameterCount(), exported.getInputShapeList(), "val_accuracy", last.getValAccuracy(),
                  last.getValLoss(), exported.getTestAccuracy(), exported.getTestLoss(), exported.getTestExamples(), null),
              cardFile, exported.getClasses(), CardFacts.standardization(settings))
          .write(cardFile);
    } catch (IOException | java.io.UncheckedIOException e) {
      finish(false, "cannot write the model card " + cardFile + ": " + e.getMessage());
      return;
    }
    records.event("model-exported", Map.of("peer", exported.getPeer(), "model", exported.getModelPath(),
        "test_accuracy", exported.getTestAccuracy()));
    records.print(String.format(Locale.ROOT,
        "exported %s (%s, %,d parameters): val_acc %.4f, test_acc %.4f on %d test examples",
        exported.getPeer(), exported.getArchitecture(), exported.getParameterCount(),
        last.getValAccuracy(), exported.getTestAccuracy(), exported.getTestExamples()));
    records.print("  model: " + exported.getModelPath());
    records.print("  card:  " + cardFile);
    finishWith(RunFinished.newBuilder()
        .setRunId(settings.runId())
        .setSuccess(true)
        .setMessage("run " + settings.runId() + " finished")
        .setBestPeer(exported.getPeer())
        .setModelPath(exported.getModelPath())
        .setTestAccuracy(exported.getTestAccuracy())
        .build());
  }

  void startupTimedOut() {
    if (phase == Phase.WAITING_FOR_NODES) {
      finish(false, String.format(Locale.ROOT, "only %d of %d nodes joined within %s",
          nodes.available().size(), settings.cluster().nodes(), settings.cluster().startupTimeout()));
    } else if (phase == Phase.WAITING_FOR_PEERS) {
      finish(false, "peers " + roster.missing() + " did not register within " + settings.cluster().startupTimeout());
    }
  }

  void exportTimedOut() {
    if (phase == Phase.EXPORTING) {
      finish(false, "the best peer " + exportingPeer + " did not export within " + settings.cluster().exportTimeout());
    }
  }

  /** The dashboard's stop: the run ends now; the checkpoints stay, so it can be resumed. */
  void stopRequested(String by) {
    if (phase == Phase.DONE) {
      return;
    }
    records.event("stop-requested", Map.of("by", by));
    records.print("stop requested by " + by + "; stopping every peer");
    finish(false, "stopped by " + by + " before the end; every checkpoint is kept (cohort extract "
        + settings.runPath() + ", or cohort run --resume " + settings.runPath() + ")");
  }

  void finish(boolean success, String message) {
    finishWith(RunFinished.newBuilder().setRunId(settings.runId()).setSuccess(success).setMessage(message).build());
  }

  /** Records the outcome, stops the peers and tells every node. */
  private void finishWith(RunFinished outcome) {
    phase = Phase.DONE;
    records.event("run-finished", Map.of("success", outcome.getSuccess(), "message", outcome.getMessage()));
    if (!outcome.getSuccess()) {
      records.print("run failed: " + outcome.getMessage());
    }
    try {
      records.print("report: " + RunReport.write(settings) + " (plots: accuracy.png, loss.png)");
    } catch (IOException | RuntimeException e) {
      records.print("cannot write the run's report: " + e.getMessage() + " (cohort report " + settings.runPath()
          + " retries)");
    }
    roster.tellAll(PeerInbox.newBuilder()
        .setStop(StopTraining.newBuilder().setRunId(settings.runId()).setReason(outcome.getMessage()))
        .build());
    HostInbox finished = HostInbox.newBuilder().setRunFinished(outcome).build();
    nodes.toldOfTheOutcome().forEach(node -> node.tell(finished));
    onFinished.accept(outcome);
  }
}

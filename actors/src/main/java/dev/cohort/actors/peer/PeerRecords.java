package dev.cohort.actors.peer;

import dev.cohort.actors.data.RunData;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.PeerReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * What a peer records of itself and tells its coordinator: progress and epoch reports, atomic
 * checkpoints, its validation probabilities (behind the cohort's metrics), where it resumed, and
 * the exported model. A checkpoint is
 * written only from finite weights and only by the copy of the peer that owns its folder, so the
 * last good one always stays.
 */
final class PeerRecords {

  private final String name;
  private final PeerSetup setup;
  private final PeerNetwork network;
  private final RunData data;
  private final PeerMessages messages;
  private final CoordinatorLink coordinator;
  private final Checkpoints checkpoints;
  private final CheckpointFence fence;
  private final StepFigures figures;
  private final int batchesPerEpoch;

  PeerRecords(PeerSetup setup, PeerTrainer.Loaded loaded, PeerMessages messages, CoordinatorLink coordinator,
      StepFigures figures, int batchesPerEpoch) {
    this.name = setup.spec().name();
    this.setup = setup;
    this.network = loaded.network();
    this.data = loaded.data();
    this.messages = messages;
    this.coordinator = coordinator;
    this.checkpoints = loaded.checkpoints();
    this.fence = loaded.fence();
    this.figures = figures;
    this.batchesPerEpoch = batchesPerEpoch;
  }

  /**
   * Reports {@code report} with the figures it covers: an epoch-end report's are the whole epoch
   * just completed ({@code position}'s epoch), a progress report's those since the last report, of
   * the epoch in progress. Epoch results are kept for a coordinator that takes over later.
   */
  void report(PeerReport.Builder report, Position position) {
    boolean epochEnd = report.getEpochEnd();
    int reportedEpoch = epochEnd ? position.epoch() : position.epoch() + 1;
    report.setTrainedThrough(position.trainedThrough()).setRestarts(setup.start().restarts())
        .setStepsPerEpoch(batchesPerEpoch);
    CoordinatorInbox message =
        messages.report(figures.drainInto(report, epochEnd), reportedEpoch, position.step(), network);
    if (epochEnd) {
      coordinator.tellEpochResult(message);
    } else {
      coordinator.tell(message);
    }
  }

  /** Writes a checkpoint atomically (model, updater state, position) and tells the coordinator. */
  void checkpoint(Checkpoints.State state) throws IOException {
    if (!network.isFinite()) {
      throw Divergence.diverged(state.step(), "non-finite weights", learningRate()); // the last good one stays
    }
    if (!fence.held()) {
      throw new CheckpointFence.Superseded(name);
    }
    Path model = checkpoints.write(network, state);
    coordinator.tell(messages.checkpointed(model, state, false, List.of()));
  }

  /** The probabilities behind the coordinator's cohort metrics. */
  void validation(int epoch, PeerNetwork.Evaluation validation) {
    messages.validation(epoch, validation.probabilities(), data.validation()).forEach(coordinator::tell);
  }

  /**
   * A restarted peer says where it continues: where its checkpoint left off, or (failover) at the
   * batch its cohort has reached, the batches in between skipped so that it is in step with its
   * teachers at once; from its initial weights when it had no checkpoint yet.
   */
  void resumed(Optional<Checkpoints.Restored> restored, Position position, Logger log) {
    restored.ifPresentOrElse(
        r -> {
          log.info("peer {} resumes from {} (step {}) at epoch {}, batch {}; rejected: {}",
              name, r.model(), r.state().step(), position.epoch() + 1, position.batchIndex(), r.rejected());
          coordinator.tell(messages.checkpointed(r.model(), r.state(), true, r.rejected()));
        },
        () -> log.warn("peer {} has no checkpoint yet: it restarts from its initial weights", name));
  }

  /** The final model: saved into {@code directory}, its test figures told to the coordinator. */
  void export(Path directory, Logger log) throws IOException {
    Path file = directory.resolve("model.zip");
    network.save(file);
    PeerNetwork.Evaluation test = network.evaluate(data.test());
    log.info("peer {} exported to {}; test accuracy {}", name, file, String.format("%.4f", test.accuracy()));
    coordinator.tell(messages.exported(file, test, network));
  }

  double learningRate() {
    return setup.spec().learningRate(setup.settings().training().learningRate());
  }
}

package dev.cohort.actors.peer;

import dev.cohort.actors.data.RunData;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.PeerReport;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;

/**
 * What a peer does at the end of each epoch: evaluates on the validation split (the accuracy its
 * students' teacher weighting reads), checkpoints, sends its validation probabilities and reports.
 * A KD teacher's last own epoch freezes it (its checkpoint already records it frozen); a peer's
 * last epoch finishes it, after which it tells every linked peer so, to hold nobody back.
 */
final class EpochEnds {

  /** The progress a finished peer reports: past every batch. */
  static final long FINISHED = Long.MAX_VALUE;

  private final String name;
  private final PeerNetwork network;
  private final RunData data;
  private final Exchange exchange;
  private final Position position;
  private final PeerRecords records;
  private final Outbox outbox;
  private final Logger log;

  EpochEnds(String name, PeerNetwork network, RunData data, Exchange exchange, Position position, PeerRecords records,
      Outbox outbox, Logger log) {
    this.name = name;
    this.network = network;
    this.data = data;
    this.exchange = exchange;
    this.position = position;
    this.records = records;
    this.outbox = outbox;
    this.log = log;
  }

  void end() throws IOException {
    PeerNetwork.Evaluation validation = network.evaluate(data.validation());
    exchange.evaluated(validation.accuracy());
    boolean wasFrozen = position.frozen();
    boolean ownTraining = position.pretraining();
    Position.EpochEnd end = position.endEpoch();
    if (!wasFrozen) {
      records.checkpoint(end == Position.EpochEnd.FREEZES ? position.frozenState() : position.state());
    }
    log.info("peer {} finished {}epoch {}: validation accuracy {}", name, ownTraining ? "its own training " : "",
        position.epoch(), String.format("%.4f", validation.accuracy()));
    PeerReport.Builder report = PeerReport.newBuilder().setEpochEnd(true).setValAccuracy(validation.accuracy())
        .setValLoss(validation.crossEntropy());
    if (ownTraining) {
      records.report(report.setPretraining(true).setFrozen(end == Position.EpochEnd.FREEZES), position);
      if (end == Position.EpochEnd.FREEZES) {
        position.startServing();
      }
      return;
    }
    // The probabilities first: when the last report of an epoch arrives, its cohort metrics can too.
    records.validation(position.epoch(), validation);
    records.report(report.setFinished(position.finished()).setFrozen(position.frozen()), position);
    if (position.finished()) {
      releaseLinkedPeers();
    }
  }

  /** Resumed from the checkpoint of its last epoch: it has nothing left to train, and says so. */
  void finishResumed() {
    PeerNetwork.Evaluation validation = network.evaluate(data.validation());
    position.finish();
    records.report(PeerReport.newBuilder().setEpochEnd(true).setFinished(true).setFrozen(position.frozen())
        .setValAccuracy(validation.accuracy()).setValLoss(validation.crossEntropy()), position);
    releaseLinkedPeers();
  }

  private void releaseLinkedPeers() {
    Set<String> linked = new TreeSet<>(exchange.teachers());
    linked.addAll(exchange.students());
    outbox.progress(FINISHED, linked);
  }
}

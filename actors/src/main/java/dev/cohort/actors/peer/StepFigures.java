package dev.cohort.actors.peer;

import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.protocol.PeerReport;

/**
 * What a peer measures of its steps, summed twice: since its last progress report, and since its
 * epoch began (an epoch-end report covers the whole epoch, whatever was reported during it).
 */
final class StepFigures {

  private final ReportWindow sinceReport = new ReportWindow();
  private final ReportWindow sinceEpoch = new ReportWindow();

  /** @param keptRows the rows whose labels trained (all of them without small-loss selection) */
  void addStep(DistillationLoss.Parts parts, int correctInBatch, int batchSize, int keptRows) {
    sinceReport.addStep(parts, correctInBatch, batchSize, keptRows);
    sinceEpoch.addStep(parts, correctInBatch, batchSize, keptRows);
  }

  void addWait(long nanos) {
    sinceReport.addWait(nanos);
    sinceEpoch.addWait(nanos);
  }

  /** Time spent encoding or decoding predictions; {@code bytesSent} > 0 for a message sent. */
  void addCodec(long nanos, int bytesSent) {
    sinceReport.addCodec(nanos, bytesSent);
    sinceEpoch.addCodec(nanos, bytesSent);
  }

  /**
   * {@code messages} prediction messages for students, handed to a mailbox here or carried to
   * another node; {@code remote} of them crossed to another node (one relay counts once however
   * many students it carries to).
   */
  void addSends(int messages, int remote) {
    sinceReport.addSends(messages, remote);
    sinceEpoch.addSends(messages, remote);
  }

  void addTimeouts(int missingTeachers) {
    sinceReport.addTimeouts(missingTeachers);
    sinceEpoch.addTimeouts(missingTeachers);
  }

  void addStaleness(Exchange.Target target) {
    sinceReport.addStaleness(target.stalenessSum(), target.teachersUsed(), target.maxStaleness());
    sinceEpoch.addStaleness(target.stalenessSum(), target.teachersUsed(), target.maxStaleness());
  }

  /** Starts both clocks now: time before training (waiting for the start) is nobody's step time. */
  void restart() {
    sinceReport.restart();
    sinceEpoch.restart();
  }

  /**
   * Fills the figures of {@code report}: the epoch's for an epoch-end report (both windows start
   * again), else those since the last report.
   */
  PeerReport.Builder drainInto(PeerReport.Builder report, boolean epochEnd) {
    if (!epochEnd) {
      return sinceReport.drainInto(report);
    }
    sinceReport.restart();
    return sinceEpoch.drainInto(report);
  }
}

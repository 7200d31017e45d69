package dev.cohort.actors.coordinator;

import dev.cohort.protocol.PeerReport;
import java.util.Locale;

/** The per-epoch, per-peer lines the coordinator prints: the loss split into CE and KD, accuracies. */
final class EpochTable {

  private EpochTable() {}

  static String header() {
    return String.format(
        Locale.ROOT, "%5s  %-14s %8s %8s %9s %8s %8s %7s %8s",
        "epoch", "peer", "ce", "kd", "train_acc", "val_acc", "steps/s", "wait%", "timeouts");
  }

  static String row(PeerReport report) {
    return row(String.valueOf(report.getEpoch()), report);
  }

  /** A row whose first column reads {@code label} instead of the epoch (e.g. a KD teacher's own epochs). */
  static String row(String label, PeerReport report) {
    return String.format(
        Locale.ROOT, "%5s  %-14s %8.4f %8.4f %9.4f %8.4f %8.1f %7.1f %8d",
        label,
        report.getPeer(),
        report.getCeLoss(),
        report.getKdLoss(),
        report.getTrainAccuracy(),
        report.getValAccuracy(),
        report.getStepsPerSecond(),
        100 * report.getWaitFraction(),
        report.getTeacherTimeouts());
  }
}

package dev.cohort.actors.peer;

import dev.cohort.model.DistillationLoss;
import dev.cohort.protocol.PeerReport;

/** Running sums of a peer's steps since its last report, turned into a {@link PeerReport}. */
final class ReportWindow {

  private double crossEntropy;
  private double distillation;
  private long correct;
  private long examples;
  private long steps;
  private long waitNanos;
  private long timeouts;
  private long stalenessSum;
  private long stalenessCount;
  private long maxStaleness;
  private long startedNanos = System.nanoTime();

  void addStep(DistillationLoss.Parts parts, int correctInBatch, int batchSize) {
    crossEntropy += parts.crossEntropy() * batchSize;
    distillation += parts.distillation() * batchSize;
    correct += correctInBatch;
    examples += batchSize;
    steps++;
  }

  void addWait(long nanos) {
    waitNanos += nanos;
  }

  void addTimeouts(int missingTeachers) {
    timeouts += missingTeachers;
  }

  void addStaleness(long sum, int count, long max) {
    stalenessSum += sum;
    stalenessCount += count;
    maxStaleness = Math.max(maxStaleness, max);
  }

  /** Starts the clock now: time before training (waiting for the start) is nobody's step time. */
  void restart() {
    drainInto(PeerReport.newBuilder());
  }

  /** Fills the window's fields of {@code report} and starts a new window. */
  PeerReport.Builder drainInto(PeerReport.Builder report) {
    long now = System.nanoTime();
    double seconds = Math.max(1e-9, (now - startedNanos) / 1e9);
    report
        .setCeLoss(examples == 0 ? 0 : crossEntropy / examples)
        .setKdLoss(examples == 0 ? 0 : distillation / examples)
        .setTrainAccuracy(examples == 0 ? 0 : (double) correct / examples)
        .setStepsPerSecond(steps / seconds)
        .setWaitFraction(Math.min(1.0, waitNanos / 1e9 / seconds))
        .setTeacherTimeouts(timeouts)
        .setMeanStaleness(stalenessCount == 0 ? 0 : (double) stalenessSum / stalenessCount)
        .setMaxStaleness(maxStaleness);
    crossEntropy = 0;
    distillation = 0;
    correct = 0;
    examples = 0;
    steps = 0;
    waitNanos = 0;
    timeouts = 0;
    stalenessSum = 0;
    stalenessCount = 0;
    maxStaleness = 0;
    startedNanos = now;
    return report;
  }
}

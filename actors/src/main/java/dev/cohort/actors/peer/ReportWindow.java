package dev.cohort.actors.peer;

import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.protocol.PeerReport;

/** Running sums of a peer's steps since its last report, turned into a {@link PeerReport}. */
final class ReportWindow {

  private double crossEntropy;
  private double distillation;
  private long correct;
  private long examples;
  private long kept;
  private long steps;
  private long waitNanos;
  private long codecNanos;
  private long sentBytes;
  private long sentMessages;
  private long sends;
  private long remoteSends;
  private long timeouts;
  private long stalenessSum;
  private long stalenessCount;
  private long maxStaleness;
  private long startedNanos = System.nanoTime();

  /** @param keptRows the rows whose labels trained (all of them without small-loss selection) */
  void addStep(DistillationLoss.Parts parts, int correctInBatch, int batchSize, int keptRows) {
    crossEntropy += parts.crossEntropy() * batchSize;
    distillation += parts.distillation() * batchSize;
    correct += correctInBatch;
    examples += batchSize;
    kept += keptRows;
    steps++;
  }

  void addWait(long nanos) {
    waitNanos += nanos;
  }

  /** Time spent encoding or decoding predictions; {@code bytesSent} > 0 for a message sent. */
  void addCodec(long nanos, int bytesSent) {
    codecNanos += nanos;
    if (bytesSent > 0) {
      sentBytes += bytesSent;
      sentMessages++;
    }
  }

  /** {@code messages} prediction messages for students, {@code remote} of them carried to another node. */
  void addSends(int messages, int remote) {
    sends += messages;
    remoteSends += remote;
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
        .setMaxStaleness(maxStaleness)
        .setCodecFraction(Math.min(1.0, codecNanos / 1e9 / seconds))
        .setPredictionBytes(sentMessages == 0 ? 0 : (double) sentBytes / sentMessages)
        .setKeptFraction(examples == 0 ? 1 : (double) kept / examples)
        .setPredictionsSent(sends)
        .setPredictionsSentRemote(remoteSends);
    crossEntropy = 0;
    distillation = 0;
    correct = 0;
    examples = 0;
    kept = 0;
    steps = 0;
    waitNanos = 0;
    codecNanos = 0;
    sentBytes = 0;
    sentMessages = 0;
    sends = 0;
    remoteSends = 0;
    timeouts = 0;
    stalenessSum = 0;
    stalenessCount = 0;
    maxStaleness = 0;
    startedNanos = now;
    return report;
  }
}

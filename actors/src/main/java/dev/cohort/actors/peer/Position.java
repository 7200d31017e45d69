package dev.cohort.actors.peer;

import dev.cohort.model.nn.Checkpoints;

/**
 * Where a peer stands in its training: epochs done, the batch within the epoch in progress, the
 * optimizer steps taken, the last batch trained through, and its phase. A KD teacher first trains
 * alone ({@code pretraining}) for its own epochs, is then frozen, and counts its students' epochs
 * from zero; any other peer trains for {@code training.epochs} and has then finished.
 */
final class Position {

  /** What the end of an epoch changes. */
  enum EpochEnd {
    /** Training goes on with the next epoch. */
    GOES_ON,
    /** A KD teacher's own training is over: it is frozen from here on. */
    FREEZES,
    /** The peer's last epoch is over. */
    FINISHES
  }

  private final int epochs;
  private final int teacherEpochs;
  private int epoch;
  private int batchIndex;
  private long step;
  private long trainedThrough;
  private boolean pretraining;
  private boolean frozen;
  private boolean finished;
  /** The forget rate of small-loss selection once estimated from the data (null: not yet). */
  private Double forgetRate;

  /**
   * @param epochs {@code training.epochs}
   * @param teacherEpochs a KD teacher's own epochs before it is frozen
   */
  Position(Checkpoints.State state, int epochs, int teacherEpochs) {
    this.epochs = epochs;
    this.teacherEpochs = teacherEpochs;
    this.epoch = state.epoch();
    this.batchIndex = state.batchIndex();
    this.step = state.step();
    this.trainedThrough = state.trainedThrough();
    this.pretraining = state.pretraining();
    this.frozen = state.frozen();
    this.forgetRate = state.forgetRate();
  }

  /** The KD teacher, at its very start: it trains alone first. */
  void startAsKdTeacher() {
    pretraining = true;
  }

  int epoch() {
    return epoch;
  }

  int batchIndex() {
    return batchIndex;
  }

  long step() {
    return step;
  }

  long trainedThrough() {
    return trainedThrough;
  }

  boolean pretraining() {
    return pretraining;
  }

  boolean frozen() {
    return frozen;
  }

  boolean finished() {
    return finished;
  }

  /** Whether every epoch is done (a peer resumed from its last epoch's checkpoint). */
  boolean pastLastEpoch() {
    return !pretraining && epoch >= epochs;
  }

  /** One optimizer step taken. */
  void stepTaken() {
    step++;
  }

  /** The step on {@code batchId} is over (trained or, frozen, served). */
  void trainedThrough(long batchId) {
    batchIndex++;
    trainedThrough = batchId;
  }

  /** An epoch is over: the next one begins, or the phase changes. */
  EpochEnd endEpoch() {
    epoch++;
    batchIndex = 0;
    if (pretraining) {
      if (epoch < teacherEpochs) {
        return EpochEnd.GOES_ON;
      }
      frozen = true;
      return EpochEnd.FREEZES;
    }
    finished = epoch == epochs;
    return finished ? EpochEnd.FINISHES : EpochEnd.GOES_ON;
  }

  /** After a KD teacher's last own epoch is reported: its students' epochs start from zero. */
  void startServing() {
    pretraining = false;
    epoch = 0;
  }

  /** Resumed past its last epoch: nothing left to train. */
  void finish() {
    finished = true;
  }

  /** The forget rate estimated from the data, if it was (it is checkpointed with the position). */
  java.util.Optional<Double> estimatedForgetRate() {
    return java.util.Optional.ofNullable(forgetRate);
  }

  void forgetRateEstimated(double rate) {
    forgetRate = rate;
  }

  /** What a checkpoint written now records. */
  Checkpoints.State state() {
    return new Checkpoints.State(step, trainedThrough, epoch, batchIndex, pretraining, frozen, forgetRate);
  }

  /** What the checkpoint of a KD teacher's last own epoch records: as it will be, frozen, serving from the first batch. */
  Checkpoints.State frozenState() {
    return new Checkpoints.State(step, -1, 0, 0, false, true);
  }
}

package dev.cohort.actors.peer;

import dev.cohort.model.nn.Checkpoints;
import java.util.Optional;

/**
 * Where a peer that restarts from a checkpoint stands: the checkpoint's position, or (failover)
 * the batch its cohort has reached, with the batches in between skipped. In lock-step a peer's
 * step count is its position in the shared schedule, so a rejoining peer takes that as its step
 * (a frozen teacher keeps its own; a KD teacher still training alone keeps its checkpoint's).
 */
final class Resumption {

  private Resumption() {}

  /** No checkpoint yet: the very beginning. */
  static final Checkpoints.State START = new Checkpoints.State(0, -1, 0, 0, false, false);

  static Checkpoints.State resume(Optional<Checkpoints.State> checkpoint, long rejoinAtBatch, int batchesPerEpoch) {
    Checkpoints.State state = checkpoint.orElse(START);
    if (rejoinAtBatch < 0 || state.pretraining()) {
      return state;
    }
    return new Checkpoints.State(
        state.frozen() ? state.step() : rejoinAtBatch,
        rejoinAtBatch - 1,
        (int) (rejoinAtBatch / batchesPerEpoch),
        (int) (rejoinAtBatch % batchesPerEpoch),
        false,
        state.frozen(),
        state.forgetRate());
  }
}

package dev.cohort.actors.peer;

/**
 * How a peer's training step exchanges predictions: {@link LockStep} (mutual learning, ensemble
 * targets, chains, KD students: every peer on the same batch) or {@link Codistillation} (own
 * shards, stale predictions). A frozen KD teacher does not train and is served by
 * {@link FrozenTeacher} instead.
 */
interface StepMode {

  /** softmax(z / T) of this peer's model as it is now, on some rows of the training split. */
  interface Predictor {
    float[] softenedOn(int[] rows);
  }

  /** Before the forward pass of the step on batch {@code id}: what is sent ahead of time. */
  void beforeStep(long id);

  /**
   * Between the forward and the backward pass of the step on batch {@code id}: sends what this
   * step sends, takes what has arrived (waiting where the mode waits) and returns the step's
   * target, rows × classes, row-major (all zeros: no teacher for this step), with the teachers'
   * rows it was made of.
   *
   * @param softened this step's own softmax(z / T), or null when nobody needs it
   */
  Exchange.Target target(long id, int[] labels, int classes, float[] softened);
}

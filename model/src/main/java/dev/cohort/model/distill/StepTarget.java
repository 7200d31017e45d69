package dev.cohort.model.distill;

/**
 * What a training step learns from, besides its inputs: the target {@code t} of the distillation
 * term and, per row, the weight of that row's label in the cross-entropy term.
 *
 * <p>The {@link DistillationLoss} reads a row whose one-hot label is scaled by {@code w} as that
 * row's cross-entropy counted {@code w} times, and a target row scaled by {@code w} as its
 * distillation term counted {@code w} times (an all-zero row: none). Small-loss selection
 * ({@link SmallLossSelection}) is written this way: weight {@code n/kept} on the rows it keeps and
 * 0 on the others, which is the mean over the kept rows that co-teaching and JoCoR train on.
 *
 * @param target rows × classes, row-major; rows of zeros where no teacher answered
 * @param labelWeights per row, the weight of its label's cross-entropy; null: 1 for every row
 */
public record StepTarget(float[] target, float[] labelWeights) {

  /** A target with every label at weight 1: plain cross-entropy plus distillation. */
  public static StepTarget of(float[] target) {
    return new StepTarget(target, null);
  }

  /** Of the step's {@code rows}, those whose labels train (weight > 0): all of them without weights. */
  public int keptRows(int rows) {
    if (labelWeights == null) {
      return rows;
    }
    int kept = 0;
    for (float weight : labelWeights) {
      kept += weight > 0 ? 1 : 0;
    }
    return kept;
  }

  /** The weight of row {@code r}'s label. */
  public float labelWeight(int r) {
    return labelWeights == null ? 1f : labelWeights[r];
  }
}

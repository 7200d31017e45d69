package dev.cohort.model.data;

import java.util.SplittableRandom;

/**
 * Symmetric label noise, for experiments on learning from wrong labels: each example's label is
 * replaced, with probability {@code p}, by one of the other classes drawn uniformly, so a fraction
 * of about {@code p} of the labels is wrong and every wrong class is equally likely. Deterministic
 * from the seed: every node of a run (and every rerun) corrupts the same examples the same way.
 */
public final class LabelNoise {

  /** The noisy copy and which of its rows had their label changed. */
  public record Applied(LabeledData data, int changed) {}

  private LabelNoise() {}

  /**
   * {@code data} with symmetric noise at rate {@code p}; {@code p = 0} returns it unchanged.
   *
   * @throws IllegalArgumentException unless 0 <= p < 1, or when there is only one class
   */
  public static Applied apply(LabeledData data, double p, long seed) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("label noise must be in [0, 1), found " + p);
    }
    if (p == 0) {
      return new Applied(data, 0);
    }
    if (data.classes() < 2) {
      throw new IllegalArgumentException("label noise needs at least 2 classes, found " + data.classes());
    }
    // One draw per example whatever happens to it, so example i's fate does not depend on the others.
    SplittableRandom random = new SplittableRandom(seed ^ 0x6c6162656c4e6f69L);
    int[] labels = data.labels(data.allRows());
    int changed = 0;
    for (int i = 0; i < labels.length; i++) {
      double draw = random.nextDouble();
      int offset = 1 + random.nextInt(data.classes() - 1);
      if (draw < p) {
        labels[i] = (labels[i] + offset) % data.classes();
        changed++;
      }
    }
    return new Applied(data.withLabels(labels), changed);
  }
}

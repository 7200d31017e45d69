package dev.cohort.model.data;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Label noise, for experiments on learning from wrong labels: each example's label is replaced,
 * with probability {@code p}, by another class, so a fraction of about {@code p} of the labels is
 * wrong. {@link Type#SYMMETRIC}: the other class is drawn uniformly; {@link Type#PAIR}: it is the
 * next class, {@code (y + 1) mod C} (the asymmetric benchmark of Han et al. 2018, where at 45 %
 * a wrong class is nearly as frequent as the right one). Deterministic from the seed: every node of
 * a run (and every rerun) corrupts the same examples the same way, and both types change the same
 * examples for one seed and rate.
 */
public final class LabelNoise {

  /** How a label that is made wrong is chosen. */
  public enum Type {
    /** One of the other classes, uniformly. */
    SYMMETRIC,
    /** The next class, {@code (y + 1) mod C}. */
    PAIR;

    /** The name the cohort file uses: {@code symmetric}, {@code pair}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The noisy copy and how many of its rows had their label changed. */
  public record Applied(LabeledData data, int changed) {}

  private LabelNoise() {}

  /** {@code data} with symmetric noise at rate {@code p}; {@code p = 0} returns it unchanged. */
  public static Applied apply(LabeledData data, double p, long seed) {
    return apply(data, p, Type.SYMMETRIC, seed);
  }

  /**
   * {@code data} with noise of {@code type} at rate {@code p}; {@code p = 0} returns it unchanged.
   *
   * @throws IllegalArgumentException unless 0 <= p < 1, or when there is only one class
   */
  public static Applied apply(LabeledData data, double p, Type type, long seed) {
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
        labels[i] = (labels[i] + (type == Type.PAIR ? 1 : offset)) % data.classes();
        changed++;
      }
    }
    return new Applied(data.withLabels(labels), changed);
  }
}

package dev.cohort.model.data;

import java.util.SplittableRandom;

/** Seeded permutations; SplittableRandom's output is specified, so they are the same on every JVM. */
final class Permutations {

  private Permutations() {}

  static int[] shuffled(int size, long seed) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = size - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }
}

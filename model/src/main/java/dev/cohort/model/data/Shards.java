package dev.cohort.model.data;

import java.util.Arrays;

/**
 * Splits {@code size} rows into {@code count} disjoint shards of near-equal size (they differ by
 * at most one row), deterministically from a seed: every node computes the same shards, so a
 * teacher can compute predictions on its student's batches without asking for them.
 */
public final class Shards {

  private Shards() {}

  /** Row indices of shard {@code index} of {@code count}, in increasing order. */
  public static int[] of(int size, int count, int index, long seed) {
    if (count <= 0 || index < 0 || index >= count) {
      throw new IllegalArgumentException("shard " + index + " of " + count + " does not exist");
    }
    if (count > size) {
      throw new IllegalArgumentException(size + " examples cannot make " + count + " non-empty shards");
    }
    int[] order = Permutations.shuffled(size, seed);
    int from = (int) ((long) size * index / count);
    int to = (int) ((long) size * (index + 1) / count);
    int[] shard = Arrays.copyOfRange(order, from, to);
    Arrays.sort(shard);
    return shard;
  }
}

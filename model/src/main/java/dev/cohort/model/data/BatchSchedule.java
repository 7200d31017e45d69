package dev.cohort.model.data;

import java.util.Arrays;

/**
 * Which examples form batch {@code index} of epoch {@code epoch}: a fresh seeded shuffle per
 * epoch, cut into batches of {@code batchSize} (the last one may be smaller). Every peer that
 * builds a schedule from the same seed, size and batch size sees the same batches — what mutual
 * learning needs to compare predictions on identical examples.
 */
public final class BatchSchedule {

  private final int[] domain;
  private final int size;
  private final int batchSize;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedOrder;

  /** Batches over rows 0 … size−1. */
  public BatchSchedule(int size, int batchSize, long seed) {
    this(identity(size), batchSize, seed);
  }

  /** Batches over the given rows only (a shard). */
  public BatchSchedule(int[] rows, int batchSize, long seed) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("a batch schedule needs at least one example, found 0");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, found " + batchSize);
    }
    this.domain = rows.clone();
    this.size = rows.length;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  private static int[] identity(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("a batch schedule needs at least one example, found " + size);
    }
    int[] rows = new int[size];
    for (int i = 0; i < size; i++) {
      rows[i] = i;
    }
    return rows;
  }

  public int batchesPerEpoch() {
    return (size + batchSize - 1) / batchSize;
  }

  /** Rows of batch {@code index} (0-based) in epoch {@code epoch} (0-based). */
  public int[] batch(int epoch, int index) {
    if (index < 0 || index >= batchesPerEpoch()) {
      throw new IndexOutOfBoundsException(
          "batch " + index + " outside [0, " + batchesPerEpoch() + ") of epoch " + epoch);
    }
    if (epoch != cachedEpoch) {
      cachedOrder = Permutations.shuffled(size, seed * 1_000_003L + epoch);
      cachedEpoch = epoch;
    }
    int from = index * batchSize;
    int[] batch = Arrays.copyOfRange(cachedOrder, from, Math.min(size, from + batchSize));
    for (int i = 0; i < batch.length; i++) {
      batch[i] = domain[batch[i]];
    }
    return batch;
  }

  /** Rows of the batch trained at global step {@code step} (epochs follow each other). */
  public int[] batchAtStep(long step) {
    return batch((int) (step / batchesPerEpoch()), (int) (step % batchesPerEpoch()));
  }

  /** The global batch id of (epoch, index): the step number in lock-step training. */
  public long batchId(int epoch, int index) {
    return (long) epoch * batchesPerEpoch() + index;
  }
}
